import { describe, expect, it } from 'vitest'
import { FaultPlan } from '../../src/testing/faults.js'

describe('FaultPlan', () => {
  it('fires at the Nth request, every Nth, always, within a budget and per method', () => {
    const plan = new FaultPlan()
    plan.add({ fault: { kind: 'duplicate' }, schedule: { at: 3 } })
    plan.add({ fault: { kind: 'reorder' }, schedule: { every: 2 }, times: 2 })
    const stop = plan.add({ fault: { kind: 'delay', ms: 5 }, schedule: { always: true }, method: 'ping' })
    const kinds = (m: string): string[] => plan.onRequest(m).map((f) => f.kind)
    expect(kinds('a')).toEqual([])
    expect(kinds('a')).toEqual(['reorder'])
    expect(kinds('ping')).toEqual(['duplicate', 'delay'])
    expect(kinds('a')).toEqual(['reorder'])
    expect(kinds('a')).toEqual([])
    expect(kinds('a')).toEqual([])
    stop()
    expect(kinds('ping')).toEqual([])
    expect(plan.requests).toBe(7)
    plan.clear()
    expect(plan.requests).toBe(0)
  })
})
