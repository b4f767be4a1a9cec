import { describe, expect, it } from 'vitest'
import { registry } from '../../src/tl/runtime/registry.js'

describe('connection driver module weight', () => {
  it('loads only the service schema until a typed call needs the API codec', async () => {
    await import('../../src/actors/connection.js')
    expect(registry.writers.has('ping')).toBe(true)
    expect(registry.writers.has('users.getUsers')).toBe(false)
  })
})
