/**
 * Shared helpers of the reliability work: the fault tests in `test/faults`,
 * the fuzz test, and the `soak` and `fuzz` scripts. Nothing here talks to
 * anything but 127.0.0.1 or memory, and every wait is bounded.
 */
import { Cause, type Duration, Effect, Exit, Layer, Logger, LogLevel, Schedule, Stream, Tracer } from "effect"
import type * as RtmEvent from "../src/RtmEvent.js"
import type * as RtmSession from "../src/RtmSession.js"

/**
 * Session options with short timings, so that faults resolve in well under
 * a second: hello within 300 ms, a ping every 200 ms answered within 200 ms,
 * reconnects every 20 ms, and no outbound throttle.
 */
export const fastOptions: RtmSession.Options = {
  helloTimeout: "300 millis",
  pingInterval: "200 millis",
  pongTimeout: "200 millis",
  ackTimeout: "2 seconds",
  rateLimit: false,
  reconnect: Schedule.spaced("20 millis")
}

/**
 * Polls `check` every `interval` until it holds, and dies with a message
 * naming `label` if it does not within `timeout`. Generous by default (10 s)
 * so that a loaded machine only makes a test slower, never red.
 */
export const waitUntil = (
  label: string,
  check: Effect.Effect<boolean> | (() => boolean),
  options: { readonly timeout?: Duration.DurationInput; readonly interval?: Duration.DurationInput } = {}
): Effect.Effect<void> => {
  const probe = Effect.isEffect(check) ? check : Effect.sync(check)
  return probe.pipe(
    Effect.repeat({ until: (ok) => ok, schedule: Schedule.spaced(options.interval ?? "5 millis") }),
    Effect.timeoutFail({
      duration: options.timeout ?? "10 seconds",
      onTimeout: () => `timed out waiting for: ${label}`
    }),
    Effect.orDieWith((message) => new Error(message)),
    Effect.asVoid
  )
}

/**
 * Records every state of a session, from the current one on, into an array
 * that the caller can read at any time. The recorder lives as long as the
 * surrounding scope; the returned effect succeeds once the current state has
 * been recorded, so no later change can be missed.
 */
export const recordStates = (session: RtmSession.RtmSession) =>
  Effect.gen(function*() {
    const states: Array<RtmSession.SessionState> = []
    yield* session.state.pipe(
      Stream.runForEach((state) => Effect.sync(() => void states.push(state))),
      Effect.forkScoped
    )
    yield* waitUntil("the first state", () => states.length > 0)
    return states
  })

/**
 * Records every event of a session into an array, as {@link recordStates}
 * does for states. `ended` is set once the event stream ends or fails.
 * Only one consumer may read a session's events.
 */
export const recordEvents = (session: RtmSession.RtmSession) =>
  Effect.gen(function*() {
    const record = {
      events: [] as Array<RtmEvent.RtmEvent>,
      ended: undefined as undefined | { readonly error?: unknown }
    }
    yield* session.events.pipe(
      Stream.runForEach((event) => Effect.sync(() => void record.events.push(event))),
      Effect.matchEffect({
        onFailure: (error) => Effect.sync(() => void (record.ended = { error })),
        onSuccess: () => Effect.sync(() => void (record.ended = {}))
      }),
      Effect.forkScoped
    )
    return record
  })

/** The `Reconnecting` states among `states`, with their causes. */
export const reconnectCauses = (states: ReadonlyArray<RtmSession.SessionState>) =>
  states.flatMap((state) => state._tag === "Reconnecting" ? [state.cause] : [])

/** How many times `states` went to `Connected`. */
export const connectedCount = (states: ReadonlyArray<RtmSession.SessionState>) =>
  states.filter((state) => state._tag === "Connected").length

/** One captured log entry. */
export interface CapturedLog {
  readonly level: string
  readonly message: string
  /** The log's cause, rendered, when it has one. */
  readonly cause: string | undefined
  /** Whether the cause holds a defect (a `die`). */
  readonly defect: boolean
}

/**
 * A logger that keeps every entry at every level, for leak and defect
 * checks. `unhandled` counts Effect's "Fiber terminated with an unhandled
 * error" reports; `defects` counts entries whose cause holds a defect.
 * With `keep: false` (for long soaks) only the counts are kept, and the
 * first 50 entries that are problems: a defect, an unhandled error, or
 * level Error and above.
 */
