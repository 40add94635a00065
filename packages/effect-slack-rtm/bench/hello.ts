/**
 * Benchmark 5: connect → `hello` in a warm process.
 *
 * One process opens and closes one untimed session (its modules loaded,
 * its services built), then `iterations` (default 10) timed ones, one
 * after the other. Each is timed from just before the session opens to
 * its `hello` event reaching the consumer; then it closes.
 *
 * The server notes when each `rtm.connect` request and each socket upgrade
 * arrived (`GET /trace`, read after the timed sessions), so each session
 * splits into three phases, on one wall clock shared by both processes:
 * - `request`: open → the server sees the `rtm.connect` request;
 * - `upgrade`: that → the server sees the WebSocket upgrade (the response
 *   read and decoded, the socket made);
 * - `hello`: that → the `hello` event reaches the consumer.
 *
 * Variants (`variant` setting):
 * - `ours`: `RtmSession.make()` in a fresh scope, `hello` taken from `session.events`;
 * - `rtm-api`: a fresh `RTMClient`, `start()`, `on("hello")`, then `disconnect()`.
 *
 * Result: `{ millis: number[], median, phases: { request, upgrade, hello },
 * window }` (the phases are medians, in ms; `window` spans the timed
 * sessions in `process.hrtime` microseconds, the clock of `--cpu-prof`).
 *
 * @since 1.0.0
 */
import * as Http from "node:http"
import { apiUrl, epochNow, host, loadOurs, median, nowMicros, readArgs, report, runVariant, token } from "./common.js"

const args = readArgs(60_000)
const iterations = Number(args["iterations"] ?? 10)

/** The server's trace, read with `node:http` so that no HTTP client of the variant's is touched. */
const readTrace = (): Promise<ReadonlyArray<{ readonly what: string; readonly at: number }>> =>
  new Promise((resolve, reject) => {
    Http.get({ host, port: args.port, path: "/trace" }, (response) => {
      let body = ""
      response.on("data", (data: Buffer) => void (body += data.toString()))
      response.on("end", () => resolve(JSON.parse(body)))
    }).on("error", reject)
  })

/** Splits each session into its phases, from the server's trace. */
const phases = async (times: ReadonlyArray<{ readonly start: number; readonly hello: number }>) => {
  const trace = await readTrace()
  const split = { request: [] as Array<number>, upgrade: [] as Array<number>, hello: [] as Array<number> }
  for (const { hello, start } of times) {
    const inside = trace.filter((entry) => entry.at >= start && entry.at <= hello)
    const request = inside.find((entry) => entry.what === "connect")
    const upgrade = inside.find((entry) => entry.what === "upgrade" && entry.at >= (request?.at ?? hello))
    if (request === undefined || upgrade === undefined) continue
    split.request.push(request.at - start)
    split.upgrade.push(upgrade.at - request.at)
    split.hello.push(hello - upgrade.at)
  }
  return { request: median(split.request), upgrade: median(split.upgrade), hello: median(split.hello) }
}

const finish = async (times: ReadonlyArray<{ readonly start: number; readonly hello: number }>) => {
  const millis = times.map(({ hello, start }) => hello - start)
  // The timed sessions as a window on the clock of `--cpu-prof`.
  const offset = nowMicros() - epochNow() * 1000
  const window = [(times[0]?.start ?? 0) * 1000 + offset, (times.at(-1)?.hello ?? 0) * 1000 + offset]
  report({ variant: args.variant, millis, median: median(millis), phases: await phases(times), window })
}

const runOurs = async () => {
  const ours = await loadOurs()
  await readTrace()
  await finish(await ours.hello({ apiUrl: apiUrl(args.port), token, iterations }))
}

const runRtmApi = async () => {
  const { LogLevel, RTMClient } = await import("@slack/rtm-api")
  const once = async () => {
    const rtm = new RTMClient(token, { slackApiUrl: apiUrl(args.port), logLevel: LogLevel.WARN })
    const start = epochNow()
    const hello = new Promise<number>((resolve) => rtm.once("hello", () => resolve(epochNow())))
    await rtm.start()
    const at = await hello
    await rtm.disconnect()
    return { start, hello: at }
  }
  await once()
  await readTrace()
  const times: Array<{ start: number; hello: number }> = []
  for (let i = 0; i < iterations; i++) times.push(await once())
  await finish(times)
}

await runVariant(args.variant, {
  "ours": () => runOurs(),
  "rtm-api": () => runRtmApi()
})
