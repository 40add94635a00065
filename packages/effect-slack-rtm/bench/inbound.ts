/**
 * Benchmarks 1 and 4: inbound events per second, and peak RSS while a slow
 * consumer receives a blast.
 *
 * The client connects, waits 2 s after `hello` (as `@slack/rtm-api` does
 * before it is "ready" and lets a send through, so that every variant
 * starts with its start-up JIT and GC work done), and asks the server to
 * blast `warmup + count` message events (about 300 bytes each) as fast as
 * the socket drains.
 *
 * - Throughput (`spinMicros` 0): times the last `count` events, from the
 *   first timed event to the last, so neither start-up nor the warm-up is
 *   in the figure. Events our bounded buffer drops (reported in the stream
 *   as `events_dropped`) end the window like delivered ones but do not
 *   count as delivered.
 * - Slow consumer (`spinMicros` > 0): the consumer spends that much CPU on
 *   each event, the same work in every variant; the client samples its
 *   memory every 20 ms and reports the peak RSS of the process
 *   (`process.resourceUsage().maxRSS`), and what it received and dropped.
 *
 * Variants (`variant` setting):
 * - `ours`: `RtmSession.make`, every event validated, consumed with
 *   `Stream.runForEach(session.events, …)`: one Effect per event;
 * - `ours-chunks`: the same, consumed a chunk at a time;
 * - `ours-pull`: the same, consumed by a loop over `Stream.toPull`, an
 *   Effect per event (the Effect 3 edition's README advises it);
 * - `rtm-api`: `@slack/rtm-api`'s `RTMClient`, `on("message")`;
 * - `ws`: raw `ws` and `JSON.parse`, the ceiling.
 *
 * With the `heapProfile` setting (a file path), the V8 sampling heap
 * profiler runs exactly over the timed window, counting objects already
 * collected too, and the profile is written there.
 *
 * Result: `{ eventsPerSecond, cpuMicrosPerEvent, received, dropped,
 * complete, window, memory }`; `window` is the timed span in
 * `process.hrtime` microseconds (the clock of `--cpu-prof`).
 *
 * @since 1.0.0
 */
import * as Fs from "node:fs"
import { Session } from "node:inspector"
import { apiUrl, loadOurs, nowMicros, readArgs, report, runVariant, spin, token } from "./common.js"
import type { BenchEvent } from "./contract.js"

const args = readArgs(100_000)
const spinMicros = Number(args["spinMicros"] ?? 0)
const warmup = spinMicros > 0 ? 0 : Number(args["warmup"] ?? 20_000)
const count = Number(args["count"] ?? 100_000)
const total = warmup + count
const idleMs = 3_000
/** The time `@slack/rtm-api` takes from `hello` to "ready"; the other variants wait as long. */
const readyDelayMs = 2_000
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

/** The highest memory figures seen, sampled every 20 ms from `start()`. */
const memoryPeaks = () => {
  const peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 }
  let before = 0
  const sample = () => {
    const usage = process.memoryUsage()
    peak.rss = Math.max(peak.rss, usage.rss)
    peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed)
    peak.heapTotal = Math.max(peak.heapTotal, usage.heapTotal)
    peak.external = Math.max(peak.external, usage.external)
    peak.arrayBuffers = Math.max(peak.arrayBuffers, usage.arrayBuffers)
  }
  let timer: NodeJS.Timeout | undefined
  return {
    start: () => {
      before = process.memoryUsage().rss
      timer = setInterval(sample, 20)
    },
    result: () => {
      if (timer !== undefined) clearInterval(timer)
      sample()
      return { ...peak, maxRss: process.resourceUsage().maxRSS * 1024, rssBefore: before }
    }
  }
}

/**
 * Counts message events (and the events our session reports dropped), takes
 * the timestamps, and finishes once. The timed window runs from the first
 * event past the warm-up to the last of the blast, delivered or dropped;
 * events/s counts the events delivered inside it.
 */
