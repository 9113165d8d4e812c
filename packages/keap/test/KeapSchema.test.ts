import { describe, expect, it } from "@effect/vitest"
import { Either, Redacted, Schema } from "effect"
import {
  KeapErrorBody,
  keapErrorSummary,
  ListUsersPaginatedResponse,
  RestUser,
  TokenResponse,
  User,
  Users,
} from "../src/KeapSchema.js"

const decode = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknownEither(schema)

describe("KeapSchema", () => {
  it("decodes v1 int64 ids and v2 string ids to strings", () => {
    const v1 = decode(RestUser)({
      id: 42,
      global_user_id: 9007199254740991,
      infusionsoft_id: "abc12",
      status: "Active",
    })
    expect(Either.getOrThrow(v1)).toMatchObject({
      id: "42",
      global_user_id: "9007199254740991",
      infusionsoft_id: "abc12",
    })
    const v2 = decode(User)({ id: "42", global_user_id: 77, keap_id: 5, status: "ACTIVE", admin: true })
    expect(Either.getOrThrow(v2)).toMatchObject({ id: "42", global_user_id: "77", keap_id: "5", admin: true })
  })

  it("rejects a user without an id, or with an empty one", () => {
    expect(Either.isLeft(decode(User)({ given_name: "No Id" }))).toBe(true)
    expect(Either.isLeft(decode(RestUser)({ id: "  " }))).toBe(true)
    expect(Either.isLeft(decode(RestUser)({ id: 1.5 }))).toBe(true)
  })

  it("ignores unknown fields and reads null as absent", () => {
    const user = Either.getOrThrow(decode(User)({ id: "1", surprise: { x: 1 }, given_name: null, status: "NotAUser" }))
    expect(user).toEqual({ id: "1", status: "NotAUser" })
  })

  it("encodes v1 ids back to numbers and v2 ids to strings", () => {
    expect(Schema.encodeSync(RestUser)({ id: "7", global_user_id: "8" })).toEqual({ id: 7, global_user_id: 8 })
    expect(Schema.encodeSync(User)({ id: "7" })).toEqual({ id: "7" })
    expect(Schema.encodeSync(Users)({ count: 1, users: [{ id: "3" }] })).toEqual({ count: 1, users: [{ id: 3 }] })
  })

  it("reads an empty or null next_page_token", () => {
    const page = Either.getOrThrow(decode(ListUsersPaginatedResponse)({ users: [], next_page_token: null }))
    expect(page.next_page_token).toBeUndefined()
  })

  it("decodes tokens as Redacted and refuses a response without a refresh token", () => {
    const token = Either.getOrThrow(
      decode(TokenResponse)({
        access_token: "AT-secret",
        refresh_token: "RT-secret",
        expires_in: "86400",
        scope: "full",
      }),
    )
    expect(Redacted.value(token.access_token)).toBe("AT-secret")
    expect(String(token.access_token)).not.toContain("AT-secret")
    expect(token.expires_in).toBe(86400)
    expect(Either.isLeft(decode(TokenResponse)({ access_token: "x", expires_in: 1 }))).toBe(true)
  })

  it("summarises every error body shape Keap sends", () => {
    const summary = (body: unknown) => keapErrorSummary(Either.getOrThrow(decode(KeapErrorBody)(body)))
    expect(
      summary({
        fault: {
          faultstring: "Invalid Access Token",
          detail: { errorcode: "keymanagement.service.invalid_access_token" },
        },
      }),
    ).toEqual({ code: "keymanagement.service.invalid_access_token", message: "Invalid Access Token" })
    expect(summary({ error: "invalid_grant", error_description: "Invalid refresh token" })).toEqual({
      code: "invalid_grant",
      message: "Invalid refresh token",
    })
    expect(summary({ code: "429", message: "Quota Exceeded", status: "Request Throttled", details: null })).toEqual({
      code: "429",
      message: "Quota Exceeded",
    })
    expect(summary({ localizedMessage: "boom", stackTrace: [] })).toEqual({ message: "boom" })
  })
})
