/**
 * The minimal `connect + events` program on the Effect 3 edition, as a user
 * would write it against the installed package, for the cold start and
 * bundle size figures. It reads `SLACK_TOKEN` and `SLACK_API_URL`, prints
 * `READY <ms>` once its imports are evaluated and `HELLO <ms>` on `hello`
 * (milliseconds since the process started), and exits. It refuses to run
 * without `SLACK_API_URL`, so that it never reaches the real Slack.
 *
 * @since 0.2.0
 */
import { RtmSession, Slack } from "effect-slack-rtm"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

process.stdout.write(`READY ${performance.now()}\n`)
if (process.env["SLACK_API_URL"] === undefined) throw new Error("set SLACK_API_URL (the benchmarks use 127.0.0.1 only)")

const program = Effect.gen(function*() {
  const session = yield* RtmSession.make()
  yield* Stream.runForEach(session.events, (event) =>
    Effect.sync(() => {
      if (event.type === "hello") process.stdout.write(`HELLO ${performance.now()}\n`, () => process.exit(0))
      else console.log(event.type)
    }))
}).pipe(Effect.scoped, Effect.provide(Slack.layerConfig))

Effect.runFork(program)
