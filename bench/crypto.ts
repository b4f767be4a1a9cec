/**
 * `npm run bench:crypto`: AES-256-IGE (both directions, 192 B .. 1 MiB) and SHA-256 at 1 KiB, mtactor against
 * mtcute 0.30.3 (its NodeCryptoProvider: WASM IGE), GramJS 2.26 (IGE from @cryptography/aes) and, as the hardware
 * reference, raw node:crypto AES-256-CBC encryption ("node_cbc_mbps": IGE cannot beat a serial CBC chain much).
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector
 *
 * Every case checks that all implementations produce identical bytes before timing, then reports the median of
 * interleaved rounds (bench/lib/interleave.ts). Our IGE runs with a reused `out` buffer; the peers' APIs allocate
 * their result and cannot do otherwise. "(native)" lines use the AES-NI addon; "(portable)" lines the no-addon
 * default (our WASM T-table kernels; encryption >= 2 KiB via OpenSSL CBC plus the IGE identity); "(js)" lines the
 * last-resort plain-JS kernels used where WebAssembly is unavailable. `--smoke` runs tiny iteration counts.
 */
import { createCipheriv, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { loadNativeIge } from '../src/protocol/crypto/native.js'
import { createNodeCryptoProvider } from '../src/protocol/crypto/node-provider.js'
import type { CryptoProvider } from '../src/protocol/crypto/provider.js'
import { type Contender, interleave, round3 } from './lib/interleave.js'

const smoke = process.argv.includes('--smoke')
const opts = smoke ? { rounds: 7, targetMs: 0.2 } : { rounds: 21, targetMs: 10 }
const log = (msg: string): void => {
  process.stderr.write(`${msg}\n`)
}

interface GramIge {
  encryptIge(data: Buffer): Buffer
  decryptIge(data: Buffer): Buffer
}
const require = createRequire(import.meta.url)
const { IGE: GramIGE } = require('telegram/crypto/IGE') as { IGE: new (key: Buffer, iv: Buffer) => GramIge }
const { sha256: gramSha256 } = require('telegram/Helpers') as { sha256(data: Buffer): Buffer }

const mtcute = new NodeCryptoProvider()
await mtcute.initialize()

const native = loadNativeIge()
const providers: Array<[string, CryptoProvider]> = [
  ['portable', createNodeCryptoProvider({ ige: 'portable' })],
  ['js', createNodeCryptoProvider({ ige: 'js' })],
]
if (native.ok) providers.unshift(['native', createNodeCryptoProvider({ ige: 'native' })])
else log(`native addon unavailable (${native.reason}); only portable lines will be printed`)

const SIZES: Array<[string, number]> = [
  ['192B', 192],
  ['4KiB', 4096],
  ['512KiB', 512 * 1024],
  ['1MiB', 1024 * 1024],
]

function same(label: string, results: Array<[string, Uint8Array]>): void {
  const [refName, ref] = results[0] ?? ['', new Uint8Array(0)]
  for (const [name, got] of results) {
    if (Buffer.compare(Buffer.from(got.buffer, got.byteOffset, got.length), Buffer.from(ref.buffer, ref.byteOffset, ref.length)) !== 0) {
      throw new Error(`${label}: ${name} output differs from ${refName}`)
    }
  }
}

const mbps = (bytes: number, seconds: number): number => bytes / seconds / 1e6

for (const decrypt of [false, true]) {
  for (const [sizeName, size] of SIZES) {
    const data = randomBytes(size)
    const key = randomBytes(32)
    const iv = randomBytes(32)
    const out = new Uint8Array(size)
    const op = decrypt ? 'decrypt' : 'encrypt'
    const peers: Contender[] = [
      { name: 'mtcute', run: () => void (decrypt ? mtcute.createAesIge(key, iv).decrypt(data) : mtcute.createAesIge(key, iv).encrypt(data)) },
      { name: 'gramjs', run: () => void (decrypt ? new GramIGE(key, iv).decryptIge(data) : new GramIGE(key, iv).encryptIge(data)) },
      {
        name: 'node_cbc',
        run: () => {
          const c = createCipheriv('aes-256-cbc', key, iv.subarray(0, 16))
          c.setAutoPadding(false)
          c.update(data)
        },
      },
    ]
    for (const [path, p] of providers) {
      const label = `ige ${op} ${sizeName} (${path})`
      const ours = (): Uint8Array => (decrypt ? p.igeDecrypt(data, key, iv, out) : p.igeEncrypt(data, key, iv, out))
      same(label, [
        ['mtactor', ours().slice()],
        ['mtcute', decrypt ? mtcute.createAesIge(key, iv).decrypt(data) : mtcute.createAesIge(key, iv).encrypt(data)],
        ['gramjs', decrypt ? new GramIGE(key, iv).decryptIge(data) : new GramIGE(key, iv).encryptIge(data)],
      ])
      log(`${label}: timing`)
      // Peers allocate a fresh result per call; at large sizes collect it between runs (see interleave.ts).
      const t = interleave([{ name: 'mtactor', run: () => void ours() }, ...peers], { ...opts, gcBetweenRuns: size >= 65536 })
      const m = (name: string): number => mbps(size, t.get(name) ?? Number.NaN)
      console.log(
        JSON.stringify({
          case: label,
          mtactor_mbps: round3(m('mtactor')),
          mtcute_mbps: round3(m('mtcute')),
          gramjs_mbps: round3(m('gramjs')),
          node_cbc_mbps: round3(m('node_cbc')),
          ratio_vs_mtcute: round3(m('mtactor') / m('mtcute')),
          ratio_vs_gramjs: round3(m('mtactor') / m('gramjs')),
          ratio_vs_node_cbc: round3(m('mtactor') / m('node_cbc')),
          provider: p.name,
        }),
      )
    }
  }
}

{
  const data = randomBytes(1024)
  const p = providers[0]?.[1] ?? createNodeCryptoProvider()
  const label = 'sha256 1KiB'
  same(label, [
    ['mtactor', p.sha256(data)],
    ['mtcute', mtcute.sha256(data)],
    ['gramjs', gramSha256(data)],
    ['noble', nobleSha256(data)],
  ])
  log(`${label}: timing`)
  const t = interleave(
    [
      { name: 'mtactor', run: () => void p.sha256(data) },
      { name: 'mtcute', run: () => void mtcute.sha256(data) },
      { name: 'gramjs', run: () => void gramSha256(data) },
      { name: 'noble', run: () => void nobleSha256(data) },
    ],
    opts,
  )
  const m = (name: string): number => mbps(1024, t.get(name) ?? Number.NaN)
  console.log(
    JSON.stringify({
      case: label,
      mtactor_mbps: round3(m('mtactor')),
      mtcute_mbps: round3(m('mtcute')),
      gramjs_mbps: round3(m('gramjs')),
      noble_mbps: round3(m('noble')),
      ratio_vs_mtcute: round3(m('mtactor') / m('mtcute')),
      ratio_vs_gramjs: round3(m('mtactor') / m('gramjs')),
      ratio_vs_noble: round3(m('mtactor') / m('noble')),
    }),
  )
}
