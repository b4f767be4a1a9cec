/**
 * Records test/tl/fixtures/rpc-result-config.json: `rpc_result { req_msg_id, result: gzip_packed(config) }`, the
 * way a DC answers help.getConfig (it gzips answers of this size). Run once with `tsx`; the output is committed
 * data, and test/tl/fixtures.test.ts checks it still decodes to the same config.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { serializeObject } from '../../../src/tl/index.js'
import { recordedConfig, recordedReqMsgId } from '../fixtures/config-answer.js'

const config = serializeObject(recordedConfig)
const packed = serializeObject({ _: 'gzip_packed', packedData: gzipSync(config, { level: 9 }) })
const rpc = serializeObject({ _: 'rpc_result', reqMsgId: recordedReqMsgId, result: { _: 'gzip_packed', packedData: gzipSync(config, { level: 9 }) } })
const out = {
  description: 'rpc_result answering help.getConfig: result is gzip_packed(config), Layer 228',
  req_msg_id: recordedReqMsgId.toString(),
  config_bytes: config.length,
  gzip_packed_bytes: packed.length,
  hex: Buffer.from(rpc).toString('hex'),
}
writeFileSync(join(import.meta.dirname, '..', 'fixtures', 'rpc-result-config.json'), `${JSON.stringify(out, null, 2)}\n`)
process.stderr.write(`recorded ${rpc.length} bytes\n`)
