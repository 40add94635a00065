/**
 * Session tokens (issue 13): a browser session's `xoxc-` token works only
 * with the browser's `d` cookie. The cookie goes on every Web API request
 * and on the WebSocket upgrade of every connection, reconnects included,
 * and a WebSocket that cannot send it is a configuration error, not a
 * silent failure. FakeSlack plays the strict server: without the cookie,
 * HTTP answers `invalid_auth` and the upgrade is refused with 401.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import WebSocket from "ws"
import { connectedCount, recordStates, relaxedOptions, waitUntil } from "../scripts/harness.js"
import * as Rtm from "../src/Rtm.js"
import * as RtmSession from "../src/RtmSession.js"
import * as Slack from "../src/Slack.js"
import * as FakeSlack from "../src/testing/FakeSlack.js"
import { capturingLogger } from "./helpers.js"

const cookie = "d=xoxd-SESSION%2Fcookie%3D%3D"

/** What a client without the cookie meets at the fake's socket: the upgrade's HTTP status. */
const upgradeStatus = (url: string, headers: Record<string, string> = {}) =>
  Effect.callback<number>((resume) => {
    const socket = new WebSocket(url, { headers })
    socket.on("unexpected-response", (_request, response) => {
      resume(Effect.succeed(response.statusCode ?? 0))
      socket.terminate()
    })
    socket.on("open", () => {
      resume(Effect.succeed(101))
      socket.terminate()
    })
    socket.on("error", () => {})
  })

