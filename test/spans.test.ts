import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Tracer } from "effect"
import * as Rtm from "../src/Rtm.js"
import { scriptedWebApi, secretToken } from "./helpers.js"

/** A tracer that records each span's name and attributes. */
const recordingTracer = () => {
  const spans: Array<{ name: string; attributes: Map<string, unknown> }> = []
  let next = 0
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const attributes = new Map<string, unknown>()
      spans.push({ name, attributes })
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span-${next++}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end: () => {},
        attribute: (key, value) => void attributes.set(key, value),
        event: (eventName, _time, eventAttributes) => void attributes.set(`event:${eventName}`, eventAttributes),
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

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
})