const makeCounter = (onFinish: (result: Record<string, unknown>) => void) => {
  let received = 0
  let dropped = 0
  let receivedAtFirst = 0
  let first = 0
  let last = 0
  let lastSeen = 0
  let firstMicros = 0
  let lastMicros = 0
  let firstCpu = process.cpuUsage()
  let lastCpu = firstCpu
  let started = 0
  let idle: NodeJS.Timeout | undefined
  let finished = false
  const memory = spinMicros > 0 ? memoryPeaks() : undefined
  const stopClock = () => {
    if (first === 0 || last !== 0) return
    last = lastSeen
    lastMicros = nowMicros()
    lastCpu = process.cpuUsage(firstCpu)
    sampler?.stop()
  }
  const finish = () => {
    if (finished) return
    finished = true
    if (idle !== undefined) clearTimeout(idle)
    stopClock()
    const delivered = received - receivedAtFirst
    const timed = last > first && delivered > 0
    onFinish({
      variant: args.variant,
      eventsPerSecond: timed ? (delivered * 1000) / (last - first) : 0,
      cpuMicrosPerEvent: timed ? (lastCpu.user + lastCpu.system) / delivered : 0,
      seconds: (performance.now() - started) / 1000,
      received,
      dropped,
      complete: received === total,
      window: [firstMicros, lastMicros],
      memory: memory?.result()
    })
  }
  const arm = () => {
    if (idle !== undefined) clearTimeout(idle)
    idle = setTimeout(finish, idleMs)
  }
  /** `n` more events seen, `delivered` of them reaching the consumer. */
  const seen = (n: number, delivered: boolean) => {
    const before = received + dropped
    if (delivered) received += n
    else dropped += n
    lastSeen = performance.now()
    if (first === 0 && before + n > warmup) {
      sampler?.start()
      first = lastSeen
      receivedAtFirst = received
      firstMicros = nowMicros()
      firstCpu = process.cpuUsage()
    }
    if (received + dropped >= total) {
      stopClock()
      finish()
    } else if (((received + dropped) & 1023) === 0 || !delivered) {
      arm()
    }
  }
  const message = () => {
    if (spinMicros > 0) spin(spinMicros)
    seen(1, true)
  }
  return {
    /** The blast was asked for. */
    ready: () => {
      started = performance.now()
      memory?.start()
      arm()
    },
    message,
    /** Every event our session delivers. */
    onEvent: (event: BenchEvent) => {
      const e = event as BenchEvent & { readonly count?: number; readonly originalType?: string }
      if (e.type === "message") message()
      else if (e.type === "events_dropped") seen(e.count ?? 0, false)
      else if (e.type === "unknown" && e.originalType === "bench_end") finish()
    },
    end: finish
  }
}

const runOurs = async (consumer: "each" | "chunks" | "pull") => {
  const ours = await loadOurs()
  let stop = () => {}
  const stopped = new Promise<void>((resolve) => stop = resolve)
  let result: Record<string, unknown> = {}
  const counter = makeCounter((r) => {
    result = r
    stop()
  })
  await ours.inbound({
    apiUrl: apiUrl(args.port),
    token,
    command: { type: "bench_go", count: total },
    delayMs: readyDelayMs,
    consumer,
    ready: counter.ready,
    onEvent: counter.onEvent,
    stop: stopped
  })
  report(result)
}

const runRtmApi = async () => {
  const { LogLevel, RTMClient } = await import("@slack/rtm-api")
  const rtm = new RTMClient(token, { slackApiUrl: apiUrl(args.port), logLevel: LogLevel.WARN })
  const counter = makeCounter(report)
  rtm.on("message", counter.message)
  rtm.on("bench_end", counter.end)
  rtm.on("ready", () => {
    counter.ready()
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
  const counter = makeCounter(report)
  ws.on("message", (data: Buffer) => {
    const event = JSON.parse(data.toString()) as { type?: string }
    if (event.type === "message") counter.message()
    else if (event.type === "hello") {
      setTimeout(() => {
        counter.ready()
        ws.send(JSON.stringify({ id: 1, type: "bench_go", count: total }))
      }, readyDelayMs)
    } else if (event.type === "bench_end") counter.end()
  })
}

await runVariant(args.variant, {
  "ours": () => runOurs("each"),
  "ours-chunks": () => runOurs("chunks"),
  "ours-pull": () => runOurs("pull"),
  "rtm-api": () => runRtmApi(),
  "ws": () => runWs()
})
