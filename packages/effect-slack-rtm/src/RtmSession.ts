/**
 * An RTM session as one scoped resource. Opening it connects and waits for
 * `hello`; it then keeps itself alive with pings, reconnects after every
 * fault, and ends only when its scope closes or Slack answers with a
 * permanent error. Closing the scope closes the socket and leaves nothing
 * running.
 *
 * This module owns the session's state stream, and wires the parts that own
 * the rest: the inbound buffer (`internal/inbound`), the outbox
 * (`internal/outbox`), the link to the current connection
 * (`internal/link`), one connection (`internal/connection`) and the
 * reconnect driver (`internal/reconnect`). Its invariant: `state` emits the
 * current state first, then each change, and ends with `Closed`.
 *
 * @since 1.0.0
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Inbound from "./internal/inbound.js"
import * as Keepalive from "./internal/keepalive.js"
import * as Link from "./internal/link.js"
import * as Metrics from "./internal/metrics.js"
import * as Outbox from "./internal/outbox.js"
import * as Quote from "./internal/quote.js"
import * as Reconnect from "./internal/reconnect.js"
import * as Rtm from "./Rtm.js"
import type { Reply, RtmEvent } from "./RtmEvent.js"
import {
  type Disconnected,
  type InvalidSocketUrl,
  type InvalidWebSocketConstructor,
  MalformedAck,
  MessageTooLong,
  type SendError
} from "./RtmSessionError.js"
import { InvalidSlackConfig, SlackConfig } from "./SlackConfig.js"
import type { RtmStartError } from "./SlackError.js"
import type { SlackWebApi } from "./SlackWebApi.js"

/**
 * What ends a session: a permanent Web API error (`InvalidAuth`,
 * `AccountInactive`, …), a socket URL it will not open
 * (`InvalidSocketUrl`), a constructor that cannot open sockets
 * (`InvalidWebSocketConstructor`), or the last `Disconnected` once a
 * bounded reconnect policy gives up.
 *
 * @since 1.0.0
 */
export type SessionError = RtmStartError | Disconnected | InvalidSocketUrl | InvalidWebSocketConstructor

/**
 * Where a session stands.
 *
 * @since 1.0.0
 */
export type SessionState = Data.TaggedEnum<{
  Connecting: {}
  Connected: { readonly self: Rtm.Self; readonly team: Rtm.Team }
  Reconnecting: { readonly attempt: number; readonly cause: Disconnected }
  Closed: { readonly reason: string }
}>

/**
 * Constructors and matchers of {@link SessionState}.
 *
 * @since 1.0.0
 */
export const SessionState = Data.taggedEnum<SessionState>()

/**
 * The options of {@link make}. Every one has a default. Durations take any
 * `Duration.Input`: `"10 seconds"`, a number of milliseconds, a `Duration`.
 *
 * @since 1.0.0
 */
export interface Options {
  /** The method that opens each connection. Default `rtm.connect`. */
  readonly method?: "rtm.connect" | "rtm.start"
  /** Its parameters, sent again on every reconnect. */
  readonly connect?: Rtm.RtmConnectParams | Rtm.RtmStartParams
  /** Time allowed from the start of a connection to `hello`. Default 10 s. */
  readonly helloTimeout?: Duration.Input
  /** Time between pings. Default 30 s. */
  readonly pingInterval?: Duration.Input
  /** Time a ping may wait for its pong before the socket is torn down. Default 10 s. */
  readonly pongTimeout?: Duration.Input
  /** Time a written message may wait for its ack. Default 10 s. */
  readonly ackTimeout?: Duration.Input
  /** Delays between reconnects. Default {@link defaultReconnect}. */
  readonly reconnect?: Schedule.Schedule<unknown, Disconnected>
  /** A connection that lived this long starts the backoff over. Default 30 s. */
  readonly stableAfter?: Duration.Input
  /**
   * Events buffered for a slow consumer; past that they are dropped, counted
   * and reported in the stream. Default 10,000.
   *
   * Before that, a `ws` socket is paused: once 512 events (or a quarter of
   * the capacity, if less) or 512 KiB (or a quarter of `inboundBytes`) wait,
   * the session stops reading it, and the server waits, until the consumer
   * has taken three quarters of them. The rest of the socket's last read
   * still arrives, so a capacity of a few thousand events or less can still
   * drop part of a burst of small frames. The session reads on, and drops
   * past the capacity, while it awaits a reply (an ack, or a pong), which is
   * behind the events on the wire.
   */
  readonly inboundCapacity?: number
  /**
   * The same bound in size: the frames of the buffered events, in characters
   * (bytes, for binary frames), may add up to this much; an event that does
   * not fit is dropped and reported as for `inboundCapacity`. Default 4 MiB.
   */
  readonly inboundBytes?: number
  /** Frames queued while reconnecting; past that sends fail with `SendQueueFull`. Default 1,000. */
  readonly outboundCapacity?: number
  /** Outbound throttle (token bucket), or `false`. Default 3 per 3 s: 1 per second, bursts of 3. */
  readonly rateLimit?: { readonly limit: number; readonly interval: Duration.Input } | false
}

