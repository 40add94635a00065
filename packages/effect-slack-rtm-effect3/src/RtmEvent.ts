/**
 * The events an RTM session delivers: a Schema union keyed on `type`.
 *
 * Slack's documented events are decoded with their own Schemas; fields they
 * do not name are kept on the object. Four cases are the session's own, so
 * that nothing the socket carries is lost:
 * - `unknown`: a `type` this package does not know, with the raw object;
 * - `undecodable`: a frame that is not JSON, is binary, or whose fields do not
 *   fit its type's Schema, with the frame and the reason;
 * - `events_dropped`: how many events the bounded inbound buffer dropped;
 * - `unmatched_reply`: a reply to no pending send, such as an ack replayed
 *   after a reconnect.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Guard from "./internal/guard.js"
import { quote } from "./internal/quote.js"

const Flexible = Schema.Record({ key: Schema.String, value: Schema.Unknown })
const optionalString = Schema.optional(Schema.String)
const optionalNumber = Schema.optional(Schema.Number)

/** A conversation object, as `channel_created` and friends carry it. */
const ConversationObject = Schema.Struct(
  { id: optionalString, name: optionalString, created: optionalNumber, creator: optionalString },
  Flexible
)

/** A user object, as `user_change` and `team_join` carry it. */
const UserObject = Schema.Struct(
  { id: optionalString, name: optionalString, real_name: optionalString, deleted: Schema.optional(Schema.Boolean) },
  Flexible
)

const event = <Type extends string, Fields extends Schema.Struct.Fields>(type: Type, fields: Fields) =>
  Schema.Struct({ type: Schema.Literal(type), ...fields })

const channelEvent = <Type extends string>(type: Type) =>
  event(type, { channel: Schema.String, user: optionalString, actor_id: optionalString, event_ts: optionalString })
const conversationObjectEvent = <Type extends string>(type: Type) =>
  event(type, { channel: ConversationObject, user: optionalString, event_ts: optionalString })
const markedEvent = <Type extends string>(type: Type) => event(type, { channel: Schema.String, ts: Schema.String })
const historyChangedEvent = <Type extends string>(type: Type) =>
  event(type, { latest: optionalString, ts: optionalString, event_ts: optionalString })
const memberEvent = <Type extends string>(type: Type) =>
  event(type, {
    user: Schema.String,
    channel: Schema.String,
    channel_type: optionalString,
    team: optionalString,
    inviter: optionalString
  })
const reactionEvent = <Type extends string>(type: Type) =>
  event(type, {
    user: Schema.String,
    reaction: Schema.String,
    item_user: optionalString,
    item: Schema.Struct({ type: optionalString, channel: optionalString, ts: optionalString }, Flexible),
    event_ts: optionalString
  })
const dndEvent = <Type extends string>(type: Type) =>
  event(type, {
    user: Schema.String,
    dnd_status: Schema.Struct({
      dnd_enabled: Schema.optional(Schema.Boolean),
      next_dnd_start_ts: optionalNumber,
      next_dnd_end_ts: optionalNumber,
      snooze_enabled: Schema.optional(Schema.Boolean),
      snooze_endtime: optionalNumber
    }, Flexible),
    event_ts: optionalString
  })

/**
 * A message, in a channel, group or IM. `subtype` tells bot messages,
 * edits (`message_changed`, with `message`), deletions and the rest apart.
 *
 * @since 0.1.0
 */
export const Message = event("message", {
  channel: Schema.String,
  ts: Schema.String,
  user: optionalString,
  text: optionalString,
  subtype: optionalString,
  thread_ts: optionalString,
  parent_user_id: optionalString,
  bot_id: optionalString,
  team: optionalString,
  hidden: Schema.optional(Schema.Boolean),
  edited: Schema.optional(Schema.Struct({ user: optionalString, ts: optionalString })),
  message: Schema.optional(Flexible),
  previous_message: Schema.optional(Flexible),
  attachments: Schema.optional(Schema.Array(Schema.Unknown)),
  blocks: Schema.optional(Schema.Array(Schema.Unknown)),
  event_ts: optionalString
})

/**
 * A presence change, in either shape: one `user`, or a batch of `users`
 * (with `batch_presence_aware`).
 *
 * @since 0.1.0
 */
export const PresenceChange = Schema.Union(
  event("presence_change", { user: Schema.String, presence: Schema.String }),
  event("presence_change", { users: Schema.Array(Schema.String), presence: Schema.String })
)

/**
 * The documented events this package decodes, one Schema per `type`.
 *
 * @since 0.1.0
 */
export const known = [
  event("hello", {}),
  event("goodbye", {}),
  Message,
  PresenceChange,
  event("manual_presence_change", { presence: Schema.String }),
  event("user_typing", { channel: Schema.String, user: Schema.String }),
  event("reconnect_url", { url: optionalString }),
  event("team_migration_started", {}),
  event("error", { error: Schema.Struct({ code: Schema.Number, msg: Schema.String }) }),
  conversationObjectEvent("channel_created"),
  conversationObjectEvent("channel_joined"),
  conversationObjectEvent("channel_rename"),
  channelEvent("channel_left"),
  channelEvent("channel_deleted"),
  channelEvent("channel_archive"),
  channelEvent("channel_unarchive"),
  markedEvent("channel_marked"),
  historyChangedEvent("channel_history_changed"),
  conversationObjectEvent("group_joined"),
  conversationObjectEvent("group_rename"),
  channelEvent("group_left"),
  channelEvent("group_open"),
  channelEvent("group_close"),
  channelEvent("group_archive"),
  channelEvent("group_unarchive"),
  channelEvent("group_deleted"),
  markedEvent("group_marked"),
  historyChangedEvent("group_history_changed"),
  conversationObjectEvent("im_created"),
  channelEvent("im_open"),
  channelEvent("im_close"),
  markedEvent("im_marked"),
  historyChangedEvent("im_history_changed"),
  memberEvent("member_joined_channel"),
  memberEvent("member_left_channel"),
  reactionEvent("reaction_added"),
  reactionEvent("reaction_removed"),
  event("user_change", { user: UserObject, cache_ts: optionalNumber }),
  event("team_join", { user: UserObject }),
  dndEvent("dnd_updated"),
  dndEvent("dnd_updated_user"),
  event("pref_change", { name: Schema.String, value: Schema.Unknown })
] as const

