/**
 * Benchmark 1: inbound events per second.
 *
 * The client connects, asks the server to blast `warmup + count` message
 * events (about 300 bytes each) as fast as the socket drains, and times the
 * last `count` of them: from the first timed event to the last, so neither
 * start-up nor the warm-up events are in the figure.
 *
 * Variants (`variant` setting):
 * - `ours`: `RtmSession.make`, every event decoded with its Schema, consumed
 *   with `Stream.runForEach(session.events, …)`: one Effect per event;
 * - `ours-chunks`: the same, consumed with `Stream.runForEachChunk`: one
 *   Effect per chunk the stream hands over;
 * - `rtm-api`: `@slack/rtm-api`'s `RTMClient`, `on("message")`;
 * - `ws`: raw `ws` and `JSON.parse`, the ceiling.
 *
 * With the `heapProfile` setting (a file path), the V8 sampling heap
 * profiler runs exactly over the timed window, counting objects already
 * collected too (unlike `--heap-prof`, which keeps only the survivors), and
 * the profile is written there: it shows what the path allocates per event.
 *
 * Each variant imports only what it uses. Result: `{ eventsPerSecond,
 * cpuMicrosPerEvent, received, dropped, complete, window }`, where
 * `cpuMicrosPerEvent` is the process's CPU time (user + system) over the
 * timed window per event, which other load disturbs less than wall time,
 * and `window` is the timed span
 * in `process.hrtime` microseconds (the clock of `--cpu-prof`), so that a
 * profile can be cut to it.
 *
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import { Session } from "node:inspector"
import type { RtmEvent as Events } from "../src/index.js"
import { apiUrl, readArgs, report, token, runVariant } from "./common.js"

const args = readArgs(90_000)
const warmup = Number(args["warmup"] ?? 20_000)
const count = Number(args["count"] ?? 100_000)
const total = warmup + count
const idleMs = 3_000
const heapProfile = typeof args["heapProfile"] === "string" ? args["heapProfile"] : undefined

/** Starts and stops the in-process sampling heap profiler (its calls are synchronous). */
const allocationSampler = (file: string) => {
  const session = new Session()
  session.connect()
  return {
    start: () => {
      session.post("HeapProfiler.enable")
      session.post("HeapProfiler.startSampling", {
        samplingInterval: 16_384,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true
      })
    },
    stop: () =>
      session.post("HeapProfiler.stopSampling", (error, result) => {
        if (error === null) Fs.writeFileSync(file, JSON.stringify(result.profile))
      })
  }
}
const sampler = heapProfile === undefined ? undefined : allocationSampler(heapProfile)

/** Counts message events and takes the two timestamps. */
const makeCounter = (finish: () => void) => {
  let received = 0
  let dropped = 0
  let first = 0
  let last = 0
  let firstMicros = 0
  let lastMicros = 0
  let firstCpu = process.cpuUsage()
  let lastCpu = firstCpu
  let idle: NodeJS.Timeout | undefined
  const arm = () => {
    if (idle !== undefined) clearTimeout(idle)
    idle = setTimeout(finish, idleMs)
  }
  return {
    message: () => {
      received++
      if (received === warmup + 1) {
        sampler?.start()
        first = performance.now()
        firstMicros = Number(process.hrtime.bigint() / 1000n)
        firstCpu = process.cpuUsage()
      }
      if (received === total) {
        last = performance.now()
        lastMicros = Number(process.hrtime.bigint() / 1000n)
        lastCpu = process.cpuUsage(firstCpu)
        sampler?.stop()
        finish()
      } else if ((received & 1023) === 0) {
        arm()
      }
    },
    dropped: (n: number) => void (dropped += n),
    end: () => finish(),
    arm,
    result: () => ({
      eventsPerSecond: last > first ? ((count - 1) * 1000) / (last - first) : 0,
      cpuMicrosPerEvent: last > first ? (lastCpu.user + lastCpu.system) / (count - 1) : 0,
      received,
      dropped,
      complete: received === total,
      window: [firstMicros, lastMicros]
    })
  }
}

const runOurs = async (byChunk: boolean) => {
  const { Chunk, Deferred, Effect, Exit, Redacted, Stream } = await import("effect")
  const { RtmSession, Slack } = await import("../src/index.js")
  const done = await Effect.runPromise(Deferred.make<void>())
  const counter = makeCounter(() => Deferred.unsafeDone(done, Exit.void))
  const program = Effect.gen(function*() {
    const session = yield* RtmSession.make()
    yield* session.send({ type: "bench_go", count: total })
    counter.arm()
    const count = (event: Events.RtmEvent) => {
      if (event.type === "message") counter.message()
      else if (event.type === "events_dropped") counter.dropped(event.count)
      else if (event.type === "unknown" && event.originalType === "bench_end") counter.end()
    }
    yield* Effect.raceFirst(
      byChunk
        ? Stream.runForEachChunk(session.events, (chunk) => Effect.sync(() => Chunk.forEach(chunk, count)))
        : Stream.runForEach(session.events, (event) => Effect.sync(() => count(event))),
      Deferred.await(done)
    )
  }).pipe(
    Effect.scoped,
    Effect.timeout("60 seconds"),
    Effect.provide(Slack.layer({ token: Redacted.make(token), apiUrl: apiUrl(args.port) }))
  )
  await Effect.runPromise(program)
  report({ variant: byChunk ? "ours-chunks" : "ours", ...counter.result() })
}

const runRtmApi = async () => {
  const { LogLevel, RTMClient } = await import("@slack/rtm-api")
  const rtm = new RTMClient(token, { slackApiUrl: apiUrl(args.port), logLevel: LogLevel.WARN })
  const counter = makeCounter(() => report({ variant: "rtm-api", ...counter.result() }))
  rtm.on("message", () => counter.message())
  rtm.on("bench_end", () => counter.end())
  rtm.on("ready", () => {
    counter.arm()
    void rtm.send("bench_go", { count: total })
  })
  await rtm.start()
}

const runWs = async () => {
  const { default: WebSocket } = await import("ws")
  const response = await fetch(`${apiUrl(args.port)}rtm.connect`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` }
  })
  const { url } = (await response.json()) as { url: string }
  const ws = new WebSocket(url)
  const counter = makeCounter(() => report({ variant: "ws", ...counter.result() }))
  ws.on("message", (data: Buffer) => {
    const event = JSON.parse(data.toString()) as { type?: string }
    if (event.type === "message") counter.message()
    else if (event.type === "hello") {
      counter.arm()
      ws.send(JSON.stringify({ id: 1, type: "bench_go", count: total }))
    } else if (event.type === "bench_end") counter.end()
  })
}

await runVariant(args.variant, {
  "ours": () => runOurs(false),
  "ours-chunks": () => runOurs(true),
  "rtm-api": () => runRtmApi(),
  "ws": () => runWs()
})
