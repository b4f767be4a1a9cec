import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

describe('npm start (scripts/demo.ts)', () => {
  it('runs the MtClient job on the loopback cluster end to end and reports every check passing', () => {
    const res = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'scripts', 'demo.ts')], { encoding: 'utf8', timeout: 60_000 })
    expect(res.status).toBe(0)
    expect(res.stdout).toContain('logged in after USER_MIGRATE_4')
    expect(res.stdout).toContain('through auth.exportAuthorization/importAuthorization')
    expect(res.stdout).toContain('executed exactly once: 3000/3000')
    expect(res.stdout).toContain('all good')
    expect(res.stdout.match(/^ {2}ok {3}/gm)?.length).toBe(8)
    expect(res.stdout).not.toContain('FAIL')
  }, 70_000)
})
