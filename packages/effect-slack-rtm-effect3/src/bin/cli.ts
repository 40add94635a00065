/**
 * The command line of `slack-rtm`: its flags, read into options.
 *
 * @since 0.1.0
 */
import { Data, Duration, Either } from "effect"

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
  readonly help: boolean
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
 * The text of `--help`.
 *
 * @since 0.1.0
 */
export const usage = `Usage: slack-rtm [--json] [--duration SECONDS] [--live] [--help]

Without SLACK_TOKEN, runs a demo against an embedded fake Slack on 127.0.0.1:
users chat in two channels, a bot answers mentions, the server says goodbye
and drops the socket once, and a summary closes the run (about 15 s).

With SLACK_TOKEN, or with --live, connects to that Slack and prints events
until Ctrl-C. Each failed connect attempt is shown; if Ctrl-C or --duration
comes before the first connection, the run ends with exit code 1.

Options:
  --json              one JSON object per line, for piping (never coloured)
  --duration SECONDS  how long to run, connecting included (demo default: 15)
  --live              require a live run; fails if SLACK_TOKEN is not set
  --help              this text

Environment:
  SLACK_TOKEN    a bot, user or session token (xoxb-, xoxp-, xoxc-...);
                 without it, the demo runs
  SLACK_API_URL  the Web API's base URL (default https://slack.com/api/)
  SLACK_COOKIE   the browser's "d" cookie, d=xoxd-... (a bare xoxd-... will
                 do), that goes with a browser session's token (xoxc-...),
                 sent with every request and every socket; set without
                 SLACK_TOKEN, it is an error. Slack does not document these
                 tokens. The workspace's own API URL may then be needed:
                 SLACK_API_URL=https://WORKSPACE.slack.com/api/
  NO_COLOR       set to anything, turns colour off; colour is on only on a
                 terminal, or with FORCE_COLOR set (FORCE_COLOR=0: off)`

/**
 * Reads the arguments (without `node` and the script).
 *
 * @since 0.1.0
 */
export const parse = (args: ReadonlyArray<string>): Either.Either<CliOptions, UsageError> => {
  let json = false
  let live = false
  let help = false
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
      case "--help":
      case "-h":
        help = true
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
  return Either.right({ json, duration, live, help })
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
