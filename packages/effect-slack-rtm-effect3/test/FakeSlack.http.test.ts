import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, Schedule } from "effect"
import * as Rtm from "../src/Rtm.js"
import * as Slack from "../src/Slack.js"
import * as FakeSlack from "../src/testing/FakeSlack.js"

const fake = FakeSlack.layer({ retry: Schedule.spaced("10 millis").pipe(Schedule.intersect(Schedule.recurs(3))) })

describe("Web API over fetch against FakeSlack on 127.0.0.1", () => {
  it.live("rtm.connect succeeds with the fake's identity and a ws URL", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      const result = yield* Rtm.connect({ presence_sub: true })
      expect(result.url).toBe(`${server.url.replace("http", "ws")}/rtm`)
      expect(result.self).toEqual(FakeSlack.identity.self)
      const [request] = yield* server.requests
      expect(request?.method).toBe("rtm.connect")
      expect(request?.body).toBe("presence_sub=true")
      expect(request?.headers["authorization"]).toBe(`Bearer ${Redacted.value(server.token)}`)
    }).pipe(Effect.provide(fake)))

  it.live("a 429 with Retry-After: 1 is waited out, then succeeds", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      yield* server.answerNext("rtm.connect", { status: 429, headers: { "retry-after": "1" }, body: "" })
      const started = Date.now()
      const result = yield* Rtm.connect()
      expect(Date.now() - started).toBeGreaterThanOrEqual(990)
      expect(result.team.id).toBe(FakeSlack.identity.team.id)
      expect(yield* server.requests).toHaveLength(2)
    }).pipe(Effect.provide(fake)))

  it.live("an HTML 502 page is a typed HttpStatusError after the retries", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      yield* server.answerNext("*", ...Array(4).fill({ status: 502, body: "<html><h1>502 Bad Gateway</h1></html>" }))
      const error = yield* Effect.flip(Rtm.connect())
      expect(error).toMatchObject({ _tag: "HttpStatusError", status: 502 })
      if (error._tag === "HttpStatusError") expect(error.body).toContain("Bad Gateway")
      expect(yield* server.requests).toHaveLength(4)
    }).pipe(Effect.provide(fake)))

  it.live("malformed JSON is a typed MalformedResponse, not retried", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      yield* server.answerNext("rtm.connect", { body: "{\"ok\":true,\"url\":" })
      const error = yield* Effect.flip(Rtm.connect())
      expect(error._tag).toBe("MalformedResponse")
      expect(yield* server.requests).toHaveLength(1)
    }).pipe(Effect.provide(fake)))

  it.live("a wrong token is InvalidAuth, answered once", () =>
    Effect.gen(function*() {
      const server = yield* FakeSlack.FakeSlack
      const error = yield* Effect.flip(
        Rtm.connect().pipe(Effect.provide(Slack.layer({ token: Redacted.make("xoxb-wrong"), apiUrl: server.apiUrl })))
      )
      expect(error._tag).toBe("InvalidAuth")
      expect(yield* server.requests).toHaveLength(1)
    }).pipe(Effect.provide(fake)))

  it.live("a refused connection is a typed NetworkError", () =>
    Effect.gen(function*() {
      const closed = yield* Effect.scoped(Effect.map(FakeSlack.make(), (server) => server.apiUrl))
      const error = yield* Effect.flip(
        Rtm.connect().pipe(Effect.provide(Slack.layer({
          token: Redacted.make("xoxb-any"),
          apiUrl: closed,
          retry: Schedule.stop
        })))
      )
      expect(error._tag).toBe("NetworkError")
      expect(error.message).toMatch(/ECONNREFUSED/)
    }))
})

describe("README example", () => {
  it.live("a revoked token is reported", () =>
    Effect.gen(function*() {
      const fake = yield* FakeSlack.FakeSlack
      yield* fake.failNext("rtm.connect", "token_revoked")
      const error = yield* Effect.flip(Rtm.connect())
      expect(error._tag).toBe("TokenRevoked")
    }).pipe(Effect.provide(FakeSlack.layer())))
})
