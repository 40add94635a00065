// The README's consumer for high event volumes on Effect 3. Type-checked by `npm test`, shown verbatim in
// README.md, and run by test/pullLoop.test.ts.
import { Effect, Either, Option, Stream } from "effect"

// #region README
/** Runs `f` on each element of `stream`, in order, pulling chunks in a loop instead of `Stream.runForEach`. */
export const forEachPulled = <A, E, R>(stream: Stream.Stream<A, E>, f: (a: A) => Effect.Effect<void, E, R>) =>
  Effect.scoped(Effect.gen(function*() {
    const pull = yield* Stream.toPull(stream)
    while (true) {
      const next = yield* Effect.either(pull)
      // The pull fails with `None` once the stream ends, and with `Some(error)` if it fails.
      if (Either.isLeft(next)) return yield* Option.match(next.left, { onNone: () => Effect.void, onSome: Effect.fail })
      for (const a of next.right) yield* f(a)
    }
  }))
// #endregion
