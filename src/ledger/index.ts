/** Public surface of the ledger layer. */

export { canonicalBytes, canonicalize } from './canonical.ts';
export {
  checkpointHash,
  cosign,
  signCheckpoint,
  verifyCheckpoint,
  verifyCheckpointSignature,
} from './checkpoint.ts';
export {
  createEntry,
  type EntryFields,
  hashEntry,
  isSignedEntry,
  positionOf,
  signAndHashEntry,
  signEntry,
} from './entry.ts';
export { equivocationProof, verifyEquivocationProof } from './equivocation.ts';
export { ledgerErrorStatus } from './error-status.ts';
export { isLedgerErrorCode, LEDGER_ERROR_CODES, LedgerError, type LedgerErrorCode } from './errors.ts';
export {
  agreementMessage,
  bilateralId,
  createAgreement,
  createGenesis,
  GENESIS_SCHEMA,
  legacySigningOf,
  SIGNING_VERSION,
  signAgreement,
  streamContext,
  verifyAgreement,
  verifyAgreementSignature,
} from './genesis.ts';
export { hashJson, isHash, sha256Hex } from './hash.ts';
export { type KeyRotation, signKeyRotation, verifyKeyRotation } from './key-rotation.ts';
export {
  checkKeyRotationBody,
  KEY_ROTATION_KIND,
  type KeyRotationBody,
  KeySchedule,
} from './key-schedule.ts';
export {
  generateKeyPair,
  isPublicKey,
  isSignature,
  type KeyPair,
  keyPairFromSeed,
  SIGNATURE_PREFIX,
  sign,
  verify,
} from './keys.ts';
export {
  MerkleFrontier,
  type MerkleProof,
  type MerkleSibling,
  type MerkleTree,
  merkleProof,
  merkleProofRoot,
  merkleRoot,
  merkleTree,
  verifyMerkleProof,
} from './merkle.ts';
export { checkPlacement, checkSeen } from './placement.ts';
export {
  anchorSeq,
  anchorValue,
  asRecord,
  type BuildProofInput,
  buildProof,
  type Check,
  checkProof,
  fail,
  type HexString,
  isPathShape,
  type Outcome,
  PROOF_SCHEMA,
  type Proof,
  type ProofAnchor,
  type ProofEntry,
  type ProofReport,
  type ProofSubject,
  pass,
  type Run,
  type SubjectSpec,
  short,
  type VerifyProofOptions,
} from './proof.ts';
export {
  type RecordLeaf,
  type RecordPath,
  recordPathRoot,
  recordProof,
  recordRoot,
  recordRootOf,
  type StreamRoot,
} from './record-root.ts';
export {
  isSigningDomain,
  type SigningDomain,
  signIn,
  signingDomains,
  signingMessage,
  signingTag,
  verifyIn,
} from './signing.ts';
export { type VerifyStreamOptions, verifyStream } from './stream.ts';
export type * from './types.ts';
export { type BodyValidators, checkBody, checkSignedEntry, checkSignedEntryHashed } from './verify.ts';
