/**
 * Proxy servers for offline tests: SOCKS5 (RFC 1928, with RFC 1929 username/password) and HTTP CONNECT
 * (RFC 9110 section 9.3.6). Both listen on 127.0.0.1, forward to any target and count the tunnels they opened,
 * so a test can prove that a client really went through the proxy.
 */
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net'

/** A running test proxy. */
export interface TestProxy {
  readonly host: string
  readonly port: number
  /** Tunnels successfully opened so far. */
  readonly tunnels: number
  close(): Promise<void>
}

/** Credentials a proxy demands; without them it accepts anyone. */
export interface ProxyAuth {
  readonly username: string
  readonly password: string
}

/** Largest handshake a test proxy buffers before giving up on a client. */
const MAX_HANDSHAKE = 4096

function listen(server: Server, sockets: Set<Socket>, counter: { tunnels: number }): Promise<TestProxy> {
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({
        host: '127.0.0.1',
        port,
        get tunnels() {
          return counter.tunnels
        },
        close: () =>
          new Promise<void>((res) => {
            for (const s of sockets) s.destroy()
            server.close(() => res())
          }),
      })
    })
  })
}

function pipeTo(client: Socket, host: string, port: number, rest: Buffer, onOpen: (ok: boolean) => void, sockets: Set<Socket>): void {
  // Hold client bytes until the tunnel is up; pipe() resumes the flow.
  client.pause()
  const upstream = connect({ host, port })
  sockets.add(upstream)
  upstream.on('close', () => sockets.delete(upstream))
  upstream.once('connect', () => {
    onOpen(true)
    if (rest.length > 0) upstream.write(rest)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  upstream.on('error', () => {
    if (upstream.connecting) onOpen(false)
    client.destroy()
  })
  client.on('error', () => upstream.destroy())
  client.on('close', () => upstream.destroy())
}

/** Starts a SOCKS5 proxy (CONNECT only; IPv4, IPv6 and hostname targets). */
export function startSocks5Proxy(auth?: ProxyAuth): Promise<TestProxy> {
  const sockets = new Set<Socket>()
  const counter = { tunnels: 0 }
  const server = createServer((client) => {
    let buf = Buffer.alloc(0)
    let stage: 'greeting' | 'auth' | 'request' = 'greeting'
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk])
      if (buf.length > MAX_HANDSHAKE) return void client.destroy()
      for (;;) {
        if (stage === 'greeting') {
          if (buf.length < 2 || buf.length < 2 + (buf[1] ?? 0)) return
          if (buf[0] !== 5) return void client.destroy()
          const methods = buf.subarray(2, 2 + (buf[1] ?? 0))
          buf = buf.subarray(2 + (buf[1] ?? 0))
          const want = auth ? 2 : 0
          if (!methods.includes(want)) return void client.end(Buffer.from([5, 0xff]))
          client.write(Buffer.from([5, want]))
          stage = auth ? 'auth' : 'request'
        } else if (stage === 'auth') {
          const ulen = buf[1]
          if (ulen === undefined || buf.length < 2 + ulen + 1) return
          const plen = buf[2 + ulen] ?? 0
          if (buf.length < 3 + ulen + plen) return
          const user = buf.subarray(2, 2 + ulen).toString()
          const pass = buf.subarray(3 + ulen, 3 + ulen + plen).toString()
          buf = buf.subarray(3 + ulen + plen)
          if (!auth || user !== auth.username || pass !== auth.password) return void client.end(Buffer.from([1, 1]))
          client.write(Buffer.from([1, 0]))
          stage = 'request'
        } else {
          if (buf.length < 5) return
          const atyp = buf[3]
          const addrLen = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + (buf[4] ?? 0) : -1
          if (addrLen < 0 || buf[1] !== 1) return void client.end(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]))
          if (buf.length < 4 + addrLen + 2) return
          const addr = buf.subarray(4, 4 + addrLen)
          const host =
            atyp === 1
              ? [...addr].join('.')
              : atyp === 4
                ? (addr.toString('hex').match(/.{4}/g) ?? []).join(':')
                : addr.subarray(1).toString()
          const port = buf.readUInt16BE(4 + addrLen)
          const rest = buf.subarray(4 + addrLen + 2)
          client.removeListener('data', onData)
          pipeTo(client, host, port, rest, (ok) => {
            if (ok) counter.tunnels++
            client.write(Buffer.from([5, ok ? 0 : 5, 0, 1, 127, 0, 0, 1, 0, 0]))
            if (!ok) client.end()
          }, sockets)
          return
        }
      }
    }
    client.on('data', onData)
    client.on('error', () => client.destroy())
  })
  return listen(server, sockets, counter)
}

/** Starts an HTTP proxy that only supports CONNECT (optionally with Basic proxy authentication). */
export function startHttpConnectProxy(auth?: ProxyAuth): Promise<TestProxy> {
  const sockets = new Set<Socket>()
  const counter = { tunnels: 0 }
  const expected = auth ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` : undefined
  const server = createServer((client) => {
    let buf = Buffer.alloc(0)
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk])
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) {
        if (buf.length > MAX_HANDSHAKE) client.destroy()
        return
      }
      client.removeListener('data', onData)
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n')
      const m = /^CONNECT (\[[^\]]+\]|[^:\s]+):(\d+) HTTP\/1\.[01]$/.exec(lines[0] ?? '')
      if (!m) return void client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n')
      const given = lines.find((l) => /^proxy-authorization:/i.test(l))?.replace(/^[^:]+:\s*/, '')
      if (expected !== undefined && given !== expected) {
        return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n')
      }
      const host = (m[1] ?? '').replace(/^\[|\]$/g, '')
      pipeTo(client, host, Number(m[2]), buf.subarray(end + 4), (ok) => {
        if (ok) counter.tunnels++
        client.write(ok ? 'HTTP/1.1 200 Connection Established\r\n\r\n' : 'HTTP/1.1 502 Bad Gateway\r\n\r\n')
        if (!ok) client.end()
      }, sockets)
    }
    client.on('data', onData)
    client.on('error', () => client.destroy())
  })
  return listen(server, sockets, counter)
}
