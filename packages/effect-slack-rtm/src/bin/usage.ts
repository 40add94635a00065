/**
 * The text of `slack-rtm --help`, in a module of its own that imports
 * nothing, so that `--help` answers without loading Effect or the SDK.
 *
 * @since 1.0.0
 */

/**
 * The text of `--help`.
 *
 * @since 1.0.0
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
