/**
 * Benchmarks 9 and 10: recovery after faults.
 *
 * The client sends the server a `bench_fault` command on each connection
 * (ours right after `hello`; `@slack/rtm-api` once "ready", as it refuses
 * sends before). The server acts at 2.2 s after that connection's `hello`,
 * so that both clients meet each fault at the same point of their ping
 * cycle: it sends `bench_mark`, then
 * 1. `drop`: destroys the TCP connection;
 * 2. `silent`: answers nothing more (no pongs), while the WebSocket layer
 *    still completes a close handshake;
 * 3. `dead`: stops reading the TCP socket, like a dead link.
 *
 * Each figure is the time from `bench_mark` to the next `hello`. Both
 * clients ping every 2 s and give a pong 1 s (ours `pingInterval` /
 * `pongTimeout`, rtm-api `clientPingTimeout` / `serverPongTimeout`). A step
 * that takes longer than `capMs` (default 8 s) is reported as `null` and
 * ends the run.
 *
 * Ours also gets `stableAfter: 2 s`: by default a connection must live 30 s
 * before the reconnect backoff starts over, so the second and third faults
 * of this sequence would wait out a deliberate backoff (~0.5 s, then ~1 s)
 * and measure the policy instead of the recovery. rtm-api has no backoff.
 *
 * Result: `{ drop, silent, dead, capMs }` in milliseconds.
 *
 * @since 1.0.0
 */
import { apiUrl, loadOurs, readArgs, report, runVariant, token } from "./common.js"
import type { Command } from "./contract.js"

const args = readArgs(90_000)
const capMs = Number(args["capMs"] ?? 8_000)
const atMs = Number(args["atMs"] ?? 2_200)
const pingMs = 2_000
const pongMs = 1_000
const steps: ReadonlyArray<string> = Array.isArray(args["steps"]) ? args["steps"] : ["drop", "silent", "dead"]

/**
 * The bookkeeping both variants share: which step is next, when its mark
 * arrived, and the results.
 */
const makeTracker = (command: (frame: Command) => void) => {
  const results: Record<string, number | null> = {}
  let step = 0
  let markedAt: number | undefined
  let cap: NodeJS.Timeout | undefined
  const done = () => report({ variant: args.variant, ...results, capMs })
  return {
    /** A connection is ready for the next command. */
    ready: () => {
      const next = steps[step]
      if (next === undefined) return done()
      command({ type: "bench_fault", step: next, atMs })
    },
    mark: () => {
      markedAt = performance.now()
      cap = setTimeout(() => {
        for (let i = step; i < steps.length; i++) results[steps[i]!] = null
        done()
      }, capMs)
    },
    /** A `hello`; closes the step if one was marked. Returns whether one was. */
    hello: (): boolean => {
      if (markedAt === undefined) return false
      clearTimeout(cap)
      results[steps[step]!] = performance.now() - markedAt
      markedAt = undefined
      step++
      return true
    }
  }
}

const runOurs = async () => {
  const ours = await loadOurs()
  const pending: Array<Command> = []
  const tracker = makeTracker((frame) => void pending.push(frame))
  await ours.recovery({
    apiUrl: apiUrl(args.port),
    token,
    pingMs,
    pongMs,
    signal: (what) => {
      if (what === "hello") {
        tracker.hello()
        tracker.ready()
      } else {
        tracker.mark()
      }
      return pending.splice(0)
    }
  })
}

const runRtmApi = async () => {
  const { LogLevel, RTMClient } = await import("@slack/rtm-api")
  const rtm = new RTMClient(token, {
    slackApiUrl: apiUrl(args.port),
    logLevel: LogLevel.ERROR,
    clientPingTimeout: pingMs,
    serverPongTimeout: pongMs
  })
  const tracker = makeTracker((frame) => {
    const { type, ...body } = frame
    rtm.send(type, body).catch(() => {})
  })
  rtm.on("hello", () => void tracker.hello())
  rtm.on("ready", () => tracker.ready())
  rtm.on("bench_mark", () => tracker.mark())
  await rtm.start()
}

await runVariant(args.variant, {
  "ours": () => runOurs(),
  "rtm-api": () => runRtmApi()
})