/**
 * The default reconnect policy: at once, then exponential from 500 ms,
 * doubling, jittered, capped at 30 s, forever. A connection that lived
 * `stableAfter` starts it over, and a `Retry-After` is always waited out.
 *
 * @since 1.0.0
 */
export const defaultReconnect: Schedule.Schedule<unknown, Disconnected> = Schedule.once.pipe(
  Schedule.concat(
    Schedule.min([Schedule.exponential("500 millis", 2).pipe(Schedule.jittered), Schedule.spaced("30 seconds")])
  )
)

/**
 * What a constructor marked with {@link withHandshakeHeaders} takes as its
 * second argument, in place of the protocols, when the session has headers
 * to send on the upgrade request (a session token's `cookie`): Effect 4's
 * `Socket.WebSocketClientOptions`, `{ protocols?, headers? }`.
 *
 * @since 1.0.0
 */
export type WebSocketClientOptions = Socket.WebSocketClientOptions

/**
 * A WebSocket constructor that can send handshake headers: its second
 * argument is the protocols, or a {@link WebSocketClientOptions}. In Effect
 * 4 that is the shape of every `Socket.WebSocketConstructor`; what tells
 * one that sends the headers from one that cannot (or throws) is the mark
 * of {@link withHandshakeHeaders}.
 *
 * @since 1.0.0
 */
export type WebSocketConstructorWithHeaders = Socket.WebSocketConstructor["Service"]

const sendsHeaders = Symbol.for("effect-slack-rtm/RtmSession/sendsHandshakeHeaders")

/**
 * Marks a WebSocket constructor as one that sends the `headers` of a
 * {@link WebSocketClientOptions} second argument on the upgrade request, as
 * `ws` can and a browser's `WebSocket` cannot. A session whose
 * `SlackConfig` has a `cookie` opens its sockets only with such a
 * constructor (`Slack.webSocketConstructor` is one). Returns a marked copy;
 * `make` itself is left as it is.
 *
 * @example
 * ```ts
 * import { RtmSession, Slack } from "effect-slack-rtm"
 * import * as Layer from "effect/Layer"
 * import * as Socket from "effect/socket/Socket"
 *
 * // A constructor of your own that passes the headers on (here, to the `ws` one of `Slack`).
 * const constructor = RtmSession.withHandshakeHeaders((url, options) => Slack.webSocketConstructor()(url, options))
 * const layer = Layer.succeed(Socket.WebSocketConstructor)(constructor)
 * ```
 *
 * @since 1.0.0
 */
export const withHandshakeHeaders = (make: WebSocketConstructorWithHeaders): WebSocketConstructorWithHeaders => {
  const marked: WebSocketConstructorWithHeaders = (url, options) => make(url, options)
  return Object.defineProperty(marked, sendsHeaders, { value: true })
}

/**
 * Whether a WebSocket constructor was marked with
 * {@link withHandshakeHeaders}: whether it can send a session token's
 * cookie.
 *
 * @since 1.0.0
 */
export const sendsHandshakeHeaders = (make: unknown): make is WebSocketConstructorWithHeaders =>
  typeof make === "function" && (make as unknown as Record<symbol, unknown>)[sendsHeaders] === true

/**
 * A message to post.
 *
 * @since 1.0.0
 */
export interface OutgoingMessage {
  readonly channel: string
  readonly text: string
  /** Reply in this thread. */
  readonly thread_ts?: string
}

