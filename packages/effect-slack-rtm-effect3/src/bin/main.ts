/**
 * `slack-rtm`: the main program. Without a token it shows the SDK at work
 * against the embedded fake Slack; with `SLACK_TOKEN` (and, for a session
 * token, `SLACK_COOKIE`) it tails a real workspace until Ctrl-C.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { RtmSession, RtmSessionError, Slack, SlackConfig, SlackError } from "../index.js"
import { FakeSlack } from "../testing/index.js"
import { type CliOptions, MissingToken, NotConnected, parse } from "./cli.js"
import { nameOf, playScript, replyTo } from "./demo.js"
import { describeFailure, makePrinter, makeTally, type Names } from "./report.js"
import { colorEnabled } from "./style.js"

/**
 * The Node layers from the environment, with no retries inside a Web API
 * call: the session's own reconnect loop retries, so that each failed
 * attempt is seen (and shown) as it happens.
 */
const liveLayer = Layer.unwrapEffect(
  Effect.map(SlackConfig.options, (options) => Slack.layer({ ...options, retry: Schedule.stop }))
)

/** Runs one session until `stop` (Ctrl-C, or `--duration` from the start), printing as it goes, then prints the summary. */
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
    if (limit !== undefined) yield* Effect.forkScoped(Effect.delay(Deferred.succeed(stop, void 0), limit))
    // Until the first hello, each failed attempt is shown with the wait before the next.
    const connecting = { attempts: 0, last: undefined as string | undefined, done: false }
    const reconnect = Schedule.identity<RtmSessionError.Disconnected>().pipe(
      Schedule.intersect(RtmSession.defaultReconnect),
      Schedule.modifyDelayEffect(([cause], delay) => {
        if (connecting.done) return Effect.succeed(delay)
        connecting.attempts++
        connecting.last = describeFailure(cause)
        const wait = cause.error === undefined ? delay : Duration.max(delay, SlackError.retryAfterOf(cause.error))
        return Effect.as(printer.stillConnecting(cause, connecting.attempts, wait), delay)
      })
    )
    const notConnected = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      new NotConnected({ seconds: Math.round((now - startedAt) / 100) / 10, last: connecting.last }))
    yield* printer.state(RtmSession.SessionState.Connecting())
    const session = yield* RtmSession.make({ connect: { batch_presence_aware: true }, reconnect }).pipe(
      Effect.raceFirst(Effect.zipRight(Deferred.await(stop), notConnected))
    )
    connecting.done = true
    const connected = yield* session.state.pipe(Stream.runHead, Effect.map(Option.getOrThrow))
    const selfId = connected._tag === "Connected" ? connected.self.id : ""
    yield* session.state.pipe(
      Stream.drop(1),
      Stream.runForEach((state) =>
        Effect.zipRight(Effect.sync(() => tally.state(state)), printer.state(state))
      ),
      Effect.forkScoped
    )
    yield* printer.state(connected)
    const answer = (event: Parameters<typeof replyTo>[1]) =>
      Option.match(replyTo(selfId, event), {
        onNone: () => Effect.void,
        onSome: (reply) =>
          session.sendMessage(reply).pipe(
            Effect.matchEffect({
              onSuccess: (ack) => Effect.zipRight(Effect.sync(tally.acked), printer.ack(ack)),
              onFailure: (error) =>
                Effect.zipRight(Effect.sync(() => tally.failed(error._tag)), printer.sendFailed(error))
            }),
            Effect.fork
          )
      })
    const consumer = yield* session.events.pipe(
      Stream.runForEach((event) =>
        Effect.sync(() => tally.event(event)).pipe(
          Effect.zipRight(printer.event(event)),
          Effect.zipRight(answer(event))
        )
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
    const options = yield* parse(args)
    const token = yield* Config.option(Config.redacted("SLACK_TOKEN"))
    if (Option.isNone(token)) {
      // A cookie without its session token is a live run that cannot work, not a request for the demo.
      const cookie = yield* Config.option(Config.string("SLACK_COOKIE"))
      if (options.live || Option.isSome(cookie)) return yield* new MissingToken()
      return yield* Effect.gen(function*() {
        const fake = yield* FakeSlack.FakeSlack
        yield* run(options, nameOf, stop, Option.some(fake))
      }).pipe(Effect.provide(FakeSlack.layer()))
    }
    return yield* run(options, (id) => id, stop, Option.none()).pipe(Effect.provide(liveLayer))
  }).pipe(Effect.provide(Logger.minimumLogLevel(LogLevel.None)))

// `slack-rtm | head`: once the reader has gone, the run has no one to print for, and ends quietly.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error
  process.exit(0)
})
const stop = Deferred.unsafeMake<void>(FiberId.none)
const fiber = Effect.runFork(Effect.suspend(() => main(process.argv.slice(2), stop)))
process.once("SIGINT", () => {
  Deferred.unsafeDone(stop, Effect.void)
  process.once("SIGINT", () => process.exit(130))
})
fiber.addObserver((exit) => {
  if (exit._tag === "Success") return
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) {
    console.error(`slack-rtm: failed unexpectedly\n${Cause.pretty(exit.cause)}`)
    process.exitCode = 1
    return
  }
  console.error(`slack-rtm: ${failure.value.message}`)
  const tag = failure.value._tag
  process.exitCode = tag === "UsageError" || tag === "MissingToken" || tag === "InvalidSlackConfig" ? 2 : 1
})
