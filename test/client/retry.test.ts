/** Retry helpers: the per-method FLOOD_WAIT memory, the abortable sleep, what counts as retryable I/O, the error. */
import { describe, expect, it } from 'vitest'
import { FloodMemory, FloodWaitError, isRetryableIo, realSleep } from '../../src/client/retry.js'
import { CancelledError, deserializeError, NetworkError, serializeError } from '../../src/errors.js'
import { RpcError } from '../../src/protocol/rpc-error.js'

describe('retry helpers', () => {
  it('remembers a FLOOD_WAIT window per method and forgets it once passed', () => {
    const m = new FloodMemory()
    m.note('messages.sendMessage', 10, 1000)
    expect(m.remaining('messages.sendMessage', 4000)).toBe(7000)
    expect(m.remaining('users.getUsers', 4000)).toBe(0)
    m.note('messages.sendMessage', 1, 4000)
    expect(m.remaining('messages.sendMessage', 4000)).toBe(7000)
    expect(m.remaining('messages.sendMessage', 11_000)).toBe(0)
    m.note('a', 5, 0)
    m.clear('a')
    expect(m.remaining('a', 0)).toBe(0)
  })

  it('sleeps, and an abort cuts the sleep short without leaving a timer', async () => {
    await realSleep(1)
    const ac = new AbortController()
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const p = realSleep(60_000, ac.signal)
    ac.abort()
    await expect(p).rejects.toBeInstanceOf(CancelledError)
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before)
    await expect(realSleep(10, AbortSignal.abort())).rejects.toBeInstanceOf(CancelledError)
  })

  it('retries network failures and internal server errors, nothing else', () => {
    expect(isRetryableIo(new NetworkError('closed', 'x'))).toBe(true)
    expect(isRetryableIo(new RpcError(500, 'INTERNAL'))).toBe(true)
    expect(isRetryableIo(new RpcError(500, 'RPC_CALL_FAIL'))).toBe(true)
    expect(isRetryableIo(new RpcError(400, 'PEER_ID_INVALID'))).toBe(false)
    expect(isRetryableIo(new RpcError(420, 'FLOOD_WAIT_3'))).toBe(false)
    expect(isRetryableIo(new CancelledError())).toBe(false)
  })

  it('FloodWaitError crosses threads as itself', () => {
    const e = deserializeError(serializeError(new FloodWaitError('users.getUsers', 42)))
    expect(e).toBeInstanceOf(FloodWaitError)
    expect((e as FloodWaitError).seconds).toBe(42)
    expect((e as FloodWaitError).method).toBe('users.getUsers')
  })
})
