/**
 * `npm run gen`: regenerates `generated/` from `schema/` (the whole layer-update procedure is: replace
 * schema/api.tl, run this). `--check` generates into a temp dir and exits non-zero listing every file that differs
 * from the committed one. Options: `--api FILE`, `--mtproto FILE`, `--tdesktop FILE`, `--out DIR`,
 * `--runtime SPECIFIER` (import path of src/tl/runtime/index.js as seen from a generated module file).
 *
 * Spec: https://core.telegram.org/mtproto/TL; conventions in src/tl/codegen/generate.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative } from 'node:path'
import { generate } from '../src/tl/codegen/generate.js'

const root = join(import.meta.dirname, '..')
const args = process.argv.slice(2)
function opt(name: string, def: string): string {
  const i = args.indexOf(name)
  const v = i >= 0 ? args[i + 1] : undefined
  return v ?? def
}
const check = args.includes('--check')
const apiPath = opt('--api', join(root, 'schema/api.tl'))
const mtPath = opt('--mtproto', join(root, 'schema/mtproto.tl'))
const tdPath = opt('--tdesktop', join(root, 'schema/mtproto-tdesktop.tl'))
const outDir = opt('--out', join(root, 'generated'))
const runtimeImport = opt('--runtime', '../../src/tl/runtime/index.js')

const display = (p: string): string => (p.startsWith(root) ? relative(root, p) : basename(p))
const files = generate({
  apiText: readFileSync(apiPath, 'utf8'),
  apiFile: display(apiPath),
  mtprotoText: readFileSync(mtPath, 'utf8'),
  mtprotoFile: display(mtPath),
  tdesktopText: readFileSync(tdPath, 'utf8'),
  tdesktopFile: display(tdPath),
  runtimeImport,
})

function writeAll(dir: string): void {
  for (const [rel, content] of files) {
    const p = join(dir, rel)
    mkdirSync(dirname(p), { recursive: true })
    writeFileSync(p, content)
  }
}

function listFiles(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), base) : [relative(base, join(dir, e.name))],
  )
}

if (check) {
  const tmp = mkdtempSync(join(tmpdir(), 'mtactor-gen-'))
  try {
    writeAll(tmp)
    const fresh = new Set(listFiles(tmp))
    const committed = new Set(listFiles(outDir))
    const diff: string[] = []
    for (const f of fresh) {
      if (!committed.has(f) || readFileSync(join(tmp, f), 'utf8') !== readFileSync(join(outDir, f), 'utf8')) diff.push(f)
    }
    for (const f of committed) if (!fresh.has(f)) diff.push(`${f} (not generated any more)`)
    if (diff.length > 0) {
      process.stderr.write(`generated/ is stale; run npm run gen. Differing files:\n${diff.map((d) => `  ${d}\n`).join('')}`)
      process.exit(1)
    }
    process.stderr.write(`generated/ is up to date (${fresh.size} files)\n`)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
} else {
  rmSync(outDir, { recursive: true, force: true })
  writeAll(outDir)
  process.stderr.write(`wrote ${files.size} files to ${display(outDir)}\n`)
}
