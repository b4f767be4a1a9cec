/**
 * `npm run bench:tl`: TL codec speed, mtactor vs mtcute 0.30.3 vs GramJS 2.26.22, same run, same machine.
 *
 * Cases (https://core.telegram.org/mtproto/serialize):
 * 1. serialize `messages.sendMessage` (inputPeerUser, 100-character text, random_id), a fresh request object per
 *    iteration for every library; mtactor and mtcute must produce identical bytes first.
 * 2. deserialize a `messages.messages` with 100 `message`s (text + 3 entities) and 10 `user`s into fully built
 *    objects, each library's result checked equal to the source first.
 * Layer note: `user` changed id between Layer 227 (mtcute) and 228 (mtactor) without changing the fields used
 * here, so for case 2 mtcute's bytes must equal ours except for that constructor id. GramJS is Layer 198: it
 * encodes the same objects with its own (older) ids and field sets, so its MB/s is over its own bytes.
 * Prints one JSON line per case on stdout; `--smoke` runs tiny iteration counts.
 */
import { __tlReaderMap, __tlWriterMap } from '@mtcute/core/utils.js'
import { TlBinaryReader, TlBinaryWriter, type TlReaderMap, type TlWriterMap } from '@mtcute/tl-runtime'
import bigInt from 'big-integer'
import Long from 'long'
import { Api as G } from 'telegram'
import { BinaryReader } from 'telegram/extensions/index.js'
import { type Api, deserializeObject, serializeObject } from '../src/tl/index.js'
import type { TlObject } from '../src/tl/runtime/registry.js'
import { looseDiff } from './lib/equal.js'
import { SMOKE, bestOpsPerSecond, note, sig } from './lib/measure.js'

const mtReaders = __tlReaderMap as unknown as TlReaderMap
const mtWriters = __tlWriterMap as unknown as TlWriterMap

const TEXT = 'The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. 0123456789 ok!'
if (TEXT.length !== 100) throw new Error(`text must be 100 characters, is ${TEXT.length}`)
/** Each round runs about this long per library; smoke mode keeps the whole run to a few hundred ms. */
const ROUND_MS = SMOKE ? 15 : 400
const ROUNDS = SMOKE ? 1 : 7

// ---- case 1: serialize messages.sendMessage ----
const RIDS = 1024
const rid = Array.from({ length: RIDS }, (_, i) => BigInt.asIntN(64, 0x9e3779b97f4a7c15n * BigInt(i + 1)))
const ridLong = rid.map((v) => Long.fromString(v.toString()))
const ridBig = rid.map((v) => bigInt(v.toString()))
const USER_ID = 1234567890n
const ACCESS = -8765432109876543210n
const ACCESS_LONG = Long.fromString(ACCESS.toString())
const USER_BIG = bigInt(USER_ID.toString())
const ACCESS_BIG = bigInt(ACCESS.toString())

const send = {
  mtactor: (i: number): Uint8Array =>
    serializeObject({
      _: 'messages.sendMessage',
      peer: { _: 'inputPeerUser', userId: USER_ID, accessHash: ACCESS },
      message: TEXT,
      randomId: rid[i & (RIDS - 1)] as bigint,
    } satisfies Api.messages.sendMessage),
  mtcute: (i: number): Uint8Array =>
    TlBinaryWriter.serializeObject(mtWriters, {
      _: 'messages.sendMessage',
      peer: { _: 'inputPeerUser', userId: 1234567890, accessHash: ACCESS_LONG },
      message: TEXT,
      randomId: ridLong[i & (RIDS - 1)],
    } as { _: string }),
  gramjs: (i: number): Buffer =>
    new G.messages.SendMessage({
      peer: new G.InputPeerUser({ userId: USER_BIG, accessHash: ACCESS_BIG }),
      message: TEXT,
      randomId: ridBig[i & (RIDS - 1)],
    }).getBytes(),
}

