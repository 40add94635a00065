/**
 * The token and the cookie across the fault matrix: one session, with a
 * recognisable session token and `d` cookie, goes through every kind of
 * fault of the matrix (Web API and socket), then ends with a permanent
 * error. Every log line at every level (with its cause), every span
 * (attributes, events and exit), every typed error (message, `String`,
 * JSON, `Cause.pretty`), every state, every event, every metric and every
 * frame the client wrote are captured; neither secret may appear in any of
 * them. Each must appear where it belongs: the token in the Authorization
 * header of every request, the cookie in the Cookie header of every
 * request and of every WebSocket upgrade (the fake refuses an upgrade
 * without it).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import {
  capturingLogger,
  connectedCount,
  dump,
  fastOptions,
  reconnectCauses,
  recordEvents,
  recordingTracer,
  recordStates,
  waitUntil
} from "../../scripts/harness.js"
import * as Rtm from "../../src/Rtm.js"
import * as RtmSession from "../../src/RtmSession.js"
import * as Slack from "../../src/Slack.js"
import * as FakeSlack from "../../src/testing/FakeSlack.js"

/** Recognisable, and not the fake's own token: the fake is told to accept it below. */
const token = "xoxc-LEAKCHECK-31337-do-not-print"
/** Recognisable, URL-encoded as a browser's is; the fake requires it on every upgrade. */
const cookie = "d=xoxd-LEAKCOOKIE-4242%2Fdo%2Bnot%2Bprint%3D%3D"
const cookieValue = cookie.slice(2)

