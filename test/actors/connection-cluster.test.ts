/**
 * Our connection driver against the loopback cluster over real TCP: the key exchange and help.getConfig on every
 * framing (plain and obfuscated), through MTProxy dd/ee, SOCKS5 and HTTP CONNECT proxies with credentials, with PFS,
 * through dh_gen_retry and dh_gen_fail; three salt rotations; and the exactly-once probe (pipelined users.getUsers
 * with distinct arguments, with and without each fault). Serial, with explicit timeouts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Connection, type ConnectionOptions } from '../../src/actors/connection.js'
import type { TransportKind } from '../../src/actors/connection-transport.js'
import { withInitConnection } from '../../src/client/init-connection.js'
import { AuthError } from '../../src/protocol/auth/index.js'
import { type ArmedFault, type Cluster, startCluster, startHttpConnectProxy, startSocks5Proxy } from '../../src/testing/index.js'
import type { Api } from '../../src/tl/index.js'

let cluster: Cluster
beforeAll(async () => {
  cluster = await startCluster({ dcs: 2, loginRequired: false })
})
afterAll(async () => {
  await cluster.close()
})

const initWrap = <X extends Api.help.getConfig | Api.help.getNearestDc>(query: X) => withInitConnection(query, { apiId: 1, deviceModel: 'test' })

const getUser = (id: bigint): Api.users.getUsers => ({ _: 'users.getUsers', id: [{ _: 'inputUser', userId: id, accessHash: 0n }] })

async function open(extra: Partial<ConnectionOptions> = {}, dcId = 1): Promise<Connection> {
  const dc = cluster.dc(dcId)
  return Connection.connect({
    host: dc.host,
    port: dc.port,
    dcId,
    rsaKeys: [cluster.publicKey],
    connectTimeoutMs: 5000,
    reconnect: { minDelayMs: 5, maxDelayMs: 100, maxAttempts: 30 },
    session: { resendAfterMs: 300 },
    ...extra,
  })
}

async function getConfig(extra: Partial<ConnectionOptions> = {}, dcId = 1): Promise<Api.Config> {
  const c = await open(extra, dcId)
  try {
    return await c.call(initWrap({ _: 'help.getConfig' }))
  } finally {
    await c.close()
  }
}

describe('our client against the loopback cluster', { timeout: 15_000 }, () => {
  const framings: TransportKind[] = ['abridged', 'intermediate', 'padded', 'full']
  for (const transport of framings) {
    for (const obfuscated of transport === 'full' ? [false] : [false, true]) {
      it(`key exchange and help.getConfig over ${transport}${obfuscated ? ', obfuscated' : ''}`, async () => {
        const cfg = await getConfig({ transport, obfuscated }, 2)
        expect(cfg.thisDc).toBe(2)
        expect(cfg.dcOptions.filter((o) => !o.mediaOnly).map((o) => o.port)).toEqual(cluster.dcs.map((d) => d.port))
      })
    }
  }

  it.each([
    ['dd', () => cluster.proxySecrets.padded],
    ['ee (FakeTLS)', () => cluster.proxySecrets.fakeTls],
  ])('through the MTProxy with a %s secret', async (_name, secret) => {
    // The proxy listens on DC 1's port; the DC id in the proxy header routes to DC 2.
    const cfg = await getConfig({ mtproxy: { host: cluster.host, port: cluster.dc(1).port, secret: secret() } }, 2)
    expect(cfg.thisDc).toBe(2)
  })

  it.each([
    ['socks5', startSocks5Proxy],
    ['http', startHttpConnectProxy],
  ] as const)('through a %s proxy with username/password', async (type, start) => {
    const proxy = await start({ username: 'bot', password: 'pw' })
    try {
      const cfg = await getConfig({ proxy: { type, host: proxy.host, port: proxy.port, username: 'bot', password: 'pw' } })
      expect(cfg.thisDc).toBe(1)
      expect(proxy.tunnels).toBe(1)
    } finally {
      await proxy.close()
    }
  })

  it('with PFS: a temp key bound to the permanent one, then help.getConfig', async () => {
    const events: string[] = []
    const bindsBefore = [...cluster.dc(1).executions.byArgument.keys()].filter((k) => k.startsWith('auth.bindTempAuthKey')).length
    const cfg = await getConfig({ pfs: { tempKeySeconds: 3600 }, onEvent: (e) => events.push(e.type) })
    expect(cfg.thisDc).toBe(1)
    expect(events).toContain('temp-key-bound')
    const binds = [...cluster.dc(1).executions.byArgument.keys()].filter((k) => k.startsWith('auth.bindTempAuthKey')).length
    expect(binds).toBe(bindsBefore + 1)
  })

  it('completes after dh_gen_retry and fails with a typed error on dh_gen_fail', async () => {
    const dc = cluster.dc(1)
    dc.handshake.mode = 'retry'
    try {
      expect((await getConfig()).thisDc).toBe(1)
      dc.handshake.mode = 'fail'
      const err = await open({ reconnect: { maxAttempts: 1, minDelayMs: 5 } }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AuthError)
    } finally {
      dc.handshake.mode = 'ok'
    }
  })
})

describe('salt rotation', { timeout: 20_000 }, () => {
  it('keeps working across 3 salt rotations (1 s salts)', async () => {
    const short = await startCluster({ dcs: 1, saltLifetimeSeconds: 1, loginRequired: false })
    const dc = short.dc(1)
    const salts = new Set<bigint>()
    const c = await Connection.connect({ host: dc.host, port: dc.port, dcId: 1, rsaKeys: [short.publicKey], session: { resendAfterMs: 300 } })
    try {
      await c.call(initWrap({ _: 'help.getNearestDc' }))
      const t0 = Date.now()
      let k = 0
      while (Date.now() - t0 < 3_600) {
        const u = await c.call(getUser(BigInt(++k)))
        expect(u[0]?.id).toBe(BigInt(k))
        const salt = c.session?.currentSalt(Date.now())
        if (salt !== undefined) salts.add(salt)
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(salts.size).toBeGreaterThanOrEqual(4)
      for (let i = 1; i <= k; i++) expect(dc.executions.byArgument.get(`users.getUsers:${i}`)).toBe(1)
    } finally {
      await c.close()
      await short.close()
    }
  })
})

describe('exactly once through our client', { timeout: 20_000 }, () => {
  const cases: Array<[string, ArmedFault[]]> = [
    ['no fault', []],
    ['drop-after-bytes', [{ fault: { kind: 'drop-after-bytes', bytes: 5000 }, schedule: { at: 700 }, times: 1 }]],
    ['delay', [{ fault: { kind: 'delay', ms: 30 }, schedule: { every: 250 } }]],
    ['reorder', [{ fault: { kind: 'reorder' }, schedule: { every: 300 } }]],
    ['duplicate', [{ fault: { kind: 'duplicate' }, schedule: { every: 97 } }]],
    ['bad-salt', [{ fault: { kind: 'bad-salt' }, schedule: { every: 333 } }]],
    ['skew-clock', [{ fault: { kind: 'skew-clock', seconds: 5 }, schedule: { at: 500 }, times: 1 }]],
    ['forget-session', [{ fault: { kind: 'forget-session' }, schedule: { at: 800 }, times: 1 }]],
    ['corrupt-frame', [{ fault: { kind: 'corrupt-frame' }, schedule: { every: 400 } }]],
    ['restart', [{ fault: { kind: 'restart' }, schedule: { at: 1200 }, times: 1 }]],
    ['bad-msg 16', [{ fault: { kind: 'bad-msg', code: 16 }, schedule: { every: 450 } }]],
  ]
  cases.forEach(([name, faults], i) => {
    it(`pipelined users.getUsers with ${name}: each answered with its own user and executed once`, async () => {
      const dc = cluster.dc(1)
      dc.faults.clear()
      dc.clock.skewSeconds = 0
      const c = await open()
      try {
        await c.call(initWrap({ _: 'help.getNearestDc' }))
        for (const f of faults) dc.faults.add(f)
        const n = faults.length === 0 ? 10_000 : 2_000
        const base = 5_000_000n + BigInt(i) * 100_000n
        const res = await Promise.all(Array.from({ length: n }, (_, k) => c.call(getUser(base + BigInt(k)))))
        const wrong = res.flatMap((u, k) => (u[0]?.id === base + BigInt(k) ? [] : [k]))
        expect(wrong).toEqual([])
        const notOnce: string[] = []
        for (let k = 0; k < n; k++) {
          const v = dc.executions.byArgument.get(`users.getUsers:${base + BigInt(k)}`)
          if (v !== 1) notOnce.push(`${k}:${v}`)
        }
        expect(notOnce).toEqual([])
      } finally {
        await c.close()
        dc.faults.clear()
        dc.clock.skewSeconds = 0
      }
    })
  })

  it('recovers from a forgotten auth key (-404): a new key is made and every call settles with a result or a typed error', async () => {
    const dc = cluster.dc(1)
    const events: string[] = []
    const c = await open({ onEvent: (e) => events.push(e.type) })
    try {
      await c.call(initWrap({ _: 'help.getNearestDc' }))
      dc.faults.add({ fault: { kind: 'forget-auth-key' }, schedule: { at: dc.faults.requests + 50 }, times: 1 })
      const base = 9_000_000n
      // A new key has no initConnection yet, so calls moved to it get 400 CONNECTION_NOT_INITED (a typed RpcError);
      // re-sending initConnection is the caller's job at this layer (the high-level client does it).
      const res = await Promise.allSettled(Array.from({ length: 200 }, (_, k) => c.call(getUser(base + BigInt(k)))))
      expect(events).toContain('auth-key-dropped')
      for (const [k, r] of res.entries()) {
        if (r.status === 'fulfilled') expect(r.value[0]?.id).toBe(base + BigInt(k))
        else expect(r.reason).toMatchObject({ kind: 'RpcError', text: 'CONNECTION_NOT_INITED' })
      }
      const again = await c.call(initWrap({ _: 'help.getNearestDc' }))
      expect(again.thisDc).toBe(1)
    } finally {
      await c.close()
      dc.faults.clear()
    }
  })
})
