/**
 * What `slack-rtm` prints: a readable live log, or one JSON object per line,
 * and a closing summary. It only formats and counts what it is handed; it
 * never acts on the session.
 *
 * @since 1.0.0
 */
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { RtmEvent } from "../RtmEvent.js"
import type { MessageAck, SessionState } from "../RtmSession.js"
import type { Disconnected } from "../RtmSessionError.js"

/**
 * The closing summary of a run.
 *
 * @since 1.0.0
 */
export interface Summary {
  readonly seconds: number
  readonly eventsByType: Readonly<Record<string, number>>
  readonly sendsAcked: number
  readonly sendsFailed: Readonly<Record<string, number>>
  readonly reconnects: ReadonlyArray<{ readonly reason: string; readonly detail: string }>
  readonly pingRoundTripMillis: number | undefined
}

/**
 * Counts what a run saw, for its summary.
 *
 * @since 1.0.0
 */
export const makeTally = () => {
  const startedAt = Date.now()
  const eventsByType: Record<string, number> = {}
  const sendsFailed: Record<string, number> = {}
  const reconnects: Array<{ reason: string; detail: string }> = []
  let sendsAcked = 0
  return {
    event: (event: RtmEvent) => void (eventsByType[event.type] = (eventsByType[event.type] ?? 0) + 1),
    state: (state: SessionState) => {
      if (state._tag === "Reconnecting") reconnects.push({ reason: state.cause.reason, detail: state.cause.detail })
    },
    acked: () => void sendsAcked++,
    failed: (tag: string) => void (sendsFailed[tag] = (sendsFailed[tag] ?? 0) + 1),
    summary: (pingRoundTripMillis: number | undefined): Summary => ({
      seconds: Math.round((Date.now() - startedAt) / 100) / 10,
      eventsByType: { ...eventsByType },
      sendsAcked,
      sendsFailed: { ...sendsFailed },
      reconnects: reconnects.slice(),
      pingRoundTripMillis
    })
  }
}

/**
 * Turns ids into names where they are known, such as in the demo.
 *
 * @since 1.0.0
 */
export type Names = (id: string) => string

const describeEvent = (event: RtmEvent, name: Names): string => {
  switch (event.type) {
    case "message":
      return `${name(event.channel)} <${event.user ? name(event.user) : event.bot_id ?? "?"}> ${event.text ?? ""}${
        event.subtype ? ` (${event.subtype})` : ""
      }`
    case "presence_change":
      return "users" in event
        ? `${event.users.map(name).join(", ")} → ${event.presence}`
        : `${name(event.user)} → ${event.presence}`
    case "user_typing":
      return `${name(event.user)} is typing in ${name(event.channel)}`
    case "reaction_added":
    case "reaction_removed":
      return `${name(event.user)} :${event.reaction}: on ${event.item.channel ? name(event.item.channel) : "an item"}`
    case "member_joined_channel":
    case "member_left_channel":
      return `${name(event.user)} in ${name(event.channel)}`
    case "error":
      return `${event.error.code} ${event.error.msg}`
    case "unknown":
      return `type ${event.originalType ?? "(none)"}`
    case "undecodable":
      return event.reason
    case "events_dropped":
      return `${event.count} events dropped by the full buffer`
    case "unmatched_reply":
      return `reply to ${event.reply_to}`
    default:
      return ""
  }
}

const describeState = (state: SessionState): string => {
  switch (state._tag) {
    case "Connecting":
      return "connecting"
    case "Connected":
      return `connected as ${state.self.name} (${state.self.id}) to ${state.team.name}`
    case "Reconnecting":
      return `reconnecting (attempt ${state.attempt}): ${state.cause.reason}, ${state.cause.detail}`
    case "Closed":
      return `closed: ${state.reason}`
  }
}

/**
 * What went wrong with a failed attempt: the Web API's typed error, or why
 * the socket ended.
 *
 * @since 1.0.0
 */
export const describeAttempt = (cause: Disconnected): string =>
  cause.error === undefined ? `${cause._tag}: ${cause.message}` : `${cause.error._tag}: ${cause.error.message}`

/**
 * Prints lines, readable or as JSON.
 *
 * @since 1.0.0
 */
export const makePrinter = (json: boolean, name: Names) => {
  const startedAt = Date.now()
  const line = (kind: string, text: string, data: Record<string, unknown>) => {
    if (json) return Console.log(JSON.stringify({ at: new Date().toISOString(), kind, ...data }))
    const elapsed = ((Date.now() - startedAt) / 1000).toFixed(3).padStart(7)
    return Console.log(`${elapsed}s  ${kind.padEnd(22)} ${text}`)
  }
  return {
    state: (state: SessionState) => line("state", describeState(state), { state }),
    stillConnecting: (cause: Disconnected, attempt: number, delay: Duration.Duration) =>
      line(
        "still connecting",
        `${describeAttempt(cause)}, attempt ${attempt}, next in ${(Duration.toMillis(delay) / 1000).toFixed(1)} s`,
        { attempt, error: describeAttempt(cause), nextInMillis: Duration.toMillis(delay) }
      ),
    event: (event: RtmEvent) => line(event.type, describeEvent(event, name), { event }),
    ack: (ack: MessageAck) => line("ack", `ts ${ack.ts}: ${ack.text}`, { ack }),
    sendFailed: (error: { readonly _tag: string; readonly message: string }) =>
      line("send failed", error.message, { error: error._tag, message: error.message }),
    summary: (summary: Summary) =>
      json
        ? Console.log(JSON.stringify({ at: new Date().toISOString(), kind: "summary", ...summary }))
        : Effect.forEach([
          "",
          `summary after ${summary.seconds} s`,
          `  events received: ${Object.values(summary.eventsByType).reduce((a, b) => a + b, 0)}`,
          ...Object.entries(summary.eventsByType).sort(([, a], [, b]) => b - a).map(([type, count]) =>
            `    ${type.padEnd(22)} ${count}`
          ),
          `  sends acked: ${summary.sendsAcked}${
            Object.keys(summary.sendsFailed).length > 0 ? `, failed: ${JSON.stringify(summary.sendsFailed)}` : ""
          }`,
          `  reconnects: ${summary.reconnects.length}`,
          ...summary.reconnects.map((r) => `    ${r.reason}: ${r.detail}`),
          `  ping round trip: ${
            summary.pingRoundTripMillis === undefined
              ? "n/a"
              : Duration.format(Duration.millis(summary.pingRoundTripMillis))
          }`
        ], (text) =>
          Console.log(text), { discard: true })
  }
}
