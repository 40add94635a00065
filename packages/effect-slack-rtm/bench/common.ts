/**
 * What every benchmark client shares: the payload, how a client reads its
 * settings, reports its result, and is made to stop by itself.
 *
 * Clients run as their own processes (`node <client>.js '<json settings>'`)
 * and print exactly one line `RESULT {json}` on stdout before exiting.
 *
 * @since 1.0.0
 */

/** The bot token every client sends. The fake server never checks it. */
export const token = "xoxb-bench"

/** The only address any benchmark talks to. */
export const host = "127.0.0.1"

/**
 * A realistic `message` event of about 300 bytes (297 as JSON), with a
 * field our Schema does not name (`client_msg_id`) so that excess-property
 * handling is on the measured path.
 *
 * @since 1.0.0
 */
export const messageEvent = {
  type: "message",
  channel: "C024BE91L",
  user: "U2147483697",
  text:
    "Deploy of api-gateway v2.14.3 finished in 4m12s: 3/3 canaries healthy, error rate 0.02% <https://ci.example.com/r/88213|#88213>",
  ts: "1700000000.000100",
  team: "T024BE7LD",
  client_msg_id: "6f1c9e2a-3b7d-4c52-9a0e-1d2f3a4b5c6d"
} as const

/**
 * The settings every client gets: the fake server's port, plus its own.
 *
 * @since 1.0.0
 */
export interface ClientArgs {
  readonly variant: string
  readonly port: number
  readonly [key: string]: unknown
}

/**
 * Reads the settings passed as the first argument (JSON), and arms a hard
 * deadline: whatever happens, the process exits after `deadlineMs`.
 *
 * @since 1.0.0
 */
export const readArgs = (deadlineMs: number): ClientArgs => {
  const raw = process.argv[2]
  if (raw === undefined) throw new Error("usage: node <client>.js '<json settings>'")
  const args = JSON.parse(raw) as ClientArgs
  setTimeout(() => {
    process.stderr.write(`deadline of ${deadlineMs} ms reached; exiting\n`)
    process.exit(3)
  }, deadlineMs).unref()
  return args
}

/** `http://127.0.0.1:PORT/api/` for a port. */
export const apiUrl = (port: number): string => `http://${host}:${port}/api/`

let reported = false

/**
 * Prints the one result line (only the first call does) and exits. Exiting
 * at once drops every open socket, which the server cleans up.
 *
 * @since 1.0.0
 */
export const report = (result: Record<string, unknown>): void => {
  if (reported) return
  reported = true
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`, () => process.exit(0))
}

/**
 * Runs `gc()` a few times with pauses, so that finalizers and weak
 * references settle. Needs `node --expose-gc`.
 *
 * @since 1.0.0
 */
export const settleHeap = async (): Promise<void> => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("run with node --expose-gc")
  for (let i = 0; i < 4; i++) {
    gc()
    await sleep(50)
  }
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** The median of some numbers (the mean of the middle two when even). */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The wall clock in milliseconds, to sub-millisecond precision, comparable between processes. */
export const epochNow = (): number => performance.timeOrigin + performance.now()

/** `process.hrtime` in microseconds, the clock of `--cpu-prof`. */
export const nowMicros = (): number => Number(process.hrtime.bigint() / 1000n)

/** Keeps the CPU busy for `micros` microseconds: the work of a slow consumer. */
export const spin = (micros: number): void => {
  const until = performance.now() + micros / 1000
  while (performance.now() < until) {
    // busy
  }
}

/**
 * Loads our edition's side of the benchmarks: `ours.js` next to this file,
 * which the runner builds from the edition being measured.
 */
export const loadOurs = async (): Promise<import("./contract.js").Ours> => (await import("./ours.js")).ours

/** Runs the client variant that the runner asked for; an unknown name is an error. */
export const runVariant = async (variant: string, runners: Readonly<Record<string, () => Promise<void>>>) => {
  const run = runners[variant]
  if (run === undefined) throw new Error(`unknown variant ${variant}`)
  await run()
}
