import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Rtm from "../src/Rtm.js"
import * as SlackError from "../src/SlackError.js"
import { scriptedWebApi } from "./helpers.js"

const failWith = (code: string) => [{ body: { ok: false, error: code } }]

describe("SlackError catalogue", () => {
  it("documents 31 codes for rtm.connect and 32 for rtm.start", () => {
    expect(SlackError.rtmConnectErrorCodes).toHaveLength(31)
    expect(SlackError.rtmStartErrorCodes).toHaveLength(32)
    expect(SlackError.rtmConnectErrorCodes).not.toContain("rtm_connect_required")
  })

  it("derives tags as the PascalCase of the code", () => {
    expect(SlackError.pascalCase("invalid_auth")).toBe("InvalidAuth")
    expect(SlackError.pascalCase("accesslimited")).toBe("Accesslimited")
    expect(SlackError.pascalCase("two_factor_setup_required")).toBe("TwoFactorSetupRequired")
  })

  for (const code of SlackError.rtmConnectErrorCodes) {
    it.effect(`rtm.connect: "${code}" becomes ${SlackError.pascalCase(code)}`, () =>
      Effect.gen(function*() {
        const { layer, seen } = scriptedWebApi(failWith(code), { retry: Schedule.recurs(0) })
        const error = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer)))
        expect(error._tag).toBe(SlackError.pascalCase(code))
        expect(error).toMatchObject({ code, method: "rtm.connect" })
        expect(error).toBeInstanceOf(SlackError.ApiErrors[SlackError.pascalCase(code)])
        expect(error.message).toContain(SlackError.catalogue[code].description)
        expect(seen).toHaveLength(1)
      }))
  }

  for (const code of SlackError.rtmStartErrorCodes) {
    it.effect(`rtm.start: "${code}" becomes ${SlackError.pascalCase(code)}`, () =>
      Effect.gen(function*() {
        const { layer } = scriptedWebApi(failWith(code), { retry: Schedule.recurs(0) })
        const error = yield* Effect.flip(Rtm.start().pipe(Effect.provide(layer)))
        expect(error._tag).toBe(SlackError.pascalCase(code))
        expect(error).toMatchObject({ code, method: "rtm.start" })
      }))
  }

  it.effect("an undocumented code becomes UnknownSlackError with the code kept", () =>
    Effect.gen(function*() {
      const { layer } = scriptedWebApi(failWith("team_disabled"))
      const error = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer)))
      expect(error).toBeInstanceOf(SlackError.UnknownSlackError)
      expect(error).toMatchObject({ _tag: "UnknownSlackError", code: "team_disabled", method: "rtm.connect" })
    }))

  it.effect("rtm_connect_required is undocumented for rtm.connect, so it is UnknownSlackError there", () =>
    Effect.gen(function*() {
      const { layer } = scriptedWebApi(failWith("rtm_connect_required"))
      const error = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer)))
      expect(error._tag).toBe("UnknownSlackError")
    }))

  it.effect("catchTags handles a documented code by its tag", () =>
    Effect.gen(function*() {
      const { layer } = scriptedWebApi(failWith("invalid_auth"))
      const handled = yield* Rtm.connect().pipe(
        Effect.map(() => "connected"),
        Effect.catchTags({ InvalidAuth: (e) => Effect.succeed(`bad token (${e.code})`) }),
        Effect.result,
        Effect.provide(layer)
      )
      expect(handled).toEqual(Result.succeed("bad token (invalid_auth)"))
    }))

  it("every error class has a non-empty message", () => {
    const timeout = new SlackError.AttemptTimeout({ method: "rtm.connect", timeout: Duration.seconds(10) })
    const errors = [
      ...SlackError.rtmStartErrorCodes.map((code) => SlackError.fromCode("rtm.start", code)),
      new SlackError.UnknownSlackError({ method: "rtm.connect", code: "team_disabled" }),
      new SlackError.HttpStatusError({ method: "rtm.connect", status: 502, body: "" }),
      new SlackError.NetworkError({ method: "rtm.connect", reason: "connect ECONNREFUSED" }),
      timeout,
      new SlackError.MalformedResponse({ method: "rtm.connect", reason: "the body is empty", body: "" })
    ]
    for (const error of errors) {
      expect(error.message.length, error._tag).toBeGreaterThan(0)
      expect(String(error)).toContain(error.message)
    }
    expect(timeout.message).toBe("rtm.connect did not answer within 10s")
    expect(SlackError.fromCode("rtm.connect", "invalid_auth").message).toBe(
      `rtm.connect failed with "invalid_auth": ${SlackError.catalogue.invalid_auth.description}`
    )
  })
})
