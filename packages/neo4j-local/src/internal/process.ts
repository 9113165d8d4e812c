/** Small process helpers shared by the Maven and Docker strategies. */
import { type ChildProcess, spawn } from "node:child_process"
import * as net from "node:net"
import { Effect } from "effect"

/** Runs a command to completion and returns its exit code and combined output (never fails). */
export const runCommand = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly timeoutMs?: number } = {},
): Effect.Effect<{ readonly exitCode: number | null; readonly output: string }> =>
  Effect.async((resume) => {
    let output = ""
    let child: ChildProcess
    try {
      child = spawn(command, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] })
    } catch (error) {
      resume(Effect.succeed({ exitCode: null, output: String(error) }))
      return
    }
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs)
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
    })
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
    })
    child.on("error", (error) => {
      if (timer) clearTimeout(timer)
      resume(Effect.succeed({ exitCode: null, output: output + String(error) }))
    })
    child.on("close", (code) => {
      if (timer) clearTimeout(timer)
      resume(Effect.succeed({ exitCode: code, output }))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** Whether nothing listens on 127.0.0.1:port (we could bind it). */
export const isPortFree = (port: number): Effect.Effect<boolean> =>
  Effect.async((resume) => {
    const server = net.createServer()
    server.once("error", () => resume(Effect.succeed(false)))
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      server.close(() => resume(Effect.succeed(true)))
    })
  })

/** A port on 127.0.0.1 that was free a moment ago. */
export const freePort: Effect.Effect<number> = Effect.async((resume) => {
  const server = net.createServer()
  server.listen({ port: 0, host: "127.0.0.1" }, () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Whether a process with this pid exists. */
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}
