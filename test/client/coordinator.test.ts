/**
 * The coordinator's logic with scripted actors (no sockets, no threads): initConnection once per key and again after
 * a temp key bind, one key exchange per DC, -404 making exactly one actor regenerate the key, supervision re-invoking
 * in-flight requests with their request ids and original msg_ids, and one export/import in flight per DC.
 */
import { describe, expect, it } from 'vitest'
import type { ActorCallbacks, ActorConfig, ActorFactory, ActorInvokeOptions, ActorStatus, ActorTuning, AppliedTuning, DcActor } from '../../src/actors/actor-types.js'
import type { AuthKeyResult, BoundTempKey } from '../../src/actors/connection-types.js'
import { Coordinator } from '../../src/client/coordinator.js'
import { DcTable } from '../../src/client/dc-table.js'
import { MemoryStorage } from '../../src/client/storage.js'
import { InternalError, NetworkError } from '../../src/errors.js'
import { RpcError } from '../../src/protocol/rpc-error.js'
import { TransportError } from '../../src/protocol/errors.js'
import { deserializeObject, serializeObject, type TlObject } from '../../src/tl/index.js'

interface Call {
  readonly requestId: number
  readonly method: string
  readonly request: TlObject
  readonly opts: ActorInvokeOptions
  resolve(body: Uint8Array): void
  reject(e: unknown): void
}

/** Answers a call: a TL object, an RpcError, or undefined to hold it. */
type Script = (call: Call, actor: FakeActor) => TlObject | RpcError | undefined

class FakeActor implements DcActor {
  readonly dcId: number
  readonly calls: Call[] = []
  readonly keys: AuthKeyResult[] = []
  readonly tempKeys: BoundTempKey[] = []
  handshakesAllowed = 0
  closed = false

  constructor(
    readonly config: ActorConfig,
    readonly cb: ActorCallbacks,
    readonly script: Script,
  ) {
    this.dcId = config.endpoint.dcId
  }

  invoke(requestId: number, body: Uint8Array, method: string, opts: ActorInvokeOptions = {}): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const call: Call = { requestId, method, request: deserializeObject(body) as TlObject, opts, resolve, reject }
      this.calls.push(call)
      const r = this.script(call, this)
      if (r instanceof RpcError) reject(r)
      else if (r !== undefined) resolve(serializeObject(r))
    })
  }

  setAuthKey(key: AuthKeyResult): void {
    this.keys.push(key)
  }

  setTempKey(key: BoundTempKey): void {
    this.tempKeys.push(key)
  }

  allowHandshake(): void {
    this.handshakesAllowed++
  }

  wake(): void {}

  readonly tunings: ActorTuning[] = []
  async configure(t: ActorTuning): Promise<AppliedTuning> {
    this.tunings.push(t)
    return { session: { ...t.session }, reconnect: { minDelayMs: 1, maxDelayMs: 1, factor: 2, jitter: 0, maxAttempts: 1, ...t.reconnect } }
  }

  async status(): Promise<ActorStatus> {
    return { dcId: this.dcId, threadId: 0, connected: true, pending: 0, queued: 0, hasAuthKey: true }
  }

  async close(): Promise<void> {
    this.closed = true
  }
}

const key = (n: number): AuthKeyResult => ({ authKey: new Uint8Array(256).fill(n), authKeyId: BigInt(n), serverSalt: 1n, timeOffset: 0 })

/** The innermost query under invokeWithLayer / initConnection / invokeWithoutUpdates. */
function leaf(o: TlObject): TlObject {
  let cur = o as TlObject & { query?: TlObject }
  while (cur.query !== undefined) cur = cur.query as TlObject & { query?: TlObject }
  return cur
}

const nearest = (dc: number): TlObject => ({ _: 'nearestDc', country: 'ZZ', thisDc: dc, nearestDc: dc }) as TlObject