/**
 * Slack's ack of a message: its timestamp, and the text as Slack stored it
 * (links may be rewritten).
 *
 * @since 1.0.0
 */
export interface MessageAck {
  readonly ts: string
  readonly text: string
}

/**
 * A live session.
 *
 * @since 1.0.0
 */
export interface RtmSession {
  /**
   * Every event, in order. Consume it once (use `Stream.broadcast` to fan
   * out). It fails with the error that ended the session, and ends when
   * the scope closes.
   */
  readonly events: Stream.Stream<RtmEvent, SessionError>
  /** The current state, then every change; it ends with `Closed`. */
  readonly state: Stream.Stream<SessionState>
  /** Posts a message; resolves with Slack's ack. */
  readonly sendMessage: (message: OutgoingMessage) => Effect.Effect<MessageAck, SendError>
  /** Says the user is typing in `channel` (Slack asks for at most one per 3 s per channel). */
  readonly typing: (channel: string) => Effect.Effect<void, SendError>
  /** Replaces the presence subscription; it is sent again after every reconnect. */
  readonly subscribePresence: (ids: ReadonlyArray<string>) => Effect.Effect<void, SendError>
  /** Asks once for the presence of up to 500 users. */
  readonly presenceQuery: (ids: ReadonlyArray<string>) => Effect.Effect<void, SendError>
  /** Pings the server; resolves with the round trip. */
  readonly ping: () => Effect.Effect<Duration.Duration, SendError>
  /** Sends any other frame; an id is assigned. Resolves with it once written; replies arrive as `unmatched_reply`. */
  readonly send: (frame: { readonly type: string; readonly [key: string]: unknown }) => Effect.Effect<number, SendError>
}

/**
 * Slack's limit on message text.
 *
 * @since 1.0.0
 */
export const messageTextLimit = 4_000

/**
 * Opens a session. Succeeds once the first `hello` arrives; fails with the
 * typed error if the first connect fails permanently. The session lives in
 * a scope of its own inside the caller's: if `make` fails or is interrupted
 * (say, by `Effect.timeout`), that scope closes and nothing is left running.
 *
 * If the `SlackConfig` in context has a `cookie` (a session token's), every
 * connection sends it on its upgrade request, so the WebSocket constructor
 * must be able to send headers (see {@link withHandshakeHeaders}). With one
 * that cannot, such as a runtime's global `WebSocket`
 * (`Socket.layerWebSocketConstructorGlobal`), `make` fails at once, before
 * any request, with `InvalidSlackConfig { option: "cookie" }`.
 *
 * @example
 * ```ts
 * import { RtmSession, Slack } from "effect-slack-rtm"
 * import * as Effect from "effect/Effect"
 * import * as Stream from "effect/Stream"
 *
 * const bot = Effect.gen(function*() {
 *   const session = yield* RtmSession.make({ connect: { batch_presence_aware: true } })
 *   yield* session.events.pipe(
 *     Stream.runForEach((event) =>
 *       event.type === "message" && event.text === "ping"
 *         ? session.sendMessage({ channel: event.channel, text: "pong" }).pipe(Effect.ignore)
 *         : Effect.void
 *     )
 *   )
 * }).pipe(Effect.scoped, Effect.provide(Slack.layerConfig))
 * ```
 *
 * @since 1.0.0
 */
export const make = (
  options: Options = {}
): Effect.Effect<
  RtmSession,
  SessionError | InvalidSlackConfig,
  SlackWebApi | Socket.WebSocketConstructor | Scope.Scope
> =>
  Effect.gen(function*() {
    const own = yield* Scope.fork(yield* Effect.scope, "sequential")
    return yield* openSession(options).pipe(
      Scope.provide(own),
      Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : Scope.close(own, exit))
    )
  })

/** The default timings, made once rather than parsed from strings for every session. */
const defaults = {
  pongTimeout: Duration.seconds(10),
  pingInterval: Duration.seconds(30),
  ackTimeout: Duration.seconds(10),
  helloTimeout: Duration.seconds(10),
  stableAfterMillis: 30_000,
  rateLimit: { limit: 3, interval: Duration.seconds(3) }
} as const

/** An option's `Duration`, or its default. */
const durationOr = (input: Duration.Input | undefined, fallback: Duration.Duration): Duration.Duration =>
  input === undefined ? fallback : Duration.fromInputUnsafe(input)

