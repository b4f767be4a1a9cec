/**
 * Runtime of the generated TL code: reader, writer, size helpers and the constructor registry.
 * Spec: https://core.telegram.org/mtproto/serialize
 */
export {
  DEFAULT_MAX_GZIP_OUTPUT,
  ID_BOOL_FALSE,
  ID_BOOL_TRUE,
  ID_GZIP_PACKED,
  ID_VECTOR,
  MAX_DEPTH,
  TlReader,
  type TlReaderOptions,
} from './reader.js'
export {
  type ReadFn,
  type SizeFn,
  type TlModuleTables,
  type TlObject,
  type TlValue,
  type WriteFn,
  nameForId,
  registerTlModule,
  registry,
} from './registry.js'
export {
  TlWriter,
  badField,
  sizeBytes,
  sizeBytesLen,
  sizeObject,
  sizeString,
  sizeVecBytes,
  sizeVecObject,
  sizeVecString,
  utf8Length,
} from './writer.js'
