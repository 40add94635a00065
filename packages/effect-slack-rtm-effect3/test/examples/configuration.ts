// The README's configuration example. Type-checked by `npm test`; shown verbatim in README.md.
import type { Redacted } from "effect"
import { Schedule } from "effect"
import { Slack } from "effect-slack-rtm"

declare const token: Redacted.Redacted<string>

// #region README
Slack.layer({ token, retry: Schedule.stop })
// #endregion
