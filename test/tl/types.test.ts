/**
 * Type-level tests of the generated types (checked by tsc in `npm test`'s typecheck phase; vitest runs the
 * runtime part). `invoke<R extends ApiMethod>(req: R): Promise<ResultOf<R>>` is typed end to end.
 */
import { describe, expectTypeOf, it } from 'vitest'
import type { Api, ApiMethod, ApiObject, Mt, MtResultOf, ResultOf } from '../../src/tl/index.js'
import { serializeObject } from '../../src/tl/index.js'

async function invoke<R extends ApiMethod>(req: R): Promise<ResultOf<R>> {
  throw new Error(`not connected: ${req._}`)
}

/** Never run; tsc checks the inferred types of calls. */
function inferredCalls(): void {
  expectTypeOf(invoke({ _: 'help.getConfig' })).toEqualTypeOf<Promise<Api.Config>>()
  expectTypeOf(invoke({ _: 'contacts.getContactIDs', hash: 0n })).toEqualTypeOf<Promise<number[]>>()
  expectTypeOf(
    invoke({ _: 'invokeWithLayer', layer: 228, query: { _: 'invokeWithoutUpdates', query: { _: 'help.getConfig' } } }),
  ).toEqualTypeOf<Promise<Api.Config>>()
}

describe('generated types', () => {
  it('method result types through ResultOf', () => {
    expectTypeOf<ResultOf<Api.messages.sendMessage>>().toEqualTypeOf<Api.Updates>()
    expectTypeOf<ResultOf<Api.messages.getHistory>>().toEqualTypeOf<Api.messages.Messages>()
    expectTypeOf<ResultOf<Api.contacts.getContactIDs>>().toEqualTypeOf<number[]>()
    expectTypeOf<ResultOf<Api.messages.receivedQueue>>().toEqualTypeOf<bigint[]>()
    expectTypeOf<ResultOf<Api.users.getUsers>>().toEqualTypeOf<Api.User[]>()
    expectTypeOf<ResultOf<Api.auth.logOut>>().toEqualTypeOf<Api.auth.LoggedOut>()
    expectTypeOf<ResultOf<Api.invokeWithLayer<Api.help.getConfig>>>().toEqualTypeOf<Api.Config>()
    expectTypeOf<ResultOf<Api.invokeWithLayer>>().toEqualTypeOf<unknown>()
    expectTypeOf<MtResultOf<Mt.req_pq_multi>>().toEqualTypeOf<Mt.ResPQ>()
    expectTypeOf<MtResultOf<Mt.req_pq>>().toEqualTypeOf<Mt.ResPQ>()
    expectTypeOf(inferredCalls).toBeFunction()
  })

  it('field mapping conventions', () => {
    expectTypeOf<Api.message['_']>().toEqualTypeOf<'message'>()
    expectTypeOf<Api.auth.sentCode['_']>().toEqualTypeOf<'auth.sentCode'>()
    expectTypeOf<Api.message['id']>().toEqualTypeOf<number>()
    expectTypeOf<Api.message['out']>().toEqualTypeOf<boolean | undefined>()
    expectTypeOf<Api.message['fromId']>().toEqualTypeOf<Api.Peer | undefined>()
    expectTypeOf<Api.message['entities']>().toEqualTypeOf<Api.MessageEntity[] | undefined>()
    expectTypeOf<Api.inputPeerUser['accessHash']>().toEqualTypeOf<bigint>()
    expectTypeOf<Api.inputGeoPoint['long']>().toEqualTypeOf<number>()
    expectTypeOf<Api.messages.sendMessage['randomId']>().toEqualTypeOf<bigint>()
    expectTypeOf<Api.phone.joinGroupCall['publicKey']>().toEqualTypeOf<Uint8Array | undefined>()
    expectTypeOf<Api.boolTrue>().toExtend<ApiObject>()
    expectTypeOf<Api.message>().not.toHaveProperty('flags')
    expectTypeOf<Api.message>().not.toHaveProperty('flags2')
    expectTypeOf<Api.receivedNotifyMessage['flags']>().toEqualTypeOf<number>()
    expectTypeOf<Api.auth.importBotAuthorization['flags']>().toEqualTypeOf<number>()
    expectTypeOf<Mt.p_q_inner_data['pq']>().toEqualTypeOf<Uint8Array>()
    expectTypeOf<Mt.resPQ['serverPublicKeyFingerprints']>().toEqualTypeOf<bigint[]>()
    expectTypeOf<Mt.msg_container['messages']>().toEqualTypeOf<Mt.message[]>()
  })

  it('rejects wrongly typed objects at compile time', () => {
    // @ts-expect-error userId is a long (bigint), not a number
    const bad: Api.inputPeerUser = { _: 'inputPeerUser', userId: 1, accessHash: 2n }
    // @ts-expect-error unknown constructor name
    const bad2: Api.InputPeer = { _: 'inputPeerNobody' }
    expectTypeOf(bad).not.toBeAny()
    expectTypeOf(bad2).not.toBeAny()
    expectTypeOf(serializeObject).parameter(0).toExtend<unknown>()
  })
})
