/**
 * Fault matrix, Web API side: what `rtm.connect` answers while a session
 * connects or reconnects. Each test is one row of the table in
 * RELIABILITY.md. Everything runs against FakeSlack on 127.0.0.1.
 *
 * A row checks up to three things with the same scripted fault:
 * 1. one attempt (`retry: Schedule.stop`) fails with the exact typed error;
 * 2. a session's first connect recovers from it, or fails with it;
 * 3. a session's reconnect reports it as the cause of `Reconnecting` and
 *    recovers, or ends the session with it.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Context, Duration, Effect, Fiber, Layer, Logger, LogLevel, Schedule } from "effect"
import {
  connectedCount,
  reconnectCauses,
  recordEvents,
  recordStates,
  relaxedOptions,
  waitUntil
} from "../../scripts/harness.js"
import { isRecoverable } from "../../src/internal/reconnect.js"
import * as Rtm from "../../src/Rtm.js"
import * as RtmSession from "../../src/RtmSession.js"
import * as Slack from "../../src/Slack.js"
import type { SlackWebApiError } from "../../src/SlackError.js"
import { fromCode, pascalCase, rtmConnectErrorCodes } from "../../src/SlackError.js"
import * as FakeSlack from "../../src/testing/FakeSlack.js"

const quiet = Logger.minimumLogLevel(LogLevel.None)

/** A fake Slack and, built once for the test's scope, the Node layers pointed at it. */
const setUp = (
  options: {
    readonly retry?: Schedule.Schedule<unknown, SlackWebApiError>
    readonly timeout?: Duration.DurationInput
  } = {}
) =>
  Effect.gen(function*() {
    const server = yield* FakeSlack.make()
    const context = yield* Layer.build(Slack.layer({
      ...server.options,
      retry: options.retry ?? Schedule.stop,
      timeout: options.timeout ?? "5 seconds"
    }))
    const connectRequests = Effect.map(server.requests, (all) => all.filter((r) => r.method === "rtm.connect").length)
    return { server, context, connectRequests }
  })

/** One attempt, no retry: the typed error. */
const oneAttempt = (context: Context.Context<Slack.Services>) =>
  Effect.flip(Rtm.connect().pipe(Effect.provide(context)))

type Expectation = (error: SlackWebApiError) => void

/**
 * A transient or recoverable fault: typed error on one attempt, and a
 * session that gets through it on its first connect and on a reconnect.
 */
const recoverableRow = (
  name: string,
  answers: ReadonlyArray<FakeSlack.HttpAnswer>,
  expectError: Expectation,
  timeout: Duration.DurationInput = "5 seconds"
) =>
  it.scopedLive(name, () =>
    Effect.gen(function*() {
      const { connectRequests, context, server } = yield* setUp({ timeout })
      // 1. one attempt per scripted answer
      for (const answer of answers) {
        yield* server.answerNext("rtm.connect", answer)
        const error = yield* oneAttempt(context)
        expectError(error)
        expect(isRecoverable(error)).toBe(true)
      }
      // 2. the first connect of a session gets through
      yield* server.answerNext("rtm.connect", ...answers)
      const before = yield* connectRequests
      const session = yield* RtmSession.make(relaxedOptions).pipe(Effect.provide(context))
      expect((yield* connectRequests) - before).toBe(answers.length + 1)
      // 3. a reconnect reports it, then gets through
      const states = yield* recordStates(session)
      yield* server.answerNext("rtm.connect", ...answers)
      yield* server.dropSockets
      yield* waitUntil("connected again", () => connectedCount(states) >= 2)
      const causes = reconnectCauses(states)
      expect(causes[0]).toMatchObject({ _tag: "Disconnected", reason: "closed" })
      expect(causes.slice(1)).toHaveLength(answers.length)
      for (const cause of causes.slice(1)) {
        expect(cause.reason).toBe("connect_failed")
        expectError(cause.error!)
      }
    }).pipe(Effect.provide(quiet)))

/**
 * A permanent fault: typed error after exactly one request, the first
 * connect fails with it, and on a reconnect it ends the session with no
 * further request.
 */
