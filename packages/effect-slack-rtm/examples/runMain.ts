/**
 * Runs an example as a Node program: Ctrl-C interrupts it, so that its scope
 * closes (the session sends a close frame) before the process exits. A
 * second Ctrl-C exits at once. A failure is printed on one line, exit code 1.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"

export const runMain = <E>(program: Effect.Effect<void, E>): void => {
  const fiber = Effect.runFork(program)
  process.once("SIGINT", () => {
    console.error("\nclosing (Ctrl-C again to exit at once)")
    process.once("SIGINT", () => process.exit(130))
    Effect.runFork(Fiber.interrupt(fiber))
  })
  fiber.addObserver((exit) => {
    if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
      console.error(Cause.pretty(exit.cause).split("\n")[0])
      process.exitCode = 1
    }
  })
}
