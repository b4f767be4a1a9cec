/**
 * Layer update procedure: regenerate from Layer 224 with `gen --api FILE --out DIR` (in-process) into a temp dir
 * and typecheck the result with tsc; `--check` reports stale output with a non-zero exit and the file list.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runGen } from '../../../src/tl/codegen/cli.js'

const root = join(import.meta.dirname, '..', '..', '..')
const tmp = mkdtempSync(join(tmpdir(), 'mtactor-layer224-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(join(root, 'node_modules', '.bin', cmd), args, { cwd: tmp, encoding: 'utf8', timeout: 40_000 })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

describe('scripts/gen.ts', () => {
  it('regenerates from Layer 224 and the result typechecks', () => {
    // generated modules import ../../src/tl/runtime/index.js: give the temp dir the repo's src and node_modules
    symlinkSync(join(root, 'src'), join(tmp, 'src'))
    symlinkSync(join(root, 'node_modules'), join(tmp, 'node_modules'))
    writeFileSync(join(tmp, 'package.json'), JSON.stringify({ type: 'module' }))
    const out = join(tmp, 'generated')
    const gen = runGen(['--api', join(root, 'test/fixtures/api-layer224.tl'), '--out', out], root)
    expect(gen.code, gen.message).toBe(0)
    const index = readFileSync(join(out, 'api/index.ts'), 'utf8')
    expect(index).toContain('export const LAYER = 224')
    expect(index).toContain('do not edit')
    writeFileSync(
      join(tmp, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
          strict: true,
          noUncheckedIndexedAccess: true,
          verbatimModuleSyntax: true,
          skipLibCheck: true,
          noEmit: true,
        },
        include: ['generated/**/*.ts'],
      }),
    )
    const tsc = run('tsc', ['-p', join(tmp, 'tsconfig.json')])
    expect(tsc.status, tsc.out).toBe(0)

    // the committed generated/ is Layer 228, so checking the 224 output against it must fail and list files
    const check = runGen(['--check', '--out', out], root)
    expect(check.code).not.toBe(0)
    expect(check.message).toContain('api/types.ts')
    expect(check.message).not.toContain('mtproto/types.ts')
    // and the committed tree is fresh (the same check `npm test` runs as a phase)
    expect(runGen(['--check'], root)).toEqual({ code: 0, message: expect.stringContaining('up to date') })
  })
})
