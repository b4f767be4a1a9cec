/**
 * The general RPC methods of the loopback DCs: help.getConfig (dc_options pointing at the loopback ports, with a
 * media-only address per DC), help.getNearestDc, updates.getState, and users.getUsers, which echoes its argument
 * (each requested user id comes back as a user with that id; the test accounts as themselves; inputUserSelf as the
 * logged-in user): the exactly-once probe, counted per requested id.
 *
 * Spec: https://core.telegram.org/method/help.getConfig, https://core.telegram.org/constructor/config,
 * https://core.telegram.org/method/help.getNearestDc, https://core.telegram.org/method/users.getUsers.
 */
import type { RpcContext, RpcRegistry } from '../protocol/mtp/server-rpc.js'
import { RpcFailure } from '../protocol/mtp/server-errors.js'
import type { Api } from '../tl/index.js'
import { accountById, accountUser } from './accounts.js'

/** One DC's address as the cluster publishes it. */
export interface DcAddress {
  readonly id: number
  readonly host: string
  readonly port: number
  /** The DC's media-only listener (listed in help.getConfig with `media_only`), when it has one. */
  readonly mediaPort?: number
}

/** How long a client may cache the config (Telegram sends about an hour). */
const CONFIG_EXPIRES_SECONDS = 3600
/** users.getUsers takes at most this many ids per call (Telegram's limit for the method). */
const MAX_USERS_PER_CALL = 200
/** The id inputUserSelf resolves to: the loopback cluster has one logged-in user. */
export const SELF_USER_ID = 777000n

/** The config a DC answers with. */
export function loopbackConfig(dcs: readonly DcAddress[], thisDc: number, now: number, testMode: boolean): Api.config {
  return {
    _: 'config',
    date: now,
    expires: now + CONFIG_EXPIRES_SECONDS,
    testMode,
    thisDc,
    dcOptions: dcs.flatMap((d): Api.DcOption[] => {
      const ipv6 = d.host.includes(':')
      const main: Api.DcOption = { _: 'dcOption', id: d.id, ipAddress: d.host, port: d.port, ipv6 }
      if (d.mediaPort === undefined) return [main]
      return [main, { _: 'dcOption', id: d.id, ipAddress: d.host, port: d.mediaPort, mediaOnly: true, ipv6 }]
    }),
    dcTxtDomainName: 'loopback.invalid',
    chatSizeMax: 200,
    megagroupSizeMax: 200000,
    forwardedCountMax: 100,
    onlineUpdatePeriodMs: 210000,
    offlineBlurTimeoutMs: 5000,
    offlineIdleTimeoutMs: 30000,
    onlineCloudTimeoutMs: 300000,
    notifyCloudDelayMs: 30000,
    notifyDefaultDelayMs: 1500,
    pushChatPeriodMs: 60000,
    pushChatLimit: 2,
    editTimeLimit: 172800,
    revokeTimeLimit: 2147483647,
    revokePmTimeLimit: 2147483647,
    ratingEDecay: 2419200,
    stickersRecentLimit: 200,
    channelsReadMediaPeriod: 604800,
    callReceiveTimeoutMs: 20000,
    callRingTimeoutMs: 90000,
    callConnectTimeoutMs: 30000,
    callPacketTimeoutMs: 10000,
    meUrlPrefix: 'https://t.me/',
    captionLengthMax: 1024,
    messageLengthMax: 4096,
    webfileDcId: 4,
  }
}

function userFor(input: Api.InputUser, self: Api.User | undefined): Api.User {
  if (input._ === 'inputUserSelf') return self ?? { _: 'user', self: true, id: SELF_USER_ID, accessHash: 1n, firstName: 'Loopback' }
  if (input._ === 'inputUser' || input._ === 'inputUserFromMessage') {
    if (self !== undefined && input.userId === self.id) return self
    const account = accountById(input.userId)
    if (account !== undefined) return accountUser(account, false)
    return { _: 'user', id: input.userId, accessHash: input._ === 'inputUser' ? input.accessHash : 0n, firstName: `User ${input.userId}` }
  }
  throw new RpcFailure(400, 'USER_ID_INVALID')
}

/** Options of {@link registerLoopbackHandlers}. */
export interface LoopbackHandlerOptions {
  readonly dcId: number
  /** The live DC table (ports change only on a fresh cluster). */
  readonly dcs: () => readonly DcAddress[]
  readonly testMode: boolean
  /** The user inputUserSelf names for the calling key (the logged-in user); a fixed one when absent. */
  readonly self?: (ctx: RpcContext) => Api.User | undefined
}

/** Registers the loopback methods. */
export function registerLoopbackHandlers(rpc: RpcRegistry, opts: LoopbackHandlerOptions): void {
  rpc.register('help.getConfig', (_req, ctx) => {
    ctx.count('help.getConfig')
    return loopbackConfig(opts.dcs(), opts.dcId, ctx.now, opts.testMode)
  })
  rpc.register('help.getNearestDc', (_req, ctx) => {
    ctx.count('help.getNearestDc')
    const n: Api.nearestDc = { _: 'nearestDc', country: 'ZZ', thisDc: opts.dcId, nearestDc: opts.dcId }
    return n
  })
  rpc.register('updates.getState', (_req, ctx) => {
    const st: Api.updates.state = { _: 'updates.state', pts: 1, qts: 0, date: ctx.now, seq: 0, unreadCount: 0 }
    return st
  })
  rpc.register('users.getUsers', (req, ctx) => {
    const ids = (req as Api.users.getUsers).id
    if (ids.length > MAX_USERS_PER_CALL) throw new RpcFailure(400, 'LIMIT_INVALID')
    const self = opts.self?.(ctx)
    const users = ids.map((u) => userFor(u, self))
    for (const u of users) ctx.count(`users.getUsers:${u.id}`)
    return users
  })
}
