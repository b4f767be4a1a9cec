/**
 * `npm start`: the main job on the embedded default. Starts the loopback DC cluster on 127.0.0.1, connects an
 * MtClient to it (one worker thread per DC connection), logs in a test bot (meeting USER_MIGRATE), runs a short
 * multi-DC workload (calls on five DCs at once, a file download meeting FILE_MIGRATE on the download pool, updates from
 * several DCs, a pipelined workload under injected faults with the exactly-once check) and prints what happened.
 * No network beyond loopback.
 *
 * Spec: https://core.telegram.org/api/datacenter (migrations), https://core.telegram.org/api/files (downloads),
 * https://core.telegram.org/api/updates.
 */
import { type ClientEvent, MtClient } from '../src/client/index.js'
import { startCluster, TEST_BOTS, TEST_FILES } from '../src/testing/index.js'
import type { Api } from '../src/tl/index.js'

let failures = 0
function check(ok: boolean, what: string): void {
  if (!ok) failures++
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`)
}

const cluster = await startCluster({ dcs: 5 })
console.log('== loopback cluster')
for (const d of cluster.dcs) console.log(`  DC ${d.id}  ${d.host}:${d.port}`)

const events: ClientEvent[] = []
const t0 = performance.now()
const client = await MtClient.connect({
  apiId: 1,
  apiHash: 'loopback',
  dc: 2,
  dcs: cluster.dcs.map((d) => ({ dcId: d.id, host: d.host, port: d.port })),
  rsaKeys: [cluster.publicKey],
  app: { deviceModel: 'mtactor demo' },
  session: { resendAfterMs: 300 },
  reconnect: { minDelayMs: 20, maxDelayMs: 500 },
  onEvent: (e) => events.push(e),
})
console.log('\n== MtClient.connect (worker-thread actors)')
const media = client.config?.dcOptions.filter((o) => o.mediaOnly === true).length ?? 0
check(client.config?.thisDc === 2, `home DC 2: new auth key + help.getConfig in ${(performance.now() - t0).toFixed(0)} ms (${client.config?.dcOptions.length} DC options, ${media} media-only)`)

console.log('\n== bot login')
const bot = TEST_BOTS.find((b) => b.homeDc === 4) ?? TEST_BOTS[0]
if (bot === undefined) throw new Error('no test bot')
const auth = await client.loginBot(bot.token)
const user = auth._ === 'auth.authorization' ? auth.user : undefined
check(client.homeDc === bot.homeDc && user?.id === bot.userId, `@${bot.username} logged in after USER_MIGRATE_${bot.homeDc}: home DC ${client.homeDc}, user id ${user?.id}`)

console.log('\n== calls on five DCs at once')
const t1 = performance.now()
const nearest = await Promise.all([1, 2, 3, 4, 5].flatMap((dcId) => [0, 1].map(() => client.invoke({ _: 'help.getNearestDc' }, { dcId }))))
check(
  nearest.every((n, i) => n.thisDc === Math.floor(i / 2) + 1),
  `10 help.getNearestDc on DCs 1-5 answered by the right DC in ${(performance.now() - t1).toFixed(0)} ms (one key exchange per new DC)`,
)

console.log('\n== file download (FILE_MIGRATE)')
const file = TEST_FILES.reduce((a, b) => (b.size > a.size && b.homeDc !== client.homeDc ? b : a))
const PART = 1024 * 1024
const t2 = performance.now()
const parts = await Promise.all(
  Array.from({ length: Math.ceil(file.size / PART) }, (_, k) =>
    client.invoke({ _: 'upload.getFile', location: file.location, offset: BigInt(k * PART), limit: PART }, { connection: 'download' }),
  ),
)
const bytes = Buffer.concat(parts.map((p) => (p._ === 'upload.file' ? p.bytes : new Uint8Array(0))))
const seconds = (performance.now() - t2) / 1000
const pool = (await client.status()).filter((s) => s.dcId === file.homeDc && s.connection.startsWith('download'))
check(
  bytes.equals(Buffer.from(file.bytes(0, file.size))),
  `${(file.size / PART).toFixed(2)} MiB from DC ${file.homeDc} (home DC ${client.homeDc}) through auth.exportAuthorization/importAuthorization, ${parts.length} parts on ${pool.length} download connections in ${seconds.toFixed(2)} s; bytes match`,
)

console.log('\n== updates from three DCs')
const stream = client.updates()
const n = 30
for (let k = 0; k < n; k++) {
  const u: Api.updateShort = { _: 'updateShort', update: { _: 'updateConfig' }, date: 1_000_000 + k }
  cluster.pushUpdate((k % 3) + 1, u)
}
const got: number[] = []
while (got.length < n) {
  const r = await stream.next()
  if (r.done === true) break
  if (r.value._ === 'updateShort') got.push(r.value.date - 1_000_000)
}
await stream.return?.()
const inOrder = [0, 1, 2].every((m) => {
  const mine = got.filter((k) => k % 3 === m)
  return mine.every((k, i) => i === 0 || k > (mine[i - 1] ?? -1))
})
check(got.length === n && inOrder, `${got.length}/${n} updates received, each DC's in the order it sent them`)

console.log('\n== pipelined workload on the home DC under faults (dropped connection, duplicated and delayed replies, bad salt)')
const home = cluster.dc(client.homeDc)
home.faults.add({ fault: { kind: 'drop-after-bytes', bytes: 20_000 }, schedule: { at: home.faults.requests + 800 }, times: 1 })
home.faults.add({ fault: { kind: 'duplicate' }, schedule: { every: 101 } })
home.faults.add({ fault: { kind: 'delay', ms: 20 }, schedule: { every: 500 } })
home.faults.add({ fault: { kind: 'bad-salt' }, schedule: { every: 777 } })
const calls = 3000
const base = 1_000_000n
const t3 = performance.now()
const users = await Promise.all(
  Array.from({ length: calls }, (_, k) => client.invoke({ _: 'users.getUsers', id: [{ _: 'inputUser', userId: base + BigInt(k), accessHash: 0n }] })),
)
const s3 = (performance.now() - t3) / 1000
home.faults.clear()
const wrong = users.filter((u, k) => u[0]?.id !== base + BigInt(k)).length
let notOnce = 0
for (let k = 0; k < calls; k++) if (home.executions.byArgument.get(`users.getUsers:${base + BigInt(k)}`) !== 1) notOnce++
check(wrong === 0 && notOnce === 0, `${calls} users.getUsers in ${s3.toFixed(2)} s (${Math.round(calls / s3)} RPC/s): answers matching their request ${calls - wrong}/${calls}; executed exactly once: ${calls - notOnce}/${calls}`)

console.log('\n== actors')
const status = await client.status()
for (const s of status) {
  const where = `${s.endpoint.host}:${s.endpoint.port}${s.endpoint.media === true ? ' (media-only)' : ''}`
  console.log(`  DC ${s.dcId} ${s.connection.padEnd(11)} thread ${String(s.threadId).padStart(3)}  ${where}`)
}
const threads = new Set(status.map((s) => s.threadId))
check(threads.size === status.length && !threads.has(0), `${status.length} actors, each in a worker thread of its own`)
const downloads = status.filter((s) => s.connection.startsWith('download'))
check(downloads.length > 0 && downloads.every((s) => s.endpoint.media === true), `${downloads.length} download connections, all on media-only addresses from help.getConfig`)
const count = (type: ClientEvent['event']['type']): number => events.filter((e) => e.event.type === type).length
console.log(`  events: ${count('auth-key')} auth keys made, ${count('disconnected')} disconnects, ${count('exit')} actor exits`)

await client.close()
await cluster.close()
console.log(failures === 0 ? '\nall good' : `\n${failures} check(s) failed`)
process.exit(failures === 0 ? 0 : 1)
