import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Schedule, Stream } from "effect"
import * as RtmSession from "../src/RtmSession.js"
import * as FakeSlack from "../src/testing/FakeSlack.js"

const fake = FakeSlack.layer({ retry: Schedule.spaced("10 millis").pipe(Schedule.intersect(Schedule.recurs(2))) })

describe("RtmSession against FakeSlack on 127.0.0.1", () => {
  it.live("connects, receives events, and gets an ack for a message", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      yield* Effect.scoped(Effect.gen(function*() {
        const session = yield* RtmSession.make({ rateLimit: false })
        const collected = yield* session.events.pipe(Stream.take(2), Stream.runCollect, Effect.fork)
        yield* server.push({ type: "message", channel: "C1", user: "U1", text: "hello bot", ts: "1.000001" })
        const events = Chunk.toArray(yield* Fiber.join(collected))
        expect(events.map((event) => event.type)).toEqual(["hello", "message"])
        const ack = yield* session.sendMessage({ channel: "C1", text: "hi there" })
        expect(ack.text).toBe("hi there")
        expect(ack.ts).toMatch(/^\d+\.\d{6}$/)
        const sent = yield* server.awaitReceived((frame) => frame["type"] === "message")
        expect(sent).toMatchObject({ type: "message", channel: "C1", text: "hi there" })
        expect(typeof sent["id"]).toBe("number")
      }))
      yield* Effect.sleep("50 millis")
      expect(yield* server.openSockets).toBe(0)
    }).pipe(Effect.provide(fake)))
})
