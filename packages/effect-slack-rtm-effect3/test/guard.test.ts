import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Guard from "../src/internal/guard.js"
import * as RtmEvent from "../src/RtmEvent.js"
import { samplesDir } from "./helpers.js"

const variants: ReadonlyArray<unknown> = [
  null,
  "",
  "x",
  0,
  1.5,
  -1,
  true,
  false,
  [],
  ["a"],
  [1],
  [[]],
  {},
  { a: 1 },
  { id: 5 },
  { code: 1, msg: "m" }
]

/** The value, then copies with one field (at the top or one level down) deleted or replaced by each variant. */
const mutations = function*(value: unknown): Generator<unknown> {
  yield value
  for (const top of variants) yield top
  if (typeof value !== "object" || value === null || Array.isArray(value)) return
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    const { [key]: _, ...without } = record
    yield without
    for (const variant of variants) yield { ...record, [key]: variant }
    const inner = record[key]
    if (typeof inner === "object" && inner !== null && !Array.isArray(inner)) {
      for (const innerKey of Object.keys(inner)) {
        for (const variant of [undefined, ...variants]) yield { ...record, [key]: { ...inner, [innerKey]: variant } }
      }
    }
  }
}

const samples = (): Array<Record<string, unknown>> => {
  const javaDir = Path.join(samplesDir, "java-slack-sdk/json-logs/samples/rtm")
  const refDir = Path.join(samplesDir, "slack-api-ref/events")
  return [
    ...Fs.readdirSync(javaDir).map((name) => JSON.parse(Fs.readFileSync(Path.join(javaDir, name), "utf8"))),
    ...Fs.readdirSync(refDir).map((name) => JSON.parse(Fs.readFileSync(Path.join(refDir, name), "utf8")).example)
      .filter((example) => example !== undefined)
  ]
}

/**
 * Compiles with `new Function` forbidden, as a strict Content Security
 * Policy forbids it: the guards then check structs with a loop.
 */
const compileWithoutCodegen = (ast: Schema.Schema.AnyNoContext["ast"]): Guard.Guard | undefined => {
  const original = globalThis.Function
  globalThis.Function = function() {
    throw new EvalError("code generation from strings disallowed")
  } as unknown as FunctionConstructor
  try {
    return Guard.compile(ast)
  } finally {
    globalThis.Function = original
  }
}

describe("compiled guards", () => {
  it("compile every event Schema, so the inbound path never falls back", () => {
    for (const schema of RtmEvent.known) {
      expect(Guard.compile(schema.ast)).toBeDefined()
      expect(compileWithoutCodegen(schema.ast)).toBeDefined()
    }
  })

  for (const [name, compile] of [["generated code", Guard.compile], ["the loop", compileWithoutCodegen]] as const) {
    it(`give the same verdict as Schema.is on the samples and thousands of mutations of them (${name})`, () => {
      const all = samples()
      let checked = 0
      let accepted = 0
      for (const schema of RtmEvent.known) {
        const compiled = compile(schema.ast)!
        const reference = Schema.is(schema as Schema.Schema<unknown>)
        const type = ("members" in schema ? schema.members[0] : schema).fields.type.literals[0]
        for (const sample of all.filter((sample) => sample["type"] === type)) {
          for (const value of mutations(sample)) {
            checked++
            const verdict = compiled(value)
            if (verdict) accepted++
            if (verdict !== reference(value)) expect({ type, value, verdict }).toBe("the same verdict as Schema.is")
          }
        }
      }
      expect(checked).toBeGreaterThan(5_000)
      expect(accepted).toBeGreaterThan(500)
      expect(checked - accepted).toBeGreaterThan(2_000)
    })

    it(`count only own keys, as Schema.is does (${name})`, () => {
      const schema = Schema.Struct({
        a: Schema.String,
        b: Schema.optional(Schema.Number),
        toString: Schema.optional(Schema.String)
      })
      const compiled = compile(schema.ast)!
      const reference = Schema.is(schema)
      const values = [
        { a: "x" },
        Object.create({ a: "x" }),
        Object.assign(Object.create({ a: "x" }), { a: "y" }),
        Object.assign(Object.create({ b: "not a number" }), { a: "x" }),
        Object.assign(Object.create(null), { a: "x", b: 1, toString: "s" }),
        Object.assign(Object.create(null), { b: 1 }),
        { a: "x", toString: 1 }
      ]
      for (const value of values) expect(compiled(value)).toBe(reference(value))
    })
  }

  it("decline what they do not know, so that Schema.is keeps the call", () => {
    expect(Guard.compile(Schema.Date.ast)).toBeUndefined()
    expect(Guard.compile(Schema.Struct({ a: Schema.NumberFromString }).ast)).toBeUndefined()
    expect(Guard.compile(Schema.Record({ key: Schema.String, value: Schema.Number }).ast)).toBeUndefined()
  })
})
