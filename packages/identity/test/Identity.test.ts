import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import * as fc from "fast-check"
import {
  accountUid,
  canonicalEmail,
  connectedComponents,
  normaliseStatus,
  type ResolvableAccount,
  sharedIdentifiers,
  standardIdentifiers,
  systemLabel,
} from "../src/index.js"

const account = (tenant: string, id: string, email: string | null, globalUserId: string | null = null) =>
  ({
    system: "keap",
    tenant,
    externalId: id,
    identifiers: standardIdentifiers({ email, globalUserId }),
  }) satisfies ResolvableAccount

describe("canonicalEmail", () => {
  it("trims, lower-cases and NFC-normalises", () => {
    expect(canonicalEmail("  Ana.Lopez@Example.COM ")).toEqual(Option.some("ana.lopez@example.com"))
    // "é" as e + combining acute must equal the precomposed form.
    expect(canonicalEmail("Jose\u0301@example.com")).toEqual(canonicalEmail("JOS\u00c9@example.com"))
  })
  it("rejects what is not an address", () => {
    expect(canonicalEmail("")).toEqual(Option.none())
    expect(canonicalEmail("   ")).toEqual(Option.none())
    expect(canonicalEmail("no-at-sign")).toEqual(Option.none())
    expect(canonicalEmail(null)).toEqual(Option.none())
  })
  it("is idempotent", () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const once = canonicalEmail(raw)
        if (Option.isSome(once)) expect(canonicalEmail(once.value)).toEqual(once)
      }),
    )
  })
})

describe("normaliseStatus", () => {
  it("accepts v1, v2 and older v2 spellings", () => {
    expect(normaliseStatus("Active")).toBe("active")
    expect(normaliseStatus("ACTIVE")).toBe("active")
    expect(normaliseStatus("Invited")).toBe("invited")
    expect(normaliseStatus("INACTIVE")).toBe("inactive")
    expect(normaliseStatus("NotAUser")).toBe("not_a_user")
    expect(normaliseStatus("NOT_A_USER")).toBe("not_a_user")
    expect(normaliseStatus("Weird")).toBe("unknown")
    expect(normaliseStatus(null)).toBe("unknown")
  })
})

describe("keys and labels", () => {
  it("builds uids and labels", () => {
    expect(accountUid({ system: "keap", tenant: "ab123", externalId: "7" })).toBe("keap:ab123:7")
    expect(systemLabel("keap")).toBe("KeapUser")
    expect(systemLabel("google-workspace")).toBe("GoogleWorkspaceUser")
  })
  it("de-duplicates identifiers and skips empty keys", () => {
    expect(standardIdentifiers({ email: "a@b.co", globalUserId: "", infusionsoftId: null })).toEqual([
      { kind: "email", value: "a@b.co" },
    ])
  })
})

describe("connectedComponents", () => {
  it("links across tenants by e-mail and global user id, transitively", () => {
    const components = connectedComponents([
      account("t1", "1", "ana@x.io", "g1"),
      account("t2", "9", "ana.other@x.io", "g1"),
      account("okta-org", "u1", "ana.other@x.io"),
      account("t1", "2", "bob@x.io"),
    ])
    expect(components).toEqual([["keap:okta-org:u1", "keap:t1:1", "keap:t2:9"], ["keap:t1:2"]])
  })
  it("does not link through a shared mailbox", () => {
    const accounts = [
      account("t1", "1", "sales@x.io"),
      account("t1", "2", "sales@x.io"),
      account("t1", "3", "sales@x.io"),
      account("t2", "4", "sales@x.io"),
    ]
    expect(sharedIdentifiers(accounts)).toEqual(new Set(["email:sales@x.io"]))
    expect(connectedComponents(accounts)).toHaveLength(4)
  })
  it("treats two accounts of one tenant on one e-mail as one person (a duplicate)", () => {
    expect(connectedComponents([account("t1", "1", "dup@x.io"), account("t1", "2", "dup@x.io")])).toHaveLength(1)
  })
  it("is a partition of the input, whatever the input", () => {
    const arbAccount = fc.record({
      tenant: fc.constantFrom("t1", "t2", "t3"),
      id: fc.integer({ min: 1, max: 40 }).map(String),
      email: fc.option(fc.constantFrom("a@x.io", "b@x.io", "c@x.io", "d@x.io"), { nil: null }),
      global: fc.option(fc.constantFrom("g1", "g2", "g3"), { nil: null }),
    })
    fc.assert(
      fc.property(fc.array(arbAccount, { maxLength: 30 }), (rows) => {
        const accounts = rows.map((row) => account(row.tenant, row.id, row.email, row.global))
        const components = connectedComponents(accounts)
        const members = components.flat()
        expect(new Set(members).size).toBe(members.length)
        expect(new Set(members)).toEqual(new Set(accounts.map(accountUid)))
      }),
    )
  })
})
