import { describe, expect, it } from 'vitest'
import { TlError, TlSchemaError } from '../../../src/tl/errors.js'
import { parseSchema } from '../../../src/tl/parser/parse.js'
import { repoFile } from '../helpers/schema-model.js'

const SNIPPET = `
// a comment line
boolFalse#bc799737 = Bool;
int ? = Int;
vector#1cb5c415 {t:Type} # [ t ] = Vector t;
inputPeerUser#dde8a54c user_id:long access_hash:long = InputPeer; // trailing comment
storage.fileJpeg#7efe0e = storage.FileType;
user#1 flags:# self:flags.10?true flags2:# closed:flags2.3?true name:flags.1?string ids:Vector<long> = User;
future_salt#0949d9dc valid_since:int valid_until:int salt:long = FutureSalt;
future_salts#ae500895 req_msg_id:long now:int salts:vector<future_salt> = FutureSalts;
message msg_id:long seqno:int bytes:int body:Object = Message;
msg_container#73f1f8dc messages:vector<%Message> = MessageContainer;
tlsBlockString data:string = TlsBlock;
---functions---
invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X;
contacts.getContactIDs#7adc669d hash:long = Vector<int>;
k#2 a:int128 b:int256 c:bytes d:double e:Bool = Bool;
---types---
late#3 = Late;
// LAYER 228
`

describe('parseSchema', () => {
  const s = parseSchema(SNIPPET, 'snippet.tl')
  const byName = new Map(s.decls.map((d) => [d.name, d]))

  it('reads the LAYER line, sections and skips built-ins and unused id-less lines', () => {
    expect(s.layer).toBe(228)
    expect(byName.has('int')).toBe(false)
    expect(byName.has('vector')).toBe(false)
    expect(byName.has('tlsBlockString')).toBe(false)
    expect(byName.get('invokeWithLayer')?.kind).toBe('method')
    expect(byName.get('late')?.kind).toBe('ctor')
    expect(byName.get('inputPeerUser')?.kind).toBe('ctor')
  })

  it('parses ids as hex without zero padding', () => {
    expect(byName.get('storage.fileJpeg')?.id).toBe(0x007efe0e)
    expect(byName.get('future_salt')?.id).toBe(0x0949d9dc)
    expect(byName.get('boolFalse')?.id).toBe(0xbc799737)
  })

  it('parses flags, flags2, conditional true and conditional types', () => {
    const u = byName.get('user')
    expect(u?.params.map((p) => [p.name, p.isFlags, p.cond?.field, p.cond?.bit])).toEqual([
      ['flags', true, undefined, undefined],
      ['self', false, 'flags', 10],
      ['flags2', true, undefined, undefined],
      ['closed', false, 'flags2', 3],
      ['name', false, 'flags', 1],
      ['ids', false, undefined, undefined],
    ])
    expect(u?.params[1]?.type).toEqual({ kind: 'prim', name: 'true' })
    expect(u?.params[5]?.type).toEqual({ kind: 'vector', boxed: true, elem: { kind: 'prim', name: 'long' } })
  })

  it('parses bare vectors, lowercase bare types, %T and Object', () => {
    expect(byName.get('future_salts')?.params[2]?.type).toEqual({
      kind: 'vector',
      boxed: false,
      elem: { kind: 'bare', ref: 'future_salt', viaPercent: false },
    })
    expect(byName.get('msg_container')?.params[0]?.type).toEqual({
      kind: 'vector',
      boxed: false,
      elem: { kind: 'bare', ref: 'Message', viaPercent: true },
    })
    const msg = byName.get('message')
    expect(msg?.hasId).toBe(false)
    expect(msg?.params[3]?.type).toEqual({ kind: 'any' })
  })

  it('parses generics, !X and vector results', () => {
    const inv = byName.get('invokeWithLayer')
    expect(inv?.generics).toEqual(['X'])
    expect(inv?.params[1]?.type).toEqual({ kind: 'generic', name: 'X' })
    expect(inv?.result).toEqual({ kind: 'generic', name: 'X' })
    expect(byName.get('contacts.getContactIDs')?.result).toEqual({
      kind: 'vector',
      boxed: true,
      elem: { kind: 'prim', name: 'int' },
    })
    expect(byName.get('k')?.params.map((p) => p.type)).toEqual([
      { kind: 'prim', name: 'int128' },
      { kind: 'prim', name: 'int256' },
      { kind: 'prim', name: 'bytes' },
      { kind: 'prim', name: 'double' },
      { kind: 'prim', name: 'Bool' },
    ])
  })

  it.each([
    ['missing semicolon', 'a#1 x:int = A', 1],
    ['no result', 'a#1 x:int;', 1],
    ['bad id', 'a#xyz x:int = A;', 1],
    ['unknown flags field', 'a#1 x:flags.0?int = A;', 1],
    ['bit out of range', 'a#1 flags:# x:flags.32?int = A;', 1],
    ['bare true', 'a#1 x:true = A;', 1],
    ['unknown generic', '---functions---\na#1 q:!X = X;', 2],
    ['bad section', 'b#2 = B;\n---other---', 2],
    ['duplicate name', 'a#1 = A;\na#2 = A;', 2],
    ['bad param', 'a#1 x = A;', 1],
    ['bad type', 'a#1 x:Vec<int = A;', 1],
  ])('rejects %s with a typed error naming the line', (_name, text, line) => {
    let err: unknown
    try {
      parseSchema(text, 'bad.tl')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(TlSchemaError)
    expect(err).toBeInstanceOf(TlError)
    expect((err as TlSchemaError).line).toBe(line)
    expect((err as TlSchemaError).message).toContain(`bad.tl:${line}:`)
  })

  it('parses the three committed schema files', () => {
    const api = parseSchema(repoFile('schema/api.tl'), 'api.tl')
    expect(api.layer).toBe(228)
    // 1643 constructors + 806 functions with ids, minus the built-in vector line.
    expect(api.decls.length).toBe(1643 + 806 - 1)
    const mt = parseSchema(repoFile('schema/mtproto.tl'), 'mtproto.tl')
    expect(mt.decls.length).toBe(37 + 9 + 1)
    const td = parseSchema(repoFile('schema/mtproto-tdesktop.tl'), 'mtproto-tdesktop.tl')
    expect(td.decls.length).toBe(40 + 10)
    expect(td.decls.find((d) => d.name === 'req_pq')?.kind).toBe('method')
    expect(td.decls.find((d) => d.name === 'p_q_inner_data')?.id).toBe(0x83c95aec)
    const l224 = parseSchema(repoFile('test/fixtures/api-layer224.tl'), 'api-layer224.tl')
    expect(l224.layer).toBe(224)
  })
})
