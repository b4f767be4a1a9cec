/**
 * The loopback cluster's fixed accounts and content: one test bot and one test phone per DC 1..5, files stored on
 * each DC (one over 3 MiB), and a channel whose statistics live on DC 3. Home DCs are fixed so that every
 * `*_MIGRATE_X` redirect a client can meet is real: a bot token or phone used on another DC, a file read elsewhere,
 * statistics asked of the wrong DC.
 *
 * Spec: https://core.telegram.org/api/auth (test phone numbers 99966XYYYY on test DCs, login code = the DC digit
 * repeated), https://core.telegram.org/bots#botfather (token format `<bot id>:<secret>`),
 * https://core.telegram.org/api/errors#303-see-other (PHONE_/USER_/FILE_/STATS_MIGRATE_X),
 * https://core.telegram.org/api/files (file locations).
 */
import type { Api } from '../tl/index.js'

/** A bot account the cluster knows, logged in with auth.importBotAuthorization. */
export interface TestBot {
  readonly token: string
  readonly userId: bigint
  readonly homeDc: number
  readonly username: string
}

/** A user account logged in with auth.sendCode + auth.signIn. */
export interface TestPhone {
  readonly phone: string
  readonly homeDc: number
  /** The login code auth.signIn accepts: the home DC digit five times (Telegram's test-DC convention). */
  readonly code: string
  readonly userId: bigint
}

/** A file stored on one DC, readable with upload.getFile. */
export interface TestFile {
  readonly location: Api.InputFileLocation
  readonly homeDc: number
  readonly size: number
  /** The file's bytes (deterministic), for checking downloads; clipped to the file's end. */
  bytes(offset: number, length: number): Uint8Array
}

/** DCs that hold accounts and files: Telegram's production DC ids. */
const ACCOUNT_DCS = [1, 2, 3, 4, 5] as const
/** Bot user ids: 5_000_000_000 + home DC (beyond 32 bits, as Telegram's newer ids are). */
const BOT_ID_BASE = 5_000_000_000n
/** Phone user ids: 4_000_000_000 + home DC. */
const PHONE_ID_BASE = 4_000_000_000n
/** Document ids of TEST_FILES: 9_000_000_000 + home DC. */
const FILE_ID_BASE = 9_000_000_000n
const KIB = 1024
const MIB = 1024 * KIB

/** One bot per DC 1..5; token format `${userId}:loopback-dc${homeDc}`. */
export const TEST_BOTS: readonly TestBot[] = ACCOUNT_DCS.map((dc) => {
  const userId = BOT_ID_BASE + BigInt(dc)
  return { token: `${userId}:loopback-dc${dc}`, userId, homeDc: dc, username: `loopback_dc${dc}_bot` }
})

/** Telegram's test-number convention: '99966' + dc + 4 digits; the login code is the dc digit five times. */
export const TEST_PHONES: readonly TestPhone[] = ACCOUNT_DCS.map((dc) => ({
  phone: `99966${dc}0001`,
  homeDc: dc,
  code: String(dc).repeat(5),
  userId: PHONE_ID_BASE + BigInt(dc),
}))

/** Every account's access hash: derived from the id so that clients can build an inputUser without a lookup. */
export function accessHashOf(userId: bigint): bigint {
  return BigInt.asIntN(64, userId * 0x9e3779b97f4a7c15n)
}

/** A bot by its token, if the cluster knows it. */
export function botByToken(token: string): TestBot | undefined {
  return TEST_BOTS.find((b) => b.token === token)
}

/** A test phone by its number (digits only; a leading + is ignored). */
export function phoneByNumber(phone: string): TestPhone | undefined {
  const digits = phone.startsWith('+') ? phone.slice(1) : phone
  return TEST_PHONES.find((p) => p.phone === digits)
}

/** The account (bot or phone user) with this user id. */
export function accountById(userId: bigint): TestBot | TestPhone | undefined {
  return TEST_BOTS.find((b) => b.userId === userId) ?? TEST_PHONES.find((p) => p.userId === userId)
}

/** The `user` object of a known account; `self` when the caller is logged in as it. */
export function accountUser(account: TestBot | TestPhone, self: boolean): Api.user {
  const base = { _: 'user' as const, id: account.userId, accessHash: accessHashOf(account.userId), ...(self ? { self: true } : {}) }
  if ('token' in account) return { ...base, bot: true, botInfoVersion: 1, firstName: `Loopback DC${account.homeDc} bot`, username: account.username }
  return { ...base, firstName: `Loopback DC${account.homeDc} user`, ...(self ? { phone: account.phone } : {}) }
}

/** The content of a test file at byte `i`: a cheap deterministic mix of the position and the file's id. */
function fileByte(seed: number, i: number): number {
  return (Math.imul(i ^ seed, 0x9e3779b1) + (i >>> 12)) >>> 24
}

function testFile(homeDc: number, size: number): TestFile {
  const id = FILE_ID_BASE + BigInt(homeDc)
  const seed = homeDc * 0x01000193
  return {
    location: {
      _: 'inputDocumentFileLocation',
      id,
      accessHash: accessHashOf(id),
      fileReference: Uint8Array.of(0x4c, 0x42, homeDc),
      thumbSize: '',
    },
    homeDc,
    size,
    bytes(offset, length) {
      const start = Math.max(0, Math.min(offset, size))
      const end = Math.max(start, Math.min(offset + length, size))
      const out = new Uint8Array(end - start)
      for (let i = 0; i < out.length; i++) out[i] = fileByte(seed, start + i)
      return out
    },
  }
}

/**
 * Files on each DC; sizes include one over 3 MiB (DC 2), one of exactly 1 MiB (DC 3) and ones that end inside a
 * 4 KiB block, so that part and boundary handling is exercised.
 */
export const TEST_FILES: readonly TestFile[] = [
  testFile(1, 3 * 4 * KIB + 100),
  testFile(2, 3 * MIB + 123_457),
  testFile(3, MIB),
  testFile(4, 256 * KIB + 7),
  testFile(5, 100),
]

/** The test file a location names (by document id), if any. */
export function fileByLocation(location: Api.InputFileLocation): TestFile | undefined {
  if (location._ !== 'inputDocumentFileLocation') return undefined
  return TEST_FILES.find((f) => f.location._ === 'inputDocumentFileLocation' && f.location.id === location.id)
}

/** The channel id of {@link TEST_STATS_CHANNEL}. */
const STATS_CHANNEL_ID = 1_700_000_003n

/** A channel whose statistics live on another DC than the bots' (STATS_MIGRATE_X). */
export const TEST_STATS_CHANNEL: { readonly channel: Api.InputChannel; readonly statsDc: number } = {
  channel: { _: 'inputChannel', channelId: STATS_CHANNEL_ID, accessHash: accessHashOf(STATS_CHANNEL_ID) },
  statsDc: 3,
}
