/**
 * Opens the TCP socket a DC connection runs over: directly, through a SOCKS5 proxy (optionally with
 * username/password) or through an HTTP CONNECT proxy. This module and the testing servers are the only places
 * that open sockets. MTProxy is not a socket-level proxy: the driver connects to the proxy host and speaks the
 * obfuscated transport with the proxy secret (src/protocol/transport).
 *
 * Spec: https://core.telegram.org/mtproto/transports (TCP), RFC 1928/1929 (SOCKS5), RFC 9110 section 9.3.6 (CONNECT).
 */
import { type Socket, connect as netConnect } from 'node:net'
import { CancelledError, NetworkError, TimeoutError } from '../errors.js'

/** A SOCKS5 proxy. */
export interface Socks5Proxy {
  readonly type: 'socks5'
  readonly host: string
  readonly port: number
  readonly username?: string
  readonly password?: string
}

/** An HTTP proxy that supports the CONNECT method. */
export interface HttpConnectProxy {
  readonly type: 'http'
  readonly host: string
  readonly port: number
  readonly username?: string
  readonly password?: string
}

/** A socket-level proxy. */
export type SocketProxy = Socks5Proxy | HttpConnectProxy

/** Where and how to connect. */
export interface OpenSocketOptions {
  readonly host: string
  readonly port: number
  readonly proxy?: SocketProxy
  /** Give up after this long (ms), including the proxy handshake. */
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
}

/** Default connect deadline: long enough for a slow proxy, short enough to fail over to another address. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/** Largest HTTP CONNECT response header accepted before the tunnel starts. */
const MAX_CONNECT_RESPONSE = 16 * 1024

/** Opens a connected TCP socket (with no-delay set), or rejects with a typed error. */
export async function openSocket(opts: OpenSocketOptions): Promise<Socket> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  const socket = await withDeadline(
    (onCleanup) => {
      if (opts.proxy?.type === 'socks5') return viaSocks5(opts.proxy, opts.host, opts.port, timeoutMs, onCleanup)
      if (opts.proxy?.type === 'http') return viaHttpConnect(opts.proxy, opts.host, opts.port, onCleanup)
      return direct(opts.host, opts.port, onCleanup)
    },
    timeoutMs,
    opts.signal,
  )
  socket.setNoDelay(true)
  return socket
}

type Cleanup = (fn: () => void) => void

async function withDeadline(
  start: (onCleanup: Cleanup) => Promise<Socket>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Socket> {
  if (signal?.aborted) throw new CancelledError('connect cancelled')
  const cleanups: Array<() => void> = []
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`connect timed out after ${timeoutMs} ms`, timeoutMs)), timeoutMs)
    onAbort = () => reject(new CancelledError('connect cancelled'))
    signal?.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([start((fn) => cleanups.push(fn)), guard])
  } catch (err) {
    for (const fn of cleanups) fn()
    throw err
  } finally {
    clearTimeout(timer)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
  }
}

function direct(host: string, port: number, onCleanup: Cleanup): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host, port })
    onCleanup(() => s.destroy())
    s.once('connect', () => {
      s.removeAllListeners('error')
      resolve(s)
    })
    s.once('error', (err) => reject(new NetworkError('connect-failed', `connect to ${host}:${port}: ${err.message}`, { cause: err })))
  })
}

async function viaSocks5(proxy: Socks5Proxy, host: string, port: number, timeoutMs: number, onCleanup: Cleanup): Promise<Socket> {
  try {
    // Loaded only when a SOCKS5 proxy is configured: an idle DC worker without one does not carry the library.
    const { SocksClient } = await import('socks')
    const { socket } = await SocksClient.createConnection({
      command: 'connect',
      destination: { host, port },
      proxy: {
        host: proxy.host,
        port: proxy.port,
        type: 5,
        ...(proxy.username !== undefined ? { userId: proxy.username, password: proxy.password ?? '' } : {}),
      },
      timeout: timeoutMs,
    })
    onCleanup(() => socket.destroy())
    return socket
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    const reason = /auth/i.test(message) ? 'proxy-auth-failed' : 'proxy-failed'
    throw new NetworkError(reason, `SOCKS5 proxy ${proxy.host}:${proxy.port}: ${message}`, { cause: err })
  }
}

async function viaHttpConnect(proxy: HttpConnectProxy, host: string, port: number, onCleanup: Cleanup): Promise<Socket> {
  const s = await direct(proxy.host, proxy.port, onCleanup).catch((err: unknown) => {
    throw new NetworkError('proxy-failed', `HTTP proxy ${proxy.host}:${proxy.port} unreachable`, { cause: err })
  })
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  const auth =
    proxy.username !== undefined
      ? `Proxy-Authorization: Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}\r\n`
      : ''
  s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`)
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0)
    const fail = (reason: 'proxy-failed' | 'proxy-auth-failed', msg: string): void => {
      s.removeListener('data', onData)
      s.destroy()
      reject(new NetworkError(reason, `HTTP proxy ${proxy.host}:${proxy.port}: ${msg}`))
    }
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) {
        if (head.length > MAX_CONNECT_RESPONSE) fail('proxy-failed', 'response header too large')
        return
      }
      s.removeListener('data', onData)
      s.removeListener('error', onError)
      s.removeListener('close', onClose)
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1]
      if (status !== '200') {
        s.destroy()
        const code = status ?? 'malformed'
        reject(new NetworkError(code === '407' ? 'proxy-auth-failed' : 'proxy-failed', `HTTP proxy ${proxy.host}:${proxy.port}: CONNECT answered ${code}`))
        return
      }
      const rest = head.subarray(end + 4)
      if (rest.length > 0) s.unshift(rest)
      resolve(s)
    }
    const onError = (err: Error): void => fail('proxy-failed', err.message)
    const onClose = (): void => fail('proxy-failed', 'closed during CONNECT')
    s.on('data', onData)
    s.once('error', onError)
    s.once('close', onClose)
  })
}
