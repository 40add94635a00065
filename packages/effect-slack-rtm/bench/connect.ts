/**
 * Benchmark 2: `rtm.connect` calls per second, at concurrency 1 and 64,
 * with retries off.
 *
 * For each concurrency the client first makes `warmup` calls, then keeps
 * that many calls in flight for `timedMs` (or until `maxCalls`), and counts
 * the calls that completed with `ok: true`.
 *
 * Variants (`variant` setting):
 * - `ours`: `Rtm.connect()` over `Slack.layer` (the `fetch` transport), retries off;
 * - `web-api-7`, `web-api-8`: `WebClient#rtm.connect()` of `@slack/web-api` 7.19.0 and 8.2.0, `retries: 0`;
 * - `undici`: `undici.request` and `JSON.parse` of the body, the ceiling.
 *
 * Result: `{ c1, c64 }`, each `{ callsPerSecond, cpuMicrosPerCall, calls, errors }`.
 *
 * @since 1.0.0
 */
import { apiUrl, loadOurs, nowMicros, readArgs, report, runVariant, token } from "./common.js"

const args = readArgs(60_000)
const warmup = Number(args["warmup"] ?? 300)
const timedMs = Number(args["timedMs"] ?? 1_500)
const maxCalls = Number(args["maxCalls"] ?? 100_000)
const concurrencies = [1, 64] as const

/** The outcome of one timed phase. */
interface Phase {
  readonly callsPerSecond: number
  /** This process's CPU time per completed call: less sensitive than wall time to other load. */
  readonly cpuMicrosPerCall: number
  readonly calls: number
  readonly errors: number
  /** The timed span in `process.hrtime` microseconds, to cut a `--cpu-prof` profile to it. */
  readonly window: readonly [number, number]
}

/** The phase's figures from its counts, start time and CPU usage at start. */
const phase = (calls: number, errors: number, t0: number, cpu0: NodeJS.CpuUsage, startMicros: number): Phase => {
  const elapsed = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return {
    callsPerSecond: (calls * 1000) / elapsed,
    cpuMicrosPerCall: calls > 0 ? (cpu.user + cpu.system) / calls : 0,
    calls,
    errors,
    window: [startMicros, nowMicros()]
  }
}

/**
 * Keeps `concurrency` promise-returning calls in flight until `limit` calls
 * were started or `forMs` passed.
 */
const drive = async (
  call: () => Promise<boolean>,
  concurrency: number,
  limit: number,
  forMs: number
): Promise<Phase> => {
  let started = 0
  let calls = 0
  let errors = 0
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const startMicros = nowMicros()
  const worker = async () => {
    while (started < limit && performance.now() - t0 < forMs) {
      started++
      try {
        if (await call()) calls++
        else errors++
      } catch {
        errors++
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return phase(calls, errors, t0, cpu0, startMicros)
}

/** Warms up, then times, each concurrency in turn with a promise-returning call. */
const runPromised = async (call: () => Promise<boolean>) => {
  const result: Record<string, Phase> = {}
  for (const c of concurrencies) {
    await drive(call, c, warmup, 30_000)
    result[`c${c}`] = await drive(call, c, maxCalls, timedMs)
  }
  report({ variant: args.variant, ...result })
}

const runOurs = async () => {
  const ours = await loadOurs()
  const drive = await ours.connect({ apiUrl: apiUrl(args.port), token })
  /** The same loop as `drive` above, with the calls made by our workers. */
  const timed = async (concurrency: number, limit: number, forMs: number): Promise<Phase> => {
    let started = 0
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    const startMicros = nowMicros()
    const next = () => {
      if (started >= limit || performance.now() - t0 >= forMs) return false
      started++
      return true
    }
    const { calls, errors } = await drive(concurrency, next)
    return phase(calls, errors, t0, cpu0, startMicros)
  }
  const result: Record<string, Phase> = {}
  for (const c of concurrencies) {
    await timed(c, warmup, 30_000)
    result[`c${c}`] = await timed(c, maxCalls, timedMs)
  }
  report({ variant: args.variant, ...result })
}

const runWebApi = async (major: 7 | 8) => {
  const options = { slackApiUrl: apiUrl(args.port), retryConfig: { retries: 0 } }
  if (major === 7) {
    const { LogLevel, WebClient } = await import("slack-web-api-7")
    const client = new WebClient(token, { ...options, logLevel: LogLevel.WARN })
    await runPromised(async () => (await client.rtm.connect()).ok === true)
  } else {
    const { LogLevel, WebClient } = await import("@slack/web-api")
    const client = new WebClient(token, { ...options, logLevel: LogLevel.WARN })
    await runPromised(async () => (await client.rtm.connect()).ok === true)
  }
}

const runUndici = async () => {
  const { request } = await import("undici")
  const url = `${apiUrl(args.port)}rtm.connect`
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" }
  await runPromised(async () => {
    const response = await request(url, { method: "POST", headers, body: "" })
    const body = JSON.parse(await response.body.text()) as { ok?: unknown }
    return response.statusCode === 200 && body.ok === true
  })
}

await runVariant(args.variant, {
  "ours": () => runOurs(),
  "web-api-7": () => runWebApi(7),
  "web-api-8": () => runWebApi(8),
  "undici": () => runUndici()
})
