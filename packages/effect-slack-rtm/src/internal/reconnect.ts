/**
 * The reconnect driver of a session: one connection after another, each
 * one scoped Effect from `rtm.connect` until it ends, retried under the
 * reconnect schedule. It owns the count of failed connects, the first
 * `hello`, and whether the session is shutting down; it changes the
 * session's link as connections come and go.
 *
 * Invariants: one connection lives at a time, in the driver's fiber, and
 * none starts once the session ends or its scope closes. The session ends
 * once: with a permanent error (of the Web API, or `InvalidSocketUrl`, or
 * `InvalidWebSocketConstructor`), with the last `Disconnected` when the
 * schedule gives up, with a defect, or with its scope's close.
 *
 * An idle session parks two fibers: the driver's, on its connection's end,
 * and the connection's keepalive. The socket is heard by listeners.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import type * as Rtm from "../Rtm.js"
import type { Reply, RtmEvent } from "../RtmEvent.js"
import type { SessionError } from "../RtmSession.js"
import { Disconnected, type InvalidSocketUrl, type InvalidWebSocketConstructor } from "../RtmSessionError.js"
import { retryAfterOf, type RtmStartError, type SlackWebApiError } from "../SlackError.js"
import type { SlackWebApi } from "../SlackWebApi.js"
import * as Connection from "./connection.js"
import * as Link from "./link.js"
import * as Metrics from "./metrics.js"

/** Codes that a later `rtm.connect` may well not answer with again. */
const recoverableCodes: ReadonlySet<string> = new Set([
  "internal_error",
  "service_unavailable",
  "ratelimited",
  "fatal_error",
  "migration_in_progress",
  "team_added_to_org",
  "org_login_required",
  "request_timeout"
])

/**
 * Whether a failed `rtm.connect` is worth another try later. Authentication,
 * permission and argument errors, undocumented codes and HTTP 4xx are not:
 * they end the session instead of looping.
 *
 * @since 1.0.0
 */
export const isRecoverable = (error: SlackWebApiError): boolean => {
  switch (error._tag) {
    case "NetworkError":
    case "AttemptTimeout":
    case "MalformedResponse":
      return true
    case "HttpStatusError":
      return error.status >= 500
    case "UnknownSlackError":
      return false
    default:
      return recoverableCodes.has(error.code)
  }
}

/** `policy`, started over on a cause that ended a stable connection. (Effect 3's `Schedule.resetWhen`.) */
const resetAfterStable = (policy: Schedule.Schedule<unknown, Disconnected>) =>
  Schedule.fromStep(Effect.map(Schedule.toStep(policy), (initial) => {
    let step = initial
    return (now: number, cause: Disconnected) =>
      cause.stable
        ? Effect.flatMap(Schedule.toStep(policy), (fresh) => {
          step = fresh
          return fresh(now, cause)
        })
        : step(now, cause)
  }))

/** Waits out the `Retry-After` of a rate-limited `rtm.connect`, and recurs forever. */
const retryAfter = Schedule.identity<Disconnected>().pipe(
  Schedule.addDelay(({ input }) =>
    Effect.succeed(input.error === undefined ? Duration.zero : retryAfterOf(input.error))
  )
)

/**
 * The reconnect schedule actually applied: the user's policy, started over
 * after a stable connection, never waiting less than a `Retry-After`.
 *
 * @since 1.0.0
 */
export const reconnectSchedule = (
  policy: Schedule.Schedule<unknown, Disconnected>
): Schedule.Schedule<unknown, Disconnected> => Schedule.max([resetAfterStable(policy), retryAfter])

/**
 * What `rtm.connect` (or `rtm.start`) answers that the session needs.
 *
 * @since 1.0.0
 */
export interface Info {
  readonly url: string
  readonly self: Rtm.Self
  readonly team: Rtm.Team
}

/**
 * The services a connect needs.
 *
 * @since 1.0.0
 */
export type Services = SlackWebApi | Socket.WebSocketConstructor

/**
 * How the driver connects, and what it tells the rest of the session.
 *
 * @since 1.0.0
 */
