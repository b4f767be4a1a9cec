/**
 * The clients a bench child process can drive (`bench/lib/client-process.ts`), by kind. Each factory connects a fresh
 * client to one loopback DC (creating an auth key on the way) and completes the first call, which for us carries the
 * invokeWithLayer(initConnection(...)) wrapper (mtcute sends the same wrapper itself).
 *
 * Add a kind by adding an entry to {@link CLIENT_KINDS}; the child runner and the benches take any key of it. Each
 * factory imports its library itself, so a child process holds only its own client's code (RSS figures stay fair).
 * Spec: https://core.telegram.org/method/help.getNearestDc (the call every case makes: tiny request, tiny answer).
 */

/** Where the clients connect: one DC of the cluster process and the cluster's public key. */
export interface BenchTarget {
  readonly dc: { readonly id: number; readonly host: string; readonly port: number }
  readonly publicKeyPem: string
}

/** A client as the benches drive it. */
export interface BenchClient {
  /** help.getNearestDc; resolves with `this_dc` of the answer. */
  nearestDc(): Promise<number>
  close(): Promise<void>
}

/** A connected client and the `this_dc` of its first answer (checked by the caller). */
export interface Connected {
  readonly client: BenchClient
  readonly nearest: number
  /** Connections the client holds, each connected and each having answered a call (counted by the factory). */
  readonly connections: number
}

/**
 * Connects one client of a kind holding `connections` connections to the DC (default 1): the main one plus pooled
 * ones, each of which completes one help.getNearestDc whose `this_dc` the factory checks.
 */
export type ClientFactory = (target: BenchTarget, connections?: number) => Promise<Connected>

/** Throws unless every answer of the extra connections' first calls names `dcId`. */
function checkAnswers(answers: readonly number[], dcId: number): void {
  for (const a of answers) if (a !== dcId) throw new Error(`help.getNearestDc answered ${a}, expected ${dcId}`)
}

/** mtactor's module `path` (compiled with the bench, or the source under tsx: compiled.ts decides how this file runs). */
const mtactorModule = <T>(path: string): Promise<T> => import(`../../src/${path}.js`) as Promise<T>

/** mtactor's in-process connection driver (`src/actors/connection.ts`), intermediate framing. */
async function mtactorDriver(target: BenchTarget, connections = 1): Promise<Connected> {
  const [{ Connection }, { withInitConnection }, { createNodeCryptoProvider }, { rsaPublicKeyFromPem }] = await Promise.all([
    mtactorModule<typeof import('../../src/actors/connection.js')>('actors/connection'),
    mtactorModule<typeof import('../../src/client/init-connection.js')>('client/init-connection'),
    mtactorModule<typeof import('../../src/protocol/crypto/node-provider.js')>('protocol/crypto/node-provider'),
    mtactorModule<typeof import('../../src/protocol/crypto/rsa.js')>('protocol/crypto/rsa'),
  ])
  const crypto = createNodeCryptoProvider()
  const rsaKey = rsaPublicKeyFromPem(crypto, target.publicKeyPem)
  const { dc } = target
  const init = withInitConnection({ _: 'help.getNearestDc' }, { apiId: 1, deviceModel: 'bench' })
  const conn = await Connection.connect({ host: dc.host, port: dc.port, dcId: dc.id, rsaKeys: [rsaKey], crypto })
  const first = await conn.call(init)
  // More connections: the same DC with the first one's key, as a client's pooled connections would.
  const authKey = conn.authKey
  const extra = await Promise.all(
    Array.from({ length: connections - 1 }, () => Connection.connect({ host: dc.host, port: dc.port, dcId: dc.id, rsaKeys: [rsaKey], crypto, ...(authKey !== undefined ? { authKey } : {}) })),
  )
  checkAnswers(await Promise.all(extra.map(async (c) => (await c.call(init)).thisDc)), dc.id)
  return {
    nearest: first.thisDc,
    connections: 1 + extra.filter((c) => c.connected).length,
    client: {
      nearestDc: async () => (await conn.call({ _: 'help.getNearestDc' })).thisDc,
      close: async () => {
        await Promise.all([conn, ...extra].map((c) => c.close()))
      },
    },
  }
}

/**
 * mtactor's public client (`MtClient`) with its DC connection as an actor in a worker thread: every call crosses the
 * coordinator -> worker boundary and back (issue 5's actor runtime).
 */
async function mtactorActor(target: BenchTarget, connections = 1): Promise<Connected> {
  const [{ MtClient }, { createNodeCryptoProvider }, { rsaPublicKeyFromPem }] = await Promise.all([
    mtactorModule<typeof import('../../src/client/index.js')>('client/index'),
    mtactorModule<typeof import('../../src/protocol/crypto/node-provider.js')>('protocol/crypto/node-provider'),
    mtactorModule<typeof import('../../src/protocol/crypto/rsa.js')>('protocol/crypto/rsa'),
  ])
  const rsaKey = rsaPublicKeyFromPem(createNodeCryptoProvider(), target.publicKeyPem)
  const { dc } = target
  const client = await MtClient.connect({
    apiId: 1,
    apiHash: 'bench',
    dc: dc.id,
    dcs: [{ dcId: dc.id, host: dc.host, port: dc.port }],
    rsaKeys: [rsaKey],
    actors: 'worker',
    // Extra connections are pooled download ones: N - 1 calls in flight at once open N - 1 of them.
    ...(connections > 1 ? { pool: { download: connections - 1 } } : {}),
  })
  const first = await client.invoke({ _: 'help.getNearestDc' })
  const calls = Array.from({ length: connections - 1 }, async () => (await client.invoke({ _: 'help.getNearestDc' }, { connection: 'download' })).thisDc)
  checkAnswers(await Promise.all(calls), dc.id)
  const actors = await client.status()
  return {
    nearest: first.thisDc,
    connections: actors.filter((a) => a.connected && a.threadId !== 0).length,
    client: {
      nearestDc: async () => (await client.invoke({ _: 'help.getNearestDc' })).thisDc,
      close: () => client.close(),
    },
  }
}

/** mtcute 0.30.3's BaseTelegramClient over intermediate framing (see mtcute-client.ts). */
async function mtcute(target: BenchTarget, connections = 1): Promise<Connected> {
  const { connectedCount, createMtcuteClient } = await import('./mtcute-client.js')
  const c = await createMtcuteClient(target.dc, target.publicKeyPem, connections - 1)
  const first = await c.call({ _: 'help.getNearestDc' })
  // Its download pool connects lazily: N - 1 calls in flight at once land on N - 1 different download connections.
  const calls = Array.from({ length: connections - 1 }, async () => (await c.call({ _: 'help.getNearestDc' }, { kind: 'download' })).thisDc)
  checkAnswers(await Promise.all(calls), target.dc.id)
  return {
    nearest: first.thisDc,
    connections: connectedCount(c),
    client: {
      nearestDc: async () => (await c.call({ _: 'help.getNearestDc' })).thisDc,
      close: () => c.destroy(),
    },
  }
}

/** Every client kind a bench child can run. */
export const CLIENT_KINDS = {
  mtactor: mtactorDriver,
  'mtactor-actor': mtactorActor,
  mtcute,
} satisfies Record<string, ClientFactory>

/** A key of {@link CLIENT_KINDS}. */
export type ClientKind = keyof typeof CLIENT_KINDS

/** Whether `s` names a client kind. */
export function isClientKind(s: string): s is ClientKind {
  return Object.hasOwn(CLIENT_KINDS, s)
}
