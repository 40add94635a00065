/**
 * An RTM session as one scoped resource. Opening it connects and waits for
 * `hello`; it then keeps itself alive with pings, reconnects after every
 * fault, and ends only when its scope closes or Slack answers with a
 * permanent error. Closing the scope closes the socket and leaves nothing
 * running.
 *
 * @since 0.1.0
 */
import * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as LogLevel from "effect/LogLevel"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Connection from "./internal/connection.js"
import * as Metrics from "./internal/metrics.js"
import * as Outbox from "./internal/outbox.js"
import * as Quote from "./internal/quote.js"
import { isRecoverable, reconnectSchedule } from "./internal/reconnect.js"
import * as Rtm from "./Rtm.js"
import type { Reply, RtmEvent } from "./RtmEvent.js"
import {
  Disconnected,
  type InvalidSocketUrl,
  type InvalidWebSocketConstructor,
  MalformedAck,
  MessageTooLong,
  type SendError,
  SessionClosed
} from "./RtmSessionError.js"
import { InvalidSlackConfig, SlackConfig } from "./SlackConfig.js"
import type { RtmStartError } from "./SlackError.js"
import type { SlackWebApi } from "./SlackWebApi.js"

/**
 * What ends a session: a permanent Web API error (`InvalidAuth`,
 * `AccountInactive`, …), a socket URL it will not open
 * (`InvalidSocketUrl`, since 0.2.0), a constructor that cannot open
 * sockets (`InvalidWebSocketConstructor`, since 0.2.0), or the last
 * `Disconnected` once a bounded reconnect policy gives up.
 *
 * @since 0.1.0
 */
export type SessionError = RtmStartError | Disconnected | InvalidSocketUrl | InvalidWebSocketConstructor

/**
 * Where a session stands.
 *
 * @since 0.1.0
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
 * @since 0.1.0
 */
export const SessionState = Data.taggedEnum<SessionState>()

/**
 * The options of {@link make}. Every one has a default.
 *
 * @since 0.1.0
 */
export interface Options {
  /** The method that opens each connection. Default `rtm.connect`. */
  readonly method?: "rtm.connect" | "rtm.start"
  /** Its parameters, sent again on every reconnect. */
  readonly connect?: Rtm.RtmConnectParams | Rtm.RtmStartParams
  /** Time allowed from the start of a connection to `hello`. Default 10 s. */
  readonly helloTimeout?: Duration.DurationInput
  /** Time between pings. Default 30 s. */
  readonly pingInterval?: Duration.DurationInput
  /** Time a ping may wait for its pong before the socket is torn down. Default 10 s. */
  readonly pongTimeout?: Duration.DurationInput
  /** Time a written message may wait for its ack. Default 10 s. */
  readonly ackTimeout?: Duration.DurationInput
  /** Delays between reconnects. Default {@link defaultReconnect}. */
  readonly reconnect?: Schedule.Schedule<unknown, Disconnected>
  /** A connection that lived this long starts the backoff over. Default 30 s. */
  readonly stableAfter?: Duration.DurationInput
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
   *
   * @since 0.2.0
   */
  readonly inboundBytes?: number
  /** Frames queued while reconnecting; past that sends fail with `SendQueueFull`. Default 1,000. */
  readonly outboundCapacity?: number
  /** Outbound throttle (token bucket), or `false`. Default 3 per 3 s: 1 per second, bursts of 3. */
  readonly rateLimit?: { readonly limit: number; readonly interval: Duration.DurationInput } | false
}

/**
 * The default reconnect policy: at once, then exponential from 500 ms,
 * doubling, jittered, capped at 30 s, forever. A connection that lived
 * `stableAfter` starts it over, and a `Retry-After` is always waited out.
 *
 * @since 0.1.0
 */
export const defaultReconnect: Schedule.Schedule<unknown, Disconnected> = Schedule.once.pipe(
  Schedule.andThen(
    Schedule.exponential("500 millis", 2).pipe(
      Schedule.jittered,
      Schedule.union(Schedule.spaced("30 seconds"))
    )
  )
)

