/**
 * `slack-rtm`: the main program. Without a token it shows the SDK at work
 * against the embedded fake Slack; with `SLACK_TOKEN` (and, for a session
 * token, `SLACK_COOKIE`) it tails a real workspace until Ctrl-C. It owns
 * the process: the run keeps Node alive until it ends, Ctrl-C ends it by
 * closing the session's scope, and every failure becomes one line on
 * stderr and an exit code. It never hangs
 * silently: until the first `hello`, each failed attempt is shown, and
 * Ctrl-C or `--duration` ends the run even then.
 *
 * @since 1.0.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as RtmSession from "../RtmSession.js"
import * as Slack from "../Slack.js"
import * as SlackConfig from "../SlackConfig.js"
import { retryAfterOf } from "../SlackError.js"
import * as FakeSlack from "../testing/FakeSlack.js"
import { type CliOptions, MissingToken, NotConnected, parse } from "./cli.js"
import { nameOf, playScript, replyTo } from "./demo.js"
import { describeFailure, makePrinter, makeTally, type Names } from "./report.js"
import { colorEnabled } from "./style.js"

/**
 * The Node layers from the environment, with no retries inside a Web API
 * call: the session's own reconnect loop retries, so that each failed
 * attempt is seen (and shown) as it happens.
 */
const liveLayer = Layer.unwrap(
  Effect.map(SlackConfig.options, (options) => Slack.layer({ ...options, retry: Schedule.recurs(0) }))
)

/**
 * Opens the session. Until its first `hello`, each failed attempt is printed
 * with the wait before the next; if `stop` comes first, it fails with
 * `NotConnected`, which tells how long it tried (from `startedAt`).
 */
const connect = (printer: ReturnType<typeof makePrinter>, stop: Deferred.Deferred<void>, startedAt: number) =>
  Effect.gen(function*() {
    const connecting = { attempts: 0, last: undefined as string | undefined, done: false }
    const reconnect = RtmSession.defaultReconnect.pipe(
      Schedule.modifyDelay(({ duration, input }) => {
        if (connecting.done) return Effect.succeed(duration)
        connecting.attempts++
        connecting.last = describeFailure(input)
        const wait = input.error === undefined ? duration : Duration.max(duration, retryAfterOf(input.error))
        return Effect.as(printer.stillConnecting(input, connecting.attempts, wait), duration)
      })
    )
    const notConnected = Effect.flatMap(
      Clock.currentTimeMillis,
      (now) =>
        Effect.fail(new NotConnected({ seconds: Math.round((now - startedAt) / 100) / 10, last: connecting.last }))
    )
    const session = yield* RtmSession.make({ connect: { batch_presence_aware: true }, reconnect }).pipe(
      Effect.raceFirst(Effect.andThen(Deferred.await(stop), notConnected))
    )
    connecting.done = true
    return session
  })

/**
 * Runs one session until `stop` (Ctrl-C, or `--duration` from the start),
 * printing as it goes, then prints the summary.
 */
