/**
 * The reconnect driver of a session: when and how soon it connects again,
 * and how it ends. It owns the count of failed connects, the reconnect
 * schedule's state, each connection's own scope, and whether the session is
 * shutting down; it changes the session's link as connections come and go.
 *
 * Invariants: one connect runs at a time, the first from `start` and each
 * later one from the end of the connection before it; none starts once the
 * session ends or its scope closes. The session ends once: with a permanent
 * error, with the last `Disconnected` when the schedule gives up, with a
 * defect, or with its scope's close.
 *
 * An open connection runs one fiber, its keepalive: the socket is heard by
 * listeners, and a drop starts the next connect itself.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import type * as Rtm from "../Rtm.js"
import type { Reply, RtmEvent } from "../RtmEvent.js"
import type { SessionError } from "../RtmSession.js"
import { Disconnected } from "../RtmSessionError.js"
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
 */
export const reconnectSchedule = (
  policy: Schedule.Schedule<unknown, Disconnected>
): Schedule.Schedule<unknown, Disconnected> => Schedule.max([resetAfterStable(policy), retryAfter])

/** What `rtm.connect` (or `rtm.start`) answers that the session needs. */
export interface Info {
  readonly url: string
  readonly self: Rtm.Self
  readonly team: Rtm.Team
}

/** The services a connect needs. */
export type Services = SlackWebApi | Socket.WebSocketConstructor

/** How the driver connects, and what it tells the rest of the session. */
export interface Options {
  /** One call of `rtm.connect` or `rtm.start`. */
  readonly connect: Effect.Effect<Info, RtmStartError, SlackWebApi>
  readonly helloTimeout: Duration.Duration
  /** A connection that lived this long (in milliseconds) starts the backoff over. */
  readonly stableAfter: number
  readonly reconnect: Schedule.Schedule<unknown, Disconnected>
  readonly link: Link.Link
  /** The session's context, to run the next connect in when a connection drops. */
  readonly context: Context.Context<Services>
  readonly onEvent: (event: RtmEvent) => void
  readonly onReply: (reply: Reply) => void
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
  /** Waits out the schedule's next delay; fails with `Cause.Done` when it gives up. */
  readonly next: (cause: Disconnected) => Effect.Effect<unknown, Cause.Done<unknown>>
  /** Completed by the first `hello`, or by the session's end. */
  readonly firstHello: Deferred.Deferred<void, SessionError>
  readonly scope: Scope.Scope
  /** The scope every connection's own scope is made in; it closes after `shuttingDown` is set, so closes are graceful. */
  readonly connections: Scope.Closeable
  failures: number
  shuttingDown: boolean
}

/** One connection attempt, as its drop handler sees it. */
interface Attempt {
  readonly scope: Scope.Closeable
  connection: Connection.Connection | undefined
  helloAt: number
  dropped: boolean
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
    yield* Effect.logInfo("session closed")
  })

/** Opens one connection, from `rtm.connect` to `hello`, in the attempt's own scope. */
const open = (driver: Driver, attempt: Attempt) =>
  Effect.gen(function*() {
    const { options } = driver
    const info = yield* options.connect
    const connection = yield* Connection.open(
      info.url,
      { helloTimeout: options.helloTimeout, graceful: () => driver.shuttingDown },
      { onEvent: options.onEvent, onReply: options.onReply, onDrop: (drop) => onDrop(driver, attempt, drop) }
    )
    return { info, connection }
  }).pipe(
    Effect.withSpan(driver.failures === 0 ? "RtmSession.connect" : "RtmSession.reconnect", {
      attributes: { attempt: driver.failures }
    }),
    Scope.provide(attempt.scope),
    Effect.onError((cause) => Scope.close(attempt.scope, Exit.failCause(cause)))
  )

/**
 * Makes a connection that said `hello` current, has the session re-send
 * what it must, and lets waiters go. From here on, a drop of this
 * connection has started the next connect itself: this one only stops.
 * Each check is one synchronous step with what it guards, so that no drop
 * can come in between.
 */
const adopt = (driver: Driver, attempt: Attempt, connection: Connection.Connection, info: Info) =>
  Effect.gen(function*() {
    const { link } = driver.options
    const helloAt = yield* Clock.currentTimeMillis
    const live = yield* Effect.sync(() => {
      attempt.connection = connection
      if (attempt.dropped) return false
      attempt.helloAt = helloAt
      driver.failures = 0
      Link.adopt(link, connection)
      return true
    })
    if (!live) return
    yield* Effect.logInfo(`connected as ${info.self.name} (${info.self.id}) to ${info.team.name}`)
    yield* driver.options.onHello(connection, info)
    const stillLive = yield* Effect.sync(() => {
      if (attempt.dropped) return false
      Link.markConnected(link)
      return true
    })
    if (!stillLive) return
    yield* Deferred.succeed(driver.firstHello, undefined)
    yield* Effect.forkIn(driver.options.keepalive(connection), attempt.scope)
  })

