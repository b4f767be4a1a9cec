/** scripts/build-native.mjs runs as the package `install` script: it must never fail the install. */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const script = join(import.meta.dirname, '../../scripts/build-native.mjs')

function run(env: Record<string, string>): { status: number | null; stderr: string } {
  const res = spawnSync(process.execPath, [script], { env: { ...process.env, ...env }, encoding: 'utf8' })
  return { status: res.status, stderr: res.stderr }
}

describe('build-native install script', () => {
  it('exits 0 with a note when the compiler is missing', () => {
    const r = run({ CC: '/nonexistent/cc', MTACTOR_NO_NATIVE: '' })
    expect(r.status).toBe(0)
    expect(r.stderr).toMatch(/portable AES path|no AES-NI addon|no native build recipe/)
  })

  it('exits 0 and skips when MTACTOR_NO_NATIVE=1', () => {
    const r = run({ MTACTOR_NO_NATIVE: '1' })
    expect(r.status).toBe(0)
    expect(r.stderr).toContain('skipping')
  })
})
