/** Shared setup of the cluster tests: a cluster, fresh imported keys, and mini clients bound to them. */
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { writeContainer } from '../../../src/protocol/mtp/server-wire.js'
import { seededRandom } from '../../../src/protocol/random.js'
import type { Cluster } from '../../../src/testing/index.js'
import { serializeObject, type TlObject } from '../../../src/tl/index.js'
import { type AnyTl, MiniClient, type MiniTransport } from './mini-client.js'

export const crypto = createNodeCryptoProvider()
let counter = 1000

/** A fresh deterministic 256-byte auth key. */
export function newKey(): Uint8Array {
  const k = new Uint8Array(256)
  seededRandom(++counter)(k)
  return k
}

/** Imports a fresh key into `dcId` and opens a mini client with it (salt 42, a unique session id). */
export async function openClient(
  cluster: Cluster,
  opts: { dcId?: number; transport?: MiniTransport; key?: Uint8Array; sessionId?: bigint; port?: number } = {},
): Promise<MiniClient> {
  const dcId = opts.dcId ?? 1
  const key = opts.key ?? newKey()
  if (opts.key === undefined) cluster.importAuthKey(dcId, key, 42n)
  return MiniClient.open({
    crypto,
    host: cluster.host,
    port: opts.port ?? cluster.dc(dcId).port,
    authKey: key,
    salt: 42n,
    transport: opts.transport ?? 'intermediate',
    dcId,
    secrets: cluster.proxySecrets.parsed,
    sessionId: opts.sessionId ?? BigInt(++counter) * 7919n,
  })
}

/** A container body of `items` (ids generated in order, then the container id above them). */
export function container(c: MiniClient, items: Array<{ body: AnyTl | TlObject; contentRelated?: boolean }>): { body: Uint8Array; ids: bigint[] } {
  const msgs = items.map((it) => ({
    msgId: c.msgIds.next(Date.now()),
    seqno: c.seq.next(it.contentRelated ?? true),
    body: serializeObject(it.body as TlObject),
  }))
  return { body: writeContainer(msgs), ids: msgs.map((m) => m.msgId) }
}

/** users.getUsers for one user id. */
export function getUser(id: bigint): TlObject {
  return { _: 'users.getUsers', id: [{ _: 'inputUser', userId: id, accessHash: 0n }] } as TlObject
}
