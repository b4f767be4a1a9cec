/**
 * Stand-in handlers for the cluster contract (issue 5) until the cluster branch's real ones land in main: bot login
 * with USER_MIGRATE, PHONE_MIGRATE on auth.sendCode, auth.export/importAuthorization, upload.getFile with
 * FILE_MIGRATE, stats.getBroadcastStats with STATS_MIGRATE, and switchable FLOOD_WAIT / NETWORK_MIGRATE per DC.
 * Logged-in keys are tracked per DC; file and stats calls need one (401 AUTH_KEY_UNREGISTERED otherwise).
 */
import { randomBytes } from 'node:crypto'
import { type Cluster, RpcFailure, type RpcHandler } from '../../../src/testing/index.js'
import type { Api } from '../../../src/tl/index.js'

export interface StandInBot {
  readonly token: string
  readonly userId: bigint
  readonly homeDc: number
}

/** One bot per DC, token `${userId}:loopback-dc${homeDc}` (the contract's format). */
export const BOTS: readonly StandInBot[] = [1, 2, 3, 4, 5].map((dc) => ({ token: `${5000 + dc}:loopback-dc${dc}`, userId: BigInt(5000 + dc), homeDc: dc }))

/** A file on DC `dc` (its id names its home DC); bytes are `(offset + i) & 0xff`. */
export function fileOn(dc: number): Api.inputDocumentFileLocation {
  return { _: 'inputDocumentFileLocation', id: BigInt(dc), accessHash: 0n, fileReference: new Uint8Array(0), thumbSize: '' }
}

/** The channel whose stats live on DC {@link STATS_DC}. */
export const STATS_CHANNEL: Api.inputChannel = { _: 'inputChannel', channelId: 4242n, accessHash: 0n }
export const STATS_DC = 4

export interface StandIns {
  /** DC -> ids of logged-in auth keys. */
  readonly loggedIn: Map<number, Set<bigint>>
  /** The next `count` calls of `method` on `dc` answer FLOOD_WAIT_seconds. */
  floodWait(dc: number, method: string, seconds: number, count: number): void
  /** The next `count` calls of `method` on `dc` answer NETWORK_MIGRATE_toDc. */
  networkMigrate(dc: number, method: string, toDc: number, count: number): void
}

function graph(): Api.statsGraphError {
  return { _: 'statsGraphError', error: 'none' }
}

function abs(n: number): Api.statsAbsValueAndPrev {
  return { _: 'statsAbsValueAndPrev', current: n, previous: n - 1 }
}

