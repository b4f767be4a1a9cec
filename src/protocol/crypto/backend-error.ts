/**
 * The typed error for a crypto backend that was explicitly requested but cannot run here (no AES-NI addon, no
 * WebAssembly). `'auto'` selection never throws it: it falls back instead.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector (the cipher the
 * backends implement).
 */
import { MtError, registerError } from '../../errors.js'

/** A specific IGE backend was required (`ige: 'native'` or `'wasm'`) but is not usable here. */
export class NativeUnavailableError extends MtError {
  override readonly kind: string = 'NativeUnavailableError'

  constructor(
    /** Why the backend was rejected (each candidate addon's problem, or the WebAssembly failure). */
    readonly reason: string,
  ) {
    super(`IGE backend unavailable: ${reason}`)
  }

  override fields(): Record<string, string> {
    return { reason: this.reason }
  }
}
registerError('NativeUnavailableError', (_m, f) => new NativeUnavailableError(String(f.reason)))
