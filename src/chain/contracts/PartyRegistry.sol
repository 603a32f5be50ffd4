// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {UnknownParty, ZeroValue} from "./Errors.sol";

/// @title PartyRegistry
/// @notice Binds a party id (keccak256 of the party's name) to the EVM account
/// that sends its transactions, the raw 32-byte Ed25519 key that signs its
/// ledger entries, and the URL of its node.
/// @dev Why first come, first served: the registry is a public directory, not
/// an identity authority; a counterparty verifies the binding out of band
/// (the agreement names the key) before relying on it. Only the party's own
/// account changes its record, so a stolen Ed25519 key alone cannot re-point
/// the party, and losing the account key is recovered by handing the record
/// to a new account in advance (`setAccount`).
contract PartyRegistry {
    struct Party {
        address account;
        bytes32 entryKey;
        string endpoint;
    }

    mapping(bytes32 partyId => Party) private _parties;

    error PartyAlreadyRegistered(bytes32 partyId);
    error NotPartyAccount(bytes32 partyId, address caller);

    event PartyRegistered(bytes32 indexed partyId, address indexed account, bytes32 entryKey, string endpoint);
    event PartyKeyRotated(bytes32 indexed partyId, bytes32 oldKey, bytes32 newKey);
    event PartyEndpointChanged(bytes32 indexed partyId, string endpoint);
    event PartyAccountChanged(bytes32 indexed partyId, address indexed oldAccount, address indexed newAccount);

    /// @notice Registers `partyId` with the caller as its account.
    function register(bytes32 partyId, bytes32 entryKey, string calldata endpoint) external {
        if (partyId == bytes32(0)) revert ZeroValue("partyId");
        if (entryKey == bytes32(0)) revert ZeroValue("entryKey");
        if (_parties[partyId].account != address(0)) revert PartyAlreadyRegistered(partyId);
        _parties[partyId] = Party({account: msg.sender, entryKey: entryKey, endpoint: endpoint});
        emit PartyRegistered(partyId, msg.sender, entryKey, endpoint);
    }

    /// @notice Replaces the party's Ed25519 entry key.
    function rotateKey(bytes32 partyId, bytes32 newKey) external {
        Party storage party = _own(partyId);
        if (newKey == bytes32(0)) revert ZeroValue("entryKey");
        bytes32 oldKey = party.entryKey;
        party.entryKey = newKey;
        emit PartyKeyRotated(partyId, oldKey, newKey);
    }

    /// @notice Replaces the party's node endpoint.
    function setEndpoint(bytes32 partyId, string calldata endpoint) external {
        Party storage party = _own(partyId);
        party.endpoint = endpoint;
        emit PartyEndpointChanged(partyId, endpoint);
    }

    /// @notice Hands the party's record to another account (key rotation of the EVM account).
    function setAccount(bytes32 partyId, address newAccount) external {
        Party storage party = _own(partyId);
        if (newAccount == address(0)) revert ZeroValue("account");
        address oldAccount = party.account;
        party.account = newAccount;
        emit PartyAccountChanged(partyId, oldAccount, newAccount);
    }

    /// @notice The party's record; reverts `UnknownParty` when there is none.
    function partyOf(bytes32 partyId)
        external
        view
        returns (address account, bytes32 entryKey, string memory endpoint)
    {
        Party storage party = _parties[partyId];
        if (party.account == address(0)) revert UnknownParty(partyId);
        return (party.account, party.entryKey, party.endpoint);
    }

    /// @notice The party's current account, or the zero address when unknown.
    function accountOf(bytes32 partyId) external view returns (address) {
        return _parties[partyId].account;
    }

    /// @notice True when `partyId` is registered.
    function isRegistered(bytes32 partyId) external view returns (bool) {
        return _parties[partyId].account != address(0);
    }

    function _own(bytes32 partyId) private view returns (Party storage party) {
        party = _parties[partyId];
        if (party.account == address(0)) revert UnknownParty(partyId);
        if (party.account != msg.sender) revert NotPartyAccount(partyId, msg.sender);
    }
}
