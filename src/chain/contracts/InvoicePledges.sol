// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

/// @title InvoicePledges
/// @notice An invoice, by its pledge key, pledged to one financier at most, so
/// the same receivable cannot be financed twice.
/// @dev Why a pledge key and no bilateral: the key is a hash of the invoice's
/// own hash (keccak256("sb-pledge" ‖ invoice hash)), which only those holding
/// the invoice can compute — its two parties and the financiers they show it
/// to. A financier holding the invoice finds its pledge by the key; everybody
/// else sees an opaque key and an account, and learns neither the invoice, its
/// parties nor its bilateral. Why the financier pledges: it checked the
/// invoice (the package its Seller gave it) and pays for it; a second pledge of
/// the same invoice, by it or by anyone, reverts. Only the financier settles
/// (the invoice was paid: it stays pledged, never to be financed again) or
/// releases (the financing did not go ahead: it may be pledged again).
contract InvoicePledges {
    struct Pledge {
        address financier;
        uint64 pledgedAt;
        uint64 settledAt;
    }

    mapping(bytes32 pledgeKey => Pledge) private _pledges;

    error ZeroKey();
    error AlreadyPledged(bytes32 pledgeKey, address financier);
    error NotPledged(bytes32 pledgeKey);
    error NotFinancier(bytes32 pledgeKey, address caller);
    error AlreadySettled(bytes32 pledgeKey);

    event Pledged(bytes32 indexed pledgeKey, address indexed financier);
    event Settled(bytes32 indexed pledgeKey, address indexed financier);
    event Released(bytes32 indexed pledgeKey, address indexed financier);

    /// @notice Pledges the invoice of `pledgeKey` to the caller, its financier.
    function pledge(bytes32 pledgeKey) external {
        if (pledgeKey == bytes32(0)) revert ZeroKey();
        address current = _pledges[pledgeKey].financier;
        if (current != address(0)) revert AlreadyPledged(pledgeKey, current);
        _pledges[pledgeKey] = Pledge({financier: msg.sender, pledgedAt: uint64(block.timestamp), settledAt: 0});
        emit Pledged(pledgeKey, msg.sender);
    }

    /// @notice Marks the pledge settled (the invoice was paid); only its financier, once.
    function settle(bytes32 pledgeKey) external {
        Pledge storage p = _held(pledgeKey);
        if (p.settledAt != 0) revert AlreadySettled(pledgeKey);
        p.settledAt = uint64(block.timestamp);
        emit Settled(pledgeKey, msg.sender);
    }

    /// @notice Releases an unsettled pledge (the financing did not go ahead); only its financier.
    function release(bytes32 pledgeKey) external {
        Pledge storage p = _held(pledgeKey);
        if (p.settledAt != 0) revert AlreadySettled(pledgeKey);
        delete _pledges[pledgeKey];
        emit Released(pledgeKey, msg.sender);
    }

    /// @notice The pledge of `pledgeKey`; all zero when the invoice is not pledged.
    function pledgeOf(bytes32 pledgeKey)
        external
        view
        returns (address financier, uint64 pledgedAt, uint64 settledAt)
    {
        Pledge storage p = _pledges[pledgeKey];
        return (p.financier, p.pledgedAt, p.settledAt);
    }

    function _held(bytes32 pledgeKey) private view returns (Pledge storage p) {
        p = _pledges[pledgeKey];
        if (p.financier == address(0)) revert NotPledged(pledgeKey);
        if (p.financier != msg.sender) revert NotFinancier(pledgeKey, msg.sender);
    }
}
