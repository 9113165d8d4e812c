import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { AccountsFile } from "@idgraph/graph"
import { generateDataset } from "@idgraph/keap-sandbox"
import { Chunk, Effect, Stream } from "effect"
import { DEMO_IDP, idpExportLines } from "../src/Demo.js"

describe("Demo IdP export", () => {
  it.effect("holds everyone but the leavers, people without Keap accounts included, in the accounts-file format", () =>
    Effect.gen(function* () {
      const dataset = generateDataset(42, 3, 50)
      const lines = idpExportLines(dataset)
      const stayers = dataset.people.filter((person) => !person.leaver)
      expect(dataset.people.some((person) => person.leaver)).toBe(true)
      expect(stayers.some((person) => person.accounts.length === 0)).toBe(true)
      expect(lines).toHaveLength(stayers.length)

      // The graph's own reader accepts every line: the demo's file is what `ingest file` loads.
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "idgraph-idp-")), "idp.jsonl")
      fs.writeFileSync(file, `${lines.join("\n")}\n`)
      const records = Chunk.toReadonlyArray(yield* Stream.runCollect(AccountsFile.read(file, DEMO_IDP)))
      expect(records.map((record) => record.email).sort()).toEqual(stayers.map((person) => person.primaryEmail).sort())
      expect(records.every((record) => record.system === "okta" && record.status === "active")).toBe(true)
      const leaverEmails = new Set(
        dataset.people.filter((person) => person.leaver).map((person) => person.primaryEmail),
      )
      expect(records.some((record) => record.email !== null && leaverEmails.has(record.email))).toBe(false)
    }),
  )
})
