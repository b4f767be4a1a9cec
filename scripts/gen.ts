/**
 * `npm run gen`: regenerates `generated/` from `schema/` (the whole layer-update procedure is: replace
 * schema/api.tl, run this). `--check` generates into a temp dir and exits non-zero listing every file that differs.
 * Other options: `--api FILE`, `--mtproto FILE`, `--tdesktop FILE`, `--out DIR`, `--runtime SPECIFIER`.
 * Implementation: src/tl/codegen/cli.ts. Spec: https://core.telegram.org/mtproto/TL
 */
import { join } from 'node:path'
import { runGen } from '../src/tl/codegen/cli.js'

const res = runGen(process.argv.slice(2), join(import.meta.dirname, '..'))
process.stderr.write(`${res.message}\n`)
process.exit(res.code)
