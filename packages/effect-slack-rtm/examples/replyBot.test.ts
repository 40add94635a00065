/**
 * A test of the reply bot, as a user would write one: the in-memory Slack of
 * `SlackTest`, and `TestClock` to move time past the ack timeout at once.
 */
import { expect, it } from "@effect/vitest"
import { RtmSession } from "effect-slack-rtm"
import { FakeSlack, SlackTest } from "effect-slack-rtm/testing"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/testing/TestClock"
import { replyBot } from "./replyBot.js"

const mention = (text: string, ts: string) => ({ type: "message", channel: "C1", user: "U7", text, ts })

it.effect("answers a mention in its thread, and goes on after a reply that is never acked", () =>
  Effect.gen(function*() {
    const slack = yield* SlackTest.SlackTest
    const session = yield* RtmSession.make()
    yield* Effect.forkScoped(replyBot(session))
    const socket = yield* slack.socket
    const self = FakeSlack.identity.self.id // who the fake Slack says the bot is

    // Slack does not ack the first reply: after ackTimeout (10 s) the bot logs it and carries on.
    yield* slack.setAuto({ ack: false })
    yield* socket.push(mention(`<@${self}> one`, "1.000001"))
    const first = yield* slack.awaitSent((frame) => frame["type"] === "message")
    expect(first).toMatchObject({ channel: "C1", thread_ts: "1.000001", text: "Hello <@U7>!" })
    yield* TestClock.adjust("11 seconds")

    yield* slack.setAuto({ ack: true })
    yield* socket.push(mention("no mention here", "2.000001"))
    yield* socket.push(mention(`<@${self}> two`, "3.000001"))
    const second = yield* slack.awaitSent((frame) => frame["type"] === "message" && frame["thread_ts"] === "3.000001")
    expect(second).toMatchObject({ channel: "C1", text: "Hello <@U7>!" })
    expect(socket.sent.filter((frame) => frame["type"] === "message")).toHaveLength(2)
  }).pipe(Effect.provide(SlackTest.layer)))
