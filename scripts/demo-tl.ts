/**
 * `npm run demo:tl`: the end-to-end TL demo (no network).
 *
 * 1. Builds the first request every client sends, invokeWithLayer(initConnection(help.getConfig)), serializes it
 *    into one exactly sized buffer and prints the hex and the readable form.
 * 2. Decodes a recorded DC answer (test/tl/fixtures/rpc-result-config.json: rpc_result whose result is a
 *    gzip_packed config) the way protocol code does: read the rpc_result header with TlReader, then read the result
 *    typed by the pending request, unwrapping gzip_packed transparently.
 *
 * Spec: https://core.telegram.org/mtproto/serialize, https://core.telegram.org/api/invoking#layers,
 * https://core.telegram.org/mtproto/service_messages (rpc_result).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Api, LAYER, TlReader, debugString, hexId, nameForId, readResult, serializeObject } from '../src/tl/index.js'

const root = join(import.meta.dirname, '..')

function hexDump(b: Uint8Array): string {
  const lines: string[] = []
  for (let i = 0; i < b.length; i += 16) {
    const row = Buffer.from(b.subarray(i, i + 16)).toString('hex').replace(/(..)/g, '$1 ').trim()
    lines.push(`  ${i.toString(16).padStart(4, '0')}  ${row}`)
  }
  return lines.join('\n')
}

// 1. the request
const request: Api.invokeWithLayer<Api.initConnection<Api.help.getConfig>> = {
  _: 'invokeWithLayer',
  layer: LAYER,
  query: {
    _: 'initConnection',
    apiId: 2040,
    deviceModel: 'mtactor demo',
    systemVersion: `Node.js ${process.versions.node}`,
    appVersion: '0.1.0',
    systemLangCode: 'en',
    langPack: '',
    langCode: 'en',
    query: { _: 'help.getConfig' },
  },
}
const bytes = serializeObject(request)
console.log(`== request: invokeWithLayer(initConnection(help.getConfig)), Layer ${LAYER}, ${bytes.length} bytes`)
console.log(hexDump(bytes))
console.log(debugString(request))

// 2. the recorded answer
const fixture = JSON.parse(readFileSync(join(root, 'test/tl/fixtures/rpc-result-config.json'), 'utf8')) as {
  description: string
  hex: string
}
const answer = new Uint8Array(Buffer.from(fixture.hex, 'hex'))
console.log(`\n== recorded answer: ${fixture.description}, ${answer.length} bytes`)
console.log(hexDump(answer.subarray(0, 64)))
console.log(`  ... (${answer.length - 64} more bytes)`)
const r = new TlReader(answer)
const id = r.uint()
const reqMsgId = r.long()
console.log(`header: ${nameForId(id)} (${hexId(id)}), req_msg_id ${reqMsgId}`)
const config = readResult(r, request) // typed as Api.Config: the wrappers resolve to help.getConfig's result
console.log(`result (gzip_packed unwrapped, ${r.pos} of ${answer.length} bytes consumed):`)
console.log(debugString(config))
if (config._ !== 'config') throw new Error(`unexpected answer ${config._}`)
console.log(`\nthis DC: ${config.thisDc}; ${config.dcOptions.length} DC options; message length max ${config.messageLengthMax}`)
