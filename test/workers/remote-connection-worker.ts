/**
 * Worker thread for remote-pool-connection.test.ts: a Connection inside a worker thread whose large messages' AES-IGE
 * runs on the main thread's pool through a RemotePoolProvider, as a DC actor's worker would run it.
 */
import { type MessagePort, parentPort, threadId, workerData } from 'node:worker_threads'
import { Connection } from '../../src/actors/connection.js'
import { createNodeCryptoProvider } from '../../src/protocol/crypto/node-provider.js'
import type { Api } from '../../src/tl/index.js'
import { RemotePoolProvider } from '../../src/workers/crypto-remote.js'

const { pool, host, dcPort, authKey, size } = workerData as { pool: MessagePort; host: string; dcPort: number; authKey: Uint8Array; size: number }
const remote = new RemotePoolProvider(pool, { inline: createNodeCryptoProvider() })
const conn = await Connection.connect({
  host,
  port: dcPort,
  dcId: 1,
  authKey,
  cryptoPool: remote,
  connectTimeoutMs: 5000,
  session: { futureSalts: false, pingIntervalMs: 0, resendAfterMs: 0 },
})
try {
  const location: Api.InputFileLocation = { _: 'inputDocumentFileLocation', id: 1n, accessHash: 0n, fileReference: new Uint8Array(0), thumbSize: '' }
  const [small, file] = await Promise.all([
    conn.call({ _: 'users.getUsers', id: [{ _: 'inputUser', userId: 9n, accessHash: 0n }] }),
    conn.call({ _: 'upload.getFile', location, offset: 0n, limit: size }),
  ])
  parentPort?.postMessage({ threadId, small, bytes: (file as Api.upload.file).bytes, stats: { pooled: remote.stats.pooled, inline: remote.stats.inline, threads: [...remote.stats.threads] } })
} finally {
  await conn.close()
  remote.close()
}
