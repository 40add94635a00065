import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import * as Rtm from "../src/Rtm.js"
import * as Slack from "../src/Slack.js"
import * as SlackConfig from "../src/SlackConfig.js"

const configFrom = (env: Record<string, string>) =>
  SlackConfig.SlackConfig.pipe(
    Effect.provide(SlackConfig.layerConfig),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
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
})