export interface Options {
  /** One call of `rtm.connect` or `rtm.start`. */
  readonly connect: Effect.Effect<Info, RtmStartError, SlackWebApi>
  readonly helloTimeout: Duration.Duration
  /** A connection that lived this long (in milliseconds) starts the backoff over. */
  readonly stableAfter: number
  readonly reconnect: Schedule.Schedule<unknown, Disconnected>
  readonly link: Link.Link
  /** Quotes server text into a log line or a drop's detail, bounded and with the secrets blanked out. */
  readonly quote: (text: string) => string
  /** Headers for the upgrade request of every connection (a session token's cookie), if any. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly onEvent: (event: RtmEvent, size: number) => void
  readonly onReply: (reply: Reply, size: number) => void
  /** A connection said `hello` and is current; it counts as connected once this is done. */
  readonly onHello: (connection: Connection.Connection, info: Info) => Effect.Effect<void>
  /** The connection ended, for `cause`; reconnect `attempt` comes next. */
  readonly onDisconnected: (cause: Disconnected, attempt: number) => Effect.Effect<void>
  /** Keeps a connected connection alive; it runs until the connection ends. */
  readonly keepalive: (connection: Connection.Connection) => Effect.Effect<void>
  /** The session ended for `reason`: by `cause`, or by its scope's close when `cause` is undefined. */
  readonly onEnd: (reason: string, cause: Cause.Cause<SessionError> | undefined) => Effect.Effect<void>
}

/** The driver of one session. Only this module's functions touch its fields. */
interface Driver {
  readonly options: Options
  /** Completed by the first `hello`, or by the session's end. */
  readonly firstHello: Deferred.Deferred<void, SessionError>
  /** Failed connects since the last `hello`. */
  failures: number
  /** Set once the session's scope begins to close, so that connections close with a close frame. */
  shuttingDown: boolean
}

/**
 * Ends the session with a typed error, or with a defect that a connect died
 * of. Uninterruptible: the scope's finalizer skips what `end` has begun, so
 * `end` must finish.
 */
const end = (driver: Driver, cause: Cause.Cause<SessionError>): Effect.Effect<void> =>
  Effect.gen(function*() {
    const reason = Option.match(Cause.findErrorOption(cause), {
      onNone: () => "the session failed unexpectedly",
      onSome: (error) => error.message
    })
    if (!Link.end(driver.options.link, reason)) return
    yield* Effect.logError(`session ended: ${reason}`)
    yield* driver.options.onEnd(reason, cause)
    yield* Deferred.failCause(driver.firstHello, cause)
    yield* Link.wake(driver.options.link)
  }).pipe(Effect.uninterruptible)

/** The session's scope closed: the session ends, unless `end` has ended it. */
const close = (driver: Driver): Effect.Effect<void> =>
  Effect.gen(function*() {
    const reason = "the session's scope closed"
    if (!Link.end(driver.options.link, reason)) return
    yield* driver.options.onEnd(reason, undefined)
    yield* Link.wake(driver.options.link)
    yield* Effect.logDebug("session closed")
  })

/** Opens one connection, from `rtm.connect` to `hello`, in the caller's scope. */
const open = (driver: Driver) =>
  Effect.gen(function*() {
    const { options } = driver
    const info = yield* options.connect
    const connection = yield* Connection.open(
      info.url,
      {
        helloTimeout: options.helloTimeout,
        graceful: () => driver.shuttingDown,
        quote: options.quote,
        headers: options.headers
      },
      {
        onEvent: options.onEvent,
        onReply: options.onReply,
        // At once, in the socket's callback: no send may take a connection that has ended for the current one.
        onDrop: (connection) => Link.drop(options.link, connection)
      }
    )
    return { info, connection }
  }).pipe(
    Effect.withSpan(driver.failures === 0 ? "RtmSession.connect" : "RtmSession.reconnect", {
      attributes: { attempt: driver.failures }
    })
  )

/**
 * Makes a connection that said `hello` current, has the session re-send
 * what it must, and lets waiters go. A connection may end at any step: each
 * check is one synchronous step with what it guards, so that no drop can
 * come in between, and a connection that ended is left for its end to be
 * reported.
 */
const adopt = (driver: Driver, connection: Connection.Connection, info: Info) =>
  Effect.gen(function*() {
    const { link } = driver.options
    const ended = () => Deferred.isDoneUnsafe(connection.closed)
    const live = yield* Effect.sync(() => {
      if (ended()) return false
      driver.failures = 0
      Link.adopt(link, connection)
      return true
    })
    if (!live) return
    const { quote } = driver.options
    yield* Effect.logDebug(`connected as ${quote(info.self.name)} (${quote(info.self.id)}) to ${quote(info.team.name)}`)
    yield* driver.options.onHello(connection, info)
    const stillLive = yield* Effect.sync(() => {
      if (ended()) return false
      Link.markConnected(link)
      return true
    })
    if (!stillLive) return
    yield* Deferred.succeed(driver.firstHello, undefined)
    yield* Effect.forkScoped(driver.options.keepalive(connection))
  })

