/**
 * AES-256-IGE through the committed WebAssembly module (native/wasm/aes_ige.c, built by scripts/build-wasm.mjs):
 * the portable path wherever the AES-NI addon is absent. Pure WASM, no imports, runs on every Node.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector
 *
 * Messages pass through a fixed window of the module's memory in chunks of {@link WINDOW} bytes; the module
 * leaves the IGE chaining state in its iv slot after each chunk, so any length is handled with bounded memory and
 * `data`/`out` may alias in any way (each chunk is copied in before its result is copied out).
 * The module is compiled lazily on first use (~13 KB, about a millisecond).
 */
import { NativeUnavailableError } from './backend-error.js'
import { checkIge, resolveOut } from './check.js'
import { IGE_WASM_BASE64 } from './ige-wasm-binary.js'

/** Window size: large enough that per-chunk call and key-expansion costs vanish (<0.1%), small enough to stay in L2. */
const WINDOW = 256 * 1024
/** 64 KiB WASM memory pages. */
const PAGE = 65536

interface IgeModule {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number }
  io_base(): number
  ige_encrypt(data: number, len: number, key: number, iv: number): void
  ige_decrypt(data: number, len: number, key: number, iv: number): void
}

/** The slice of the WebAssembly JS API used here (the project's TS lib set has no DOM/WebAssembly typings). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> }
}

interface Loaded {
  readonly mod: IgeModule
  /** A view of the whole memory, made once: the memory never grows after load(). */
  readonly mem: Uint8Array
  readonly key: number
  readonly iv: number
  readonly data: number
}

let loaded: Loaded | undefined

function isIgeModule(e: Record<string, unknown>): boolean {
  return (
    typeof e.io_base === 'function' &&
    typeof e.ige_encrypt === 'function' &&
    typeof e.ige_decrypt === 'function' &&
    typeof e.memory === 'object' &&
    e.memory !== null
  )
}

function instantiate(): IgeModule {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly
  if (!api) throw new NativeUnavailableError('this runtime has no WebAssembly')
  let exports: Record<string, unknown>
  try {
    const bytes = new Uint8Array(Buffer.from(IGE_WASM_BASE64, 'base64'))
    exports = new api.Instance(new api.Module(bytes), {}).exports
  } catch (err) {
    throw new NativeUnavailableError(`WebAssembly rejected the IGE module: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (!isIgeModule(exports)) throw new NativeUnavailableError('the embedded IGE WASM module has unexpected exports')
  return exports as unknown as IgeModule
}

/** Compiles the module once per thread; throws {@link NativeUnavailableError} where WebAssembly cannot run it. */
function load(): Loaded {
  if (loaded) return loaded
  const mod = instantiate()
  const base = mod.io_base()
  const need = base + 64 + WINDOW
  const have = mod.memory.buffer.byteLength
  if (have < need) mod.memory.grow(Math.ceil((need - have) / PAGE))
  loaded = { mod, mem: new Uint8Array(mod.memory.buffer), key: base, iv: base + 32, data: base + 64 }
  return loaded
}

/** True when the embedded module compiles and instantiates here (false e.g. under `node --jitless`). Never throws. */
export function wasmIgeAvailable(): boolean {
  try {
    load()
    return true
  } catch {
    return false
  }
}

function run(decrypt: boolean, data: Uint8Array, key: Uint8Array, iv: Uint8Array, out?: Uint8Array): Uint8Array {
  checkIge(data, key, iv)
  const dst = resolveOut(data, out)
  const w = loaded ?? load()
  const mem = w.mem
  mem.set(key, w.key)
  mem.set(iv, w.iv)
  const fn = decrypt ? w.mod.ige_decrypt : w.mod.ige_encrypt
  const len = data.length
  if (len <= WINDOW) {
    // One window: no per-chunk views (this is every ordinary MTProto message).
    mem.set(data, w.data)
    fn(w.data, len, w.key, w.iv)
    dst.set(mem.subarray(w.data, w.data + len))
  } else {
    for (let off = 0; off < len; off += WINDOW) {
      const n = Math.min(WINDOW, len - off)
      mem.set(data.subarray(off, off + n), w.data)
      fn(w.data, n, w.key, w.iv)
      dst.set(mem.subarray(w.data, w.data + n), off)
    }
  }
  // Key material does not linger in the module's memory between calls.
  mem.fill(0, w.key, w.data)
  return dst
}

/**
 * AES-256-IGE encryption in WebAssembly. `out` may be `data` (in place). Bad sizes throw `ArgumentError`; a runtime
 * without WebAssembly throws `NativeUnavailableError` (check {@link wasmIgeAvailable} first).
 */
export function wasmIgeEncrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array, out?: Uint8Array): Uint8Array {
  return run(false, data, key, iv, out)
}

/** AES-256-IGE decryption in WebAssembly; same contract as {@link wasmIgeEncrypt}. */
export function wasmIgeDecrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array, out?: Uint8Array): Uint8Array {
  return run(true, data, key, iv, out)
}