for (const i of [0, 1, 777]) {
  const a = Buffer.from(send.mtactor(i))
  const b = Buffer.from(send.mtcute(i))
  if (!a.equals(b)) throw new Error(`sendMessage bytes differ from mtcute:\n${a.toString('hex')}\n${b.toString('hex')}`)
  const g = new BinaryReader(send.gramjs(i)).tgReadObject() as unknown as { message: string; randomId: { toString(): string } }
  if (g.message !== TEXT || g.randomId.toString() !== (rid[i] as bigint).toString()) throw new Error('GramJS sendMessage mismatch')
}
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice(7)
const sendSizes = { mtactor: send.mtactor(0).length, mtcute: send.mtcute(0).length, gramjs: send.gramjs(0).length }
note(`sendMessage: ${sendSizes.mtactor} bytes (GramJS ${sendSizes.gramjs}); best of ${ROUNDS} rounds of ${ROUND_MS} ms`)
if (ONLY === undefined || ONLY === 'ser') {
  const sendOps = bestOpsPerSecond(send, ROUND_MS, ROUNDS)
  printCase('serialize messages.sendMessage', sendOps, sendSizes)
}

// ---- case 2: deserialize messages.messages (100 messages, 10 users) ----
const entityKinds = ['messageEntityBold', 'messageEntityItalic', 'messageEntityUrl'] as const
const source: Api.messages.messages = {
  _: 'messages.messages',
  messages: Array.from({ length: 100 }, (_, i) => ({
    _: 'message' as const,
    id: 1000 + i,
    fromId: { _: 'peerUser' as const, userId: BigInt(5000 + (i % 10)) },
    peerId: { _: 'peerUser' as const, userId: 777000n },
    date: 1_700_000_000 + i,
    message: `${TEXT.slice(0, 90)} msg #${String(i).padStart(3, '0')}.`,
    entities: entityKinds.map((k, j) => ({ _: k, offset: j * 10, length: 5 + j })),
  })),
  topics: [],
  chats: [],
  users: Array.from({ length: 10 }, (_, i) => ({
    _: 'user' as const,
    id: BigInt(5000 + i),
    accessHash: BigInt.asIntN(64, 0x7f4a7c159e3779b9n * BigInt(i + 3)),
    firstName: `First${i}`,
    lastName: `Last${i}`,
    username: `user_${i}`,
    status: { _: 'userStatusOffline' as const, wasOnline: 1_699_999_000 + i },
  })),
}
const oursBytes = serializeObject(source as TlObject)

function toMtcute(v: unknown): unknown {
  if (typeof v === 'bigint') return Long.fromString(v.toString())
  if (Array.isArray(v)) return v.map(toMtcute)
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) {
      // mtcute reads peer/user ids (int53 in its schema) as JS numbers
      out[k] = (k === 'userId' || k === 'id') && typeof x === 'bigint' ? Number(x) : toMtcute(x)
    }
    return out
  }
  return v
}
const mtcuteBytes = TlBinaryWriter.serializeObject(mtWriters, toMtcute(source) as { _: string })
const USER_228 = 0xb1b8cc83
const userWriterSrc = String(mtWriters.user)
const USER_227 = Number(/w\.uint\((\d+)\)/.exec(userWriterSrc)?.[1])
{
  const patched = Buffer.from(mtcuteBytes)
  for (let p = 0; p + 4 <= patched.length; p += 4) if (patched.readUInt32LE(p) === USER_227) patched.writeUInt32LE(USER_228, p)
  if (!patched.equals(Buffer.from(oursBytes))) throw new Error('messages.messages: mtcute bytes differ beyond the user id')
}

