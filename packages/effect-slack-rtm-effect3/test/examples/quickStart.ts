import { Effect, Redacted, Stream } from "effect"
import { Rtm, RtmSession, Slack } from "effect-slack-rtm"

// One call of the Web API, with the settings from the environment (SLACK_TOKEN)
Effect.runPromise(Rtm.connect().pipe(Effect.provide(Slack.layerConfig))).then(console.log, console.error)

// A session: resolves after `hello`, closes with its scope
const bot = Effect.scoped(Effect.gen(function*() {
  const session = yield* RtmSession.make({ connect: { batch_presence_aware: true } })
  yield* session.events.pipe(
    Stream.runForEach((event) =>
      event.type === "message" && event.text === "ping"
        ? session.sendMessage({ channel: event.channel, text: "pong", thread_ts: event.ts }).pipe(
          // A send that failed is logged, and the bot goes on with the next event
          Effect.catchTags({
            AckTimeout: (error) => Effect.logWarning(error.message),
            DeliveryUnknown: (error) => Effect.logWarning(error.message)
          })
        )
        : Effect.void
    )
  )
}))

Effect.runPromise(bot.pipe(
  Effect.provide(Slack.layer({ token: Redacted.make(process.env.SLACK_TOKEN!) }))
))
