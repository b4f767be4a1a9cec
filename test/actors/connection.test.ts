import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Connection, type ConnectionEvent, type ConnectionOptions } from '../../src/actors/connection.js'
import type { TransportKind } from '../../src/actors/connection-transport.js'
import { CancelledError, TimeoutError } from '../../src/errors.js'
import { encodeProxySecret, type ProxySecret } from '../../src/protocol/transport/index.js'
import { startHttpConnectProxy, startSocks5Proxy } from '../../src/testing/proxies.js'
import { serializeObject } from '../../src/tl/index.js'
import { AuthError } from '../../src/protocol/auth/index.js'
import { SecurityError } from '../../src/protocol/errors.js'
import { generateRsaKeyPair } from '../../src/protocol/crypto/rsa-server.js'
import { crypto, testAuthKey } from '../protocol/mtp/fake-server.js'
import { MiniDc, testHandshake } from './mini-dc.js'

const FAST = { minDelayMs: 5, maxDelayMs: 50, maxAttempts: 20 }

function getUsers(id: number) {
  return { _: 'users.getUsers' as const, id: [{ _: 'inputUser' as const, userId: BigInt(id), accessHash: 0n }] }
}

async function withConn<T>(dc: MiniDc, extra: Partial<ConnectionOptions>, fn: (c: Connection) => Promise<T>): Promise<T> {
  const c = await Connection.connect({
    host: '127.0.0.1',
    port: dc.port,
    dcId: 2,
    authKey: dc.authKey,
    reconnect: FAST,
    connectTimeoutMs: 3000,
    session: { futureSalts: false },
    ...extra,
  })
  try {
    return await fn(c)
  } finally {
    await c.close()
  }
}

