import { Rtm, RtmSession, Slack } from "effect-slack-rtm"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"

// One call of the Web API
const info = Rtm.connect({ batch_presence_aware: true })

// A session: resolves after `hello`, closes with its scope
const bot = Effect.scoped(Effect.gen(function*() {
  const session = yield* RtmSession.make({ connect: { batch_presence_aware: true } })
  yield* session.events.pipe(
    Stream.runForEach((event) =>
      event.type === "message" && event.text === "ping"
        ? session.sendMessage({ channel: event.channel, text: "pong", thread_ts: event.ts })
        : Effect.void
    )
  )
}))

const program = Effect.gen(function*() {
  const { self, team } = yield* info
  yield* Effect.log(`signed in as ${self.name} on ${team.name}`)
  yield* bot
})

Effect.runPromise(program.pipe(
  Effect.provide(Slack.layer({ token: Redacted.make(process.env.SLACK_TOKEN!) }))
))
