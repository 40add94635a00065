import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { dump } from "../scripts/harness.js"
import * as RtmSession from "../src/RtmSession.js"
import * as Slack from "../src/Slack.js"
import * as SlackConfig from "../src/SlackConfig.js"
import * as SlackWebApi from "../src/SlackWebApi.js"
import * as FakeSlack from "../src/testing/FakeSlack.js"
import { capturingLogger, recordingTracer, secretToken } from "./helpers.js"

describe("the token never leaks", () => {
  for (
    const [name, requireCookie] of [
      ["a bot token", undefined],
      ["a session token and its cookie", "d=xoxd-NEVERLEAK-77%2Fsecret%3D"]
    ] as const
  ) {
    it.live(`a session through faults logs, traces and measures nothing that holds ${name}`, () =>
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
          const upgrades = yield* server.upgrades
          return { token, rejected, ended, requests, upgrades }
        }).pipe(
          Effect.provide(Layer.merge(
            FakeSlack.layer({ retry: Schedule.recurs(1), ...(requireCookie ? { requireCookie } : {}) }),
            logs.layer
          )),
          Effect.withTracer(tracer)
        )
        expect(outcome.ended._tag).toBe("InvalidAuth")
        expect(outcome.requests.length).toBeGreaterThanOrEqual(3)
        for (const request of outcome.requests) {
          expect(request.headers["authorization"]).toBe(`Bearer ${outcome.token}`)
          expect(request.headers["cookie"]).toBe(requireCookie)
          expect(request.url).not.toContain(outcome.token)
          expect(request.body).not.toContain(outcome.token)
        }
        expect(outcome.upgrades.length).toBeGreaterThanOrEqual(2)
        for (const upgrade of outcome.upgrades) {
          expect(upgrade.headers["cookie"]).toBe(requireCookie)
          expect(upgrade.accepted).toBe(true)
        }
        const metrics = JSON.stringify(
          Metric.snapshotUnsafe(Context.empty()),
          (_key, value) =>
            typeof value === "bigint" ? String(value) : value instanceof Map ? [...value.entries()] : value
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
        if (requireCookie) {
          expect(everything).not.toContain(requireCookie.slice(2))
          expect(everything).not.toContain("NEVERLEAK")
        }
      }))
  }
})

describe("a socket URL that holds the token or the cookie", () => {
  const identity = { team: { id: "T1", name: "Team", domain: "team" }, self: { id: "U1", name: "bot" } }
  for (
    const [name, token, cookie] of [
      ["a token-shaped one", secretToken, undefined],
      ["a configured secret of any shape", "plain-secret-777", undefined],
      ["a session token and an xoxd- cookie", "xoxc-SESSION-1", "d=xoxd-URLCOOKIE%2Fleak%3D"],
      ["a session token and a cookie of any shape", "xoxc-SESSION-2", "d=plain-cookie-secret-888"]
    ] as const
  ) {
    it.effect(`${name} reaches no log line, Disconnected.detail or connect span`, () =>
      Effect.gen(function*() {
        const logs = capturingLogger()
        const { spans, tracer } = recordingTracer()
        const config = SlackConfig.layer({
          token: Redacted.make(token),
          ...(cookie === undefined ? {} : { cookie }),
          apiUrl: "https://slack.test/api/"
        })
        const value = cookie?.slice(2)
        const echoed = value === undefined ? "" : `&cookie=${value}&decoded=${decodeURIComponent(value)}`
        const client = HttpClient.make((request) =>
          Effect.succeed(HttpClientResponse.fromWeb(
            request,
            Response.json({ ok: true, url: `not a url ?token=${token}${echoed}`, ...identity })
          ))
        )
        const layer = Layer.mergeAll(
          SlackWebApi.layer.pipe(
            Layer.provide(Layer.succeed(HttpClient.HttpClient, client)),
            Layer.provideMerge(config)
          ),
          Slack.layerWebSocket,
          logs.layer
        )
        const error = yield* Effect.flip(
          RtmSession.make({ reconnect: Schedule.recurs(0) }).pipe(
            Effect.scoped,
            Effect.provide(layer),
            Effect.withTracer(tracer)
          )
        )
        expect(error).toMatchObject({ _tag: "Disconnected", reason: "socket_error" })
        expect(spans.map((span) => span.name)).toContain("RtmSession.connect")
        const everything = [...logs.lines, dump(spans), dump(error), error.message].join("\n")
        expect(everything).toContain("<redacted>")
        expect(everything).not.toContain(token)
        if (value !== undefined) {
          expect(everything).not.toContain(value)
          expect(everything).not.toContain(value.slice(5, 15))
        }
      }))
  }
})
