/**
 * Loads the committed schemas into codegen models (the same view the generator had), for tests that walk every
 * constructor. Test helper, not a test.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { serviceDecls } from '../../../src/tl/codegen/generate.js'
import { type Model, buildModel } from '../../../src/tl/codegen/model.js'
import { parseSchema } from '../../../src/tl/parser/parse.js'

const root = join(import.meta.dirname, '..', '..', '..')

/** Reads a file relative to the repository root. */
export function repoFile(rel: string): string {
  return readFileSync(join(root, rel), 'utf8')
}

/** The API model (schema/api.tl). */
export function apiModel(): Model {
  const s = parseSchema(repoFile('schema/api.tl'), 'schema/api.tl')
  return buildModel('Api', s.layer, s.decls, 'schema/api.tl')
}

/** The service model (schema/mtproto.tl plus the legacy tdesktop entries). */
export function mtModel(): Model {
  const svc = serviceDecls({
    apiText: '',
    apiFile: '',
    mtprotoText: repoFile('schema/mtproto.tl'),
    mtprotoFile: 'schema/mtproto.tl',
    tdesktopText: repoFile('schema/mtproto-tdesktop.tl'),
    tdesktopFile: 'schema/mtproto-tdesktop.tl',
    runtimeImport: '',
  })
  return buildModel('Mt', undefined, svc.decls, 'schema/mtproto.tl')
}
