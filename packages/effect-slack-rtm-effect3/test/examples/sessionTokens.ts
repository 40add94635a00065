// The README's session token example. Type-checked by `npm test`; shown verbatim in README.md.
import { Slack } from "effect-slack-rtm"

// #region README
Slack.layer({
  token: process.env.SLACK_TOKEN!, // xoxc-…
  cookie: process.env.SLACK_COOKIE!, // d=xoxd-…
  apiUrl: "https://WORKSPACE.slack.com/api/"
})
// #endregion