const permanentRow = (
  name: string,
  answer: FakeSlack.HttpAnswer,
  expectError: Expectation,
  overrides: RtmSession.Options = {}
) =>
  it.scopedLive(name, () =>
    Effect.gen(function*() {
      const { context, server } = yield* setUp({
        retry: Schedule.spaced("5 millis").pipe(Schedule.intersect(Schedule.recurs(3)))
      })
      const method = overrides.method ?? "rtm.connect"
      const requests = Effect.map(server.requests, (all) => all.filter((r) => r.method === method).length)
      const settings = { ...relaxedOptions, ...overrides }
      // 1. one attempt, even with a retry policy in place
      yield* server.answerNext(method, answer)
      const error = yield* Effect.flip(
        (method === "rtm.start" ? Rtm.start() : Rtm.connect()).pipe(Effect.provide(context))
      )
      expectError(error)
      expect(isRecoverable(error)).toBe(false)
      expect(yield* requests).toBe(1)
      // 2. the first connect fails with it, after one request
      yield* server.answerNext(method, answer)
      const failed = yield* Effect.flip(RtmSession.make(settings).pipe(Effect.provide(context)))
      expectError(failed as SlackWebApiError)
      expect(yield* requests).toBe(2)
      // 3. on a reconnect it ends the session, and nothing loops
      const session = yield* RtmSession.make(settings).pipe(Effect.provide(context))
      const events = yield* recordEvents(session)
      const states = yield* recordStates(session)
      yield* server.answerNext(method, answer)
      yield* server.dropSockets
      yield* waitUntil("the session ends", () => events.ended !== undefined)
      expectError(events.ended!.error as SlackWebApiError)
      expect(states.at(-1)?._tag).toBe("Closed")
      yield* Effect.sleep("100 millis") // five reconnect periods: a loop would show
      expect(yield* requests).toBe(4)
      const send = yield* Effect.flip(session.sendMessage({ channel: "C1", text: "after the end" }))
      expect(send._tag).toBe("SessionClosed")
    }).pipe(Effect.provide(quiet)))

const slackError = (code: string): FakeSlack.HttpAnswer => ({ body: { ok: false, error: code } })

