import { type AddressInfo, type Server, type Socket, createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSocket } from '../../src/actors/socket.js'
import { CancelledError, NetworkError, TimeoutError } from '../../src/errors.js'
import { type TestProxy, startHttpConnectProxy, startSocks5Proxy } from '../../src/testing/proxies.js'

let echo: Server
let echoPort = 0
const open = new Set<Socket>()

beforeAll(async () => {
  echo = createServer((s) => {
    open.add(s)
    s.on('close', () => open.delete(s))
    s.pipe(s)
  })
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r))
  echoPort = (echo.address() as AddressInfo).port
})
afterAll(async () => {
  for (const s of open) s.destroy()
  await new Promise((r) => echo.close(r))
})

async function roundTrip(s: Socket, payload: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = []
  let n = 0
  return new Promise((resolve, reject) => {
    s.on('data', (c: Buffer) => {
      chunks.push(c)
      n += c.length
      if (n >= payload.length) resolve(Buffer.concat(chunks))
    })
    s.on('error', reject)
    s.write(payload)
  })
}

describe('openSocket', { timeout: 10_000 }, () => {
  const payload = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i & 0xff))

  it('connects directly', async () => {
    const s = await openSocket({ host: '127.0.0.1', port: echoPort })
    expect(await roundTrip(s, payload)).toEqual(payload)
    s.destroy()
  })

  describe.each([
    ['socks5', startSocks5Proxy],
    ['http', startHttpConnectProxy],
  ] as const)('through a %s proxy with username/password', (type, start) => {
    let proxy: TestProxy
    beforeAll(async () => {
      proxy = await start({ username: 'alice', password: 's3cret' })
    })
    afterAll(() => proxy.close())

    it('tunnels bytes both ways and the proxy counts the tunnel', async () => {
      const before = proxy.tunnels
      const s = await openSocket({
        host: '127.0.0.1',
        port: echoPort,
        proxy: { type, host: proxy.host, port: proxy.port, username: 'alice', password: 's3cret' },
      })
      expect(await roundTrip(s, payload)).toEqual(payload)
      expect(proxy.tunnels).toBe(before + 1)
      s.destroy()
    })

    it('rejects wrong credentials with a typed error', async () => {
      const err = await openSocket({
        host: '127.0.0.1',
        port: echoPort,
        proxy: { type, host: proxy.host, port: proxy.port, username: 'alice', password: 'wrong' },
      }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(NetworkError)
      expect((err as NetworkError).reason).toBe('proxy-auth-failed')
    })
  })

  it('fails with NetworkError on a refused port', async () => {
    const srv = createServer()
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const port = (srv.address() as AddressInfo).port
    await new Promise((r) => srv.close(r))
    await expect(openSocket({ host: '127.0.0.1', port })).rejects.toBeInstanceOf(NetworkError)
  })

  it('times out against a proxy that never answers, and can be cancelled', async () => {
    const silent = createServer(() => undefined)
    const held = new Set<Socket>()
    silent.on('connection', (s) => held.add(s))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const port = (silent.address() as AddressInfo).port
    const proxy = { type: 'http' as const, host: '127.0.0.1', port }
    await expect(openSocket({ host: '127.0.0.1', port: echoPort, proxy, timeoutMs: 200 })).rejects.toBeInstanceOf(TimeoutError)
    const ac = new AbortController()
    const p = openSocket({ host: '127.0.0.1', port: echoPort, proxy, signal: ac.signal })
    setTimeout(() => ac.abort(), 50)
    await expect(p).rejects.toBeInstanceOf(CancelledError)
    for (const s of held) s.destroy()
    await new Promise((r) => silent.close(r))
  })
})
