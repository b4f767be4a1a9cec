/**
 * mtcute (@mtcute/core 0.30.3 with its Node crypto) as an independent client of the loopback cluster: it completes
 * the key exchange with our public key and calls help.getConfig over intermediate, padded intermediate, obfuscated,
 * MTProxy dd and ee, and with PFS (a temp key bound with auth.bindTempAuthKey). Sockets are real; each case has an
 * explicit timeout and the suite runs serially.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import {
  IntermediatePacketCodec,
  type IPacketCodec,
  MemoryStorage,
  ObfuscatedPacketCodec,
  PaddedIntermediatePacketCodec,
  type TelegramTransport,
  type tl,
} from '@mtcute/core'
import { BaseTelegramClient } from '@mtcute/core/client.js'
import { addPublicKey } from '@mtcute/core/utils.js'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, startCluster } from '../../src/testing/index.js'

type PlatformCtor = new () => ConstructorParameters<typeof BaseTelegramClient>[0]['platform']
type MtProxyCtor = new (proxy: { host: string; port: number; secret: string }) => TelegramTransport
let NodePlatform: PlatformCtor
let TcpTransport: new () => TelegramTransport
let MtProxyTcpTransport: MtProxyCtor
let cluster: Cluster

beforeAll(async () => {
  cluster = await startCluster({ dcs: 2 })
  // The platform and the TCP / MTProxy transports live in @mtcute/node's index, which also loads the SQLite storage
  // (its native module is not built here): load those modules by path from the same package copy instead.
  const nodeDir = dirname(fileURLToPath(import.meta.resolve('@mtcute/node/utils.js')))
  const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(nodeDir, 'utils', file)).href)) as T
  NodePlatform = (await load<{ NodePlatform: PlatformCtor }>('platform.js')).NodePlatform
  TcpTransport = (await load<{ TcpTransport: new () => TelegramTransport }>('tcp.js')).TcpTransport
  MtProxyTcpTransport = (await load<{ MtProxyTcpTransport: MtProxyCtor }>('proxies.js')).MtProxyTcpTransport
})
afterAll(async () => {
  await cluster.close()
})

/** mtcute's own TCP transport with the packet codec under test. */
function loop(codec: () => IPacketCodec): TelegramTransport {
  const tcp = new TcpTransport()
  return { connect: (dc) => tcp.connect(dc), packetCodec: codec }
}

async function getConfig(transport: TelegramTransport, opts: { usePfs?: boolean; dcId?: number } = {}): Promise<tl.RawConfig> {
  const crypto = new NodeCryptoProvider()
  await crypto.initialize?.()
  addPublicKey(crypto, cluster.publicKeyPem)
  const dcId = opts.dcId ?? 2
  const dc = cluster.dcs.find((d) => d.id === dcId)
  if (dc === undefined) throw new Error('no dc')
  const option = { id: dc.id, ipAddress: dc.host, port: dc.port }
  const client = new BaseTelegramClient({
    apiId: 1,
    apiHash: '00000000000000000000000000000000',
    storage: new MemoryStorage(),
    crypto,
    platform: new NodePlatform(),
    transport,
    defaultDcs: { main: option, media: option },
    updates: false,
    logLevel: process.env.MTCUTE_LOG ? 5 : 0,
    network: opts.usePfs ? { usePfs: true } : {},
  })
  let timer: NodeJS.Timeout | undefined
  const diagnose = new Promise<never>((_, reject) => {
    // Fail with what the DC saw rather than a bare test timeout (accepted connections, keys, executions).
    timer = setTimeout(() => {
      const d = cluster.dc(dcId)
      const ex = [...d.executions.byArgument.entries()].map(([k, v]) => `${k}=${v}`).join(',')
      reject(new Error(`mtcute got no config in 8 s: dc ${dcId} accepted ${d.server.accepted} connections, ${d.keys.size} keys, executions ${ex}`))
    }, 8000)
  })
  try {
    return (await Promise.race([client.call({ _: 'help.getConfig' }), diagnose])) as tl.RawConfig
  } finally {
    clearTimeout(timer)
    await client.destroy()
  }
}

const cases: Array<[string, () => TelegramTransport]> = [
  ['intermediate', () => loop(() => new IntermediatePacketCodec())],
  ['padded intermediate', () => loop(() => new PaddedIntermediatePacketCodec())],
  ['obfuscated', () => loop(() => new ObfuscatedPacketCodec(new IntermediatePacketCodec()))],
  ['MTProxy dd', () => new MtProxyTcpTransport({ host: cluster.host, port: cluster.dc(1).port, secret: cluster.proxySecrets.padded })],
  ['MTProxy ee', () => new MtProxyTcpTransport({ host: cluster.host, port: cluster.dc(1).port, secret: cluster.proxySecrets.fakeTls })],
]

// Both peers keep auth_key as a minimal-length integer, so about 1 key exchange in 256 (a key with a leading zero
// byte) fails on their side whatever the server does (see test/protocol/auth/handshake-peers.test.ts): retry a case
// rather than let a peer's defect fail CI.
describe('mtcute against the loopback cluster', { retry: 2 }, () => {
  for (const [name, make] of cases) {
    it(`handshake and help.getConfig over ${name}`, async () => {
      const cfg = await getConfig(make())
      expect(cfg._).toBe('config')
      expect(cfg.thisDc).toBe(2)
      expect(cfg.dcOptions.filter((o) => !o.mediaOnly).map((o) => o.port)).toEqual(cluster.dcs.map((d) => d.port))
    }, 10_000)
  }

  it('survives dh_gen_retry from the DC', async () => {
    const dc = cluster.dc(2)
    dc.handshake.mode = 'retry'
    try {
      const cfg = await getConfig(loop(() => new IntermediatePacketCodec()))
      expect(cfg.thisDc).toBe(2)
    } finally {
      dc.handshake.mode = 'ok'
    }
  }, 10_000)

  it('with usePfs: temp key bound with auth.bindTempAuthKey, then help.getConfig', async () => {
    const before = cluster.dc(2).executions.byArgument
    const bound = [...before.keys()].filter((k) => k.startsWith('auth.bindTempAuthKey')).length
    const cfg = await getConfig(loop(() => new IntermediatePacketCodec()), { usePfs: true })
    expect(cfg.thisDc).toBe(2)
    expect([...cluster.dc(2).executions.byArgument.keys()].filter((k) => k.startsWith('auth.bindTempAuthKey')).length).toBe(bound + 1)
    expect([...cluster.dc(2).keys.keys()].some((k) => k.temp && k.boundTo !== undefined)).toBe(true)
  }, 10_000)
})
