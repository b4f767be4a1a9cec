/**
 * Shared helpers for the auth tests: one RSA key pair per test file (generation costs ~100 ms), a full in-process
 * handshake driver, and error-reason extraction.
 */
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import type { RsaKeyPair } from '../../../src/protocol/crypto/rsa-server.js'
import { loadServerRsaKeyPair } from '../../../src/protocol/auth/server-key.js'
import { loadFixture } from '../crypto/fixtures.js'
import { ClientHandshake, type ClientHandshakeOptions } from '../../../src/protocol/auth/client.js'
import { ServerHandshake, type ServerHandshakeOptions, type ServerAuthResult } from '../../../src/protocol/auth/server.js'
import type { AuthKeyResult } from '../../../src/protocol/auth/common.js'
import { MtError } from '../../../src/errors.js'
import { seededRandom } from '../../../src/protocol/random.js'

export const crypto = createNodeCryptoProvider()

let pair: RsaKeyPair | undefined
/** The test server's key pair: a fixed test-only key (its fingerprint is peer-compatible, see server-key.ts). */
export function serverKey(): RsaKeyPair {
  pair ??= loadServerRsaKeyPair(crypto, loadFixture<{ private_pem: string }>('auth-test-rsa.json').private_pem)
  return pair
}

/** A seconds-resolution clock value used by the in-process tests (arbitrary, fixed). */
export const NOW_MS = 1_750_000_000_000

/** Runs a whole exchange in memory; returns both results and the number of round trips. */
export function runHandshake(
  client: Partial<ClientHandshakeOptions> = {},
  server: Partial<ServerHandshakeOptions> = {},
  seed = 1,
): { client: AuthKeyResult; server: ServerAuthResult; rounds: number } {
  const key = serverKey()
  const c = new ClientHandshake({ crypto, random: seededRandom(seed), dcId: 2, rsaKeys: [key.publicKey], ...client })
  const s = new ServerHandshake({ crypto, random: seededRandom(seed + 1000), rsaKey: key, ...server })
  let toServer = c.start(NOW_MS)
  let serverDone: ServerAuthResult | undefined
  for (let rounds = 1; rounds < 20; rounds++) {
    const ans = s.receive(toServer, NOW_MS)
    if (ans.done) serverDone = ans.done
    const next = c.receive(ans.send, NOW_MS)
    if ('done' in next) {
      if (!serverDone) throw new Error('client finished before the server')
      return { client: next.done, server: serverDone, rounds }
    }
    toServer = next.send
  }
  throw new Error('handshake did not finish')
}

/** The `kind:reason` of a thrown MtError (fails the test for anything else). */
export function errorOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    if (!(e instanceof MtError)) throw e
    const reason = (e as MtError & { reason?: string }).reason
    return `${e.kind}:${reason ?? ''}`
  }
  throw new Error('expected a typed error')
}

/** Which message of the exchange a hook sees: 1 = req_pq/resPQ, 2 = req_DH_params/server_DH_params, 3+ = DH gen. */
export type Hook = (step: number, body: Uint8Array) => Uint8Array

/**
 * Runs an exchange whose messages pass through hooks (to forge them): `toServer` sees each client request,
 * `toClient` each server answer. Returns the client's result; throws whatever either side throws.
 */
export function runWithHooks(
  hooks: { toServer?: Hook; toClient?: Hook },
  client: Partial<ClientHandshakeOptions> = {},
  server: Partial<ServerHandshakeOptions> = {},
  seed = 11,
): AuthKeyResult {
  const key = serverKey()
  const c = new ClientHandshake({ crypto, random: seededRandom(seed), dcId: 2, rsaKeys: [key.publicKey], ...client })
  const s = new ServerHandshake({ crypto, random: seededRandom(seed + 1000), rsaKey: key, ...server })
  let msg = c.start(NOW_MS)
  for (let step = 1; step < 20; step++) {
    const ans = s.receive(hooks.toServer ? hooks.toServer(step, msg) : msg, NOW_MS)
    const next = c.receive(hooks.toClient ? hooks.toClient(step, ans.send) : ans.send, NOW_MS)
    if ('done' in next) return next.done
    msg = next.send
  }
  throw new Error('handshake did not finish')
}
