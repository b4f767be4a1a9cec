/**
 * An mtcute 0.30.3 client (BaseTelegramClient, in-memory storage, Node crypto) pointed at one loopback DC, for
 * benches. Its NodePlatform is loaded by path because @mtcute/node's index also loads the SQLite storage, whose
 * native module is not built here.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { connectTcp } from '@fuman/node'
import { IntermediatePacketCodec, type IPacketCodec, MemoryStorage, type TelegramTransport } from '@mtcute/core'
import { BaseTelegramClient } from '@mtcute/core/client.js'
import { addPublicKey, type BasicDcOption } from '@mtcute/core/utils.js'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'

type PlatformCtor = new () => ConstructorParameters<typeof BaseTelegramClient>[0]['platform']

class LoopTransport implements TelegramTransport {
  async connect(dc: BasicDcOption) {
    const conn = await connectTcp({ address: dc.ipAddress, port: dc.port })
    conn.setNoDelay(true)
    return conn
  }
  packetCodec(): IPacketCodec {
    return new IntermediatePacketCodec()
  }
}

/**
 * Creates an mtcute client for `dc` that trusts `publicKeyPem`; the first call runs the key exchange. Its connection
 * pool per DC (`network.connectionCount`) is one main connection, `downloadConnections` for `kind: 'download'` calls
 * (at least 1: mtcute's pools do not go below one) and one each for upload and small downloads; a pooled connection
 * opens only when a call uses it.
 */
export async function createMtcuteClient(dc: { id: number; host: string; port: number }, publicKeyPem: string, downloadConnections = 1): Promise<BaseTelegramClient> {
  const nodeDir = dirname(fileURLToPath(import.meta.resolve('@mtcute/node/utils.js')))
  const { NodePlatform } = (await import(pathToFileURL(join(nodeDir, 'utils', 'platform.js')).href)) as { NodePlatform: PlatformCtor }
  const crypto = new NodeCryptoProvider()
  await crypto.initialize?.()
  addPublicKey(crypto, publicKeyPem)
  const option = { id: dc.id, ipAddress: dc.host, port: dc.port }
  return new BaseTelegramClient({
    apiId: 1,
    apiHash: '00000000000000000000000000000000',
    storage: new MemoryStorage(),
    crypto,
    platform: new NodePlatform(),
    transport: new LoopTransport(),
    defaultDcs: { main: option, media: option },
    updates: false,
    logLevel: 0,
    network: { connectionCount: (kind) => (kind === 'download' ? Math.max(1, downloadConnections) : 1) },
  })
}

/** The parts of mtcute's NetworkManager internals that say which connections are up (no public API reports it). */
interface PoolView {
  readonly _connections: ReadonlyArray<{ readonly isConnected: boolean }>
}
interface NetworkView {
  readonly _dcConnections: ReadonlyMap<number, Record<'main' | 'upload' | 'download' | 'downloadSmall', PoolView>>
}

/** How many of the client's connections (every DC, every kind) are connected now. */
export function connectedCount(client: BaseTelegramClient): number {
  const net = client.mt.network as unknown as NetworkView
  let n = 0
  for (const dc of net._dcConnections.values()) {
    for (const kind of ['main', 'upload', 'download', 'downloadSmall'] as const) n += dc[kind]._connections.filter((c) => c.isConnected).length
  }
  return n
}
