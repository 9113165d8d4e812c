/**
 * Reading Keap's `x-keap-*` quota and throttle headers. Values may be pipe-delimited (`10000|250000` with
 * `minute|day`), one observation per position.
 */
import type * as Headers from "@effect/platform/Headers"

/** The unit of a Keap window. */
export type WindowUnit = "second" | "minute" | "hour" | "day"

/** One window as Keap reported it on one response. */
export interface WindowObservation {
  readonly family: "product-quota" | "product-throttle" | "tenant-throttle"
  readonly unit: WindowUnit
  readonly interval: number
  readonly limit: number | null
  readonly available: number
  /** Epoch ms at which the window resets, when Keap says (`x-keap-product-quota-expiry-time`). */
  readonly expiresAt: number | null
}

const UNIT_MS: Record<WindowUnit, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 }

/** The length of a window in milliseconds. */
export const windowMillis = (unit: WindowUnit, interval: number): number => UNIT_MS[unit] * Math.max(1, interval)

const parseUnit = (raw: string | undefined): WindowUnit | null => {
  const unit = raw?.trim().toLowerCase().replace(/s$/, "")
  return unit === "second" || unit === "minute" || unit === "hour" || unit === "day" ? unit : null
}

const parseNumber = (raw: string | undefined): number | null => {
  if (raw === undefined || raw.trim() === "") return null
  const value = Number(raw.trim())
  return Number.isFinite(value) ? value : null
}

/** Every window observation the headers carry; headers that are absent or malformed are skipped. */
export const parseRateHeaders = (headers: Headers.Headers): ReadonlyArray<WindowObservation> => {
  const observations: Array<WindowObservation> = []
  for (const family of ["product-quota", "product-throttle", "tenant-throttle"] as const) {
    const availableRaw = headers[`x-keap-${family}-available`]
    if (availableRaw === undefined) continue
    const split = (name: string) => (headers[`x-keap-${family}-${name}`] ?? "").split("|")
    const available = availableRaw.split("|")
    const units = split("time-unit")
    const intervals = split("interval")
    const limits = split("limit")
    const expiry = parseNumber(headers[`x-keap-${family}-expiry-time`])
    available.forEach((rawAvailable, position) => {
      const value = parseNumber(rawAvailable)
      const unit = parseUnit(units[position] ?? units[0])
      if (value === null || unit === null) return
      observations.push({
        family,
        unit,
        interval: parseNumber(intervals[position] ?? intervals[0]) ?? 1,
        limit: parseNumber(limits[position]),
        available: value,
        expiresAt: position === 0 ? expiry : null,
      })
    })
  }
  return observations
}
