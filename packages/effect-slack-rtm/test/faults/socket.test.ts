/**
 * Fault matrix, socket side: what the RTM WebSocket does to a live session.
 * Each test is one row of the table in RELIABILITY.md, against FakeSlack
 * on 127.0.0.1 with short timings. Tests wait for conditions, with generous
 * deadlines, and assert no tight wall-clock bounds.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import {
  connectedCount,
  reconnectCauses,
  recordEvents,
  recordStates,
  relaxedOptions,
  waitUntil
} from "../../scripts/harness.js"
import type { RtmEvent } from "../../src/RtmEvent.js"
import * as RtmSession from "../../src/RtmSession.js"
import type { Disconnected } from "../../src/RtmSessionError.js"
import * as Slack from "../../src/Slack.js"
import * as FakeSlack from "../../src/testing/FakeSlack.js"

const quiet = Layer.succeed(References.MinimumLogLevel, "None")

/** A fake Slack, the Node layers pointed at it (with `layerOptions`), and a way to open sessions on it. */
const setUpWith = (layerOptions: Partial<Slack.Options>) =>
  Effect.gen(function*() {
    const server = yield* FakeSlack.make()
    const context = yield* Layer.build(Slack.layer({
      ...server.options,
      retry: Schedule.max([Schedule.spaced("10 millis"), Schedule.recurs(3)]),
      ...layerOptions
    }))
    const open = (options: RtmSession.Options = {}) =>
      RtmSession.make({ ...relaxedOptions, ...options }).pipe(Effect.provide(context))
    return { server, open }
  })
const setUp = setUpWith({})

/** An open session with its states and events being recorded. */
const watched = (options: RtmSession.Options = {}, layerOptions: Partial<Slack.Options> = {}) =>
  Effect.gen(function*() {
    const { open, server } = yield* setUpWith(layerOptions)
    const session = yield* open(options)
    const states = yield* recordStates(session)
    const record = yield* recordEvents(session)
    return { server, session, states, record }
  })

type Watched = Effect.Success<ReturnType<typeof watched>>

const typesOf = (events: ReadonlyArray<RtmEvent>) => events.map((event) => event.type)

/** The session still works: a message is acked, and only one socket is open. */
const stillWorks = ({ server, session }: Watched) =>
  Effect.gen(function*() {
    const ack = yield* session.sendMessage({ channel: "C1", text: "still here" })
    expect(ack.text).toBe("still here")
    yield* waitUntil("one open socket", Effect.map(server.openSockets, (n) => n === 1))
  })

/**
 * A fault that makes the session reconnect: the first `Reconnecting` state
 * carries the expected `Disconnected`, and the session works again after.
 */
const reconnectRow = (
  name: string,
  fault: (watch: Watched) => Effect.Effect<void>,
  expectCause: (cause: Disconnected, watch: Watched) => void,
  options: RtmSession.Options = {},
  layerOptions: Partial<Slack.Options> = {}
) =>
  it.live(name, () =>
    Effect.gen(function*() {
      const watch = yield* watched(options, layerOptions)
      yield* fault(watch)
      yield* waitUntil("connected again", () => connectedCount(watch.states) >= 2)
      const [cause] = reconnectCauses(watch.states)
      expect(cause?._tag).toBe("Disconnected")
      expectCause(cause!, watch)
      expect(yield* watch.server.connections).toBeGreaterThanOrEqual(2)
      yield* stillWorks(watch)
    }).pipe(Effect.provide(quiet)))

const message = (text: string) => ({ type: "message", channel: "C1", user: "U1", ts: "1.000001", text })