/**
 * What a failed connect or a lost connection means: a permanent Web API
 * error, a socket URL that will not be opened, or a constructor that cannot
 * open sockets ends the session (and with it the retries); anything else is
 * a `Disconnected`, worth another try.
 */
const judge = (
  driver: Driver,
  error: RtmStartError | Connection.Drop | Disconnected | InvalidSocketUrl | InvalidWebSocketConstructor
): Effect.Effect<void, Disconnected> => {
  if (!("_tag" in error)) return Effect.fail(new Disconnected({ ...error, stable: false }))
  if (error._tag === "Disconnected") return Effect.fail(error)
  if (error._tag === "InvalidSocketUrl" || error._tag === "InvalidWebSocketConstructor" || !isRecoverable(error)) {
    return end(driver, Cause.fail(error))
  }
  return Effect.fail(new Disconnected({ reason: "connect_failed", detail: error.message, error, stable: false }))
}

/**
 * One connection, from `rtm.connect` until it ends, in a scope of its own:
 * its socket and its keepalive go with it. It fails with `Disconnected`
 * when another try is worth it.
 */
const connection = (driver: Driver): Effect.Effect<void, Disconnected, Services> =>
  Effect.gen(function*() {
    const { connection, info } = yield* open(driver)
    const helloAt = yield* Clock.currentTimeMillis
    yield* adopt(driver, connection, info)
    const drop = yield* Effect.flip(Deferred.await(connection.closed))
    const lived = (yield* Clock.currentTimeMillis) - helloAt
    return yield* new Disconnected({ ...drop, stable: lived >= driver.options.stableAfter })
  }).pipe(
    Effect.scoped,
    Effect.catch((error) => judge(driver, error))
  )

/** Reports a lost connection, before the schedule's delay. */
const report = (driver: Driver, cause: Disconnected): Effect.Effect<void> =>
  Effect.gen(function*() {
    driver.failures++
    yield* Metric.update(Metrics.reconnects, cause.reason)
    yield* driver.options.onDisconnected(cause, driver.failures)
    // A first reconnect is routine (Slack says goodbye, a network blips); one that follows a failed
    // attempt means that connecting itself fails, which a user may have to look into.
    yield* Effect.logWithLevel(driver.failures === 1 ? "Debug" : "Warn")(
      `${cause.message}; reconnecting (attempt ${driver.failures})`
    )
  })

/**
 * The session's life: one connection after another, under the reconnect
 * schedule, until a permanent error, a defect, or the schedule's end ends
 * it, or its scope's close interrupts it.
 */
const run = (driver: Driver): Effect.Effect<void, never, Services> =>
  Effect.gen(function*() {
    const next = yield* Schedule.toStepWithSleep(reconnectSchedule(driver.options.reconnect))
    while (true) {
      const outcome = yield* Effect.result(connection(driver))
      if (Result.isSuccess(outcome)) return
      const cause = outcome.failure
      yield* report(driver, cause)
      if (Option.isNone(yield* Effect.option(next(cause)))) return yield* end(driver, Cause.fail(cause))
    }
  }).pipe(Effect.catchCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : end(driver, cause)))

/**
 * Starts connecting, in the caller's scope, and succeeds once the first
 * connection says `hello`. Fails with the error (or dies with the defect)
 * that ends the session first. Closing the scope closes the connection,
 * with a close frame, and then ends the session.
 *
 * @since 1.0.0
 */
export const start = (options: Options): Effect.Effect<void, SessionError, Scope.Scope | Services> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const driver: Driver = { options, firstHello: Deferred.makeUnsafe(), failures: 0, shuttingDown: false }
    // Finalizers run in reverse: `shuttingDown` is set, the driver stops and its connection closes gracefully,
    // then the session ends, logging with the session's context (its log level), whichever fiber closes the scope.
    yield* Effect.addFinalizer(() => close(driver))
    // Started at once, in this call: `rtm.connect` goes out without waiting for a turn of the event loop.
    yield* Effect.forkIn(run(driver), scope, { startImmediately: true })
    yield* Scope.addFinalizer(scope, Effect.sync(() => void (driver.shuttingDown = true)))
    yield* Deferred.await(driver.firstHello)
  })
