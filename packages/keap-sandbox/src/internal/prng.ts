/**
 * A small seeded pseudo-random generator (sfc32 seeded through splitmix32), so that the same seed yields the same
 * dataset on every machine and Node version. `Math.random` is never used for data.
 */

const splitmix32 = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x9e3779b9) | 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

/** A deterministic random source. */
export interface Prng {
  /** A float in [0, 1). */
  readonly next: () => number
  /** An integer in [0, bound). */
  readonly int: (bound: number) => number
  /** An integer in [min, max]. */
  readonly between: (min: number, max: number) => number
  /** True with the given probability. */
  readonly chance: (probability: number) => boolean
  /** One element of a non-empty list. */
  readonly pick: <A>(items: ReadonlyArray<A>) => A
}

/** A generator for a seed; `salt` derives independent streams from one seed. */
export const makePrng = (seed: number, salt = 0): Prng => {
  const init = splitmix32((seed ^ Math.imul(salt + 1, 0x27d4eb2d)) >>> 0)
  let a = init()
  let b = init()
  let c = init()
  let d = init()
  const nextUint = () => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 12; i++) nextUint()
  const next = () => nextUint() / 4294967296
  const int = (bound: number) => Math.floor(next() * bound)
  return {
    next,
    int,
    between: (min, max) => min + int(max - min + 1),
    chance: (probability) => next() < probability,
    pick: (items) => items[int(items.length)]!,
  }
}
