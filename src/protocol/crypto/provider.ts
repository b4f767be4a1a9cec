/**
 * The crypto provider interface: every primitive MTProto needs, synchronous, over Uint8Array.
 *
 * The per-message path inside a DC actor calls it synchronously; the worker pool wraps the same operations in an
 * async facade ({@link AsyncCryptoProvider} in async-provider.ts). One conformance suite
 * (test/protocol/crypto/conformance.test.ts) runs every implementation.
 *
 * Spec: https://core.telegram.org/mtproto/description (AES-256-IGE, SHA-256 msg_key),
 * https://core.telegram.org/mtproto/mtproto-transports#transport-obfuscation (AES-256-CTR),
 * https://core.telegram.org/api/srp (PBKDF2-HMAC-SHA512).
 */

/** A running AES-256-CTR keystream (the obfuscated2 transport keeps one per direction for a connection's life). */
export interface AesCtr {
  /** XORs `data` with the next keystream bytes; writes into `out` (may be `data` itself) or a new array. */
  process(data: Uint8Array, out?: Uint8Array): Uint8Array
}

/** Every primitive the protocol uses. Implementations must be byte-identical; the conformance suite checks it. */
export interface CryptoProvider {
  /** Short label printed by benches ("node+native-ige", "node+portable-ige"). */
  readonly name: string
  sha1(...parts: Uint8Array[]): Uint8Array
  sha256(...parts: Uint8Array[]): Uint8Array
  hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array
  /** PBKDF2-HMAC-SHA512 with a 64-byte output (2FA SRP). */
  pbkdf2Sha512(password: Uint8Array, salt: Uint8Array, iterations: number): Uint8Array
  /**
   * AES-256-IGE; `iv` is 32 bytes (iv1 then iv2, as MTProto derives them); length a multiple of 16.
   * `out` (optional) receives the result and is returned; it may be `data` itself. Bad sizes throw `ArgumentError`.
   */
  igeEncrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array, out?: Uint8Array): Uint8Array
  igeDecrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array, out?: Uint8Array): Uint8Array
  /** A new AES-256-CTR stream with a 32-byte key and 16-byte initial counter block. */
  createAesCtr(key: Uint8Array, iv: Uint8Array): AesCtr
  /**
   * Fills `out` with cryptographically secure random bytes and returns it. Its shape matches `RandomSource`
   * (random.ts), so `(b) => provider.randomFill(b)` can seed the sans-IO state machines in production.
   */
  randomFill(out: Uint8Array): Uint8Array
}