describe.concurrent("fault matrix: the Web API during connect and reconnect", () => {
  describe("transient Slack codes", () => {
    recoverableRow(
      "internal_error → InternalError, retried",
      [slackError("internal_error")],
      (error) => expect(error).toMatchObject({ _tag: "InternalError", code: "internal_error" })
    )
    recoverableRow(
      "service_unavailable → ServiceUnavailable, retried",
      [slackError("service_unavailable")],
      (error) => expect(error).toMatchObject({ _tag: "ServiceUnavailable", code: "service_unavailable" })
    )
    recoverableRow("{ ok: false, error: ratelimited } → Ratelimited (retryAfter 0), retried", [
      slackError("ratelimited")
    ], (error) => {
      expect(error._tag).toBe("Ratelimited")
      if (error._tag === "Ratelimited") expect(Duration.toMillis(error.retryAfter)).toBe(0)
    })
  })

  describe("HTTP status", () => {
    recoverableRow(
      "429 without Retry-After → Ratelimited (retryAfter 0), retried",
      [{ status: 429, body: "" }],
      (error) => {
        expect(error._tag).toBe("Ratelimited")
        if (error._tag === "Ratelimited") expect(Duration.toMillis(error.retryAfter)).toBe(0)
      }
    )

    it.scopedLive("429 with Retry-After: 1 → Ratelimited (retryAfter 1 s); the reconnect waits it out", () =>
      Effect.gen(function*() {
        const { context, server } = yield* setUp()
        const answer = { status: 429, headers: { "retry-after": "1" }, body: "" }
        yield* server.answerNext("rtm.connect", answer)
        const error = yield* oneAttempt(context)
        expect(error._tag).toBe("Ratelimited")
        if (error._tag === "Ratelimited") expect(Duration.toMillis(error.retryAfter)).toBe(1_000)
        const session = yield* RtmSession.make(relaxedOptions).pipe(Effect.provide(context))
        const states = yield* recordStates(session)
        yield* server.answerNext("rtm.connect", answer)
        // the 429 is answered after the drop, and its second is waited out from then on
        const droppedAt = Date.now()
        yield* server.dropSockets
        yield* waitUntil("connected again", () => connectedCount(states) >= 2)
        expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(980)
        expect(reconnectCauses(states)[1]?.error?._tag).toBe("Ratelimited")
      }).pipe(Effect.provide(quiet)))

    it.scopedLive("429 with an HTTP-date Retry-After → Ratelimited (retryAfter until that date); waited out", () =>
      Effect.gen(function*() {
        const { context, server } = yield* setUp()
        const inTwoSeconds = () => ({
          status: 429,
          headers: { "retry-after": new Date(Date.now() + 2_000).toUTCString() },
          body: ""
        })
        yield* server.answerNext("rtm.connect", inTwoSeconds())
        const error = yield* oneAttempt(context)
        expect(error._tag).toBe("Ratelimited")
        if (error._tag === "Ratelimited") {
          expect(Duration.toMillis(error.retryAfter)).toBeGreaterThan(0)
          expect(Duration.toMillis(error.retryAfter)).toBeLessThanOrEqual(2_000)
        }
        const session = yield* RtmSession.make(relaxedOptions).pipe(Effect.provide(context))
        const states = yield* recordStates(session)
        yield* server.answerNext("rtm.connect", inTwoSeconds())
        // the 429 is answered after the drop, and the date is waited for from then on
        const droppedAt = Date.now()
        yield* server.dropSockets
        yield* waitUntil("connected again", () => connectedCount(states) >= 2)
        const cause = reconnectCauses(states)[1]
        expect(cause?.error?._tag).toBe("Ratelimited")
        const asked = cause?.error?._tag === "Ratelimited" ? Duration.toMillis(cause.error.retryAfter) : 0
        expect(asked).toBeGreaterThan(0)
        expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(asked - 20)
      }).pipe(Effect.provide(quiet)))

    recoverableRow(
      "500 → HttpStatusError 500, retried",
      [{ status: 500, body: "oops" }],
      (error) => expect(error).toMatchObject({ _tag: "HttpStatusError", status: 500, body: "oops" })
    )
    recoverableRow(
      "502 with an HTML body → HttpStatusError 502 (body kept, 200 chars at most), retried",
      [{ status: 502, body: `<html><h1>502 Bad Gateway</h1>${"<p>padding</p>".repeat(50)}</html>` }],
      (error) => {
        expect(error).toMatchObject({ _tag: "HttpStatusError", status: 502 })
        if (error._tag === "HttpStatusError") {
          expect(error.body).toContain("Bad Gateway")
          expect(error.body.length).toBeLessThanOrEqual(201)
        }
      }
    )
    recoverableRow(
      "503 → HttpStatusError 503, retried",
      [{ status: 503, body: "" }],
      (error) => expect(error).toMatchObject({ _tag: "HttpStatusError", status: 503 })
    )
    recoverableRow("three faults in a row (500, 429, 503) → each reported, then connected", [
      { status: 500, body: "" },
      { status: 429, body: "" },
      { status: 503, body: "" }
    ], (error) => expect(["HttpStatusError", "Ratelimited"]).toContain(error._tag))

    permanentRow(
      "400 → HttpStatusError 400, ends the session",
      { status: 400, body: "bad request" },
      (error) => expect(error).toMatchObject({ _tag: "HttpStatusError", status: 400 })
    )
    permanentRow(
      "404 → HttpStatusError 404, ends the session",
      { status: 404, body: "<html>not found</html>" },
      (error) => expect(error).toMatchObject({ _tag: "HttpStatusError", status: 404 })
    )
  })

  describe("the connection", () => {
    it.scopedLive("connection refused, then accepted → NetworkError (ECONNREFUSED), retried until the server is up", () =>
      Effect.gen(function*() {
        const { port, token } = yield* Effect.scoped(Effect.map(FakeSlack.make(), (server) => ({
          port: Number(new URL(server.url).port),
          token: server.token
        })))
        const context = yield* Layer.build(Slack.layer({
          token,
          apiUrl: `http://127.0.0.1:${port}/api/`,
          retry: Schedule.stop
        }))
        const error = yield* oneAttempt(context)
        expect(error._tag).toBe("NetworkError")
        expect(error.message).toMatch(/ECONNREFUSED/)
        expect(isRecoverable(error)).toBe(true)
        const opening = yield* Effect.fork(RtmSession.make(relaxedOptions).pipe(Effect.provide(context)))
        yield* Effect.sleep("150 millis")
        const server = yield* FakeSlack.make({ port })
        const session = yield* Fiber.join(opening)
        expect(yield* server.connections).toBe(1)
        const ack = yield* session.sendMessage({ channel: "C1", text: "late but fine" })
        expect(ack.text).toBe("late but fine")
      }).pipe(Effect.provide(quiet)))

    recoverableRow(
      "the connection is destroyed before an answer → NetworkError, retried",
      [{ destroy: true }],
      (error) => expect(error._tag).toBe("NetworkError")
    )

    recoverableRow(
      "an answer slower than the timeout → AttemptTimeout, retried",
      [{ delayMillis: 4_000 }],
      (error) => {
        expect(error._tag).toBe("AttemptTimeout")
        if (error._tag === "AttemptTimeout") expect(Duration.toMillis(error.timeout)).toBe(1_000)
      },
      "1 second"
    )
  })

  describe("the body", () => {
    recoverableRow(
      "a body cut short by the server (Content-Length 100, 11 bytes, close) → NetworkError, retried",
      [{ body: "{\"ok\":true,", headers: { "content-length": "100", connection: "close" } }],
      (error) =>
        expect(error).toMatchObject({ _tag: "NetworkError", reason: expect.stringMatching(/reading the body failed/) })
    )
    recoverableRow(
      "a body that claims gzip but is not → NetworkError, retried",
      [{ body: { ok: false, error: "invalid_auth" }, headers: { "content-encoding": "gzip" } }],
      (error) =>
        expect(error).toMatchObject({ _tag: "NetworkError", reason: expect.stringMatching(/reading the body failed/) })
    )
    recoverableRow("a truncated JSON body → MalformedResponse (not JSON), reconnected", [{
      body: "{\"ok\":true,\"url\":\"ws"
    }], (error) => expect(error).toMatchObject({ _tag: "MalformedResponse", reason: "the body is not JSON" }))
    recoverableRow(
      "an empty body → MalformedResponse (empty), reconnected",
      [{ body: "" }],
      (error) => expect(error).toMatchObject({ _tag: "MalformedResponse", reason: "the body is empty" })
    )
    recoverableRow(
      "a `null` body → MalformedResponse (no boolean ok), reconnected",
      [{ body: "null" }],
      (error) =>
        expect(error).toMatchObject({
          _tag: "MalformedResponse",
          reason: "the body is not an object with a boolean `ok`"
        })
    )
    recoverableRow("ok: true without url → MalformedResponse (shape), reconnected", [{
      body: { ok: true, team: {}, self: {} }
    }], (error) => expect(error).toMatchObject({ _tag: "MalformedResponse" }))
    recoverableRow(
      "ok: false without error → MalformedResponse, reconnected",
      [{ body: { ok: false } }],
      (error) =>
        expect(error).toMatchObject({ _tag: "MalformedResponse", reason: "`ok` is false but `error` is not a string" })
    )
    recoverableRow("an HTML page with status 200 → MalformedResponse, reconnected", [{
      body: "<html>maintenance</html>"
    }], (error) => expect(error).toMatchObject({ _tag: "MalformedResponse", reason: "the body is not JSON" }))

    recoverableRow(
      "a success whose team is nested 5,000 deep → MalformedResponse, reconnected (no stack-overflow defect)",
      [{
        body: `{"ok":true,"url":"ws://127.0.0.1:1/rtm","team":${"[".repeat(5_000)}${
          "]".repeat(5_000)
        },"self":{"id":"U1","name":"b"}}`
      }],
      (error) => expect(error).toMatchObject({ _tag: "MalformedResponse" })
    )

    it.scopedLive("a success whose url the WebSocket refuses → Disconnected(socket_error, \"open error: Invalid URL …\"), reconnected", () =>
      Effect.gen(function*() {
        const { context, server } = yield* setUp()
        const refused = { body: { ok: true, url: "not a url", ...FakeSlack.identity } }
        yield* server.answerNext("rtm.connect", refused)
        const session = yield* RtmSession.make(relaxedOptions).pipe(Effect.provide(context))
        expect((yield* server.requests).length).toBe(2)
        const states = yield* recordStates(session)
        yield* server.answerNext("rtm.connect", refused)
        yield* server.dropSockets
        yield* waitUntil("connected again", () => connectedCount(states) >= 2)
        expect(reconnectCauses(states)[1]).toMatchObject({
          reason: "socket_error",
          detail: expect.stringMatching(/^open error: Invalid URL/)
        })
        expect((yield* session.sendMessage({ channel: "C1", text: "ok" })).text).toBe("ok")
      }).pipe(Effect.provide(quiet)))

    it.scopedLive("a wrong content type on a good JSON body → accepted (the body decides)", () =>
      Effect.gen(function*() {
        const { context, server } = yield* setUp()
        const good = { ok: true, url: `${server.url.replace("http", "ws")}/rtm`, ...FakeSlack.identity }
        for (const type of ["text/html", "text/plain; charset=iso-8859-1", "application/octet-stream"]) {
          yield* server.answerNext("rtm.connect", { body: JSON.stringify(good), headers: { "content-type": type } })
          const result = yield* Rtm.connect().pipe(Effect.provide(context))
          expect(result.self).toEqual(FakeSlack.identity.self)
        }
        yield* server.answerNext("rtm.connect", {
          body: JSON.stringify(good),
          headers: { "content-type": "text/html" }
        })
        const session = yield* RtmSession.make(relaxedOptions).pipe(Effect.provide(context))
        expect((yield* session.sendMessage({ channel: "C1", text: "ok" })).text).toBe("ok")
      }).pipe(Effect.provide(quiet)))
  })

  describe("Slack codes a later rtm.connect may not repeat (not retried by the Web API client, reconnected by the session)", () => {
    for (
      const code of [
        "fatal_error",
        "migration_in_progress",
        "team_added_to_org",
        "org_login_required",
        "request_timeout"
      ]
    ) {
      recoverableRow(
        `${code} → ${pascalCase(code)}, reconnected`,
        [slackError(code)],
        (error) => expect(error).toMatchObject({ _tag: pascalCase(code), code, method: "rtm.connect" })
      )
    }
  })

  describe("permanent codes end the session after one request", () => {
    const recoverable = [
      "internal_error",
      "service_unavailable",
      "ratelimited",
      "fatal_error",
      "migration_in_progress",
      "team_added_to_org",
      "org_login_required",
      "request_timeout"
    ]
    const permanent = rtmConnectErrorCodes.filter((code) => !isRecoverable(fromCode("rtm.connect", code)))
    it("the permanent codes are every documented rtm.connect code but the 8 recoverable ones (23)", () => {
      expect(rtmConnectErrorCodes.filter((code) => !permanent.includes(code)).sort()).toEqual(recoverable.sort())
      expect(permanent).toHaveLength(23)
    })
    for (const code of permanent) {
      permanentRow(
        `${code} → ${pascalCase(code)}; the session ends`,
        slackError(code),
        (error) => expect(error).toMatchObject({ _tag: pascalCase(code), code, method: "rtm.connect" })
      )
    }
    permanentRow(
      "an undocumented code → UnknownSlackError; the session ends",
      slackError("some_new_code"),
      (error) => expect(error).toMatchObject({ _tag: "UnknownSlackError", code: "some_new_code" })
    )
    permanentRow(
      "rtm_connect_required from rtm.start → RtmConnectRequired; the session ends",
      slackError("rtm_connect_required"),
      (error) => expect(error).toMatchObject({ _tag: "RtmConnectRequired", method: "rtm.start" }),
      { method: "rtm.start" }
    )
  })
})
