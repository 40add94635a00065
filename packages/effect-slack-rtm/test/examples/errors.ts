// The README's examples of typed errors and timeouts. Type-checked by `npm test`; shown verbatim in README.md.
import { Rtm, RtmSession } from "effect-slack-rtm"
import * as Effect from "effect/Effect"

// #region README
const info = Rtm.connect().pipe(
  Effect.catchTags({
    InvalidAuth: (e) => Effect.die(`fix the token: ${e.message}`),
    Ratelimited: (e) => Effect.sleep(e.retryAfter).pipe(Effect.andThen(Rtm.connect())),
    HttpStatusError: (e) => Effect.fail(`Slack answered HTTP ${e.status}`)
  })
)
// #endregion

// #region README
const session = RtmSession.make().pipe(
  Effect.timeout("30 seconds"),
  Effect.catchTag("TimeoutError", () => Effect.fail("no hello from Slack within 30 s"))
)
// #endregion

export { info, session }
