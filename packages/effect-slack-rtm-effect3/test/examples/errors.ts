// The README's example of typed errors. Type-checked by `npm test`; shown verbatim in README.md.
import { Effect } from "effect"
import { Rtm } from "effect-slack-rtm"

// #region README
const info = Rtm.connect().pipe(
  Effect.catchTags({
    InvalidAuth: (e) => Effect.die(`fix the token: ${e.message}`),
    Ratelimited: (e) => Effect.sleep(e.retryAfter).pipe(Effect.zipRight(Rtm.connect())),
    HttpStatusError: (e) => Effect.fail(`Slack answered HTTP ${e.status}`)
  })
)
// #endregion

export { info }
