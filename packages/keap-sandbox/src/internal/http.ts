/**
 * Small HTTP helpers shared by the sandbox's routes.
 */
import type { HttpServerRequest } from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"

/** Keap's JSON content type. */
export const JSON_CONTENT_TYPE = "application/json;charset=UTF-8"

/** A JSON response. */
export const json = (status: number, body: unknown, headers?: Readonly<Record<string, string>>) =>
  HttpServerResponse.text(JSON.stringify(body), {
    status,
    contentType: JSON_CONTENT_TYPE,
    ...(headers === undefined ? {} : { headers }),
  })

/** A response whose JSON text is already written. */
export const jsonText = (status: number, text: string, headers?: Readonly<Record<string, string>>) =>
  HttpServerResponse.text(text, {
    status,
    contentType: JSON_CONTENT_TYPE,
    ...(headers === undefined ? {} : { headers }),
  })

/** The query string of a request. */
export const queryOf = (request: HttpServerRequest): URLSearchParams => {
  const mark = request.url.indexOf("?")
  return new URLSearchParams(mark === -1 ? "" : request.url.slice(mark + 1))
}

/** The path of a request, without its query. */
export const pathOf = (request: HttpServerRequest): string => {
  const mark = request.url.indexOf("?")
  return mark === -1 ? request.url : request.url.slice(0, mark)
}

/** `http://host:port` as the client addressed us, for absolute URLs in responses. */
export const originOf = (request: HttpServerRequest, fallback: string): string => {
  const host = request.headers.host
  return host === undefined || host.length === 0 ? fallback : `http://${host}`
}

/** A boolean query flag; `undefined` when absent or unreadable. */
export const booleanParam = (value: string | null): boolean | undefined => {
  if (value === null) return undefined
  const lowered = value.trim().toLowerCase()
  if (lowered === "true") return true
  if (lowered === "false") return false
  return undefined
}

/** A non-negative integer query parameter: `undefined` when absent, `null` when malformed. */
export const integerParam = (value: string | null): number | undefined | null => {
  if (value === null || value.trim() === "") return undefined
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : null
}

/** HTTP Basic credentials, when the header carries them. */
export const basicCredentials = (
  authorization: string | undefined,
): { readonly id: string; readonly secret: string } | undefined => {
  const match = authorization === undefined ? null : /^basic\s+(.+)$/i.exec(authorization.trim())
  if (match === null) return undefined
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon === -1) return undefined
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}

/** The loose e-mail shape Keap accepts. */
export const looksLikeEmail = (value: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/u.test(value.trim())
