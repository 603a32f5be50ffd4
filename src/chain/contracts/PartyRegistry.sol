// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {UnknownParty, ZeroValue} from "./Errors.sol";

/// @title PartyRegistry
/// @notice Binds a party id (keccak256 of the party's name) to the EVM account
/// that sends its transactions, the history of raw 32-byte Ed25519 keys that
/// sign its ledger entries, the URL of its node, and whether the network's
/// registrar approved it. This registry is a trust root: a node takes a
/// counterparty's key and endpoint from here only when the party is approved.
/// @dev Design rationale:
/// - Approval. On a permissioned network (a consortium) the deployer names a
///   registrar account; a registration stays pending until the registrar
///   approves it, after checking out of band who holds the account and key.
///   Deployed with the zero address as registrar, the registry is open and a
///   registration is approved at once (the embedded development chain).
///   Readers must treat a pending or revoked party as unknown.
/// - Key rotation with proof. Each new key carries the previous key's Ed25519
///   signature over the rotation statement, so the history is a chain of
///   custody from the approved key: a stolen EVM account alone cannot plant a
///   key readers accept. Ed25519 costs too much to verify in the EVM, so the
///   contract only stores the 64 signature bytes and readers verify them. The
///   whole history stays readable, with the block each key took effect, so
///   entries signed by an earlier key keep verifying.
/// - A key is never reused by the same party: each key maps to one period.
/// - Only the party's own account changes its record, and endpoint changes are
///   immediate (they are not approved again): the endpoint only says where to
///   connect, every message is still checked against the registered key.
///   Losing the account key is recovered by handing the record to a new
///   account in advance (`setAccount`).
contract PartyRegistry {
    struct KeyRecord {
        bytes32 key;
        /// Block in which the key took effect.
        uint64 blockNumber;
        /// The previous key's signature over the rotation statement; empty for the first key.
        bytes sig;
    }

    struct Party {
        address account;
        bool approved;
        string endpoint;
        KeyRecord[] keys;
    }

    /// @notice The account that approves and revokes parties; zero for an open registry.
    address public immutable registrar;

    mapping(bytes32 partyId => Party) private _parties;
    mapping(bytes32 partyId => mapping(bytes32 key => bool)) private _usedKeys;

    error PartyAlreadyRegistered(bytes32 partyId);
    error NotPartyAccount(bytes32 partyId, address caller);
    error NotRegistrar(address caller);
    error PartyAlreadyApproved(bytes32 partyId);
    error PartyNotApproved(bytes32 partyId);
    error KeyAlreadyUsed(bytes32 partyId, bytes32 key);
    error BadSignatureLength(uint256 length);

    event PartyRegistered(bytes32 indexed partyId, address indexed account, bytes32 entryKey, string endpoint);
    event PartyApproved(bytes32 indexed partyId);
    event PartyRevoked(bytes32 indexed partyId);
    event PartyKeyRotated(bytes32 indexed partyId, bytes32 oldKey, bytes32 newKey, bytes oldKeySig);
    event PartyEndpointChanged(bytes32 indexed partyId, string endpoint);
    event PartyAccountChanged(bytes32 indexed partyId, address indexed oldAccount, address indexed newAccount);

    /// @param registrar_ The registrar's account, or the zero address for an open registry.
    constructor(address registrar_) {
        registrar = registrar_;
    }

    /// @notice Registers `partyId` with the caller as its account; pending until
    /// the registrar approves it, approved at once in an open registry.
    function register(bytes32 partyId, bytes32 entryKey, string calldata endpoint) external {
        if (partyId == bytes32(0)) revert ZeroValue("partyId");
        if (entryKey == bytes32(0)) revert ZeroValue("entryKey");
        Party storage party = _parties[partyId];
        if (party.account != address(0)) revert PartyAlreadyRegistered(partyId);
        party.account = msg.sender;
        party.endpoint = endpoint;
        party.keys.push(KeyRecord({key: entryKey, blockNumber: uint64(block.number), sig: ""}));
        _usedKeys[partyId][entryKey] = true;
        emit PartyRegistered(partyId, msg.sender, entryKey, endpoint);
        if (registrar == address(0)) {
            party.approved = true;
            emit PartyApproved(partyId);
        }
    }

    /// @notice The registrar approves a pending (or revoked) party.
    function approve(bytes32 partyId) external {
        Party storage party = _registered(partyId);
        if (party.approved) revert PartyAlreadyApproved(partyId);
        party.approved = true;
        emit PartyApproved(partyId);
    }

    /// @notice The registrar withdraws a party's approval; its record stays, so
    /// it can be approved again, and nobody else can take its id.
    function revoke(bytes32 partyId) external {
        Party storage party = _registered(partyId);
        if (!party.approved) revert PartyNotApproved(partyId);
        party.approved = false;
        emit PartyRevoked(partyId);
    }

    /// @notice Replaces the party's Ed25519 entry key with `newKey`, carrying
    /// `oldKeySig`: the current key's 64-byte signature over the rotation
    /// statement, checked by readers, not here (only its length is).
    function rotateKey(bytes32 partyId, bytes32 newKey, bytes calldata oldKeySig) external {
        Party storage party = _own(partyId);
        if (newKey == bytes32(0)) revert ZeroValue("entryKey");
        if (oldKeySig.length != 64) revert BadSignatureLength(oldKeySig.length);
        if (_usedKeys[partyId][newKey]) revert KeyAlreadyUsed(partyId, newKey);
        bytes32 oldKey = party.keys[party.keys.length - 1].key;
        party.keys.push(KeyRecord({key: newKey, blockNumber: uint64(block.number), sig: oldKeySig}));
        _usedKeys[partyId][newKey] = true;
        emit PartyKeyRotated(partyId, oldKey, newKey, oldKeySig);
    }

    /// @notice Replaces the party's node endpoint (immediately; see the header).
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

    /// @notice The party's record with its current key; reverts `UnknownParty` when there is none.
    function partyOf(bytes32 partyId)
        external
        view
        returns (address account, bytes32 entryKey, string memory endpoint, bool approved)
    {
        Party storage party = _parties[partyId];
        if (party.account == address(0)) revert UnknownParty(partyId);
        return (party.account, party.keys[party.keys.length - 1].key, party.endpoint, party.approved);
    }

    /// @notice Every key the party has had, oldest first, each with the previous
    /// key's rotation signature (empty for the first) and the block it took
    /// effect; reverts `UnknownParty` when there is none.
    function keyHistory(bytes32 partyId)
        external
        view
        returns (bytes32[] memory keys, bytes[] memory sigs, uint64[] memory blocks)
    {
        Party storage party = _parties[partyId];
        if (party.account == address(0)) revert UnknownParty(partyId);
        uint256 count = party.keys.length;
        keys = new bytes32[](count);
        sigs = new bytes[](count);
        blocks = new uint64[](count);
        for (uint256 i = 0; i < count; i++) {
            KeyRecord storage record = party.keys[i];
            keys[i] = record.key;
            sigs[i] = record.sig;
            blocks[i] = record.blockNumber;
        }
    }

    /// @notice The party's current account, or the zero address when unknown.
    function accountOf(bytes32 partyId) external view returns (address) {
        return _parties[partyId].account;
    }

    /// @notice True when `partyId` is registered (approved or not).
    function isRegistered(bytes32 partyId) external view returns (bool) {
        return _parties[partyId].account != address(0);
    }

    /// @notice True when `partyId` is registered and approved.
    function isApproved(bytes32 partyId) external view returns (bool) {
        return _parties[partyId].approved;
    }

    /// The registrar's access check, then the record. In an open registry the
    /// registrar is the zero address, which never sends a transaction, so
    /// nobody approves or revokes there.
    function _registered(bytes32 partyId) private view returns (Party storage party) {
        if (msg.sender != registrar) revert NotRegistrar(msg.sender);
        party = _parties[partyId];
        if (party.account == address(0)) revert UnknownParty(partyId);
    }

    function _own(bytes32 partyId) private view returns (Party storage party) {
        party = _parties[partyId];
        if (party.account == address(0)) revert UnknownParty(partyId);
        if (party.account != msg.sender) revert NotPartyAccount(partyId, msg.sender);
    }
}
