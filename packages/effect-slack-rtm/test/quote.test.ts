/**
 * Server text is quoted bounded: every error field and log line that quotes
 * what a server sent holds at most about 200 characters of it, and says how
 * long it was. The data itself (an `undecodable` frame) stays whole.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/testing/TestClock"
import { dump } from "../scripts/harness.js"
import { quote, secretsOf } from "../src/internal/quote.js"
import * as Rtm from "../src/Rtm.js"
import * as RtmSession from "../src/RtmSession.js"
import * as Slack from "../src/Slack.js"
import * as SlackTest from "../src/testing/SlackTest.js"
import { capturingLogger, recordingTracer, scriptedWebApi } from "./helpers.js"

const huge = "x".repeat(2_000_000)
const identity = { team: { id: "T1", name: "Team", domain: "team" }, self: { id: "U1", name: "bot" } }
/** Bounded: at most 200 characters, ending with the length of the whole. */
const isBounded = (text: string) => text.length <= 200 && /…\(\d+ characters\)$/.test(text)
/**
 * Bounded, for a Schema's reason: Effect 4's Schema states what it expected
 * and where, without the value it got, so such a reason is short already
 * and is not cut (Effect 3's quoted the value, and was cut).
 */
const isShort = (text: string) => text.length <= 200 && !/x{300}/.test(text)

describe("quoted server text is bounded", () => {
  it("quote keeps short text and cuts long text to 200 characters, stating the length", () => {
    expect(quote("short")).toBe("short")
    expect(quote("y".repeat(200))).toBe("y".repeat(200))
    const cut = quote(huge)
    expect(cut).toHaveLength(200)
    expect(cut.endsWith("…(2000000 characters)")).toBe(true)
  })

  it("blanks every d cookie-shaped string whole, URL-encoded or not, and every configured secret", () => {
    expect(quote("Cookie: d=xoxd-abc%2Fdef%2Bg%3D%3D; d-s=17")).toBe("Cookie: d=<redacted>; d-s=17")
    expect(quote("d=xoxd-abc/def+g== rest")).toBe("d=<redacted> rest")
    expect(quote("XOXD-ABC%2F and xoxc-123-456")).toBe("<redacted> and <redacted>")
    const secrets = secretsOf("tok-plain-1", "d=cookie%2Fplain%3D; d-s=1700000000")
    expect(secrets).toEqual([
      "d=cookie%2Fplain%3D; d-s=1700000000",
      "cookie%2Fplain%3D",
      "cookie/plain=",
      "tok-plain-1"
    ])
    expect(quote("a tok-plain-1 b cookie%2Fplain%3D c cookie/plain= d", secrets)).toBe(
      "a <redacted> b <redacted> c <redacted> d"
    )
    // The d-s pair is a timestamp, not a secret: it is not blanked everywhere.
    expect(quote("at 1700000000", secrets)).toBe("at 1700000000")
    expect(secretsOf(undefined, "d=%E0%A4%A")).toEqual(["d=%E0%A4%A", "%E0%A4%A"])
    expect(secretsOf("xoxb-1")).toEqual(["xoxb-1"])
  })

  it.effect("undecodable reasons, their WARN lines, server_error details and SendRejected msgs are bounded", () =>
    Effect.gen(function*() {
      const logs = capturingLogger()
      const test = yield* SlackTest.SlackTest
      const session = yield* RtmSession.make({ rateLimit: false }).pipe(Effect.provide(logs.layer))
      const states = yield* Effect.forkChild(session.state.pipe(Stream.take(4), Stream.runCollect))
      const frame = JSON.stringify({ type: "message", channel: [huge], ts: "1.1" })
      yield* (yield* test.socket).pushRaw(frame)
      const [, undecodable] = yield* session.events.pipe(Stream.take(2), Stream.runCollect)
      expect(undecodable?.type).toBe("undecodable")
      if (undecodable?.type === "undecodable") {
        expect(undecodable.frame).toBe(frame)
        expect(isShort(undecodable.reason)).toBe(true)
      }

      yield* test.setAuto({ ack: false })
      const send = yield* Effect.forkChild(Effect.flip(session.sendMessage({ channel: "C1", text: "hi" })))
      const sent = yield* test.awaitSent((f) => f["type"] === "message")
      yield* (yield* test.socket).push({ ok: false, reply_to: sent["id"], error: { code: 2, msg: huge } })
      const rejected = yield* Fiber.join(send)
      expect(rejected._tag).toBe("SendRejected")
      if (rejected._tag === "SendRejected") expect(isBounded(rejected.msg)).toBe(true)

      yield* test.setAuto({ hello: false })
      yield* (yield* test.socket).close(1011)
      yield* TestClock.adjust("1 second")
      yield* (yield* test.socket).push({ type: "error", error: { code: 1, msg: huge } })
      yield* test.setAuto({ hello: true })
      yield* TestClock.adjust("5 seconds")
      const seen = yield* Fiber.join(states)
      const causes = seen.flatMap((state) => state._tag === "Reconnecting" ? [state.cause] : [])
      expect(causes.map((cause) => cause.reason)).toEqual(["closed", "server_error"])
      expect(isBounded(causes[1]!.detail)).toBe(true)
      const warnings = logs.lines.filter((line) => line.includes("level=WARN"))
      expect(warnings.some((line) => line.includes("undecodable frame"))).toBe(true)
      expect(warnings.some((line) => line.includes("server_error"))).toBe(true)
      for (const line of logs.lines) expect(line).not.toMatch(/x{300}/)
    }).pipe(Effect.provide(SlackTest.layer)))

  it.effect("an undocumented code and an ill-shaped success are bounded in the Web API's errors", () =>
    Effect.gen(function*() {
      const { layer } = scriptedWebApi([
        { body: { ok: false, error: huge } },
        { body: { ok: true, url: [huge], ...identity } }
      ], { retry: Schedule.recurs(0) })
      const unknown = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer)))
      expect(unknown._tag).toBe("UnknownSlackError")
      if (unknown._tag === "UnknownSlackError") expect(isBounded(unknown.code)).toBe(true)
      const malformed = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer)))
      expect(malformed._tag).toBe("MalformedResponse")
      if (malformed._tag === "MalformedResponse") expect(isShort(malformed.reason)).toBe(true)
    }))

  it.effect("an invalid socket URL is bounded in the error, the log lines and the spans", () =>
    Effect.gen(function*() {
      const logs = capturingLogger()
      const { spans, tracer } = recordingTracer()
      const { layer } = scriptedWebApi([{ body: { ok: true, url: `not a url ${huge}`, ...identity } }])
      const error = yield* Effect.flip(
        RtmSession.make({ reconnect: Schedule.recurs(0) }).pipe(
          Effect.scoped,
          Effect.provide(Layer.mergeAll(layer, Slack.layerWebSocket, logs.layer)),
          Effect.withTracer(tracer)
        )
      )
      expect(error).toMatchObject({ _tag: "Disconnected", reason: "socket_error" })
      if (error._tag === "Disconnected") expect(isBounded(error.detail)).toBe(true)
      expect(logs.lines.length).toBeGreaterThan(0)
      expect(spans.map((span) => span.name)).toContain("RtmSession.connect")
      for (const text of [...logs.lines, dump(spans), dump(error)]) expect(text).not.toMatch(/x{300}/)
    }))
})
