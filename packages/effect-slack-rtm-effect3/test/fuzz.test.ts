/**
 * Bounded fuzzing (the full runs are `npm run fuzz`): generated inbound
 * frames must each be accounted for as the predicted event, with the session
 * up throughout; generated Web API answers must each end in a success or the
 * predicted typed error, never a defect.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, LogLevel } from "effect"
import { runFrameFuzz, runHttpFuzz } from "../scripts/fuzzgen.js"

const quiet = Logger.minimumLogLevel(LogLevel.None)

/**
 * Nesting depth of the generated deep values: well past the ~2,150 levels
 * at which describing a value used to overflow the stack (fixed in
 * 0d246f1), so that this stays a regression test.
 */
const maxDepth = 5_000

describe("fuzz", () => {
  it.live("2,000 generated frames: every one accounted for, the session stays up", () =>
    Effect.gen(function*() {
      const report = yield* runFrameFuzz({ frames: 2_000, seed: 20_240_601, maxDepth })
      expect(report.mismatches).toEqual([])
      expect(report.accounted).toBe(2_000)
      expect(report.undecodable).toBe(report.decodeFailureMetric)
      expect(report.undecodable).toBeGreaterThan(500)
      expect(report.dropped).toBe(0)
      expect(report.sessionEnded).toBe(false)
      expect(report.sendAfter).toBe(true)
      expect(Object.keys(report.categories).length).toBeGreaterThanOrEqual(14)
    }).pipe(Effect.provide(quiet)), 60_000)

  it.live(
    "2,000 generated Web API answers: a success or the predicted typed error, never a defect",
    () =>
      Effect.gen(function*() {
        const report = yield* runHttpFuzz({ iterations: 2_000, seed: 20_240_602, maxDepth })
        expect(report.defectSamples).toEqual([])
        expect(report.defects).toBe(0)
        expect(report.mismatches).toEqual([])
        expect(report.tokenLeaks).toBe(0)
        expect(report.outcomes["success"]).toBeGreaterThan(100)
        expect(Object.keys(report.outcomes).length).toBeGreaterThanOrEqual(8)
      }).pipe(Effect.provide(quiet)),
    60_000
  )
})
