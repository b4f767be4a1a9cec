/**
 * Built-in bootstrap addresses of Telegram's DCs (production and test, IPv4 and IPv6), as official clients ship
 * them. Only for the first connection: afterwards the list comes from help.getConfig.
 *
 * Spec: https://core.telegram.org/api/datacenter.
 */

/** One bootstrap address. */
export interface BuiltinDc {
  readonly id: number
  readonly host: string
  readonly port: number
}

/** Production DCs 1-5 (DC 2 has a second IPv4 address). */
export const PRODUCTION_DCS_IPV4: readonly BuiltinDc[] = [
  { id: 1, host: '149.154.175.50', port: 443 },
  { id: 2, host: '149.154.167.51', port: 443 },
  { id: 2, host: '95.161.76.100', port: 443 },
  { id: 3, host: '149.154.175.100', port: 443 },
  { id: 4, host: '149.154.167.91', port: 443 },
  { id: 5, host: '149.154.171.5', port: 443 },
]

export const PRODUCTION_DCS_IPV6: readonly BuiltinDc[] = [
  { id: 1, host: '2001:b28:f23d:f001::a', port: 443 },
  { id: 2, host: '2001:67c:4e8:f002::a', port: 443 },
  { id: 3, host: '2001:b28:f23d:f003::a', port: 443 },
  { id: 4, host: '2001:67c:4e8:f004::a', port: 443 },
  { id: 5, host: '2001:b28:f23f:f005::a', port: 443 },
]

/** Test DCs 1-3 (their ids go on the wire as 10000 + id). */
export const TEST_DCS_IPV4: readonly BuiltinDc[] = [
  { id: 1, host: '149.154.175.10', port: 443 },
  { id: 2, host: '149.154.167.40', port: 443 },
  { id: 3, host: '149.154.175.117', port: 443 },
]

export const TEST_DCS_IPV6: readonly BuiltinDc[] = [
  { id: 1, host: '2001:b28:f23d:f001::e', port: 443 },
  { id: 2, host: '2001:67c:4e8:f002::e', port: 443 },
  { id: 3, host: '2001:b28:f23d:f003::e', port: 443 },
]

/** The first built-in address of `dcId`. */
export function builtinDc(dcId: number, opts: { test?: boolean; ipv6?: boolean } = {}): BuiltinDc | undefined {
  const table = opts.test ? (opts.ipv6 ? TEST_DCS_IPV6 : TEST_DCS_IPV4) : opts.ipv6 ? PRODUCTION_DCS_IPV6 : PRODUCTION_DCS_IPV4
  return table.find((d) => d.id === dcId)
}
