/**
 * The errors of an RTM session: why a connection ended, and every way a
 * send can fail.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import type { SlackWebApiError } from "./SlackError.js"

/**
 * Why a connection ended. The session reconnects after each of these;
 * `stable` tells whether the connection had lived long enough for the
 * backoff to start over.
 *
 * @since 0.1.0
 */
export class Disconnected extends Data.TaggedError("Disconnected")<{
  readonly reason:
    | "closed"
    | "socket_error"
    | "goodbye"
    | "team_migration"
    | "hello_timeout"
    | "pong_timeout"
    | "server_error"
    | "connect_failed"
    /** A frame larger than the socket accepts (`maxFrameBytes`); the socket was closed with 1009. Since 0.2.0. */
    | "frame_too_large"
  /** What happened, for people: `close 1006`, `no pong within 10 seconds`, …. */
  readonly detail: string
  /** The Web API error, when `reason` is `connect_failed`. */
  readonly error?: SlackWebApiError
  readonly stable: boolean
}> {
  override get message() {
    return `disconnected (${this.reason}): ${this.detail}`
  }
}

/**
 * `rtm.connect` (or `rtm.start`) answered with a socket URL this client
 * will not open: only `wss:` is accepted, and `ws:` to a loopback host
 * (127.0.0.0/8, `localhost`, `::1`). It ends the session: another answer
 * from the same server is not expected to be better. `url` is quoted, at
 * most 200 characters, with anything token-shaped blanked out.
 *
 * @since 0.2.0
 */
export class InvalidSocketUrl extends Data.TaggedError("InvalidSocketUrl")<{
  readonly url: string
}> {
  override get message() {
    return `the socket URL is refused (only wss:, or ws: to a loopback host): ${this.url}`
  }
}

/**
 * The `Socket.WebSocketConstructor` in the context cannot open sockets: it
 * is not a function, threw a `TypeError` (a class called without `new`,
 * say), or returned something that is not a WebSocket. It ends the session
 * at once instead of failing every open.
 *
 * @since 0.2.0
 */
export class InvalidWebSocketConstructor extends Data.TaggedError("InvalidWebSocketConstructor")<{
  readonly reason: string
}> {
  override get message() {
    return `the WebSocketConstructor cannot open sockets: ${this.reason}`
  }
}

/**
 * The frame, as JSON with its id, would exceed Slack's 16 KB limit. It was
 * not sent.
 *
 * @since 0.1.0
 */
export class FrameTooLarge extends Data.TaggedError("FrameTooLarge")<{
  readonly bytes: number
  readonly limit: number
}> {
  override get message() {
    return `the frame is ${this.bytes} bytes; Slack drops the connection above ${this.limit}`
  }
}

/**
 * The frame cannot be written as a JSON object: it holds a BigInt or a
 * cycle, or a `toJSON` threw or did not give an object. It was not sent, and
 * the session goes on.
 *
 * @since 0.2.0
 */
export class InvalidFrame extends Data.TaggedError("InvalidFrame")<{
  readonly reason: string
}> {
  override get message() {
    return `the frame cannot be sent as JSON: ${this.reason}`
  }
}

/**
 * The message text is longer than Slack's 4,000 characters. It was not sent.
 *
 * @since 0.1.0
 */
export class MessageTooLong extends Data.TaggedError("MessageTooLong")<{
  readonly length: number
  readonly limit: number
}> {
  override get message() {
    return `the text is ${this.length} characters; Slack's limit is ${this.limit}`
  }
}

/**
 * The outbound queue is full (the session has been away for a while). The
 * frame was not queued.
 *
 * @since 0.1.0
 */
export class SendQueueFull extends Data.TaggedError("SendQueueFull")<{
  readonly capacity: number
}> {
  override get message() {
    return `the outbound queue holds ${this.capacity} frames and is full`
  }
}

/**
 * Slack answered the frame with an error ack: `{ ok: false, error: { code, msg } }`.
 *
 * @since 0.1.0
 */
export class SendRejected extends Data.TaggedError("SendRejected")<{
  readonly id: number
  readonly code: number
  readonly msg: string
}> {
  override get message() {
    return `Slack rejected frame ${this.id}: ${this.code} ${this.msg}`
  }
}

/**
 * Slack's ack could not be read: `ok` was true, but `ts` was missing.
 *
 * @since 0.1.0
 */
export class MalformedAck extends Data.TaggedError("MalformedAck")<{
  readonly id: number
  readonly raw: Readonly<Record<string, unknown>>
}> {
  override get message() {
    return `the ack of frame ${this.id} has no ts`
  }
}

/**
 * No ack (or pong) came within the timeout. The frame may or may not have
 * been delivered; a late ack arrives as an `unmatched_reply` event.
 *
 * @since 0.1.0
 */
export class AckTimeout extends Data.TaggedError("AckTimeout")<{
  readonly id: number
  readonly timeout: Duration.Duration
}> {
  override get message() {
    return `no reply to frame ${this.id} within ${Duration.format(this.timeout)}`
  }
}

/**
 * The socket dropped after the frame was written and before its ack came.
 * Slack may or may not have it; it is not resent.
 *
 * @since 0.1.0
 */
export class DeliveryUnknown extends Data.TaggedError("DeliveryUnknown")<{
  readonly id: number
  readonly cause: Disconnected
}> {
  override get message() {
    return `frame ${this.id} was on the wire when the connection ended (${this.cause.reason}); delivery is unknown`
  }
}

/**
 * The session is closed: its scope ended, or a permanent error ended it.
 *
 * @since 0.1.0
 */
export class SessionClosed extends Data.TaggedError("SessionClosed")<{
  readonly reason: string
}> {
  override get message() {
    return `the RTM session is closed: ${this.reason}`
  }
}

/**
 * Every way a send can fail.
 *
 * @since 0.1.0
 */
export type SendError =
  | FrameTooLarge
  | InvalidFrame
  | MessageTooLong
  | SendQueueFull
  | SendRejected
  | MalformedAck
  | AckTimeout
  | DeliveryUnknown
  | SessionClosed
