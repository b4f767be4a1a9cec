/**
 * Files on the loopback DCs: upload.getFile on the TEST_FILES locations (303 FILE_MIGRATE_X off the file's home DC,
 * Telegram's offset/limit rules on it), and upload.saveFilePart / upload.saveBigFilePart storing parts per user (or
 * per auth key when not logged in), bounded in memory, readable by tests through {@link UploadStore}.
 *
 * Spec: https://core.telegram.org/api/files (part sizes: at most 512 KiB, divisible by 1 KiB and dividing 512 KiB
 * except the last; at most 4000 parts; downloads: offset and limit divisible by 4 KiB and 1 MiB divisible by limit,
 * or with `precise` divisible by 1 KiB and limit at most 1 MiB; never across a 1 MiB boundary),
 * https://core.telegram.org/method/upload.getFile, https://core.telegram.org/method/upload.saveFilePart,
 * https://core.telegram.org/method/upload.saveBigFilePart.
 */
import { evictOldest } from '../protocol/mtp/server-keys.js'
import { RpcFailure } from '../protocol/mtp/server-errors.js'
import type { RpcContext, RpcRegistry } from '../protocol/mtp/server-rpc.js'
import type { Api } from '../tl/index.js'
import { fileByLocation } from './accounts.js'
import { type LoginState, loginKeyId } from './login.js'

const KIB = 1024
/** Downloads never cross a 1 MiB boundary, and `limit` is at most 1 MiB. */
export const DOWNLOAD_WINDOW = 1024 * KIB
/** Without `precise`, offset and limit are multiples of 4 KiB. */
const DOWNLOAD_ALIGN = 4 * KIB
/** With `precise`, multiples of 1 KiB. */
const PRECISE_ALIGN = KIB
/** Largest upload part (and every regular part size divides it). */
export const MAX_PART_SIZE = 512 * KIB
/** Regular part sizes are multiples of 1 KiB. */
const PART_ALIGN = KIB
/** Most parts of one upload (Telegram's limit for non-premium accounts). */
export const MAX_PARTS = 4000
/** Most uploaded bytes a DC keeps; the oldest files are forgotten beyond it (a test server, not storage). */
const MAX_STORED_BYTES = 256 * 1024 * KIB
/** Most uploads a DC tracks at once. */
const MAX_UPLOADS = 4096
/** The modification time every test file reports (a fixed date keeps answers deterministic). */
const FILE_MTIME = 1_700_000_000

/** One upload in progress (or finished) on a DC. */
export interface StoredUpload {
  readonly fileId: bigint
  /** Who uploaded: `user:<id>` when logged in, else `key:<auth key id>`. */
  readonly owner: string
  readonly parts: Map<number, Uint8Array>
  /** saveBigFilePart's file_total_parts, once seen. */
  totalParts: number | undefined
  /** The size of regular (non-last) parts, once one was seen. */
  partSize: number | undefined
  /** Whether the parts came through saveBigFilePart. */
  big: boolean
  bytes: number
}

/** Uploaded parts of one DC. */
export class UploadStore {
  readonly #uploads = new Map<string, StoredUpload>()
  #bytes = 0

