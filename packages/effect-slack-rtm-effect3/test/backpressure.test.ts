/**
 * Backpressure over a real `ws` socket: a session stops reading its socket
 * while the consumer is behind, so a burst waits on the wire instead of
 * being dropped; and it reads on while a reply is awaited, so an ack or a
 * pong is never stuck behind the events.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Logger, LogLevel, Stream } from "effect"
import { connectedCount, recordEvents, recordStates, relaxedOptions, waitUntil } from "../scripts/harness.js"
import * as RtmSession from "../src/RtmSession.js"
import * as Slack from "../src/Slack.js"
import * as FakeSlack from "../src/testing/FakeSlack.js"

const quiet = Logger.minimumLogLevel(LogLevel.None)

/** A session on a fake Slack, opened with `options`. */
const open = (options: RtmSession.Options) =>
  Effect.gen(function*() {
    const server = yield* FakeSlack.make()
    const context = yield* Layer.build(Slack.layer(server.options))
    const session = yield* RtmSession.make({ ...relaxedOptions, ...options }).pipe(Effect.provide(context))
    return { server, session }
  })

const burst = (server: FakeSlack.Service, count: number) =>
  Effect.forEach(
    Array.from({ length: count }, (_, n) => n),
    (n) => server.push({ type: "message", channel: "C1", ts: `1.${n}`, text: `burst ${n}` }),
    { discard: true }
  )

describe("backpressure", () => {
  it.scopedLive("a burst five times the default capacity, to a consumer that starts late → every event, in order", () =>
    Effect.gen(function*() {
      const { server, session } = yield* open({})
      yield* burst(server, 50_000)
      // Long enough for the socket to read far past the capacity, were it not paused.
      yield* Effect.sleep("500 millis")
      // Up to the last event, or to a drop, which would fail the test at once rather than at the timeout.
      const events = Chunk.toArray(
        yield* session.events.pipe(
          Stream.takeUntil((event) =>
            event.type === "events_dropped" || (event.type === "message" && event.text === "burst 49999")
          ),
          Stream.runCollect,
          Effect.timeout("20 seconds")
        )
      )
      expect(events[0]?.type).toBe("hello")
      const texts = events.slice(1).map((event) => event.type === "message" ? event.text : event.type)
      expect(texts).toEqual(Array.from({ length: 50_000 }, (_, n) => `burst ${n}`))
      expect(yield* server.connections).toBe(1)
    }).pipe(Effect.provide(quiet)))

  it.scopedLive("an ack behind a paused burst still comes: the session reads on, and counts what it drops", () =>
    Effect.gen(function*() {
      const { server, session } = yield* open({ inboundCapacity: 1_000 })
      yield* burst(server, 3_000)
      yield* Effect.sleep("200 millis")
      const ack = yield* session.sendMessage({ channel: "C1", text: "behind the burst" }).pipe(
        Effect.timeout("10 seconds")
      )
      expect(ack.text).toBe("behind the burst")
      const record = yield* recordEvents(session)
      const count = () =>
        record.events.reduce(
          (sum, event) => sum + (event.type === "message" ? 1 : event.type === "events_dropped" ? event.count : 0),
          0
        )
      yield* waitUntil("every burst event delivered or counted", () => count() >= 3_000)
      expect(count()).toBe(3_000)
    }).pipe(Effect.provide(quiet)))

  it.scopedLive("keepalive while the consumer reads nothing → pongs still come, and the session does not reconnect", () =>
    Effect.gen(function*() {
      const { server, session } = yield* open({
        inboundCapacity: 1_000,
        pingInterval: "100 millis",
        pongTimeout: "400 millis"
      })
      const states = yield* recordStates(session)
      yield* burst(server, 3_000)
      yield* Effect.sleep("1500 millis")
      expect(connectedCount(states)).toBe(1)
      expect(yield* server.connections).toBe(1)
    }).pipe(Effect.provide(quiet)))
})