describe("session tokens: an xoxc- token with the d cookie", () => {
  it.live("Rtm.connect succeeds with the cookie, and fails with InvalidAuth without it or with another", () =>
    Effect.gen(function*() {
      const fake = yield* FakeSlack.make({ requireCookie: cookie })
      expect(Redacted.value(fake.token)).toMatch(/^xoxc-/)
      const base = { token: fake.token, apiUrl: fake.apiUrl, retry: Schedule.recurs(0) }

      const info = yield* Rtm.connect().pipe(Effect.provide(Slack.layer({ ...base, cookie })))
      expect(info.self).toEqual(FakeSlack.identity.self)
      const [request] = yield* fake.requests
      expect(request?.headers["cookie"]).toBe(cookie)
      expect(request?.headers["authorization"]).toBe(`Bearer ${Redacted.value(fake.token)}`)
      expect(request?.body).not.toContain("xoxd")

      // A bare xoxd- value is the same cookie.
      yield* Rtm.connect().pipe(Effect.provide(Slack.layer({ ...base, cookie: Redacted.make(cookie.slice(2)) })))

      const without = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(Slack.layer(base))))
      expect(without._tag).toBe("InvalidAuth")
      const wrong = yield* Effect.flip(
        Rtm.connect().pipe(Effect.provide(Slack.layer({ ...base, cookie: "d=xoxd-someone-else" })))
      )
      expect(wrong._tag).toBe("InvalidAuth")
      const requests = yield* fake.requests
      expect(requests.map((r) => r.headers["cookie"])).toEqual([cookie, cookie, undefined, "d=xoxd-someone-else"])
    }))

  it.live("FakeSlack refuses a WebSocket upgrade without the cookie with 401, and records it", () =>
    Effect.gen(function*() {
      const fake = yield* FakeSlack.make({ requireCookie: cookie })
      const url = `${fake.url.replace("http", "ws")}/rtm`
      expect(yield* upgradeStatus(url)).toBe(401)
      expect(yield* upgradeStatus(url, { cookie: "d=xoxd-other" })).toBe(401)
      expect(yield* upgradeStatus(url, { cookie: `b=1; ${cookie}; x=2` })).toBe(101)
      const upgrades = yield* fake.upgrades
      expect(upgrades.map((upgrade) => upgrade.accepted)).toEqual([false, false, true])
      expect(yield* fake.connections).toBe(1)
    }))

  it.live("a session connects, survives drops, and sends the cookie on every upgrade, reconnects included", () =>
    Effect.gen(function*() {
      const fake = yield* FakeSlack.FakeSlack
      const session = yield* RtmSession.make(relaxedOptions)
      const states = yield* recordStates(session)
      for (const fault of [fake.dropSockets, fake.goodbye, fake.closeSockets(1011), fake.resetSockets]) {
        const before = connectedCount(states)
        yield* fault
        yield* waitUntil("connected again", () => connectedCount(states) > before)
      }
      const ack = yield* session.sendMessage({ channel: "C1", text: "still here" })
      expect(ack.text).toBe("still here")

      const upgrades = yield* fake.upgrades
      expect(upgrades).toHaveLength(5)
      for (const upgrade of upgrades) {
        expect(upgrade.accepted).toBe(true)
        expect(upgrade.headers["cookie"]).toBe(cookie)
        // The token is for the Authorization header of the Web API only.
        expect(JSON.stringify(upgrade)).not.toContain(Redacted.value(fake.token))
      }
      const requests = yield* fake.requests
      expect(requests.filter((request) => request.method === "rtm.connect")).toHaveLength(5)
      for (const request of requests) {
        expect(request.headers["cookie"]).toBe(cookie)
        expect(request.headers["authorization"]).toBe(`Bearer ${Redacted.value(fake.token)}`)
      }
    }).pipe(Effect.provide(FakeSlack.layer({ requireCookie: cookie }))))

  it.live("a session without the cookie ends with InvalidAuth, after one request", () =>
    Effect.gen(function*() {
      const fake = yield* FakeSlack.make({ requireCookie: cookie })
      const error = yield* Effect.flip(
        RtmSession.make(relaxedOptions).pipe(
          Effect.provide(Slack.layer({ token: fake.token, apiUrl: fake.apiUrl, retry: Schedule.recurs(0) }))
        )
      )
      expect(error._tag).toBe("InvalidAuth")
      expect(yield* fake.requests).toHaveLength(1)
      expect(yield* fake.upgrades).toHaveLength(0)
    }))

  it.live(
    "a cookie with a WebSocket that cannot send headers (the global one) is InvalidSlackConfig, before any request",
    () =>
      Effect.gen(function*() {
        const fake = yield* FakeSlack.make({ requireCookie: cookie })
        // The later layer's WebSocketConstructor wins: Slack.layer's, with the runtime's global one.
        const layer = Layer.merge(Slack.layer(fake.options), Socket.layerWebSocketConstructorGlobal)
        const error = yield* Effect.flip(RtmSession.make(relaxedOptions).pipe(Effect.provide(layer)))
        expect(error).toMatchObject({ _tag: "InvalidSlackConfig", option: "cookie" })
        expect(error.message).toContain("cannot send headers")
        expect(error.message).not.toContain("xoxd")
        expect(yield* fake.requests).toHaveLength(0)
        expect(yield* fake.upgrades).toHaveLength(0)
        // Without a cookie, the same constructor is fine (where the runtime has one: Node 22 does, Node 20 not).
        if (typeof globalThis.WebSocket === "function") {
          const plain = yield* FakeSlack.make()
          const session = yield* RtmSession.make(relaxedOptions).pipe(
            Effect.provide(Layer.merge(Slack.layer(plain.options), Socket.layerWebSocketConstructorGlobal))
          )
          const [first] = yield* session.events.pipe(Stream.take(1), Stream.runCollect)
          expect(first?.type).toBe("hello")
          expect((yield* plain.upgrades)[0]?.headers["cookie"]).toBeUndefined()
        }
      })
  )

  it("a constructor marked with RtmSession.withHandshakeHeaders gets the cookie as { headers }", async () => {
    const seen: Array<unknown> = []
    const marked = RtmSession.withHandshakeHeaders((url, options) => {
      seen.push(options)
      return Slack.webSocketConstructor()(url, options)
    })
    expect(RtmSession.sendsHandshakeHeaders(marked)).toBe(true)
    expect(RtmSession.sendsHandshakeHeaders(Slack.webSocketConstructor())).toBe(true)
    expect(RtmSession.sendsHandshakeHeaders((url: string) => new globalThis.WebSocket(url))).toBe(false)
    await Effect.gen(function*() {
      const fake = yield* FakeSlack.make({ requireCookie: cookie })
      const layer = Layer.merge(
        Slack.layer(fake.options),
        Layer.succeed(Socket.WebSocketConstructor)(marked)
      )
      yield* RtmSession.make(relaxedOptions).pipe(Effect.provide(layer))
      expect(seen).toEqual([{ headers: { cookie } }])
      expect((yield* fake.upgrades)[0]?.headers["cookie"]).toBe(cookie)
    }).pipe(Effect.scoped, Effect.provide(capturingLogger().layer), Effect.runPromise)
  })
})
