/**
 * The coordinator's DC table: where each DC is (a main address and, where listed, a media-only address for file
 * downloads). Starts from the built-in production addresses or the caller's list, and is replaced by what
 * help.getConfig returns.
 *
 * Spec: https://core.telegram.org/api/datacenter, https://core.telegram.org/constructor/dcOption (media_only, ipv6,
 * cdn, tcpo_only flags).
 */
import type { DcEndpoint } from '../actors/actor-types.js'
import { ArgumentError } from '../errors.js'
import { PRODUCTION_DCS_IPV4, TEST_DCS_IPV4 } from '../protocol/dc-options.js'
import type { Api } from '../tl/index.js'

/** One DC's addresses (at least one of them is set). */
interface Entry {
  main?: DcEndpoint
  media?: DcEndpoint
}

/** DC id -> addresses; see {@link DcTable.updateFromConfig}. */
export class DcTable {
  readonly #dcs = new Map<number, Entry>()

  constructor(endpoints: readonly DcEndpoint[]) {
    for (const e of endpoints) DcTable.#put(this.#dcs, e)
  }

  /** The built-in bootstrap table (production, or Telegram's test DCs). */
  static builtin(testMode = false): DcTable {
    const list = testMode ? TEST_DCS_IPV4 : PRODUCTION_DCS_IPV4
    return new DcTable(list.map((d) => ({ dcId: d.id, host: d.host, port: d.port, ...(testMode ? { testMode: true } : {}) })))
  }

  /** The first address listed for a DC and kind wins (Telegram lists the preferred one first). */
  static #put(map: Map<number, Entry>, e: DcEndpoint): void {
    if (!Number.isInteger(e.dcId) || e.dcId <= 0) throw new ArgumentError(`DC id must be a positive integer, got ${e.dcId}`, 'dcId')
    let cur = map.get(e.dcId)
    if (cur === undefined) {
      cur = {}
      map.set(e.dcId, cur)
    }
    if (e.media === true) cur.media ??= e
    else cur.main ??= e
  }

  #entry(dcId: number): Entry {
    const d = this.#dcs.get(dcId)
    if (d === undefined) throw new ArgumentError(`no address known for DC ${dcId}`, 'dcId')
    return d
  }

  /** The DC's main address (its media address when that is all there is); ArgumentError for an unknown DC. */
  main(dcId: number): DcEndpoint {
    const d = this.#entry(dcId)
    return (d.main ?? d.media) as DcEndpoint
  }

  /** The DC's media-only address where one is listed, else its main address. */
  media(dcId: number): DcEndpoint {
    const d = this.#entry(dcId)
    return (d.media ?? d.main) as DcEndpoint
  }

  /** Whether the DC lists a media-only address. */
  hasMedia(dcId: number): boolean {
    return this.#dcs.get(dcId)?.media !== undefined
  }

  has(dcId: number): boolean {
    return this.#dcs.has(dcId)
  }

  /** DC ids known, ascending. */
  ids(): number[] {
    return [...this.#dcs.keys()].sort((a, b) => a - b)
  }

  /**
   * Takes help.getConfig's dc_options (IPv4 only unless `ipv6`; CDN and TCP-only-obfuscated entries skipped: they
   * need other transports). Per DC and kind, the config's first address replaces ours; what it leaves out stays.
   */
  updateFromConfig(config: Api.config, opts: { ipv6?: boolean } = {}): void {
    const fresh = new Map<number, Entry>()
    for (const o of config.dcOptions) {
      if (o.cdn === true || o.tcpoOnly === true || (o.ipv6 === true) !== (opts.ipv6 === true)) continue
      DcTable.#put(fresh, { dcId: o.id, host: o.ipAddress, port: o.port, ...(o.mediaOnly === true ? { media: true } : {}), ...(config.testMode ? { testMode: true } : {}) })
    }
    for (const [id, a] of fresh) {
      const cur = this.#dcs.get(id) ?? {}
      this.#dcs.set(id, { ...cur, ...a })
    }
  }
}
