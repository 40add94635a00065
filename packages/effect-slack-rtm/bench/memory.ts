/**
 * Benchmark 3: heap and RSS per idle session.
 *
 * One process opens one session to warm up, settles the heap (`gc()`,
 * needs `node --expose-gc`) and takes a baseline; then opens `sessions`
 * more (default 1,000; `parallel` at a time), each with keepalive on and a
 * consumer of its events, waits `idleMs` (default 3 s, long enough for
 * `@slack/rtm-api` to leave its 2 s "resuming" state and start its own
 * keepalive), settles the heap again and reports the growth divided by
 * the number of sessions.
 *
 * Variants (`variant` setting):
 * - `ours`: `RtmSession.make()` (default keepalive: ping every 30 s), events consumed by a forked
 *   `Stream.runForEach`; the `Slack.layer` services are built once and shared, as one process would;
 * - `ours-no-consumer`: the same sessions, their events left unread (they buffer);
 * - `rtm-api`: one `RTMClient` per session (each with its own `WebClient`, as the package does), `on("message")`;
 * - `ws`: one raw `ws` socket per session, a `message` listener doing `JSON.parse`, and a 30 s ping interval.
 *
 * With the `heapProfile` setting (a file path), the V8 sampling heap
 * profiler runs from the baseline to the end, keeping only the objects still
 * alive: the profile says which functions allocated what the sessions keep.
 *
 * Result: `{ heapPerSession, rssPerSession, sessions, baseline, after }` (bytes).
 *
 * @since 1.0.0
 */
import * as Fs from "node:fs"
import { Session } from "node:inspector"
import { apiUrl, loadOurs, readArgs, report, runVariant, settleHeap, sleep, token } from "./common.js"

const args = readArgs(120_000)
const sessions = Number(args["sessions"] ?? 1_000)
const parallel = Number(args["parallel"] ?? 25)
const idleMs = Number(args["idleMs"] ?? 3_000)
const heapProfile = typeof args["heapProfile"] === "string" ? args["heapProfile"] : undefined

/** The sampling heap profiler, keeping only live objects; `stop` writes the profile. */
const retainedSampler = (file: string) => {
  const session = new Session()
  session.connect()
  return {
    start: () => {
      session.post("HeapProfiler.enable")
      session.post("HeapProfiler.startSampling", { samplingInterval: 4_096 })
    },
    stop: () =>
      new Promise<void>((resolve) =>
        session.post("HeapProfiler.stopSampling", (error, result) => {
          if (error === null) Fs.writeFileSync(file, JSON.stringify(result.profile))
          resolve()
        })
      )
  }
}

/** Heap and RSS after the heap settled. */
const snapshot = async () => {
  await settleHeap()
  const usage = process.memoryUsage()
  return { heapUsed: usage.heapUsed, rss: usage.rss, external: usage.external, arrayBuffers: usage.arrayBuffers }
}

type Snapshot = Awaited<ReturnType<typeof snapshot>>

const finish = (baseline: Snapshot, after: Snapshot, opened: number) =>
  report({
    variant: args.variant,
    sessions: opened,
    heapPerSession: (after.heapUsed - baseline.heapUsed) / opened,
    rssPerSession: (after.rss - baseline.rss) / opened,
    externalPerSession: (after.external - baseline.external) / opened,
    baseline,
    after
  })

/** Opens `count` sessions with `open`, at most `parallel` at a time. */
const openAll = async (count: number, open: () => Promise<void>) => {
  let next = 0
  const worker = async () => {
    while (next < count) {
      next++
      await open()
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker))
}

/** Opens one session, takes the baseline, opens the rest, idles, and reports the growth per session. */
const measure = async (openOne: () => Promise<void>) => {
  await openOne()
  const baseline = await snapshot()
  const sampler = heapProfile === undefined ? undefined : retainedSampler(heapProfile)
  sampler?.start()
  await openAll(sessions, openOne)
  await sleep(idleMs)
  const after = await snapshot()
  await sampler?.stop()
  finish(baseline, after, sessions)
}

const runOurs = async (consume: boolean) => {
  const ours = await loadOurs()
  // The sessions' scope is left open on purpose: the process exits right after reporting.
  await measure(await ours.memory({ apiUrl: apiUrl(args.port), token, consume }))
}

const runRtmApi = async () => {
  const { LogLevel, RTMClient } = await import("@slack/rtm-api")
  const clients: Array<InstanceType<typeof RTMClient>> = []
  let events = 0
  const openOne = async () => {
    const rtm = new RTMClient(token, { slackApiUrl: apiUrl(args.port), logLevel: LogLevel.WARN })
    rtm.on("message", () => void events++)
    clients.push(rtm)
    const connected = new Promise<void>((resolve) => rtm.once("connected", () => resolve()))
    await rtm.start()
    await connected
  }
  await measure(openOne)
}

const runWs = async () => {
  const { default: WebSocket } = await import("ws")
  const sockets: Array<InstanceType<typeof WebSocket>> = []
  let _events = 0
  let nextId = 1
  const openOne = async () => {
    const response = await fetch(`${apiUrl(args.port)}rtm.connect`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` }
    })
    const { url } = (await response.json()) as { url: string }
    const ws = new WebSocket(url)
    sockets.push(ws)
    await new Promise<void>((resolve, reject) => {
      ws.on("error", reject)
      ws.on("message", (data: Buffer) => {
        const event = JSON.parse(data.toString()) as { type?: string }
        _events++
        if (event.type === "hello") resolve()
      })
    })
    const ping = setInterval(() => ws.send(JSON.stringify({ id: nextId++, type: "ping" })), 30_000)
    ws.on("close", () => clearInterval(ping))
  }
  await measure(openOne)
}

await runVariant(args.variant, {
  "ours": () => runOurs(true),
  "ours-no-consumer": () => runOurs(false),
  "rtm-api": () => runRtmApi(),
  "ws": () => runWs()
})
