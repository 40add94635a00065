import { expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, Stream } from "effect"
import { RtmSession } from "effect-slack-rtm"
import { SlackTest } from "effect-slack-rtm/testing"
import { forEachPulled } from "./examples/pullLoop.js"

const testLayer = Layer.merge(SlackTest.layer, Logger.minimumLogLevel(LogLevel.None))

it.scoped("forEachPulled sees every event of a session, in order", () =>
  Effect.gen(function*() {
    const test = yield* SlackTest.SlackTest
    const session = yield* RtmSession.make()
    const socket = yield* test.socket
    for (let n = 0; n < 300; n++) yield* socket.push({ type: "message", channel: "C1", ts: `1.${n}`, text: `m${n}` })
    const seen: Array<string> = []
    yield* forEachPulled(
      session.events.pipe(Stream.takeUntil((event) => event.type === "message" && event.text === "m299")),
      (event) => Effect.sync(() => void seen.push(event.type === "message" ? event.text ?? "" : event.type))
    )
    expect(seen).toEqual(["hello", ...Array.from({ length: 300 }, (_, n) => `m${n}`)])
  }).pipe(Effect.provide(testLayer)))

it.effect("forEachPulled ends with the stream's failure, and with the callback's", () =>
  Effect.gen(function*() {
    const seen: Array<number> = []
    const streamFailure = yield* Effect.flip(
      forEachPulled(Stream.concat(Stream.make(1, 2), Stream.fail("boom")), (n) => Effect.sync(() => void seen.push(n)))
    )
    const callbackFailure = yield* Effect.flip(
      forEachPulled(Stream.make(3, 4, 5), (n) => n === 4 ? Effect.fail("stop") : Effect.sync(() => void seen.push(n)))
    )
    expect([streamFailure, callbackFailure, seen]).toEqual(["boom", "stop", [1, 2, 3]])
  }))
