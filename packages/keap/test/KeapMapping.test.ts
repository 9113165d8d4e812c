import { describe, expect, it } from "@effect/vitest"
import { AccountRecord, canonicalEmail } from "@idgraph/identity"
import { Either, Option, Schema } from "effect"
import fc from "fast-check"
import { fromRestUser, fromUser, isoInstant, mapRawRestUser, mapRawUser } from "../src/KeapMapping.js"
import { RestUser, User } from "../src/KeapSchema.js"

/** Raw v2 users as Keap's drifting builds send them: ids as numbers or strings, statuses in either spelling. */
const rawId = fc.oneof(fc.nat({ max: 2 ** 40 }), fc.stringMatching(/^[0-9A-Za-z_-]{1,12}$/))
const messyEmail = fc.oneof(
  fc.emailAddress(),
  fc.emailAddress().map((email) => `  ${email.toUpperCase()} `),
  fc.constant("Ä.Ñoño@Example.COM"),
  fc.constant("not an email"),
  fc.constant(""),
  fc.string(),
)
const status = fc.constantFrom("ACTIVE", "Active", "INVITED", "Invited", "INACTIVE", "NOT_A_USER", "NotAUser", "weird")
const optional = <A>(arb: fc.Arbitrary<A>) => fc.option(arb, { nil: null })

const rawV2User = fc.record(
  {
    id: rawId,
    global_user_id: optional(rawId),
    keap_id: optional(rawId),
    given_name: optional(fc.string()),
    family_name: optional(fc.string()),
    admin: optional(fc.boolean()),
    partner: optional(fc.boolean()),
    status: optional(status),
    create_time: optional(fc.constantFrom("2024-05-21T14:30:00Z", "2019-04-12T20:43:05.000+0000", "yesterday")),
    email_addresses: optional(
      fc.array(fc.record({ email: optional(messyEmail), field: fc.constantFrom("EMAIL1", "EMAIL2", "EMAIL3") })),
    ),
    surprise_field: fc.anything(),
  },
  { requiredKeys: ["id"] },
)

const rawV1User = fc.record(
  {
    id: rawId,
    global_user_id: optional(rawId),
    infusionsoft_id: optional(fc.stringMatching(/^[a-z]{2}\d{3}$/)),
    email_address: optional(messyEmail),
    status: optional(status),
    partner: optional(fc.boolean()),
    date_created: optional(fc.constant("2019-04-12T20:43:05.000+0000")),
  },
  { requiredKeys: ["id"] },
)

const assertWellFormed = (record: AccountRecord) => {
  expect(Schema.is(AccountRecord)(record)).toBe(true)
  if (record.email !== null) expect(Option.getOrNull(canonicalEmail(record.email))).toBe(record.email)
  for (const key of [record.externalId, record.globalUserId, record.infusionsoftId]) {
    if (key !== null) expect(typeof key).toBe("string")
  }
  for (const identifier of record.identifiers) expect(typeof identifier.value).toBe("string")
}

describe("KeapMapping", () => {
  it("maps a v2 user with every key", () => {
    const user = Schema.decodeUnknownSync(User)({
      id: 17,
      global_user_id: "900017",
      keap_id: "ab123",
      given_name: "Ada",
      family_name: "Lovelace",
      email_addresses: [
        { email: "other@example.com", field: "EMAIL2" },
        { email: " Ada.Lovelace@Example.COM ", field: "EMAIL1" },
      ],
      admin: true,
      partner: false,
      status: "ACTIVE",
      create_time: "2024-05-21T14:30:00Z",
      update_time: "2024-05-21T15:00:00.5Z",
    })
    expect(fromUser("t1", user)).toEqual({
      system: "keap",
      tenant: "t1",
      externalId: "17",
      email: "ada.lovelace@example.com",
      emailRaw: " Ada.Lovelace@Example.COM ",
      givenName: "Ada",
      familyName: "Lovelace",
      admin: true,
      partner: false,
      status: "active",
      statusRaw: "ACTIVE",
      createdAt: "2024-05-21T14:30:00.000Z",
      updatedAt: "2024-05-21T15:00:00.500Z",
      globalUserId: "900017",
      infusionsoftId: "ab123",
      identifiers: [
        { kind: "email", value: "ada.lovelace@example.com" },
        { kind: "keap_global_user_id", value: "900017" },
        { kind: "keap_infusionsoft_id", value: "ab123" },
      ],
    })
  })

  it("maps a v1 user, whose admin flag is unknown", () => {
    const user = Schema.decodeUnknownSync(RestUser)({
      id: 5,
      global_user_id: 12345678901,
      infusionsoft_id: "zz001",
      email_address: "Bob@Example.com",
      status: "Invited",
      date_created: "2019-04-12T20:43:05.000+0000",
    })
    const record = fromRestUser("t2", user)
    expect(record).toMatchObject({
      externalId: "5",
      globalUserId: "12345678901",
      infusionsoftId: "zz001",
      email: "bob@example.com",
      emailRaw: "Bob@Example.com",
      admin: null,
      partner: null,
      status: "invited",
      createdAt: "2019-04-12T20:43:05.000Z",
    })
  })

  it("keeps an unusable e-mail raw but never as a canonical key", () => {
    const record = Either.getOrThrow(mapRawRestUser("t", { id: 1, email_address: "sales at example" }))
    expect(record.email).toBeNull()
    expect(record.emailRaw).toBe("sales at example")
    expect(record.identifiers.some((identifier) => identifier.kind === "email")).toBe(false)
  })

  it("quarantines a user without an id, with its reason", () => {
    const result = mapRawUser("t", { given_name: "Ghost", email_addresses: [{ email: "ghost@example.com" }] })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.externalId).toBeNull()
      expect(result.left.reason).toContain("id")
      expect(result.left.api).toBe("v2")
    }
    const wrongType = mapRawUser("t", { id: 9, admin: "yes" })
    expect(Either.isLeft(wrongType) && wrongType.left.externalId).toBe("9")
  })

  it("reads Keap's timestamps as ISO instants, and junk as null", () => {
    expect(isoInstant("2019-04-12T20:43:05.000+0000")).toBe("2019-04-12T20:43:05.000Z")
    expect(isoInstant("2019-04-12T22:43:05+02:00")).toBe("2019-04-12T20:43:05.000Z")
    expect(isoInstant("soon")).toBeNull()
    expect(isoInstant(undefined)).toBeNull()
  })

  it("property: any decodable v2 user maps to a well-formed record with a canonical e-mail and string keys", () => {
    fc.assert(
      fc.property(rawV2User, (raw) => {
        const result = mapRawUser("tenant-a", raw)
        expect(Either.isRight(result)).toBe(true)
        if (Either.isRight(result)) {
          assertWellFormed(result.right)
          expect(result.right.externalId).toBe(String(raw.id))
        }
      }),
      { numRuns: 300 },
    )
  })

  it("property: any decodable v1 user maps to a well-formed record", () => {
    fc.assert(
      fc.property(rawV1User, (raw) => {
        const result = mapRawRestUser("tenant-b", raw)
        expect(Either.isRight(result)).toBe(true)
        if (Either.isRight(result)) assertWellFormed(result.right)
      }),
      { numRuns: 300 },
    )
  })

  it("property: decoding and mapping never throw, whatever arrives", () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        const v2 = mapRawUser("t", raw)
        const v1 = mapRawRestUser("t", raw)
        for (const result of [v1, v2]) {
          if (Either.isRight(result)) assertWellFormed(result.right)
          else expect(result.left.reason.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 500 },
    )
  })
})
