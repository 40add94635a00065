/**
 * Soak: one RTM session against FakeSlack on 127.0.0.1 goes through
 * forced reconnects of mixed kinds while messages are sent, and every figure
 * a careful user would ask about is counted and checked:
 *
 * - every send ends acked or with a typed error; none hangs (each has a
 *   30 s deadline), none is lost without a word, none reaches the server
 *   twice;
 * - zero unhandled errors and zero defects (a capturing Effect logger at
 *   every level, and `process` `unhandledRejection` / `uncaughtException`);
 * - heap after GC at the end within 10 MB of its value after the first 10
 *   reconnects;
 * - timers and sockets back to their warm count while the session is open,
 *   and to the baseline once it and the fake are closed
 *   (`process.getActiveResourcesInfo()`).
 *
 * Usage: `npm run soak -- [--reconnects 200] [--messages 2000] [--seed 1]
 * [--deadline 300]`. Exits 1 if any check fails. Bounded: at most
 * `--reconnects` faults, `--messages` sends, and `--deadline` seconds.
 */
import { Deferred, Duration, Effect, Fiber, Layer, Metric, type MetricState, Option, Schedule, Stream } from "effect"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import * as Metrics from "../src/internal/metrics.js"
import * as RtmSession from "../src/RtmSession.js"
import * as Slack from "../src/Slack.js"
import * as FakeSlack from "../src/testing/FakeSlack.js"
import { capturingLogger, countProcessFaults, numericArg, prng, waitUntil } from "./harness.js"

const settings = {
  reconnects: numericArg("reconnects", 200),
  messages: numericArg("messages", 2_000),
  seed: numericArg("seed", 1),
  deadlineSeconds: numericArg("deadline", 300),
  senders: 8,
  warmAfter: 10
}

// --- process-level traps --------------------------------------------------

const processFaults = countProcessFaults()

/** A real GC: `--expose-gc` if given, else switched on at run time. */
const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => {
  v8.setFlagsFromString("--expose-gc")
  return vm.runInNewContext("gc") as () => void
})()

const heapAfterGc = Effect.promise(async () => {
  for (let n = 0; n < 3; n++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
})

/** Active handles and requests by kind: `TCPSocketWrap`, `Timeout`, …. */
const resources = () => {
  const counts: Record<string, number> = {}
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1
  return counts
}

/** The kinds that matter for leaks: sockets, servers and timers. */
const leakKinds = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([name]) => /TCP|Timeout|Immediate|Timer/.test(name)))

/** Resources after the event loop has had a moment to finish closing. */
const settledResources = Effect.promise(async () => {
  await new Promise((resolve) => setTimeout(resolve, 300))
  const counts = resources()
  // the timer that waited above is gone; nothing of ours is left pending
  return counts
})

const sameKinds = (a: Record<string, number>, b: Record<string, number>) => {
  const left = leakKinds(a)
  const right = leakKinds(b)
  const names = new Set([...Object.keys(left), ...Object.keys(right)])
  return [...names].every((name) => (left[name] ?? 0) === (right[name] ?? 0))
}

// --- faults ---------------------------------------------------------------

type FaultKind =
  | "close 1000"
  | "close 1001"
  | "close 1011"
  | "close 4000"
  | "TCP drop (1006)"
  | "TCP reset"
  | "goodbye, no close"
  | "team_migration_started"
  | "silence (pong timeout)"
  | "no hello (hello timeout)"
  | "drop + internal_error"
  | "drop + HTTP 502"
  | "drop + HTTP 429"

const faultKinds: ReadonlyArray<FaultKind> = [
  "close 1000",
  "close 1001",
  "close 1011",
  "close 4000",
  "TCP drop (1006)",
  "TCP reset",
  "goodbye, no close",
  "team_migration_started",
  "silence (pong timeout)",
  "no hello (hello timeout)",
  "drop + internal_error",
  "drop + HTTP 502",
  "drop + HTTP 429"
]