function setup(script: Script, opts: { storedKeys?: number[]; sleeps?: number[]; failStarts?: number; pfs?: boolean } = {}) {
  const actors: FakeActor[] = []
  let failStarts = opts.failStarts ?? 0
  const factory: ActorFactory = async (config, cb) => {
    if (failStarts-- > 0) throw new InternalError('worker could not start')
    const a = new FakeActor(config, cb, script)
    actors.push(a)
    return a
  }
  const storage = new MemoryStorage()
  for (const dc of opts.storedKeys ?? []) storage.setAuthKey(dc, key(dc))
  const dcs = new DcTable([1, 2, 3].map((id) => ({ dcId: id, host: '127.0.0.1', port: 1000 + id })))
  const c = new Coordinator({
    app: { apiId: 1 },
    dcs,
    homeDc: 2,
    storage,
    factory,
    actorConfig: opts.pfs === true ? { pfs: { tempKeySeconds: 3600 } } : {},
    poolSize: { download: 2, upload: 2 },
    retry: {
      sleep: async (ms) => {
        opts.sleeps?.push(ms)
      },
      maxRetries: 3,
      backoffMs: 100,
    },
  })
  return { c, actors, storage }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

describe('coordinator with scripted actors', () => {
  it('wraps the first call on a key in initConnection, again after a temp key bind and after a new key', async () => {
    const { c, actors } = setup((_call, a) => nearest(a.dcId), { storedKeys: [2] })
    for (let i = 0; i < 3; i++) await c.invoke({ _: 'help.getNearestDc' })
    const a = actors[0] as FakeActor
    const wrapped = () => a.calls.map((x) => x.request._ === 'invokeWithLayer')
    expect(wrapped()).toEqual([true, false, false])
    a.cb.onEvent({ type: 'temp-key-bound', expiresAt: 0 })
    await c.invoke({ _: 'help.getNearestDc' })
    await c.invoke({ _: 'help.getNearestDc' })
    a.cb.onEvent({ type: 'auth-key', result: key(9), temp: false })
    await c.invoke({ _: 'help.getNearestDc' })
    expect(wrapped()).toEqual([true, false, false, true, false, true])
    expect(a.calls.every((x) => leaf(x.request)._ === 'help.getNearestDc')).toBe(true)
    await c.close()
  })

  it('runs one key exchange per DC: the first actor makes the key, the others get it', async () => {
    const { c, actors, storage } = setup((_call, a) => (a.keys.length > 0 || a.handshakesAllowed > 0 ? nearest(a.dcId) : undefined))
    const first = c.invoke({ _: 'help.getNearestDc' })
    await tick()
    const second = c.invoke({ _: 'help.getNearestDc' }, { connection: 'download' })
    await tick()
    const [main, download] = actors as [FakeActor, FakeActor]
    expect(main.config.authKey).toBeUndefined()
    expect(download.config.authKey).toBeUndefined()
    expect(main.handshakesAllowed).toBe(1)
    expect(download.handshakesAllowed).toBe(0)
    await first
    main.cb.onEvent({ type: 'auth-key', result: key(5), temp: false })
    await tick()
    expect(download.keys.map((k) => k.authKeyId)).toEqual([5n])
    expect(storage.getAuthKey(2)?.authKeyId).toBe(5n)
    // The held download call is answered once its actor has the key.
    const held = download.calls[0]
    held?.resolve(serializeObject(nearest(2)))
    expect((await second).thisDc).toBe(2)
    // Download connections ask for no updates.
    expect(download.calls.every((x) => JSON.stringify(x.request, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes('invokeWithoutUpdates'))).toBe(true)
    await c.close()
  })

  it('-404 on two actors of a DC: exactly one regenerates, the other gets the new key', async () => {
    const { c, actors, storage } = setup((_call, a) => nearest(a.dcId), { storedKeys: [2] })
    await c.invoke({ _: 'help.getNearestDc' })
    await c.invoke({ _: 'help.getNearestDc' }, { connection: 'download' })
    const [main, download] = actors as [FakeActor, FakeActor]
    const error = new TransportError('server-error-code', 'server sent transport error code -404', { code: -404 })
    main.cb.onEvent({ type: 'auth-key-dropped', error })
    download.cb.onEvent({ type: 'auth-key-dropped', error })
    await tick()
    expect(main.handshakesAllowed + download.handshakesAllowed).toBe(1)
    expect(storage.getAuthKey(2)).toBeUndefined()
    const maker = main.handshakesAllowed === 1 ? main : download
    const other = maker === main ? download : main
    maker.cb.onEvent({ type: 'auth-key', result: key(7), temp: false })
    await tick()
    expect(other.keys.map((k) => k.authKeyId)).toEqual([7n])
    expect(storage.getAuthKey(2)?.authKeyId).toBe(7n)
    await c.close()
  })

  it('-404 reaching an actor after the key was already made again: it gets the new key, no second exchange', async () => {
    const { c, actors } = setup((_call, a) => nearest(a.dcId), { storedKeys: [2] })
    await c.invoke({ _: 'help.getNearestDc' })
    await c.invoke({ _: 'help.getNearestDc' }, { connection: 'download' })
    const [main, download] = actors as [FakeActor, FakeActor]
    const error = new TransportError('server-error-code', 'server sent transport error code -404', { code: -404 })
    main.cb.onEvent({ type: 'auth-key-dropped', error })
    await tick()
    main.cb.onEvent({ type: 'auth-key', result: key(8), temp: false })
    await tick()
    // The download actor still runs on the old key until the server tells it.
    expect(download.keys).toEqual([])
    download.cb.onEvent({ type: 'auth-key-dropped', error })
    await tick()
    expect(download.keys.map((k) => k.authKeyId)).toEqual([8n])
    expect(main.handshakesAllowed).toBe(1)
    expect(download.handshakesAllowed).toBe(0)
    await c.close()
  })

  it('PFS: one actor makes and binds the temp key, every other actor of the DC gets it (no exchange of its own)', async () => {
    const { c, actors } = setup((_call, a) => nearest(a.dcId), { storedKeys: [2], pfs: true })
    await c.invoke({ _: 'help.getNearestDc' })
    await c.invoke({ _: 'help.getNearestDc' }, { connection: 'download' })
    const [main, download] = actors as [FakeActor, FakeActor]
    expect(main.handshakesAllowed).toBe(1)
    expect(download.handshakesAllowed).toBe(0)
    expect(download.config.tempKey).toBeUndefined()
    main.cb.onEvent({ type: 'auth-key', result: key(40), temp: true })
    await tick()
    // Not handed out before it is bound.
    expect(download.tempKeys).toEqual([])
    main.cb.onEvent({ type: 'temp-key-bound', expiresAt: 5000 })
    await tick()
    expect(download.tempKeys.map((k) => [k.result.authKeyId, k.expiresAt])).toEqual([[40n, 5000]])
    expect(main.tempKeys).toEqual([])
    // A pool member started later starts on the DC's temp key, without being asked to make one.
    await Promise.all([c.invoke({ _: 'help.getNearestDc' }, { connection: 'upload' }), c.invoke({ _: 'help.getNearestDc' }, { connection: 'upload' })])
    const uploads = actors.slice(2)
    expect(uploads.length).toBeGreaterThanOrEqual(1)
    for (const u of uploads) {
      expect(u.config.tempKey?.result.authKeyId).toBe(40n)
      expect(u.handshakesAllowed).toBe(0)
    }
    await c.close()
  })

  it('PFS: -404 on every actor of the DC: exactly one makes the next temp key, the others (late ones too) get it', async () => {
    const { c, actors } = setup((_call, a) => nearest(a.dcId), { storedKeys: [2], pfs: true })
    await c.invoke({ _: 'help.getNearestDc' })
    await c.invoke({ _: 'help.getNearestDc' }, { connection: 'download' })
    const [main, download] = actors as [FakeActor, FakeActor]
    main.cb.onEvent({ type: 'auth-key', result: key(41), temp: true })
    main.cb.onEvent({ type: 'temp-key-bound', expiresAt: 5000 })
    await tick()
    const error = new TransportError('server-error-code', 'server sent transport error code -404', { code: -404 })
    download.cb.onEvent({ type: 'auth-key-dropped', error, authKeyId: 41n })
    main.cb.onEvent({ type: 'auth-key-dropped', error, authKeyId: 41n })
    await tick()
    expect(download.handshakesAllowed).toBe(1)
    expect(main.handshakesAllowed).toBe(1)
    download.cb.onEvent({ type: 'auth-key', result: key(42), temp: true })
    download.cb.onEvent({ type: 'temp-key-bound', expiresAt: 6000 })
    await tick()
    expect(main.tempKeys.map((k) => k.result.authKeyId)).toEqual([42n])
    // A -404 about the old key that arrives after the new one exists: the current key, no new exchange.
    main.cb.onEvent({ type: 'auth-key-dropped', error, authKeyId: 41n })
    await tick()
    expect(main.tempKeys.map((k) => k.result.authKeyId)).toEqual([42n, 42n])
    expect(main.handshakesAllowed + download.handshakesAllowed).toBe(2)
    expect((await c.dc(2)).regenerations).toBe(1)
    // The permanent key stays.
    expect(main.keys).toEqual([])
    await c.close()
  })

  it('PFS: renewal: of the actors that report the key due, one renews; the others switch to the new key', async () => {
    const { c, actors } = setup((_call, a) => nearest(a.dcId), { storedKeys: [2], pfs: true })
    await c.invoke({ _: 'help.getNearestDc' })
    await c.invoke({ _: 'help.getNearestDc' }, { connection: 'download' })
    const [main, download] = actors as [FakeActor, FakeActor]
    main.cb.onEvent({ type: 'auth-key', result: key(43), temp: true })
    main.cb.onEvent({ type: 'temp-key-bound', expiresAt: 5000 })
    await tick()
    download.cb.onEvent({ type: 'temp-key-due', authKeyId: 43n })
    main.cb.onEvent({ type: 'temp-key-due', authKeyId: 43n })
    await tick()
    expect(download.handshakesAllowed).toBe(1)
    expect(main.handshakesAllowed).toBe(1)
    // Until the next key is bound, the due key stays the DC's (a new actor would start on it).
    expect((await c.dc(2)).temp?.result.authKeyId).toBe(43n)
    download.cb.onEvent({ type: 'auth-key', result: key(44), temp: true })
    download.cb.onEvent({ type: 'temp-key-bound', expiresAt: 9000 })
    await tick()
    expect(main.tempKeys.map((k) => k.result.authKeyId)).toEqual([44n])
    // A late report about the old key does not renew again.
    main.cb.onEvent({ type: 'temp-key-due', authKeyId: 43n })
    await tick()
    expect(main.handshakesAllowed + download.handshakesAllowed).toBe(2)
    expect((await c.dc(2)).regenerations).toBe(0)
    // The first call on the new temp key goes wrapped in initConnection.
    await c.invoke({ _: 'help.getNearestDc' })
    expect(main.calls.at(-1)?.request._).toBe('invokeWithLayer')
    await c.close()
  })

  it('supervision: a replacement resumes the session and in-flight calls go again with their ids and msg_ids', async () => {
    const { c, actors } = setup(
      (call, a) => {
        if (leaf(call.request)._ !== 'users.getUsers') return nearest(a.dcId)
        // The first actor holds users.getUsers (in flight when it dies); the replacement answers an empty vector.
        return actors.indexOf(a) === 0 ? undefined : ([] as unknown as TlObject)
      },
      { storedKeys: [2] },
    )
    await c.invoke({ _: 'help.getNearestDc' })
    const first = actors[0] as FakeActor
    const snapshot = { sessionId: 77n, serverSalt: 5n, timeOffset: 0, seqNo: 4, lastMsgId: 1000n }
    first.cb.onEvent({ type: 'session', snapshot })
    const calls = [1n, 2n, 3n].map((id) => c.invoke({ _: 'users.getUsers', id: [{ _: 'inputUser', userId: id, accessHash: 0n }] }))
    await tick()
    const inflight = first.calls.filter((x) => leaf(x.request)._ === 'users.getUsers')
    expect(inflight.length).toBe(3)
    first.cb.onEvent({ type: 'sent', records: inflight.slice(0, 2).map((x, i) => ({ requestId: x.requestId, msgId: 2000n + BigInt(i * 4), seqNo: 9 + i * 2 })) })
    // The worker dies: its pending invokes reject, then 'exit'.
    for (const x of inflight) x.reject(new NetworkError('closed', 'worker died'))
    first.cb.onEvent({ type: 'exit', error: new NetworkError('closed', 'worker died') })
    const results = await Promise.all(calls)
    expect(results).toEqual([[], [], []])
    const replacement = actors[1] as FakeActor
    expect(replacement.config.resume).toEqual(snapshot)
    expect(replacement.config.authKey).toEqual(key(2).authKey)
    const again = replacement.calls.filter((x) => leaf(x.request)._ === 'users.getUsers')
    expect(again.map((x) => x.requestId)).toEqual(inflight.map((x) => x.requestId))
    expect(again.map((x) => x.opts.resend)).toEqual([{ msgId: 2000n, seqNo: 9 }, { msgId: 2004n, seqNo: 11 }, undefined])
    // Re-serialized from the kept object: the same request.
    expect(again.map((x) => leaf(x.request))).toEqual(inflight.map((x) => leaf(x.request)))
    await c.close()
  })

  it('FILE_MIGRATE: one export/import for many concurrent calls, the home DC unchanged', async () => {
    const { c, actors } = setup(
      (call, a) => {
        const q = leaf(call.request)
        if (q._ === 'upload.getFile') return a.dcId === 1 ? ({ _: 'upload.file', type: { _: 'storage.filePartial' }, mtime: 0, bytes: new Uint8Array(4) } as TlObject) : new RpcError(303, 'FILE_MIGRATE_1')
        if (q._ === 'auth.exportAuthorization') return { _: 'auth.exportedAuthorization', id: 1n, bytes: new Uint8Array(8) } as TlObject
        if (q._ === 'auth.importAuthorization') return { _: 'auth.authorizationSignUpRequired' } as TlObject
        return nearest(a.dcId)
      },
      { storedKeys: [1, 2] },
    )
    const location = { _: 'inputDocumentFileLocation', id: 1n, accessHash: 0n, fileReference: new Uint8Array(0), thumbSize: '' } as const
    const files = await Promise.all([0, 1, 2, 3].map((k) => c.invoke({ _: 'upload.getFile', location, offset: BigInt(k * 4096), limit: 4096 })))
    expect(files.every((f) => f._ === 'upload.file')).toBe(true)
    const all = actors.flatMap((a) => a.calls.map((x) => `${a.dcId}:${leaf(x.request)._}`))
    expect(all.filter((m) => m === '2:auth.exportAuthorization').length).toBe(1)
    expect(all.filter((m) => m === '1:auth.importAuthorization').length).toBe(1)
    expect(c.homeDc).toBe(2)
    await c.close()
  })

  it('retries I/O failures with doubling backoff, up to maxRetries', async () => {
    let failures = 2
    const sleeps: number[] = []
    const { c } = setup(
      (_call, a) => {
        if (failures-- > 0) return new RpcError(500, 'RPC_CALL_FAIL')
        return nearest(a.dcId)
      },
      { storedKeys: [2], sleeps },
    )
    expect((await c.invoke({ _: 'help.getNearestDc' })).thisDc).toBe(2)
    expect(sleeps).toEqual([100, 200])
    failures = 10
    sleeps.length = 0
    await expect(c.invoke({ _: 'help.getNearestDc' })).rejects.toBeInstanceOf(RpcError)
    expect(sleeps).toEqual([100, 200, 400])
    await c.close()
  })

  it('starts an actor again when its start failed', async () => {
    const { c, actors } = setup((_call, a) => nearest(a.dcId), { storedKeys: [2], failStarts: 1 })
    await expect(c.invoke({ _: 'help.getNearestDc' })).rejects.toBeInstanceOf(InternalError)
    expect((await c.invoke({ _: 'help.getNearestDc' })).thisDc).toBe(2)
    expect(actors.length).toBe(1)
    await c.close()
  })
})
