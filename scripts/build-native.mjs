#!/usr/bin/env node
/**
 * Builds the optional AES-NI addon (native/aes_ige.c -> native/build/mtactor_crypto.node) by calling the C compiler
 * directly: no node-gyp, no network, no headers download. Runs as the package's `install` script, so it is plain JS
 * and it NEVER fails the install: any problem (no compiler, no Node headers, not x86-64, compile error) prints a note
 * and exits 0, and the library then uses the prebuilt addon or the portable JavaScript path.
 *
 * Spec context: https://core.telegram.org/mtproto/description (AES-256-IGE is MTProto's message cipher).
 *
 * Options: MTACTOR_NO_NATIVE=1 skips the build; CC overrides the compiler (default: cc, then gcc, then clang).
 * `node scripts/build-native.mjs --prebuild` also copies the result to prebuilds/<platform>-<arch>/ (used by prepack).
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const source = join(root, 'native', 'aes_ige.c')
const outDir = join(root, 'native', 'build')
const output = join(outDir, 'mtactor_crypto.node')
const prebuild = process.argv.includes('--prebuild')

function note(msg) {
  process.stderr.write(`mtactor: ${msg}\n`)
}

function findHeaders() {
  const version = process.versions.node
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    join(dirname(process.execPath), '..', 'include', 'node'),
    process.env.HOME && join(process.env.HOME, '.cache', 'node-gyp', version, 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ]
  return candidates.find((dir) => dir && existsSync(join(dir, 'node_api.h')))
}

function findCompiler() {
  const names = process.env.CC ? [process.env.CC] : ['cc', 'gcc', 'clang']
  return names.find((name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0)
}

function build() {
  if (process.env.MTACTOR_NO_NATIVE === '1') return note('MTACTOR_NO_NATIVE=1, skipping the AES-NI addon build')
  if (process.arch !== 'x64') return note(`no AES-NI addon for ${process.arch}; the portable AES path will be used`)
  if (process.platform !== 'linux' && process.platform !== 'darwin') {
    return note(`no native build recipe for ${process.platform}; the portable AES path will be used`)
  }
  if (!existsSync(source)) return note('native/aes_ige.c is not in this package; skipping the addon build')
  const headers = findHeaders()
  if (!headers) return note('Node headers (node_api.h) not found; the portable AES path will be used')
  const cc = findCompiler()
  if (!cc) return note('no C compiler found (cc/gcc/clang); the portable AES path will be used')
  mkdirSync(outDir, { recursive: true })
  // N-API symbols resolve against the running node binary at load time, hence no link library.
  const link = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : []
  const args = ['-O3', '-fPIC', '-shared', '-fvisibility=hidden', `-I${headers}`, ...link, '-o', output, source]
  const res = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] })
  if (res.status !== 0) return note(`compiling the AES-NI addon failed (${cc} exit ${res.status}); the portable AES path will be used`)
  note(`built ${output}`)
  if (prebuild) {
    const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`)
    mkdirSync(dir, { recursive: true })
    copyFileSync(output, join(dir, 'mtactor_crypto.node'))
    note(`copied to ${dir}`)
  }
}

try {
  build()
} catch (err) {
  note(`AES-NI addon build skipped: ${err instanceof Error ? err.message : String(err)}`)
}
process.exit(0)
