/**
 * `npm start`: the main job on the embedded default. Starts the loopback DC cluster on 127.0.0.1, connects our
 * client to it in several ways (each connection creates its own auth key), runs a pipelined workload while the DC
 * injects faults, proves every request ran exactly once, and prints what happened. No network beyond loopback.
 *
 * Spec: https://core.telegram.org/mtproto (the protocol spoken end to end).
 */
import { Connection, type ConnectionOptions } from '../src/actors/connection.js'
import { withInitConnection } from '../src/client/init-connection.js'
import { startCluster } from '../src/testing/index.js'
import type { Api } from '../src/tl/index.js'

const cluster = await startCluster({ dcs: 3, loginRequired: false })
console.log('== loopback cluster')
for (const d of cluster.dcs) console.log(`  DC ${d.id}  ${d.host}:${d.port}`)
console.log(`  server key fingerprint ${cluster.publicKey.fingerprint.u64.toString(16)}`)

const init = <X extends Api.help.getConfig | Api.help.getNearestDc>(query: X) => withInitConnection(query, { apiId: 1, deviceModel: 'mtactor demo' })

async function connect(dcId: number, extra: Partial<ConnectionOptions> = {}): Promise<Connection> {
  const dc = cluster.dc(dcId)
  return Connection.connect({ host: dc.host, port: dc.port, dcId, rsaKeys: [cluster.publicKey], session: { resendAfterMs: 300 }, ...extra })
}

let failures = 0
const ways: Array<[string, number, Partial<ConnectionOptions>]> = [
  ['intermediate', 1, { transport: 'intermediate' }],
  ['abridged, obfuscated', 2, { transport: 'abridged', obfuscated: true }],
  ['full (CRC32)', 3, { transport: 'full' }],
  ['MTProxy ee (FakeTLS) via DC 1 port', 2, { mtproxy: { host: cluster.host, port: cluster.dc(1).port, secret: cluster.proxySecrets.fakeTls } }],
  ['PFS temp key', 1, { pfs: { tempKeySeconds: 3600 } }],
]
console.log('\n== key exchange + help.getConfig')
for (const [name, dcId, extra] of ways) {
  const t0 = performance.now()
  const c = await connect(dcId, extra)
  const cfg = await c.call(init({ _: 'help.getConfig' }))
  const ms = performance.now() - t0
  await c.close()
  const ok = cfg.thisDc === dcId
  if (!ok) failures++
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} DC ${dcId} over ${name}: new auth key + config in ${ms.toFixed(1)} ms (${cfg.dcOptions.length} DC options)`)
}

console.log('\n== pipelined workload on DC 2 with faults (dropped connection, duplicated and delayed replies, bad salt)')
const dc2 = cluster.dc(2)
const conn = await connect(2)
await conn.call(init({ _: 'help.getNearestDc' }))
dc2.faults.add({ fault: { kind: 'drop-after-bytes', bytes: 20_000 }, schedule: { at: 1500 }, times: 1 })
dc2.faults.add({ fault: { kind: 'duplicate' }, schedule: { every: 101 } })
dc2.faults.add({ fault: { kind: 'delay', ms: 20 }, schedule: { every: 500 } })
dc2.faults.add({ fault: { kind: 'bad-salt' }, schedule: { every: 777 } })
const n = 5000
const base = 1_000_000n
const t0 = performance.now()
const users = await Promise.all(
  Array.from({ length: n }, (_, k) => conn.call({ _: 'users.getUsers', id: [{ _: 'inputUser', userId: base + BigInt(k), accessHash: 0n }] })),
)
const seconds = (performance.now() - t0) / 1000
await conn.close()
const wrong = users.filter((u, k) => u[0]?.id !== base + BigInt(k)).length
let notOnce = 0
for (let k = 0; k < n; k++) if (dc2.executions.byArgument.get(`users.getUsers:${base + BigInt(k)}`) !== 1) notOnce++
if (wrong > 0 || notOnce > 0) failures++
console.log(`  ${n} users.getUsers in ${seconds.toFixed(2)} s (${Math.round(n / seconds)} RPC/s) through ${dc2.faults.requests} requests seen by the DC`)
console.log(`  answers matching their request: ${n - wrong}/${n}; executed exactly once: ${n - notOnce}/${n}`)

await cluster.close()
console.log(failures === 0 ? '\nall good' : `\n${failures} check(s) failed`)
process.exit(failures === 0 ? 0 : 1)
