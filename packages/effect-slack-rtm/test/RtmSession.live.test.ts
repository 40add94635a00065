import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { capturingLogger } from "../scripts/harness.js"
import * as RtmSession from "../src/RtmSession.js"
import * as FakeSlack from "../src/testing/FakeSlack.js"

const fake = Layer.merge(
  FakeSlack.layer({ retry: Schedule.max([Schedule.spaced("10 millis"), Schedule.recurs(2)]) }),
  Layer.succeed(References.MinimumLogLevel, "None")
)

/** Fast timings, so that faults resolve within a test's patience. */
const fast: RtmSession.Options = {
  helloTimeout: "300 millis",
  pingInterval: "200 millis",
  pongTimeout: "200 millis",
  rateLimit: false,
  reconnect: Schedule.spaced("20 millis")
}

/** Waits until the session reports a state with this tag after `since` states. */
const awaitState = (session: RtmSession.RtmSession, tag: RtmSession.SessionState["_tag"]) =>
  session.state.pipe(Stream.filter((state) => state._tag === tag), Stream.runHead, Effect.map(Option.getOrThrow))

/** Waits until the server has accepted `n` sockets in all, and the session is connected again. */
const awaitReconnected = (session: RtmSession.RtmSession, server: FakeSlack.Service, n: number) =>
  Effect.gen(function*() {
    while ((yield* server.connections) < n) yield* Effect.sleep("5 millis")
    yield* awaitState(session, "Connected")
  }).pipe(Effect.timeout("5 seconds"))

const messageEvent = (text: string) => ({ type: "message", channel: "C1", user: "U1", text, ts: "1.000001" })

/** Collects events until one satisfies `predicate`. */
const eventsUntil = (session: RtmSession.RtmSession, predicate: (event: unknown) => boolean) =>
  session.events.pipe(Stream.takeUntil(predicate), Stream.runCollect)

