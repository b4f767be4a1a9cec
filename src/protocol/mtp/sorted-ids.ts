/**
 * Lookup in an ascending run of msg_ids (the session's and the server's id tables keep them sorted in arrays).
 *
 * msg_ids grow with time, so an id looked up is most often at the top of the run or just below it: a container's id
 * arrives before its inner messages' smaller ids, and an answer names one of the latest requests. The top two entries
 * are checked before the binary search.
 *
 * Spec: https://core.telegram.org/mtproto/description#message-identifier-msg-id (msg_ids increase monotonically).
 */

/**
 * Index of `id` in `ids[lo..hi]` (inclusive, ascending), or `-(insertion point) - 1` when it is not there (so the
 * insertion point is `-result - 1`).
 */
export function searchSorted(ids: ArrayLike<bigint>, lo: number, hi: number, id: bigint): number {
  if (hi < lo) return -lo - 1
  const top = ids[hi] as bigint
  if (id >= top) return id === top ? hi : -(hi + 1) - 1
  if (hi === lo || id > (ids[hi - 1] as bigint)) return -hi - 1
  hi -= 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const v = ids[mid] as bigint
    if (v < id) lo = mid + 1
    else if (v > id) hi = mid - 1
    else return mid
  }
  return -lo - 1
}
