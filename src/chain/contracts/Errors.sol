// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

// Errors shared by several registries, declared once at file level so every
// contract that reverts with one carries the same selector and the same ABI
// entry: a client decodes `UnknownBilateral` identically whichever contract
// raised it, without knowing the call path.

/// The party id has no registration.
error UnknownParty(bytes32 partyId);

/// The bilateral id has no registration.
error UnknownBilateral(bytes32 bilateralId);

/// The caller is the current account of neither the seller nor the buyer.
error NotABilateralParty(bytes32 bilateralId, address caller);

/// Zero is reserved to mean "absent", so it cannot be an id, key or account.
error ZeroValue(string field);
