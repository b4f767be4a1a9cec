/**
 * Shared set-up of the client's socket tests: one loopback cluster with the stand-in handlers, and a client factory
 * with small timers pointed at it.
 */
import type { DcEndpoint } from '../../../src/actors/actor-types.js'
import { MtClient, type MtClientOptions } from '../../../src/client/index.js'
import { type Cluster, startCluster } from '../../../src/testing/index.js'
import { registerStandIns, type StandIns } from './stand-ins.js'

export interface TestEnv {
  readonly cluster: Cluster
  readonly standIns: StandIns
  connect(extra?: Partial<MtClientOptions>): Promise<MtClient>
}

/** A fast sleep for FLOOD_WAIT and backoff (records what it was asked to wait). */
export function recordingSleep(): { sleep: (ms: number, signal?: AbortSignal) => Promise<void>; calls: number[] } {
  const calls: number[] = []
  return {
    calls,
    sleep: async (ms) => {
      calls.push(ms)
    },
  }
}

export async function startEnv(): Promise<TestEnv> {
  const cluster = await startCluster({ dcs: 5 })
  const standIns = registerStandIns(cluster)
  const dcs: DcEndpoint[] = cluster.dcs.map((d) => ({ dcId: d.id, host: d.host, port: d.port }))
  return {
    cluster,
    standIns,
    connect: (extra = {}) =>
      MtClient.connect({
        apiId: 1,
        apiHash: 'loopback',
        dc: 2,
        dcs,
        rsaKeys: [cluster.publicKey],
        actors: 'in-process',
        connectTimeoutMs: 5000,
        reconnect: { minDelayMs: 5, maxDelayMs: 100 },
        session: { resendAfterMs: 300 },
        ...extra,
      }),
  }
}
