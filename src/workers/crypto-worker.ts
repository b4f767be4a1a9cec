/**
 * Entry module of a crypto pool thread (piscina): runs AES-256-IGE in place on the buffer it was handed and hands
 * it back (transferred), or PBKDF2. Errors come back as data from the error tree, never as foreign exceptions.
 *
 * Spec: https://core.telegram.org/mtproto/description (AES-256-IGE).
 */
import { threadId } from 'node:worker_threads'
import { move, transferableSymbol, valueSymbol } from 'piscina'
import { ArgumentError, serializeError } from '../errors.js'
import { openMessageInPlace, sealMessageInPlace } from '../protocol/crypto/message-pooled.js'
import { createNodeCryptoProvider } from '../protocol/crypto/node-provider.js'
import type { CryptoTask, CryptoTaskResult } from './crypto-tasks.js'

const crypto = createNodeCryptoProvider()

/** Runs one task. */
export default function run(task: CryptoTask): CryptoTaskResult {
  try {
    let out: Uint8Array
    let msgKey: Uint8Array | undefined
    if (task.op === 'pbkdf2-sha512') out = crypto.pbkdf2Sha512(task.password, task.salt, task.iterations)
    else if (task.op === 'ige-encrypt') out = crypto.igeEncrypt(task.data, task.key, task.iv, task.data)
    else if (task.op === 'ige-decrypt') out = crypto.igeDecrypt(task.data, task.key, task.iv, task.data)
    else if (task.op === 'msg-seal') out = sealMessageInPlace(crypto, task.frame, task.keys)
    else if (task.op === 'msg-open') {
      msgKey = openMessageInPlace(crypto, task.frame, task.keys)
      out = task.frame
    } else throw new ArgumentError(`unknown crypto task ${String((task as { op?: unknown }).op)}`, 'op')
    const result: CryptoTaskResult = msgKey !== undefined ? { ok: true, out, threadId, msgKey } : { ok: true, out, threadId }
    // piscina's transferable protocol: post `result` and move `out`'s buffer (owned by this task) instead of copying.
    const movable = { [transferableSymbol]: [out.buffer], [valueSymbol]: result }
    return move(movable as unknown as ArrayBuffer) as unknown as CryptoTaskResult
  } catch (err) {
    return { ok: false, error: serializeError(err) }
  }
}