describe('connection driver over TCP', { timeout: 10_000 }, () => {
  let dc: MiniDc
  beforeAll(async () => {
    dc = await new MiniDc().start()
  })
  afterAll(() => dc.stop())

  it('makes a typed call (the wrong initial salt is corrected by bad_server_salt)', async () => {
    await withConn(dc, {}, async (c) => {
      const users = await c.call(getUsers(41))
      expect(users).toEqual([{ _: 'userEmpty', id: 41n }])
    })
  })

  it.each<[TransportKind, boolean]>([
    ['abridged', false],
    ['intermediate', false],
    ['padded', false],
    ['full', false],
    ['abridged', true],
    ['intermediate', true],
    ['padded', true],
  ])('works over %s (obfuscated: %s)', async (transport, obfuscated) => {
    await withConn(dc, { transport, obfuscated, session: { futureSalts: true, pingIntervalMs: 50 } }, async (c) => {
      const got = await Promise.all([1, 2, 3].map((i) => c.call(getUsers(i + 100))))
      expect(got.map((u) => (u[0] as { id: bigint }).id)).toEqual([101n, 102n, 103n])
    })
  })

  it('goes through SOCKS5 and HTTP CONNECT proxies with credentials', async () => {
    for (const start of [startSocks5Proxy, startHttpConnectProxy]) {
      const proxy = await start({ username: 'u', password: 'p' })
      try {
        const type = start === startSocks5Proxy ? 'socks5' : 'http'
        await withConn(dc, { proxy: { type, host: proxy.host, port: proxy.port, username: 'u', password: 'p' } }, async (c) => {
          expect(await c.call(getUsers(7))).toEqual([{ _: 'userEmpty', id: 7n }])
        })
        expect(proxy.tunnels).toBe(1)
      } finally {
        await proxy.close()
      }
    }
  })

  it('routes updates to the callback', async () => {
    const updates: Uint8Array[] = []
    await withConn(dc, { onUpdate: (b) => updates.push(b) }, async (c) => {
      await c.call(getUsers(1))
      const upd = serializeObject({ _: 'updatesTooLong' })
      dc.pushUpdate(upd)
      for (let i = 0; i < 100 && updates.length === 0; i++) await new Promise((r) => setTimeout(r, 5))
      expect(updates.map((u) => [...u])).toEqual([[...upd]])
    })
  })

  it('times out and cancels calls with typed errors', async () => {
    await withConn(dc, {}, async (c) => {
      const slow = serializeObject({ _: 'help.getConfig' })
      await expect(c.invoke(slow, 'help.getConfig', { timeoutMs: 30 })).rejects.toBeInstanceOf(TimeoutError)
      const ac = new AbortController()
      const p = c.invoke(slow, 'help.getConfig', { signal: ac.signal })
      ac.abort()
      await expect(p).rejects.toBeInstanceOf(CancelledError)
      const pending = c.invoke(slow, 'help.getConfig').catch((e: unknown) => e)
      await c.close()
      expect(await pending).toBeInstanceOf(CancelledError)
    })
  })

  it('reconnects after a drop and every pipelined request executes exactly once', async () => {
    dc.executions.clear()
    dc.dropAfter = 700
    const events: string[] = []
    await withConn(dc, { onEvent: (e) => events.push(e.type) }, async (c) => {
      const n = 2000
      const results = await Promise.all(Array.from({ length: n }, (_, i) => c.call(getUsers(10_000 + i))))
      for (const [i, u] of results.entries()) expect((u[0] as { id: bigint }).id).toBe(BigInt(10_000 + i))
      for (let i = 0; i < n; i++) expect(dc.executions.get(BigInt(10_000 + i))).toBe(1)
    })
    expect(events.filter((e) => e === 'connected').length).toBeGreaterThanOrEqual(2)
  })

  it('-429 backs off and retries; -404 drops the key and a new key exchange takes over', async () => {
    dc.errorCodes.push(-429)
    await withConn(dc, {}, async (c) => {
      expect(await c.call(getUsers(5))).toEqual([{ _: 'userEmpty', id: 5n }])
    })
    const events: ConnectionEvent[] = []
    dc.errorCodes.push(-404)
    await withConn(dc, { handshake: () => testHandshake(), onEvent: (e) => events.push(e) }, async (c) => {
      const oldKey = c.authKey
      expect(await c.call(getUsers(6))).toEqual([{ _: 'userEmpty', id: 6n }])
      expect(events.some((e) => e.type === 'auth-key-dropped')).toBe(true)
      expect(events.some((e) => e.type === 'auth-key')).toBe(true)
      expect(c.authKey).not.toEqual(oldKey)
    })
  })

  it('drops forged frames with a typed error event and keeps the session', async () => {
    const events: ConnectionEvent[] = []
    await withConn(dc, { onEvent: (e) => events.push(e) }, async (c) => {
      await c.call(getUsers(1))
      dc.forgeNext = 3
      expect(await c.call(getUsers(2))).toEqual([{ _: 'userEmpty', id: 2n }])
      const rejected = events.filter((e): e is Extract<ConnectionEvent, { type: 'rejected' }> => e.type === 'rejected')
      expect(rejected).toHaveLength(3)
      for (const e of rejected) expect(e.error).toBeInstanceOf(SecurityError)
      expect(events.filter((e) => e.type === 'connected')).toHaveLength(1)
    })
  })

  it('reconnects when keepalives go unanswered', async () => {
    const events: string[] = []
    dc.ignorePings = true
    try {
      await withConn(dc, { onEvent: (e) => events.push(e.type), session: { futureSalts: false, pingIntervalMs: 20, pingTimeoutMs: 40 } }, async (c) => {
        for (let i = 0; i < 200 && events.filter((e) => e === 'connected').length < 2; i++) await new Promise((r) => setTimeout(r, 5))
        expect(events.filter((e) => e === 'connected').length).toBeGreaterThanOrEqual(2)
        expect(await c.call(getUsers(3))).toEqual([{ _: 'userEmpty', id: 3n }])
      })
    } finally {
      dc.ignorePings = false
    }
  })

  it('runs the key exchange when no auth key is given', async () => {
    const c = await Connection.connect({ host: '127.0.0.1', port: dc.port, dcId: 2, handshake: () => testHandshake(), reconnect: FAST, session: { futureSalts: false } })
    try {
      expect(c.authKey).toEqual(dc.authKey)
      expect(await c.call(getUsers(8))).toEqual([{ _: 'userEmpty', id: 8n }])
    } finally {
      await c.close()
    }
  })

  it('leaves no sockets or timers behind after close', async () => {
    const count = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 200 && dc.sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 5))
      await new Promise((r) => setImmediate(r))
    }
    await settle()
    const before = count()
    let during = 0
    await withConn(dc, { session: { pingIntervalMs: 20, futureSalts: true } }, async (c) => {
      await c.call(getUsers(9))
      await new Promise((r) => setTimeout(r, 60))
      during = count()
    })
    await settle()
    // Open: our socket and the server's socket at least. Closed: none of ours remain (other
    // resources of the test worker may come and go, so the bound is one-sided).
    expect(during).toBeGreaterThanOrEqual(before + 2)
    expect(count()).toBeLessThanOrEqual(before)
  })
})