/** Injects one fault; resolves once the fault has been applied (not once the session is back). */
const inject = (server: FakeSlack.Service, kind: FaultKind, reconnecting: () => number) =>
  Effect.gen(function*() {
    const before = reconnecting()
    const ended = waitUntil(`the connection to end after ${kind}`, () => reconnecting() > before)
    switch (kind) {
      case "close 1000":
        return yield* server.closeSockets(1000)
      case "close 1001":
        return yield* server.closeSockets(1001, "going away")
      case "close 1011":
        return yield* server.closeSockets(1011)
      case "close 4000":
        return yield* server.closeSockets(4000)
      case "TCP drop (1006)":
        return yield* server.dropSockets
      case "TCP reset":
        return yield* server.resetSockets
      case "goodbye, no close":
        return yield* server.goodbye
      case "team_migration_started":
        return yield* Effect.asVoid(server.push({ type: "team_migration_started" }))
      case "silence (pong timeout)":
        yield* server.setSilent(true)
        yield* ended
        return yield* server.setSilent(false)
      case "no hello (hello timeout)":
        yield* server.setHello({ skip: true })
        yield* server.dropSockets
        yield* ended
        yield* waitUntil("a hello timeout", () => reconnecting() > before + 1)
        return yield* server.setHello({})
      case "drop + internal_error":
        // three failures: the Web API client's two attempts fail (the session sees connect_failed), then one more
        yield* server.failNext("rtm.connect", "internal_error")
        yield* server.failNext("rtm.connect", "internal_error")
        yield* server.failNext("rtm.connect", "internal_error")
        return yield* server.dropSockets
      case "drop + HTTP 502":
        // one failure: the Web API client's second attempt gets through
        yield* server.answerNext("rtm.connect", { status: 502, body: "<html><h1>502 Bad Gateway</h1></html>" })
        return yield* server.dropSockets
      case "drop + HTTP 429":
        // two failures: both attempts of the Web API client (the session sees connect_failed)
        yield* server.answerNext(
          "rtm.connect",
          { status: 429, headers: { "retry-after": "0" }, body: "" },
          { status: 429, body: "" }
        )
        return yield* server.dropSockets
    }
  })

// --- the run --------------------------------------------------------------

const frequency = (metric: typeof Metrics.reconnects) =>
  Effect.map(Metric.value(metric), (state: MetricState.MetricState.Frequency) => Object.fromEntries(state.occurrences))

