// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {NotABilateralParty, UnknownBilateral, UnknownParty, ZeroValue} from "./Errors.sol";
import {PartyRegistry} from "./PartyRegistry.sol";

/// @title BilateralRegistry
/// @notice Bilateral id → seller and buyer party ids and the hash of the terms
/// both signed. Ids and hashes are the ledger's SHA-256 hex digests as bytes32.
/// @dev Why accounts are looked up, not copied: a party that hands its record
/// to a new account (`PartyRegistry.setAccount`) keeps acting for all of its
/// bilaterals at once, and its old account loses every right immediately.
contract BilateralRegistry {
    struct Bilateral {
        bytes32 seller;
        bytes32 buyer;
        bytes32 termsHash;
    }

    PartyRegistry public immutable parties;
    mapping(bytes32 bilateralId => Bilateral) private _bilaterals;

    error SameParty(bytes32 partyId);
    error BilateralAlreadyRegistered(bytes32 bilateralId);

    event BilateralRegistered(
        bytes32 indexed bilateralId, bytes32 indexed seller, bytes32 indexed buyer, bytes32 termsHash, address by
    );

    constructor(PartyRegistry parties_) {
        parties = parties_;
    }

    /// @notice Registers a bilateral; the caller is the seller's or the buyer's current account.
    function register(bytes32 bilateralId, bytes32 seller, bytes32 buyer, bytes32 termsHash) external {
        if (bilateralId == bytes32(0)) revert ZeroValue("bilateralId");
        if (_bilaterals[bilateralId].seller != bytes32(0)) revert BilateralAlreadyRegistered(bilateralId);
        if (seller == buyer) revert SameParty(seller);
        address sellerAccount = parties.accountOf(seller);
        if (sellerAccount == address(0)) revert UnknownParty(seller);
        address buyerAccount = parties.accountOf(buyer);
        if (buyerAccount == address(0)) revert UnknownParty(buyer);
        if (msg.sender != sellerAccount && msg.sender != buyerAccount) {
            revert NotABilateralParty(bilateralId, msg.sender);
        }
        _bilaterals[bilateralId] = Bilateral({seller: seller, buyer: buyer, termsHash: termsHash});
        emit BilateralRegistered(bilateralId, seller, buyer, termsHash, msg.sender);
    }

    /// @notice The bilateral's parties and terms hash; reverts `UnknownBilateral` when there is none.
    function bilateralOf(bytes32 bilateralId)
        external
        view
        returns (bytes32 seller, bytes32 buyer, bytes32 termsHash)
    {
        Bilateral storage b = _bilaterals[bilateralId];
        if (b.seller == bytes32(0)) revert UnknownBilateral(bilateralId);
        return (b.seller, b.buyer, b.termsHash);
    }

    /// @notice The current accounts of the seller and the buyer; both zero when the bilateral is unknown.
    /// @dev Never reverts, so registries that call it raise their own named errors.
    function accountsOf(bytes32 bilateralId) public view returns (address sellerAccount, address buyerAccount) {
        Bilateral storage b = _bilaterals[bilateralId];
        if (b.seller == bytes32(0)) return (address(0), address(0));
        return (parties.accountOf(b.seller), parties.accountOf(b.buyer));
    }

    /// @notice True when `account` is the current account of the bilateral's seller or buyer.
    function isPartyAccount(bytes32 bilateralId, address account) external view returns (bool) {
        if (account == address(0)) return false;
        (address sellerAccount, address buyerAccount) = accountsOf(bilateralId);
        return account == sellerAccount || account == buyerAccount;
    }

    /// @notice True when `bilateralId` is registered.
    function exists(bytes32 bilateralId) external view returns (bool) {
        return _bilaterals[bilateralId].seller != bytes32(0);
    }
}
