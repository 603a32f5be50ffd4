// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {UnknownBilateral} from "./Errors.sol";
import {BilateralRegistry} from "./BilateralRegistry.sol";

/// @title InvoicePledges
/// @notice An invoice (by its hash) pledged to one financier at most, so the
/// same receivable cannot be financed twice.
/// @dev Why the seller pledges and only the financier releases: the seller
/// owns the receivable and offers it; once it is pledged, the financier holds
/// the claim until it is repaid, and the seller must not be able to withdraw
/// it to pledge elsewhere. The key is the invoice hash alone, across all
/// bilaterals, because double financing is exactly the same invoice presented
/// to two financiers. After release the invoice may be pledged again.
contract InvoicePledges {
    struct Pledge {
        address financier;
        uint64 pledgedAt;
        bytes32 bilateralId;
    }

    BilateralRegistry public immutable bilaterals;
    mapping(bytes32 invoiceHash => Pledge) private _pledges;

    error NotSeller(bytes32 bilateralId, address caller);
    error ZeroFinancier();
    error AlreadyPledged(bytes32 invoiceHash, address financier);
    error NotPledged(bytes32 invoiceHash);
    error NotFinancier(bytes32 invoiceHash, address caller);

    event Pledged(bytes32 indexed invoiceHash, bytes32 indexed bilateralId, address indexed financier);
    event Released(bytes32 indexed invoiceHash, bytes32 indexed bilateralId, address indexed financier);

    constructor(BilateralRegistry bilaterals_) {
        bilaterals = bilaterals_;
    }

    /// @notice Pledges `invoiceHash` of `bilateralId` to `financier`; only the seller's current account.
    function pledge(bytes32 invoiceHash, bytes32 bilateralId, address financier) external {
        (address sellerAccount,) = bilaterals.accountsOf(bilateralId);
        if (sellerAccount == address(0)) revert UnknownBilateral(bilateralId);
        if (msg.sender != sellerAccount) revert NotSeller(bilateralId, msg.sender);
        if (financier == address(0)) revert ZeroFinancier();
        address current = _pledges[invoiceHash].financier;
        if (current != address(0)) revert AlreadyPledged(invoiceHash, current);
        _pledges[invoiceHash] =
            Pledge({financier: financier, pledgedAt: uint64(block.timestamp), bilateralId: bilateralId});
        emit Pledged(invoiceHash, bilateralId, financier);
    }

    /// @notice Releases the pledge; only the financier it is pledged to.
    function release(bytes32 invoiceHash) external {
        Pledge storage p = _pledges[invoiceHash];
        address financier = p.financier;
        if (financier == address(0)) revert NotPledged(invoiceHash);
        if (msg.sender != financier) revert NotFinancier(invoiceHash, msg.sender);
        bytes32 bilateralId = p.bilateralId;
        delete _pledges[invoiceHash];
        emit Released(invoiceHash, bilateralId, financier);
    }

    /// @notice The current pledge; all zero when the invoice is not pledged.
    function pledgeOf(bytes32 invoiceHash)
        external
        view
        returns (address financier, bytes32 bilateralId, uint64 pledgedAt)
    {
        Pledge storage p = _pledges[invoiceHash];
        return (p.financier, p.bilateralId, p.pledgedAt);
    }
}
