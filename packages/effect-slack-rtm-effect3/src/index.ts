/**
 * effect-slack-rtm: Slack's Real Time Messaging API as Effects.
 *
 * This barrel only re-exports the eight public modules.
 *
 * @since 0.1.0
 */

/**
 * The Web API methods `rtm.connect` and `rtm.start` (deprecated): their parameters, their responses as
 * Schemas, and each as an Effect whose error channel lists exactly the codes Slack documents for it.
 *
 * @example
 * ```ts
 * import { Rtm, Slack } from "effect-slack-rtm"
 * import * as Effect from "effect/Effect"
 *
 * const info = Rtm.connect({ batch_presence_aware: true }).pipe(Effect.provide(Slack.layerConfig))
 * ```
 *
 * @since 0.1.0
 */
export * as Rtm from "./Rtm.js"

/**
 * Convenience layers for Node: `Slack.layer(options)` and `Slack.layerConfig` provide everything that
 * `Rtm.*` and `RtmSession.make` need (the Web API client over `fetch`, and WebSockets from `ws`).
 *
 * @since 0.1.0
 */
export * as Slack from "./Slack.js"

/**
 * The settings every Web API call needs: the token (kept `Redacted`), the API URL, the time one attempt may
 * take, and the retry policy for transient failures.
 *
 * @since 0.1.0
 */
export * as SlackConfig from "./SlackConfig.js"

/**
 * The typed errors: one tagged error per documented Slack error code (the tag is the PascalCase of the
 * code), the per-method unions, `UnknownSlackError` for codes no list names, and the transport errors.
 *
 * @since 0.1.0
 */
export * as SlackError from "./SlackError.js"

/**
 * The Web API client service: the one place an HTTP request is made. Bring your own `HttpClient` with
 * `SlackWebApi.layer`.
 *
 * @since 0.1.0
 */
export * as SlackWebApi from "./SlackWebApi.js"

/**
 * The events an RTM session delivers: a Schema union keyed on `type`, plus the session's own cases
 * `unknown`, `undecodable`, `events_dropped` and `unmatched_reply`, so that nothing the socket carries is lost.
 *
 * @since 0.1.0
 */
export * as RtmEvent from "./RtmEvent.js"

/**
 * The RTM session as one scoped resource: it connects, waits for `hello`, keeps itself alive, reconnects
 * after every fault, delivers typed events and acknowledged sends, and closes with its scope.
 *
 * @since 0.1.0
 */
export * as RtmSession from "./RtmSession.js"

/**
 * The session's errors: why a connection ended (`Disconnected`), and every way a send can fail.
 *
 * @since 0.1.0
 */
export * as RtmSessionError from "./RtmSessionError.js"
