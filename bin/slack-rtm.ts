/**
 * The main program: shows the SDK working against the embedded fake Slack.
 *
 * @since 0.1.0
 */
import { Console, Effect, Schedule } from "effect"
import { Rtm } from "../src/index.js"
import { FakeSlack } from "../src/testing/index.js"

const demo = Effect.gen(function*() {
  const fake = yield* FakeSlack.FakeSlack
  yield* Console.log(`fake Slack listening on ${fake.url}`)

  const info = yield* Rtm.connect({ batch_presence_aware: true })
  yield* Console.log(`rtm.connect → ${info.self.name} (${info.self.id}) on ${info.team.name}; socket ${info.url}`)

  yield* fake.failNext("rtm.connect", "invalid_auth")
  const failure = yield* Rtm.connect().pipe(
    Effect.as("unexpected success"),
    Effect.catchTags({
      InvalidAuth: (error) => Effect.succeed(`typed ${error._tag}: ${error.message}`)
    })
  )
  yield* Console.log(`rtm.connect with a refused token → ${failure}`)
})

Effect.runPromise(demo.pipe(
  Effect.provide(FakeSlack.layer({ retry: Schedule.stop }))
)).catch((error) => {
  console.error(String(error))
  process.exitCode = 1
})

