import neo4j from "neo4j-driver"
import { queriesFor } from "./src/internal/loader.js"
const d = neo4j.driver("bolt://127.0.0.1:7688")
const r = await d.executeQuery("EXPLAIN " + queriesFor("keap").create, { rows: [], tenantUid: "x" })
const walk = (p: { operatorType: string; arguments: Record<string, unknown>; children: Array<unknown> }, depth = 0): void => {
  console.log(" ".repeat(depth) + p.operatorType + " " + String(p.arguments?.Details ?? "").slice(0, 100))
  for (const c of p.children) walk(c as never, depth + 1)
}
walk(r.summary.plan as never)
await d.close()
