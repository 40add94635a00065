/**
 * Waiting, in an Effect, for a frame that a fake has recorded.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/** A frame as the fakes record it. */
export type Frame = Readonly<Record<string, unknown>>

/**
 * Waiters over a growing list of frames: `await` resolves with the first
 * frame that satisfies its predicate, now or after a later `wake`.
 */
export const make = (frames: () => ReadonlyArray<Frame>) => {
  const waiters = new Set<() => void>()
  const awaitFrame = (predicate: (frame: Frame) => boolean) =>
    Effect.async<Frame>((resume) => {
      const check = () => {
        const found = frames().find(predicate)
        if (found === undefined) return false
        waiters.delete(wake)
        resume(Effect.succeed(found))
        return true
      }
      const wake = () => void check()
      if (!check()) waiters.add(wake)
      return Effect.sync(() => waiters.delete(wake))
    })
  const wake = () => {
    for (const waiter of waiters) waiter()
  }
  return { await: awaitFrame, wake }
}
