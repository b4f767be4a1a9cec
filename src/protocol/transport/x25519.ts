/**
 * X25519 public keys (RFC 7748 Montgomery ladder on bigint) for the key_share fields of FakeTLS hellos. The shared
 * secret is never computed: FakeTLS only needs the hello to carry a well-formed curve point so it looks like a real
 * TLS 1.3 handshake. One ladder costs about a millisecond, once per connection.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#mtproxy (FakeTLS), https://www.rfc-editor.org/rfc/rfc7748.
 */

/** The field prime 2^255 - 19. */
const P = (1n << 255n) - 19n
/** (486662 - 2) / 4, the ladder constant of curve25519. */
const A24 = 121665n
/** The base point's u-coordinate. */
const BASE_U = 9n

function mod(a: bigint): bigint {
  const r = a % P
  return r < 0n ? r + P : r
}

function pow(base: bigint, exp: bigint): bigint {
  let result = 1n
  let b = mod(base)
  let e = exp
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P
    b = (b * b) % P
    e >>= 1n
  }
  return result
}

function decodeScalar(k: Uint8Array): bigint {
  const c = k.slice(0, 32)
  c[0] = (c[0] ?? 0) & 248
  c[31] = ((c[31] ?? 0) & 127) | 64
  let n = 0n
  for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(c[i] ?? 0)
  return n
}

/** The X25519 public key (little-endian u-coordinate) of a 32-byte private scalar. */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  const k = decodeScalar(privateKey)
  const x1 = BASE_U
  let x2 = 1n
  let z2 = 0n
  let x3 = x1
  let z3 = 1n
  let swap = 0n
  for (let t = 254n; t >= 0n; t--) {
    const kt = (k >> t) & 1n
    if ((swap ^ kt) === 1n) {
      ;[x2, x3] = [x3, x2]
      ;[z2, z3] = [z3, z2]
    }
    swap = kt
    const a = mod(x2 + z2)
    const aa = (a * a) % P
    const b = mod(x2 - z2)
    const bb = (b * b) % P
    const e = mod(aa - bb)
    const c = mod(x3 + z3)
    const d = mod(x3 - z3)
    const da = (d * a) % P
    const cb = (c * b) % P
    x3 = mod((da + cb) * (da + cb))
    z3 = mod(x1 * mod((da - cb) * (da - cb)))
    x2 = (aa * bb) % P
    z2 = mod(e * (aa + A24 * e))
  }
  if (swap === 1n) {
    x2 = x3
    z2 = z3
  }
  let u = (x2 * pow(z2, P - 2n)) % P
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) {
    out[i] = Number(u & 0xffn)
    u >>= 8n
  }
  return out
}
