/**
 * A bare worker_threads IGE server for bench/pool.ts's "piscina vs plain worker" line: receives `{ id, data, key,
 * iv, decrypt }` with `data` transferred, runs AES-256-IGE in place and transfers it back. No queueing, no
 * bookkeeping: the floor that piscina's overhead is measured against.
 */
import { parentPort } from 'node:worker_threads'
import { createNodeCryptoProvider } from '../../src/protocol/crypto/node-provider.js'

const crypto = createNodeCryptoProvider()
interface Job {
  readonly id: number
  readonly data: Uint8Array
  readonly key: Uint8Array
  readonly iv: Uint8Array
  readonly decrypt: boolean
}
parentPort?.on('message', (j: Job) => {
  if (j.decrypt) crypto.igeDecrypt(j.data, j.key, j.iv, j.data)
  else crypto.igeEncrypt(j.data, j.key, j.iv, j.data)
  parentPort?.postMessage({ id: j.id, data: j.data }, [j.data.buffer as ArrayBuffer])
})