describe('connection driver with the real key exchange', { timeout: 10_000 }, () => {
  const rsaKey = generateRsaKeyPair(crypto)

  it.each(['ok', 'retry'] as const)('creates a key (server mode %s) and calls over it', async (mode) => {
    const dc = await new MiniDc({ rsaKey, handshakeMode: mode }).start()
    const events: ConnectionEvent[] = []
    try {
      const c = await Connection.connect({
        host: '127.0.0.1',
        port: dc.port,
        dcId: 2,
        rsaKeys: [rsaKey.publicKey],
        reconnect: FAST,
        session: { futureSalts: false },
        onEvent: (e) => events.push(e),
      })
      try {
        expect(c.authKey).toEqual(dc.authKey)
        expect(await c.call(getUsers(12))).toEqual([{ _: 'userEmpty', id: 12n }])
        expect(events.filter((e) => e.type === 'auth-key')).toHaveLength(1)
      } finally {
        await c.close()
      }
    } finally {
      await dc.stop()
    }
  })

  it('PFS: a temp key bound to the permanent key before any call', async () => {
    const permKey = testAuthKey(77)
    const dc = await new MiniDc({ rsaKey, permKey }).start()
    const events: ConnectionEvent[] = []
    try {
      const c = await Connection.connect({
        host: '127.0.0.1',
        port: dc.port,
        dcId: 2,
        authKey: permKey,
        pfs: { tempKeySeconds: 3600 },
        rsaKeys: [rsaKey.publicKey],
        reconnect: FAST,
        session: { futureSalts: false },
        onEvent: (e) => events.push(e),
      })
      try {
        expect(await c.call(getUsers(13))).toEqual([{ _: 'userEmpty', id: 13n }])
        expect(dc.binds).toBe(1)
        expect(c.permanentKey).toEqual(permKey)
        expect(c.authKey).toEqual(dc.authKey)
        expect(c.authKey).not.toEqual(permKey)
        expect(events.map((e) => e.type).filter((t) => t === 'auth-key' || t === 'temp-key-bound')).toEqual(['auth-key', 'temp-key-bound'])
        expect(events.some((e) => e.type === 'auth-key' && e.temp && e.result.expiresAt !== undefined)).toBe(true)
      } finally {
        await c.close()
      }
    } finally {
      await dc.stop()
    }
  })

  it('PFS: the temp key is renewed and bound again before it expires', async () => {
    const permKey = testAuthKey(78)
    const dc = await new MiniDc({ rsaKey, permKey }).start()
    const events: string[] = []
    try {
      const c = await Connection.connect({
        host: '127.0.0.1',
        port: dc.port,
        dcId: 2,
        authKey: permKey,
        pfs: { tempKeySeconds: 2 },
        rsaKeys: [rsaKey.publicKey],
        reconnect: FAST,
        session: { futureSalts: false },
        onEvent: (e) => events.push(e.type),
      })
      try {
        const first = c.authKey
        for (let i = 0; i < 300 && dc.binds < 2; i++) await new Promise((r) => setTimeout(r, 10))
        expect(dc.binds).toBe(2)
        expect(c.authKey).not.toEqual(first)
        expect(await c.call(getUsers(14))).toEqual([{ _: 'userEmpty', id: 14n }])
        expect(events.filter((t) => t === 'temp-key-bound')).toHaveLength(2)
      } finally {
        await c.close()
      }
    } finally {
      await dc.stop()
    }
  })

  it('dh_gen_fail: connect rejects with a typed AuthError once the attempts are spent', async () => {
    const dc = await new MiniDc({ rsaKey, handshakeMode: 'fail' }).start()
    try {
      const err = await Connection.connect({
        host: '127.0.0.1',
        port: dc.port,
        dcId: 2,
        rsaKeys: [rsaKey.publicKey],
        reconnect: { minDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 },
      }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AuthError)
    } finally {
      await dc.stop()
    }
  })
})

describe('connection driver through an MTProxy', { timeout: 10_000 }, () => {
  const key = Uint8Array.from({ length: 16 }, (_, i) => i * 11 + 3)
  const secrets: ProxySecret[] = [
    { mode: 'plain', key },
    { mode: 'padded', key },
    { mode: 'fake-tls', key, domain: 'example.com' },
  ]
  let proxyDc: MiniDc
  beforeAll(async () => {
    proxyDc = await new MiniDc({ secrets }).start()
  })
  afterAll(() => proxyDc.stop())

  it.each(secrets.map((s) => [s.mode, s] as const))('connects with a %s secret', async (_mode, secret) => {
    const c = await Connection.connect({
      host: '149.154.167.50',
      port: 443,
      dcId: 2,
      mtproxy: { host: '127.0.0.1', port: proxyDc.port, secret: Buffer.from(encodeProxySecret(secret)).toString('hex') },
      authKey: proxyDc.authKey,
      reconnect: FAST,
      session: { futureSalts: false },
    })
    try {
      expect(await c.call(getUsers(3))).toEqual([{ _: 'userEmpty', id: 3n }])
    } finally {
      await c.close()
    }
  })
})
