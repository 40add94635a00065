// The README's tour of a session. Type-checked by `npm test`; shown verbatim in README.md.
import { Effect } from "effect"
import { RtmSession } from "effect-slack-rtm"

export const tour = (
  options: RtmSession.Options,
  channel: string,
  text: string,
  thread_ts: string,
  ids: Array<string>
) =>
  Effect.gen(function*() {
    // #region README
    const session = yield* RtmSession.make(options) // after the first `hello`
    session.events // Stream<RtmEvent, SessionError>
    session.state // Stream<SessionState>: the current state, then each change
    session.sendMessage({ channel, text, thread_ts }) // Effect<{ ts, text }, SendError>, on Slack's ack; thread_ts is optional
    session.typing(channel)
    session.subscribePresence(ids) // remembered, and sent again after every reconnect
    session.presenceQuery(ids)
    session.ping() // Effect<Duration>: the round trip
    session.send({ type: "tickle" }) // any other frame, with an id assigned; resolves with the id once written
    // #endregion
  })
