/**
 * The fuzzers, shared by `scripts/fuzz.ts` (full runs) and
 * `test/fuzz.test.ts` (bounded runs):
 *
 * - {@link runFrameFuzz} feeds a session generated inbound frames through
 *   the in-memory `SlackTest` socket and checks that each one is accounted
 *   for, in order, as the event an independent oracle predicts;
 * - {@link runHttpFuzz} feeds `Rtm.connect` / `Rtm.start` generated statuses,
 *   headers and bodies through an in-memory `HttpClient` and checks that each
 *   outcome is a success or the typed error the oracle predicts, never a
 *   defect.
 *
 * Both are deterministic for a seed (mulberry32), bounded in count, and
 * touch no network.
 */
import * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Metrics from "../src/internal/metrics.js"
import * as Rtm from "../src/Rtm.js"
import { known, type RtmEvent } from "../src/RtmEvent.js"
import * as RtmSession from "../src/RtmSession.js"
import * as SlackConfig from "../src/SlackConfig.js"
import { catalogue, pascalCase, type RtmStartErrorCode } from "../src/SlackError.js"
import * as SlackWebApi from "../src/SlackWebApi.js"
import * as SlackTest from "../src/testing/SlackTest.js"
import { connectedCount, type Prng, prng, recordEvents, recordStates, waitUntil } from "./harness.js"

// ---------------------------------------------------------------------------
// JSON text with raw tokens (huge numbers, deep nesting) that JSON.stringify
// cannot produce.

/** A piece of JSON text inserted as it is. */
class Raw {
  constructor(readonly text: string) {}
}

type Json = null | boolean | number | string | Raw | ReadonlyArray<Json> | { readonly [key: string]: Json }

