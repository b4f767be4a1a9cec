/** Shared setup of the worker actor tests: spawning actors against the loopback cluster, typed requests. */
import type { ActorConfig, ActorEvent } from '../../src/actors/actor-types.js'
import { WorkerActor } from '../../src/actors/worker-actor.js'
import { withInitConnection } from '../../src/client/init-connection.js'
import type { AuthKeyResult } from '../../src/protocol/auth/index.js'
import type { Cluster } from '../../src/testing/index.js'
import { type ApiMethod, readResult, type ResultOf, serializeObject, type Api } from '../../src/tl/index.js'

export const getUser = (id: bigint): Api.users.getUsers => ({ _: 'users.getUsers', id: [{ _: 'inputUser', userId: id, accessHash: 0n }] })
export const nearest = (): Api.help.getNearestDc => ({ _: 'help.getNearestDc' })
export const initNearest = () => withInitConnection(nearest(), { apiId: 1, deviceModel: 'test' })

/** Serializes a request into a buffer of its own. */
export const body = (req: ApiMethod): Uint8Array => serializeObject(req, { ownBuffer: true })

export interface Spawned {
  readonly actor: WorkerActor
  readonly events: ActorEvent[]
  readonly updates: Uint8Array[]
  /** Resolves with the first permanent key the actor made or was given. */
  readonly key: Promise<AuthKeyResult>
}

/** Tuned for tests: fast reconnects and resends (fake timers do not reach workers). */
export function testConfig(cluster: Cluster, dcId = 1, extra: Partial<ActorConfig> = {}): ActorConfig {
  const dc = cluster.dc(dcId)
  return {
    endpoint: { dcId, host: dc.host, port: dc.port },
    rsaKeys: [cluster.publicKey],
    connectTimeoutMs: 5_000,
    reconnect: { minDelayMs: 5, maxDelayMs: 100, maxAttempts: 50 },
    session: { resendAfterMs: 300 },
    ...extra,
  }
}

export async function spawn(config: ActorConfig, onEvent?: (e: ActorEvent) => void): Promise<Spawned> {
  const events: ActorEvent[] = []
  const updates: Uint8Array[] = []
  let gotKey: (k: AuthKeyResult) => void = () => undefined
  const key = new Promise<AuthKeyResult>((resolve) => {
    gotKey = resolve
  })
  if (config.authKey !== undefined) gotKey({ authKey: config.authKey, authKeyId: 0n, serverSalt: config.serverSalt ?? 0n, timeOffset: config.timeOffset ?? 0 })
  const actor = await WorkerActor.create(config, {
    onUpdate: (b) => updates.push(b),
    onEvent: (e) => {
      events.push(e)
      if (e.type === 'auth-key' && !e.temp) gotKey(e.result)
      onEvent?.(e)
    },
  })
  return { actor, events, updates, key }
}

/** Invokes a typed request through an actor and reads its result. */
export async function call<R extends ApiMethod>(actor: WorkerActor, id: number, req: R): Promise<ResultOf<R>> {
  const raw = await actor.invoke(id, body(req), req._)
  return readResult(raw, req)
}
