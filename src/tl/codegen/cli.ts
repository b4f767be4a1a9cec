/**
 * The `npm run gen` command (scripts/gen.ts is a thin wrapper so tests can run it in-process): regenerate
 * `generated/` from `schema/`, or with `--check` generate into a temp dir and report every file that differs.
 *
 * Options: `--api FILE`, `--mtproto FILE`, `--tdesktop FILE`, `--out DIR`, `--runtime SPECIFIER` (import path of
 * src/tl/runtime/index.js as seen from a generated module file), `--check`.
 * Spec: https://core.telegram.org/mtproto/TL; conventions in ./generate.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative } from 'node:path'
import { generate } from './generate.js'

/** Outcome of one run: exit code and the message to print on stderr. */
export interface GenResult {
  readonly code: number
  readonly message: string
}

function listFiles(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), base) : [relative(base, join(dir, e.name))],
  )
}

/** Runs the generator with command-line `args`; `root` is the repository root (defaults are relative to it). */
export function runGen(args: readonly string[], root: string): GenResult {
  const opt = (name: string, def: string): string => {
    const i = args.indexOf(name)
    return (i >= 0 ? args[i + 1] : undefined) ?? def
  }
  const apiPath = opt('--api', join(root, 'schema/api.tl'))
  const mtPath = opt('--mtproto', join(root, 'schema/mtproto.tl'))
  const tdPath = opt('--tdesktop', join(root, 'schema/mtproto-tdesktop.tl'))
  const outDir = opt('--out', join(root, 'generated'))
  const display = (p: string): string => (p.startsWith(root) ? relative(root, p) : basename(p))
  const files = generate({
    apiText: readFileSync(apiPath, 'utf8'),
    apiFile: display(apiPath),
    mtprotoText: readFileSync(mtPath, 'utf8'),
    mtprotoFile: display(mtPath),
    tdesktopText: readFileSync(tdPath, 'utf8'),
    tdesktopFile: display(tdPath),
    runtimeImport: opt('--runtime', '../../src/tl/runtime/index.js'),
  })
  const writeAll = (dir: string): void => {
    for (const [rel, content] of files) {
      const p = join(dir, rel)
      mkdirSync(dirname(p), { recursive: true })
      writeFileSync(p, content)
    }
  }
  if (!args.includes('--check')) {
    rmSync(outDir, { recursive: true, force: true })
    writeAll(outDir)
    return { code: 0, message: `wrote ${files.size} files to ${display(outDir)}` }
  }
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
      const list = diff.map((d) => `  ${d}`).join('\n')
      return { code: 1, message: `${display(outDir)} is stale; run npm run gen. Differing files:\n${list}` }
    }
    return { code: 0, message: `${display(outDir)} is up to date (${fresh.size} files)` }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}
