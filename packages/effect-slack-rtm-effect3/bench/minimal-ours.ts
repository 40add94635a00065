/**
 * The minimal `connect + events` program on effect-slack-rtm, for the cold
 * start (benchmark 6) and bundle size (benchmark 7) figures. It reads
 * `SLACK_TOKEN` and `SLACK_API_URL`, prints every event's type, and exits
 * on `hello` after printing `HELLO <ms since process start>`. It refuses to
 * run without `SLACK_API_URL`, so that it never reaches the real Slack.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import { RtmSession, Slack } from "../src/index.js"

if (process.env["SLACK_API_URL"] === undefined) throw new Error("set SLACK_API_URL (the benchmarks use 127.0.0.1 only)")

const program = Effect.gen(function*() {
  const session = yield* RtmSession.make()
  yield* Stream.runForEach(session.events, (event) =>
    Effect.sync(() => {
      if (event.type === "hello") {
        process.stdout.write(`HELLO ${performance.now()}\n`, () => process.exit(0))
      } else {
        console.log(event.type)
      }
    }))
}).pipe(Effect.scoped, Effect.provide(Slack.layerConfig))

Effect.runFork(program)
