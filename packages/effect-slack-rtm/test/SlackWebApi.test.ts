import { describe, expect, it } from "@effect/vitest"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/testing/TestClock"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Rtm from "../src/Rtm.js"
import * as RtmSession from "../src/RtmSession.js"
import * as SlackConfig from "../src/SlackConfig.js"
import { NetworkError } from "../src/SlackError.js"
import { parseRetryAfter, userAgent, version } from "../src/SlackWebApi.js"
import * as FakeSlack from "../src/testing/FakeSlack.js"
import { capturingLogger, scriptedWebApi, secretToken } from "./helpers.js"

const ok = {
  body: {
    ok: true,
    url: "wss://example.test/ws",
    team: { id: "T1", name: "Team", domain: "team" },
    self: { id: "U1", name: "bot" }
  }
}
const fail = (code: string, headers?: Record<string, string>) => ({
  body: { ok: false, error: code },
  ...(headers ? { headers } : {})
})

describe("SlackWebApi", () => {
  it.effect("sends a form-encoded POST with the token only in the Authorization header", () =>
    Effect.gen(function*() {
      const { layer, seen } = scriptedWebApi([ok])
      const result = yield* Rtm.connect({ batch_presence_aware: true, presence_sub: false }).pipe(
        Effect.provide(layer)
      )
      expect(result.url).toBe("wss://example.test/ws")
      expect(result.team).toMatchObject({ id: "T1", domain: "team" })
      const [request] = seen
      expect(request?.url).toBe("https://slack.test/api/rtm.connect")
      expect(request?.headers["authorization"]).toBe(`Bearer ${secretToken}`)
      expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded")
      expect(request?.body).toBe("batch_presence_aware=true&presence_sub=false")
      expect(request?.body).not.toContain(secretToken)
      expect(request?.url).not.toContain(secretToken)
      expect(Object.keys(request?.headers ?? {}).filter((name) => /traceparent|^b3$|x-b3/.test(name))).toEqual([])
    }))

  it.effect("sends no trace headers even inside a span", () =>
    Effect.gen(function*() {
      const { layer, seen } = scriptedWebApi([ok])
      yield* Rtm.connect().pipe(Effect.provide(layer), Effect.withSpan("caller"))
      expect(Object.keys(seen[0]?.headers ?? {}).filter((name) => /traceparent|^b3$|x-b3/.test(name))).toEqual([])
    }))

  it.effect("sends all seven rtm.start parameters", () =>
    Effect.gen(function*() {
      const { layer, seen } = scriptedWebApi([ok])
      yield* Rtm.start({
        batch_presence_aware: true,
        include_locale: true,
        mpim_aware: true,
        no_latest: false,
        no_unreads: true,
        presence_sub: true,
        simple_latest: true
      }).pipe(Effect.provide(layer))
      expect(seen[0]?.url).toBe("https://slack.test/api/rtm.start")
      expect(new URLSearchParams(seen[0]?.body).size).toBe(7)
    }))

  it.effect("keeps fields Slack adds later", () =>
    Effect.gen(function*() {
      const { layer } = scriptedWebApi([{ body: { ...ok.body, brand_new_field: 7 } }])
      const result = yield* Rtm.connect().pipe(Effect.provide(layer))
      expect((result as unknown as Record<string, unknown>)["brand_new_field"]).toBe(7)
    }))

  it.effect("keeps fields Slack adds later inside nested objects too", () =>
    Effect.gen(function*() {
      const { layer } = scriptedWebApi([{ body: { ...ok.body, team: { ...ok.body.team, icon: { image_34: "x" } } } }])
      const result = yield* Rtm.connect().pipe(Effect.provide(layer))
      expect(result.team["icon"]).toEqual({ image_34: "x" })
    }))

  it.effect("a __proto__ key from the wire is dropped, and never becomes a prototype", () =>
    Effect.gen(function*() {
      const body = `{"ok":true,"url":"wss://x","team":{"id":"T1","name":"n","domain":"d","__proto__":{"polluted":1}},` +
        `"self":{"id":"U1","name":"bot"},"__proto__":{"isAdmin":true}}`
      const { layer } = scriptedWebApi([{ body }])
      const result = yield* Rtm.connect().pipe(Effect.provide(layer))
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype)
      expect(Object.getPrototypeOf(result.team)).toBe(Object.prototype)
      expect((result as Record<string, unknown>)["isAdmin"]).toBeUndefined()
      expect((result.team as Record<string, unknown>)["polluted"]).toBeUndefined()
      expect(Object.hasOwn(result, "__proto__")).toBe(false)
      expect(Object.hasOwn(result.team, "__proto__")).toBe(false)
      expect(({} as Record<string, unknown>)["isAdmin"]).toBeUndefined()
    }))

  it.effect("does not retry before Retry-After: 30 has passed, then succeeds", () =>
    Effect.gen(function*() {
      const { layer, seen } = scriptedWebApi([{ status: 429, headers: { "retry-after": "30" }, body: "" }, ok])
      const fiber = yield* Effect.forkChild(Rtm.connect().pipe(Effect.provide(layer)))
      yield* TestClock.adjust("29 seconds")
      expect(seen).toHaveLength(1)
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("8 seconds")
      const result = yield* Fiber.join(fiber)
      expect(result.self.id).toBe("U1")
      expect(seen).toHaveLength(2)
    }))

  it.effect("Retry-After is honoured by any user schedule, even one with no delay", () =>
    Effect.gen(function*() {
      const { layer, seen } = scriptedWebApi(
        [{ status: 429, headers: { "retry-after": "30" }, body: "" }, ok],
        { retry: Schedule.recurs(3) }
      )
      const fiber = yield* Effect.forkChild(Rtm.connect().pipe(Effect.provide(layer)))
      yield* TestClock.adjust("29 seconds")
      expect(seen).toHaveLength(1)
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      expect(seen).toHaveLength(2)
    }))

  it.effect("ratelimited with HTTP 200 also honours Retry-After and carries it", () =>
    Effect.gen(function*() {
      const { layer, seen } = scriptedWebApi([fail("ratelimited", { "retry-after": "12" })], {
        retry: Schedule.recurs(0)
      })
      const error = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer)))
      expect(error._tag).toBe("Ratelimited")
      if (error._tag === "Ratelimited") expect(Duration.toSeconds(error.retryAfter)).toBe(12)
      expect(seen).toHaveLength(1)
    }))

  it.effect("retries each transient failure, then succeeds", () =>
    Effect.gen(function*() {
      const { layer, seen } = scriptedWebApi([
        fail("internal_error"),
        fail("service_unavailable"),
        { status: 503, body: "<html>down</html>" },
        ok
      ])
      const fiber = yield* Effect.forkChild(Rtm.connect().pipe(Effect.provide(layer)))
      yield* TestClock.adjust("1 minute")
      const result = yield* Fiber.join(fiber)
      expect(result.team.id).toBe("T1")
      expect(seen).toHaveLength(4)
    }))

  it.effect("bounds the attempts and surfaces the last typed error", () =>
    Effect.gen(function*() {
      const { layer, seen } = scriptedWebApi([fail("internal_error"), fail("service_unavailable")])
      const fiber = yield* Effect.forkChild(Effect.flip(Rtm.connect().pipe(Effect.provide(layer))))
      yield* TestClock.adjust("10 minutes")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("ServiceUnavailable")
      expect(seen).toHaveLength(5)
    }))

  it.effect("invalid_auth fails at once after exactly one request", () =>
    Effect.gen(function*() {
      const { layer, seen } = scriptedWebApi([fail("invalid_auth"), ok])
      const exit = yield* Effect.exit(Rtm.connect().pipe(Effect.provide(layer)))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(seen).toHaveLength(1)
    }))

  it.effect("an attempt that hangs fails with AttemptTimeout", () =>
    Effect.gen(function*() {
      const { layer } = scriptedWebApi(["hang"], { retry: Schedule.recurs(0), timeout: "5 seconds" })
      const fiber = yield* Effect.forkChild(Effect.flip(Rtm.connect().pipe(Effect.provide(layer))))
      yield* TestClock.adjust("4 seconds")
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("AttemptTimeout")
      expect(error.message).toBe("rtm.connect did not answer within 5s")
    }))

  it.effect("a timed-out attempt is retried", () =>
    Effect.gen(function*() {
      const { layer, seen } = scriptedWebApi(["hang", ok], { timeout: "5 seconds" })
      const fiber = yield* Effect.forkChild(Rtm.connect().pipe(Effect.provide(layer)))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      expect(seen).toHaveLength(2)
    }))

  it.effect("non-2xx, non-JSON and ill-shaped bodies are typed errors", () =>
    Effect.gen(function*() {
      const cases = [
        [{ status: 404, body: "<html>nope</html>" }, "HttpStatusError"],
        [{ body: "{\"ok\": tru" }, "MalformedResponse"],
        [{ body: "" }, "MalformedResponse"],
        [{ body: "null" }, "MalformedResponse"],
        [{ body: { ok: true, url: 42 } }, "MalformedResponse"],
        [{ body: { ok: false } }, "MalformedResponse"],
        [{ body: `{"ok":true,"url":"wss://x","team":${"[".repeat(5000)}${"]".repeat(5000)}}` }, "MalformedResponse"]
      ] as const
      for (const [answer, tag] of cases) {
        const { layer } = scriptedWebApi([answer])
        const error = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer)))
        expect(error._tag).toBe(tag)
      }
    }))

  it.effect("the token appears in no error message and no log line", () =>
    Effect.gen(function*() {
      const logs = capturingLogger()
      const { layer } = scriptedWebApi([
        fail("internal_error"),
        { status: 502, body: "<html>bad gateway</html>" },
        "hang"
      ], { timeout: "1 second" })
      const fiber = yield* Effect.forkChild(
        Effect.flip(Rtm.connect().pipe(Effect.provide(layer), Effect.provide(logs.layer)))
      )
      yield* TestClock.adjust("5 minutes")
      const error = yield* Fiber.join(fiber)
      expect(logs.lines.length).toBeGreaterThanOrEqual(3)
      const everything = [...logs.lines, error.message, JSON.stringify(error), String(error)].join("\n")
      expect(everything).not.toContain(secretToken)
    }))

  it.effect("a server that echoes the token in an error page does not put it into the typed error", () =>
    Effect.gen(function*() {
      const { layer } = scriptedWebApi([
        { status: 502, body: `<pre>Authorization: Bearer ${secretToken}</pre>` },
        { body: `{"ok":true,"echo":"${secretToken}"` }
      ], { retry: Schedule.recurs(0) })
      for (let n = 0; n < 2; n++) {
        const error = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer)))
        expect(JSON.stringify(error)).toContain("<redacted>")
        expect(JSON.stringify(error)).not.toContain(secretToken)
      }
    }))

  it.effect("a body past maxResponseBytes fails with MalformedResponse, and the rest is never read", () =>
    Effect.gen(function*() {
      const limit = 64 * 1024
      /** 2 MiB of "x", in 16 KiB chunks, each made only when read; `pulled` counts what was read. */
      const large = (pulled: { bytes: number }) =>
        new ReadableStream<Uint8Array>({
          pull: (controller) => {
            if (pulled.bytes >= 2 * 1024 * 1024) return controller.close()
            pulled.bytes += 16 * 1024
            controller.enqueue(new Uint8Array(16 * 1024).fill(0x78))
          }
        }, { highWaterMark: 0 })
      const streamed = { bytes: 0 }
      const declared = { bytes: 0 }
      const { layer } = scriptedWebApi([
        { body: large(streamed) },
        { body: large(declared), headers: { "content-length": String(2 * 1024 * 1024) } }
      ], { retry: Schedule.recurs(0), maxResponseBytes: limit })
      for (const pulled of [streamed, declared]) {
        const error = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer)))
        expect(error).toMatchObject({
          _tag: "MalformedResponse",
          reason: `the body is larger than ${limit} bytes (maxResponseBytes)`
        })
        expect(pulled.bytes).toBeLessThanOrEqual(limit + 16 * 1024)
      }
      expect(declared.bytes).toBe(0)
    }))

  it.effect("a body of exactly maxResponseBytes is read; an error page past it is still an HttpStatusError", () =>
    Effect.gen(function*() {
      const body = JSON.stringify(ok.body)
      const { layer } = scriptedWebApi([
        { body },
        { status: 502, body: "<html>" + "x".repeat(10_000) }
      ], { retry: Schedule.recurs(0), maxResponseBytes: body.length })
      expect((yield* Rtm.connect().pipe(Effect.provide(layer))).url).toBe(ok.body.url)
      const error = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer)))
      expect(error).toMatchObject({ _tag: "HttpStatusError", status: 502 })
    }))

  it.effect("a body with a Content-Length within maxResponseBytes is read; a compressed one is still bounded", () =>
    Effect.gen(function*() {
      const body = JSON.stringify(ok.body)
      const limit = body.length
      const { layer } = scriptedWebApi([
        { body, headers: { "content-length": String(limit) } },
        // The length of a compressed body says nothing of the text it unpacks to.
        { body: "x".repeat(4 * limit), headers: { "content-length": String(limit), "content-encoding": "gzip" } }
      ], { retry: Schedule.recurs(0), maxResponseBytes: limit })
      expect((yield* Rtm.connect().pipe(Effect.provide(layer))).url).toBe(ok.body.url)
      const error = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer)))
      expect(error).toMatchObject({
        _tag: "MalformedResponse",
        reason: `the body is larger than ${limit} bytes (maxResponseBytes)`
      })
    }))

  it.effect("a body that stalls is timed out, retried, and the rest of it is cancelled", () =>
    Effect.gen(function*() {
      let cancelled = 0
      const stalled = () =>
        new ReadableStream<Uint8Array>({
          start: (controller) => controller.enqueue(new TextEncoder().encode("{\"ok\":")),
          pull: () => new Promise(() => {}),
          cancel: () => void cancelled++
        })
      const { layer, seen } = scriptedWebApi([{ body: stalled() }, { body: stalled() }], {
        timeout: "1 second",
        retry: Schedule.recurs(1)
      })
      const fiber = yield* Effect.forkChild(Effect.flip(Rtm.connect().pipe(Effect.provide(layer))))
      yield* TestClock.adjust("10 seconds")
      expect((yield* Fiber.join(fiber))._tag).toBe("AttemptTimeout")
      expect(seen).toHaveLength(2)
      expect(cancelled).toBe(2)
    }))

  it.effect("a body that fails while it is read is a NetworkError, and nothing is logged as unhandled", () =>
    Effect.gen(function*() {
      const logs = capturingLogger()
      const broken = new ReadableStream<Uint8Array>({
        pull: (controller) => controller.error(new Error("connection reset"))
      })
      const { layer } = scriptedWebApi([{ body: broken }, { status: 204, body: "" }], { retry: Schedule.recurs(0) })
      const failed = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer), Effect.provide(logs.layer)))
      expect(failed).toMatchObject({ _tag: "NetworkError", reason: expect.stringMatching(/^reading the body failed/) })
      const empty = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer), Effect.provide(logs.layer)))
      expect(empty).toMatchObject({ _tag: "MalformedResponse", reason: "the body is empty" })
      expect(logs.lines.filter((line) => /unhandled/i.test(line))).toEqual([])
    }))

  it("caps an absurd Retry-After at an hour", () => {
    expect(Duration.toHours(parseRetryAfter("9".repeat(400), 0))).toBe(1)
    expect(Duration.toHours(parseRetryAfter("7200", 0))).toBe(1)
  })

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z")
    expect(Duration.toSeconds(parseRetryAfter("30", now))).toBe(30)
    expect(Duration.toSeconds(parseRetryAfter("Thu, 01 Jan 2026 00:00:45 GMT", now))).toBe(45)
    expect(Duration.toMillis(parseRetryAfter("yesterday-ish", now))).toBe(0)
    expect(Duration.toMillis(parseRetryAfter(undefined, now))).toBe(0)
  })
})

