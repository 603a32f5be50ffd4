// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {NotABilateralParty, UnknownBilateral, ZeroValue} from "./Errors.sol";
import {BilateralRegistry} from "./BilateralRegistry.sol";

/// @title AnchorRegistry
/// @notice Checkpoint roots per bilateral, each stamped with the block that
/// ordered it. Either party may anchor; sequence numbers only go up.
/// @dev Why strictly increasing: an anchor is the notary's answer to "what
/// had both parties agreed by time T"; accepting an older seq later would let
/// a party plant a stale root after the fact. The first anchor of a bilateral
/// may carry any seq (including 0); gaps are allowed because a node may skip
/// checkpoints it anchors in a later batch. A batch is all or nothing, so a
/// node never has to work out which part of a failed transaction landed.
contract AnchorRegistry {
    struct Anchor {
        bytes32 root;
        uint64 blockNumber;
        uint64 timestamp;
    }

    struct Head {
        uint64 seq;
        bool any;
    }

    BilateralRegistry public immutable bilaterals;
    mapping(bytes32 bilateralId => mapping(uint64 seq => Anchor)) private _anchors;
    mapping(bytes32 bilateralId => Head) private _heads;

    error LengthMismatch();
    error EmptyBatch();
    error SequenceNotIncreasing(bytes32 bilateralId, uint64 last, uint64 given);

    event Anchored(bytes32 indexed bilateralId, uint64 indexed seq, bytes32 root, address by);

    constructor(BilateralRegistry bilaterals_) {
        bilaterals = bilaterals_;
    }

    /// @notice Anchors one checkpoint root.
    function anchor(bytes32 bilateralId, uint64 seq, bytes32 root) external {
        _anchor(bilateralId, seq, root);
    }

    /// @notice Anchors many bilaterals' roots in one transaction; any failure reverts the whole batch.
    function anchorBatch(bytes32[] calldata bilateralIds, uint64[] calldata seqs, bytes32[] calldata roots)
        external
    {
        uint256 n = bilateralIds.length;
        if (seqs.length != n || roots.length != n) revert LengthMismatch();
        if (n == 0) revert EmptyBatch();
        for (uint256 i = 0; i < n; ++i) {
            _anchor(bilateralIds[i], seqs[i], roots[i]);
        }
    }

    /// @notice The bilateral's highest anchored seq and its root; (0, 0) when nothing is anchored.
    function latest(bytes32 bilateralId) external view returns (uint64 seq, bytes32 root) {
        Head storage head = _heads[bilateralId];
        if (!head.any) return (0, bytes32(0));
        return (head.seq, _anchors[bilateralId][head.seq].root);
    }

    /// @notice The anchor at (bilateral, seq); root zero when absent.
    function anchorOf(bytes32 bilateralId, uint64 seq)
        external
        view
        returns (bytes32 root, uint64 blockNumber, uint64 timestamp)
    {
        Anchor storage a = _anchors[bilateralId][seq];
        return (a.root, a.blockNumber, a.timestamp);
    }

    function _anchor(bytes32 bilateralId, uint64 seq, bytes32 root) private {
        (address sellerAccount, address buyerAccount) = bilaterals.accountsOf(bilateralId);
        if (sellerAccount == address(0)) revert UnknownBilateral(bilateralId);
        if (msg.sender != sellerAccount && msg.sender != buyerAccount) {
            revert NotABilateralParty(bilateralId, msg.sender);
        }
        if (root == bytes32(0)) revert ZeroValue("root");
        Head storage head = _heads[bilateralId];
        if (head.any && seq <= head.seq) revert SequenceNotIncreasing(bilateralId, head.seq, seq);
        head.seq = seq;
        head.any = true;
        _anchors[bilateralId][seq] =
            Anchor({root: root, blockNumber: uint64(block.number), timestamp: uint64(block.timestamp)});
        emit Anchored(bilateralId, seq, root, msg.sender);
    }
}
