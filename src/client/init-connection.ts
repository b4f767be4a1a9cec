/**
 * The wrapper every first call on a new auth key needs: `invokeWithLayer(layer, initConnection(app info, query))`.
 *
 * Spec: https://core.telegram.org/api/invoking#layers and https://core.telegram.org/method/initConnection.
 */
import { type Api, type ApiMethod, LAYER } from '../tl/index.js'

/** What the app tells the server about itself in initConnection. */
export interface AppInfo {
  readonly apiId: number
  readonly deviceModel?: string
  readonly systemVersion?: string
  readonly appVersion?: string
  readonly systemLangCode?: string
  readonly langPack?: string
  readonly langCode?: string
}

/** Wraps `query` in invokeWithLayer(initConnection(...)) for the schema's layer; the result type is the query's. */
export function withInitConnection<X extends ApiMethod>(query: X, app: AppInfo): Api.invokeWithLayer<Api.initConnection<X>> {
  return {
    _: 'invokeWithLayer',
    layer: LAYER,
    query: {
      _: 'initConnection',
      apiId: app.apiId,
      deviceModel: app.deviceModel ?? 'mtactor',
      systemVersion: app.systemVersion ?? `Node.js ${process.versions.node}`,
      appVersion: app.appVersion ?? '0.1.0',
      systemLangCode: app.systemLangCode ?? 'en',
      langPack: app.langPack ?? '',
      langCode: app.langCode ?? 'en',
      query,
    },
  }
}