const openSession = (options: Options) =>
  Effect.gen(function*() {
    const pongTimeout = durationOr(options.pongTimeout, defaults.pongTimeout)
    const pingInterval = durationOr(options.pingInterval, defaults.pingInterval)
    const params = options.connect ?? {}
    const context = yield* Effect.context<never>()
    const { headers, quote } = yield* secrets
    const link = Link.make()
    const inbound = yield* Inbound.make<SessionError>({
      capacity: options.inboundCapacity ?? 10_000,
      maxBytes: options.inboundBytes ?? 4 * 1024 * 1024,
      setPaused: (paused) => link.current?.setPaused(paused),
      awaitsReply: () => Outbox.awaitsReply(outbox)
    }, context)
    const outbox: Outbox.Outbox = yield* Outbox.make({
      capacity: options.outboundCapacity ?? 1_000,
      ackTimeout: durationOr(options.ackTimeout, defaults.ackTimeout),
      rateLimit: options.rateLimit ?? defaults.rateLimit,
      link,
      quote,
      onAwaitReply: () => Inbound.readOn(inbound)
    })
    const state: StateCell = { current: SessionState.Connecting(), ref: undefined }
    yield* Reconnect.start({
      connect: options.method === "rtm.start" ? Rtm.start(params) : Rtm.connect(params),
      helloTimeout: durationOr(options.helloTimeout, defaults.helloTimeout),
      stableAfter: options.stableAfter === undefined
        ? defaults.stableAfterMillis
        : Duration.toMillis(options.stableAfter),
      reconnect: options.reconnect ?? defaultReconnect,
      link,
      quote,
      headers,
      onEvent: (event, size) => Inbound.deliver(inbound, event, size),
      onReply: (reply, size) => onReply(inbound, outbox, reply, size),
      onHello: (connection, { self, team }) =>
        Effect.suspend(() => {
          // A consumer still behind keeps the new socket waiting too.
          connection.setPaused(Inbound.isPaused(inbound))
          return Effect.andThen(
            setState(state, SessionState.Connected({ self, team })),
            Outbox.resubscribe(outbox, connection.write)
          )
        }),
      onDisconnected: (cause, attempt) =>
        Effect.suspend(() => {
          Outbox.disconnected(outbox, cause)
          return setState(state, SessionState.Reconnecting({ attempt, cause }))
        }),
      keepalive: (connection) => Keepalive.keepalive(outbox, connection, { pingInterval, pongTimeout }),
      onEnd: (reason, cause) => onEnd(state, outbox, inbound, reason, cause)
    })
    return methods({ inbound, outbox, link, state, pongTimeout })
  }).pipe(Effect.annotateLogs({ module: "RtmSession" }))

/**
 * What the session does with the secrets of the `SlackConfig`, when the
 * layers provide one (`Slack.layer` does): it quotes server text bounded,
 * with every token- or cookie-shaped string, the token and the cookie
 * blanked out; and it sends the cookie, read once, on the upgrade request of
 * every connection. A cookie that the WebSocket constructor cannot send
 * fails the session before any request.
 */
const secrets = Effect.gen(function*() {
  const config = Option.getOrUndefined(yield* Effect.serviceOption(SlackConfig))
  const cookie = config?.cookie === undefined ? undefined : Redacted.value(config.cookie)
  if (cookie !== undefined && !sendsHandshakeHeaders(yield* Socket.WebSocketConstructor)) {
    return yield* new InvalidSlackConfig({
      option: "cookie",
      reason: "cannot be sent: this WebSocket cannot send headers (a runtime's global one cannot); use " +
        "Slack.layer, Slack.webSocketConstructor, or a constructor marked with RtmSession.withHandshakeHeaders"
    })
  }
  const secrets = Quote.secretsOf(config === undefined ? undefined : Redacted.value(config.token), cookie)
  return {
    quote: (text: string) => Quote.quote(text, secrets),
    headers: cookie === undefined ? undefined : { cookie }
  }
})

