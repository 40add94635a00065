import { expect, it } from "@effect/vitest"
import { RtmSession } from "effect-slack-rtm"
import { SlackTest } from "effect-slack-rtm/testing"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/testing/TestClock"

it.effect("a silent server is left after pingInterval + pongTimeout", () =>
  Effect.gen(function*() {
    const slack = yield* SlackTest.SlackTest
    yield* RtmSession.make({ pingInterval: "30 seconds", pongTimeout: "10 seconds" })
    yield* slack.setAuto({ pong: false })

    yield* TestClock.adjust("39 seconds")
    expect((yield* slack.socket).isOpen).toBe(true)
    yield* TestClock.adjust("1 second")
    expect((yield* slack.sockets)[0]?.isOpen).toBe(false)
  }).pipe(Effect.provide(SlackTest.layer)))