export const capturingLogger = (options: { readonly keep?: boolean } = {}) => {
  const keep = options.keep ?? true
  const entries: Array<CapturedLog> = []
  const counts = { total: 0, unhandled: 0, defects: 0, errors: 0, byLevel: {} as Record<string, number> }
  const logger = Logger.make(({ cause, logLevel, message }) => {
    const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
    const defect = !Cause.isEmpty(cause) && Cause.isDie(cause)
    const unhandled = /unhandled/i.test(text)
    const error = logLevel._tag === "Error" || logLevel._tag === "Fatal"
    counts.total++
    counts.byLevel[logLevel.label] = (counts.byLevel[logLevel.label] ?? 0) + 1
    if (unhandled) counts.unhandled++
    if (defect) counts.defects++
    if (error) counts.errors++
    if (keep || ((defect || unhandled || error) && entries.length < 50)) {
      entries.push({
        level: logLevel.label,
        message: text,
        cause: Cause.isEmpty(cause) ? undefined : Cause.pretty(cause, { renderErrorCause: true }),
        defect
      })
    }
  })
  const layer: Layer.Layer<never> = Layer.merge(
    Logger.replace(Logger.defaultLogger, logger),
    Logger.minimumLogLevel(LogLevel.All)
  )
  return { entries, counts, layer }
}

/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the
 * same sequence on every machine, so a failing run can be replayed.
 */
export const prng = (seed: number) => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(next() * items.length)]!
  const chance = (p: number) => next() < p
  return { next, int, pick, chance }
}

/** A seeded generator, as {@link prng} makes. */
export type Prng = ReturnType<typeof prng>

/** One span as {@link recordingTracer} saw it. */
export interface RecordedSpan {
  readonly name: string
  readonly attributes: Map<string, unknown>
  readonly events: Array<{ readonly name: string; readonly attributes: unknown }>
  /** How the span ended: `success`, or the rendered cause. */
  exit: string | undefined
}

/**
 * A tracer that records every span's name, attributes, events and exit
 * (failures rendered with `Cause.pretty`), for leak checks.
 */
export const recordingTracer = () => {
  const spans: Array<RecordedSpan> = []
  let next = 0
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const record: RecordedSpan = { name, attributes: new Map(), events: [], exit: undefined }
      spans.push(record)
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span-${next++}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes: record.attributes,
        links,
        sampled: true,
        kind,
        end: (_endTime, exit) => {
          record.exit = Exit.isSuccess(exit) ? "success" : Cause.pretty(exit.cause, { renderErrorCause: true })
        },
        attribute: (key, value) => void record.attributes.set(key, value),
        event: (eventName, _time, attributes) => void record.events.push({ name: eventName, attributes }),
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

/** JSON of anything: bigints as strings, Maps as entries, cycles cut. */
export const dump = (value: unknown): string => {
  const seen = new WeakSet<object>()
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === "bigint") return String(item)
    if (item instanceof Map) return [...item.entries()]
    if (item instanceof Uint8Array) return Buffer.from(item).toString("latin1")
    if (typeof item === "object" && item !== null) {
      if (seen.has(item)) return "[cycle]"
      seen.add(item)
    }
    return item
  }) ?? String(value)
}

/**
 * Session timings for fault rows that do not test the socket's deadlines:
 * fast reconnects, but hello and pong deadlines generous enough that a
 * loaded machine adds no reconnect of its own.
 */
export const relaxedOptions: RtmSession.Options = {
  ...fastOptions,
  helloTimeout: "5 seconds",
  pingInterval: "1 hour",
  pongTimeout: "5 seconds"
}

/** Reads `--name N` from the command line: a non-negative number, or `fallback`. */
export const numericArg = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`)
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} wants a non-negative number`)
  return value
}

/** Counts the process's unhandled rejections and uncaught exceptions, keeping a few samples. */
export const countProcessFaults = () => {
  const faults = { unhandledRejection: 0, uncaughtException: 0, samples: [] as Array<string> }
  process.on("unhandledRejection", (reason) => {
    faults.unhandledRejection++
    if (faults.samples.length < 5) faults.samples.push(`unhandledRejection: ${String(reason).slice(0, 500)}`)
  })
  process.on("uncaughtException", (error) => {
    faults.uncaughtException++
    if (faults.samples.length < 5) {
      faults.samples.push(`uncaughtException: ${(error.stack ?? String(error)).slice(0, 500)}`)
    }
  })
  return faults
}
