/** Pure redial schedule of the bootstrap reconnect loop: exponential backoff with a cap. */
export interface BackoffInit {
  minMs: number
  maxMs: number
}

export interface DialState {
  failures: number
  /** Earliest time (ms) of the next attempt. */
  nextAt: number
}

export function initialDialState (now: number): DialState {
  return { failures: 0, nextAt: now }
}

export function afterFailure (state: DialState, now: number, b: BackoffInit): DialState {
  const failures = state.failures + 1
  const delay = Math.min(b.maxMs, b.minMs * 2 ** Math.min(failures - 1, 30))
  return { failures, nextAt: now + delay }
}

export function afterSuccess (now: number): DialState {
  return initialDialState(now)
}