describe("SlackConfig", () => {
  it.effect("defaultRetry: from 500 ms, doubling, jittered ×0.8–1.2, then stops after 4 retries", () =>
    Effect.gen(function*() {
      const step = yield* Schedule.toStep(SlackConfig.defaultRetry)
      const transient = new NetworkError({ method: "rtm.connect", reason: "connect ECONNRESET" })
      for (let retry = 0; retry < 4; retry++) {
        const [, delay] = yield* step(0, transient)
        const base = 500 * 2 ** retry
        expect(Duration.toMillis(delay)).toBeGreaterThanOrEqual(0.8 * base - 1)
        expect(Duration.toMillis(delay)).toBeLessThanOrEqual(1.2 * base + 1)
      }
      expect(Exit.isFailure(yield* Effect.exit(step(0, transient)))).toBe(true)
    }))

  it.effect("durations accept strings, millis and Durations; the API URL gets its trailing slash", () =>
    Effect.gen(function*() {
      const token = Redacted.make(secretToken)
      const make = (options: Omit<SlackConfig.Options, "token">) => SlackConfig.make({ token, ...options })
      expect(Duration.toMillis((yield* make({ timeout: "300 millis" })).timeout)).toBe(300)
      expect(Duration.toMillis((yield* make({ timeout: 250 })).timeout)).toBe(250)
      expect(Duration.toMillis((yield* make({ timeout: Duration.seconds(2) })).timeout)).toBe(2000)
      expect(Duration.toMillis((yield* make({})).timeout)).toBe(10_000)
      expect((yield* make({ apiUrl: "http://127.0.0.1:1/api" })).apiUrl).toBe("http://127.0.0.1:1/api/")
      expect((yield* make({})).apiUrl).toBe("https://slack.com/api/")
      expect((yield* make({})).maxResponseBytes).toBe(SlackConfig.defaultMaxResponseBytes)
    }))

  it.effect("a plain string token is wrapped in Redacted at once, and sent only as the Bearer header", () =>
    Effect.gen(function*() {
      const config = yield* SlackConfig.make({ token: secretToken })
      expect(Redacted.isRedacted(config.token)).toBe(true)
      expect(Redacted.value(config.token)).toBe(secretToken)
      expect(JSON.stringify(config)).not.toContain(secretToken)
      expect(String(config.token)).not.toContain(secretToken)
    }))

  it.effect("layerConfig reads SLACK_TOKEN (redacted) and SLACK_API_URL", () =>
    Effect.gen(function*() {
      const read = (env: Record<string, string>) =>
        Effect.gen(function*() {
          return yield* SlackConfig.SlackConfig
        }).pipe(
          Effect.provide(SlackConfig.layerConfig),
          Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
        )
      const config = yield* read({ SLACK_TOKEN: secretToken, SLACK_API_URL: "http://127.0.0.1:9/api" })
      expect(Redacted.value(config.token)).toBe(secretToken)
      expect(String(config.token)).not.toContain(secretToken)
      expect(config.apiUrl).toBe("http://127.0.0.1:9/api/")
      expect((yield* read({ SLACK_TOKEN: secretToken })).apiUrl).toBe("https://slack.com/api/")
      const missing = yield* Effect.flip(read({}))
      expect(missing).toBeInstanceOf(Config.ConfigError)
    }))
})

