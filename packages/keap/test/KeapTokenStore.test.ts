import { spawn } from "node:child_process"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { readTokens, type StoredTokens, writeTokens } from "../src/KeapTokenStore.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, "../../..")

const tokens = (n: number): StoredTokens => ({
  version: 1,
  accessToken: Redacted.make(`access-${n}`),
  refreshToken: Redacted.make(`refresh-${n}`),
  expiresAt: 1_000_000 + n,
  obtainedAt: n,
  scope: "full|ab123.infusionsoft.com",
})

const tempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "keap-tokens-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true })),
)

describe("KeapTokenStore", () => {
  it.scoped("writes with mode 0600 and reads back what it wrote", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir, "nested", "tenant.json")
      expect(yield* readTokens(file)).toBeNull()
      yield* writeTokens(file, tokens(1))
      yield* writeTokens(file, tokens(2))
      const read = yield* readTokens(file)
      expect(read && Redacted.value(read.refreshToken)).toBe("refresh-2")
      expect(read?.scope).toBe("full|ab123.infusionsoft.com")
      const stat = yield* Effect.promise(() => fs.stat(file))
      expect(stat.mode & 0o777).toBe(0o600)
      // No temp files are left behind after a clean write.
      expect(yield* Effect.promise(() => fs.readdir(path.dirname(file)))).toEqual(["tenant.json"])
    }),
  )

  it.scoped("reports a corrupt file as a decode error that shows no token", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir, "tenant.json")
      yield* Effect.promise(() => fs.writeFile(file, '{"version":1,"accessToken":"SECRET-AT","refreshToken":4}'))
      const error = yield* Effect.flip(readTokens(file))
      expect(error.operation).toBe("decode")
      expect(error.message).not.toContain("SECRET-AT")
    }),
  )

  it.live(
    "is never half-written when the writing process is killed at random moments",
    () =>
      Effect.gen(function* () {
        const dir = yield* Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "keap-kill-")))
        const file = path.join(dir, "tenant.json")
        let checked = 0
        for (let round = 0; round < 2; round++) {
          yield* Effect.promise(async () => {
            // node itself (not the tsx wrapper, which would leave its child running) so that SIGKILL hits the writer.
            const child = spawn(
              process.execPath,
              ["--import", "tsx", path.join(here, "fixtures", "tokenWriter.ts"), file],
              {
                cwd: repoRoot,
                stdio: ["ignore", "pipe", "inherit"],
              },
            )
            await new Promise<void>((resolve, reject) => {
              child.stdout.on("data", (chunk: Buffer) => {
                if (chunk.toString().includes("ready")) resolve()
              })
              child.on("exit", () => reject(new Error("token writer exited early")))
            })
            await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 200))
            const exited = new Promise((resolve) => child.once("exit", resolve))
            child.kill("SIGKILL")
            await exited
          })
          const read = yield* readTokens(file)
          expect(read).not.toBeNull()
          expect(Redacted.value(read!.refreshToken)).toMatch(/^refresh-\d+-x+$/)
          const stat = yield* Effect.promise(() => fs.stat(file))
          expect(stat.mode & 0o777).toBe(0o600)
          checked++
        }
        expect(checked).toBe(2)
        yield* Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
      }),
    60_000,
  )
})