const main = Effect.gen(function*() {
  const started = Date.now()
  const logs = capturingLogger({ keep: false })
  const baseline = yield* settledResources
  const rng = prng(settings.seed)

  const result = yield* Effect.gen(function*() {
    const server = yield* FakeSlack.make()
    const context = yield* Layer.build(Slack.layer({
      ...server.options,
      retry: Schedule.spaced("10 millis").pipe(Schedule.intersect(Schedule.recurs(1))),
      timeout: "5 seconds"
    }))

    const figures = yield* Effect.scoped(Effect.gen(function*() {
      const session = yield* RtmSession.make({
        helloTimeout: "500 millis",
        pingInterval: "250 millis",
        pongTimeout: "250 millis",
        ackTimeout: "3 seconds",
        reconnect: Schedule.spaced("10 millis"),
        stableAfter: "1 hour",
        rateLimit: false
      }).pipe(Effect.provide(context))

      // count states and events without keeping them, so the heap figure is the session's own
      const counters = { connected: 0, reconnecting: 0, closed: 0, events: 0, dropped: 0, eventsEnded: false }
      const causes: Record<string, number> = {}
      yield* session.state.pipe(
        Stream.runForEach((state) =>
          Effect.sync(() => {
            if (state._tag === "Connected") counters.connected++
            if (state._tag === "Closed") counters.closed++
            if (state._tag === "Reconnecting") {
              counters.reconnecting++
              causes[state.cause.reason] = (causes[state.cause.reason] ?? 0) + 1
            }
          })
        ),
        Effect.forkScoped
      )
      yield* session.events.pipe(
        Stream.runForEach((event) =>
          Effect.sync(() => {
            counters.events++
            if (event.type === "events_dropped") counters.dropped += event.count
          })
        ),
        Effect.ensuring(Effect.sync(() => void (counters.eventsEnded = true))),
        Effect.forkScoped
      )
      yield* waitUntil("the first state", () => counters.connected > 0)

      // senders: message i may go once fault ⌊i·R/M⌋ has been injected (its "turn"), so sends
      // overlap every fault; turns are Deferreds, so waiting senders hold no timer
      const turnOf = (index: number) => Math.floor((index * settings.reconnects) / Math.max(1, settings.messages))
      const turns = yield* Effect.forEach(
        Array.from({ length: settings.reconnects + 1 }),
        () => Deferred.make<void>()
      )
      const openTurn = (turn: number) => Deferred.succeed(turns[turn]!, void 0)
      yield* openTurn(0)
      let finished = 0
      const outcomes: Record<string, number> = {}
      const ackTs = new Set<string>()
      let duplicateAcks = 0
      const sendOne = (index: number) =>
        Effect.gen(function*() {
          yield* Deferred.await(turns[turnOf(index)]!)
          const outcome = yield* session.sendMessage({ channel: "C1", text: `soak ${index}` }).pipe(
            Effect.timeout("30 seconds"),
            Effect.match({
              onFailure: (error) => error._tag === "TimeoutException" ? "hung (no outcome within 30 s)" : error._tag,
              onSuccess: (ack) => {
                if (ackTs.has(ack.ts)) duplicateAcks++
                ackTs.add(ack.ts)
                return ack.text === `soak ${index}` ? "acked" : "acked with another text"
              }
            })
          )
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
          finished++
        })
      const senders = yield* Effect.forEach(
        Array.from({ length: settings.messages }, (_, index) => index),
        sendOne,
        { concurrency: settings.senders, discard: true }
      ).pipe(Effect.fork)
      /** How many messages belong to turns up to `turn`. */
      const sendsUpTo = (turn: number) =>
        Array.from({ length: settings.messages }, (_, index) => index).filter((index) => turnOf(index) <= turn).length

      // faults
      const injected: Record<string, number> = {}
      const recoveryMillis: Array<number> = []
      let stuck = 0
      let warm: { heap: number; resources: Record<string, number>; atMillis: number } | undefined
      for (let n = 0; n < settings.reconnects; n++) {
        const kind = faultKinds[(n + rng.int(0, faultKinds.length - 1)) % faultKinds.length]!
        const connectedBefore = counters.connected
        const reconnectingBefore = counters.reconnecting
        const faultAt = Date.now()
        const applied = yield* inject(server, kind, () => counters.reconnecting).pipe(
          Effect.zipRight(
            waitUntil(
              `connected again after ${kind}`,
              () => counters.reconnecting > reconnectingBefore && counters.connected > connectedBefore
            )
          ),
          Effect.timeout("20 seconds"),
          Effect.catchAllDefect(() => Effect.fail("stuck")),
          Effect.either
        )
        if (applied._tag === "Right") recoveryMillis.push(Date.now() - faultAt)
        if (applied._tag === "Left") {
          stuck++
          yield* server.setSilent(false)
          yield* server.setHello({})
        }
        injected[kind] = (injected[kind] ?? 0) + 1
        if (n + 1 === settings.warmAfter) {
          // a quiet moment: connected, and every send allowed so far has its outcome
          const due = sendsUpTo(n)
          yield* waitUntil("the first turns' sends", () => finished >= due, { timeout: "60 seconds" })
          warm = { heap: yield* heapAfterGc, resources: yield* settledResources, atMillis: Date.now() - started }
        }
        yield* openTurn(n + 1)
        // messages flow between faults
        yield* Effect.sleep(Duration.millis(rng.int(0, 20)))
      }

      yield* Fiber.join(senders).pipe(Effect.timeout(`${settings.deadlineSeconds} seconds`), Effect.option)
      yield* waitUntil("every send's outcome", () => finished === settings.messages, { timeout: "60 seconds" }).pipe(
        Effect.catchAllDefect(() => Effect.void)
      )
      const received = yield* server.received
      const texts = received.flatMap((frame) => frame["type"] === "message" ? [String(frame["text"])] : [])
      const duplicatesOnServer = texts.length - new Set(texts).size
      const requests = yield* server.requests
      // what the fake itself keeps (every frame and request), as JSON text: part of the heap growth
      const fakeRecords = JSON.stringify(received).length + JSON.stringify(requests).length
      const endOpen = { heap: yield* heapAfterGc, resources: yield* settledResources }
      const reconnectsByReason = yield* frequency(Metrics.reconnects)
      const sendMetric = yield* frequency(Metrics.sends)
      return {
        counters,
        causes,
        outcomes,
        duplicateAcks,
        duplicatesOnServer,
        messagesOnServer: texts.length,
        injected,
        recoveryMillis,
        stuck,
        warm,
        endOpen,
        reconnectsByReason,
        sendMetric,
        webApiRequests: requests.length,
        fakeRecords,
        framesOnServer: received.length,
        sockets: yield* server.connections
      }
    }))
    return figures
  }).pipe(Effect.scoped, Effect.provide(logs.layer))

  const closedResources = yield* settledResources
  const closedHeap = yield* heapAfterGc
  return { ...result, baseline, closedResources, closedHeap, logs, millis: Date.now() - started }
})

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`

const report = await Effect.runPromise(main.pipe(
  Effect.timeout(`${settings.deadlineSeconds + 60} seconds`),
  Effect.map(Option.some),
  Effect.catchTag("TimeoutException", () => Effect.succeed(Option.none()))
))

if (Option.isNone(report)) {
  console.log(`FAIL: the soak did not finish within ${settings.deadlineSeconds + 60} s`)
  process.exit(1)
}
const r = report.value
const sends = Object.values(r.outcomes).reduce((sum, n) => sum + n, 0)
const acked = r.outcomes["acked"] ?? 0
const hung = r.outcomes["hung (no outcome within 30 s)"] ?? 0
const heapGrowth = r.warm === undefined ? Number.NaN : r.endOpen.heap - r.warm.heap

const checks: Array<[string, boolean]> = [
  [
    `${settings.reconnects} faults injected, none stuck`,
    Object.values(r.injected).reduce((a, b) => a + b, 0) === settings.reconnects && r.stuck === 0
  ],
  [
    `every connection-ending fault reconnected (Reconnecting states ≥ ${settings.reconnects})`,
    r.counters.reconnecting >= settings.reconnects
  ],
  [
    `${settings.messages} sends, each acked or a typed error`,
    sends === settings.messages && hung === 0 && (r.outcomes["acked with another text"] ?? 0) === 0
  ],
  ["no send acked twice, no message on the server twice", r.duplicateAcks === 0 && r.duplicatesOnServer === 0],
  ["every acked message reached the server", acked <= r.messagesOnServer],
  [
    "zero unhandled errors",
    r.logs.counts.unhandled === 0 && processFaults.unhandledRejection === 0 && processFaults.uncaughtException === 0
  ],
  ["zero defects in the logs", r.logs.counts.defects === 0],
  ["no log at level Error (the session never ended)", r.logs.counts.errors === 0 && r.counters.closed === 0],
  ["heap after GC within 10 MB of its value after 10 reconnects", Math.abs(heapGrowth) <= 10 * 1024 * 1024],
  [
    "sockets and timers at the end equal those after 10 reconnects (session open)",
    r.warm !== undefined && sameKinds(r.warm.resources, r.endOpen.resources)
  ],
  ["sockets and timers back to the baseline once closed", sameKinds(r.baseline, r.closedResources)]
]

console.log(
  `soak: seed ${settings.seed}, ${settings.reconnects} faults, ${settings.messages} messages, ${
    (r.millis / 1000).toFixed(1)
  } s`
)
console.log(`faults injected: ${JSON.stringify(r.injected)}`)
console.log(`Reconnecting causes (state stream): ${JSON.stringify(r.causes)}`)
console.log(`reconnects metric by reason: ${JSON.stringify(r.reconnectsByReason)}`)
const recovery = r.recoveryMillis.slice().sort((a, b) => a - b)
const percentile = (p: number) =>
  recovery[Math.min(recovery.length - 1, Math.floor((p / 100) * recovery.length))] ?? Number.NaN
console.log(
  `fault to Connected again (ms, timeouts included): p50 ${percentile(50)}, p95 ${percentile(95)}, max ${
    recovery.at(-1)
  }`
)
console.log(
  `sockets opened: ${r.sockets}; Web API requests: ${r.webApiRequests}; events received: ${r.counters.events}`
)
console.log(`send outcomes: ${JSON.stringify(r.outcomes)}`)
console.log(`messages seen by the server: ${r.messagesOnServer} (duplicates ${r.duplicatesOnServer})`)
console.log(`logs: ${JSON.stringify(r.logs.counts)}`)
console.log(
  `process: unhandledRejection ${processFaults.unhandledRejection}, uncaughtException ${processFaults.uncaughtException}`
)
console.log(
  `heap after GC: after ${settings.warmAfter} reconnects ${r.warm ? mb(r.warm.heap) : "n/a"}, at the end ${
    mb(r.endOpen.heap)
  } (growth ${mb(heapGrowth)}), after close ${mb(r.closedHeap)}`
)
console.log(
  `FakeSlack's own records at the end: ${r.framesOnServer} frames and ${r.webApiRequests} requests, ${
    mb(r.fakeRecords)
  } as JSON text`
)
console.log(
  `resources (sockets, timers): baseline ${
    JSON.stringify(leakKinds(r.baseline))
  }, after ${settings.warmAfter} reconnects ${JSON.stringify(leakKinds(r.warm?.resources ?? {}))}, end ${
    JSON.stringify(leakKinds(r.endOpen.resources))
  }, closed ${JSON.stringify(leakKinds(r.closedResources))}`
)
for (const entry of r.logs.entries.slice(0, 10)) {
  console.log(`problem log: ${entry.level} ${entry.message}${entry.cause ? `\n${entry.cause}` : ""}`)
}
for (const sample of processFaults.samples.slice(0, 10)) console.log(`process: ${sample}`)
let failed = 0
for (const [name, ok] of checks) {
  console.log(`${ok ? "PASS" : "FAIL"} ${name}`)
  if (!ok) failed++
}
process.exitCode = failed === 0 ? 0 : 1
