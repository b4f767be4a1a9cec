import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

describe('npm start (scripts/demo.ts)', () => {
  it('runs the loopback-cluster job end to end and reports every check passing', () => {
    const res = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'scripts', 'demo.ts')], { encoding: 'utf8', timeout: 60_000 })
    expect(res.status).toBe(0)
    expect(res.stdout).toContain('executed exactly once: 5000/5000')
    expect(res.stdout).toContain('all good')
    expect(res.stdout.match(/^ {2}ok {3}/gm)?.length).toBe(5)
  }, 70_000)
})