/** What a failed connect means: a permanent Web API error ends the session; anything else is worth another try. */
const judge = (driver: Driver, error: RtmStartError | Connection.Drop): Effect.Effect<void, Disconnected> => {
  if (!("_tag" in error)) return Effect.fail(new Disconnected({ ...error, stable: false }))
  if (!isRecoverable(error)) return end(driver, Cause.fail(error))
  return Effect.fail(new Disconnected({ reason: "connect_failed", detail: error.message, error, stable: false }))
}

/**
 * One connection, from `rtm.connect` to `hello`. It fails with
 * `Disconnected` when another try is worth it; a permanent error ends the
 * session. Once open, the connection runs on its own: only its keepalive
 * fiber, in its scope, and its end (`onDrop`) starts the next connect.
 */
const connectOnce = (driver: Driver): Effect.Effect<void, Disconnected, Services> =>
  Effect.gen(function*() {
    const attempt: Attempt = {
      scope: yield* Scope.fork(driver.connections, "sequential"),
      connection: undefined,
      helloAt: Infinity,
      dropped: false
    }
    const { connection, info } = yield* open(driver, attempt)
    yield* adopt(driver, attempt, connection, info)
  }).pipe(Effect.catch((error) => judge(driver, error)))

/**
 * Reports a lost connection, then waits out the schedule's delay. Returns
 * false when the schedule gives up, having ended the session.
 */
const backOff = (driver: Driver, cause: Disconnected): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    driver.failures++
    yield* Metric.update(Metrics.reconnects, cause.reason)
    yield* driver.options.onDisconnected(cause, driver.failures)
    yield* Effect.logWarning(`${cause.message}; reconnecting (attempt ${driver.failures})`)
    if (Option.isSome(yield* Effect.option(driver.next(cause)))) return true
    yield* end(driver, Cause.fail(cause))
    return false
  })

/**
 * Connects until a connection says `hello`, the session ends, or the
 * schedule gives up; `cause`, if any, is why the last connection ended.
 */
const connectLoop = (driver: Driver, cause: Disconnected | undefined): Effect.Effect<void, never, Services> =>
  Effect.gen(function*() {
    let last = cause
    while (true) {
      if (last !== undefined && !(yield* backOff(driver, last))) return
      const outcome = yield* Effect.result(connectOnce(driver))
      if (Result.isSuccess(outcome)) return
      last = outcome.failure
    }
  }).pipe(Effect.catchCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : end(driver, cause)))

/** Closes a connection that ended, and connects again. */
const reconnect = (driver: Driver, attempt: Attempt, drop: Connection.Drop) =>
  Effect.gen(function*() {
    const lived = (yield* Clock.currentTimeMillis) - attempt.helloAt
    // Uninterruptibly: a close cut short would leave the socket open, its scope already marked closed.
    yield* Effect.uninterruptible(Scope.close(attempt.scope, Exit.void))
    yield* connectLoop(driver, new Disconnected({ ...drop, stable: lived >= driver.options.stableAfter }))
  })

/** A connection that said `hello` ended: it is no longer current, and the next connect starts. */
const onDrop = (driver: Driver, attempt: Attempt, drop: Connection.Drop): void => {
  attempt.dropped = true
  Link.drop(driver.options.link, attempt.connection)
  if (driver.shuttingDown || Link.hasEnded(driver.options.link)) return
  // `forkIn`: a session scope that has begun to close interrupts the reconnect at once.
  Effect.runForkWith(driver.options.context)(Effect.forkIn(reconnect(driver, attempt, drop), driver.scope))
}

/**
 * Starts connecting, in the caller's scope, and succeeds once the first
 * connection says `hello`. Fails with the error (or dies with the defect)
 * that ends the session first. Closing the scope closes the connection,
 * with a close frame, and then ends the session.
 */
export const start = (options: Options): Effect.Effect<void, SessionError, Scope.Scope | Services> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const driver: Driver = {
      options,
      next: yield* Schedule.toStepWithSleep(reconnectSchedule(options.reconnect)),
      firstHello: Deferred.makeUnsafe(),
      scope,
      connections: yield* Scope.make("sequential"),
      failures: 0,
      shuttingDown: false
    }
    // Finalizers run in reverse: `shuttingDown` is set, the connections close gracefully, then the session ends.
    yield* Scope.addFinalizer(scope, close(driver))
    yield* Scope.addFinalizerExit(scope, (exit) => Scope.close(driver.connections, exit))
    yield* Scope.addFinalizer(scope, Effect.sync(() => void (driver.shuttingDown = true)))
    yield* Effect.forkIn(connectLoop(driver, undefined), scope)
    yield* Deferred.await(driver.firstHello)
  })