  /** The upload of `fileId` (by `owner` when given, else the first match). */
  get(fileId: bigint, owner?: string): StoredUpload | undefined {
    if (owner !== undefined) return this.#uploads.get(`${owner}/${fileId}`)
    for (const u of this.#uploads.values()) if (u.fileId === fileId) return u
    return undefined
  }

  /** The bytes of a complete upload (parts 0..n-1 all present; n = totalParts for big files), else undefined. */
  assembled(fileId: bigint, owner?: string): Uint8Array | undefined {
    const u = this.get(fileId, owner)
    if (u === undefined) return undefined
    const n = u.totalParts ?? u.parts.size
    if (u.parts.size !== n) return undefined
    const out = new Uint8Array(u.bytes)
    let at = 0
    for (let i = 0; i < n; i++) {
      const p = u.parts.get(i)
      if (p === undefined) return undefined
      out.set(p, at)
      at += p.length
    }
    return out
  }

  /** Bytes held. */
  get storedBytes(): number {
    return this.#bytes
  }

  /**
   * Stores one part (a private copy); `upload` creates or finds the record. One upload may hold at most the DC's
   * whole budget: beyond it the part is refused with 500 LOOPBACK_STORAGE_FULL (a loopback-only error).
   */
  put(u: StoredUpload, part: number, bytes: Uint8Array): void {
    const old = u.parts.get(part)
    if (u.bytes - (old?.length ?? 0) + bytes.length > MAX_STORED_BYTES) throw new RpcFailure(500, 'LOOPBACK_STORAGE_FULL')
    if (old !== undefined) {
      u.bytes -= old.length
      this.#bytes -= old.length
    }
    u.parts.set(part, bytes.slice())
    u.bytes += bytes.length
    this.#bytes += bytes.length
    while (this.#bytes > MAX_STORED_BYTES && this.#uploads.size > 1) this.#evictOne(u)
  }

  /** The record for `owner`'s `fileId`, created when new. */
  upload(owner: string, fileId: bigint, big: boolean): StoredUpload {
    const k = `${owner}/${fileId}`
    let u = this.#uploads.get(k)
    if (u === undefined) {
      u = { fileId, owner, parts: new Map(), totalParts: undefined, partSize: undefined, big, bytes: 0 }
      this.#uploads.set(k, u)
      evictOldest(this.#uploads, MAX_UPLOADS, () => this.#recount())
    }
    return u
  }

  #evictOne(keep: StoredUpload): void {
    for (const [k, u] of this.#uploads) {
      if (u === keep) continue
      this.#uploads.delete(k)
      this.#bytes -= u.bytes
      return
    }
  }

  #recount(): void {
    let n = 0
    for (const u of this.#uploads.values()) n += u.bytes
    this.#bytes = n
  }
}

/** What the file handlers of one DC need. */
export interface FileHandlerOptions {
  readonly dcId: number
  readonly logins: LoginState
  readonly uploads: UploadStore
}

function bad(text: string): RpcFailure {
  return new RpcFailure(400, text)
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/** Checks a download request against Telegram's rules; returns the offset as a number. */
function checkRange(offset: bigint, limit: number, precise: boolean): number {
  const align = precise ? PRECISE_ALIGN : DOWNLOAD_ALIGN
  if (offset < 0n || offset > BigInt(Number.MAX_SAFE_INTEGER) || offset % BigInt(align) !== 0n) throw bad('OFFSET_INVALID')
  const off = Number(offset)
  if (!Number.isInteger(limit) || limit <= 0 || limit > DOWNLOAD_WINDOW || limit % align !== 0) throw bad('LIMIT_INVALID')
  if (!precise && DOWNLOAD_WINDOW % limit !== 0) throw bad('LIMIT_INVALID')
  if (Math.floor(off / DOWNLOAD_WINDOW) !== Math.floor((off + limit - 1) / DOWNLOAD_WINDOW)) throw bad('LIMIT_INVALID')
  return off
}

function ownerOf(o: FileHandlerOptions, ctx: RpcContext): string {
  const user = o.logins.userOf(ctx.key)
  return user === undefined ? `key:${loginKeyId(ctx.key)}` : `user:${user}`
}

/** Whether a part size is a regular one (every part but the last must be). */
function regularPartSize(n: number): boolean {
  return n % PART_ALIGN === 0 && MAX_PART_SIZE % n === 0
}

/** Common checks of both part methods. */
function checkPart(part: number, bytes: Uint8Array): void {
  if (!Number.isInteger(part) || part < 0 || part >= MAX_PARTS) throw bad('FILE_PART_INVALID')
  if (bytes.length === 0) throw bad('FILE_PART_EMPTY')
  if (bytes.length > MAX_PART_SIZE) throw bad('FILE_PART_TOO_BIG')
}

/** Registers upload.getFile, upload.saveFilePart and upload.saveBigFilePart on one DC. */
export function registerFileHandlers(rpc: RpcRegistry, o: FileHandlerOptions): void {
  rpc.register('upload.getFile', (req, ctx) => {
    const r = req as Api.upload.getFile
    const file = fileByLocation(r.location)
    if (file === undefined) throw bad(r.location._ === 'inputDocumentFileLocation' ? 'FILE_ID_INVALID' : 'LOCATION_INVALID')
    const loc = r.location as Api.inputDocumentFileLocation
    const want = file.location as Api.inputDocumentFileLocation
    if (loc.accessHash !== want.accessHash) throw bad('FILE_ID_INVALID')
    if (!sameBytes(loc.fileReference, want.fileReference)) throw bad('FILE_REFERENCE_EXPIRED')
    if (file.homeDc !== o.dcId) throw new RpcFailure(303, `FILE_MIGRATE_${file.homeDc}`)
    const offset = checkRange(r.offset, r.limit, r.precise === true)
    ctx.count(`upload.getFile:${loc.id}:${offset}`)
    const bytes = file.bytes(offset, r.limit)
    const whole = offset === 0 && bytes.length === file.size
    const out: Api.upload.file = { _: 'upload.file', type: { _: whole ? 'storage.fileUnknown' : 'storage.filePartial' }, mtime: FILE_MTIME, bytes }
    return out
  })

  rpc.register('upload.saveFilePart', (req, ctx) => {
    const r = req as Api.upload.saveFilePart
    checkPart(r.filePart, r.bytes)
    const u = o.uploads.upload(ownerOf(o, ctx), r.fileId, false)
    if (regularPartSize(r.bytes.length)) {
      if (u.partSize !== undefined && u.partSize !== r.bytes.length) throw bad('FILE_PART_SIZE_CHANGED')
      u.partSize = r.bytes.length
    } else if (u.partSize !== undefined && r.bytes.length > u.partSize) {
      // Only the last part may be irregular, and it is never larger than the regular ones.
      throw bad('FILE_PART_SIZE_INVALID')
    }
    o.uploads.put(u, r.filePart, r.bytes)
    ctx.count(`upload.saveFilePart:${r.fileId}:${r.filePart}`)
    return true
  })

  rpc.register('upload.saveBigFilePart', (req, ctx) => {
    const r = req as Api.upload.saveBigFilePart
    if (!Number.isInteger(r.fileTotalParts) || r.fileTotalParts < 1 || r.fileTotalParts > MAX_PARTS) throw bad('FILE_PARTS_INVALID')
    checkPart(r.filePart, r.bytes)
    if (r.filePart >= r.fileTotalParts) throw bad('FILE_PART_INVALID')
    const u = o.uploads.upload(ownerOf(o, ctx), r.fileId, true)
    if (u.totalParts !== undefined && u.totalParts !== r.fileTotalParts) throw bad('FILE_PARTS_INVALID')
    const last = r.filePart === r.fileTotalParts - 1
    if (!last && !regularPartSize(r.bytes.length)) throw bad('FILE_PART_SIZE_INVALID')
    if (!last) {
      if (u.partSize !== undefined && u.partSize !== r.bytes.length) throw bad('FILE_PART_SIZE_CHANGED')
      u.partSize = r.bytes.length
    } else if (u.partSize !== undefined && r.bytes.length > u.partSize) {
      throw bad('FILE_PART_SIZE_INVALID')
    }
    u.totalParts = r.fileTotalParts
    o.uploads.put(u, r.filePart, r.bytes)
    ctx.count(`upload.saveBigFilePart:${r.fileId}:${r.filePart}`)
    return true
  })
}
