/**
 * Fuzz: 10,000 generated inbound frames fed to one session (in memory), and
 * 10,000 generated Web API answers fed to `Rtm.connect` / `Rtm.start`. See
 * `scripts/fuzzgen.ts` for the generators and the oracles.
 *
 * Usage: `npm run fuzz -- [--frames 10000] [--requests 10000] [--seed 1]
 * [--max-depth 20000]`. Exits 1 if a frame is not accounted for, the
 * session ends, an outcome is not the predicted one, or anything dies or
 * goes unhandled.
 */
import { Effect } from "effect"
import { runFrameFuzz, runHttpFuzz } from "./fuzzgen.js"
import { capturingLogger, countProcessFaults, numericArg } from "./harness.js"

const settings = {
  frames: numericArg("frames", 10_000),
  requests: numericArg("requests", 10_000),
  seed: numericArg("seed", 1),
  maxDepth: numericArg("max-depth", 20_000)
}

const processFaults = countProcessFaults()

const logs = capturingLogger({ keep: false })
const { frames, http } = await Effect.runPromise(
  Effect.all({
    frames: runFrameFuzz({
      frames: settings.frames,
      seed: settings.seed,
      maxDepth: settings.maxDepth,
      settle: "10 seconds"
    }),
    http: runHttpFuzz({ iterations: settings.requests, seed: settings.seed + 1, maxDepth: settings.maxDepth })
  }).pipe(Effect.provide(logs.layer))
)

const sorted = (record: Readonly<Record<string, number>>) =>
  Object.entries(record).sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n}`).join(", ")

console.log(
  `frames: seed ${frames.seed}, ${frames.frames} frames, max depth ${frames.maxDepth}, ${
    (frames.millis / 1000).toFixed(1)
  } s`
)
console.log(`  by category: ${sorted(frames.categories)}`)
console.log(`  events: ${sorted(frames.events)}`)
console.log(
  `  accounted for as predicted: ${frames.accounted}/${frames.frames}; undecodable ${frames.undecodable} (decode-failure metric ${frames.decodeFailureMetric}); dropped ${frames.dropped}; reconnects ${frames.reconnects}; session ended: ${frames.sessionEnded}; send after: ${
    frames.sendAfter ? "acked" : "FAILED"
  }`
)
for (const mismatch of frames.mismatches) console.log(`  MISMATCH ${JSON.stringify(mismatch).slice(0, 300)}`)
console.log(`web api: seed ${http.seed}, ${http.iterations} answers, ${(http.millis / 1000).toFixed(1)} s`)
console.log(`  by category: ${sorted(http.categories)}`)
console.log(`  outcomes: ${sorted(http.outcomes)}`)
console.log(
  `  defects ${http.defects}; not as predicted ${http.mismatchCount}; token in an error message ${http.tokenLeaks}`
)
for (const sample of http.defectSamples) console.log(`  DEFECT ${sample}`)
for (const mismatch of http.mismatches) console.log(`  MISMATCH ${JSON.stringify(mismatch).slice(0, 300)}`)
console.log(`logs: ${JSON.stringify(logs.counts)}`)
console.log(
  `process: uncaughtException ${processFaults.uncaughtException}, unhandledRejection ${processFaults.unhandledRejection}`
)
for (const sample of processFaults.samples) console.log(`  ${sample}`)

const checks: Array<[string, boolean]> = [
  [
    "every frame accounted for as the predicted event",
    frames.accounted === frames.frames && frames.mismatchCount === 0
  ],
  ["every undecodable frame counted by the decode-failure metric", frames.undecodable === frames.decodeFailureMetric],
  ["the session stayed up (no end, a send acked after the run)", !frames.sessionEnded && frames.sendAfter],
  ["every Web API outcome a success or the predicted typed error", http.mismatchCount === 0],
  ["no defect", http.defects === 0 && logs.counts.defects === 0],
  [
    "no unhandled error",
    logs.counts.unhandled === 0 && processFaults.uncaughtException === 0 && processFaults.unhandledRejection === 0
  ],
  ["no token in any error message", http.tokenLeaks === 0]
]
let failed = 0
for (const [name, ok] of checks) {
  console.log(`${ok ? "PASS" : "FAIL"} ${name}`)
  if (!ok) failed++
}
process.exitCode = failed === 0 ? 0 : 1
