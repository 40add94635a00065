import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schedule } from "effect"
import * as Rtm from "../src/Rtm.js"
import { recordingTracer, scriptedWebApi, secretToken } from "./helpers.js"

describe("spans", () => {
  it.effect("each method runs in a span named after it, and no span holds the token", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      const { layer } = scriptedWebApi([{ body: { ok: false, error: "invalid_auth" } }])
      yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer), Effect.withTracer(tracer)))
      yield* Effect.flip(Rtm.start().pipe(Effect.provide(layer), Effect.withTracer(tracer)))
      const names = spans.map((span) => span.name)
      expect(names).toContain("rtm.connect")
      expect(names).toContain("rtm.start")
      const dump = JSON.stringify(spans.map((span) => [span.name, [...span.attributes.entries()]]), (_key, value) =>
        typeof value === "bigint" ? String(value) : Option.isOption(value) ? String(value) : value)
      expect(dump).toContain("http.request.header.authorization")
      expect(dump).not.toContain(secretToken)
    }))

  it.effect("a server that echoes the token in a response header does not get it into the http.client span", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      const { layer } = scriptedWebApi([
        {
          status: 502,
          headers: { "x-echo-authorization": `Bearer ${secretToken}`, "content-type": secretToken },
          body: ""
        }
      ], { retry: Schedule.stop })
      const error = yield* Effect.flip(Rtm.connect().pipe(Effect.provide(layer), Effect.withTracer(tracer)))
      expect(error._tag).toBe("HttpStatusError")
      const dump = JSON.stringify(
        spans.map((span) => [span.name, [...span.attributes.entries()], span.exit]),
        (_key, value) => typeof value === "bigint" ? String(value) : Option.isOption(value) ? String(value) : value
      )
      expect(dump).toContain("http.response.header.x-echo-authorization")
      expect(dump).not.toContain(secretToken)
    }))
})