/**
 * What a constructor marked with {@link withHandshakeHeaders} takes as its
 * second argument, in place of the protocols, when the session has headers
 * to send on the upgrade request (a session token's `cookie`). It has the
 * shape of Effect 4's `Socket.WebSocketClientOptions`.
 *
 * @since 0.3.0
 */
export interface WebSocketClientOptions {
  readonly protocols?: string | Array<string> | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * A WebSocket constructor that can send handshake headers: its second
 * argument is the protocols, or a {@link WebSocketClientOptions}. It is
 * also a `Socket.WebSocketConstructor`.
 *
 * @since 0.3.0
 */
export type WebSocketConstructorWithHeaders = (
  url: string,
  options?: string | Array<string> | WebSocketClientOptions | undefined
) => globalThis.WebSocket

const sendsHeaders = Symbol.for("effect-slack-rtm/RtmSession/sendsHandshakeHeaders")

/**
 * Marks a WebSocket constructor as one that sends the `headers` of a
 * {@link WebSocketClientOptions} second argument on the upgrade request, as
 * `ws` can and a browser's `WebSocket` cannot. A session whose
 * `SlackConfig` has a `cookie` opens its sockets only with such a
 * constructor (`Slack.webSocketConstructor` is one). Returns a marked copy;
 * `make` itself is left as it is.
 *
 * @since 0.3.0
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
 * @since 0.3.0
 */
export const sendsHandshakeHeaders = (make: unknown): make is WebSocketConstructorWithHeaders =>
  typeof make === "function" && (make as unknown as Record<symbol, unknown>)[sendsHeaders] === true

/**
 * A message to post.
 *
 * @since 0.1.0
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
 * @since 0.1.0
 */
export interface MessageAck {
  readonly ts: string
  readonly text: string
}

/**
 * A live session.
 *
 * @since 0.1.0
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
 * @since 0.1.0
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
 * that cannot, such as a runtime's global `WebSocket`, `make` fails at once,
 * before any request, with `InvalidSlackConfig { option: "cookie" }`
 * (since 0.3.0).
 *
 * @example
 * ```ts
 * import { RtmSession, Slack } from "effect-slack-rtm"
 * import { Effect, Stream } from "effect"
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
 * @since 0.1.0
 */
export const make = (
  options: Options = {}
): Effect.Effect<
  RtmSession,
  SessionError | InvalidSlackConfig,
  SlackWebApi | Socket.WebSocketConstructor | Scope.Scope
> =>
  Effect.gen(function*() {
    const own = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    return yield* openSession(options).pipe(
      Scope.extend(own),
      Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : Scope.close(own, exit))
    )
  })

/**
 * One connection attempt as its drop handler sees it. `connected` is the
 * latch of the session: open exactly while `current` is a connection that
 * has not dropped, or once the session has ended.
 */
interface Link {
  readonly scope: Scope.CloseableScope
  connection?: Connection.Connection
  helloAt: number
  dropped?: boolean
}

/** The default timings, made once rather than parsed from strings for every session. */
const defaults = {
  helloTimeout: Duration.seconds(10),
  pingInterval: Duration.seconds(30),
  pongTimeout: Duration.seconds(10),
  ackTimeout: Duration.seconds(10),
  stableAfterMillis: 30_000,
  rateLimit: { limit: 3, interval: Duration.seconds(3) }
} as const

/** An option's `Duration`, or its default. */
const durationOr = (input: Duration.DurationInput | undefined, fallback: Duration.Duration): Duration.Duration =>
  input === undefined ? fallback : Duration.decode(input)

