import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/testing/TestClock"
import * as RtmSession from "../src/RtmSession.js"
import { SlackWebApi } from "../src/SlackWebApi.js"
import * as SlackTest from "../src/testing/SlackTest.js"

const quiet = Layer.succeed(References.MinimumLogLevel, "None")
const testLayer = Layer.merge(SlackTest.layer, quiet)

/** Lets forked fibers run without moving the clock. */
const settle = Effect.repeat(Effect.yieldNow, { times: 20 })

const connectCount = Effect.flatMap(SlackTest.SlackTest, (t) => t.calls).pipe(Effect.map((c) => c.length))
const sentOf = (type: string) =>
  Effect.gen(function*() {
    const test = yield* SlackTest.SlackTest
    const sockets = yield* test.sockets
    return sockets.flatMap((socket) => socket.sent.filter((frame) => frame["type"] === type))
  })
const currentState = (session: RtmSession.RtmSession) =>
  session.state.pipe(Stream.take(1), Stream.runHead, Effect.map(Option.getOrThrow))

describe("RtmSession under TestClock", () => {
  it.effect("make succeeds after hello and reports Connected", () =>
    Effect.gen(function*() {
      const session = yield* RtmSession.make()
      const state = yield* currentState(session)
      expect(state._tag).toBe("Connected")
      if (state._tag === "Connected") expect(state.self.name).toBe("fakebot")
    }).pipe(Effect.provide(testLayer)))

  it.effect("a permanent error on the first connect fails make with that typed error", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      yield* test.failNextConnect("account_inactive")
      const error = yield* Effect.flip(RtmSession.make())
      expect(error._tag).toBe("AccountInactive")
      expect(yield* connectCount).toBe(1)
    }).pipe(Effect.provide(testLayer)))

  it.effect("no hello within helloTimeout tears the socket down and reconnects", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      yield* test.setAuto({ hello: false })
      const fiber = yield* Effect.forkChild(RtmSession.make({ helloTimeout: "5 seconds" }))
      yield* settle
      expect(yield* connectCount).toBe(1)
      yield* TestClock.adjust("4999 millis")
      expect((yield* test.socket).isOpen).toBe(true)
      yield* test.setAuto({ hello: true })
      yield* TestClock.adjust("1 millis")
      yield* settle
      const sockets = yield* test.sockets
      expect(sockets[0]?.isOpen).toBe(false)
      expect(yield* connectCount).toBe(2)
      const session = yield* Fiber.join(fiber)
      expect((yield* currentState(session))._tag).toBe("Connected")
    }).pipe(Effect.provide(testLayer)))

  it.effect("a missing pong tears the socket down at pingInterval + pongTimeout, and it reconnects", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      const session = yield* RtmSession.make({ pingInterval: "30 seconds", pongTimeout: "10 seconds" })
      yield* TestClock.adjust("30 seconds")
      expect(yield* sentOf("ping")).toHaveLength(1)
      yield* test.setAuto({ pong: false })
      yield* TestClock.adjust("30 seconds")
      expect(yield* sentOf("ping")).toHaveLength(2)
      yield* TestClock.adjust("9999 millis")
      expect((yield* test.socket).isOpen).toBe(true)
      yield* test.setAuto({ pong: true })
      yield* TestClock.adjust("1 millis")
      yield* settle
      const [first, second] = yield* test.sockets
      expect(first?.isOpen).toBe(false)
      expect(second?.isOpen).toBe(true)
      const state = yield* currentState(session)
      expect(state._tag).toBe("Connected")
    }).pipe(Effect.provide(testLayer)))

  it.effect("ping() measures a round trip", () =>
    Effect.gen(function*() {
      const session = yield* RtmSession.make()
      const roundTrip = yield* session.ping()
      expect(Duration.toMillis(roundTrip)).toBe(0)
      expect(yield* sentOf("ping")).toHaveLength(1)
    }).pipe(Effect.provide(testLayer)))

  it.effect("backs off between failed reconnects and starts over after a stable connection", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      yield* RtmSession.make({
        reconnect: Schedule.exponential("1 second"),
        stableAfter: "1 minute",
        pingInterval: "1 hour"
      })
      yield* test.setAuto({ hello: false })
      yield* (yield* test.socket).close(1006)
      yield* settle
      // failed attempt 1 (the drop); retry after 1 s, which waits 10 s for hello and fails
      expect(yield* connectCount).toBe(1)
      yield* TestClock.adjust("1 second")
      expect(yield* connectCount).toBe(2)
      yield* TestClock.adjust("10 seconds") // hello timeout
      yield* TestClock.adjust("1999 millis")
      expect(yield* connectCount).toBe(2)
      yield* TestClock.adjust("1 millis") // second delay: 2 s
      expect(yield* connectCount).toBe(3)
      yield* test.setAuto({ hello: true })
      yield* TestClock.adjust("10 seconds") // hello timeout again, then 4 s
      yield* TestClock.adjust("4 seconds")
      expect(yield* connectCount).toBe(4)
      // this connection says hello and lives for 2 minutes: stable
      yield* TestClock.adjust("2 minutes")
      yield* (yield* test.socket).close(1011)
      yield* settle
      yield* TestClock.adjust("999 millis")
      expect(yield* connectCount).toBe(4)
      yield* TestClock.adjust("1 millis") // back to the first delay, 1 s, not 8 s
      expect(yield* connectCount).toBe(5)
    }).pipe(Effect.provide(testLayer)))

  it.effect("the default policy reconnects at once after a drop", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      yield* RtmSession.make()
      yield* (yield* test.socket).close(1001, "going away")
      yield* settle
      expect(yield* connectCount).toBe(2)
      expect((yield* test.socket).isOpen).toBe(true)
    }).pipe(Effect.provide(testLayer)))

  it.effect("a Ratelimited rtm.connect waits out its Retry-After", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      yield* RtmSession.make()
      yield* test.failNextConnect("ratelimited", "30 seconds")
      yield* (yield* test.socket).close(1006)
      yield* settle
      expect(yield* connectCount).toBe(2)
      yield* TestClock.adjust("29 seconds")
      expect(yield* connectCount).toBe(2)
      yield* TestClock.adjust("1 second")
      expect(yield* connectCount).toBe(3)
    }).pipe(Effect.provide(testLayer)))

  it.effect("an ack that never comes fails with AckTimeout", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      yield* test.setAuto({ ack: false })
      const session = yield* RtmSession.make({ ackTimeout: "5 seconds" })
      const fiber = yield* Effect.forkChild(session.sendMessage({ channel: "C1", text: "hi" }))
      yield* TestClock.adjust("4999 millis")
      expect(fiber.pollUnsafe() === undefined).toBe(true)
      yield* TestClock.adjust("1 millis")
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error._tag).toBe("AckTimeout")
    }).pipe(Effect.provide(testLayer)))

  it.effect("an error ack becomes SendRejected with code and msg", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      yield* test.setAuto({ ack: false })
      const session = yield* RtmSession.make()
      const fiber = yield* Effect.forkChild(session.sendMessage({ channel: "C1", text: "hi" }))
      yield* settle
      const socket = yield* test.socket
      const id = socket.sent.find((frame) => frame["type"] === "message")?.["id"]
      yield* socket.push({ ok: false, reply_to: id, error: { code: 2, msg: "message text is missing" } })
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error).toMatchObject({ _tag: "SendRejected", code: 2, msg: "message text is missing" })
    }).pipe(Effect.provide(testLayer)))

  it.effect("a send on the wire when the socket drops fails with DeliveryUnknown and is not resent", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      yield* test.setAuto({ ack: false })
      const session = yield* RtmSession.make()
      const fiber = yield* Effect.forkChild(session.sendMessage({ channel: "C1", text: "lost?" }))
      yield* settle
      yield* (yield* test.socket).close(1006)
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error._tag).toBe("DeliveryUnknown")
      yield* settle
      expect(yield* sentOf("message")).toHaveLength(1)
    }).pipe(Effect.provide(testLayer)))

  it.effect("sends made while reconnecting go out in order after the next hello", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      const session = yield* RtmSession.make({ reconnect: Schedule.spaced("5 seconds"), rateLimit: false })
      yield* test.failNextConnect("service_unavailable")
      yield* (yield* test.socket).close(1006)
      yield* settle
      const sends = yield* Effect.forkChild(Effect.all(
        ["one", "two", "three"].map((text) => session.sendMessage({ channel: "C1", text })),
        { concurrency: 1 }
      ))
      const queued = yield* Effect.forkChild(session.sendMessage({ channel: "C1", text: "four" }))
      yield* settle
      expect(yield* sentOf("message")).toHaveLength(0)
      yield* TestClock.adjust("10 seconds")
      const acks = yield* Fiber.join(sends)
      expect(acks.map((ack) => ack.text)).toEqual(["one", "two", "three"])
      expect((yield* Fiber.join(queued)).text).toBe("four")
      const texts = (yield* sentOf("message")).map((frame) => frame["text"])
      expect(texts[0]).toBe("one")
      expect(texts).toHaveLength(4)
    }).pipe(Effect.provide(testLayer)))

  it.effect("presence subscriptions are sent again after every reconnect", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      const session = yield* RtmSession.make({ rateLimit: false })
      yield* session.subscribePresence(["U1", "U2"])
      yield* (yield* test.socket).close(1006)
      yield* settle
      yield* (yield* test.socket).close(1000)
      yield* TestClock.adjust("1 second") // a second drop soon after the first waits ~500 ms
      const sockets = yield* test.sockets
      expect(sockets).toHaveLength(3)
      for (const socket of sockets) {
        expect(socket.sent.filter((frame) => frame["type"] === "presence_sub").map((frame) => frame["ids"]))
          .toContainEqual(["U1", "U2"])
      }
    }).pipe(Effect.provide(testLayer)))

  it.effect("invalid_auth on a reconnect ends the session: events fail, pending sends fail, no loop", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      const session = yield* RtmSession.make({ reconnect: Schedule.spaced("1 second") })
      const events = yield* Effect.forkChild(Stream.runDrain(session.events))
      yield* test.failNextConnect("service_unavailable")
      yield* test.failNextConnect("invalid_auth")
      yield* (yield* test.socket).close(1006)
      yield* settle
      const queued = yield* Effect.forkChild(session.sendMessage({ channel: "C1", text: "never" }))
      yield* TestClock.adjust("1 minute")
      const error = yield* Effect.flip(Fiber.join(events))
      expect(error._tag).toBe("InvalidAuth")
      expect(yield* connectCount).toBe(3)
      expect((yield* Effect.flip(Fiber.join(queued)))._tag).toBe("SessionClosed")
      expect((yield* currentState(session))._tag).toBe("Closed")
      yield* TestClock.adjust("1 hour")
      expect(yield* connectCount).toBe(3)
    }).pipe(Effect.provide(testLayer)))

  it.effect("goodbye and team_migration_started each reconnect", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      const session = yield* RtmSession.make()
      const states = yield* Effect.forkChild(session.state.pipe(Stream.take(5), Stream.runCollect))
      yield* settle
      yield* (yield* test.socket).push({ type: "goodbye" })
      yield* settle
      yield* (yield* test.socket).push({ type: "team_migration_started" })
      yield* TestClock.adjust("1 second")
      expect(yield* connectCount).toBe(3)
      const seen = yield* Fiber.join(states)
      expect(seen.map((state) => state._tag)).toEqual([
        "Connected",
        "Reconnecting",
        "Connected",
        "Reconnecting",
        "Connected"
      ])
      const reasons = seen.flatMap((state) => state._tag === "Reconnecting" ? [state.cause.reason] : [])
      expect(reasons).toEqual(["goodbye", "team_migration"])
    }).pipe(Effect.provide(testLayer)))

  it.effect("state watched late, or twice, starts with the current state and repeats no change", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      const session = yield* RtmSession.make()
      // Nobody watched yet: the first watcher comes after a reconnect, and sees the state as it is.
      yield* (yield* test.socket).push({ type: "goodbye" })
      yield* settle
      const first = yield* Effect.forkChild(session.state.pipe(Stream.take(3), Stream.runCollect))
      yield* settle
      yield* (yield* test.socket).push({ type: "goodbye" })
      yield* TestClock.adjust("1 second")
      // A second watcher, once the first one exists, starts with the current state too.
      expect((yield* currentState(session))._tag).toBe("Connected")
      expect((yield* Fiber.join(first)).map((state) => state._tag)).toEqual(["Connected", "Reconnecting", "Connected"])
      expect(yield* connectCount).toBe(3)
    }).pipe(Effect.provide(testLayer)))

  it.effect("enforces the frame and text limits before sending", () =>
    Effect.gen(function*() {
      const session = yield* RtmSession.make()
      const tooLong = yield* Effect.flip(session.sendMessage({ channel: "C1", text: "x".repeat(4001) }))
      expect(tooLong).toMatchObject({ _tag: "MessageTooLong", length: 4001, limit: 4000 })
      const tooLarge = yield* Effect.flip(session.send({ type: "custom", blob: "é".repeat(9000) }))
      expect(tooLarge._tag).toBe("FrameTooLarge")
      expect(yield* sentOf("message")).toHaveLength(0)
      expect(yield* sentOf("custom")).toHaveLength(0)
      const ok = yield* session.sendMessage({ channel: "C1", text: "x".repeat(4000) })
      expect(ok.text).toHaveLength(4000)
    }).pipe(Effect.provide(testLayer)))

  it.effect("throttles messages to one per second after a burst of three", () =>
    Effect.gen(function*() {
      const session = yield* RtmSession.make()
      const fiber = yield* Effect.forkChild(Effect.forEach(
        [1, 2, 3, 4, 5, 6],
        (n) => session.sendMessage({ channel: "C1", text: `m${n}` }),
        { concurrency: "unbounded" }
      ))
      yield* settle
      expect(yield* sentOf("message")).toHaveLength(3)
      yield* TestClock.adjust("1 second")
      expect(yield* sentOf("message")).toHaveLength(4)
      yield* TestClock.adjust("2 seconds")
      expect(yield* sentOf("message")).toHaveLength(6)
      yield* Fiber.join(fiber)
    }).pipe(Effect.provide(testLayer)))

  it.effect("a slow consumer loses no event silently: drops are counted in an events_dropped event", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      const session = yield* RtmSession.make({ inboundCapacity: 4 })
      const socket = yield* test.socket
      for (let n = 0; n < 10; n++) yield* socket.push({ type: "user_typing", channel: "C1", user: `U${n}` })
      // The marker is in the stream at once, right after the last event kept; once the consumer has
      // taken it, there is room again and a later event is kept.
      const all = yield* session.events.pipe(
        Stream.tap((event) =>
          event.type === "events_dropped"
            ? socket.push({ type: "user_typing", channel: "C1", user: "late" })
            : Effect.void
        ),
        Stream.take(6),
        Stream.runCollect
      )
      expect(all.map((event) => event.type)).toEqual([
        "hello",
        "user_typing",
        "user_typing",
        "user_typing",
        "events_dropped",
        "user_typing"
      ])
      expect(all[4]).toEqual({ type: "events_dropped", count: 7 })
    }).pipe(Effect.provide(testLayer)))

  it.effect("drops are reported at once, even if no event follows the burst", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      const session = yield* RtmSession.make({ inboundCapacity: 3 })
      const socket = yield* test.socket
      for (let n = 0; n < 50; n++) yield* socket.push({ type: "user_typing", channel: "C1", user: `U${n}` })
      const events = yield* session.events.pipe(Stream.take(4), Stream.runCollect)
      expect(events.map((event) => event.type)).toEqual(["hello", "user_typing", "user_typing", "events_dropped"])
      expect(events[3]).toEqual({ type: "events_dropped", count: 48 })
    }).pipe(Effect.provide(testLayer)))

  it.effect(
    "the buffer is bounded in bytes too: events past inboundBytes are dropped and reported, then fit again once read",
    () =>
      Effect.gen(function*() {
        const test = yield* SlackTest.SlackTest
        // hello is 16 characters; each message frame about 1,100.
        const session = yield* RtmSession.make({ inboundBytes: 2_500 })
        const socket = yield* test.socket
        const big = (n: number) => ({ type: "message", channel: "C1", ts: `1.${n}`, text: "x".repeat(1_000) })
        for (let n = 0; n < 5; n++) yield* socket.push(big(n))
        const first = yield* session.events.pipe(Stream.take(4), Stream.runCollect)
        expect(first.map((event) => event.type)).toEqual(["hello", "message", "message", "events_dropped"])
        expect(first[3]).toEqual({ type: "events_dropped", count: 3 })
        // What the consumer took freed its bytes: the next big event fits.
        yield* socket.push(big(5))
        const [next] = yield* session.events.pipe(Stream.take(1), Stream.runCollect)
        expect(next).toMatchObject({ type: "message", ts: "1.5" })
      }).pipe(Effect.provide(testLayer))
  )

  it.effect(
    "a WebSocketConstructor that cannot open sockets ends make with InvalidWebSocketConstructor, after one connect",
    () =>
      Effect.gen(function*() {
        class NeedsNew {
          constructor(readonly url: string) {}
        }
        const broken: ReadonlyArray<unknown> = [42, NeedsNew, () => undefined, () => ({ readyState: 1 })]
        for (const constructor of broken) {
          const before = yield* connectCount
          const error = yield* Effect.flip(
            RtmSession.make({ reconnect: Schedule.recurs(2) }).pipe(
              Effect.scoped,
              Effect.provideService(
                Socket.WebSocketConstructor,
                constructor as Socket.WebSocketConstructor["Service"]
              )
            )
          )
          expect(error._tag).toBe("InvalidWebSocketConstructor")
          expect((yield* connectCount) - before).toBe(1)
        }
      }).pipe(Effect.provide(testLayer))
  )

  it.effect("a frame that cannot be written as JSON fails with InvalidFrame, and the session goes on", () =>
    Effect.gen(function*() {
      const session = yield* RtmSession.make()
      const circular: { type: string; [key: string]: unknown } = { type: "custom" }
      circular["self"] = circular
      const refused: ReadonlyArray<{ readonly type: string; readonly [key: string]: unknown }> = [
        { type: "custom", n: 1n },
        circular,
        {
          type: "custom",
          x: {
            toJSON: () => {
              throw new Error("no JSON for you")
            }
          }
        },
        { type: "custom", toJSON: () => "not an object" }
      ]
      for (const frame of refused) {
        const error = yield* Effect.flip(session.send(frame))
        expect(error._tag).toBe("InvalidFrame")
      }
      expect((yield* Effect.flip(session.subscribePresence([1n as unknown as string])))._tag).toBe("InvalidFrame")
      // A toJSON that would throw the second time: the frame is written as JSON once.
      let calls = 0
      yield* session.send({
        type: "custom",
        x: { toJSON: () => calls++ === 0 ? "once" : Effect.runSync(Effect.die("twice")) }
      })
      expect(yield* sentOf("custom")).toEqual([expect.objectContaining({ x: "once" })])
      expect(yield* sentOf("presence_sub")).toEqual([])
      expect((yield* session.sendMessage({ channel: "C1", text: "still here" })).text).toBe("still here")
      expect((yield* currentState(session))._tag).toBe("Connected")
    }).pipe(Effect.provide(testLayer)))

  it.effect("garbage, unknown types and stray replies reach the consumer as data", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      const session = yield* RtmSession.make()
      const socket = yield* test.socket
      yield* socket.pushRaw("{oops")
      yield* socket.pushRaw(new Uint8Array([0xff, 0xfe]))
      yield* socket.push({ type: "badge_counts_updated", count: 3 })
      yield* socket.push({ ok: true, reply_to: 9999, ts: "1.1" })
      yield* socket.push({ type: "message", channel: "C1", ts: "1.2", text: "still here" })
      const events = yield* session.events.pipe(Stream.take(6), Stream.runCollect)
      expect(events.map((event) => event.type)).toEqual([
        "hello",
        "undecodable",
        "undecodable",
        "unknown",
        "unmatched_reply",
        "message"
      ])
      expect((yield* currentState(session))._tag).toBe("Connected")
    }).pipe(Effect.provide(testLayer)))

  it.effect("a defect in the connect path ends make with that defect instead of hanging", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        RtmSession.make().pipe(
          Effect.provideService(SlackWebApi, { call: () => Effect.die(new Error("boom")) })
        )
      )
      expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
    }).pipe(Effect.provide(testLayer)))

  it.effect("the state stream ends with Closed when the session ends", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      const session = yield* RtmSession.make()
      yield* test.failNextConnect("token_revoked")
      yield* (yield* test.socket).close(1000)
      const states = yield* Stream.runCollect(session.state)
      expect(states.at(-1)?._tag).toBe("Closed")
    }).pipe(Effect.provide(testLayer)))

  it.effect("a send made at any moment around a reconnect is written, never lost", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      const session = yield* RtmSession.make({ rateLimit: false })
      for (let yields = 0; yields < 6; yields++) {
        yield* (yield* test.socket).close(1006)
        yield* Effect.repeat(Effect.yieldNow, { times: yields })
        const fiber = yield* Effect.forkChild(session.typing(`C${yields}`))
        yield* TestClock.adjust("1 minute")
        expect(fiber.pollUnsafe() !== undefined).toBe(true)
        yield* Fiber.join(fiber)
      }
      const channels = (yield* sentOf("typing")).map((frame) => frame["channel"])
      expect(channels).toEqual(["C0", "C1", "C2", "C3", "C4", "C5"])
    }).pipe(Effect.provide(testLayer)))

  it.effect("an error ack nested thousands deep is a SendRejected, and the session goes on", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      yield* test.setAuto({ ack: false })
      const session = yield* RtmSession.make()
      const fiber = yield* Effect.forkChild(session.sendMessage({ channel: "C1", text: "hi" }))
      const frame = yield* test.awaitSent((frame) => frame["type"] === "message")
      const deep = "[".repeat(20_000) + "]".repeat(20_000)
      yield* (yield* test.socket).pushRaw(`{"ok":false,"reply_to":${frame["id"]},"error":${deep}}`)
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error).toMatchObject({ _tag: "SendRejected", code: -1 })
      expect((yield* currentState(session))._tag).toBe("Connected")
    }).pipe(Effect.provide(testLayer)))

  it.effect("the session's ids win over ids and types inside the caller's frames", () =>
    Effect.gen(function*() {
      const session = yield* RtmSession.make({ rateLimit: false })
      const id = yield* session.send({ type: "custom", id: 1 })
      yield* session.sendMessage({ channel: "C1", text: "x", type: "not a message" } as RtmSession.OutgoingMessage)
      const sent = [...(yield* sentOf("custom")), ...(yield* sentOf("message"))]
      expect(sent[0]?.["id"]).toBe(id)
      const ids = sent.map((frame) => frame["id"])
      expect(new Set(ids).size).toBe(ids.length)
      expect(sent).toHaveLength(2)
    }).pipe(Effect.provide(testLayer)))

  it.effect("a presence list too large to send is refused and not sent again after a reconnect", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      const session = yield* RtmSession.make({ rateLimit: false })
      const ids = Array.from({ length: 1_500 }, (_, n) => `U${String(n).padStart(10, "0")}`)
      expect((yield* Effect.flip(session.subscribePresence(ids)))._tag).toBe("FrameTooLarge")
      yield* (yield* test.socket).close(1006)
      yield* TestClock.adjust("1 minute")
      expect(yield* connectCount).toBe(2)
      expect(yield* sentOf("presence_sub")).toEqual([])
    }).pipe(Effect.provide(testLayer)))

  it.effect("make under Effect.timeout leaves no session running when it times out", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      yield* test.setAuto({ hello: false })
      const fiber = yield* Effect.forkChild(
        RtmSession.make({ helloTimeout: "5 seconds" }).pipe(Effect.timeout("1 second"))
      )
      yield* TestClock.adjust("1 second")
      expect((yield* Effect.flip(Fiber.join(fiber)))._tag).toBe("TimeoutError")
      const calls = yield* connectCount
      expect((yield* test.socket).isOpen).toBe(false)
      yield* TestClock.adjust("10 minutes")
      expect(yield* connectCount).toBe(calls)
    }).pipe(Effect.provide(testLayer)))

  it.effect("a send interrupted while the throttle holds it is withdrawn", () =>
    Effect.gen(function*() {
      const session = yield* RtmSession.make({ rateLimit: { limit: 1, interval: "2 seconds" } })
      const first = yield* Effect.forkChild(session.typing("C1"))
      const second = yield* Effect.forkChild(session.typing("C2"))
      const third = yield* Effect.forkChild(session.typing("C3"))
      yield* settle
      yield* Fiber.interrupt(second)
      yield* Fiber.interrupt(third)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(first)
      expect((yield* sentOf("typing")).map((frame) => frame["channel"])).toEqual(["C1"])
    }).pipe(Effect.provide(testLayer)))

  it.effect("after the scope closes, every send fails with SessionClosed and the socket is closed", () =>
    Effect.gen(function*() {
      const test = yield* SlackTest.SlackTest
      const session = yield* Effect.scoped(RtmSession.make())
      const error = yield* Effect.flip(session.sendMessage({ channel: "C1", text: "late" }))
      expect(error._tag).toBe("SessionClosed")
      expect((yield* Effect.flip(session.ping()))._tag).toBe("SessionClosed")
      expect((yield* test.socket).isOpen).toBe(false)
      const events = yield* Effect.exit(Stream.runDrain(session.events))
      expect(Exit.isSuccess(events)).toBe(true)
    }).pipe(Effect.provide(testLayer)))

  it.effect("every log, from the socket's callback, a reconnect or the close, respects the session's log level", () =>
    Effect.gen(function*() {
      /** What a session at `level` logs while it decodes garbage, reconnects, and is closed from outside. */
      const logged = (level: LogLevel.LogLevel) =>
        Effect.gen(function*() {
          const lines: Array<string> = []
          const logger = Logger.make(({ message }) =>
            void lines.push(String(Array.isArray(message) ? message[0] : message))
          )
          const scope = yield* Scope.make()
          yield* Effect.gen(function*() {
            const test = yield* SlackTest.SlackTest
            const atLevel = Effect.provideService(References.MinimumLogLevel, level)
            yield* RtmSession.make().pipe(Scope.provide(scope), atLevel)
            yield* (yield* test.socket).pushRaw("{oops")
            yield* (yield* test.socket).close(1006)
            yield* settle
            yield* Scope.close(scope, Exit.void)
          }).pipe(
            Effect.provide(
              Layer.mergeAll(SlackTest.layer, Logger.layer([logger]), Layer.succeed(References.MinimumLogLevel, "All"))
            )
          )
          return lines
        })
      expect(yield* logged("None")).toEqual([])
      const all = yield* logged("All")
      const expected = ["connected as", "undecodable frame", "disconnected (closed): close 1006", "session closed"]
      for (const start of expected) {
        expect(all.some((line) => line.startsWith(start))).toBe(true)
      }
    }))
})
