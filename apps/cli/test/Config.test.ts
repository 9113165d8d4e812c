import { describe, expect, it } from "@effect/vitest"
import { Either, Redacted } from "effect"
import { apiKeyVariable, parseConfigFile, resolveConfig } from "../src/IdgraphConfig.js"

const file = "idgraph.config.json"
const parsed = (json: unknown) => Either.getOrThrow(parseConfigFile(file, JSON.stringify(json)))

describe("IdgraphConfig", () => {
  it("builds OAuth and API-key tenants, secrets Redacted", () => {
    const config = Either.getOrThrow(
      resolveConfig(
        file,
        parsed({
          keap: {
            baseUrl: "http://127.0.0.1:9999",
            tenants: [
              { name: "ab123", auth: "oauth", tokenStore: "/tmp/t/ab123.json" },
              { name: "cd-456", auth: "apiKey", apiVersion: "v1" },
            ],
          },
        }),
        { KEAP_CLIENT_ID: "id", KEAP_CLIENT_SECRET: "s3cret", KEAP_API_KEY_CD_456: "KeapAK-key" },
      ),
    )
    expect(config.tenants.map((tenant) => tenant.config.name)).toEqual(["ab123", "cd-456"])
    const [oauth, apiKey] = config.tenants
    expect(oauth!.config.baseUrl).toBe("http://127.0.0.1:9999")
    if (oauth!.config.auth._tag !== "oauth") throw new Error("expected oauth")
    expect(Redacted.value(oauth!.config.auth.client.clientSecret)).toBe("s3cret")
    expect(oauth!.config.auth.tokenStorePath).toBe("/tmp/t/ab123.json")
    expect(String(oauth!.config.auth.client.clientSecret)).not.toContain("s3cret")
    expect(apiKey!.config.apiVersion).toBe("v1")
    if (apiKey!.config.auth._tag !== "apiKey") throw new Error("expected apiKey")
    expect(Redacted.value(apiKey!.config.auth.apiKey)).toBe("KeapAK-key")
  })

  it("names the missing secret without showing any", () => {
    const result = resolveConfig(file, parsed({ keap: { tenants: [{ name: "ab123", auth: "oauth" }] } }), {
      KEAP_CLIENT_ID: "id",
    })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.setting).toBe("KEAP_CLIENT_SECRET")
      expect(result.left.message).toContain("KEAP_CLIENT_SECRET")
    }
    const key = resolveConfig(file, parsed({ keap: { tenants: [{ name: "x.y", auth: "apiKey" }] } }), {})
    expect(Either.isLeft(key) && key.left.setting).toBe(apiKeyVariable("x.y"))
    expect(apiKeyVariable("x.y")).toBe("KEAP_API_KEY_X_Y")
  })

  it("only needs the secrets of the tenants asked for", () => {
    const config = resolveConfig(
      file,
      parsed({
        keap: {
          tenants: [
            { name: "a", auth: "oauth" },
            { name: "b", auth: "apiKey" },
          ],
        },
      }),
      { KEAP_API_KEY_B: "k" },
      ["b"],
    )
    expect(Either.isRight(config) && config.right.tenants.map((t) => t.config.name)).toEqual(["b"])
    const unknown = resolveConfig(file, parsed({ keap: { tenants: [{ name: "a", auth: "apiKey" }] } }), {}, ["zz"])
    expect(Either.isLeft(unknown) && unknown.left.setting).toBe("--tenant")
  })

  it("reports bad files with the path of the setting", () => {
    const badAuth = parseConfigFile(file, JSON.stringify({ keap: { tenants: [{ name: "a", auth: "password" }] } }))
    expect(Either.isLeft(badAuth) && badAuth.left.setting).toBe(`${file}: keap.tenants[0].auth`)
    const extra = parseConfigFile(file, JSON.stringify({ keap: { tenant: [] } }))
    expect(Either.isLeft(extra) && extra.left.setting).toContain("keap.tenant")
    const notJson = parseConfigFile(file, "{ nope")
    expect(Either.isLeft(notJson) && notJson.left.expected).toBe("a JSON document")
    const badUrl = resolveConfig(file, parsed({ keap: { baseUrl: "ftp://x", tenants: [] } }), {})
    expect(Either.isLeft(badUrl) && badUrl.left.setting).toBe("keap.baseUrl")
    const duplicate = resolveConfig(
      file,
      parsed({
        keap: {
          tenants: [
            { name: "a", auth: "apiKey" },
            { name: "a", auth: "apiKey" },
          ],
        },
      }),
      { KEAP_API_KEY_A: "k" },
    )
    expect(Either.isLeft(duplicate) && duplicate.left.setting).toBe("keap.tenants[1].name")
  })
})
