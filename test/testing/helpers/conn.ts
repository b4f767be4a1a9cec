/** Our Connection driver against a cluster DC, for the account/login/file tests: imported keys, first call with initConnection. */
import { Connection, type ConnectionOptions } from '../../../src/actors/connection.js'
import { withInitConnection } from '../../../src/client/init-connection.js'
import { createMessageCipher } from '../../../src/protocol/crypto/message.js'
import { RpcError } from '../../../src/protocol/rpc-error.js'
import type { Cluster } from '../../../src/testing/index.js'
import type { ApiMethod } from '../../../src/tl/index.js'
import { crypto, newKey } from './setup.js'

/** The auth_key_id of a key (low 64 bits of its SHA-1, little-endian signed, as the server stores it). */
function keyIdOf(authKey: Uint8Array): bigint {
  const id = createMessageCipher(crypto, authKey).keyId
  return new DataView(id.buffer, id.byteOffset, 8).getBigInt64(0, true)
}

/** A connection with an auth key imported into the DC (no key exchange), plus its key id. */
export interface TestConn {
  readonly conn: Connection
  readonly keyId: bigint
  readonly authKey: Uint8Array
}

/**
 * Opens a connection to `dcId` (its media-only port when `media`), with a fresh imported key or `authKey` (imported
 * too unless `known`: the DC has it already, e.g. from another connection).
 */
export async function connectDc(
  cluster: Cluster,
  dcId: number,
  opts: { media?: boolean; authKey?: Uint8Array; known?: boolean; extra?: Partial<ConnectionOptions> } = {},
): Promise<TestConn> {
  const dc = cluster.dc(dcId)
  const authKey = opts.authKey ?? newKey()
  const keyId = opts.known === true ? keyIdOf(authKey) : cluster.importAuthKey(dcId, authKey, 7n)
  const port = opts.media === true ? dc.mediaPort : dc.port
  if (port === undefined) throw new Error(`DC ${dcId} has no media port`)
  const conn = await Connection.connect({
    host: dc.host,
    port,
    dcId,
    authKey,
    connectTimeoutMs: 5000,
    reconnect: { minDelayMs: 5, maxDelayMs: 50, maxAttempts: 5 },
    session: { resendAfterMs: 300 },
    ...opts.extra,
  })
  return { conn, keyId, authKey }
}

/** The same key on every DC gets its own import; calls always carry initConnection (cheap, and order-proof). */
export function init<X extends ApiMethod>(query: X) {
  return withInitConnection(query, { apiId: 1, deviceModel: 'cluster-test' })
}

/** The RpcError a promise rejects with (fails the test if it resolves or throws something else). */
export async function rpcError(p: Promise<unknown>): Promise<RpcError> {
  const e = await p.then(
    (v) => {
      throw new Error(`expected an RPC error, got ${String(v)}`)
    },
    (err: unknown) => err,
  )
  if (!(e instanceof RpcError)) throw e
  return e
}