/** A reply goes to the send that waits for it; a reply that no send waits for is an event. */
const onReply = (
  inbound: Inbound.Inbound<SessionError>,
  outbox: Outbox.Outbox,
  reply: Reply,
  size: number
): void => {
  if (!Outbox.resolve(outbox, reply.reply_to, reply.raw)) {
    Inbound.deliver(inbound, { type: "unmatched_reply", reply_to: reply.reply_to, raw: reply.raw }, size)
  }
}

/**
 * The session's state: a plain value until someone first watches `state`,
 * then a `SubscriptionRef` as well. A session nobody watches so keeps no
 * `PubSub` (about 3 KiB of heap per idle session, with the stream).
 */
interface StateCell {
  current: SessionState
  ref: SubscriptionRef.SubscriptionRef<SessionState> | undefined
}

const setState = (cell: StateCell, next: SessionState): Effect.Effect<void> =>
  Effect.suspend(() => {
    cell.current = next
    return cell.ref === undefined ? Effect.void : SubscriptionRef.set(cell.ref, next)
  })

/** The current state, then every change, ending with `Closed`; the first watcher makes the `SubscriptionRef`. */
const watchState = (cell: StateCell): Stream.Stream<SessionState> =>
  Stream.unwrap(Effect.gen(function*() {
    if (cell.ref === undefined) {
      const made = yield* SubscriptionRef.make(cell.current)
      cell.ref ??= made
    }
    // Had a change come while it was made, bring it up to date before anyone subscribes.
    if (SubscriptionRef.getUnsafe(cell.ref) !== cell.current) yield* SubscriptionRef.set(cell.ref, cell.current)
    return SubscriptionRef.changes(cell.ref).pipe(Stream.takeUntil((state) => state._tag === "Closed"))
  }))

/** The session ended: the state says so, sends fail, and events end (or fail with what ended the session). */
const onEnd = (
  state: StateCell,
  outbox: Outbox.Outbox,
  inbound: Inbound.Inbound<SessionError>,
  reason: string,
  cause: Cause.Cause<SessionError> | undefined
): Effect.Effect<void> =>
  Effect.gen(function*() {
    yield* setState(state, SessionState.Closed({ reason }))
    yield* Outbox.close(outbox, reason)
    yield* cause === undefined ? Inbound.end(inbound) : Inbound.fail(inbound, cause)
  })

/** Counts a send's outcome: `outcome` when it succeeds, else the tag of its error. */
const record = <A, E extends { readonly _tag: string }, R>(outcome: string, effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.tapError((error) => Metric.update(Metrics.sends, error._tag)),
    Effect.tap(() => Metric.update(Metrics.sends, outcome))
  )

/** The session's public face, over its parts. */
const methods = (parts: {
  readonly inbound: Inbound.Inbound<SessionError>
  readonly outbox: Outbox.Outbox
  readonly link: Link.Link
  readonly state: StateCell
  readonly pongTimeout: Duration.Duration
}): RtmSession => {
  const { link, outbox, pongTimeout } = parts
  const send = (frame: { readonly type: string; readonly [key: string]: unknown }) =>
    record("written", Effect.map(Outbox.send(outbox, frame, false), ({ id }) => id))
  const sendMessage = (message: OutgoingMessage) =>
    record(
      "acked",
      Effect.gen(function*() {
        if (message.text.length > messageTextLimit) {
          return yield* new MessageTooLong({ length: message.text.length, limit: messageTextLimit })
        }
        const { id, reply } = yield* Outbox.send(outbox, { ...message, type: "message" }, true)
        if (typeof reply["ts"] !== "string") return yield* new MalformedAck({ id, raw: reply })
        return { ts: reply["ts"], text: typeof reply["text"] === "string" ? reply["text"] : message.text }
      })
    )
  return {
    // Both streams are made when they are asked for: a session nobody watches keeps neither.
    get events() {
      return Inbound.events(parts.inbound)
    },
    get state() {
      return watchState(parts.state)
    },
    sendMessage,
    typing: (channel) => Effect.asVoid(send({ type: "typing", channel })),
    subscribePresence: (ids) => Effect.asVoid(record("written", Outbox.subscribePresence(outbox, ids))),
    presenceQuery: (ids) => Effect.asVoid(send({ type: "presence_query", ids: [...ids] })),
    ping: () =>
      Effect.flatMap(Link.whenConnected(link), (connection) => Keepalive.ping(outbox, connection, pongTimeout)),
    send
  }
}
