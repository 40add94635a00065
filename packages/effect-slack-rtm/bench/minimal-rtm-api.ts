/**
 * The same minimal `connect + events` program as `minimal.ts`, on
 * `@slack/rtm-api`: reads `SLACK_TOKEN` and `SLACK_API_URL`, prints
 * `READY <ms>` once its imports are evaluated and `HELLO <ms>` on `hello`
 * (milliseconds since the process started), and exits. It refuses to run
 * without `SLACK_API_URL`, so that it never reaches the real Slack.
 *
 * @since 1.0.0
 */
import { RTMClient } from "@slack/rtm-api"

process.stdout.write(`READY ${performance.now()}\n`)
const slackApiUrl = process.env["SLACK_API_URL"]
if (slackApiUrl === undefined) throw new Error("set SLACK_API_URL (the benchmarks use 127.0.0.1 only)")

const rtm = new RTMClient(process.env["SLACK_TOKEN"] ?? "", { slackApiUrl })
rtm.on("slack_event", (type: string) => {
  if (type === "hello") process.stdout.write(`HELLO ${performance.now()}\n`, () => process.exit(0))
  else console.log(type)
})
void rtm.start()
