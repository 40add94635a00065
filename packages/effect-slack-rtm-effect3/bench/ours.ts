/**
 * The Effect 3 edition's side of the benchmarks, which run from
 * `packages/effect-slack-rtm/bench` (see `contract.ts` there). The runner
 * builds this file next to its own copy of the clients, where
 * `effect-slack-rtm` is this edition and `effect` is Effect 3. It lives in
 * this package so that this package's `tsconfig.json` checks it against
 * Effect 3.
 *
 * @since 0.2.0
 */
import { Rtm, RtmSession, Slack } from "effect-slack-rtm"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Endpoint, Ours } from "../../effect-slack-rtm/bench/contract.js"

/**
 * Logs at `Warning` and above only, as the peers are set up
 * (`LogLevel.WARN`): otherwise each connect writes an INFO line to stdout,
 * which costs CPU the peers do not spend. `Error` for the recovery, as there.
 */
const logAt = (level: "Warn" | "Error") =>
  Logger.withMinimumLogLevel(level === "Warn" ? LogLevel.Warning : LogLevel.Error)

const layerFor = (endpoint: Endpoint, options: { readonly noRetry?: boolean } = {}) =>
  Slack.layer({
    token: Redacted.make(endpoint.token),
    apiUrl: endpoint.apiUrl,
    ...(options.noRetry === true ? { retry: Schedule.stop } : {})
  })

/**
 * The Effect 3 edition's benchmarks.
 *
 * @since 0.2.0
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
          ? Stream.runForEachChunk(session.events, (chunk) => Effect.sync(() => Chunk.forEach(chunk, options.onEvent)))
          : options.consumer === "pull"
          ? Effect.gen(function*() {
            const pull = yield* Stream.toPull(session.events)
            while (true) {
              const next = yield* Effect.either(pull)
              if (next._tag === "Left") return
              for (const event of next.right) yield* Effect.sync(() => options.onEvent(event))
            }
          })
          : Stream.runForEach(session.events, (event) => Effect.sync(() => options.onEvent(event)))
        yield* Effect.raceFirst(consume, Effect.promise(() => options.stop))
      }).pipe(Effect.scoped, Effect.timeout("80 seconds"), Effect.provide(layerFor(options)), logAt("Warn"))
    ),

  memory: async (options) => {
    const scope = Effect.runSync(Scope.make())
    const context = await Effect.runPromise(Layer.buildWithScope(layerFor(options), scope))
    let events = 0
    const open = Effect.gen(function*() {
      const session = yield* RtmSession.make()
      if (options.consume) {
        yield* Effect.forkIn(Stream.runForEach(session.events, () => Effect.sync(() => void events++)), scope)
      }
    }).pipe(Scope.extend(scope), Effect.provide(context), Effect.timeout("20 seconds"), logAt("Warn"))
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
