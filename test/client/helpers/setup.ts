/**
 * Shared set-up of the client's socket tests: one loopback cluster (test accounts, files, migrations and faults per
 * the cluster contract), and a client factory with small timers pointed at it. `MTACTOR_TEST_ACTORS=in-process` runs
 * the same tests on the in-process actor instead of worker threads.
 */
import type { DcEndpoint } from '../../../src/actors/actor-types.js'
import { MtClient, type MtClientOptions } from '../../../src/client/index.js'
import { type Cluster, startCluster } from '../../../src/testing/index.js'

export interface TestEnv {
  readonly cluster: Cluster
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

/**
 * Starts the cluster; clients use `actors` unless a test passes its own (`MTACTOR_TEST_ACTORS=in-process` or
 * `=worker` overrides both). Worker threads cost about a second of start-up per client under tsx, so tests of
 * coordinator logic run in-process and the ones about threads and resources on workers.
 */
export async function startEnv(actors: 'worker' | 'in-process' = 'worker'): Promise<TestEnv> {
  const cluster = await startCluster({ dcs: 5 })
  const env = process.env.MTACTOR_TEST_ACTORS
  const forced = env === 'in-process' || env === 'worker' ? env : undefined
  const dcs: DcEndpoint[] = cluster.dcs.map((d) => ({ dcId: d.id, host: d.host, port: d.port }))
  return {
    cluster,
    connect: (extra = {}) =>
      MtClient.connect({
        apiId: 1,
        apiHash: 'loopback',
        dc: 2,
        dcs,
        rsaKeys: [cluster.publicKey],
        connectTimeoutMs: 5000,
        reconnect: { minDelayMs: 5, maxDelayMs: 100 },
        session: { resendAfterMs: 300 },
        ...extra,
        // The environment switches between the built-in kinds; a test's own factory stays.
        actors: typeof extra.actors === 'function' ? extra.actors : (forced ?? extra.actors ?? actors),
      }),
  }
}
