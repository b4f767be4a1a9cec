/** The update hub's bounded buffer and its overflow policy (drop oldest, then an overflow marker), fan-out and end. */
import { describe, expect, it } from 'vitest'
import { UpdateHub } from '../../src/client/updates.js'
import type { Api } from '../../src/tl/index.js'

const u = (date: number): Api.updateShort => ({ _: 'updateShort', update: { _: 'updateConfig' }, date })

describe('UpdateHub', () => {
  it('keeps the newest `capacity` updates of a slow subscriber and reports how many it dropped', async () => {
    const hub = new UpdateHub(3)
    const it = hub.subscribe()
    for (let k = 0; k < 5; k++) hub.publish(u(k))
    expect((await it.next()).value).toEqual({ _: 'overflow', dropped: 2 })
    const dates: number[] = []
    for (let k = 0; k < 3; k++) {
      const r = await it.next()
      if (r.value?._ === 'updateShort') dates.push(r.value.date)
    }
    expect(dates).toEqual([2, 3, 4])
  })

  it('hands an update straight to a waiting reader, fans out to every subscriber, and ends them on close', async () => {
    const hub = new UpdateHub()
    const a = hub.subscribe()
    const b = hub.subscribe()
    const waiting = a.next()
    hub.publish(u(1))
    expect((await waiting).value).toEqual(u(1))
    expect((await b.next()).value).toEqual(u(1))
    await b.return?.()
    expect(hub.subscribers).toBe(1)
    const pending = a.next()
    hub.close()
    expect((await pending).done).toBe(true)
    expect((await hub.subscribe().next()).done).toBe(true)
  })

  it('stays bounded under a long burst (memory does not grow with the stream)', async () => {
    const hub = new UpdateHub(100)
    const it = hub.subscribe()
    for (let k = 0; k < 50_000; k++) hub.publish(u(k))
    const first = await it.next()
    expect(first.value).toEqual({ _: 'overflow', dropped: 49_900 })
    const next = await it.next()
    expect(next.value?._ === 'updateShort' && next.value.date).toBe(49_900)
  })
})
