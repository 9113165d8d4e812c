import { describe, expect, it } from "@effect/vitest"
import { Redacted, Schema } from "effect"
import { API_KEY_LIMITS, baseUrlOf, KeapTenantConfig, limitsOf, OAUTH_LIMITS } from "../src/KeapConfig.js"

describe("KeapConfig", () => {
  it("decodes tenants from JSON with secrets as Redacted, and never prints them", () => {
    const [oauth, apiKey] = Schema.decodeUnknownSync(Schema.Array(KeapTenantConfig))([
      {
        name: "ab123",
        auth: {
          _tag: "oauth",
          client: { clientId: "client-id-1", clientSecret: "client-SECRET-1" },
          tokenStorePath: "/var/lib/idgraph/ab123.json",
        },
        baseUrl: "http://127.0.0.1:9999/",
        limits: { perSecond: 5 },
      },
      { name: "cd456", auth: { _tag: "apiKey", apiKey: "KeapAK-SECRET-KEY" }, apiVersion: "v1" },
    ])
    expect(oauth!.auth._tag === "oauth" && Redacted.value(oauth!.auth.client.clientSecret)).toBe("client-SECRET-1")
    expect(apiKey!.auth._tag === "apiKey" && Redacted.value(apiKey!.auth.apiKey)).toBe("KeapAK-SECRET-KEY")
    const printed = `${JSON.stringify(oauth)} ${JSON.stringify(apiKey)} ${String(oauth!.auth)}`
    expect(printed).not.toContain("SECRET")
    expect(baseUrlOf(oauth!)).toBe("http://127.0.0.1:9999")
    expect(baseUrlOf(apiKey!)).toBe("https://api.infusionsoft.com")
    expect(limitsOf(oauth!)).toEqual({ ...OAUTH_LIMITS, perSecond: 5 })
    expect(limitsOf(apiKey!)).toEqual(API_KEY_LIMITS)
  })

  it("refuses a tenant without a usable name or credential", () => {
    const decode = Schema.decodeUnknownEither(KeapTenantConfig)
    expect(decode({ name: "has space", auth: { _tag: "apiKey", apiKey: "k" } })._tag).toBe("Left")
    expect(decode({ name: "ok", auth: { _tag: "apiKey", apiKey: "" } })._tag).toBe("Left")
    expect(decode({ name: "ok", auth: { _tag: "oauth", client: { clientId: "a", clientSecret: "b" } } })._tag).toBe(
      "Left",
    )
  })
})
