/**
 * The Effect 4 edition's side of the benchmarks (see `contract.ts`): the
 * installed package `effect-slack-rtm`, and Effect's modules imported by
 * path. The Effect 3 edition has the same file in its own package.
 *
 * @since 1.0.0
 */
import { Rtm, RtmSession, Slack } from "effect-slack-rtm"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Endpoint, Ours } from "./contract.js"

/**
 * Logs at `Warn` and above only, as the peers are set up (`LogLevel.WARN`):
 * otherwise each connect writes an INFO line to stdout, which costs CPU the
 * peers do not spend. `Error` for the recovery, as there.
 */
const logAt = (level: "Warn" | "Error") => Effect.provideService(References.MinimumLogLevel, level)

const layerFor = (endpoint: Endpoint, options: { readonly noRetry?: boolean } = {}) =>
  Slack.layer({
    token: Redacted.make(endpoint.token),
    apiUrl: endpoint.apiUrl,
    ...(options.noRetry === true ? { retry: Schedule.recurs(0) } : {})
  })

/**
 * The Effect 4 edition's benchmarks.
 *
 * @since 1.0.0
 */
export const ours: Ours = {
  inbound: (options) =>
    Effect.runPromise(
      Effect.gen(function*() {
        const session = yield* RtmSession.make()
        yield* Effect.sleep(Duration.millis(options.delayMs))
        yield* session.send(options.command)
        options.ready()
        const consume = options.consumer === "chunks"
          ? Stream.runForEachArray(session.events, (events) =>
            Effect.sync(() => {
              for (const event of events) options.onEvent(event)
            }))
          : options.consumer === "pull"
          ? Effect.gen(function*() {
            const pull = yield* Stream.toPull(session.events)
            while (true) {
              const next = yield* Effect.exit(pull)
              if (next._tag === "Failure") return
              for (const event of next.value) yield* Effect.sync(() => options.onEvent(event))
            }
          })
          : Stream.runForEach(session.events, (event) => Effect.sync(() => options.onEvent(event)))
        yield* Effect.raceFirst(consume, Effect.promise(() => options.stop))
      }).pipe(Effect.scoped, Effect.timeout("80 seconds"), Effect.provide(layerFor(options)), logAt("Warn"))
    ),

  memory: async (options) => {
    const scope = Scope.makeUnsafe()
    const context = await Effect.runPromise(Layer.buildWithScope(layerFor(options), scope))
    let events = 0
    const open = Effect.gen(function*() {
      const session = yield* RtmSession.make()
      if (options.consume) {
        yield* Effect.forkIn(Stream.runForEach(session.events, () => Effect.sync(() => void events++)), scope)
      }
    }).pipe(Scope.provide(scope), Effect.provideContext(context), Effect.timeout("20 seconds"), logAt("Warn"))
    return () => Effect.runPromise(open)
  },

  connect: async (options) => {
    const layer = layerFor(options, { noRetry: true })
    return (concurrency, next) =>
      Effect.runPromise(
        Effect.gen(function*() {
          let calls = 0
          let errors = 0
          const worker = Effect.gen(function*() {
            while (next()) {
              const exit = yield* Effect.exit(Rtm.connect())
              if (exit._tag === "Success") calls++
              else errors++
            }
          })
          yield* Effect.all(Array.from({ length: concurrency }, () => worker), {
            concurrency: "unbounded",
            discard: true
          })
          return { calls, errors }
        }).pipe(Effect.provide(layer), logAt("Warn"))
      )
  },

  hello: (options) => {
    const once = Effect.scoped(Effect.gen(function*() {
      const start = performance.timeOrigin + performance.now()
      const session = yield* RtmSession.make()
      yield* Stream.runHead(Stream.filter(session.events, (event) => event.type === "hello"))
      return { start, hello: performance.timeOrigin + performance.now() }
    }))
    return Effect.runPromise(
      Effect.gen(function*() {
        yield* once
        const times: Array<{ start: number; hello: number }> = []
        for (let i = 0; i < options.iterations; i++) times.push(yield* once)
        return times
      }).pipe(Effect.timeout("40 seconds"), Effect.provide(layerFor(options)), logAt("Warn"))
    )
  },

  firstAck: (options) => {
    const once = Effect.scoped(Effect.gen(function*() {
      const t0 = performance.now()
      const session = yield* RtmSession.make()
      const ack = yield* session.sendMessage({ channel: "C024BE91L", text: "first" })
      if (ack.ts === "") return yield* Effect.die("no ts in the ack")
      return performance.now() - t0
    }))
    return Effect.runPromise(
      Effect.gen(function*() {
        yield* once
        const millis: Array<number> = []
        for (let i = 0; i < options.iterations; i++) millis.push(yield* once)
        return millis
      }).pipe(Effect.timeout("40 seconds"), Effect.provide(layerFor(options)), logAt("Warn"))
    )
  },

  recovery: (options) =>
    Effect.runPromise(
      Effect.gen(function*() {
        const session = yield* RtmSession.make({
          pingInterval: Duration.millis(options.pingMs),
          pongTimeout: Duration.millis(options.pongMs),
          stableAfter: "2 seconds"
        })
        yield* Stream.runForEach(session.events, (event) => {
          const frames = event.type === "hello"
            ? options.signal("hello")
            : event.type === "unknown" && event.originalType === "bench_mark"
            ? options.signal("mark")
            : []
          return Effect.forEach(frames, (frame) => Effect.ignore(session.send(frame)), { discard: true })
        })
      }).pipe(Effect.scoped, Effect.timeout("80 seconds"), Effect.provide(layerFor(options)), logAt("Error"))
    )
}