/**
 * An event of a `type` this package does not know, passed on as it came.
 *
 * @since 0.1.0
 */
export const Unknown = Schema.Struct({
  type: Schema.Literal("unknown"),
  /** The frame's own `type`, if it had one. */
  originalType: Schema.optional(Schema.String),
  raw: Flexible
})

/**
 * A frame that could not be decoded: not JSON, binary, not an object, or a
 * known type whose fields do not fit. `frame` is the frame as it came.
 *
 * @since 0.1.0
 */
export const Undecodable = Schema.Struct({
  type: Schema.Literal("undecodable"),
  frame: Schema.Union(Schema.String, Schema.Uint8ArrayFromSelf),
  reason: Schema.String
})

/**
 * The inbound buffer was full and `count` events were dropped at this
 * point in the stream.
 *
 * @since 0.1.0
 */
export const EventsDropped = Schema.Struct({
  type: Schema.Literal("events_dropped"),
  count: Schema.Number
})

/**
 * A reply (`reply_to`) that matched no pending send: an ack replayed after a
 * reconnect, or one that came after its send timed out.
 *
 * @since 0.1.0
 */
export const UnmatchedReply = Schema.Struct({
  type: Schema.Literal("unmatched_reply"),
  reply_to: Schema.Number,
  raw: Flexible
})

/**
 * Every event a session delivers: the documented events and the four cases
 * of the session's own.
 *
 * @since 0.1.0
 */
export const RtmEvent = Schema.Union(...known, Unknown, Undecodable, EventsDropped, UnmatchedReply)

/**
 * Every event a session delivers.
 *
 * @since 0.1.0
 */
export type RtmEvent = typeof RtmEvent.Type

/**
 * The event of one `type`: `EventOf<"message">`.
 *
 * @since 0.1.0
 */
export type EventOf<Type extends RtmEvent["type"]> = Extract<RtmEvent, { readonly type: Type }>

/**
 * A reply from the server to one of our frames: an ack or a pong.
 *
 * @since 0.1.0
 */
export interface Reply {
  readonly _tag: "Reply"
  readonly reply_to: number
  readonly raw: Record<string, unknown>
}

/**
 * What one inbound frame turns into: an event for the user, or a reply for
 * the session.
 *
 * @since 0.1.0
 */
export type Frame = { readonly _tag: "Event"; readonly event: RtmEvent } | Reply

/**
 * Per `type`: a type guard, and a decoder that explains a failure. The event
 * Schemas transform nothing (their encoded and decoded sides are the same),
 * so a frame that passes the guard is already the decoded event, with every
 * field it came with. The guard is compiled from the Schema's AST so that it
 * allocates nothing; the decoder runs only to say why a frame failed.
 */
const checks = new Map<string, {
  readonly is: (input: unknown) => input is RtmEvent
  readonly explain: (input: unknown) => Either.Either<RtmEvent, ParseResult.ParseError>
}>()
for (const schema of known) {
  const type = ("members" in schema ? schema.members[0] : schema).fields.type.literals[0]
  const eventSchema = schema as Schema.Schema<RtmEvent>
  checks.set(type, {
    is: (Guard.compile(schema.ast) ?? Schema.is(eventSchema)) as (input: unknown) => input is RtmEvent,
    // `exact`, as the guard is: a required key must be present even if its type admits `undefined`.
    explain: Schema.decodeUnknownEither(eventSchema, { exact: true })
  })
}

/** The frame is kept whole for the user; the reason, which may quote it, is bounded. */
const undecodable = (frame: string | Uint8Array, reason: string): Frame => ({
  _tag: "Event",
  event: { type: "undecodable", frame, reason: quote(reason) }
})

/**
 * Decodes one inbound frame. It never throws: whatever the frame holds
 * becomes an event or a reply.
 *
 * @since 0.1.0
 */
export const decodeFrame = (frame: string | Uint8Array): Frame => {
  if (typeof frame !== "string") return undecodable(frame, "binary frame")
  let json: unknown
  try {
    json = JSON.parse(frame)
  } catch (error) {
    return undecodable(frame, `not JSON: ${(error as Error).message}`)
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return undecodable(frame, "not a JSON object")
  }
  const raw = json as Record<string, unknown>
  const type = raw["type"]
  if (typeof raw["reply_to"] === "number" && (type === undefined || type === "pong")) {
    return { _tag: "Reply", reply_to: raw["reply_to"], raw }
  }
  const check = typeof type === "string" ? checks.get(type) : undefined
  if (check === undefined) {
    return {
      _tag: "Event",
      event: typeof type === "string" ? { type: "unknown", originalType: type, raw } : { type: "unknown", raw }
    }
  }
  try {
    if (check.is(raw)) return { _tag: "Event", event: raw }
    const explained = check.explain(raw)
    return undecodable(
      frame,
      Either.isLeft(explained) ? ParseResult.TreeFormatter.formatErrorSync(explained.left) : "does not fit its Schema"
    )
  } catch (error) {
    // Checking or describing a pathological value (say, nested thousands deep) can exhaust the stack.
    return undecodable(frame, `cannot be checked: ${(error as Error).message}`)
  }
}
