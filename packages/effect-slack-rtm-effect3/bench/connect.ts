/**
 * Benchmark 2: `rtm.connect` calls per second, at concurrency 1 and 64,
 * with retries off.
 *
 * For each concurrency the client first makes `warmup` calls, then keeps
 * that many calls in flight for `timedMs` (or until `maxCalls`), and counts
 * the calls that completed with `ok: true`.
 *
 * Variants (`variant` setting):
 * - `ours-fetch`: `Rtm.connect()` over `Slack.layer` (the `fetch` transport), `retry: Schedule.stop`;
 * - `ours-undici`: `Rtm.connect()` over `SlackWebApi.layer` + `SlackConfig.layer` +
 *   `NodeHttpClient.layerUndici` from `@effect/platform-node`, `retry: Schedule.stop`;
 * - `web-api-7`, `web-api-8`: `WebClient#rtm.connect()` of `@slack/web-api` 7.19.0 and 8.2.0, `retries: 0`;
 * - `undici`: `undici.request` and `JSON.parse` of the body, the ceiling.
 *
 * Result: `{ c1, c64 }`, each `{ callsPerSecond, cpuMicrosPerCall, calls, errors }`.
 *
 * @since 0.1.0
 */
import { apiUrl, readArgs, report, token, runVariant } from "./common.js"

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

/** `process.hrtime` in microseconds, the clock of `--cpu-prof`. */
const nowMicros = () => Number(process.hrtime.bigint() / 1000n)

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
const drive = async (call: () => Promise<boolean>, concurrency: number, limit: number, forMs: number): Promise<Phase> => {
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

const runOurs = async (transport: "fetch" | "undici") => {
  const { Effect, Layer, Redacted, Schedule } = await import("effect")
  const { Rtm, Slack, SlackConfig, SlackWebApi } = await import("../src/index.js")
  const options = { token: Redacted.make(token), apiUrl: apiUrl(args.port), retry: Schedule.stop }
  const layer = transport === "fetch"
    ? Slack.layer(options)
    : await import("@effect/platform-node/NodeHttpClient").then(({ layerUndici }) =>
      SlackWebApi.layer.pipe(Layer.provide(layerUndici), Layer.provide(SlackConfig.layer(options)))
    )

  /** The same loop as `drive`, written as an Effect program. */
  const driveEffect = (concurrency: number, limit: number, forMs: number) =>
    Effect.gen(function*() {
      let started = 0
      let calls = 0
      let errors = 0
      const t0 = performance.now()
      const cpu0 = process.cpuUsage()
      const startMicros = nowMicros()
      const worker = Effect.gen(function*() {
        while (started < limit && performance.now() - t0 < forMs) {
          started++
          const exit = yield* Effect.exit(Rtm.connect())
          if (exit._tag === "Success") calls++
          else errors++
        }
      })
      yield* Effect.all(Array.from({ length: concurrency }, () => worker), { concurrency: "unbounded", discard: true })
      return phase(calls, errors, t0, cpu0, startMicros)
    })

  const program = Effect.gen(function*() {
    const result: Record<string, Phase> = {}
    for (const c of concurrencies) {
      yield* driveEffect(c, warmup, 30_000)
      result[`c${c}`] = yield* driveEffect(c, maxCalls, timedMs)
    }
    return result
  })
  const result = await Effect.runPromise(program.pipe(Effect.provide(layer)))
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
  "ours-fetch": () => runOurs("fetch"),
  "ours-undici": () => runOurs("undici"),
  "web-api-7": () => runWebApi(7),
  "web-api-8": () => runWebApi(8),
  "undici": () => runUndici()
})
