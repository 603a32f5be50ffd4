// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {NotABilateralParty, UnknownBilateral, ZeroValue} from "./Errors.sol";
import {BilateralRegistry} from "./BilateralRegistry.sol";

/// @title ResourceCommitments
/// @notice A unique resource (port, VLAN, IP block, spectrum slot — by the
/// keccak256 of its canonical name) committed to one bilateral at most.
/// @dev Why either party may release: the resource serves the bilateral, and
/// both sides must be able to free it when the service ends without waiting
/// for the other. A party of another bilateral cannot touch the commitment.
contract ResourceCommitments {
    struct Commitment {
        bytes32 bilateralId;
        address by;
        uint64 committedAt;
    }

    BilateralRegistry public immutable bilaterals;
    mapping(bytes32 resourceId => Commitment) private _commitments;

    error AlreadyCommitted(bytes32 resourceId, bytes32 bilateralId);
    error NotCommitted(bytes32 resourceId);

    event Committed(bytes32 indexed resourceId, bytes32 indexed bilateralId, address by);
    event Released(bytes32 indexed resourceId, bytes32 indexed bilateralId, address by);

    constructor(BilateralRegistry bilaterals_) {
        bilaterals = bilaterals_;
    }

    /// @notice Commits `resourceId` to `bilateralId`; only a current account of one of its parties.
    function commit(bytes32 resourceId, bytes32 bilateralId) external {
        if (resourceId == bytes32(0)) revert ZeroValue("resourceId");
        _requireParty(bilateralId);
        bytes32 current = _commitments[resourceId].bilateralId;
        if (current != bytes32(0)) revert AlreadyCommitted(resourceId, current);
        _commitments[resourceId] =
            Commitment({bilateralId: bilateralId, by: msg.sender, committedAt: uint64(block.timestamp)});
        emit Committed(resourceId, bilateralId, msg.sender);
    }

    /// @notice Releases `resourceId`; only a current account of a party of the committing bilateral.
    function release(bytes32 resourceId) external {
        bytes32 bilateralId = _commitments[resourceId].bilateralId;
        if (bilateralId == bytes32(0)) revert NotCommitted(resourceId);
        _requireParty(bilateralId);
        delete _commitments[resourceId];
        emit Released(resourceId, bilateralId, msg.sender);
    }

    /// @notice The current commitment; all zero when the resource is free.
    function commitmentOf(bytes32 resourceId)
        external
        view
        returns (bytes32 bilateralId, address by, uint64 committedAt)
    {
        Commitment storage c = _commitments[resourceId];
        return (c.bilateralId, c.by, c.committedAt);
    }

    function _requireParty(bytes32 bilateralId) private view {
        (address sellerAccount, address buyerAccount) = bilaterals.accountsOf(bilateralId);
        if (sellerAccount == address(0)) revert UnknownBilateral(bilateralId);
        if (msg.sender != sellerAccount && msg.sender != buyerAccount) {
            revert NotABilateralParty(bilateralId, msg.sender);
        }
    }
}
