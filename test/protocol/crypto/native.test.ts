/**
 * The AES-NI addon loader and the addon's own argument checks: the loader honours MTACTOR_NO_NATIVE, finds the
 * built or prebuilt binary, and the raw addon throws JS errors (never crashes) on anything malformed.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { deserializeError, serializeError } from '../../../src/errors.js'
import { loadNativeIge, probeNativeIge } from '../../../src/protocol/crypto/native.js'
import { NativeUnavailableError } from '../../../src/protocol/crypto/backend-error.js'

const root = join(import.meta.dirname, '../../..')
const binaryPresent =
  existsSync(join(root, 'native/build/mtactor_crypto.node')) ||
  existsSync(join(root, `prebuilds/${process.platform}-${process.arch}/mtactor_crypto.node`))
const status = loadNativeIge()

describe('native addon loader', () => {
  const saved = process.env.MTACTOR_NO_NATIVE
  afterEach(() => {
    if (saved === undefined) delete process.env.MTACTOR_NO_NATIVE
    else process.env.MTACTOR_NO_NATIVE = saved
  })

  it('loads whenever a binary is present on an AES-NI machine', () => {
    if (binaryPresent && process.env.MTACTOR_NO_NATIVE !== '1') {
      expect(status.ok, status.ok ? '' : status.reason).toBe(true)
    } else {
      expect(status.ok).toBe(false)
    }
  })

  it('skips the addon when MTACTOR_NO_NATIVE=1', () => {
    process.env.MTACTOR_NO_NATIVE = '1'
    const s = probeNativeIge()
    expect(s.ok).toBe(false)
    if (!s.ok) expect(s.reason).toContain('MTACTOR_NO_NATIVE')
  })

  it('NativeUnavailableError crosses a thread boundary intact', () => {
    const back = deserializeError(serializeError(new NativeUnavailableError('built: absent')))
    expect(back).toBeInstanceOf(NativeUnavailableError)
    expect((back as NativeUnavailableError).reason).toBe('built: absent')
  })
})

describe.skipIf(!status.ok)('raw addon argument checks', () => {
  const addon = status.ok ? status.addon : undefined
  const k = new Uint8Array(32)
  type Raw = (...args: unknown[]) => void

  it('throws JS errors on malformed arguments instead of touching memory', () => {
    if (!addon) return
    for (const fn of [addon.igeEncrypt as Raw, addon.igeDecrypt as Raw]) {
      expect(() => fn()).toThrow(TypeError)
      expect(() => fn(new Uint8Array(16), k, k)).toThrow(TypeError)
      expect(() => fn('x', k, k, new Uint8Array(16))).toThrow(TypeError)
      expect(() => fn(new Uint16Array(8), k, k, new Uint8Array(16))).toThrow(TypeError)
      expect(() => fn(new Uint8Array(16), new Uint8Array(16), k, new Uint8Array(16))).toThrow(RangeError)
      expect(() => fn(new Uint8Array(16), k, new Uint8Array(16), new Uint8Array(16))).toThrow(RangeError)
      expect(() => fn(new Uint8Array(15), k, k, new Uint8Array(16))).toThrow(RangeError)
      expect(() => fn(new Uint8Array(32), k, k, new Uint8Array(16))).toThrow(RangeError)
    }
  })
})

describe.skipIf(!status.ok)('addon in worker threads (one DC actor per worker)', () => {
  it('loads in several workers at once and computes the same vector', async () => {
    if (!status.ok) return
    // Plain CJS in the worker: this checks the addon is context-aware (NAPI_MODULE_INIT), not our TS loader.
    const code = `
      const { parentPort, workerData } = require('node:worker_threads')
      const m = require(workerData)
      const z = new Uint8Array(32).map((_, i) => i)
      const out = new Uint8Array(32)
      m.igeEncrypt(z, z, z, out)
      parentPort.postMessage(Buffer.from(out).toString('hex'))
    `
    const results = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<string>((resolve, reject) => {
            const w = new Worker(code, { eval: true, workerData: status.path })
            w.once('message', (m: string) => {
              resolve(m)
              void w.terminate()
            })
            w.once('error', reject)
          }),
      ),
    )
    expect(results).toEqual(Array(3).fill('e28112a53e5c89c7b1ea8071c133699fd4e86b26c4bac9fc5af1ab8ce27a44a4'))
  })
})
