/**
 * Leases in the graph: a `(:RunLease {uid})` node whose holder and expiry serialise work that must not interleave
 * (two runs on one tenant; two identity maintenances). A holder that dies stops renewing and the lease expires.
 */
import type { Neo4jConnection } from "@idgraph/neo4j-local"
import { Duration, Effect, Schedule, type Scope } from "effect"
import { type GraphError, RunLeaseHeld } from "../GraphErrors.js"
import { int, writeRows } from "./cypher.js"

// `SET l.lockedAt` takes the node's write lock before the holder is read, so two runs racing for one lease are
// serialised by Neo4j and the second reads the first's committed holder.
const ACQUIRE = `
MERGE (l:RunLease {uid: $lease})
SET l.lockedAt = $nowMs
WITH l, (l.holder IS NULL OR l.expiresAtMs < $nowMs OR l.holder = $holder) AS free
SET l.holder = CASE WHEN free THEN $holder ELSE l.holder END,
    l.expiresAtMs = CASE WHEN free THEN $nowMs + $ttlMs ELSE l.expiresAtMs END
RETURN free, l.holder AS holder, l.expiresAtMs AS expiresAtMs`

const RENEW = `
MATCH (l:RunLease {uid: $lease}) WHERE l.holder = $holder
SET l.expiresAtMs = $nowMs + $ttlMs
RETURN count(l) AS renewed`

const RELEASE = `
MATCH (l:RunLease {uid: $lease}) WHERE l.holder = $holder
REMOVE l.holder, l.expiresAtMs
RETURN count(l) AS released`

export interface LeaseOptions {
  readonly ttl: Duration.Duration
  /** How long to wait for a held lease before failing with `RunLeaseHeld`; zero fails at once. */
  readonly wait: Duration.Duration
}

const tryAcquire = (connection: Neo4jConnection, lease: string, holder: string, ttl: Duration.Duration) =>
  Effect.flatMap(
    // Suspended so that each retry reads the clock again.
    Effect.suspend(() =>
      writeRows(connection, `acquiring the lease ${lease}`, ACQUIRE, {
        lease,
        holder,
        nowMs: int(Date.now()),
        ttlMs: int(Duration.toMillis(ttl)),
      }),
    ),
    (rows) => {
      const row = rows[0]!
      return row.free === true
        ? Effect.void
        : Effect.fail(
            new RunLeaseHeld({
              lease,
              holder: String(row.holder),
              expiresAt: new Date(Number(row.expiresAtMs)).toISOString(),
            }),
          )
    },
  )

/**
 * Holds `lease` for the scope: acquires it (waiting up to `options.wait`), renews it in the background and releases
 * it when the scope closes, however it closes.
 */
export const holdLease = (
  connection: Neo4jConnection,
  lease: string,
  holder: string,
  options: LeaseOptions,
): Effect.Effect<void, GraphError | RunLeaseHeld, Scope.Scope> =>
  Effect.gen(function* () {
    const waitMs = Duration.toMillis(options.wait)
    yield* Effect.acquireRelease(
      waitMs === 0
        ? tryAcquire(connection, lease, holder, options.ttl)
        : tryAcquire(connection, lease, holder, options.ttl).pipe(
            Effect.retry({
              while: (error) => error._tag === "RunLeaseHeld",
              schedule: Schedule.spaced("250 millis").pipe(Schedule.upTo(Duration.millis(waitMs))),
            }),
          ),
      () =>
        writeRows(connection, `releasing the lease ${lease}`, RELEASE, { lease, holder }).pipe(
          Effect.timeout("10 seconds"),
          Effect.ignore,
        ),
    )
    const renewEvery = Duration.millis(Math.max(100, Duration.toMillis(options.ttl) / 3))
    yield* Effect.suspend(() =>
      writeRows(connection, `renewing the lease ${lease}`, RENEW, {
        lease,
        holder,
        nowMs: int(Date.now()),
        ttlMs: int(Duration.toMillis(options.ttl)),
      }),
    ).pipe(Effect.ignore, Effect.delay(renewEvery), Effect.forever, Effect.forkScoped)
  })
