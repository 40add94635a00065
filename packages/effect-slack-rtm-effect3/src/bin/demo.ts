/**
 * The demo's workspace: scripted traffic on the embedded fake Slack, and a
 * small bot built only on the public API.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { RtmEvent } from "../RtmEvent.js"
import type { OutgoingMessage } from "../RtmSession.js"
import type * as FakeSlack from "../testing/FakeSlack.js"
import * as Timestamps from "../testing/internal/timestamps.js"

/**
 * The people and channels of the demo workspace.
 *
 * @since 0.1.0
 */
export const directory: Readonly<Record<string, string>> = {
  U0ALICE01: "alice",
  U0BOB0002: "bob",
  U0CAROL03: "carol",
  U0FAKEBOT: "fakebot",
  C0GENERAL: "#general",
  C0RANDOM0: "#random"
}

/**
 * An id's name in the demo workspace, or the id itself.
 *
 * @since 0.1.0
 */
export const nameOf = (id: string): string => directory[id] ?? id

const nextTs = Timestamps.make()
const message = (user: string, channel: string, text: string) => ({
  type: "message",
  channel,
  user,
  text,
  ts: nextTs(),
  team: "T0FAKE001"
})

type Step = readonly [at: number, act: (fake: FakeSlack.Service) => Effect.Effect<unknown>]
const push = (event: unknown) => (fake: FakeSlack.Service) => fake.push(event)

/** The script: each step at a fraction of the run. */
const script: ReadonlyArray<Step> = [
  [0.04, push({ type: "presence_change", users: ["U0ALICE01", "U0BOB0002"], presence: "active" })],
  [0.07, push({ type: "user_typing", channel: "C0GENERAL", user: "U0ALICE01" })],
  [0.10, push(message("U0ALICE01", "C0GENERAL", "morning, everyone"))],
  [0.15, push(message("U0BOB0002", "C0GENERAL", "hey alice! coffee?"))],
  [0.20, push(message("U0CAROL03", "C0RANDOM0", "<@U0FAKEBOT> what's up?"))],
  [
    0.25,
    push({
      type: "reaction_added",
      user: "U0BOB0002",
      reaction: "coffee",
      item: { type: "message", channel: "C0GENERAL", ts: "1700000000.000002" }
    })
  ],
  [0.30, push({ type: "presence_change", user: "U0BOB0002", presence: "away" })],
  [0.36, push(message("U0ALICE01", "C0RANDOM0", "anyone up for lunch?"))],
  [0.42, (fake) => fake.goodbye],
  [0.50, push(message("U0BOB0002", "C0GENERAL", "<@U0FAKEBOT> are you still with us?"))],
  [0.55, push({ type: "member_joined_channel", user: "U0CAROL03", channel: "C0GENERAL" })],
  [0.60, push(message("U0CAROL03", "C0GENERAL", "hi all, joining here too"))],
  [0.66, (fake) => fake.dropSockets],
  [0.72, push(message("U0ALICE01", "C0GENERAL", "<@U0FAKEBOT> the network blinked, did you notice?"))],
  [0.78, push({ type: "presence_change", users: ["U0CAROL03"], presence: "away" })],
  [0.83, push({ type: "user_huddle_changed", user: "U0ALICE01" })],
  [0.88, push(message("U0BOB0002", "C0RANDOM0", "see you all tomorrow"))]
]

/**
 * Plays the script over `duration` against the fake. Each step waits for
 * an open socket, so that no event goes to a socket that is reconnecting.
 *
 * @since 0.1.0
 */
export const playScript = (fake: FakeSlack.Service, duration: Duration.Duration) =>
  Effect.forEach(script, ([at, act], index) =>
    Effect.gen(function*() {
      const previous = index === 0 ? 0 : script[index - 1]![0]
      yield* Effect.sleep(Duration.times(duration, at - previous))
      while ((yield* fake.openSockets) === 0) yield* Effect.sleep("10 millis")
      yield* act(fake)
    }), { discard: true })

/**
 * The bot: it answers every message that mentions it, in a thread.
 *
 * @since 0.1.0
 */
export const replyTo = (selfId: string, event: RtmEvent): Option.Option<OutgoingMessage> =>
  event.type === "message" && event.user !== undefined && event.user !== selfId &&
    event.text?.includes(`<@${selfId}>`) === true
    ? Option.some({
      channel: event.channel,
      thread_ts: event.thread_ts ?? event.ts,
      text: `Hi <@${event.user}>! I heard: "${event.text.replace(`<@${selfId}>`, "").trim()}"`
    })
    : Option.none()
