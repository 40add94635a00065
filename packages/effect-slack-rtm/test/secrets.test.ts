import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as RtmSession from "../src/RtmSession.js"
import * as FakeSlack from "../src/testing/FakeSlack.js"
import { capturingLogger, recordingTracer } from "./helpers.js"

describe("the token never leaks", () => {
  it.live("a session through faults logs, traces and measures nothing that holds the token", () =>
    Effect.gen(function*() {
      const logs = capturingLogger()
      const { spans, tracer } = recordingTracer()
      const outcome = yield* Effect.gen(function*() {
        const server = yield* FakeSlack.FakeSlack
        const token = Redacted.value(server.token)
        const session = yield* RtmSession.make({
          pingInterval: "50 millis",
          pongTimeout: "50 millis",
          reconnect: Schedule.spaced("10 millis"),
          rateLimit: false
        })
        yield* server.pushRaw("{garbage")
        yield* server.rejectNext(2, "message text is missing")
        const rejected = yield* Effect.flip(session.sendMessage({ channel: "C1", text: "" }))
        yield* server.answerNext("rtm.connect", { status: 502, body: "<html>bad gateway</html>" })
        yield* server.dropSockets
        yield* Effect.sleep("300 millis")
        yield* server.failNext("rtm.connect", "invalid_auth")
        yield* server.dropSockets
        const ended = yield* Effect.flip(Stream.runDrain(session.events))
        const requests = yield* server.requests
        return { token, rejected, ended, requests }
      }).pipe(
        Effect.provide(Layer.merge(FakeSlack.layer({ retry: Schedule.recurs(1) }), logs.layer)),
        Effect.withTracer(tracer)
      )
      expect(outcome.ended._tag).toBe("InvalidAuth")
      expect(outcome.requests.length).toBeGreaterThanOrEqual(3)
      for (const request of outcome.requests) {
        expect(request.headers["authorization"]).toBe(`Bearer ${outcome.token}`)
        expect(request.url).not.toContain(outcome.token)
        expect(request.body).not.toContain(outcome.token)
      }
      const metrics = JSON.stringify(
        Metric.snapshotUnsafe(Context.empty()),
        (_key, value) => typeof value === "bigint" ? String(value) : value instanceof Map ? [...value.entries()] : value
      )
      const traced = JSON.stringify(
        spans.map((span) => [span.name, [...span.attributes.entries()]]),
        (_key, value) => typeof value === "bigint" ? String(value) : value
      )
      expect(logs.lines.length).toBeGreaterThan(3)
      expect(traced).toContain("RtmSession.reconnect")
      expect(metrics).toContain("slack_rtm_reconnects")
      const everything = [
        ...logs.lines,
        traced,
        metrics,
        outcome.ended.message,
        String(outcome.ended),
        JSON.stringify(outcome.ended),
        outcome.rejected.message
      ].join("\n")
      expect(everything).not.toContain(outcome.token)
    }))
})
