/**
 * CPU time of the calling thread, for "how long is the caller's thread busy" figures that stay meaningful on a loaded
 * machine (event-loop utilization also counts time the thread was runnable but descheduled). Linux: the first field
 * of /proc/thread-self/schedstat (nanoseconds on CPU). Elsewhere: undefined, and benches fall back to event-loop
 * utilization.
 */
import { readFileSync } from 'node:fs'

/** Nanoseconds the calling thread has spent on a CPU, or undefined where the kernel does not say. */
export function threadCpuNs(): number | undefined {
  try {
    const first = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ', 1)[0]
    const ns = Number(first)
    return Number.isFinite(ns) ? ns : undefined
  } catch {
    return undefined
  }
}

/** Runs `fn` and returns the calling thread's busy time in microseconds: CPU time where known, else event-loop active time. */
export async function callerBusyUs(fn: () => Promise<void>): Promise<number> {
  const c0 = threadCpuNs()
  const e0 = performance.eventLoopUtilization()
  await fn()
  const c1 = threadCpuNs()
  if (c0 !== undefined && c1 !== undefined) return (c1 - c0) / 1000
  return performance.eventLoopUtilization(e0).active * 1000
}