describe("User-Agent", () => {
  const manifest = JSON.parse(
    Fs.readFileSync(Path.resolve(import.meta.dirname, "../package.json"), "utf8")
  ) as { name: string; version: string }

  it("names this package and its version, as package.json states them", () => {
    expect(version).toBe(manifest.version)
    expect(userAgent).toBe(`${manifest.name}/${manifest.version} (effect 4)`)
  })

  it.effect("every Web API request carries it", () =>
    Effect.gen(function*() {
      const { layer, seen } = scriptedWebApi([fail("internal_error"), ok], { retry: Schedule.recurs(1) })
      yield* Rtm.connect().pipe(Effect.provide(layer))
      expect(seen.map((request) => request.headers["user-agent"])).toEqual([userAgent, userAgent])
    }))

  it.live("over fetch and ws, the Web API requests and the WebSocket upgrades carry it", () =>
    Effect.gen(function*() {
      const fake = yield* FakeSlack.FakeSlack
      const session = yield* RtmSession.make({ reconnect: Schedule.spaced("10 millis"), rateLimit: false })
      yield* fake.dropSockets
      yield* Effect.repeat(fake.connections, { until: (n) => n >= 2, schedule: Schedule.spaced("5 millis") })
      yield* session.ping()
      const requests = yield* fake.requests
      const upgrades = yield* fake.upgrades
      expect(requests.length).toBeGreaterThanOrEqual(2)
      expect(upgrades.length).toBeGreaterThanOrEqual(2)
      for (const request of [...requests, ...upgrades]) expect(request.headers["user-agent"]).toBe(userAgent)
    }).pipe(Effect.provide(Layer.merge(FakeSlack.layer(), Layer.succeed(References.MinimumLogLevel, "None")))))
})