describe("the token and the cookie across the fault matrix", () => {
  it.live(
    "appear in no log, span, error, state, event, metric or frame; only in the Authorization and Cookie headers",
    () =>
      Effect.gen(function*() {
        const logs = capturingLogger()
        const { spans, tracer } = recordingTracer()
        const errors: Array<unknown> = []
        const server = yield* FakeSlack.make({ requireCookie: cookie })
        const welcome = { body: { ok: true, url: `${server.url.replace("http", "ws")}/rtm`, ...FakeSlack.identity } }
        // The fake knows only its own token: answer every other call with a success explicitly.
        yield* server.answerNext("*", ...Array<FakeSlack.HttpAnswer>(500).fill(welcome))
        const context = yield* Layer.build(Slack.layer({
          token: Redacted.make(token),
          cookie: Redacted.make(cookie),
          apiUrl: server.apiUrl,
          retry: Schedule.max([Schedule.spaced("5 millis"), Schedule.recurs(1)]),
          timeout: "1 second"
        }))

        const run = Effect.gen(function*() {
          // one-attempt typed errors of the Web API rows
          const once = yield* Layer.build(Slack.layer({
            token: Redacted.make(token),
            cookie: cookieValue,
            apiUrl: server.apiUrl,
            retry: Schedule.recurs(0),
            timeout: "300 millis"
          }))
          const webFaults: ReadonlyArray<FakeSlack.HttpAnswer> = [
            { body: { ok: false, error: "internal_error" } },
            { body: { ok: false, error: "invalid_auth" } },
            { body: { ok: false, error: "brand_new_code" } },
            { status: 429, headers: { "retry-after": "1" }, body: "" },
            { status: 502, body: "<html>502 Bad Gateway</html>" },
            { status: 404, body: "not found" },
            { body: "{\"ok\":true,\"url\":" },
            { body: "" },
            { body: "null" },
            { body: { ok: true, url: 42 } },
            { destroy: true },
            { delayMillis: 1_000 },
            // a server that echoes the secrets back, as they were sent and decoded
            { status: 502, body: `<html>you sent Cookie: ${cookie}; Authorization: Bearer ${token}</html>` },
            { status: 400, body: `cookie ${decodeURIComponent(cookieValue)}` },
            { body: { ok: false, error: `bad_cookie ${cookie} ${token}` } }
          ]
          for (const answer of webFaults) {
            yield* server.answerNext("rtm.connect", answer)
            errors.push(yield* Effect.flip(Rtm.connect().pipe(Effect.provide(once))))
          }
          yield* server.answerNext("rtm.start", { body: { ok: false, error: "rtm_connect_required" } })
          errors.push(yield* Effect.flip(Rtm.start().pipe(Effect.provide(once))))

          // one session through the socket and reconnect rows
          const session = yield* RtmSession.make({
            ...fastOptions,
            helloTimeout: "1 second",
            pingInterval: "150 millis",
            pongTimeout: "150 millis",
            ackTimeout: "300 millis"
          }).pipe(Effect.provide(context))
          const states = yield* recordStates(session)
          const record = yield* recordEvents(session)
          const fault = <E>(name: string, inject: Effect.Effect<unknown, E>) =>
            Effect.gen(function*() {
              const before = connectedCount(states)
              yield* inject
              yield* waitUntil(`connected again after ${name}`, () => connectedCount(states) > before)
            })
          yield* fault("close 1011", server.closeSockets(1011, "server error"))
          yield* fault("drop", server.dropSockets)
          yield* fault("reset", server.resetSockets)
          yield* fault("goodbye", server.goodbye)
          yield* fault("team migration", server.push({ type: "team_migration_started" }))
          yield* fault(
            "HTTP 500 then 503 on reconnect",
            Effect.andThen(
              server.answerNext("rtm.connect", { status: 500, body: "" }, { status: 503, body: "" }),
              server.dropSockets
            )
          )
          yield* fault(
            "a malformed answer on reconnect",
            Effect.andThen(server.answerNext("rtm.connect", { body: "<html>maintenance</html>" }), server.dropSockets)
          )
          yield* fault(
            "a socket URL the WebSocket refuses",
            Effect.andThen(
              server.answerNext("rtm.connect", {
                body: {
                  ok: true,
                  url: `not a url ?${cookie}&c=${decodeURIComponent(cookieValue)}`,
                  ...FakeSlack.identity
                }
              }),
              server.dropSockets
            )
          )
          yield* fault(
            "no hello",
            Effect.gen(function*() {
              yield* server.setHello({ skip: true })
              const before = reconnectCauses(states).length
              yield* server.dropSockets
              yield* waitUntil("a hello timeout", () => reconnectCauses(states).length >= before + 2)
              yield* server.setHello({})
            })
          )
          yield* server.pushRaw("{garbage")
          yield* server.pushRaw(new Uint8Array([0xff, 0x00]))
          yield* server.push({ type: "message", channel: 42, ts: "1.0" })
          yield* server.push({ ok: true, reply_to: 424_242, ts: "1.0" })
          yield* server.push({ type: "error", error: { code: 1, msg: "an error event" } })
          yield* server.rejectNext(2, "message text is missing")
          errors.push(yield* Effect.flip(session.sendMessage({ channel: "C1", text: "" })))
          errors.push(yield* Effect.flip(session.sendMessage({ channel: "C1", text: "x".repeat(4_001) })))
          errors.push(yield* Effect.flip(session.send({ type: "custom", blob: "y".repeat(20_000) })))
          yield* fault(
            "silence: an ack timeout, then a pong timeout",
            Effect.gen(function*() {
              yield* server.setSilent(true)
              errors.push(yield* Effect.flip(session.sendMessage({ channel: "C1", text: "into the void" })))
              yield* waitUntil(
                "a pong timeout",
                () => reconnectCauses(states).some((cause) => cause.reason === "pong_timeout")
              )
              yield* server.setSilent(false)
            })
          )
          expect((yield* session.sendMessage({ channel: "C1", text: "fine" })).text).toBe("fine")
          // the end: a permanent error
          yield* server.failNext("rtm.connect", "invalid_auth")
          yield* server.dropSockets
          yield* waitUntil("the end", () => record.ended !== undefined)
          errors.push(record.ended?.error)
          errors.push(yield* Effect.flip(session.sendMessage({ channel: "C1", text: "after the end" })))
          errors.push(...reconnectCauses(states))
          return { states, events: record.events }
        })

        const { events, states } = yield* run.pipe(Effect.provide(logs.layer), Effect.withTracer(tracer))
        const requests = yield* server.requests
        const upgrades = yield* server.upgrades
        const frames = yield* server.received

        // the token and the cookie went where they belong, on every request and every upgrade
        expect(requests.length).toBeGreaterThan(20)
        for (const request of requests) {
          expect(request.headers["authorization"]).toBe(`Bearer ${token}`)
          expect(request.headers["cookie"]).toBe(cookie)
        }
        expect(upgrades.length).toBeGreaterThan(10)
        for (const upgrade of upgrades) {
          expect(upgrade).toMatchObject({ accepted: true, headers: { cookie } })
          expect(upgrade.headers["authorization"]).toBeUndefined()
        }
        // what was captured is not empty: the check below is not vacuous
        const reasons = new Set(reconnectCauses(states).map((cause) => cause.reason))
        for (
          const reason of [
            "closed",
            "goodbye",
            "team_migration",
            "connect_failed",
            "socket_error",
            "hello_timeout",
            "pong_timeout"
          ]
        ) {
          expect(reasons).toContain(reason)
        }
        const tags = errors.map((error) => (error as { _tag?: string })._tag)
        for (
          const tag of [
            "InternalError",
            "InvalidAuth",
            "UnknownSlackError",
            "Ratelimited",
            "HttpStatusError",
            "MalformedResponse",
            "NetworkError",
            "AttemptTimeout",
            "RtmConnectRequired",
            "SendRejected",
            "MessageTooLong",
            "FrameTooLarge",
            "SessionClosed",
            "Disconnected"
          ]
        ) {
          expect(tags).toContain(tag)
        }
        expect(tags.some((tag) => tag === "AckTimeout" || tag === "DeliveryUnknown")).toBe(true)
        expect(spans.map((span) => span.name)).toEqual(
          expect.arrayContaining(["rtm.connect", "rtm.start", "RtmSession.connect", "RtmSession.reconnect"])
        )
        expect(logs.entries.length).toBeGreaterThan(30)
        expect(events.map((event) => event.type)).toEqual(
          expect.arrayContaining(["undecodable", "unmatched_reply", "error"])
        )

        const captured = [
          ...logs.entries.map((entry) => `${entry.level} ${entry.message}\n${entry.cause ?? ""}`),
          ...spans.map((span) =>
            dump({ name: span.name, attributes: span.attributes, events: span.events, exit: span.exit })
          ),
          ...errors.flatMap((error) => [
            String(error),
            (error as Error | undefined)?.message ?? "",
            dump(error),
            Cause.pretty(Cause.fail(error))
          ]),
          dump(states),
          dump(events),
          dump(Metric.snapshotUnsafe(Context.empty())),
          dump(frames),
          ...requests.map((request) => `${request.url}\n${request.body}`)
        ].join("\n")
        expect(captured.length).toBeGreaterThan(10_000)
        expect(captured).not.toContain(token)
        expect(captured).not.toContain(token.slice(5)) // nor the token without its prefix
        expect(captured).not.toContain(cookieValue)
        expect(captured).not.toContain(decodeURIComponent(cookieValue))
        // nor any part of it: a token's pattern would blank only up to the first %, leaving the rest
        for (const part of ["LEAKCOOKIE", "do%2Bnot%2Bprint", "do+not+print"]) expect(captured).not.toContain(part)
      }),
    30_000
  )
})