const openSession = (options: Options) =>
  Effect.gen(function*() {
    const helloTimeout = durationOr(options.helloTimeout, defaults.helloTimeout)
    const pingInterval = durationOr(options.pingInterval, defaults.pingInterval)
    const pongTimeout = durationOr(options.pongTimeout, defaults.pongTimeout)
    const ackTimeout = durationOr(options.ackTimeout, defaults.ackTimeout)
    const stableAfter = options.stableAfter === undefined
      ? defaults.stableAfterMillis
      : Duration.toMillis(options.stableAfter)
    const params = options.connect ?? {}
    const callConnect = options.method === "rtm.start" ? Rtm.start(params) : Rtm.connect(params)

    // The token and the cookie, when the layers provide them (`Slack.layer` does), are blanked out of what the
    // session quotes.
    const config = Option.getOrUndefined(yield* Effect.serviceOption(SlackConfig))
    const cookie = config?.cookie === undefined ? undefined : Redacted.value(config.cookie)
    const secrets = Quote.secretsOf(config === undefined ? undefined : Redacted.value(config.token), cookie)
    const quote = (text: string) => Quote.quote(text, secrets)
    if (cookie !== undefined && !sendsHandshakeHeaders(yield* Socket.WebSocketConstructor)) {
      return yield* new InvalidSlackConfig({
        option: "cookie",
        reason: "cannot be sent: this WebSocket cannot send headers (a runtime's global one cannot); use " +
          "Slack.layer, Slack.webSocketConstructor, or a constructor marked with RtmSession.withHandshakeHeaders"
      })
    }
    /** The headers of every upgrade request: the cookie, read once, kept for every reconnect. */
    const headers = cookie === undefined ? undefined : { cookie }
    const sessionScope = yield* Effect.scope
    const state = yield* SubscriptionRef.make<SessionState>(SessionState.Connecting())
    const connected = yield* Effect.makeLatch(false)
    let current: Connection.Connection | undefined
    let ended: string | undefined
    let shuttingDown = false
    let presence: ReadonlyArray<string> = []
    let failures = 0
    /** Waits until the session is connected or has ended. It yields, so that no caller can spin without letting others run. */
    const awaitConnected = Effect.zipRight(connected.await, Effect.yieldNow())
    const outbox = yield* Outbox.make({
      capacity: options.outboundCapacity ?? 1_000,
      ackTimeout,
      rateLimit: options.rateLimit ?? defaults.rateLimit,
      connection: () => current?.write,
      whenConnected: awaitConnected,
      quote,
      // The reply is behind the events on the wire: the socket must be read.
      onAwaitReply: () => readOn()
    })
    const firstHello = yield* Deferred.make<void, SessionError>()
    const driver = yield* Schedule.driver(reconnectSchedule(options.reconnect ?? defaultReconnect))
    const runtime = yield* Effect.runtime<SlackWebApi | Socket.WebSocketConstructor>()
    const runFork = Runtime.runFork(runtime)

    /**
     * Inbound buffering. At most `inboundCapacity` events, whose frames add up
     * to at most `inboundBytes`, wait for the consumer; the buffer has room
     * beside them for the `events_dropped` markers. When an event does not
     * fit, a marker goes in at once, right after the last event kept, and
     * counts every event dropped until another event fits.
     *
     * Backpressure comes first: once a window of events (or bytes) waits,
     * the session stops reading the socket, and reads it again once the
     * consumer has taken three quarters of them. It never stops it while a
     * reply (an ack or a pong) is awaited, since the reply is behind the
     * events on the wire: then it reads on, and drops what does not fit.
     */
    const inboundCapacity = options.inboundCapacity ?? 10_000
    const inboundBytes = options.inboundBytes ?? 4 * 1024 * 1024
    const mailbox = yield* Mailbox.make<RtmEvent, SessionError>({ capacity: 2 * inboundCapacity + 1 })
    /** The frame size of each event (markers aside) in the buffer, oldest first, and their sum. */
    const sizes: Array<number> = []
    let bytesBuffered = 0
    let openMarker: { type: "events_dropped"; count: number } | undefined
    /**
     * The events, and the bytes, that stop the socket once either waits: 512
     * and 512 KiB, or a quarter of the buffer if less. A window rather than
     * the whole buffer, since the rest of the socket's last read (up to 64 KiB
     * of frames) still arrives after a pause, and must fit.
     */
    const inboundWindow = {
      events: Math.min(512, Math.ceil(inboundCapacity / 4)),
      bytes: Math.min(512 * 1024, Math.ceil(inboundBytes / 4))
    }
    /** Whether the buffer has stopped reading the socket; a new connection starts stopped too. */
    let paused = false
    const readOn = () => {
      if (!paused) return
      paused = false
      current?.setPaused(false)
    }

    const deliver = (event: RtmEvent, size: number) => {
      Metrics.eventsReceived.unsafeUpdate(event.type, [])
      if (event.type === "undecodable") {
        Metrics.decodeFailures.unsafeUpdate(1, [])
        runFork(Effect.logWarning(`undecodable frame: ${event.reason}`))
      }
      if (sizes.length < inboundCapacity && bytesBuffered + size <= inboundBytes) {
        openMarker = undefined
        sizes.push(size)
        bytesBuffered += size
        mailbox.unsafeOffer(event)
        if (
          !paused && (sizes.length >= inboundWindow.events || bytesBuffered >= inboundWindow.bytes) &&
          !outbox.awaitsReply()
        ) {
          paused = true
          current?.setPaused(true)
        }
        return
      }
      Metrics.eventsDropped.unsafeUpdate(1, [])
      if (openMarker !== undefined) {
        openMarker.count++
        return
      }
      runFork(Effect.logWarning("the inbound buffer is full: dropping events until it drains"))
      openMarker = { type: "events_dropped", count: 1 }
      mailbox.unsafeOffer(openMarker)
    }

    /** The consumer's side: what it takes frees room, and a marker it has taken counts no more drops. */
    const events = Mailbox.toStream(mailbox).pipe(Stream.mapChunks((chunk) => {
      // The sizes taken go in one step at the end: a shift per event was 1–2% of the session's CPU.
      let taken = 0
      for (const event of chunk) {
        if (event.type !== "events_dropped") bytesBuffered -= sizes[taken++]!
        else if (event === openMarker) openMarker = undefined
      }
      // Usually every buffered event was taken; any that arrived after the take move to the front.
      sizes.copyWithin(0, taken)
      sizes.length -= taken
      if (paused && sizes.length <= inboundWindow.events / 4 && bytesBuffered <= inboundWindow.bytes / 4) readOn()
      return chunk
    }))

    const onReply = (reply: Reply, size: number) => {
      if (!outbox.resolve(reply.reply_to, reply.raw)) {
        deliver({ type: "unmatched_reply", reply_to: reply.reply_to, raw: reply.raw }, size)
      }
    }

    const pingOn = (connection: Connection.Connection) =>
      Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        yield* outbox.request(connection.write, { type: "ping" }, pongTimeout)
        const roundTrip = Duration.millis((yield* Clock.currentTimeMillis) - started)
        yield* Metrics.pingRoundTrip(Effect.succeed(roundTrip))
        return roundTrip
      })

    const keepalive = (connection: Connection.Connection) =>
      Effect.sleep(pingInterval).pipe(
        Effect.zipRight(pingOn(connection)),
        Effect.forever,
        Effect.catchAll(() =>
          Effect.sync(() =>
            connection.drop({ reason: "pong_timeout", detail: `no pong within ${Duration.format(pongTimeout)}` })
          )
        )
      )

    /**
     * Ends the session: with a typed error, or with a defect that a connect
     * died of. Uninterruptible: the scope's finalizer skips what `end` has
     * begun, so `end` must finish.
     */
    const end = (cause: Cause.Cause<SessionError>) =>
      Effect.gen(function*() {
        ended = Option.match(Cause.failureOption(cause), {
          onNone: () => "the session failed unexpectedly",
          onSome: (error) => error.message
        })
        yield* Effect.logError(`session ended: ${ended}`)
        yield* SubscriptionRef.set(state, SessionState.Closed({ reason: ended }))
        yield* outbox.close(ended)
        yield* mailbox.failCause(cause)
        yield* Deferred.failCause(firstHello, cause)
        yield* connected.open
      }).pipe(Effect.uninterruptible)

    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        if (ended !== undefined) return
        ended = "the session's scope closed"
        yield* SubscriptionRef.set(state, SessionState.Closed({ reason: ended }))
        yield* outbox.close(ended)
        yield* mailbox.end
        yield* connected.open
        yield* Effect.logDebug("session closed")
      })
    )
    /** The scope every connection's own scope is made in; it closes after `shuttingDown` is set, so closes are graceful. */
    const connections = yield* Scope.fork(sessionScope, ExecutionStrategy.sequential)
    yield* Effect.addFinalizer(() => Effect.sync(() => void (shuttingDown = true)))

    /**
     * One connection, from `rtm.connect` to `hello`. It fails with
     * `Disconnected` when another try is worth it; a permanent error ends the
     * session. Once open, the connection runs on its own: only its keepalive
     * fiber, in its scope, and its end (`onDrop`) starts the next connect.
     */
    const connectOnce = Effect.gen(function*() {
      const attempt = failures
      const link: Link = { scope: yield* Scope.fork(connections, ExecutionStrategy.sequential), helloAt: Infinity }
      const { connection, info } = yield* Effect.gen(function*() {
        const info = yield* callConnect
        const connection = yield* Connection.open(info.url, {
          helloTimeout,
          graceful: () => shuttingDown,
          quote,
          headers
        }, { onEvent: deliver, onReply, onDrop: (drop) => onDrop(link, drop) })
        return { info, connection }
      }).pipe(
        Effect.withSpan(attempt === 0 ? "RtmSession.connect" : "RtmSession.reconnect", { attributes: { attempt } }),
        Scope.extend(link.scope),
        Effect.onError((cause) => Scope.close(link.scope, Exit.failCause(cause)))
      )
      // From here on, a drop of this connection has started the next connect itself: this one only stops.
      // Each check is one synchronous step with what it guards, so that no drop can come in between.
      const helloAt = yield* Clock.currentTimeMillis
      const live = yield* Effect.sync(() => {
        link.connection = connection
        if (link.dropped) return false
        link.helloAt = helloAt
        failures = 0
        current = connection
        // A consumer still behind keeps the new socket waiting too.
        connection.setPaused(paused)
        return true
      })
      if (!live) return
      yield* SubscriptionRef.set(state, SessionState.Connected({ self: info.self, team: info.team }))
      yield* Effect.logDebug(
        `connected as ${quote(info.self.name)} (${quote(info.self.id)}) to ${quote(info.team.name)}`
      )
      if (presence.length > 0) yield* outbox.writeUnqueued(connection.write, { type: "presence_sub", ids: presence })
      const stillLive = yield* Effect.sync(() => {
        if (link.dropped) return false
        connected.unsafeOpen()
        return true
      })
      if (!stillLive) return
      yield* Deferred.succeed(firstHello, void 0)
      yield* Effect.forkIn(keepalive(connection), link.scope)
    }).pipe(
      Effect.catchAll((error: SessionError | Connection.Drop) => {
        if (!("_tag" in error)) return Effect.fail(new Disconnected({ ...error, stable: false }))
        if (error._tag === "Disconnected") return Effect.fail(error)
        if (
          error._tag === "InvalidSocketUrl" || error._tag === "InvalidWebSocketConstructor" || !isRecoverable(error)
        ) {
          return end(Cause.fail(error))
        }
        return Effect.fail(new Disconnected({ reason: "connect_failed", detail: error.message, error, stable: false }))
      })
    )

    /**
     * Connects until a connection says `hello`, the session ends, or the
     * reconnect policy gives up; `cause`, if any, is why the last connection
     * ended.
     */
    const connectLoop = (cause: Disconnected | undefined) =>
      Effect.gen(function*() {
        let last = cause
        while (true) {
          if (last !== undefined) {
            outbox.disconnected(last)
            failures++
            Metrics.reconnects.unsafeUpdate(last.reason, [])
            yield* SubscriptionRef.set(state, SessionState.Reconnecting({ attempt: failures, cause: last }))
            // A first reconnect is routine (Slack says goodbye, a network blips); one that follows a failed
            // attempt means that connecting itself fails, which a user may have to look into.
            yield* Effect.logWithLevel(
              failures === 1 ? LogLevel.Debug : LogLevel.Warning,
              `${last.message}; reconnecting (attempt ${failures})`
            )
            if (Option.isNone(yield* Effect.option(driver.next(last)))) return yield* end(Cause.fail(last))
          }
          const outcome = yield* Effect.either(connectOnce)
          if (Either.isRight(outcome)) return
          last = outcome.left
        }
      }).pipe(Effect.catchAllCause((cause) => Cause.isInterruptedOnly(cause) ? Effect.void : end(cause)))

    /** A connection that said `hello` ended: tear it down and connect again. */
    const onDrop = (link: Link, drop: Connection.Drop) => {
      link.dropped = true
      if (current !== undefined && current === link.connection) {
        current = undefined
        connected.unsafeClose()
      }
      if (shuttingDown || ended !== undefined) return
      const reconnect = Effect.gen(function*() {
        const lived = (yield* Clock.currentTimeMillis) - link.helloAt
        // Uninterruptibly: a close cut short would leave the socket open, its scope already marked closed.
        yield* Effect.uninterruptible(Scope.close(link.scope, Exit.void))
        yield* connectLoop(new Disconnected({ ...drop, stable: lived >= stableAfter }))
      })
      // `forkIn`, not `runFork`'s `scope` option: a session scope that has begun to close interrupts it at once.
      runFork(Effect.forkIn(reconnect, sessionScope))
    }

    yield* Effect.forkScoped(connectLoop(undefined))
    yield* Deferred.await(firstHello)

    const whenConnected: Effect.Effect<Connection.Connection, SessionClosed> = Effect.suspend(() =>
      current !== undefined
        ? Effect.succeed(current)
        : ended !== undefined
        ? Effect.fail(new SessionClosed({ reason: ended }))
        : Effect.zipRight(awaitConnected, whenConnected)
    )

    const record = <A, E extends { readonly _tag: string }, R>(outcome: string, effect: Effect.Effect<A, E, R>) =>
      effect.pipe(Effect.tapBoth({
        onFailure: (error) => Effect.sync(() => Metrics.sends.unsafeUpdate(error._tag, [])),
        onSuccess: () => Effect.sync(() => Metrics.sends.unsafeUpdate(outcome, []))
      }))

    const sendMessage = (message: OutgoingMessage) =>
      record(
        "acked",
        Effect.gen(function*() {
          if (message.text.length > messageTextLimit) {
            return yield* new MessageTooLong({ length: message.text.length, limit: messageTextLimit })
          }
          const { id, reply } = yield* outbox.send({ ...message, type: "message" }, true)
          if (typeof reply["ts"] !== "string") return yield* new MalformedAck({ id, raw: reply })
          return { ts: reply["ts"], text: typeof reply["text"] === "string" ? reply["text"] : message.text }
        })
      )

    const send = (frame: { readonly type: string; readonly [key: string]: unknown }) =>
      record("written", Effect.map(outbox.send(frame, false), ({ id }) => id))

    return {
      events,
      state: state.changes.pipe(Stream.takeUntil((current) => current._tag === "Closed")),
      sendMessage,
      typing: (channel) => Effect.asVoid(send({ type: "typing", channel })),
      subscribePresence: (ids) => {
        const frame = { type: "presence_sub", ids: [...ids] }
        // Only a list that was written is remembered, to be sent again after every reconnect.
        return send(frame).pipe(Effect.tap(() => void (presence = frame.ids)), Effect.asVoid)
      },
      presenceQuery: (ids) => Effect.asVoid(send({ type: "presence_query", ids: [...ids] })),
      ping: () => Effect.flatMap(whenConnected, pingOn),
      send
    } satisfies RtmSession
  }).pipe(Effect.annotateLogs({ module: "RtmSession" }))
