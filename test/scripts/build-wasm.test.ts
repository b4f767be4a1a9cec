/**
 * The committed WASM bytes (src/protocol/crypto/ige-wasm-binary.ts) must be exactly what scripts/build-wasm.mjs
 * produces from native/wasm/aes_ige.c. Checked whenever the recorded clang is present; reported as skipped
 * (by the script, in its JSON) otherwise.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

describe('build-wasm --check', () => {
  it('rebuilds byte-identical WASM, or says why it could not', () => {
    const script = join(import.meta.dirname, '../../scripts/build-wasm.mjs')
    const res = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' })
    const report = JSON.parse(res.stdout.trim()) as { status: string; reason?: string }
    expect(['match', 'skipped']).toContain(report.status)
    expect(res.status).toBe(0)
    if (report.status === 'skipped') expect(report.reason).toBeTruthy()
  })
})