/** Registers the stand-ins on every DC of `cluster`. */
export function registerStandIns(cluster: Cluster): StandIns {
  const loggedIn = new Map<number, Set<bigint>>()
  const exported = new Map<number, { userId: bigint; bytes: Buffer }>()
  const faults = new Map<string, Array<{ code: number; text: string; count: number }>>()
  const userOf = new Map<string, bigint>()
  const login = (dc: number, keyId: bigint, userId: bigint): void => {
    const s = loggedIn.get(dc) ?? new Set<bigint>()
    loggedIn.set(dc, s)
    s.add(keyId)
    userOf.set(`${dc}:${keyId}`, userId)
  }
  const requireLogin = (dc: number, keyId: bigint): bigint => {
    const u = userOf.get(`${dc}:${keyId}`)
    if (u === undefined || loggedIn.get(dc)?.has(keyId) !== true) throw new RpcFailure(401, 'AUTH_KEY_UNREGISTERED')
    return u
  }
  const faulty =
    (dc: number, method: string, h: RpcHandler): RpcHandler =>
    (req, ctx) => {
      const list = faults.get(`${dc}:${method}`)
      const f = list?.[0]
      if (f !== undefined) {
        if (--f.count <= 0) list?.shift()
        throw new RpcFailure(f.code, f.text)
      }
      return h(req, ctx)
    }
  for (const { id: dc } of cluster.dcs) {
    const rpc = cluster.dc(dc).rpc
    rpc.register('auth.importBotAuthorization', (req, ctx) => {
      const r = req as Api.auth.importBotAuthorization
      const bot = BOTS.find((b) => b.token === r.botAuthToken)
      if (bot === undefined) throw new RpcFailure(400, 'ACCESS_TOKEN_INVALID')
      if (bot.homeDc !== dc) throw new RpcFailure(303, `USER_MIGRATE_${bot.homeDc}`)
      ctx.count(`login:${bot.userId}`)
      login(dc, ctx.key.id, bot.userId)
      const a: Api.auth.authorization = { _: 'auth.authorization', user: { _: 'user', bot: true, botInfoVersion: 1, id: bot.userId, accessHash: 1n, firstName: `bot${dc}` } }
      return a
    })
    rpc.register('auth.sendCode', (req) => {
      const phone = (req as Api.auth.sendCode).phoneNumber
      const home = Number(phone.slice(5, 6))
      if (home !== dc) throw new RpcFailure(303, `PHONE_MIGRATE_${home}`)
      const s: Api.auth.sentCode = { _: 'auth.sentCode', type: { _: 'auth.sentCodeTypeApp', length: 5 }, phoneCodeHash: `hash${dc}` }
      return s
    })
    rpc.register('auth.exportAuthorization', (req, ctx) => {
      const userId = requireLogin(dc, ctx.key.id)
      const to = (req as Api.auth.exportAuthorization).dcId
      const bytes = randomBytes(32)
      exported.set(to, { userId, bytes })
      ctx.count(`export:${to}`)
      const e: Api.auth.exportedAuthorization = { _: 'auth.exportedAuthorization', id: userId, bytes }
      return e
    })
    rpc.register('auth.importAuthorization', (req, ctx) => {
      const r = req as Api.auth.importAuthorization
      const e = exported.get(dc)
      if (e === undefined || e.userId !== r.id || !e.bytes.equals(r.bytes)) throw new RpcFailure(400, 'AUTH_BYTES_INVALID')
      exported.delete(dc)
      ctx.count('import')
      login(dc, ctx.key.id, e.userId)
      const a: Api.auth.authorization = { _: 'auth.authorization', user: { _: 'user', id: e.userId, accessHash: 1n } }
      return a
    })
    rpc.register(
      'upload.getFile',
      faulty(dc, 'upload.getFile', (req, ctx) => {
        const r = req as Api.upload.getFile
        const loc = r.location
        const home = loc._ === 'inputDocumentFileLocation' ? Number(loc.id) : 0
        if (home !== dc) throw new RpcFailure(303, `FILE_MIGRATE_${home}`)
        requireLogin(dc, ctx.key.id)
        ctx.count(`getFile:${r.offset}`)
        const bytes = new Uint8Array(r.limit)
        for (let i = 0; i < bytes.length; i++) bytes[i] = (Number(r.offset) + i) & 0xff
        const f: Api.upload.file = { _: 'upload.file', type: { _: 'storage.filePartial' }, mtime: 0, bytes }
        return f
      }),
    )
    rpc.register('stats.getBroadcastStats', (_req, ctx) => {
      if (dc !== STATS_DC) throw new RpcFailure(303, `STATS_MIGRATE_${STATS_DC}`)
      requireLogin(dc, ctx.key.id)
      ctx.count('stats')
      const s: Api.stats.broadcastStats = {
        _: 'stats.broadcastStats',
        period: { _: 'statsDateRangeDays', minDate: 0, maxDate: 86400 },
        followers: abs(100),
        viewsPerPost: abs(10),
        sharesPerPost: abs(2),
        reactionsPerPost: abs(3),
        viewsPerStory: abs(4),
        sharesPerStory: abs(5),
        reactionsPerStory: abs(6),
        enabledNotifications: { _: 'statsPercentValue', part: 1, total: 2 },
        growthGraph: graph(),
        followersGraph: graph(),
        muteGraph: graph(),
        topHoursGraph: graph(),
        interactionsGraph: graph(),
        ivInteractionsGraph: graph(),
        viewsBySourceGraph: graph(),
        newFollowersBySourceGraph: graph(),
        languagesGraph: graph(),
        reactionsByEmotionGraph: graph(),
        storyInteractionsGraph: graph(),
        storyReactionsByEmotionGraph: graph(),
        recentPostsInteractions: [],
      }
      return s
    })
    rpc.register(
      'help.getNearestDc',
      faulty(dc, 'help.getNearestDc', (_req, ctx) => {
        ctx.count('help.getNearestDc')
        const n: Api.nearestDc = { _: 'nearestDc', country: 'ZZ', thisDc: dc, nearestDc: dc }
        return n
      }),
    )
  }
  const add = (dc: number, method: string, code: number, text: string, count: number): void => {
    const k = `${dc}:${method}`
    const list = faults.get(k) ?? []
    list.push({ code, text, count })
    faults.set(k, list)
  }
  return {
    loggedIn,
    floodWait: (dc, method, seconds, count) => add(dc, method, 420, `FLOOD_WAIT_${seconds}`, count),
    networkMigrate: (dc, method, toDc, count) => add(dc, method, 303, `NETWORK_MIGRATE_${toDc}`, count),
  }
}
