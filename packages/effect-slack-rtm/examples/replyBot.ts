/**
 * A reply bot: it answers every message that mentions it, in the message's
 * thread. A send that fails (no ack in time, or a drop before the ack) is
 * logged and the bot goes on with the next message.
 *
 *   SLACK_TOKEN=xoxb-… npx tsx examples/replyBot.ts
 */
import { RtmSession, Slack } from "effect-slack-rtm"
import type { RtmEvent } from "effect-slack-rtm"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { fileURLToPath } from "node:url"
import { runMain } from "./runMain.js"

/** The bot's reply to one event, if it has one: mentions of `selfId` get an answer in their thread. */
export const replyTo = (selfId: string, event: RtmEvent.RtmEvent) =>
  event.type === "message" && event.subtype === undefined && event.text?.includes(`<@${selfId}>`)
    ? { channel: event.channel, text: `Hello <@${event.user}>!`, thread_ts: event.thread_ts ?? event.ts }
    : undefined

/** The bot on a session: one reply per mention, and a failed send ends only that reply. */
export const replyBot = (session: RtmSession.RtmSession) =>
  Effect.gen(function*() {
    // `state` starts with the current state: after `make`, that is `Connected`, with who we are.
    const state = yield* Stream.runHead(session.state)
    const selfId = Option.isSome(state) && state.value._tag === "Connected" ? state.value.self.id : ""
    yield* Effect.log(`listening as ${selfId}`)
    yield* session.events.pipe(
      Stream.runForEach((event) => {
        const reply = replyTo(selfId, event)
        return reply === undefined ? Effect.void : session.sendMessage(reply).pipe(
          Effect.catchTags({
            AckTimeout: (error) => Effect.logWarning(`no ack for a reply: ${error.message}`),
            DeliveryUnknown: (error) => Effect.logWarning(`a reply may not have arrived: ${error.message}`)
          })
        )
      })
    )
  })

/** The program: a session for as long as it runs; Ctrl-C closes it. */
export const main = RtmSession.make().pipe(Effect.flatMap(replyBot), Effect.scoped)

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runMain(main.pipe(Effect.provide(Slack.layerConfig)))
}
