/**
 * The typed failures of the Keap client. Each carries a message a person can act on and never a secret: tokens,
 * keys and client secrets are `Redacted` everywhere and are never interpolated here.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/** Why authentication failed. `ReauthorizationRequired` is final: only a person can fix it. */
export type KeapAuthErrorReason =
  | "ReauthorizationRequired"
  | "NotAuthorized"
  | "Forbidden"
  | "InvalidApiKey"
  | "TokenStoreUnavailable"
  | "TokenEndpointFailed"

/** Authentication or authorisation failed for a tenant. */
export class KeapAuthError extends Data.TaggedError("KeapAuthError")<{
  readonly tenant: string
  readonly reason: KeapAuthErrorReason
  readonly detail: string
  readonly tokenStorePath?: string
}> {
  override get message(): string {
    const where = this.tokenStorePath === undefined ? "" : ` (token store ${this.tokenStorePath})`
    const advice: Record<KeapAuthErrorReason, string> = {
      ReauthorizationRequired: `Keap no longer accepts this integration's authorisation (${this.detail}). A person must re-authorise it (idgraph auth keap login); the token file was left as it was${where}.`,
      NotAuthorized: `not authorised (${this.detail}) even after refreshing the access token${where}.`,
      Forbidden: `forbidden (${this.detail}). The user behind this credential lacks the permission; ask a Keap admin to grant it.`,
      InvalidApiKey: `the API key was rejected (${this.detail}). Create a new Personal Access Token or Service Account Key in Keap and update the configuration.`,
      TokenStoreUnavailable: `the token store cannot be used (${this.detail})${where}.`,
      TokenEndpointFailed: `the OAuth token endpoint failed (${this.detail})${where}.`,
    }
    return `Keap tenant "${this.tenant}": ${advice[this.reason]}`
  }
}

/** Keap kept answering 429 after every bounded retry. */
export class KeapRateLimited extends Data.TaggedError("KeapRateLimited")<{
  readonly tenant: string
  readonly attempts: number
  readonly detail: string
}> {
  override get message(): string {
    return `Keap tenant "${this.tenant}": still rate limited after ${this.attempts} attempts (${this.detail}). The credential's quota is exhausted, possibly by another integration; try again after the window resets.`
  }
}

/** A resource (usually a user) does not exist. */
export class KeapNotFound extends Data.TaggedError("KeapNotFound")<{
  readonly tenant: string
  readonly resource: string
  readonly detail: string
}> {
  override get message(): string {
    return `Keap tenant "${this.tenant}": ${this.resource} was not found (${this.detail}).`
  }
}

/** An endpoint this account does not expose (404/405/501 on a route the spec does not guarantee). */
export class KeapEndpointUnavailable extends Data.TaggedError("KeapEndpointUnavailable")<{
  readonly tenant: string
  readonly endpoint: string
  readonly status: number
  readonly detail: string
}> {
  override get message(): string {
    return `Keap tenant "${this.tenant}": ${this.endpoint} is not available on this account (HTTP ${this.status}: ${this.detail}). Do this in the Keap web app instead, or use the other API version.`
  }
}

/** A response did not have the shape Keap documents (after retries, when the cause may have been a cut body). */
export class KeapDecodeError extends Data.TaggedError("KeapDecodeError")<{
  readonly tenant: string
  readonly endpoint: string
  readonly detail: string
}> {
  override get message(): string {
    return `Keap tenant "${this.tenant}": unexpected response from ${this.endpoint}: ${this.detail}`
  }
}

/** The network failed (reset, timeout, cut body, 5xx) and bounded retries did not get through. */
export class KeapTransportError extends Data.TaggedError("KeapTransportError")<{
  readonly tenant: string
  readonly endpoint: string
  readonly attempts: number
  readonly detail: string
}> {
  override get message(): string {
    return `Keap tenant "${this.tenant}": ${this.endpoint} failed after ${this.attempts} attempts (${this.detail}). Check connectivity and Keap's status page, then run again.`
  }
}

/**
 * Keap refused a request as invalid (400, 409, 422: a seat limit, a duplicate e-mail, a bad field), or the client
 * refused to send it (`status` null: e.g. no seat is free).
 */
export class KeapRequestRejected extends Data.TaggedError("KeapRequestRejected")<{
  readonly tenant: string
  readonly endpoint: string
  readonly status: number | null
  readonly detail: string
}> {
  override get message(): string {
    return this.status === null
      ? `Keap tenant "${this.tenant}": ${this.endpoint} was not sent: ${this.detail}.`
      : `Keap tenant "${this.tenant}": ${this.endpoint} was refused (HTTP ${this.status}: ${this.detail}).`
  }
}

/** Every failure a Keap request can end in. */
export type KeapError =
  | KeapAuthError
  | KeapRateLimited
  | KeapNotFound
  | KeapEndpointUnavailable
  | KeapDecodeError
  | KeapTransportError
  | KeapRequestRejected
