/**
 * A presence monitor: it follows the presence of the users given on the
 * command line and prints each change. The subscription is remembered by the
 * session and sent again after every reconnect, so no change is missed for
 * long, whatever the network does.
 *
 *   SLACK_TOKEN=xoxb-… npx tsx examples/presenceMonitor.ts U012AB3CD U045EF6GH
 */
import { RtmSession, Slack } from "effect-slack-rtm"
import type { RtmEvent } from "effect-slack-rtm"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { fileURLToPath } from "node:url"
import { runMain } from "./runMain.js"

/** The presence changes one event reports, as `[user, presence]` pairs (a batch names several users). */
export const presenceChanges = (event: RtmEvent.RtmEvent): ReadonlyArray<readonly [string, string]> =>
  event.type !== "presence_change"
    ? []
    : "users" in event
    ? event.users.map((user) => [user, event.presence] as const)
    : [[event.user, event.presence] as const]

/** Follows `users` and prints a line per change, with the session's state changes in between. */
export const presenceMonitor = (users: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const session = yield* RtmSession.make({ connect: { batch_presence_aware: true } })
    yield* session.subscribePresence(users)
    yield* Console.log(`following ${users.length} users; press Ctrl-C to stop`)
    yield* session.state.pipe(
      Stream.runForEach((state) => Console.log(`session: ${state._tag}`)),
      Effect.forkScoped
    )
    yield* session.events.pipe(
      Stream.runForEach((event) =>
        Effect.forEach(presenceChanges(event), ([user, presence]) => Console.log(`${user} is ${presence}`))
      )
    )
  }).pipe(Effect.scoped)

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const users = process.argv.slice(2)
  if (users.length === 0) {
    console.error("usage: presenceMonitor.ts USER_ID [USER_ID …]")
    process.exit(2)
  }
  runMain(presenceMonitor(users).pipe(Effect.provide(Slack.layerConfig)))
}
