/**
 * Transport framing throughput: mtactor's incremental codecs against mtcute's packet codecs (intermediate, padded,
 * obfuscated2) and GramJS's (abridged, full). Encode = frame N payloads; decode = feed the framed stream in 16 KiB
 * socket-sized chunks and collect every frame, each library the way its connection layer drives it (mtcute: a
 * fuman Bytes buffer with decode()+reclaim(); GramJS: its async readPacket over a reader). Every case first checks
 * that all implementations produce identical bytes / frames.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports. Prints JSON lines only; `--smoke` runs tiny counts.
 */
import 'telegram/network/index.js'
import { Bytes } from '@fuman/io'
import { IntermediatePacketCodec, ObfuscatedPacketCodec } from '@mtcute/core'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import { AbridgedPacketCodec } from 'telegram/network/connection/TCPAbridged.js'
import { FullPacketCodec } from 'telegram/network/connection/TCPFull.js'
import { createNodeCryptoProvider } from '../src/protocol/crypto/node-provider.js'
import { seededRandom } from '../src/protocol/random.js'
import { AbridgedCodec } from '../src/protocol/transport/abridged.js'
import type { TransportEvent } from '../src/protocol/transport/codec.js'
import { FullCodec } from '../src/protocol/transport/full.js'
import { IntermediateCodec } from '../src/protocol/transport/intermediate.js'
import { buildObfuscatedInit, createObfuscatedServer, isForbiddenInit, ObfuscatedCodec, parseObfuscatedInit, innerCodec } from '../src/protocol/transport/obfuscated.js'

const smoke = process.argv.includes('--smoke')
const CHUNK = 16 * 1024
const crypto = createNodeCryptoProvider()

function payloads(size: number, count: number): Uint8Array[] {
  const rnd = seededRandom(size)
  return Array.from({ length: count }, () => {
    const p = new Uint8Array(size)
    rnd(p)
    return p
  })
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

function chunks(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < stream.length; i += CHUNK) out.push(stream.slice(i, i + CHUNK))
  return out
}

