/**
 * Benchmark 8: time from start to the first message Slack acks.
 *
 * One process runs one untimed session to warm up, then `iterations`
 * (default 3) timed ones. Each starts the clock just before opening the
 * session, sends one message as soon as the API lets it, and stops the
 * clock when the ack (`{ ok: true, reply_to, ts }`) arrives.
 *
 * Variants (`variant` setting):
 * - `ours`: `RtmSession.make()` then `session.sendMessage(…)`, in a fresh scope each time;
 * - `rtm-api`: a fresh `RTMClient`, `start()` then `sendMessage(…)`; the client
 *   holds sends until it is "ready", 2 s (`replyAckOnReconnectTimeout`) after `hello`.
 *   Its sessions are left open until the process exits (see below).
 *
 * Result: `{ millis: number[], median }`.
 *
 * @since 1.0.0
 */
import { apiUrl, loadOurs, median, readArgs, report, runVariant, token } from "./common.js"

const args = readArgs(60_000)
const iterations = Number(args["iterations"] ?? 3)

const runOurs = async () => {
  const ours = await loadOurs()
  const millis = await ours.firstAck({ apiUrl: apiUrl(args.port), token, iterations })
  report({ variant: "ours", millis, median: median(millis) })
}

const runRtmApi = async () => {
  const { LogLevel, RTMClient } = await import("@slack/rtm-api")
  const once = async () => {
    const rtm = new RTMClient(token, { slackApiUrl: apiUrl(args.port), logLevel: LogLevel.WARN })
    const t0 = performance.now()
    await rtm.start()
    const ack = await rtm.sendMessage("first", "C024BE91L")
    const elapsed = performance.now() - t0
    if (typeof ack.ts !== "string") throw new Error("no ts in the ack")
    // Left open: in 7.0.4, disconnect() after a send throws from its state
    // machine (it iterates the sparse awaitingReplyList and hits a hole).
    return elapsed
  }
  await once()
  const millis: Array<number> = []
  for (let i = 0; i < iterations; i++) millis.push(await once())
  report({ variant: "rtm-api", millis, median: median(millis) })
}

await runVariant(args.variant, {
  "ours": () => runOurs(),
  "rtm-api": () => runRtmApi()
})
