import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}
const deps = readFileSync(join(root, 'DEPS.md'), 'utf8')
const documented = new Set<string>()
for (const m of deps.matchAll(/^### (.+)$/gm)) {
  for (const name of (m[1] ?? '').split(',')) documented.add(name.replace(/\(.*\)/, '').trim())
}

describe('DEPS.md', () => {
  const all = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]
  it.each(all)('explains %s', (name) => {
    expect(documented.has(name)).toBe(true)
  })
  it('lists nothing that package.json lacks', () => {
    for (const name of documented) expect(all).toContain(name)
  })
})
