/**
 * Bench-only CryptoProvider: node:crypto for everything, but AES-256-IGE from mtcute's WASM module (@mtcute/wasm,
 * the same IGE mtcute itself uses). It lets a bench compare protocol-layer code with equal primitives, separating
 * "our message code" from "our IGE". Not used by the library.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector (IGE).
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { ige256Decrypt, ige256Encrypt, initSync, SIMD_AVAILABLE } from '@mtcute/wasm'
import { createNodeCryptoProvider } from '../../src/protocol/crypto/node-provider.js'
import type { CryptoProvider } from '../../src/protocol/crypto/provider.js'

/** Loads the WASM module (SIMD build when available) and returns the provider. */
export async function createWasmIgeProvider(): Promise<CryptoProvider> {
  const require = createRequire(join(import.meta.dirname, '../../node_modules/@mtcute/node/package.json'))
  initSync(await readFile(require.resolve(`@mtcute/wasm/${SIMD_AVAILABLE ? 'mtcute-simd.wasm' : 'mtcute.wasm'}`)))
  const base = createNodeCryptoProvider()
  const place = (res: Uint8Array, out?: Uint8Array): Uint8Array => {
    if (out === undefined) return res
    out.set(res)
    return out
  }
  return {
    ...base,
    name: 'node+mtcute-wasm-ige',
    igeEncrypt: (data, key, iv, out) => place(ige256Encrypt(data, key, iv), out),
    igeDecrypt: (data, key, iv, out) => place(ige256Decrypt(data, key, iv), out),
  }
}
