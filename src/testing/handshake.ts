/**
 * The cluster's key exchange and PFS binding: the auth branch's sans-IO ServerHandshake behind the engine's
 * pluggable handshake step (answering -444 when a client names a DC of the other environment), and the
 * auth.bindTempAuthKey handler that binds a temp key to its permanent key after verifying every field.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key (key exchange, dh_gen_retry / dh_gen_fail),
 * https://core.telegram.org/api/pfs (auth.bindTempAuthKey; one temp key bound per permanent key).
 */
import { AuthError } from '../protocol/auth/errors.js'
import { verifyBindTempAuthKey } from '../protocol/auth/bind.js'
import { ServerHandshake, type ServerHandshakeMode } from '../protocol/auth/server.js'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import type { HandshakeFactory } from '../protocol/mtp/server-connection.js'
import { RpcFailure } from '../protocol/mtp/server-errors.js'
import type { ServerKeyStore } from '../protocol/mtp/server-keys.js'
import type { RpcRegistry } from '../protocol/mtp/server-rpc.js'
import type { Api } from '../tl/index.js'
import type { HandshakeContext } from './cluster.js'

/** A handshake switch that tests can flip at run time (per DC). */
export interface HandshakeSwitch {
  mode: ServerHandshakeMode
}

/** Builds the handshake step factory of one DC from the cluster context, reading `sw.mode` for each new exchange. */
export function serverHandshakeFactory(ctx: HandshakeContext, sw: HandshakeSwitch): HandshakeFactory {
  return (hooks) =>
    new ServerHandshake({
      crypto: ctx.crypto,
      random: ctx.random,
      rsaKey: ctx.rsaKey,
      mode: sw.mode,
      acceptDc: (dcId) => {
        const ok = ctx.acceptDc(dcId)
        if (!ok) hooks.onDcRejected(dcId)
        return ok
      },
    })
}

/** Registers auth.bindTempAuthKey: verifies the request and binds the temp key it arrived on (replacing an older binding). */
export function registerBindHandler(rpc: RpcRegistry, keys: ServerKeyStore, crypto: CryptoProvider): void {
  rpc.register(
    'auth.bindTempAuthKey',
    (req, ctx) => {
      if (!ctx.key.temp) throw new RpcFailure(400, 'TEMP_AUTH_KEY_EMPTY')
      let permKeyId: bigint
      try {
        permKeyId = verifyBindTempAuthKey({
          crypto,
          permKeyLookup: (id) => {
            const k = keys.get(id)
            return k !== undefined && !k.temp ? k.key : undefined
          },
          req: req as Api.auth.bindTempAuthKey,
          tempKeyId: ctx.key.id,
          tempSessionId: ctx.sessionId,
          msgId: ctx.msgId,
          nowSeconds: ctx.now,
        }).permKeyId
      } catch (e) {
        if (e instanceof AuthError) throw new RpcFailure(400, e.rpcError ?? 'ENCRYPTED_MESSAGE_INVALID')
        throw e
      }
      for (const k of keys.keys()) if (k.boundTo === permKeyId && k !== ctx.key) k.boundTo = undefined
      ctx.key.boundTo = permKeyId
      ctx.count(`auth.bindTempAuthKey:${permKeyId}`)
      return true
    },
    { needsInit: false },
  )
}
