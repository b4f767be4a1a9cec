import { describe, expect, expectTypeOf, it } from 'vitest'
import { withInitConnection } from '../../src/client/init-connection.js'
import { type Api, LAYER, type ResultOf, deserializeObject, serializeObject } from '../../src/tl/index.js'

describe('withInitConnection', () => {
  it('wraps a query for the schema layer with defaults, and keeps the query result type', () => {
    const req = withInitConnection({ _: 'help.getConfig' }, { apiId: 7, deviceModel: 'bot' })
    expectTypeOf<ResultOf<typeof req>>().toEqualTypeOf<Api.Config>()
    expect(req.layer).toBe(LAYER)
    expect(req.query).toMatchObject({ _: 'initConnection', apiId: 7, deviceModel: 'bot', langCode: 'en', query: { _: 'help.getConfig' } })
    expect(deserializeObject(serializeObject(req))).toEqual(req)
  })
})
