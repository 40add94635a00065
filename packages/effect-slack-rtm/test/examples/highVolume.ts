// The README's example of consuming events in batches. Type-checked by `npm test`; shown verbatim in README.md.
import type { RtmSession } from "effect-slack-rtm"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

export const countMessages = (session: RtmSession.RtmSession, counts: Map<string, number>) =>
  // #region README
  session.events.pipe(
    Stream.runForEachArray((events) =>
      Effect.sync(() => {
        for (const event of events) {
          if (event.type === "message") counts.set(event.channel, (counts.get(event.channel) ?? 0) + 1)
        }
      })
    )
  )
// #endregion
