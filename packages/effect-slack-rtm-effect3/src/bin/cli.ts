/**
 * The command line of `slack-rtm`: its flags, read into options.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"

/**
 * What the command line asked for.
 *
 * @since 0.1.0
 */
export interface CliOptions {
  /** One JSON object per line instead of a readable log. */
  readonly json: boolean
  /** How long to run: the demo's length, or a limit on a live run. */
  readonly duration: Duration.Duration | undefined
  /** Connect to the real Slack (needs `SLACK_TOKEN`). */
  readonly live: boolean
}

/**
 * A command line that cannot be run.
 *
 * @since 0.1.0
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

/**
 * Reads the arguments (without `node` and the script).
 *
 * @since 0.1.0
 */
export const parse = (args: ReadonlyArray<string>): Either.Either<CliOptions, UsageError> => {
  let json = false
  let live = false
  let duration: Duration.Duration | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const [flag, inline] = arg.startsWith("--duration=") ? ["--duration", arg.slice(11)] : [arg, undefined]
    switch (flag) {
      case "--json":
        json = true
        break
      case "--live":
        live = true
        break
      case "--duration": {
        const value = inline ?? args[++i]
        const seconds = Number(value)
        if (value === undefined || value.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
          return Either.left(
            new UsageError({ reason: `--duration needs a positive number of seconds, got ${value ?? "nothing"}` })
          )
        }
        duration = Duration.seconds(seconds)
        break
      }
      default:
        return Either.left(new UsageError({ reason: `unknown argument ${JSON.stringify(arg)} (see --help)` }))
    }
  }
  return Either.right({ json, duration, live })
}

/**
 * The run ended (Ctrl-C, or `--duration` ran out) before the first
 * connection said `hello`. `last` describes the last failed attempt, if any.
 *
 * @since 0.2.0
 */
export class NotConnected extends Data.TaggedError("NotConnected")<{
  readonly seconds: number
  readonly last: string | undefined
}> {
  override get message() {
    return `not connected after ${this.seconds} s${this.last === undefined ? "" : `; last attempt: ${this.last}`}`
  }
}

/**
 * A live run was asked for (with `--live`, or by setting `SLACK_COOKIE`),
 * and `SLACK_TOKEN` is not set.
 *
 * @since 0.1.0
 */
export class MissingToken extends Data.TaggedError("MissingToken")<{}> {
  override get message() {
    return "SLACK_TOKEN is not set: a live run needs a token"
  }
}
