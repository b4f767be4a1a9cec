/**
 * Worker thread for crypto-remote.test.ts: builds a RemotePoolProvider on the port it is given, runs the IGE jobs
 * the test posts, and answers with the result, its own threadId and the provider's counters.
 */
import { type MessagePort, parentPort, threadId, workerData } from 'node:worker_threads'
import { createNodeCryptoProvider } from '../../src/protocol/crypto/node-provider.js'
import { RemotePoolProvider } from '../../src/workers/crypto-remote.js'

interface Job {
  readonly op: 'encrypt' | 'decrypt' | 'close'
  readonly data: Uint8Array
  readonly key: Uint8Array
  readonly iv: Uint8Array
}

const { port, threshold } = workerData as { port: MessagePort; threshold: number }
const remote = new RemotePoolProvider(port, { inline: createNodeCryptoProvider(), threshold })

parentPort?.on('message', (job: Job) => {
  if (job.op === 'close') {
    remote.close()
    parentPort?.close()
    return
  }
  const run = job.op === 'encrypt' ? remote.igeEncrypt(job.data, job.key, job.iv) : remote.igeDecrypt(job.data, job.key, job.iv)
  // The caller's input must be intact after the job (the provider copies before transferring).
  const inputLength = job.data.byteLength
  run.then(
    (out) => parentPort?.postMessage({ ok: true, out, threadId, inputLength, stats: { pooled: remote.stats.pooled, inline: remote.stats.inline, threads: [...remote.stats.threads] } }),
    (e: unknown) => parentPort?.postMessage({ ok: false, error: e instanceof Error ? e.constructor.name : String(e), threadId }),
  )
})
