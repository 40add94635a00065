#!/usr/bin/env node
/**
 * `slack-rtm`: the main program. Without a token it shows the SDK at work
 * against the embedded fake Slack; with `SLACK_TOKEN` it tails a real
 * workspace until Ctrl-C. It owns the process: the run keeps Node alive
 * until it ends, Ctrl-C ends it by closing the session's scope, and every
 * failure becomes one line on stderr and an exit code.
 *
 * @since 1.0.0
 */
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import * as RtmSession from "../RtmSession.js"
import * as Slack from "../Slack.js"
import * as FakeSlack from "../testing/FakeSlack.js"
import { type CliOptions, MissingToken, parse, usage } from "./cli.js"
import { nameOf, playScript, replyTo } from "./demo.js"
import { makePrinter, makeTally, type Names } from "./report.js"

/** Runs one session until `stop` or `duration`, printing as it goes, then prints the summary. */
const run = (
  options: CliOptions,
  names: Names,
  stop: Deferred.Deferred<void>,
  demo: Option.Option<FakeSlack.Service>
) =>
  Effect.scoped(Effect.gen(function*() {
    const printer = makePrinter(options.json, names)
    const tally = makeTally()
    yield* printer.state(RtmSession.SessionState.Connecting())
    const session = yield* RtmSession.make({ connect: { batch_presence_aware: true } })
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
    const limit = Option.isSome(demo) ? options.duration ?? Duration.seconds(15) : options.duration
    yield* Effect.raceFirst(
      limit === undefined ? Deferred.await(stop) : Effect.race(Deferred.await(stop), Effect.sleep(limit)),
      Fiber.join(consumer)
    )
    const roundTrip = yield* session.ping().pipe(Effect.timeout("2 seconds"), Effect.option)
    yield* printer.summary(tally.summary(Option.getOrUndefined(Option.map(roundTrip, Duration.toMillis))))
  }))

const main = (args: ReadonlyArray<string>, stop: Deferred.Deferred<void>) =>
  Effect.gen(function*() {
    const options = yield* Effect.fromResult(parse(args))
    if (options.help) return yield* Effect.sync(() => console.log(usage))
    const token = yield* Config.option(Config.Redacted("SLACK_TOKEN"))
    if (Option.isNone(token)) {
      if (options.live) return yield* new MissingToken()
      return yield* Effect.gen(function*() {
        const fake = yield* FakeSlack.FakeSlack
        yield* run(options, nameOf, stop, Option.some(fake))
      }).pipe(Effect.provide(FakeSlack.layer()))
    }
    return yield* run(options, (id) => id, stop, Option.none()).pipe(Effect.provide(Slack.layerConfig))
  }).pipe(Effect.provideService(References.MinimumLogLevel, "None"))

/** A failure is one line on stderr: exit code 2 for a command line that cannot run, 1 otherwise. */
const reportFailure = <A, E extends { readonly _tag: string; readonly message: string }, R>(
  self: Effect.Effect<A, E, R>
) =>
  self.pipe(
    Effect.catch((error) =>
      Effect.sync(() => {
        console.error(`slack-rtm: ${error.message}`)
        process.exitCode = error._tag === "UsageError" || error._tag === "MissingToken" ? 2 : 1
      })
    ),
    Effect.catchCause((cause) =>
      Effect.sync(() => {
        console.error(`slack-rtm: failed unexpectedly\n${Cause.pretty(cause)}`)
        process.exitCode = 1
      })
    )
  )

const stop = Deferred.makeUnsafe<void>()
// `makeRunMain` holds the process open while the run lasts: Effect's core does not.
Runtime.makeRunMain(() => {
  process.once("SIGINT", () => {
    Deferred.doneUnsafe(stop, Exit.void)
    process.once("SIGINT", () => process.exit(130))
  })
})(reportFailure(Effect.suspend(() => main(process.argv.slice(2), stop))), { disableErrorReporting: true })