function same(a: Uint8Array[], b: Uint8Array[], what: string): void {
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} vs ${b.length} frames`)
  for (let i = 0; i < a.length; i++) {
    if (!Buffer.from(a[i] ?? []).equals(Buffer.from(b[i] ?? []))) throw new Error(`${what}: frame ${i} differs`)
  }
}

/** Best-of-`rounds` throughput in MB/s of `fn` processing `bytes` per call. */
async function mbps(bytes: number, fn: () => unknown, rounds: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY
  await fn()
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    await fn()
    best = Math.min(best, performance.now() - t0)
  }
  return bytes / 1e6 / (Math.max(best, 1e-3) / 1000)
}

function frames(events: TransportEvent[]): Uint8Array[] {
  return events.flatMap((e) => (e.type === 'frame' ? [e.payload] : []))
}

function mtcuteDecodeSync(codec: IntermediatePacketCodec, input: Uint8Array[]): Uint8Array[] {
  const buf = Bytes.alloc(CHUNK)
  const out: Uint8Array[] = []
  for (const c of input) {
    buf.writeSync(c.length).set(c)
    buf.disposeWriteSync()
    for (;;) {
      const f = codec.decode(buf, false)
      buf.reclaim()
      if (f === null) break
      out.push(f)
    }
  }
  return out
}

/**
 * GramJS's socket buffering, modelled without a socket: PromisedNetSockets appends each arriving chunk with
 * Buffer.concat and readers slice from the front; here chunks "arrive" when a read needs them.
 */
class GramSocketModel {
  #stream = Buffer.alloc(0)
  #next = 0
  constructor(readonly input: Uint8Array[]) {}
  #fill(n: number): void {
    while (this.#stream.length < n && this.#next < this.input.length) {
      const c = this.input[this.#next++] as Uint8Array
      this.#stream = Buffer.concat([this.#stream, c])
    }
  }
  async read(n: number): Promise<Buffer> {
    return this.readExactly(n)
  }
  async readExactly(n: number): Promise<Buffer> {
    this.#fill(n)
    const out = this.#stream.subarray(0, n)
    this.#stream = this.#stream.subarray(n)
    return out
  }
}

function line(name: string, ours: number, peer: string, theirs: number): void {
  const round = (x: number): number => Math.round(x * 10) / 10
  console.log(JSON.stringify({ case: name, mtactor_mbps: round(ours), [`${peer}_mbps`]: round(theirs), [`ratio_vs_${peer}`]: Math.round((ours / theirs) * 100) / 100 }))
}

const sizes: Array<[string, number, number]> = smoke
  ? [['1KiB', 1024, 32]]
  : [
      ['256B', 256, 20000],
      ['4KiB', 4096, 4000],
      ['256KiB', 256 * 1024, 64],
    ]
const rounds = smoke ? 2 : 15

for (const [label, size, count] of sizes) {
  const ps = payloads(size, count)
  const total = size * count
  process.stderr.write(`transport bench: ${label} x ${count}\n`)

  // intermediate vs mtcute
  {
    const ours = new IntermediateCodec({ marker: false })
    const theirs = new IntermediatePacketCodec()
    const a = concat(ps.map((p) => ours.encode(p)))
    const tb = Bytes.alloc()
    for (const p of ps) theirs.encode(p, tb)
    same([a], [tb.result()], 'intermediate encode')
    const enc = await mbps(total, () => ps.map((p) => ours.encode(p)), rounds)
    const encT = await mbps(total, () => {
      const b = Bytes.alloc()
      for (const p of ps) theirs.encode(p, b)
      return b.result()
    }, rounds)
    line(`intermediate encode ${label}`, enc, 'mtcute', encT)
    const input = chunks(a)
    const check = new IntermediateCodec({ side: 'server', marker: false })
    same(frames(input.flatMap((c) => check.push(c))), ps, 'intermediate decode (ours)')
    same(mtcuteDecodeSync(new IntermediatePacketCodec(), input), ps, 'intermediate decode (mtcute)')
    const dec = await mbps(total, () => {
      const c = new IntermediateCodec({ side: 'server', marker: false })
      let n = 0
      for (const ch of input) n += c.push(ch).length
      return n
    }, rounds)
    const decT = await mbps(total, () => mtcuteDecodeSync(new IntermediatePacketCodec(), input), rounds)
    line(`intermediate decode ${label}`, dec, 'mtcute', decT)
  }

  // abridged and full vs GramJS
  for (const kind of ['abridged', 'full'] as const) {
    const make = () => (kind === 'abridged' ? new AbridgedCodec({ marker: false }) : new FullCodec())
    const makeGram = () => (kind === 'abridged' ? new AbridgedPacketCodec(undefined as never) : new FullPacketCodec(undefined as never))
    const ours = make()
    const gram = makeGram()
    const a = concat(ps.map((p) => ours.encode(p)))
    same([a], [Buffer.concat(ps.map((p) => gram.encodePacket(Buffer.from(p))))], `${kind} encode`)
    const enc = await mbps(total, () => {
      const c = make()
      return ps.map((p) => c.encode(p))
    }, rounds)
    const encT = await mbps(total, () => {
      const c = makeGram()
      return ps.map((p) => c.encodePacket(Buffer.from(p.buffer, p.byteOffset, p.byteLength)))
    }, rounds)
    line(`${kind} encode ${label}`, enc, 'gramjs', encT)
    const input = chunks(a)
    const gramDecode = async (): Promise<Uint8Array[]> => {
      const r = new GramSocketModel(input)
      const c = makeGram()
      const out: Uint8Array[] = []
      for (let i = 0; i < count; i++) out.push(await c.readPacket(r as never))
      return out
    }
    const server = () => (kind === 'abridged' ? new AbridgedCodec({ side: 'server', marker: false }) : new FullCodec({ side: 'server' }))
    const s0 = server()
    same(frames(input.flatMap((c) => s0.push(c))), ps, `${kind} decode (ours)`)
    same(await gramDecode(), ps, `${kind} decode (gramjs)`)
    const dec = await mbps(total, () => {
      const c = server()
      let n = 0
      for (const ch of input) n += c.push(ch).length
      return n
    }, rounds)
    const decT = await mbps(total, gramDecode, rounds)
    line(`${kind} decode ${label}`, dec, 'gramjs', decT)
  }

  // obfuscated2 (intermediate inside) vs mtcute: encode + decode through AES-CTR
  {
    const random = new Uint8Array(64)
    const rnd = seededRandom(77)
    do rnd(random)
    while (isForbiddenInit(random))
    const mtCrypto = new (class extends NodeCryptoProvider {
      override randomFill(buf: Uint8Array): void {
        buf.set(random.subarray(0, buf.length))
      }
    })()
    const makeTheirs = async (): Promise<ObfuscatedPacketCodec> => {
      const t = new ObfuscatedPacketCodec(new IntermediatePacketCodec())
      t.setup(mtCrypto as never, undefined as never)
      await t.tag()
      return t
    }
    const makeOurs = (): ObfuscatedCodec => {
      const init = buildObfuscatedInit(random, { crypto, transport: 'intermediate' })
      return new ObfuscatedCodec(innerCodec('intermediate', { side: 'client', random: seededRandom(1) }), init, init.init)
    }
    const theirs = await makeTheirs()
    const tb = Bytes.alloc()
    for (const p of ps) await theirs.encode(p, tb)
    const first = makeOurs()
    // mtcute's tag() returns the init separately; ours prefixes it to the first frame.
    const ourStream = concat(ps.map((p) => first.encode(p))).subarray(64)
    same([ourStream], [tb.result()], 'obfuscated encode')
    const enc = await mbps(total, () => {
      const c = makeOurs()
      return ps.map((p) => c.encode(p))
    }, rounds)
    const encT = await mbps(total, async () => {
      const t = await makeTheirs()
      const b = Bytes.alloc()
      for (const p of ps) await t.encode(p, b)
      return b.result()
    }, rounds)
    line(`obfuscated2 intermediate encode ${label}`, enc, 'mtcute', encT)
    // Decode: server-to-client bytes produced by our server codec for the same init.
    const init = buildObfuscatedInit(random, { crypto, transport: 'intermediate' }).init
    const srv = createObfuscatedServer(parseObfuscatedInit(init, { crypto }), { random: seededRandom(2) })
    const down = chunks(concat(ps.map((p) => srv.encode(p))))
    const ourDecode = (): Uint8Array[] => {
      const c = makeOurs()
      return frames(down.flatMap((ch) => c.push(ch)))
    }
    const theirDecode = async (): Promise<Uint8Array[]> => {
      const t = await makeTheirs()
      const buf = Bytes.alloc(CHUNK)
      const out: Uint8Array[] = []
      for (const ch of down) {
        buf.writeSync(ch.length).set(ch)
        buf.disposeWriteSync()
        for (;;) {
          const f = await t.decode(buf, false)
          buf.reclaim()
          if (f === null) break
          out.push(f)
        }
      }
      return out
    }
    same(ourDecode(), ps, 'obfuscated decode (ours)')
    same(await theirDecode(), ps, 'obfuscated decode (mtcute)')
    const dec = await mbps(total, ourDecode, rounds)
    const decT = await mbps(total, theirDecode, rounds)
    line(`obfuscated2 intermediate decode ${label}`, dec, 'mtcute', decT)
  }
}
