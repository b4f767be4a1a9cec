import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCliArgs } from '../../src/testing/cli.js'

const root = join(import.meta.dirname, '..', '..')

describe('mtactor-cluster CLI', () => {
  it('parses its options and rejects malformed ones with ArgumentError', () => {
    expect(parseCliArgs(['--dcs', '3', '--port', '20000'])).toEqual({ dcs: 3, basePort: 20000 })
    expect(parseCliArgs(['--no-login-required'])).toEqual({ loginRequired: false })
    expect(() => parseCliArgs(['--no-login-required=yes'])).toThrow()
    expect(() => parseCliArgs(['--dcs', 'x'])).toThrow(/--dcs/)
    expect(() => parseCliArgs(['--dcs', '0'])).toThrow(/--dcs/)
    expect(() => parseCliArgs(['--bogus'])).toThrow()
    expect(() => parseCliArgs(['--rsa-key', '/nonexistent/key.pem'])).toThrow(/rsa-key/)
    expect(() => parseCliArgs(['--host', '0.0.0.0'])).toThrow(/host/)
  })

  it('prints the DC table and the public key of --rsa-key, serves, and exits 0 on SIGTERM', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const dir = mkdtempSync(join(tmpdir(), 'mtactor-cli-'))
    const file = join(dir, 'key.pem')
    writeFileSync(file, privateKey.export({ type: 'pkcs1', format: 'pem' }))
    const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'src', 'testing', 'cli.ts'), '--dcs', '2', '--rsa-key', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no banner: ${out}`)), 8000)
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          if (out.includes('ready\n')) {
            clearTimeout(t)
            resolve()
          }
        })
      })
      const table = [...out.matchAll(/^dc (\d+) 127\.0\.0\.1:(\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])])
      expect(table.map((r) => r[0])).toEqual([1, 2])
      expect([...out.matchAll(/^dc-media (\d+) 127\.0\.0\.1:\d+$/gm)].map((m) => Number(m[1]))).toEqual([1, 2])
      // The test bots and phones of the DCs that exist, ready to paste.
      expect(out).toContain('bot 1 5000000001:loopback-dc1 @loopback_dc1_bot\n')
      expect(out).toContain('bot 2 5000000002:loopback-dc2 @loopback_dc2_bot\n')
      expect(out).not.toContain('loopback-dc3')
      expect(out).toContain('phone 2 9996620001 code 22222\n')
      expect(out).toContain('login-required yes\n')
      expect(out).toContain(publicKey.export({ type: 'pkcs1', format: 'pem' }).toString().trim())
      const port = table[0]?.[1] ?? 0
      await new Promise<void>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port }, () => {
          s.destroy()
          resolve()
        })
        s.on('error', reject)
      })
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    } finally {
      child.kill('SIGKILL')
    }
  }, 15_000)
})
