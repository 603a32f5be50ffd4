/**
 * Errors raised by the party node: each code with the HTTP status it maps to
 * (see `HttpStatus` in core), declared here where the code is defined.
 */
import { BilateralError, type ErrorDetails, type HttpStatus } from '../core/index.ts';

export const nodeErrorStatus = {
  BAD_REQUEST: 400,
  /** A request body nested deeper than any document (the API refuses it before parsing further). */
  BODY_TOO_DEEP: 422,
  /**
   * A JSON body sent with a `content-encoding` (gzip, deflate, br): JSON routes take their body as
   * it is. Only the usage import takes gzip, as the body itself (found by its magic bytes).
   */
  BODY_ENCODING_UNSUPPORTED: 415,
  NOT_FOUND: 404,
  /**
   * One usage record (a CSV record, quoted fields over several lines included, or a JSONL line)
   * longer than `MAX_LINE_BYTES`: a size limit, like a body over the body limit, hence 413. The
   * whole import stops there (an unclosed quote would swallow the rest of the file); batches
   * stored before it stay, and the error's details say which.
   */
  USAGE_LINE_TOO_LONG: 413,
  /** A usage upload or file that starts as gzip but does not decompress (truncated, corrupt). */
  USAGE_GZIP_INVALID: 422,
  NOT_PERMITTED: 403,
  /** The counterparty's state differs from ours (a checkpoint we would not co-sign). */
  STATE_DIFFERS: 409,
  /** An invoice for the period is issued and not rejected. */
  INVOICE_EXISTS: 409,
  /** The data folder's identity belongs to another party. */
  PARTY_MISMATCH: 409,
  PEER_UNAUTHENTICATED: 401,
  /** A party that is neither pinned nor registered (approved) on the chain. */
  PEER_UNKNOWN: 403,
  /** A proposal or node binding a key other than the directory's for that party. */
  PEER_KEY_MISMATCH: 422,
  /** A proposal naming an endpoint other than the directory's for that party. */
  PEER_ENDPOINT_MISMATCH: 422,
  /** A peer request whose nonce was already used within the window. */
  PEER_REPLAYED: 409,
  /** Too many proposals of one party wait for the operator. */
  PROPOSALS_LIMIT: 429,
  PEER_FORBIDDEN: 403,
  PEER_UNREACHABLE: 502,
  PEER_REJECTED: 502,
  PROPOSAL_REJECTED: 422,
  /** A held proposal was already accepted or declined. */
  PROPOSAL_DECIDED: 409,
  /** A dispute already accepted or rejected. */
  DISPUTE_ANSWERED: 409,
  /** A payment the Seller marked received cannot be marked missing. */
  PAYMENT_RECEIVED: 409,
  /** The counterparty's settlement statement or round differs from what this node computes from its record. */
  NETTING_MISMATCH: 409,
  /** A round with this id is already held, or an agreement already settled. */
  NETTING_EXISTS: 409,
  /** A resource pool declaration that breaks a rule of its kind (the field named). */
  POOL_INVALID: 422,
  /** A pool declared again with another kind: a pool keeps its kind. */
  POOL_KIND_CHANGED: 409,
  /** A fact naming a pool this node has not declared (or not of the kind it needs). */
  POOL_UNKNOWN: 422,
  /** A fact whose service would draw more than its pool holds at some instant (pool, window, shortfall named). */
  CAPACITY_EXCEEDED: 409,
  /** A unique resource (a VLAN, a prefix) already given to another live service, here or on the chain. */
  RESOURCE_TAKEN: 409,
  /** A VLAN or prefix outside the declared pool it names. */
  RESOURCE_INVALID: 422,
  /** A financing package asked for a day that is not a date (the field named). */
  PACKAGE_INVALID: 422,
  /** A notice of assignment that breaks a rule (each field named). */
  ASSIGNMENT_INVALID: 422,
  /** An invoice offered as collateral (or assigned) that the Buyer has not accepted. */
  INVOICE_NOT_ACCEPTED: 409,
  /** An invoice already assigned to a financier (a notice of assignment is recorded). */
  INVOICE_ASSIGNED: 409,
  /** A notice of assignment to an account that holds no open pledge of the invoice on the chain. */
  PLEDGE_MISSING: 409,
  /** A node run without a chain cannot check a pledge, so it assigns nothing. */
  PLEDGE_UNVERIFIED: 409,
  /** A document export (UBL, HTML) of an invoice or note the record does not hold (yet): issue it first. */
  DOCUMENT_NOT_ISSUED: 409,
  /** A Sonata request body that breaks a rule of ours (the issue names the field and the rule). */
  SONATA_INVALID: 400,
  /** A Sonata resource (product order, item, product, incident) the record does not hold. */
  SONATA_NOT_FOUND: 404,
  /** A Sonata step already taken (an item completed twice). */
  SONATA_CONFLICT: 409,
  /** A step of the Seller's fulfilment asked of the Buyer's node. */
  SONATA_SELLER_ONLY: 403,
  /** A Sonata request the record's state cannot take (cancelling a completed order): the spec's 422. */
  SONATA_UNPROCESSABLE: 422,
  /** A step only the Buyer takes (its payment) asked of the Seller's node: the node's role conflicts. */
  SONATA_BUYER_ONLY: 409,
} as const satisfies Readonly<Record<string, HttpStatus>>;

export type NodeErrorCode = keyof typeof nodeErrorStatus;
export const nodeErrorCodes = Object.keys(nodeErrorStatus) as NodeErrorCode[];

export class NodeError extends BilateralError {
  override readonly name = 'NodeError';
  declare readonly code: NodeErrorCode;

  constructor(
    code: NodeErrorCode,
    message: string,
    options: { details?: ErrorDetails; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}
