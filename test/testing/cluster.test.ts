import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeCryptoProvider } from '../../src/protocol/crypto/node-provider.js'
import { seededRandom } from '../../src/protocol/random.js'
import { type Cluster, startCluster } from '../../src/testing/index.js'
import { readResultByName, type Api } from '../../src/tl/index.js'
import { initWrap, MiniClient, type MiniTransport } from './helpers/mini-client.js'

const crypto = createNodeCryptoProvider()
let cluster: Cluster
let n = 0

function newKey(): Uint8Array {
  const k = new Uint8Array(256)
  seededRandom(++n)(k)
  return k
}

async function client(transport: MiniTransport = 'intermediate', dcId = 1, port?: number): Promise<MiniClient> {
  const key = newKey()
  cluster.importAuthKey(dcId, key, 42n)
  return MiniClient.open({
    crypto,
    host: '127.0.0.1',
    port: port ?? cluster.dc(dcId).port,
    authKey: key,
    salt: 42n,
    transport,
    dcId,
    secrets: cluster.proxySecrets.parsed,
    sessionId: BigInt(n) * 1000n + 1n,
  })
}

beforeAll(async () => {
  cluster = await startCluster({ dcs: 3 })
})
afterAll(async () => {
  await cluster.close()
})

describe('loopback cluster', () => {
  it('publishes a DC table and a public key', () => {
    expect(cluster.dcs.map((d) => d.id)).toEqual([1, 2, 3])
    expect(new Set(cluster.dcs.map((d) => d.port)).size).toBe(3)
    expect(cluster.publicKeyPem).toMatch(/BEGIN RSA PUBLIC KEY/)
    expect(cluster.proxySecrets.padded).toMatch(/^dd[0-9a-f]{32}$/)
    expect(cluster.proxySecrets.fakeTls.startsWith('ee')).toBe(true)
  })

  for (const t of ['abridged', 'intermediate', 'padded', 'full', 'obfuscated', 'proxy-dd', 'proxy-ee'] as const) {
    it(`answers help.getConfig over ${t}`, async () => {
      const c = await client(t, 2, cluster.dc(t.startsWith('proxy') ? 1 : 2).port)
      try {
        const id = c.send(initWrap({ _: 'help.getConfig' }))
        const res = await c.waitFor((m) => m.obj._ === 'rpc_result')
        expect((res.obj as unknown as { reqMsgId: bigint }).reqMsgId).toBe(id)
        const cfg = readResultByName(res.raw, 'help.getConfig') as Api.config
        expect(cfg.thisDc).toBe(2)
        expect(cfg.dcOptions.filter((o) => !o.mediaOnly).map((o) => o.port)).toEqual(cluster.dcs.map((d) => d.port))
        expect(c.received.some((m) => m.obj._ === 'new_session_created')).toBe(true)
      } finally {
        c.close()
      }
    })
  }
})

describe('loopback cluster on ::1', () => {
  it('listens on IPv6 loopback when asked', async () => {
    let v6: Cluster
    try {
      v6 = await startCluster({ dcs: 1, host: '::1', rsaKey: cluster.rsaKey })
    } catch (e) {
      // Hosts without an IPv6 loopback cannot bind ::1; that is the environment, not the cluster.
      expect((e as NodeJS.ErrnoException).code).toMatch(/EADDRNOTAVAIL|EAFNOSUPPORT/)
      return
    }
    try {
      expect(v6.dcs[0]?.host).toBe('::1')
      const key = new Uint8Array(256).fill(9)
      v6.importAuthKey(1, key, 42n)
      const c = await MiniClient.open({ crypto, host: '::1', port: v6.dc(1).port, authKey: key, salt: 42n })
      try {
        await c.waitResult(c.send(initWrap({ _: 'help.getNearestDc' })))
      } finally {
        c.close()
      }
    } finally {
      await v6.close()
    }
  })
})

describe('execution counters', () => {
  it('keep only the total when per-request counting is off (the CLI and benchmarks)', async () => {
    const quiet = await startCluster({ dcs: 1, rsaKey: cluster.rsaKey, countExecutions: false })
    try {
      const key = new Uint8Array(256).fill(5)
      quiet.importAuthKey(1, key, 42n)
      const c = await MiniClient.open({ crypto, host: quiet.host, port: quiet.dc(1).port, authKey: key, salt: 42n })
      try {
        await c.waitResult(c.send(initWrap({ _: 'help.getNearestDc' })))
      } finally {
        c.close()
      }
      expect(quiet.dc(1).executions.total).toBe(1)
      expect(quiet.dc(1).executions.byMsgId.size).toBe(0)
      expect(quiet.dc(1).executions.byArgument.size).toBe(0)
    } finally {
      await quiet.close()
    }
  })
})
