/**
 * Throughput of a running sandbox over loopback, with keep-alive connections.
 *
 *   pnpm sandbox --no-limits --port 8789 &
 *   node packages/keap-sandbox/bench/throughput.mjs http://127.0.0.1:8789 KeapAK-sandbox-sak-kd582 5 32 "/crm/rest/v2/users/1"
 *
 * Arguments: base URL, API key, seconds (5), concurrent connections (32), path (`/crm/rest/v1/users?limit=1`).
 */
import http from "node:http"

const [baseUrl = "http://127.0.0.1:8789", apiKey = "KeapAK-sandbox-sak-kd582", seconds = "5", concurrency = "32"] =
  process.argv.slice(2)
const path = process.argv[6] ?? "/crm/rest/v1/users?limit=1"
const target = new URL(path, baseUrl)
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) })
const deadline = performance.now() + Number(seconds) * 1000
const statuses = new Map()
let completed = 0

const once = () =>
  new Promise((resolve, reject) => {
    const request = http.get(target, { agent, headers: { "x-keap-api-key": apiKey } }, (response) => {
      response.resume()
      response.on("end", () => {
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1)
        resolve()
      })
    })
    request.on("error", reject)
  })

const worker = async () => {
  while (performance.now() < deadline) {
    await once()
    completed++
  }
}

const started = performance.now()
await Promise.all(Array.from({ length: Number(concurrency) }, worker))
const elapsed = (performance.now() - started) / 1000
agent.destroy()
console.log(
  `${completed} requests in ${elapsed.toFixed(2)} s = ${Math.round(completed / elapsed)} req/s on ${path}; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
)