describe("RtmSession against FakeSlack on 127.0.0.1", () => {
  it.live("connects, receives events, gets an ack, and closes every socket with its scope", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      yield* Effect.scoped(Effect.gen(function*() {
        const session = yield* RtmSession.make({ rateLimit: false })
        const collected = yield* session.events.pipe(Stream.take(2), Stream.runCollect, Effect.forkChild)
        yield* server.push(messageEvent("hello bot"))
        const events = yield* Fiber.join(collected)
        expect(events.map((event) => event.type)).toEqual(["hello", "message"])
        const ack = yield* session.sendMessage({ channel: "C1", text: "hi there", thread_ts: "1.000001" })
        expect(ack.text).toBe("hi there")
        expect(ack.ts).toMatch(/^\d+\.\d{6}$/)
        const sent = yield* server.awaitReceived((frame) => frame["type"] === "message")
        expect(sent).toMatchObject({ type: "message", channel: "C1", text: "hi there", thread_ts: "1.000001" })
        expect(sent["id"]).toBeGreaterThan(0)
      }))
      yield* Effect.sleep("50 millis")
      expect(yield* server.openSockets).toBe(0)
    }).pipe(Effect.provide(fake)))

  for (const code of [1000, 1001, 1011, 4000]) {
    it.live(`a close with code ${code} reconnects with a fresh rtm.connect`, () =>
      Effect.gen(function*() {
        const server = yield* FakeSlack.FakeSlack
        const session = yield* RtmSession.make(fast)
        yield* server.closeSockets(code)
        yield* awaitReconnected(session, server, 2)
        expect((yield* server.requests).filter((r) => r.method === "rtm.connect")).toHaveLength(2)
      }).pipe(Effect.provide(fake)))
  }

  it.live("a dropped TCP connection reconnects, and events flow again", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      const session = yield* RtmSession.make(fast)
      yield* server.dropSockets
      yield* awaitReconnected(session, server, 2)
      yield* server.push(messageEvent("after the drop"))
      const events = yield* eventsUntil(session, (event) => (event as { text?: string }).text === "after the drop")
      expect(events.at(-1)).toMatchObject({ type: "message", text: "after the drop" })
    }).pipe(Effect.provide(fake)))

  it.live("goodbye without a close reconnects", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      const session = yield* RtmSession.make(fast)
      yield* server.goodbye
      yield* awaitReconnected(session, server, 2)
    }).pipe(Effect.provide(fake)))

  it.live("a silent server is detected by the pong deadline and left at once", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      const session = yield* RtmSession.make(fast)
      const reconnecting = yield* Effect.forkChild(awaitState(session, "Reconnecting"))
      const started = Date.now()
      yield* server.setSilent(true)
      const state = yield* Fiber.join(reconnecting)
      const elapsed = Date.now() - started
      expect(state._tag === "Reconnecting" && state.cause.reason).toBe("pong_timeout")
      // pingInterval + pongTimeout is 400 ms; a client that waits for a dead peer's close handshake takes ~30 s.
      // The bound is loose so that a loaded CI machine cannot fail it.
      expect(elapsed).toBeLessThan(5_000)
      yield* server.setSilent(false)
      yield* awaitReconnected(session, server, 2)
    }).pipe(Effect.provide(fake)))

  it.live("garbage frames reach the consumer as data and the session goes on", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      const session = yield* RtmSession.make(fast)
      yield* server.pushRaw("not json at all")
      yield* server.pushRaw(new Uint8Array([1, 2, 3]))
      yield* server.push({ type: "message", channel: 42 })
      yield* server.push(messageEvent("still alive"))
      const events = yield* eventsUntil(session, (event) => (event as { text?: string }).text === "still alive")
      expect(events.map((event) => event.type)).toEqual([
        "hello",
        "undecodable",
        "undecodable",
        "undecodable",
        "message"
      ])
      expect(yield* server.connections).toBe(1)
    }).pipe(Effect.provide(fake)))

  it.live("a hello later than helloTimeout reconnects; an early enough one does not", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      yield* server.setHello({ delayMillis: 100 })
      const session = yield* RtmSession.make(fast)
      expect(yield* server.connections).toBe(1)
      yield* server.setHello({ delayMillis: 1_000 })
      yield* server.closeSockets(1001)
      yield* Effect.sleep("400 millis")
      yield* server.setHello({})
      yield* awaitReconnected(session, server, 3)
    }).pipe(Effect.provide(fake)))

  it.live("a hello sent twice is harmless", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      yield* server.setHello({ twice: true })
      const session = yield* RtmSession.make(fast)
      const ack = yield* session.sendMessage({ channel: "C1", text: "ok" })
      expect(ack.text).toBe("ok")
      expect(yield* server.connections).toBe(1)
    }).pipe(Effect.provide(fake)))

  it.live("a transient rtm.connect error on reconnect is retried", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      const session = yield* RtmSession.make(fast)
      yield* server.answerNext("rtm.connect", ...Array(3).fill({ body: { ok: false, error: "internal_error" } }))
      yield* server.closeSockets(1011)
      yield* awaitReconnected(session, server, 2)
      expect((yield* server.requests).length).toBeGreaterThanOrEqual(5)
    }).pipe(Effect.provide(fake)))

  it.live("a socket URL the WebSocket refuses is a failed connection, and the session reconnects", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      const session = yield* RtmSession.make(fast)
      const reconnecting = yield* Effect.forkChild(
        session.state.pipe(
          Stream.filter((state) => state._tag === "Reconnecting" && state.cause.reason === "socket_error"),
          Stream.runHead
        )
      )
      yield* server.answerNext("rtm.connect", { body: { ok: true, url: "not a url", ...FakeSlack.identity } })
      yield* server.dropSockets
      yield* awaitReconnected(session, server, 2)
      expect(Option.isSome(yield* Fiber.join(reconnecting))).toBe(true)
    }).pipe(Effect.provide(fake)))

  it.live("an error ack becomes a typed SendRejected", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      const session = yield* RtmSession.make(fast)
      yield* server.rejectNext(-1, "slow down, too many messages...")
      const error = yield* Effect.flip(session.sendMessage({ channel: "C1", text: "spam" }))
      expect(error).toMatchObject({ _tag: "SendRejected", code: -1, msg: "slow down, too many messages..." })
    }).pipe(Effect.provide(fake)))

  it.live("presence is subscribed again after a reconnect", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      const session = yield* RtmSession.make(fast)
      yield* session.subscribePresence(["U1", "U2"])
      const isSub = (frame: Readonly<Record<string, unknown>>) => frame["type"] === "presence_sub"
      yield* server.awaitReceived(isSub)
      yield* server.dropSockets
      yield* awaitReconnected(session, server, 2)
      yield* server.awaitReceived((frame) => isSub(frame) && frame !== undefined && (frame["id"] as number) > 1)
      const subs = (yield* server.received).filter(isSub)
      expect(subs).toHaveLength(2)
      expect(subs[1]?.["ids"]).toEqual(["U1", "U2"])
    }).pipe(Effect.provide(fake)))

  it.live("a send queued during a reconnect is delivered, in order, after hello", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      const session = yield* RtmSession.make({ ...fast, reconnect: Schedule.spaced("300 millis") })
      yield* server.dropSockets
      yield* awaitState(session, "Reconnecting")
      const acks = yield* Effect.all([
        session.sendMessage({ channel: "C1", text: "first" }),
        session.sendMessage({ channel: "C1", text: "second" })
      ], { concurrency: "unbounded" })
      expect(acks.map((ack) => ack.text)).toEqual(["first", "second"])
      const texts = (yield* server.received).filter((frame) => frame["type"] === "message").map((f) => f["text"])
      expect(texts).toEqual(["first", "second"])
      expect(yield* server.connections).toBe(2)
    }).pipe(Effect.provide(fake)))

  it.live("invalid_auth on a reconnect ends the session with that typed error", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      const session = yield* RtmSession.make(fast)
      yield* server.failNext("rtm.connect", "invalid_auth")
      yield* server.dropSockets
      const error = yield* Effect.flip(Stream.runDrain(session.events))
      expect(error._tag).toBe("InvalidAuth")
      yield* Effect.sleep("100 millis")
      expect((yield* server.requests).length).toBe(2)
      expect((yield* Effect.flip(session.sendMessage({ channel: "C1", text: "x" })))._tag).toBe("SessionClosed")
    }).pipe(Effect.provide(fake)))

  it.live("routine lines log at Debug; only what needs a look logs at Info or above", () =>
    Effect.gen(function*() {
      const routine = capturingLogger()
      yield* Effect.gen(function*() {
        const server = yield* FakeSlack.FakeSlack
        yield* Effect.scoped(Effect.gen(function*() {
          const session = yield* RtmSession.make(fast)
          yield* server.goodbye
          yield* awaitReconnected(session, server, 2)
          yield* server.dropSockets
          yield* awaitReconnected(session, server, 3)
        }))
      }).pipe(Effect.provide(Layer.merge(FakeSlack.layer(), routine.layer)))
      const debug = routine.entries.filter((entry) => entry.level === "DEBUG").map((entry) => entry.message)
      expect(debug.filter((line) => line.startsWith("connected as"))).toHaveLength(3)
      expect(debug.filter((line) => line.includes("reconnecting (attempt 1)"))).toHaveLength(2)
      expect(debug).toContain("session closed")
      expect(routine.entries.filter((entry) => entry.level !== "DEBUG" && entry.level !== "TRACE")).toEqual([])

      // Connecting that fails again and again, and a session that ends, do need a look.
      const trouble = capturingLogger()
      yield* Effect.gen(function*() {
        const server = yield* FakeSlack.FakeSlack
        const session = yield* RtmSession.make(fast)
        yield* server.answerNext("rtm.connect", { status: 503, body: "" }, { status: 503, body: "" })
        yield* server.failNext("rtm.connect", "invalid_auth")
        yield* server.dropSockets
        yield* Effect.flip(Stream.runDrain(session.events))
      }).pipe(
        Effect.scoped,
        Effect.provide(Layer.merge(FakeSlack.layer({ retry: Schedule.recurs(0) }), trouble.layer))
      )
      const levels = trouble.entries.map((entry) => `${entry.level} ${entry.message}`)
      expect(levels.filter((line) => /^WARN .*reconnecting \(attempt [23]\)/.test(line))).toHaveLength(2)
      expect(levels.filter((line) => line.startsWith("ERROR session ended: "))).toHaveLength(1)
    }))
})
