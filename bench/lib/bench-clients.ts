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
}

/** Connects one client of a kind. */
export type ClientFactory = (target: BenchTarget) => Promise<Connected>

/** mtactor's in-process connection driver (`src/actors/connection.ts`), intermediate framing. */
async function mtactorDriver(target: BenchTarget): Promise<Connected> {
  const [{ Connection }, { withInitConnection }, { createNodeCryptoProvider }, { rsaPublicKeyFromPem }] = await Promise.all([
    import('../../src/actors/connection.js'),
    import('../../src/client/init-connection.js'),
    import('../../src/protocol/crypto/node-provider.js'),
    import('../../src/protocol/crypto/rsa.js'),
  ])
  const crypto = createNodeCryptoProvider()
  const rsaKey = rsaPublicKeyFromPem(crypto, target.publicKeyPem)
  const { dc } = target
  const conn = await Connection.connect({ host: dc.host, port: dc.port, dcId: dc.id, rsaKeys: [rsaKey], crypto })
  const first = await conn.call(withInitConnection({ _: 'help.getNearestDc' }, { apiId: 1, deviceModel: 'bench' }))
  return {
    nearest: first.thisDc,
    client: {
      nearestDc: async () => (await conn.call({ _: 'help.getNearestDc' })).thisDc,
      close: () => conn.close(),
    },
  }
}

/**
 * mtactor's public client (`MtClient`) with its DC connection as an actor in a worker thread: every call crosses the
 * coordinator -> worker boundary and back (issue 5's actor runtime).
 */
async function mtactorActor(target: BenchTarget): Promise<Connected> {
  const [{ MtClient }, { createNodeCryptoProvider }, { rsaPublicKeyFromPem }] = await Promise.all([
    import('../../src/client/index.js'),
    import('../../src/protocol/crypto/node-provider.js'),
    import('../../src/protocol/crypto/rsa.js'),
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
  })
  const first = await client.invoke({ _: 'help.getNearestDc' })
  return {
    nearest: first.thisDc,
    client: {
      nearestDc: async () => (await client.invoke({ _: 'help.getNearestDc' })).thisDc,
      close: () => client.close(),
    },
  }
}

/** mtcute 0.30.3's BaseTelegramClient over intermediate framing (see mtcute-client.ts). */
async function mtcute(target: BenchTarget): Promise<Connected> {
  const { createMtcuteClient } = await import('./mtcute-client.js')
  const c = await createMtcuteClient(target.dc, target.publicKeyPem)
  const first = await c.call({ _: 'help.getNearestDc' })
  return {
    nearest: first.thisDc,
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
