/** The public entry exports the client API. */
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import * as mtactor from '../../src/index.js'

describe('public client API', () => {
  it('is exported from the package entry', () => {
    for (const name of ['MtClient', 'MemoryStorage', 'FloodWaitError', 'DcTable', 'createInProcessActor', 'createWorkerActor', 'withInitConnection', 'realSleep']) {
      expect(typeof (mtactor as Record<string, unknown>)[name], name).toBe('function')
    }
    expect(mtactor.DEFAULT_RETRY.floodSleepThresholdSeconds).toBe(60)
  })

  it('rejects bad options with typed errors before connecting', async () => {
    await expect(mtactor.MtClient.connect({ apiId: 0, apiHash: 'x' })).rejects.toBeInstanceOf(mtactor.ArgumentError)
    await expect(mtactor.MtClient.connect({ apiId: 1, apiHash: 'x', dc: 9, dcs: [{ dcId: 1, host: '127.0.0.1', port: 1 }] })).rejects.toBeInstanceOf(mtactor.ArgumentError)
    // @ts-expect-error: an unknown actors option
    await expect(mtactor.MtClient.connect({ apiId: 1, apiHash: 'x', actors: 'threads' })).rejects.toBeInstanceOf(mtactor.ArgumentError)
  })

  it('fails connect() with TimeoutError when the DC cannot be reached, leaving nothing behind', async () => {
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    await new Promise<void>((r) => server.close(() => r()))
    const before = process.getActiveResourcesInfo().length
    const err = await mtactor.MtClient.connect({
      apiId: 1,
      apiHash: 'x',
      dc: { dcId: 2, host: '127.0.0.1', port },
      actors: 'in-process',
      connectTimeoutMs: 100,
      reconnect: { minDelayMs: 10, maxDelayMs: 20 },
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(mtactor.TimeoutError)
    expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(before)
  })
})
