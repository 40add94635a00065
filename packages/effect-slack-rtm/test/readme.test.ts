import { expect, it } from "@effect/vitest"
import { RtmSession } from "effect-slack-rtm"
import { SlackTest } from "effect-slack-rtm/testing"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

// The bot under test: it answers "ping" with "pong", in the same channel.
const pingBot = (session: RtmSession.RtmSession) =>
  session.events.pipe(
    Stream.runForEach((event) =>
      event.type === "message" && event.text === "ping"
        ? session.sendMessage({ channel: event.channel, text: "pong" })
        : Effect.void
    )
  )

it.effect("the bot answers ping with pong", () =>
  Effect.gen(function*() {
    const slack = yield* SlackTest.SlackTest
    const session = yield* RtmSession.make()
    yield* Effect.forkScoped(pingBot(session))

    const socket = yield* slack.socket
    yield* socket.push({ type: "message", channel: "C1", user: "U1", text: "ping", ts: "1.000001" })

    const reply = yield* slack.awaitSent((frame) => frame["type"] === "message")
    expect(reply).toMatchObject({ channel: "C1", text: "pong" })
  }).pipe(Effect.provide(SlackTest.layer)))