const gSource = new G.messages.Messages({
  messages: source.messages.map(
    (m) =>
      new G.Message({
        id: (m as Api.message).id,
        fromId: new G.PeerUser({ userId: bigInt(String((m as Api.message).fromId?._ === 'peerUser' ? (m as { fromId: Api.peerUser }).fromId.userId : 0)) }),
        peerId: new G.PeerUser({ userId: bigInt('777000') }),
        date: (m as Api.message).date,
        message: (m as Api.message).message,
        entities: ((m as Api.message).entities ?? []).map((e, j) =>
          j === 0
            ? new G.MessageEntityBold({ offset: e.offset, length: e.length } as never)
            : j === 1
              ? new G.MessageEntityItalic({ offset: e.offset, length: e.length } as never)
              : new G.MessageEntityUrl({ offset: e.offset, length: e.length } as never),
        ),
      }),
  ),
  chats: [],
  users: source.users.map((u) => {
    const x = u as Api.user
    return new G.User({
      id: bigInt(x.id.toString()),
      accessHash: bigInt((x.accessHash ?? 0n).toString()),
      firstName: x.firstName,
      lastName: x.lastName,
      username: x.username,
      status: new G.UserStatusOffline({ wasOnline: 1_699_999_000 + Number(x.id - 5000n) }),
    })
  }),
  topics: [],
} as never)
const gramBytes = gSource.getBytes()

const deser = {
  mtactor: (): unknown => deserializeObject(oursBytes),
  mtcute: (): unknown => TlBinaryReader.deserializeObject(mtReaders, mtcuteBytes),
  gramjs: (): unknown => new BinaryReader(gramBytes).tgReadObject(),
}
for (const [name, fn] of Object.entries(deser)) {
  const got = fn()
  const problem = name === 'gramjs' ? checkGram(got) : looseDiff(source, got, 'messages.messages', name === 'mtactor')
  if (problem) throw new Error(`${name} decoded messages.messages differently: ${problem}`)
}
const deserSizes = { mtactor: oursBytes.length, mtcute: mtcuteBytes.length, gramjs: gramBytes.length }
note(`messages.messages: ${oursBytes.length} bytes (GramJS ${gramBytes.length}); best of ${ROUNDS} rounds of ${ROUND_MS} ms`)
if (ONLY === undefined || ONLY === 'deser') {
  const deserOps = bestOpsPerSecond(deser, ROUND_MS, ROUNDS)
  printCase('deserialize messages.messages (100 messages, 10 users)', deserOps, deserSizes)
}

function checkGram(got: unknown): string | undefined {
  const g = got as { messages: Array<{ message: string; entities: unknown[]; id: number }>; users: Array<{ id: { toString(): string }; firstName: string }> }
  if (g.messages.length !== 100 || g.users.length !== 10) return 'counts'
  for (let i = 0; i < 100; i++) {
    const s = source.messages[i] as Api.message
    const m = g.messages[i]
    if (!m || m.message !== s.message || m.entities.length !== 3 || m.id !== s.id) return `message ${i}`
  }
  for (let i = 0; i < 10; i++) {
    const s = source.users[i] as Api.user
    const u = g.users[i]
    if (!u || u.id.toString() !== s.id.toString() || u.firstName !== s.firstName) return `user ${i}`
  }
  return undefined
}

function printCase(name: string, ops: Record<string, number>, sizes: Record<string, number>): void {
  const o = (k: string): number => ops[k] ?? Number.NaN
  const mb = (k: string): number => (o(k) * (sizes[k] ?? 0)) / 1e6
  console.log(
    JSON.stringify({
      case: name,
      mtactor_ops: sig(o('mtactor')),
      mtactor_mbps: sig(mb('mtactor')),
      mtcute_ops: sig(o('mtcute')),
      mtcute_mbps: sig(mb('mtcute')),
      ratio_vs_mtcute: sig(o('mtactor') / o('mtcute')),
      gramjs_ops: sig(o('gramjs')),
      gramjs_mbps: sig(mb('gramjs')),
      ratio_vs_gramjs: sig(o('mtactor') / o('gramjs')),
    }),
  )
}
