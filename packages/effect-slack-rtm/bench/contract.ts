/**
 * What each edition's side of the benchmarks provides: `bench/ours.ts` in
 * `packages/effect-slack-rtm` (Effect 4) and in
 * `packages/effect-slack-rtm-effect3` (Effect 3) both export an {@link Ours}.
 *
 * The benchmark clients (`inbound.ts`, `memory.ts`, …) hold everything
 * else: the peers, the timing, the counting and the result. They import
 * `./ours.js` only for our variants, and the runner builds each edition's
 * `ours.ts` next to its own copy of the clients, in a directory whose
 * `node_modules` resolves that edition's `effect`. Nothing here imports
 * `effect`.
 *
 * @since 1.0.0
 */

/**
 * What a client sees of an event: its `type`, and for the session's own
 * cases `count` (`events_dropped`) and `originalType` (`unknown`).
 *
 * @since 1.0.0
 */
export interface BenchEvent {
  readonly type: string
}

/**
 * Where the fake Slack is and what token to send.
 *
 * @since 1.0.0
 */
export interface Endpoint {
  readonly apiUrl: string
  readonly token: string
}

/**
 * A frame for the fake server (`bench_go`, `bench_fault`).
 *
 * @since 1.0.0
 */
export interface Command {
  readonly type: string
  readonly [key: string]: unknown
}

/**
 * One edition's side of every benchmark. Each function opens sessions with
 * the edition's public API, the way a user would, and leaves the timing to
 * the caller unless it says otherwise.
 *
 * @since 1.0.0
 */
export interface Ours {
  /**
   * Opens a session, waits `delayMs` after its `hello`, sends `command` (the blast), calls `ready`, and feeds
   * every event to `onEvent` from a `Stream.runForEach` consumer (`each`),
   * a per-chunk consumer (`chunks`), or a loop that pulls chunks with
   * `Stream.toPull` and runs an Effect per event (`pull`), until `stop` resolves.
   */
  readonly inbound: (
    options: Endpoint & {
      readonly command: Command
      readonly delayMs: number
      readonly consumer: "each" | "chunks" | "pull"
      readonly ready: () => void
      readonly onEvent: (event: BenchEvent) => void
      readonly stop: Promise<void>
    }
  ) => Promise<void>
  /**
   * Returns a function that opens one more session in a scope that is never
   * closed, with a `Stream.runForEach` consumer when `consume`. The
   * services are built once and shared by every session.
   */
  readonly memory: (options: Endpoint & { readonly consume: boolean }) => Promise<() => Promise<void>>
  /**
   * Returns a function that calls `rtm.connect` (over `fetch`, retries off)
   * from `concurrency` workers for as long as `next()` says so, and counts
   * the outcomes.
   */
  readonly connect: (
    options: Endpoint
  ) => Promise<(concurrency: number, next: () => boolean) => Promise<{ calls: number; errors: number }>>
  /**
   * One untimed session, then `iterations` timed ones: for each, the epoch
   * milliseconds just before the session opens and when its `hello` event
   * reaches a `Stream` consumer.
   */
  readonly hello: (
    options: Endpoint & { readonly iterations: number }
  ) => Promise<ReadonlyArray<{ readonly start: number; readonly hello: number }>>
  /** One untimed session, then `iterations` timed ones: milliseconds from opening to the first acked message. */
  readonly firstAck: (options: Endpoint & { readonly iterations: number }) => Promise<ReadonlyArray<number>>
  /**
   * One session pinging every `pingMs` with a pong timeout of `pongMs`;
   * on each `hello` and each `bench_mark` it sends the frames `signal` returns.
   * Runs until the process exits.
   */
  readonly recovery: (
    options: Endpoint & {
      readonly pingMs: number
      readonly pongMs: number
      readonly signal: (what: "hello" | "mark") => ReadonlyArray<Command>
    }
  ) => Promise<void>
}