describe.concurrent("fault matrix: the RTM socket", () => {
  describe("the server closes the socket", () => {
    for (const code of [1000, 1001, 1011, 4000]) {
      reconnectRow(
        `close ${code} → Disconnected(closed, "close ${code}"), reconnected`,
        ({ server }) => server.closeSockets(code),
        (cause) => {
          expect(cause).toMatchObject({ reason: "closed", detail: `close ${code}`, stable: false })
        }
      )
    }
    reconnectRow(
      "close 4000 with a reason → the reason is kept in the detail",
      ({ server }) => server.closeSockets(4000, "maintenance"),
      (cause) => expect(cause).toMatchObject({ reason: "closed", detail: "close 4000 maintenance" })
    )
    reconnectRow(
      "TCP drop, no close frame (1006) → Disconnected(closed, \"close 1006\"), reconnected",
      ({ server }) => server.dropSockets,
      (cause) => expect(cause).toMatchObject({ reason: "closed", detail: "close 1006" })
    )
    reconnectRow(
      "TCP reset (RST) → Disconnected(closed, \"close 1006\"), reconnected",
      ({ server }) => server.resetSockets,
      (cause) => expect(cause).toMatchObject({ reason: "closed", detail: "close 1006" })
    )
  })

  describe("the server goes quiet or misbehaves", () => {
    reconnectRow(
      "silence, no pong → Disconnected(pong_timeout), reconnected once the server answers",
      ({ server, states }) =>
        Effect.gen(function*() {
          yield* server.setSilent(true)
          yield* waitUntil("a reconnect", () => reconnectCauses(states).length >= 1)
          yield* server.setSilent(false)
        }),
      (cause) =>
        expect(cause).toMatchObject({ reason: "pong_timeout", detail: expect.stringMatching(/^no pong within/) }),
      { pingInterval: "200 millis", pongTimeout: "200 millis" }
    )

    reconnectRow(
      "hello never sent → Disconnected(hello_timeout) on each try, until hello comes",
      ({ server, states }) =>
        Effect.gen(function*() {
          yield* server.setHello({ skip: true })
          yield* server.dropSockets
          yield* waitUntil("a hello timeout", () => reconnectCauses(states).length >= 2)
          yield* server.setHello({})
        }),
      (cause, { states }) => {
        expect(cause.reason).toBe("closed")
        expect(reconnectCauses(states)[1]).toMatchObject({ reason: "hello_timeout", detail: "no hello in time" })
      },
      { helloTimeout: "300 millis" }
    )

    it.live("hello sent twice → both delivered as events; no reconnect", () =>
      Effect.gen(function*() {
        const { open, server } = yield* setUp
        yield* server.setHello({ twice: true })
        const session = yield* open()
        const record = yield* recordEvents(session)
        yield* server.push(message("after two hellos"))
        yield* waitUntil("the message", () => record.events.some((event) => event.type === "message"))
        expect(typesOf(record.events)).toEqual(["hello", "hello", "message"])
        expect(yield* server.connections).toBe(1)
        expect((yield* session.sendMessage({ channel: "C1", text: "ok" })).text).toBe("ok")
      }).pipe(Effect.provide(quiet)))

    reconnectRow(
      "goodbye, then no close → Disconnected(goodbye); goodbye delivered; the old socket is closed by us",
      ({ server }) => server.goodbye,
      (cause, { record }) => {
        expect(cause).toMatchObject({ reason: "goodbye", detail: "the server said goodbye" })
        expect(typesOf(record.events)).toContain("goodbye")
      }
    )

    reconnectRow(
      "team_migration_started → Disconnected(team_migration); the event is delivered",
      ({ server }) => Effect.asVoid(server.push({ type: "team_migration_started" })),
      (cause, { record }) => {
        expect(cause).toMatchObject({ reason: "team_migration", detail: "the workspace is migrating" })
        expect(typesOf(record.events)).toContain("team_migration_started")
      }
    )

    reconnectRow(
      "an error event before hello → Disconnected(server_error, \"code msg\"), reconnected",
      ({ server, states }) =>
        Effect.gen(function*() {
          yield* server.setHello({ skip: true })
          yield* server.dropSockets
          yield* waitUntil("the second socket", Effect.map(server.connections, (n) => n >= 2))
          yield* waitUntil("the first reconnect", () => reconnectCauses(states).length >= 1)
          yield* server.setHello({})
          yield* server.push({ type: "error", error: { code: 1, msg: "Socket URL has expired" } })
        }),
      (cause, { states }) => {
        expect(cause.reason).toBe("closed")
        expect(reconnectCauses(states)[1]).toMatchObject({ reason: "server_error", detail: "1 Socket URL has expired" })
      }
    )

    it.live("an error event after hello → delivered as an event; the session goes on", () =>
      Effect.gen(function*() {
        const watch = yield* watched()
        yield* watch.server.push({ type: "error", error: { code: 2, msg: "message text is missing" } })
        yield* watch.server.push(message("after the error"))
        yield* waitUntil("the message", () => watch.record.events.some((event) => event.type === "message"))
        expect(watch.record.events).toContainEqual({
          type: "error",
          error: { code: 2, msg: "message text is missing" }
        })
        expect(reconnectCauses(watch.states)).toEqual([])
        expect(yield* watch.server.connections).toBe(1)
        yield* stillWorks(watch)
      }).pipe(Effect.provide(quiet)))
  })

  describe("frames", () => {
    it.live("a binary frame → undecodable(\"binary frame\") with its bytes; the session goes on", () =>
      Effect.gen(function*() {
        const watch = yield* watched()
        yield* watch.server.pushRaw(new Uint8Array([0x7b, 0xff, 0x00, 0x01]))
        yield* waitUntil("the frame", () => watch.record.events.length >= 2)
        const event = watch.record.events[1]
        expect(event).toMatchObject({ type: "undecodable", reason: "binary frame" })
        if (event?.type === "undecodable") expect([...(event.frame as Uint8Array)]).toEqual([0x7b, 0xff, 0x00, 0x01])
        expect(yield* watch.server.connections).toBe(1)
        yield* stillWorks(watch)
      }).pipe(Effect.provide(quiet)))

    it.live("invalid UTF-8 in a text frame → a typed socket_error (ws refuses it) and the session reconnects", () =>
      Effect.gen(function*() {
        const watch = yield* watched()
        yield* watch.server.pushRaw(new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), { asText: true })
        yield* waitUntil("a reconnect", () => connectedCount(watch.states) >= 2)
        expect(reconnectCauses(watch.states)).toContainEqual(expect.objectContaining({
          reason: "socket_error",
          detail: expect.stringMatching(/UTF-8/)
        }))
        yield* stillWorks(watch)
      }).pipe(Effect.provide(quiet)))

    it.live(
      "a 5 MB text frame, under maxFrameBytes 8 MiB and inboundBytes 16 MiB → delivered whole; the session goes on",
      () =>
        Effect.gen(function*() {
          const watch = yield* watched({ inboundBytes: 16 * 1024 * 1024 }, { maxFrameBytes: 8 * 1024 * 1024 })
          const text = "x".repeat(5 * 1024 * 1024)
          yield* watch.server.push(message(text))
          yield* watch.server.pushRaw(
            `{"type":"message","channel":"C1","ts":"2.0","text":"${"y".repeat(5 * 1024 * 1024)}`
          )
          yield* waitUntil("both frames", () => watch.record.events.length >= 3)
          const [, big, cut] = watch.record.events
          expect(big?.type).toBe("message")
          if (big?.type === "message") expect(big.text?.length).toBe(5 * 1024 * 1024)
          expect(cut).toMatchObject({ type: "undecodable" })
          if (cut?.type === "undecodable") expect(cut.reason).toMatch(/^not JSON/)
          expect(yield* watch.server.connections).toBe(1)
          yield* stillWorks(watch)
        }).pipe(Effect.provide(quiet))
    )

    reconnectRow(
      "a frame over maxFrameBytes → ws closes the socket (1009) before buffering it: Disconnected(frame_too_large), reconnected",
      ({ server }) => Effect.asVoid(server.push(message("x".repeat(2_000)))),
      (cause, { record }) => {
        expect(cause).toMatchObject({ reason: "frame_too_large", detail: expect.stringMatching(/maxFrameBytes.*1009/) })
        expect(typesOf(record.events)).not.toContain("message")
      },
      {},
      { maxFrameBytes: 1_000 }
    )

    it.live("a frame nested 10,000 deep in a documented field → undecodable; the session goes on", () =>
      Effect.gen(function*() {
        const watch = yield* watched()
        const nested = "[".repeat(10_000) + "]".repeat(10_000)
        yield* watch.server.pushRaw(`{"type":"message","channel":${nested},"ts":"1.0"}`)
        yield* watch.server.pushRaw(`{"type":"custom_deep","payload":${nested}}`)
        yield* waitUntil("both frames", () => watch.record.events.length >= 3)
        expect(watch.record.events[1]).toMatchObject({ type: "undecodable" })
        expect(watch.record.events[2]).toMatchObject({ type: "unknown", originalType: "custom_deep" })
        expect(yield* watch.server.connections).toBe(1)
        yield* stillWorks(watch)
      }).pipe(Effect.provide(quiet)))

    for (const capacity of [undefined, 1_000]) {
      it.live(
        `10,000 events in one burst to a consumer that reads nothing meanwhile (inboundCapacity ${
          capacity ?? "default 10,000"
        }) → delivered + dropped = 10,000`,
        () =>
          Effect.gen(function*() {
            const { open, server } = yield* setUp
            const session = yield* open({
              pongTimeout: "20 seconds",
              ...(capacity === undefined ? {} : { inboundCapacity: capacity })
            })
            for (let n = 0; n < 10_000; n++) {
              yield* server.push({ type: "message", channel: "C1", ts: `1.${n}`, text: `burst ${n}` })
            }
            // The pong is behind the burst on the wire: once it is back, every burst frame has been handled.
            yield* session.ping()
            const record = yield* recordEvents(session)
            // The drop count is reported with the next event that fits: push sentinels until one is seen.
            let sentinels = 0
            const sentinelSeen = () => record.events.some((event) => event.type === "user_typing")
            yield* Effect.gen(function*() {
              sentinels++
              yield* server.push({ type: "user_typing", channel: "C1", user: "sentinel" })
              yield* Effect.sleep("20 millis")
            }).pipe(Effect.repeat({ until: sentinelSeen, times: 500 }))
            yield* waitUntil("a sentinel", sentinelSeen)
            const delivered = record.events.filter((event) => event.type === "message").length
            const dropped = record.events.reduce(
              (sum, event) => sum + (event.type === "events_dropped" ? event.count : 0),
              0
            )
            const sentinelsDelivered = record.events.filter((event) => event.type === "user_typing").length
            expect(delivered + dropped).toBe(10_000 + (sentinels - sentinelsDelivered))
            expect(dropped).toBeGreaterThan(0)
            expect(record.events[0]?.type).toBe("hello")
            const texts = record.events.flatMap((event) => event.type === "message" ? [event.text] : [])
            expect(texts).toEqual(texts.slice().sort((a, b) => Number(a!.slice(6)) - Number(b!.slice(6))))
            expect(yield* server.connections).toBe(1)
          }).pipe(Effect.provide(quiet))
      )
    }
  })

  describe("acks", () => {
    it.live("an ack for an unknown id → unmatched_reply with the raw ack; the session goes on", () =>
      Effect.gen(function*() {
        const watch = yield* watched()
        yield* watch.server.push({ ok: true, reply_to: 987_654, ts: "1.000002", text: "ghost" })
        yield* waitUntil("the reply", () => watch.record.events.length >= 2)
        expect(watch.record.events[1]).toEqual({
          type: "unmatched_reply",
          reply_to: 987_654,
          raw: { ok: true, reply_to: 987_654, ts: "1.000002", text: "ghost" }
        })
        yield* stillWorks(watch)
      }).pipe(Effect.provide(quiet)))

    it.live("an ack replayed after a reconnect → unmatched_reply; later sends get their own acks", () =>
      Effect.gen(function*() {
        const watch = yield* watched()
        yield* watch.server.setReplayAcks(true)
        const first = yield* watch.session.sendMessage({ channel: "C1", text: "first" })
        const sent = yield* watch.server.awaitReceived((frame) => frame["text"] === "first")
        yield* watch.server.dropSockets
        yield* waitUntil(
          "the replayed ack",
          () => watch.record.events.some((event) => event.type === "unmatched_reply")
        )
        const replayed = watch.record.events.find((event) => event.type === "unmatched_reply")
        expect(replayed).toMatchObject({
          type: "unmatched_reply",
          reply_to: sent["id"],
          raw: { ts: first.ts, text: "first" }
        })
        const second = yield* watch.session.sendMessage({ channel: "C1", text: "second" })
        expect(second.text).toBe("second")
        expect(second.ts).not.toBe(first.ts)
        expect(typesOf(watch.record.events)).toEqual(["hello", "hello", "unmatched_reply"])
      }).pipe(Effect.provide(quiet)))
  })
})
