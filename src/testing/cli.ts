#!/usr/bin/env node
/**
 * `mtactor-cluster` / `npm run cluster`: runs the loopback DC cluster standalone. Prints the DC table (main and
 * media-only ports), the proxy secrets, the test accounts (bot tokens, phones and their codes) and the public key PEM,
 * then serves until SIGINT/SIGTERM, when it closes every listener and exits 0.
 *
 * Options: `--dcs N` (default 5), `--port BASE` (DC i on BASE + i - 1, its media port on BASE + N + i - 1; random
 * ports otherwise), `--rsa-key FILE` (a private key PEM to use instead of a generated one), `--host 127.0.0.1|::1`,
 * `--salt-lifetime SECONDS`, `--no-login-required` (answer login-only methods on keys that are not logged in).
 *
 * Spec: https://core.telegram.org/mtproto (what the cluster speaks).
 */
import { readFileSync, realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { ArgumentError } from '../errors.js'
import { isPeerCompatibleFingerprint } from '../protocol/auth/server-key.js'
import { TEST_BOTS, TEST_PHONES } from './accounts.js'
import { type Cluster, type ClusterOptions, startCluster } from './cluster.js'

/** Parses the command line into cluster options (ArgumentError for anything malformed). */
export function parseCliArgs(argv: readonly string[]): ClusterOptions {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        dcs: { type: 'string' },
        port: { type: 'string' },
        'rsa-key': { type: 'string' },
        host: { type: 'string' },
        'salt-lifetime': { type: 'string' },
        'no-login-required': { type: 'boolean' },
      },
      strict: true,
    }).values as Record<string, string | boolean | undefined>
  } catch (e) {
    throw new ArgumentError(e instanceof Error ? e.message : String(e), 'argv')
  }
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = values[name]
    if (v === undefined || typeof v === 'boolean') return undefined
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max) throw new ArgumentError(`--${name} must be an integer in ${min}..${max}, got ${v}`, name)
    return n
  }
  const host = typeof values.host === 'string' ? values.host : undefined
  if (host !== undefined && host !== '127.0.0.1' && host !== '::1') throw new ArgumentError(`--host must be 127.0.0.1 or ::1, got ${host}`, 'host')
  const file = typeof values['rsa-key'] === 'string' ? values['rsa-key'] : undefined
  let pem: string | undefined
  if (file !== undefined) {
    try {
      pem = readFileSync(file, 'utf8')
    } catch (e) {
      throw new ArgumentError(`cannot read --rsa-key ${file}: ${e instanceof Error ? e.message : String(e)}`, 'rsa-key')
    }
  }
  const dcs = int('dcs', 1, 100)
  const basePort = int('port', 1, 65535)
  const salt = int('salt-lifetime', 1, 86400 * 30)
  return {
    ...(dcs !== undefined ? { dcs } : {}),
    ...(basePort !== undefined ? { basePort } : {}),
    ...(pem !== undefined ? { rsaKey: pem } : {}),
    ...(host !== undefined ? { host } : {}),
    ...(salt !== undefined ? { saltLifetimeSeconds: salt } : {}),
    ...(values['no-login-required'] === true ? { loginRequired: false } : {}),
  }
}

/**
 * The banner: one `dc ID HOST:PORT` line per DC, one `dc-media ID HOST:PORT` per media-only listener, the proxy
 * secrets, `bot DC TOKEN @USERNAME` and `phone DC NUMBER code CODE` for the test accounts whose home DC exists,
 * `login-required yes|no`, then the public key PEM.
 */
export function describeCluster(c: Cluster): string {
  const addr = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`
  const lines = c.dcs.map((d) => `dc ${d.id} ${addr(d.host, d.port)}`)
  for (const d of c.dcs) if (d.mediaPort !== undefined) lines.push(`dc-media ${d.id} ${addr(d.host, d.mediaPort)}`)
  lines.push(`proxy-secret dd ${c.proxySecrets.padded}`, `proxy-secret ee ${c.proxySecrets.fakeTls}`)
  const present = new Set(c.dcs.map((d) => d.id))
  for (const b of TEST_BOTS) if (present.has(b.homeDc)) lines.push(`bot ${b.homeDc} ${b.token} @${b.username}`)
  for (const p of TEST_PHONES) if (present.has(p.homeDc)) lines.push(`phone ${p.homeDc} ${p.phone} code ${p.code}`)
  lines.push(`login-required ${c.loginRequired ? 'yes' : 'no'}`)
  lines.push(`fingerprint ${c.publicKey.fingerprint.u64.toString(16).padStart(16, '0')}`)
  return `${lines.join('\n')}\n${c.publicKeyPem.trim()}\n`
}

async function main(): Promise<void> {
  let opts: ClusterOptions
  try {
    opts = parseCliArgs(process.argv.slice(2))
  } catch (e) {
    process.stderr.write(`mtactor-cluster: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exit(2)
  }
  // Nobody outside this process can read per-request counters: do not keep them.
  const cluster = await startCluster({ ...opts, countExecutions: false })
  if (!isPeerCompatibleFingerprint(cluster.publicKey.fingerprint.u64)) {
    process.stderr.write("mtactor-cluster: warning: this key's fingerprint starts with a zero nibble; mtcute 0.30 cannot match it\n")
  }
  process.stdout.write(describeCluster(cluster))
  process.stdout.write('ready\n')
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    process.stderr.write(`mtactor-cluster: ${signal}, closing\n`)
    cluster.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

/** Whether this module is the process entry (also through the package bin symlink). */
function isEntry(): boolean {
  const arg = process.argv[1]
  if (arg === undefined) return false
  try {
    return pathToFileURL(realpathSync(arg)).href === import.meta.url
  } catch {
    return false
  }
}

if (isEntry()) void main()