const toJson = (value: Json): string => {
  if (value instanceof Raw) return value.text
  if (Array.isArray(value)) return `[${value.map(toJson).join(",")}]`
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(",")}}`
  }
  return JSON.stringify(value)
}

/** Nested arrays or objects, `depth` levels deep, as text (no recursion here). */
const deep = (rng: Prng, depth: number, form: "any" | "array" = "any"): Raw =>
  form === "array" || rng.chance(0.5)
    ? new Raw("[".repeat(depth) + "]".repeat(depth))
    : new Raw("{\"a\":".repeat(depth) + "1" + "}".repeat(depth))

const hugeNumbers = [
  "1e308",
  "-1e308",
  "1e400",
  "-1e400",
  "123456789012345678901234567890",
  "-0",
  "5e-324",
  "1e-400",
  "9007199254740993",
  "0.30000000000000004"
]

const loneSurrogates = ["\ud800", "\udc00", "a\ud83d", "\udfff!", "\ud83d\ud83d"]

const randomString = (rng: Prng): string => {
  switch (rng.int(0, 9)) {
    case 0:
      return ""
    case 1:
      return rng.pick(loneSurrogates)
    case 2:
      return "é😀\u0000\u001f\u2028"
    case 3:
      return "x".repeat(rng.int(1_000, rng.chance(0.1) ? 200_000 : 5_000))
    case 4:
      return rng.pick(["__proto__", "constructor", "toString", "hasOwnProperty", "null", "undefined"])
    default: {
      let text = ""
      const length = rng.int(1, 24)
      for (let n = 0; n < length; n++) text += String.fromCharCode(rng.int(32, 126))
      return text
    }
  }
}

type Kind = "string" | "object" | "number"

/** A value of some type other than `kind`. */
const wrongValue = (rng: Prng, kind: Kind, maxDepth: number): Json => {
  const candidates: Array<() => Json> = [
    () => rng.int(-1_000, 1_000),
    () => new Raw(rng.pick(hugeNumbers)),
    () => rng.chance(0.5),
    () => null,
    () => [randomString(rng)],
    () => ({ nested: randomString(rng) }),
    () => deep(rng, rng.int(2, maxDepth), kind === "object" ? "array" : "any"),
    () => randomString(rng)
  ]
  const excluded = kind === "string" ? 7 : kind === "number" ? [0, 1] : 5
  const allowed = candidates.filter((_, index) =>
    Array.isArray(excluded) ? !excluded.includes(index) : index !== excluded
  )
  return rng.pick(allowed)()
}

/** A value of any type, for fields the schemas do not look at. */
const anyValue = (rng: Prng, maxDepth: number): Json =>
  rng.pick<() => Json>([
    () => randomString(rng),
    () => rng.int(-1e9, 1e9),
    () => new Raw(rng.pick(hugeNumbers)),
    () => rng.chance(0.5),
    () => null,
    () => [1, "two", { three: 3 }],
    () => ({ x: randomString(rng), y: [null] }),
    () => deep(rng, rng.int(2, maxDepth))
  ])()

// ---------------------------------------------------------------------------
// Inbound frames.

interface Sample {
  readonly type: string
  readonly fields: { readonly [key: string]: Json }
  /** Fields whose schema rejects a value of another type. */
  readonly typed: { readonly [key: string]: Kind }
  /** Fields whose absence the schema rejects. */
  readonly required: ReadonlyArray<string>
}

const conversation = { id: "C1", name: "general", created: 1_700_000_000, creator: "U1" }

/** Valid events of documented types, with the fields their schemas check. */
const samples: ReadonlyArray<Sample> = [
  {
    type: "message",
    fields: {
      channel: "C1",
      ts: "1.000001",
      user: "U1",
      text: "hi",
      thread_ts: "1.000000",
      edited: { user: "U1", ts: "2.0" }
    },
    typed: { channel: "string", ts: "string", user: "string", text: "string", thread_ts: "string", edited: "object" },
    required: ["channel", "ts"]
  },
  {
    type: "presence_change",
    fields: { user: "U1", presence: "away" },
    typed: { user: "string", presence: "string" },
    required: ["presence"]
  },
  {
    type: "manual_presence_change",
    fields: { presence: "active" },
    typed: { presence: "string" },
    required: ["presence"]
  },
  {
    type: "user_typing",
    fields: { channel: "C1", user: "U1" },
    typed: { channel: "string", user: "string" },
    required: ["channel", "user"]
  },
  { type: "reconnect_url", fields: { url: "wss://example.test/x" }, typed: { url: "string" }, required: [] },
  { type: "error", fields: { error: { code: 1, msg: "oops" } }, typed: { error: "object" }, required: ["error"] },
  {
    type: "channel_created",
    fields: { channel: conversation, user: "U1" },
    typed: { channel: "object", user: "string" },
    required: ["channel"]
  },
  { type: "group_joined", fields: { channel: conversation }, typed: { channel: "object" }, required: ["channel"] },
  {
    type: "channel_left",
    fields: { channel: "C1", actor_id: "U2" },
    typed: { channel: "string", actor_id: "string" },
    required: ["channel"]
  },
  {
    type: "im_close",
    fields: { channel: "D1", user: "U1" },
    typed: { channel: "string", user: "string" },
    required: ["channel"]
  },
  {
    type: "channel_marked",
    fields: { channel: "C1", ts: "1.0" },
    typed: { channel: "string", ts: "string" },
    required: ["channel", "ts"]
  },
  {
    type: "channel_history_changed",
    fields: { latest: "1.0", ts: "1.0", event_ts: "1.0" },
    typed: { latest: "string", ts: "string", event_ts: "string" },
    required: []
  },
  {
    type: "member_joined_channel",
    fields: { user: "U1", channel: "C1", channel_type: "C", inviter: "U2" },
    typed: { user: "string", channel: "string", channel_type: "string", inviter: "string" },
    required: ["user", "channel"]
  },
  {
    type: "reaction_added",
    fields: { user: "U1", reaction: "thumbsup", item: { type: "message", channel: "C1", ts: "1.0" }, event_ts: "1.0" },
    typed: { user: "string", reaction: "string", item: "object", event_ts: "string" },
    required: ["user", "reaction", "item"]
  },
  {
    type: "dnd_updated",
    fields: { user: "U1", dnd_status: { dnd_enabled: true, next_dnd_start_ts: 1 } },
    typed: { user: "string", dnd_status: "object" },
    required: ["user", "dnd_status"]
  },
  {
    type: "user_change",
    fields: { user: { id: "U1", name: "bob" }, cache_ts: 1 },
    typed: { user: "object", cache_ts: "number" },
    required: ["user"]
  },
  { type: "team_join", fields: { user: { id: "U3" } }, typed: { user: "object" }, required: ["user"] },
  { type: "pref_change", fields: { name: "theme", value: "dark" }, typed: { name: "string" }, required: ["name"] },
  {
    type: "im_created",
    fields: { channel: { id: "D1" }, user: "U1" },
    typed: { channel: "object", user: "string" },
    required: ["channel"]
  },
  { type: "hello", fields: {}, typed: {}, required: [] }
]

/** Events that end the connection; the session must reconnect after each. */
const reconnecting: ReadonlyArray<Sample> = [
  { type: "goodbye", fields: {}, typed: {}, required: [] },
  { type: "team_migration_started", fields: {}, typed: {}, required: [] }
]

const knownTypes: ReadonlySet<string> = new Set(
  known.map((schema) => ("members" in schema ? schema.members[0] : schema).fields.type.literal)
)

/** What one frame should become. `valid` is what the generator meant for a documented type. */
export interface FrameCase {
  readonly category: string
  readonly frame: string | Uint8Array
  readonly valid?: boolean | "either"
}

/** The event the oracle expects for a frame. */
export type Expected =
  | { readonly kind: "undecodable" }
  | { readonly kind: "unknown"; readonly originalType: string | undefined }
  | { readonly kind: "reply"; readonly replyTo: number }
  | { readonly kind: "event"; readonly type: string; readonly valid: boolean | "either" }

/**
 * The oracle: what the session should deliver for a frame, worked out
 * independently of the package's decoder, from the RTM rules: binary and
 * non-JSON frames and non-objects are undecodable; a numeric `reply_to`
 * without a `type` (or with `pong`) is a reply; an undocumented `type` is
 * `unknown`; a documented one is that event when its fields fit.
 */
export const expectedFor = (frameCase: FrameCase): Expected => {
  const { frame } = frameCase
  if (typeof frame !== "string") return { kind: "undecodable" }
  let json: unknown
  try {
    json = JSON.parse(frame)
  } catch {
    return { kind: "undecodable" }
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { kind: "undecodable" }
  const raw = json as Record<string, unknown>
  const type = raw["type"]
  if (typeof raw["reply_to"] === "number" && (type === undefined || type === "pong")) {
    return { kind: "reply", replyTo: raw["reply_to"] }
  }
  if (typeof type !== "string" || !knownTypes.has(type)) {
    return { kind: "unknown", originalType: typeof type === "string" ? type : undefined }
  }
  return { kind: "event", type, valid: frameCase.valid ?? "either" }
}

/** Whether `event` is what `expected` says. */
export const matches = (event: RtmEvent | undefined, expected: Expected): boolean => {
  if (event === undefined) return false
  switch (expected.kind) {
    case "undecodable":
      return event.type === "undecodable"
    case "unknown":
      return event.type === "unknown" && event.originalType === expected.originalType
    case "reply":
      return event.type === "unmatched_reply" && Object.is(event.reply_to, expected.replyTo)
    case "event":
      return expected.valid === true
        ? event.type === expected.type
        : expected.valid === false
        ? event.type === "undecodable"
        : event.type === expected.type || event.type === "undecodable"
  }
}

const withExtras = (rng: Prng, fields: { readonly [key: string]: Json }, maxDepth: number) => {
  const result: Record<string, Json> = { ...fields }
  const extras = rng.chance(0.5) ? 0 : rng.int(1, 4)
  for (let n = 0; n < extras; n++) result[`x_${rng.int(0, 99)}`] = anyValue(rng, maxDepth)
  return result
}

const eventText = (type: Json, fields: { readonly [key: string]: Json }, prefix = "") => {
  const body = toJson({ type, ...fields })
  return prefix === "" ? body : `{${prefix},${body.slice(1)}`
}

/**
 * One generated inbound frame. `maxDepth` bounds the nesting of the deep
 * values it makes; `reconnects` allows `goodbye` and
 * `team_migration_started`, which end the connection.
 */
export const frameCase = (
  rng: Prng,
  options: { readonly maxDepth: number; readonly reconnects: boolean }
): FrameCase => {
  const { maxDepth } = options
  const roll = rng.next()
  if (options.reconnects && roll < 0.002) {
    const sample = rng.pick(reconnecting)
    return {
      category: "reconnecting event",
      frame: eventText(sample.type, withExtras(rng, sample.fields, 3)),
      valid: true
    }
  }
  if (roll < 0.25) {
    const sample = rng.pick(samples)
    return {
      category: "valid documented event",
      frame: eventText(sample.type, withExtras(rng, sample.fields, maxDepth)),
      valid: true
    }
  }
  if (roll < 0.45) {
    const sample = rng.pick(samples.filter((s) => Object.keys(s.typed).length > 0))
    const field = rng.pick(Object.keys(sample.typed))
    const fields = { ...sample.fields, [field]: wrongValue(rng, sample.typed[field]!, maxDepth) }
    return { category: "wrong field type", frame: eventText(sample.type, withExtras(rng, fields, 3)), valid: false }
  }
  if (roll < 0.5) {
    const sample = rng.pick(samples.filter((s) => s.required.length > 0))
    const missing = rng.pick(sample.required)
    const fields = Object.fromEntries(Object.entries(sample.fields).filter(([key]) => key !== missing))
    return { category: "missing required field", frame: eventText(sample.type, fields), valid: false }
  }
  if (roll < 0.6) {
    const sample = rng.pick(samples)
    const whole = eventText(sample.type, withExtras(rng, sample.fields, 3))
    return { category: "truncated JSON", frame: whole.slice(0, rng.int(0, whole.length - 1)) }
  }
  if (roll < 0.7) {
    const type: Json = rng.pick<() => Json>([
      () => `custom_${rng.int(0, 999)}`,
      () => rng.pick(["unknown", "undecodable", "events_dropped", "unmatched_reply", "pong", "ping", "Message", ""]),
      () => rng.pick(["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]),
      () => randomString(rng),
      () => rng.int(0, 9),
      () => null,
      () => [],
      () => ({ type: "message" })
    ])()
    return { category: "unknown type", frame: eventText(type, withExtras(rng, { count: 3 }, maxDepth)) }
  }
  if (roll < 0.77) {
    const replyTo = rng.pick<() => Json>([
      () => rng.int(1, 1_000_000),
      () => rng.int(-1_000, 0),
      () => new Raw(rng.pick(hugeNumbers)),
      () => 1.5,
      () => "12",
      () => null
    ])()
    const fields: Record<string, Json> = rng.chance(0.5)
      ? { ok: true, reply_to: replyTo, ts: "1.000001", text: randomString(rng) }
      : { ok: false, reply_to: replyTo, error: { code: 2, msg: "no" } }
    const text = rng.chance(0.3) ? toJson({ type: "pong", ...fields }) : toJson(fields)
    return { category: "reply", frame: text }
  }
  if (roll < 0.82) {
    const value = rng.pick<() => Json>([
      () => null,
      () => rng.int(-5, 5),
      () => randomString(rng),
      () => [],
      () => [{ type: "message", channel: "C1", ts: "1" }],
      () => true,
      () => new Raw(rng.pick(hugeNumbers)),
      () => deep(rng, rng.int(2, maxDepth))
    ])()
    return { category: "JSON, not an object", frame: toJson(value) }
  }
  if (roll < 0.87) {
    const frame = rng.pick<() => string>([
      () => "",
      () => " ",
      () => "\uFEFF{\"type\":\"hello\"}",
      () => "{'type':'message'}",
      () => "{\"type\":\"message\",}",
      () => "NaN",
      () => "undefined",
      () => "{\"type\":\"message\"}{\"type\":\"hello\"}",
      () => randomString(rng)
    ])()
    return { category: "garbage text", frame }
  }
  if (roll < 0.92) {
    const bytes = rng.pick<() => Uint8Array>([
      () => Uint8Array.from({ length: rng.int(0, 64) }, () => rng.int(0, 255)),
      () => new TextEncoder().encode("{\"type\":\"hello\"}"),
      () => Uint8Array.of(0xc0, 0x80),
      () => Uint8Array.of(0xed, 0xa0, 0x80),
      () => Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d)
    ])()
    return { category: "binary or invalid UTF-8", frame: bytes }
  }
  if (roll < 0.95) {
    const depth = rng.int(Math.min(100, maxDepth), maxDepth)
    const nested = deep(rng, depth)
    const frame = rng.pick<() => FrameCase>([
      () => ({
        category: "deep nesting",
        frame: toJson({ type: "message", channel: "C1", ts: "1.0", x_deep: nested }),
        valid: true
      }),
      () => ({
        category: "deep nesting",
        frame: toJson({ type: "message", channel: nested, ts: "1.0" }),
        valid: false
      }),
      () => ({ category: "deep nesting", frame: toJson({ type: "custom_deep", payload: nested }) }),
      () => ({ category: "deep nesting", frame: nested.text }),
      () => ({
        category: "deep nesting",
        frame: toJson({ type: "user_change", user: { id: "U1", profile: nested } }),
        valid: true
      })
    ])()
    return frame
  }
  if (roll < 0.98) {
    const surrogate = rng.pick(loneSurrogates)
    return rng.pick<() => FrameCase>([
      () => ({
        category: "lone surrogates",
        frame: toJson({ type: "message", channel: "C1", ts: "1.0", text: surrogate }),
        valid: true
      }),
      () => ({
        category: "lone surrogates",
        frame: "{\"type\":\"message\",\"channel\":\"C1\",\"ts\":\"1.0\",\"text\":\"\\ud800\"}",
        valid: true
      }),
      () => ({ category: "lone surrogates", frame: toJson({ type: `odd${surrogate}` }) })
    ])()
  }
  return rng.pick<() => FrameCase>([
    () => ({
      category: "huge numbers",
      frame: eventText("message", { channel: "C1", ts: new Raw(rng.pick(hugeNumbers)) }),
      valid: false
    }),
    () => ({
      category: "huge numbers",
      frame: eventText("user_change", { user: { id: "U1" }, cache_ts: new Raw(rng.pick(hugeNumbers)) }),
      valid: true
    }),
    () => ({
      category: "duplicate keys",
      frame: "{\"type\":\"message\",\"channel\":\"C1\",\"ts\":\"1\",\"type\":\"user_typing\",\"user\":\"U1\"}",
      valid: true
    }),
    () => ({
      category: "prototype keys",
      frame: "{\"type\":\"message\",\"channel\":\"C1\",\"ts\":\"1\",\"__proto__\":{\"polluted\":true}}",
      valid: true
    }),
    () => ({
      category: "prototype keys",
      frame: "{\"__proto__\":{\"type\":\"message\"},\"constructor\":{\"prototype\":{}}}"
    })
  ])()
}

/** The figures of one run of {@link runFrameFuzz}. */
export interface FrameFuzzReport {
  readonly seed: number
  readonly frames: number
  readonly maxDepth: number
  /** Frames per category. */
  readonly categories: Readonly<Record<string, number>>
  /** Events delivered per `type`, the reconnect hellos included. */
  readonly events: Readonly<Record<string, number>>
  /** `undecodable` events, and what the decode-failure metric counted meanwhile. */
  readonly undecodable: number
  readonly decodeFailureMetric: number
  /** Events that were dropped (counted in `events_dropped`); 0 expected with the large buffer. */
  readonly dropped: number
  /** Frames accounted for as the event the oracle predicted. */
  readonly accounted: number
  /** Frames whose event was missing or not the predicted one (the first few). */
  readonly mismatches: ReadonlyArray<
    { readonly index: number; readonly category: string; readonly expected: Expected; readonly got: string }
  >
  readonly mismatchCount: number
  /** Reconnects that `goodbye` / `team_migration_started` frames caused. */
  readonly reconnects: number
  /** Whether the session ended; it must not. */
  readonly sessionEnded: boolean
  /** Whether a message sent after the run was acked. */
  readonly sendAfter: boolean
  readonly millis: number
}

const decodeFailureCount = Effect.map(Metric.value(Metrics.decodeFailures), (state) => state.count)

/**
 * Feeds `frames` generated frames to one session over the in-memory
 * `SlackTest` socket, and accounts for every one.
 */
export const runFrameFuzz = (options: {
  readonly frames: number
  readonly seed: number
  readonly maxDepth: number
  /** How long to wait for the consumer to catch up at the end. Default 30 s. */
  readonly settle?: Duration.Input
}): Effect.Effect<FrameFuzzReport> =>
  Effect.gen(function*() {
    const started = Date.now()
    const rng = prng(options.seed)
    const test = yield* SlackTest.SlackTest
    const metricBefore = yield* decodeFailureCount
    const session = yield* RtmSession.make({
      pingInterval: "1 hour",
      inboundCapacity: 10 * options.frames + 100,
      inboundBytes: Infinity,
      reconnect: Schedule.spaced("1 millis"),
      rateLimit: false
    }).pipe(Effect.orDie)
    const states = yield* recordStates(session)
    const record = yield* recordEvents(session)
    const cases: Array<{ readonly category: string; readonly expected: Expected }> = [
      { category: "hello", expected: { kind: "event", type: "hello", valid: true } }
    ]
    const categories: Record<string, number> = {}
    let reconnects = 0
    for (let index = 0; index < options.frames; index++) {
      const frameCase_ = frameCase(rng, { maxDepth: options.maxDepth, reconnects: true })
      const expected = expectedFor(frameCase_)
      categories[frameCase_.category] = (categories[frameCase_.category] ?? 0) + 1
      cases.push({ category: frameCase_.category, expected })
      const socket = yield* test.socket
      const connectedBefore = connectedCount(states)
      yield* socket.pushRaw(frameCase_.frame)
      if (expected.kind === "event" && (expected.type === "goodbye" || expected.type === "team_migration_started")) {
        reconnects++
        yield* waitUntil("the reconnect", () => connectedCount(states) > connectedBefore)
        cases.push({ category: "hello after a reconnect", expected: { kind: "event", type: "hello", valid: true } })
      }
    }
    yield* waitUntil("every event", () => record.events.length >= cases.length, {
      timeout: options.settle ?? "30 seconds"
    }).pipe(Effect.catchDefect(() => Effect.void))
    const mismatches: Array<FrameFuzzReport["mismatches"][number]> = []
    let mismatchCount = 0
    cases.forEach(({ category, expected }, index) => {
      const event = record.events[index]
      if (!matches(event, expected)) {
        mismatchCount++
        if (mismatches.length < 10) {
          mismatches.push({
            index,
            category,
            expected,
            got: event === undefined ? "nothing" : JSON.stringify(event).slice(0, 200)
          })
        }
      }
    })
    const events: Record<string, number> = {}
    for (const event of record.events) events[event.type] = (events[event.type] ?? 0) + 1
    const dropped = record.events.reduce((sum, event) => sum + (event.type === "events_dropped" ? event.count : 0), 0)
    const sendAfter = yield* session.sendMessage({ channel: "C1", text: "after the fuzz" }).pipe(
      Effect.timeout("5 seconds"),
      Effect.match({ onFailure: () => false, onSuccess: (ack) => ack.text === "after the fuzz" })
    )
    return {
      seed: options.seed,
      frames: options.frames,
      maxDepth: options.maxDepth,
      categories,
      events,
      undecodable: events["undecodable"] ?? 0,
      decodeFailureMetric: (yield* decodeFailureCount) - metricBefore,
      dropped,
      accounted: cases.length - 1 - reconnects - mismatchCount,
      mismatches,
      mismatchCount,
      reconnects,
      sessionEnded: record.ended !== undefined,
      sendAfter,
      millis: Date.now() - started
    }
  }).pipe(Effect.scoped, Effect.provide(SlackTest.layer))

// ---------------------------------------------------------------------------
// Web API answers.

/** A recognisable token: no error message may contain it. */
export const fuzzToken = "xoxb-FUZZ-7777-never-print-me"

/** One generated Web API answer, or a transport fault. */
export type HttpCase =
  | { readonly kind: "transport"; readonly category: string }
  | { readonly kind: "hang"; readonly category: string }
  | {
    readonly kind: "answer" | "body error"
    readonly category: string
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    readonly body: string | Uint8Array | null
    /** For `ok: true` bodies: whether the generator meant the shape to be valid. */
    readonly valid?: boolean
  }

const nullBodyStatuses: ReadonlySet<number> = new Set([204, 205, 304])

const statusOf = (rng: Prng) =>
  rng.chance(0.6)
    ? 200
    : rng.pick<() => number>([
      () => rng.pick([201, 202, 203, 204, 206, 299]),
      () => rng.pick([300, 301, 302, 303, 304, 307, 308]),
      () => rng.pick([400, 401, 403, 404, 405, 408, 409, 410, 413, 418, 422, 429, 429, 429]),
      () => rng.pick([500, 501, 502, 503, 504, 599]),
      () => rng.int(200, 599)
    ])()

const retryAfterValue = (rng: Prng) =>
  rng.pick<() => string>([
    () => String(rng.int(0, 120)),
    () => `${rng.int(0, 9)}.${rng.int(0, 999)}`,
    () => "-1",
    () => "",
    () => " 7 ",
    () => new Date(Date.now() + rng.int(-100_000, 100_000)).toUTCString(),
    () => "soon",
    () => "9".repeat(rng.int(20, 400)),
    () => "1e3",
    () => "Wed, 21 Oct 2015 07:28:00 GMT"
  ])()

const printable = (rng: Prng, length: number) => {
  let text = ""
  for (let n = 0; n < length; n++) text += String.fromCharCode(rng.int(32, 126))
  return text
}

const goodSuccess = {
  ok: true,
  url: "wss://example.test/rtm",
  team: { id: "T1", name: "Team", domain: "team" },
  self: { id: "U1", name: "bot" }
}

const bodyOf = (
  rng: Prng,
  maxDepth: number
): { readonly category: string; readonly body: string | Uint8Array; readonly valid?: boolean } => {
  const roll = rng.next()
  if (roll < 0.2) {
    return { category: "valid success", body: toJson(withExtras(rng, goodSuccess, maxDepth)), valid: true }
  }
  if (roll < 0.35) {
    const field = rng.pick(["url", "team", "self"] as const)
    const broken: Record<string, Json> = { ...goodSuccess }
    if (rng.chance(0.3)) delete broken[field]
    else {broken[field] = field === "url" ? wrongValue(rng, "string", maxDepth) : rng.chance(0.5)
        ? wrongValue(rng, "object", maxDepth)
        : { id: wrongValue(rng, "string", maxDepth), name: "x", domain: "y" }}
    return { category: "success of the wrong shape", body: toJson(broken), valid: false }
  }
  if (roll < 0.55) {
    const code = rng.pick<() => string>([
      () => rng.pick(Object.keys(catalogue)),
      () => rng.pick(Object.keys(catalogue)),
      () => `new_code_${rng.int(0, 99)}`,
      () => rng.pick(["__proto__", "constructor", "toString", "hasOwnProperty", "", "Invalid_Auth"]),
      () => randomString(rng)
    ])()
    return { category: "ok: false with a code", body: toJson(withExtras(rng, { ok: false, error: code }, 3)) }
  }
  if (roll < 0.62) {
    return {
      category: "ok: false, error not a string",
      body: toJson({ ok: false, error: wrongValue(rng, "string", maxDepth) })
    }
  }
  if (roll < 0.67) {
    const ok = rng.pick<Json>(["true", 1, null, [], {}])
    return {
      category: "ok not a boolean",
      body: rng.chance(0.2) ? toJson({ url: "wss://x" }) : toJson({ ...goodSuccess, ok })
    }
  }
  if (roll < 0.72) {
    return {
      category: "JSON, not an object",
      body: toJson(
        rng.pick<() => Json>([() => null, () => 42, () => "ok", () => [], () => true, () => deep(rng, maxDepth)])()
      )
    }
  }
  if (roll < 0.8) {
    const whole = toJson(goodSuccess)
    return { category: "truncated JSON", body: whole.slice(0, rng.int(0, whole.length - 1)) }
  }
  if (roll < 0.84) return { category: "empty body", body: "" }
  if (roll < 0.88) {
    return { category: "HTML", body: `<html><body><h1>${printable(rng, rng.int(0, 400))}</h1></body></html>` }
  }
  if (roll < 0.92) {
    return {
      category: "invalid UTF-8",
      body: rng.pick<() => Uint8Array>([
        () => Uint8Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255)),
        () => Uint8Array.of(0x7b, 0x22, 0x6f, 0x6b, 0x22, 0x3a, 0xff, 0x7d),
        () => new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify(goodSuccess))])
      ])()
    }
  }
  if (roll < 0.95) {
    return {
      category: "huge body",
      body: toJson({ ...goodSuccess, x_big: "y".repeat(rng.int(100_000, 1_000_000)) }),
      valid: true
    }
  }
  return {
    category: "huge numbers",
    body: toJson({
      ...goodSuccess,
      x_n: new Raw(rng.pick(hugeNumbers)),
      team: { id: "T1", name: "Team", domain: "team", x: new Raw(rng.pick(hugeNumbers)) }
    }),
    valid: true
  }
}

/** One generated Web API case. */
export const httpCase = (rng: Prng, options: { readonly maxDepth: number }): HttpCase => {
  const roll = rng.next()
  if (roll < 0.03) return { kind: "transport", category: "transport failure" }
  if (roll < 0.04) return { kind: "hang", category: "no answer" }
  const kind = roll < 0.07 ? "body error" : "answer"
  const drawn = statusOf(rng)
  const status = kind === "body error" && nullBodyStatuses.has(drawn) ? 200 : drawn
  const headers: Record<string, string> = {}
  if (status === 429 || rng.chance(0.2)) headers["retry-after"] = retryAfterValue(rng)
  if (rng.chance(0.5)) {
    headers["content-type"] = rng.pick([
      "application/json",
      "application/json; charset=utf-8",
      "text/html",
      "text/plain; charset=iso-8859-1",
      "application/octet-stream",
      "garbage"
    ])
  }
  if (rng.chance(0.2)) headers[`x-fuzz-${rng.int(0, 9)}`] = printable(rng, rng.int(0, 40))
  const { body, category, valid } = bodyOf(rng, options.maxDepth)
  return {
    kind,
    category: kind === "body error" ? "body read fails" : category,
    status,
    headers,
    body: nullBodyStatuses.has(status) ? null : body,
    ...(valid === undefined ? {} : { valid })
  }
}

/** The outcome the oracle expects: a success, or an error tag (with the status, for HTTP errors). */
export type HttpExpected =
  | { readonly outcome: "success" }
  | { readonly outcome: "success or MalformedResponse" }
  | { readonly outcome: "error"; readonly tag: string; readonly code?: string; readonly status?: number }

/** The documented rule for quoting server text: at most 200 characters, the full length stated when cut. */
const quoted = (text: string) => {
  if (text.length <= 200) return text
  const length = `…(${text.length} characters)`
  return text.slice(0, 200 - length.length) + length
}

/**
 * The oracle for a Web API case, from the documented rules: transport and
 * body-read failures are `NetworkError`; no answer is `AttemptTimeout`;
 * 429 is `Ratelimited`; another non-2xx status is `HttpStatusError`; a 2xx
 * body must be a JSON object with a boolean `ok`, an `ok: false` must carry
 * a string code (documented → its own tag, else `UnknownSlackError`), and an
 * `ok: true` must have the method's shape.
 */
export const httpExpectedFor = (method: "rtm.connect" | "rtm.start", httpCase_: HttpCase): HttpExpected => {
  if (httpCase_.kind === "transport" || httpCase_.kind === "body error") {
    return { outcome: "error", tag: "NetworkError" }
  }
  if (httpCase_.kind === "hang") return { outcome: "error", tag: "AttemptTimeout" }
  const { body, status } = httpCase_
  if (status === 429) return { outcome: "error", tag: "Ratelimited", code: "ratelimited" }
  if (status < 200 || status >= 300) return { outcome: "error", tag: "HttpStatusError", status }
  const text = body === null
    ? ""
    : typeof body === "string"
    ? body.replace(/^\uFEFF/, "")
    : new TextDecoder().decode(body)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { outcome: "error", tag: "MalformedResponse" }
  }
  if (typeof json !== "object" || json === null || typeof (json as { ok?: unknown }).ok !== "boolean") {
    return { outcome: "error", tag: "MalformedResponse" }
  }
  const { error, ok } = json as { ok: boolean; error?: unknown }
  if (!ok) {
    if (typeof error !== "string") return { outcome: "error", tag: "MalformedResponse" }
    const documented = Object.hasOwn(catalogue, error) &&
      (method === "rtm.start" || catalogue[error as RtmStartErrorCode].connect)
    return { outcome: "error", tag: documented ? pascalCase(error) : "UnknownSlackError", code: quoted(error) }
  }
  return httpCase_.valid === true
    ? { outcome: "success" }
    : httpCase_.valid === false
    ? { outcome: "error", tag: "MalformedResponse" }
    : { outcome: "success or MalformedResponse" }
}

/** The figures of one run of {@link runHttpFuzz}. */
export interface HttpFuzzReport {
  readonly seed: number
  readonly iterations: number
  readonly categories: Readonly<Record<string, number>>
  /** Outcomes: `success`, or the error tag. */
  readonly outcomes: Readonly<Record<string, number>>
  /** Exits with a defect (a `die`) or an interruption: 0 expected. */
  readonly defects: number
  readonly defectSamples: ReadonlyArray<string>
  /** Outcomes the oracle did not predict (the first few). */
  readonly mismatches: ReadonlyArray<
    { readonly index: number; readonly category: string; readonly expected: HttpExpected; readonly got: string }
  >
  readonly mismatchCount: number
  /** Error messages that held the token: 0 expected. */
  readonly tokenLeaks: number
  readonly millis: number
}

const errorBody = (body: string | Uint8Array | null) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(
        typeof body === "string" ? new TextEncoder().encode(body.slice(0, 10)) : new Uint8Array([0x7b])
      )
      controller.error(new Error("connection reset while reading"))
    }
  })

/** The failure of a cause that is one typed failure and nothing else (no defect, no interruption). */
const typedFailure = <E>(cause: Cause.Cause<E>): Cause.Fail<E> | undefined => {
  const [reason] = cause.reasons
  return cause.reasons.length === 1 && reason !== undefined && Cause.isFailReason(reason) ? reason : undefined
}

/**
 * Calls `Rtm.connect` / `Rtm.start` `iterations` times, each against one
 * generated answer of an in-memory `HttpClient`, with no retries, and
 * checks every exit.
 */
export const runHttpFuzz = (options: {
  readonly iterations: number
  readonly seed: number
  readonly maxDepth: number
}): Effect.Effect<HttpFuzzReport> =>
  Effect.gen(function*() {
    const started = Date.now()
    const rng = prng(options.seed)
    let current: HttpCase = { kind: "hang", category: "none" }
    const client = HttpClient.make((request) => {
      const scripted = current
      switch (scripted.kind) {
        case "transport":
          return Effect.fail(
            new HttpClientError.HttpClientError({
              reason: new HttpClientError.TransportError({ request, cause: new Error("socket hang up") })
            })
          )
        case "hang":
          return Effect.never
        default: {
          const body = scripted.body === null
            ? null
            : scripted.kind === "body error"
            ? errorBody(scripted.body)
            : typeof scripted.body === "string"
            ? scripted.body
            : new Uint8Array(scripted.body)
          return Effect.sync(() =>
            HttpClientResponse.fromWeb(
              request,
              new Response(body, { status: scripted.status, headers: scripted.headers })
            )
          )
        }
      }
    })
    const contextWith = (timeout: Duration.Input) =>
      Layer.build(SlackWebApi.layer.pipe(
        Layer.provide(Layer.succeed(HttpClient.HttpClient, client)),
        Layer.provide(SlackConfig.layer({
          token: Redacted.make(fuzzToken),
          apiUrl: "https://slack.test/api/",
          retry: Schedule.recurs(0),
          timeout
        }))
      )).pipe(Effect.orDie)
    const normal = yield* contextWith("10 seconds")
    const short = yield* contextWith("5 millis")
    const categories: Record<string, number> = {}
    const outcomes: Record<string, number> = {}
    const defectSamples: Array<string> = []
    const mismatches: Array<HttpFuzzReport["mismatches"][number]> = []
    let defects = 0
    let mismatchCount = 0
    let tokenLeaks = 0
    for (let index = 0; index < options.iterations; index++) {
      current = httpCase(rng, options)
      categories[current.category] = (categories[current.category] ?? 0) + 1
      const method = rng.chance(0.2) ? "rtm.start" : "rtm.connect"
      const expected = httpExpectedFor(method, current)
      const call = method === "rtm.start" ? Effect.asVoid(Rtm.start()) : Effect.asVoid(Rtm.connect())
      const exit = yield* Effect.exit(call.pipe(Effect.provide(current.kind === "hang" ? short : normal)))
      let got: string
      const failure = Exit.isFailure(exit) ? typedFailure(exit.cause) : undefined
      if (Exit.isSuccess(exit)) {
        got = "success"
      } else if (failure !== undefined) {
        const error = failure.error
        got = error._tag
        const rendered = `${error.message} ${String(error)} ${JSON.stringify(error)}`
        if (rendered.includes(fuzzToken)) tokenLeaks++
        const ok = expected.outcome === "error"
          ? error._tag === expected.tag &&
            (expected.code === undefined || ("code" in error && error.code === expected.code)) &&
            (expected.status === undefined || (error._tag === "HttpStatusError" && error.status === expected.status))
          : expected.outcome === "success or MalformedResponse" && error._tag === "MalformedResponse"
        if (!ok) {
          mismatchCount++
          if (mismatches.length < 10) {
            mismatches.push({ index, category: current.category, expected, got: error.message.slice(0, 200) })
          }
        }
      } else {
        got = Cause.hasDies(exit.cause) ? "defect" : "other cause"
        defects++
        if (defectSamples.length < 5) {
          defectSamples.push(`${current.category}: ${Cause.pretty(exit.cause).slice(0, 300)}`)
        }
      }
      if (got === "success" && expected.outcome === "error") {
        mismatchCount++
        if (mismatches.length < 10) {
          mismatches.push({ index, category: current.category, expected, got })
        }
      }
      outcomes[got] = (outcomes[got] ?? 0) + 1
    }
    return {
      seed: options.seed,
      iterations: options.iterations,
      categories,
      outcomes,
      defects,
      defectSamples,
      mismatches,
      mismatchCount,
      tokenLeaks,
      millis: Date.now() - started
    }
  }).pipe(Effect.scoped)
