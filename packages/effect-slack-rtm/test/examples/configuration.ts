// The README's configuration example. Type-checked by `npm test`; shown verbatim in README.md.
import { Slack } from "effect-slack-rtm"
import type * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"

declare const token: Redacted.Redacted<string>

// #region README
Slack.layer({ token, retry: Schedule.recurs(0) })
// #endregion
