/**
 * MTProxy secrets and proxy links. A secret is 16 bytes (plain obfuscated2), `dd` + 16 bytes (padded intermediate
 * forced) or `ee` + 16 bytes + domain (FakeTLS with that SNI). Links are `tg://proxy?server=&port=&secret=` or
 * `https://t.me/proxy?...`, the secret in hex or base64url.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#mtproxy, https://core.telegram.org/api/links#mtproxy-links.
 */
import { ArgumentError } from '../../errors.js'
import { TransportError } from '../errors.js'
import { MTPROXY_SECRET_SIZE } from './obfuscated.js'

/** Prefix byte of a secret that forces padded intermediate. */
export const PADDED_SECRET_PREFIX = 0xdd
/** Prefix byte of a FakeTLS secret. */
export const FAKE_TLS_SECRET_PREFIX = 0xee
/** DNS names are at most 253 characters. */
const MAX_DOMAIN_LENGTH = 253
const DOMAIN_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i

/** A parsed MTProxy secret. `key` is always the 16 bytes used for key derivation. */
export type ProxySecret =
  | { readonly mode: 'plain'; readonly key: Uint8Array }
  | { readonly mode: 'padded'; readonly key: Uint8Array }
  | { readonly mode: 'fake-tls'; readonly key: Uint8Array; readonly domain: string }

/** A parsed proxy link. */
export interface ProxyLink {
  readonly server: string
  readonly port: number
  readonly secret: ProxySecret
}

function badSecret(message: string, length = -1): TransportError {
  return new TransportError('bad-secret', message, { length })
}

/** Decodes a secret written in hex or base64/base64url (with or without padding). */
export function decodeSecretText(text: string): Uint8Array {
  const t = text.trim()
  if (t.length === 0) throw badSecret('empty MTProxy secret', 0)
  if (/^[0-9a-f]+$/i.test(t)) {
    if (t.length % 2 !== 0) throw badSecret('hex MTProxy secret has an odd number of digits', t.length)
    return new Uint8Array(Buffer.from(t, 'hex'))
  }
  if (!/^[A-Za-z0-9_+/-]+={0,2}$/.test(t) || t.replace(/=+$/, '').length % 4 === 1) {
    throw badSecret('MTProxy secret is neither hex nor base64url', t.length)
  }
  return new Uint8Array(Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64'))
}

/** Parses a secret (text in hex/base64url, or raw bytes) and validates its shape. */
export function parseProxySecret(secret: string | Uint8Array): ProxySecret {
  const bytes = typeof secret === 'string' ? decodeSecretText(secret) : secret
  if (bytes.length === MTPROXY_SECRET_SIZE) return { mode: 'plain', key: bytes.slice() }
  if (bytes.length === MTPROXY_SECRET_SIZE + 1 && bytes[0] === PADDED_SECRET_PREFIX) return { mode: 'padded', key: bytes.slice(1) }
  if (bytes.length > MTPROXY_SECRET_SIZE + 1 && bytes[0] === FAKE_TLS_SECRET_PREFIX) {
    const domainBytes = bytes.subarray(MTPROXY_SECRET_SIZE + 1)
    if (domainBytes.length > MAX_DOMAIN_LENGTH) throw badSecret('FakeTLS domain is longer than 253 bytes', bytes.length)
    const domain = Buffer.from(domainBytes).toString('latin1')
    if (!DOMAIN_RE.test(domain)) throw badSecret('FakeTLS secret carries an invalid domain name', bytes.length)
    return { mode: 'fake-tls', key: bytes.slice(1, MTPROXY_SECRET_SIZE + 1), domain }
  }
  throw badSecret(`unsupported MTProxy secret of ${bytes.length} bytes (prefix 0x${(bytes[0] ?? 0).toString(16)})`, bytes.length)
}

/** The secret's bytes as written in links (prefix, key and, for FakeTLS, the domain). */
export function encodeProxySecret(secret: ProxySecret): Uint8Array {
  if (secret.mode === 'plain') return secret.key.slice()
  if (secret.mode === 'padded') return Uint8Array.from([PADDED_SECRET_PREFIX, ...secret.key])
  return Uint8Array.from([FAKE_TLS_SECRET_PREFIX, ...secret.key, ...Buffer.from(secret.domain, 'latin1')])
}

/**
 * Parses `tg://proxy?server=..&port=..&secret=..` or `https://t.me/proxy?...` (also `http:`, `telegram.me`, and
 * `tg:proxy`). A malformed secret is a TransportError 'bad-secret'; any other malformed part is an ArgumentError.
 */
export function parseProxyLink(link: string): ProxyLink {
  let url: URL
  try {
    url = new URL(link.trim())
  } catch {
    throw new ArgumentError('not a URL', 'link')
  }
  const isTg = url.protocol === 'tg:' && (url.hostname === 'proxy' || url.pathname === 'proxy')
  const isWeb = (url.protocol === 'https:' || url.protocol === 'http:') && /^(www\.)?(t|telegram)\.me$/i.test(url.hostname) && url.pathname === '/proxy'
  if (!isTg && !isWeb) throw new ArgumentError('not an MTProxy link (tg://proxy or https://t.me/proxy)', 'link')
  const server = url.searchParams.get('server') ?? ''
  if (server === '' || /[\s/?#@]/.test(server)) throw new ArgumentError('proxy link has no valid server', 'server')
  const portText = url.searchParams.get('port') ?? ''
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN
  if (!(port >= 1 && port <= 65535)) throw new ArgumentError(`proxy link port "${portText}" is not in 1..65535`, 'port')
  const secretText = url.searchParams.get('secret')
  if (secretText === null) throw badSecret('proxy link has no secret', 0)
  return { server, port, secret: parseProxySecret(secretText) }
}
