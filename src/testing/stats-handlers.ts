/**
 * Channel statistics on the loopback DCs: stats.getBroadcastStats for TEST_STATS_CHANNEL answers on its statistics
 * DC and 303 STATS_MIGRATE_X elsewhere; any other channel is CHANNEL_INVALID. The figures are fixed (deterministic),
 * the graphs small JSON documents in Telegram's graph format.
 *
 * Spec: https://core.telegram.org/api/stats (statistics may live on another DC: STATS_MIGRATE_X),
 * https://core.telegram.org/method/stats.getBroadcastStats, https://core.telegram.org/constructor/statsGraph.
 */
import { RpcFailure } from '../protocol/mtp/server-errors.js'
import type { RpcRegistry } from '../protocol/mtp/server-rpc.js'
import type { Api } from '../tl/index.js'
import { TEST_STATS_CHANNEL } from './accounts.js'

/** Seconds in a day: the statistics period is the 30 days before the request. */
const DAY = 86400
/** Days the statistics period covers (Telegram reports a month). */
const PERIOD_DAYS = 30

/** A small graph: one line of daily values over the period. */
function graph(name: string, start: number, values: readonly number[]): Api.StatsGraph {
  const x = values.map((_, i) => (start + i * DAY) * 1000)
  const data = JSON.stringify({ columns: [['x', ...x], ['y0', ...values]], types: { y0: 'line', x: 'x' }, names: { y0: name }, colors: { y0: '#3497ED' } })
  return { _: 'statsGraph', json: { _: 'dataJSON', data } }
}

const abs = (current: number, previous: number): Api.StatsAbsValueAndPrev => ({ _: 'statsAbsValueAndPrev', current, previous })

/** The statistics of the test channel for a request at `now`. */
export function broadcastStats(now: number): Api.stats.broadcastStats {
  const minDate = now - PERIOD_DAYS * DAY
  const g = (name: string, seed: number): Api.StatsGraph => graph(name, minDate, Array.from({ length: 7 }, (_, i) => seed + i * 3))
  return {
    _: 'stats.broadcastStats',
    period: { _: 'statsDateRangeDays', minDate, maxDate: now },
    followers: abs(1200, 1100),
    viewsPerPost: abs(640, 600),
    sharesPerPost: abs(12, 10),
    reactionsPerPost: abs(33, 30),
    viewsPerStory: abs(0, 0),
    sharesPerStory: abs(0, 0),
    reactionsPerStory: abs(0, 0),
    enabledNotifications: { _: 'statsPercentValue', part: 900, total: 1200 },
    growthGraph: g('Total followers', 1100),
    followersGraph: g('Joined', 10),
    muteGraph: g('Muted', 2),
    topHoursGraph: g('Views', 40),
    interactionsGraph: g('Views', 600),
    ivInteractionsGraph: g('Instant View', 5),
    viewsBySourceGraph: g('Channels', 100),
    newFollowersBySourceGraph: g('Search', 4),
    languagesGraph: g('English', 800),
    reactionsByEmotionGraph: g('Likes', 20),
    storyInteractionsGraph: g('Story views', 0),
    storyReactionsByEmotionGraph: g('Story likes', 0),
    recentPostsInteractions: [
      { _: 'postInteractionCountersMessage', msgId: 101, views: 700, forwards: 14, reactions: 35 },
      { _: 'postInteractionCountersMessage', msgId: 100, views: 580, forwards: 9, reactions: 28 },
    ],
  }
}

/** Registers stats.getBroadcastStats on one DC. */
export function registerStatsHandlers(rpc: RpcRegistry, o: { readonly dcId: number }): void {
  rpc.register('stats.getBroadcastStats', (req, ctx) => {
    const r = req as Api.stats.getBroadcastStats
    const want = TEST_STATS_CHANNEL.channel as Api.inputChannel
    const ch = r.channel
    if (ch._ !== 'inputChannel' || ch.channelId !== want.channelId || ch.accessHash !== want.accessHash) throw new RpcFailure(400, 'CHANNEL_INVALID')
    if (o.dcId !== TEST_STATS_CHANNEL.statsDc) throw new RpcFailure(303, `STATS_MIGRATE_${TEST_STATS_CHANNEL.statsDc}`)
    ctx.count(`stats.getBroadcastStats:${ch.channelId}`)
    return broadcastStats(ctx.now)
  })
}
