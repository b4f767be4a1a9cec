/**
 * Loader for the optional AES-NI addon (native/aes_ige.c): freshly built `native/build/mtactor_crypto.node` first,
 * then the packaged `prebuilds/<platform>-<arch>/mtactor_crypto.node`, else nothing (callers use the portable path).
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector (AES-256-IGE).
 *
 * A candidate is accepted only if it loads, exports the expected functions, reports AES-NI on this CPU and
 * reproduces a published IGE vector in both directions, so a stale or foreign binary can never corrupt traffic.
 * `MTACTOR_NO_NATIVE=1` in the environment skips the addon entirely.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The addon's raw exports. Arguments are validated in JS before these are called (the addon re-checks sizes). */
export interface NativeIge {
  readonly aesni: boolean
  igeEncrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array, out: Uint8Array): void
  igeDecrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array, out: Uint8Array): void
}

/** What {@link loadNativeIge} found: the addon and where it came from, or why there is none. */
export type NativeStatus =
  | { readonly ok: true; readonly addon: NativeIge; readonly source: 'built' | 'prebuilt'; readonly path: string }
  | { readonly ok: false; readonly reason: string }

const ADDON_FILE = 'mtactor_crypto.node'

/** grammers' self-check vector (test/fixtures/aes-ige.json "grammers-ige-encrypt-self"): key = iv = p = 0x00..0x1f. */
const CHECK_INPUT = Uint8Array.from({ length: 32 }, (_, i) => i)
const CHECK_CIPHERTEXT = 'e28112a53e5c89c7b1ea8071c133699fd4e86b26c4bac9fc5af1ab8ce27a44a4'

function hex(b: Uint8Array): string {
  let s = ''
  for (const x of b) s += x.toString(16).padStart(2, '0')
  return s
}

/** The package root: the nearest ancestor of this module holding package.json (src/ and dist/src/ layouts alike). */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir
    const up = dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
  return undefined
}

function isNativeIge(v: unknown): v is NativeIge {
  if (typeof v !== 'object' || v === null) return false
  const r = v as Record<string, unknown>
  return typeof r.igeEncrypt === 'function' && typeof r.igeDecrypt === 'function' && typeof r.aesni === 'boolean'
}

function selfTest(addon: NativeIge): boolean {
  const enc = new Uint8Array(32)
  addon.igeEncrypt(CHECK_INPUT, CHECK_INPUT, CHECK_INPUT, enc)
  if (hex(enc) !== CHECK_CIPHERTEXT) return false
  const dec = new Uint8Array(32)
  addon.igeDecrypt(enc, CHECK_INPUT, CHECK_INPUT, dec)
  return hex(dec) === hex(CHECK_INPUT)
}

/**
 * Looks for the addon now, without the per-thread cache (tests and diagnostics; production code calls
 * {@link loadNativeIge}). Never throws.
 */
export function probeNativeIge(): NativeStatus {
  const env = typeof process === 'object' ? process.env : {}
  if (env.MTACTOR_NO_NATIVE === '1') return { ok: false, reason: 'disabled by MTACTOR_NO_NATIVE=1' }
  const root = packageRoot()
  if (root === undefined) return { ok: false, reason: 'package root not found' }
  const candidates: Array<['built' | 'prebuilt', string]> = [
    ['built', join(root, 'native', 'build', ADDON_FILE)],
    ['prebuilt', join(root, 'prebuilds', `${process.platform}-${process.arch}`, ADDON_FILE)],
  ]
  const require = createRequire(import.meta.url)
  const problems: string[] = []
  for (const [source, path] of candidates) {
    if (!existsSync(path)) {
      problems.push(`${source}: absent`)
      continue
    }
    try {
      const mod: unknown = require(path)
      if (!isNativeIge(mod)) problems.push(`${source}: unexpected exports`)
      else if (!mod.aesni) problems.push(`${source}: CPU has no AES-NI`)
      else if (!selfTest(mod)) problems.push(`${source}: failed the IGE self-test`)
      else return { ok: true, addon: mod, source, path }
    } catch (err) {
      problems.push(`${source}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  return { ok: false, reason: problems.join('; ') }
}

let cached: NativeStatus | undefined

/** Loads (once per thread) and returns the AES-NI addon status. Never throws. */
export function loadNativeIge(): NativeStatus {
  cached ??= probeNativeIge()
  return cached
}
