/**
 * What `slack-rtm` prints: a readable live log, or one JSON object per line,
 * and a closing summary.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { RtmEvent } from "../RtmEvent.js"
import type { MessageAck, SessionState } from "../RtmSession.js"
import type { Disconnected } from "../RtmSessionError.js"
import { count, makePaint, millis, type Paint, printable, seconds, type Style } from "./style.js"

/**
 * The closing summary of a run.
 *
 * @since 0.1.0
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
 * @since 0.1.0
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
 * @since 0.1.0
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
      return `${count(event.count, "event")} dropped by the full buffer`
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
      return `reconnecting (attempt ${state.attempt}): ${describeDisconnect(state.cause)}`
    case "Closed":
      return `closed: ${state.reason}`
  }
}

const stateStyle: Readonly<Record<SessionState["_tag"], Style>> = {
  Connecting: "cyan",
  Connected: "green",
  Reconnecting: "yellow",
  Closed: "dim"
}

const eventStyle = (type: RtmEvent["type"]): Style => {
  switch (type) {
    case "message":
      return "bold"
    case "hello":
      return "green"
    case "goodbye":
    case "unmatched_reply":
      return "yellow"
    case "error":
    case "undecodable":
    case "events_dropped":
      return "red"
    default:
      return "blue"
  }
}

/** What the WebSocket close codes (RFC 6455 and IANA's registry) mean, in a few words. */
const closeCodes: Readonly<Record<number, string>> = {
  1000: "closed normally",
  1001: "going away",
  1002: "protocol error",
  1003: "unsupported data",
  1005: "closed without a status",
  1006: "dropped without a close frame",
  1007: "invalid data",
  1008: "policy violation",
  1009: "message too big",
  1010: "extension refused",
  1011: "server error",
  1012: "server restarting",
  1013: "try again later",
  1014: "bad gateway",
  1015: "TLS handshake failed"
}

/**
 * A close code in a few words, with the code in parentheses:
 * `dropped without a close frame (1006)`.
 *
 * @since 0.3.0
 */
export const describeCloseCode = (code: number): string =>
  `${closeCodes[code] ?? (code >= 4000 && code <= 4999 ? "closed by the server" : "closed")} (${code})`

/**
 * Why a connection ended, in a few words: `goodbye from Slack`,
 * `dropped without a close frame (1006)`, `pong timeout`, ….
 *
 * @since 0.3.0
 */
export const describeDisconnect = (cause: {
  readonly reason: string
  readonly detail: string
  readonly error?: { readonly _tag: string; readonly message: string } | undefined
}): string => {
  switch (cause.reason) {
    case "closed": {
      const close = /^close (\d+)(?: (.*))?$/s.exec(cause.detail)
      if (close === null) return `closed: ${cause.detail}`
      return `${describeCloseCode(Number(close[1]))}${close[2] === undefined ? "" : `: ${close[2]}`}`
    }
    case "goodbye":
      return "goodbye from Slack"
    case "team_migration":
      return "workspace migrating"
    case "hello_timeout":
      return cause.detail === "the socket did not open in time" ? "socket open timeout" : "hello timeout"
    case "pong_timeout":
      return "pong timeout"
    case "server_error":
      return `error from Slack: ${cause.detail}`
    case "frame_too_large":
      return describeCloseCode(1009)
    case "socket_error":
      return `socket ${cause.detail}`
    case "connect_failed":
      return `connect failed: ${
        cause.error === undefined ? cause.detail : `${cause.error._tag}: ${cause.error.message}`
      }`
    default:
      return `${cause.reason}: ${cause.detail}`
  }
}

/**
 * What went wrong with a failed attempt, as `--json` gives it: the Web
 * API's typed error, or why the socket ended.
 *
 * @since 0.2.0
 */
export const describeAttempt = (cause: Disconnected): string =>
  cause.error === undefined ? `${cause._tag}: ${cause.message}` : `${cause.error._tag}: ${cause.error.message}`

/**
 * What went wrong with a failed attempt, for people: the Web API's typed
 * error, or why the socket ended in a few words.
 *
 * @since 0.3.0
 */
export const describeFailure = (cause: Disconnected): string =>
  cause.error === undefined ? describeDisconnect(cause) : `${cause.error._tag}: ${cause.error.message}`

