import { describe, expect, it } from "@effect/vitest"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Rtm from "../src/Rtm.js"
import * as Slack from "../src/Slack.js"
import * as SlackConfig from "../src/SlackConfig.js"
import * as FakeSlack from "../src/testing/FakeSlack.js"

const configFrom = (env: Record<string, string>) =>
  SlackConfig.SlackConfig.pipe(
    Effect.provide(SlackConfig.layerConfig),
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
  )

describe("SlackConfig", () => {
  it.effect("refuses an empty token, or one with a control character, without quoting it", () =>
    Effect.gen(function*() {
      for (
        const bad of [
          "",
          "xoxb-1\r\nX-Evil: 1",
          "xoxb-2\n",
          "xoxb-3\u0000",
          "xoxb-4\u007f",
          "xoxb-5\u001b[0m",
          "xoxb-6\t"
        ]
      ) {
        const error = yield* Effect.flip(Effect.scoped(Layer.build(SlackConfig.layer({ token: Redacted.make(bad) }))))
        expect(error).toMatchObject({ _tag: "InvalidSlackConfig", option: "token" })
        if (bad !== "") {
          for (const text of [error.message, String(error), JSON.stringify(error)]) {
            expect(text).not.toContain(bad.slice(0, 6))
          }
        }
      }
      const good = yield* SlackConfig.make({ token: Redacted.make("xoxb-fine-123") })
      expect(Redacted.value(good.token)).toBe("xoxb-fine-123")
    }))

  it.effect("checks a plain string token the same way, and wraps a good one in Redacted", () =>
    Effect.gen(function*() {
      for (const bad of ["", "xoxb-1\r\nX-Evil: 1"]) {
        const error = yield* Effect.flip(SlackConfig.make({ token: bad }))
        expect(error).toMatchObject({ _tag: "InvalidSlackConfig", option: "token" })
        if (bad !== "") expect(JSON.stringify(error) + error.message).not.toContain(bad.slice(0, 6))
      }
      const good = yield* SlackConfig.make({ token: "xoxb-fine-123" })
      expect(Redacted.isRedacted(good.token)).toBe(true)
      expect(Redacted.value(good.token)).toBe("xoxb-fine-123")
    }))

  it.effect("reads SLACK_TOKEN and SLACK_API_URL without the whitespace around them", () =>
    Effect.gen(function*() {
      const config = yield* configFrom({
        SLACK_TOKEN: "  xoxb-from-env-1 \n",
        SLACK_API_URL: " http://127.0.0.1:9/api/\n"
      })
      expect(Redacted.value(config.token)).toBe("xoxb-from-env-1")
      expect(config.apiUrl).toBe("http://127.0.0.1:9/api/")
    }))

  it.effect("an environment token that is only whitespace, or holds a newline inside, is refused", () =>
    Effect.gen(function*() {
      for (const token of [" \n", "xoxb-a\nb"]) {
        const error = yield* Effect.flip(configFrom({ SLACK_TOKEN: token }))
        expect(error).toMatchObject({ _tag: "InvalidSlackConfig", option: "token" })
      }
    }))

  it.effect("an empty SLACK_TOKEN is missing to Effect 4's default provider, and empty to one that keeps empty strings", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(configFrom({ SLACK_TOKEN: "" }))
      expect(missing).toBeInstanceOf(Config.ConfigError)
      const empty = yield* Effect.flip(SlackConfig.SlackConfig.pipe(
        Effect.provide(SlackConfig.layerConfig),
        Effect.provideService(
          ConfigProvider.ConfigProvider,
          ConfigProvider.fromEnv({ env: { SLACK_TOKEN: "" }, preserveEmptyStrings: true })
        )
      ))
      expect(empty).toMatchObject({ _tag: "InvalidSlackConfig", option: "token", reason: "is empty" })
    }))

  it.effect("refuses an apiUrl that is not an http(s) URL or has an unusable port, when the layer is built", () =>
    Effect.gen(function*() {
      for (
        const apiUrl of [
          "notaurl",
          "http://127.0.0.1:99999/api/",
          "http://127.0.0.1:0/api/",
          "ftp://slack.test/api/",
          "/api/"
        ]
      ) {
        const error = yield* Effect.flip(
          Effect.scoped(Layer.build(SlackConfig.layer({ token: Redacted.make("xoxb-fine-123"), apiUrl })))
        )
        expect(error).toMatchObject({ _tag: "InvalidSlackConfig", option: "apiUrl" })
      }
      const error = yield* Effect.flip(configFrom({ SLACK_TOKEN: "xoxb-fine-123", SLACK_API_URL: "notaurl" }))
      expect(error).toMatchObject({ _tag: "InvalidSlackConfig", option: "apiUrl" })
      for (const apiUrl of ["https://slack.com/api", "http://127.0.0.1:9/api/", "http://[::1]:65535/"]) {
        yield* SlackConfig.make({ token: Redacted.make("xoxb-fine-123"), apiUrl })
      }
    }))

  it.effect("Slack.layer refuses an apiUrl on a port that fetch never connects to (a \"bad port\"), before any request", () =>
    Effect.gen(function*() {
      for (const port of [9, 6000, 10080]) {
        const layer = Slack.layer({ token: Redacted.make("xoxb-fine-123"), apiUrl: `http://127.0.0.1:${port}/api/` })
        const error = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer)))
        expect(error).toMatchObject({ _tag: "InvalidSlackConfig", option: "apiUrl" })
        expect(error.message).toContain(`port ${port}`)
      }
    }))

  it.effect("a plain string token works, as a Redacted one does: it is wrapped at once", () =>
    Effect.gen(function*() {
      const config = yield* SlackConfig.make({ token: "xoxb-plain-string-1" })
      expect(Redacted.isRedacted(config.token)).toBe(true)
      expect(Redacted.value(config.token)).toBe("xoxb-plain-string-1")
      expect(JSON.stringify(config)).not.toContain("xoxb-plain-string-1")
      const fake = yield* FakeSlack.make()
      const info = yield* Rtm.connect().pipe(
        Effect.provide(Slack.layer({ token: Redacted.value(fake.token), apiUrl: fake.apiUrl }))
      )
      expect(info.self.id).toBe(FakeSlack.identity.self.id)
      const requests = yield* fake.requests
      expect(requests.at(-1)?.headers["authorization"]).toBe(`Bearer ${Redacted.value(fake.token)}`)
    }).pipe(Effect.scoped))

  it.effect("a token that is neither a string nor a Redacted one (from JavaScript) is refused, not a defect", () =>
    Effect.gen(function*() {
      for (const token of [undefined, null, 42]) {
        const error = yield* Effect.flip(SlackConfig.make({ token } as unknown as SlackConfig.Options))
        expect(error).toMatchObject({ _tag: "InvalidSlackConfig", option: "token", reason: "is not a string" })
      }
    }))

  it.effect("a cookie, plain or Redacted, is kept Redacted; a bare xoxd- value becomes d=xoxd-", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<[string | Redacted.Redacted<string>, string]> = [
        ["d=xoxd-abc%2Fdef%3D", "d=xoxd-abc%2Fdef%3D"],
        [Redacted.make("d=xoxd-abc%2Fdef%3D"), "d=xoxd-abc%2Fdef%3D"],
        ["xoxd-abc%2Fdef%3D", "d=xoxd-abc%2Fdef%3D"],
        [Redacted.make("xoxd-abc/def=="), "d=xoxd-abc/def=="],
        ["d=xoxd-1; d-s=1700000000", "d=xoxd-1; d-s=1700000000"]
      ]
      for (const [cookie, header] of cases) {
        const config = yield* SlackConfig.make({ token: "xoxc-session-1", cookie })
        expect(Redacted.isRedacted(config.cookie)).toBe(true)
        expect(Redacted.value(config.cookie!)).toBe(header)
        for (const text of [JSON.stringify(config), String(config.cookie), JSON.stringify(config.cookie)]) {
          expect(text).not.toContain("abc")
          expect(text).not.toContain("xoxd-1")
        }
      }
      const none = yield* SlackConfig.make({ token: "xoxb-fine-123" })
      expect(none.cookie).toBeUndefined()
      expect("cookie" in none).toBe(false)
    }))

  it.effect("refuses an empty cookie, one with a control character, or one that is not a cookie, without quoting it", () =>
    Effect.gen(function*() {
      for (
        const bad of ["", "d=xoxd-1\r\nX-Evil: 1", "xoxd-2\n", "d=xoxd-3\u0000", "d=xoxd-4\u007f", "secretvalue5"]
      ) {
        for (const cookie of [bad, Redacted.make(bad)]) {
          const error = yield* Effect.flip(
            Effect.scoped(Layer.build(Slack.layer({ token: "xoxc-session-1", cookie })))
          )
          expect(error).toMatchObject({ _tag: "InvalidSlackConfig", option: "cookie" })
          if (bad !== "") {
            for (const text of [error.message, String(error), JSON.stringify(error)]) {
              expect(text).not.toContain(bad.replace(/^d=/, "").slice(0, 6))
            }
          }
        }
      }
      const error = yield* Effect.flip(SlackConfig.make({ token: "xoxc-1", cookie: 7 as unknown as string }))
      expect(error).toMatchObject({ _tag: "InvalidSlackConfig", option: "cookie", reason: "is not a string" })
    }))

  it.effect("reads SLACK_COOKIE, optional and without the whitespace around it; an empty one is refused", () =>
    Effect.gen(function*() {
      const withCookie = yield* configFrom({ SLACK_TOKEN: "xoxc-env-1", SLACK_COOKIE: "  xoxd-from%2Fenv \n" })
      expect(Redacted.value(withCookie.cookie!)).toBe("d=xoxd-from%2Fenv")
      const without = yield* configFrom({ SLACK_TOKEN: "xoxb-env-1" })
      expect(without.cookie).toBeUndefined()
      const options = yield* SlackConfig.options.pipe(
        Effect.provideService(
          ConfigProvider.ConfigProvider,
          ConfigProvider.fromEnv({ env: { SLACK_TOKEN: "x", SLACK_COOKIE: "d=y" } })
        )
      )
      expect(Redacted.isRedacted(options.cookie)).toBe(true)
      // Effect 4's default provider takes an empty variable for a missing one; one that keeps empty strings does not.
      const keepsEmpty = (env: Record<string, string>) =>
        SlackConfig.SlackConfig.pipe(
          Effect.provide(SlackConfig.layerConfig),
          Effect.provideService(
            ConfigProvider.ConfigProvider,
            ConfigProvider.fromEnv({ env, preserveEmptyStrings: true })
          )
        )
      for (const cookie of ["", " \n"]) {
        const error = yield* Effect.flip(keepsEmpty({ SLACK_TOKEN: "xoxc-env-1", SLACK_COOKIE: cookie }))
        expect(error).toMatchObject({ _tag: "InvalidSlackConfig", option: "cookie", reason: "is empty" })
      }
      const blank = yield* Effect.flip(configFrom({ SLACK_TOKEN: "xoxc-env-1", SLACK_COOKIE: " \n" }))
      expect(blank).toMatchObject({ _tag: "InvalidSlackConfig", option: "cookie", reason: "is empty" })
      expect((yield* configFrom({ SLACK_TOKEN: "xoxc-env-1", SLACK_COOKIE: "" })).cookie).toBeUndefined()
    }))
})
