/**
 * The messages between the batch signer (batch-signer.ts) and its worker (sign-worker.ts). A module
 * of its own so that the worker loads nothing else (no libp2p code: it starts faster).
 */

/** A record id: 64 lowercase hex digits. */
export const ID_LENGTH = 64
/** A signature: 64 bytes in base64url without padding. */
export const SIG_LENGTH = 86

/**
 * Message to the sign worker: the ids concatenated (one string clones far cheaper than an array of
 * a thousand).
 */
export interface SignWorkerTask {
  task: number
  ids: string
}

/** The sign worker's answer: the signatures concatenated, in order. */
export interface SignWorkerResult {
  task: number
  sigs: string
}
