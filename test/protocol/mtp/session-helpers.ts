/** Shared setup of the client session tests. */
import { createMessageCipher } from '../../../src/protocol/crypto/message.js'
import { ClientSession, type ClientSessionOptions, type SessionEvent } from '../../../src/protocol/mtp/client-session.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { serializeObject } from '../../../src/tl/index.js'
import { crypto, type Envelope, FakeServer, testAuthKey } from './fake-server.js'

/** A fixed wall clock start: 2026-01-01. */
export const T0 = 1_767_225_600_000

export interface Rig {
  readonly s: ClientSession
  readonly server: FakeServer
  /** Flushes the session and opens every payload on the server side. */
  flush(nowMs?: number): Envelope[]
  /** Seals a server body and feeds it to the session. */
  deliver(body: Uint8Array, opts?: { nowMs?: number; contentRelated?: boolean; kind?: 'answer' | 'other' }): SessionEvent[]
}

export function rig(opts: Partial<ClientSessionOptions> = {}): Rig {
  const key = testAuthKey()
  const s = new ClientSession({
    cipher: createMessageCipher(crypto, key),
    random: seededRandom(1),
    serverSalt: 0x1122334455667788n,
    futureSalts: false,
    pingIntervalMs: 0,
    padding: 'minimal',
    ...opts,
  })
  const server = new FakeServer(key, s.sessionId)
  return {
    s,
    server,
    flush: (nowMs = T0) => s.flush(nowMs).map((p) => server.open(p)),
    deliver: (body, o = {}) => {
      const now = o.nowMs ?? T0
      return s.receive(server.seal(body, now, { ...(o.contentRelated !== undefined ? { contentRelated: o.contentRelated } : {}), ...(o.kind ? { kind: o.kind } : {}) }), now)
    },
  }
}

/** A distinct users.getUsers request (the exactly-once probe's shape). */
export function getUsers(i: number): Uint8Array {
  return serializeObject({ _: 'users.getUsers', id: [{ _: 'inputUser', userId: BigInt(i), accessHash: BigInt(i) * 7n }] }, { ownBuffer: true })
}

/** Raw result bytes tagged with `i` (boolTrue id + int). */
export function resultFor(i: number): Uint8Array {
  const b = new Uint8Array(8)
  const v = new DataView(b.buffer)
  v.setUint32(0, 0x997275b5, true)
  v.setInt32(4, i, true)
  return b
}