const run = (
  options: CliOptions,
  names: Names,
  stop: Deferred.Deferred<void>,
  demo: Option.Option<FakeSlack.Service>
) =>
  Effect.scoped(Effect.gen(function*() {
    const printer = makePrinter(options.json, names, colorEnabled(process.env, process.stdout.isTTY === true))
    const tally = makeTally()
    const startedAt = yield* Clock.currentTimeMillis
    const limit = Option.isSome(demo) ? options.duration ?? Duration.seconds(15) : options.duration
    if (Option.isSome(demo) && limit !== undefined) yield* printer.demo(demo.value.apiUrl, limit)
    if (limit !== undefined) yield* Effect.forkScoped(Effect.delay(Deferred.succeed(stop, undefined), limit))
    yield* printer.state(RtmSession.SessionState.Connecting())
    const session = yield* connect(printer, stop, startedAt)
    const connected = yield* session.state.pipe(Stream.runHead, Effect.map(Option.getOrThrow))
    const selfId = connected._tag === "Connected" ? connected.self.id : ""
    yield* session.state.pipe(
      Stream.drop(1),
      Stream.runForEach((state) => Effect.andThen(Effect.sync(() => tally.state(state)), printer.state(state))),
      Effect.forkScoped
    )
    yield* printer.state(connected)
    const answer = (event: Parameters<typeof replyTo>[1]) =>
      Option.match(replyTo(selfId, event), {
        onNone: () => Effect.void,
        onSome: (reply) =>
          session.sendMessage(reply).pipe(
            Effect.matchEffect({
              onSuccess: (ack) => Effect.andThen(Effect.sync(tally.acked), printer.ack(ack)),
              onFailure: (error) =>
                Effect.andThen(Effect.sync(() => tally.failed(error._tag)), printer.sendFailed(error))
            }),
            Effect.forkChild
          )
      })
    const consumer = yield* session.events.pipe(
      Stream.runForEach((event) =>
        Effect.sync(() => tally.event(event)).pipe(Effect.andThen(printer.event(event)), Effect.andThen(answer(event)))
      ),
      Effect.forkScoped
    )
    if (Option.isSome(demo)) yield* Effect.forkScoped(playScript(demo.value, options.duration ?? Duration.seconds(15)))
    yield* Effect.raceFirst(Deferred.await(stop), Fiber.join(consumer))
    const roundTrip = yield* session.ping().pipe(Effect.timeout("2 seconds"), Effect.option)
    yield* printer.summary(tally.summary(Option.getOrUndefined(Option.map(roundTrip, Duration.toMillis))))
  }))

const main = (args: ReadonlyArray<string>, stop: Deferred.Deferred<void>) =>
  Effect.gen(function*() {
    const options = yield* Effect.fromResult(parse(args))
    const token = yield* Config.option(Config.Redacted("SLACK_TOKEN"))
    if (Option.isNone(token)) {
      // A cookie without its session token is a live run that cannot work, not a request for the demo.
      const cookie = yield* Config.option(Config.String("SLACK_COOKIE"))
      if (options.live || Option.isSome(cookie)) return yield* new MissingToken()
      return yield* Effect.gen(function*() {
        const fake = yield* FakeSlack.FakeSlack
        yield* run(options, nameOf, stop, Option.some(fake))
      }).pipe(Effect.provide(FakeSlack.layer()))
    }
    return yield* run(options, (id) => id, stop, Option.none()).pipe(Effect.provide(liveLayer))
  }).pipe(
    Effect.provideService(References.MinimumLogLevel, "None"),
    // A variable set to "" is set: `SLACK_TOKEN=` asks for a live run, whose empty token is refused (exit code 2).
    // Effect 4's default provider would take it for a missing one, and run the demo instead.
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ preserveEmptyStrings: true }))
  )

/**
 * A failure is one line on stderr: exit code 2 for a command line or a
 * configuration that cannot run, 1 otherwise.
 */
const reportFailure = <A, E extends { readonly _tag: string; readonly message: string }, R>(
  self: Effect.Effect<A, E, R>
) =>
  self.pipe(
    Effect.catch((error) =>
      Effect.sync(() => {
        console.error(`slack-rtm: ${error.message}`)
        const tag = error._tag
        process.exitCode = tag === "UsageError" || tag === "MissingToken" || tag === "InvalidSlackConfig" ? 2 : 1
      })
    ),
    Effect.catchCause((cause) =>
      Effect.sync(() => {
        console.error(`slack-rtm: failed unexpectedly\n${Cause.pretty(cause)}`)
        process.exitCode = 1
      })
    )
  )

// `slack-rtm | head`: once the reader has gone, the run has no one to print for, and ends quietly.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error
  process.exit(0)
})
const stop = Deferred.makeUnsafe<void>()
// `makeRunMain` holds the process open while the run lasts: Effect's core does not.
Runtime.makeRunMain(() => {
  process.once("SIGINT", () => {
    Deferred.doneUnsafe(stop, Exit.void)
    process.once("SIGINT", () => process.exit(130))
  })
})(reportFailure(Effect.suspend(() => main(process.argv.slice(2), stop))), { disableErrorReporting: true })
