/**
 * The messages on a crypto pool port (a MessagePort between a DC actor's worker thread and the coordinator, which
 * owns the pool): a numbered task one way, the numbered result the other way. Buffers are transferred both ways.
 *
 * Spec: https://core.telegram.org/mtproto/description (AES-256-IGE), https://core.telegram.org/api/srp (PBKDF2).
 */
import type { CryptoTask, CryptoTaskResult } from './crypto-tasks.js'

/** Worker -> coordinator: run `task` on the pool. `id` is unique among the sender's pending requests. */
export interface PoolPortRequest {
  readonly id: number
  readonly task: CryptoTask
}

/** Coordinator -> worker: the answer to request `id`. */
export type PoolPortResponse = CryptoTaskResult & { readonly id: number }
