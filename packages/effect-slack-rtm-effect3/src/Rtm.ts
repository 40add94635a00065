/**
 * The seed's two Web API methods, `rtm.connect` and the deprecated
 * `rtm.start`: their parameters, their responses as Schemas, and each as an
 * Effect whose error channel lists exactly the codes documented for it.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { RtmConnectError, RtmStartError } from "./SlackError.js"
import { SlackWebApi } from "./SlackWebApi.js"

const Flexible = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * The workspace a session belongs to.
 *
 * @since 0.1.0
 */
export const Team = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  domain: Schema.String,
  enterprise_id: Schema.optional(Schema.String),
  enterprise_name: Schema.optional(Schema.String)
})

/**
 * The workspace a session belongs to.
 *
 * @since 0.1.0
 */
export type Team = typeof Team.Type

/**
 * The user (or bot user) that the token belongs to.
 *
 * @since 0.1.0
 */
export const Self = Schema.Struct({
  id: Schema.String,
  name: Schema.String
})

/**
 * The user (or bot user) that the token belongs to.
 *
 * @since 0.1.0
 */
export type Self = typeof Self.Type

/**
 * The parameters of `rtm.connect`.
 *
 * @since 0.1.0
 */
export type RtmConnectParams = {
  /** Batch presence deliveries: `presence_change` then carries `users` instead of `user`. */
  readonly batch_presence_aware?: boolean
  /** Only deliver presence events when requested by subscription. */
  readonly presence_sub?: boolean
}

/**
 * What `rtm.connect` answers. `url` is a WebSocket address valid for 30
 * seconds. Fields Slack adds later are kept on the object, untyped.
 *
 * @since 0.1.0
 */
export const RtmConnectResponse = Schema.Struct({
  url: Schema.String,
  team: Team,
  self: Self
})

/**
 * What `rtm.connect` answers.
 *
 * @since 0.1.0
 */
export type RtmConnectResponse = typeof RtmConnectResponse.Type

/**
 * The parameters of `rtm.start`.
 *
 * @since 0.1.0
 */
export type RtmStartParams = RtmConnectParams & {
  /** Receive the locale for users and channels. Default false. */
  readonly include_locale?: boolean
  /** Return MPIMs in the response. */
  readonly mpim_aware?: boolean
  /** Exclude latest timestamps for channels, groups, mpims and ims; implies `no_unreads`. */
  readonly no_latest?: boolean
  /** Skip unread counts for each channel. */
  readonly no_unreads?: boolean
  /** Return only the timestamp of each channel's latest message. */
  readonly simple_latest?: boolean
}

const User = Schema.Struct({
  id: Schema.String,
  name: Schema.optional(Schema.String),
  real_name: Schema.optional(Schema.String),
  team_id: Schema.optional(Schema.String),
  deleted: Schema.optional(Schema.Boolean),
  is_bot: Schema.optional(Schema.Boolean),
  presence: Schema.optional(Schema.String),
  profile: Schema.optional(Flexible)
})

const Conversation = Schema.Struct({
  id: Schema.String,
  name: Schema.optional(Schema.String),
  user: Schema.optional(Schema.String),
  created: Schema.optional(Schema.Number),
  is_member: Schema.optional(Schema.Boolean),
  is_open: Schema.optional(Schema.Boolean),
  is_private: Schema.optional(Schema.Boolean),
  is_archived: Schema.optional(Schema.Boolean),
  members: Schema.optional(Schema.Array(Schema.String))
})

const Bot = Schema.Struct({
  id: Schema.String,
  name: Schema.optional(Schema.String),
  app_id: Schema.optional(Schema.String),
  deleted: Schema.optional(Schema.Boolean)
})

/**
 * What `rtm.start` answers: the `rtm.connect` shape, plus the legacy
 * workspace snapshot that older workspaces still send. The snapshot is
 * decoded leniently: every part is optional, only ids are required of its
 * items, and all other fields are kept as they came.
 *
 * @since 0.1.0
 */
export const RtmStartResponse = Schema.Struct({
  url: Schema.String,
  team: Schema.extend(Team, Schema.Struct({ prefs: Schema.optional(Flexible) })),
  self: Schema.extend(Self, Schema.Struct({ prefs: Schema.optional(Flexible) })),
  users: Schema.optional(Schema.Array(User)),
  channels: Schema.optional(Schema.Array(Conversation)),
  groups: Schema.optional(Schema.Array(Conversation)),
  ims: Schema.optional(Schema.Array(Conversation)),
  mpims: Schema.optional(Schema.Array(Conversation)),
  bots: Schema.optional(Schema.Array(Bot)),
  subteams: Schema.optional(Flexible),
  dnd: Schema.optional(Flexible),
  cache_ts: Schema.optional(Schema.Number),
  latest_event_ts: Schema.optional(Schema.String)
})

/**
 * What `rtm.start` answers.
 *
 * @since 0.1.0
 */
export type RtmStartResponse = typeof RtmStartResponse.Type

/**
 * Calls `rtm.connect`: the URL of a new RTM socket (valid for 30 seconds)
 * and who the session is. Fails with one tagged error per documented code.
 *
 * @example
 * ```ts
 * import { Rtm, Slack } from "effect-slack-rtm"
 * import { Effect } from "effect"
 *
 * const program = Rtm.connect({ batch_presence_aware: true }).pipe(
 *   Effect.catchTag("InvalidAuth", (error) => Effect.die(`fix the token: ${error.message}`)),
 *   Effect.provide(Slack.layerConfig)
 * )
 * ```
 *
 * @since 0.1.0
 */
export const connect: (
  params?: RtmConnectParams
) => Effect.Effect<RtmConnectResponse, RtmConnectError, SlackWebApi> = Effect.fn("rtm.connect")(
  function*(params?: RtmConnectParams) {
    const api = yield* SlackWebApi
    return yield* (api.call("rtm.connect", params ?? {}, RtmConnectResponse) as Effect.Effect<
      RtmConnectResponse,
      RtmConnectError
    >)
  }
)

/**
 * Calls `rtm.start`.
 *
 * @deprecated Slack deprecated `rtm.start`: apps created after 2021-11-30
 * get `method_deprecated` or `rtm_connect_required`, and since 2022-09-20 it
 * answers with the `rtm.connect` shape. Use {@link connect} instead.
 * @since 0.1.0
 */
export const start: (
  params?: RtmStartParams
) => Effect.Effect<RtmStartResponse, RtmStartError, SlackWebApi> = Effect.fn("rtm.start")(
  function*(params?: RtmStartParams) {
    const api = yield* SlackWebApi
    return yield* api.call("rtm.start", params ?? {}, RtmStartResponse)
  }
)
