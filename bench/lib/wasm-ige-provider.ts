/**
 * Bench-only CryptoProvider: node:crypto for everything, but AES-256-IGE from mtcute's WASM module (through
 * @mtcute/node's NodeCryptoProvider.createAesIge, the same IGE mtcute itself uses). It lets a bench compare
 * protocol-layer code with equal primitives, separating "our message code" from "our IGE". Not used by the library.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector (IGE).
 */
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import { createNodeCryptoProvider } from '../../src/protocol/crypto/node-provider.js'
import type { CryptoProvider } from '../../src/protocol/crypto/provider.js'

/** Initializes mtcute's WASM module and returns the provider. */
export async function createWasmIgeProvider(): Promise<CryptoProvider> {
  const mt = new NodeCryptoProvider()
  await mt.initialize()
  const base = createNodeCryptoProvider()
  const place = (res: Uint8Array, out?: Uint8Array): Uint8Array => {
    if (out === undefined) return res
    out.set(res)
    return out
  }
  return {
    ...base,
    name: 'node+mtcute-wasm-ige',
    igeEncrypt: (data, key, iv, out) => place(mt.createAesIge(key, iv).encrypt(data), out),
    igeDecrypt: (data, key, iv, out) => place(mt.createAesIge(key, iv).decrypt(data), out),
  }
}