const kindWidth = 22
/** Where the text of a line starts: the elapsed time, two spaces, the kind and a space. */
const textColumn = 9 + 2 + kindWidth + 1

/** One readable line: the elapsed time, the kind, and the text, with no trailing space on any of its lines. */
const readableLine = (paint: Paint, elapsed: string, kind: string, style: Style, text: string): string => {
  const [first = "", ...rest] = printable(text).split("\n").map((part) => part.trimEnd())
  const head = `${paint("dim", elapsed)}  ${paint(style, kind)}`
  return [
    first === "" ? head : `${head}${" ".repeat(Math.max(1, kindWidth + 1 - kind.length))}${first}`,
    ...rest.map((part) => part === "" ? "" : `${" ".repeat(textColumn)}${part}`)
  ].join("\n")
}

const summaryLines = (summary: Summary, paint: Paint): ReadonlyArray<string> => {
  const events = Object.values(summary.eventsByType).reduce((a, b) => a + b, 0)
  const failed = Object.entries(summary.sendsFailed)
  const failures = failed.reduce((total, [, n]) => total + n, 0)
  return [
    "",
    paint("bold", `summary after ${seconds(summary.seconds)}`),
    `  ${count(events, "event")} received`,
    ...Object.entries(summary.eventsByType).sort(([, a], [, b]) => b - a).map(([type, n]) =>
      `    ${type.padEnd(kindWidth)} ${n}`
    ),
    `  ${count(summary.sendsAcked, "reply", "replies")} acked${
      failures === 0
        ? ""
        : `, ${failures} failed (${failed.map(([tag, n]) => n === 1 ? tag : `${n} ${tag}`).join(", ")})`
    }`,
    `  ${count(summary.reconnects.length, "reconnect")}`,
    ...summary.reconnects.map((cause) => `    ${printable(describeDisconnect(cause))}`),
    `  ping round trip: ${
      summary.pingRoundTripMillis === undefined ? "no answer" : millis(summary.pingRoundTripMillis)
    }`
  ]
}

/**
 * Prints lines, readable or as JSON. Readable lines are painted when
 * `color` is on; JSON never is.
 *
 * @since 0.1.0
 */
export const makePrinter = (json: boolean, name: Names, color = false) => {
  const startedAt = Date.now()
  const paint = makePaint(color && !json)
  const line = (kind: string, style: Style, text: string, data: Record<string, unknown>) => {
    if (json) return Console.log(JSON.stringify({ at: new Date().toISOString(), kind, ...data }))
    const elapsed = `${((Date.now() - startedAt) / 1000).toFixed(3).padStart(7)} s`
    return Console.log(readableLine(paint, elapsed, kind, style, text))
  }
  return {
    demo: (apiUrl: string, duration: Duration.Duration) =>
      json
        ? Effect.void
        : Console.log(
          `${paint("bold", "demo:")} fake Slack on ${new URL(apiUrl).host}, ${
            seconds(Duration.toSeconds(duration))
          }, no token needed`
        ),
    state: (state: SessionState) => line("state", stateStyle[state._tag], describeState(state), { state }),
    stillConnecting: (cause: Disconnected, attempt: number, delay: Duration.Duration) =>
      line(
        "still connecting",
        "yellow",
        `${describeFailure(cause)}, attempt ${attempt}, next in ${(Duration.toMillis(delay) / 1000).toFixed(1)} s`,
        { attempt, error: describeAttempt(cause), nextInMillis: Duration.toMillis(delay) }
      ),
    event: (event: RtmEvent) => line(event.type, eventStyle(event.type), describeEvent(event, name), { event }),
    ack: (ack: MessageAck) => line("ack", "green", `ts ${ack.ts}: ${ack.text}`, { ack }),
    sendFailed: (error: { readonly _tag: string; readonly message: string }) =>
      line("send failed", "red", error.message, { error: error._tag, message: error.message }),
    summary: (summary: Summary) =>
      json
        ? Console.log(JSON.stringify({ at: new Date().toISOString(), kind: "summary", ...summary }))
        : Effect.forEach(summaryLines(summary, paint), (text) => Console.log(text), { discard: true })
  }
}
