/**
 * Sandbox time: real time plus an offset the control API advances, so tokens can expire without waiting 24 h.
 * Rate windows deliberately do not use it: they measure real traffic.
 */
export class SandboxClock {
  private offset = 0

  /** Epoch milliseconds in sandbox time. */
  now(): number {
    return Date.now() + this.offset
  }

  get offsetMs(): number {
    return this.offset
  }

  advance(ms: number) {
    this.offset += ms
  }

  reset() {
    this.offset = 0
  }
}
