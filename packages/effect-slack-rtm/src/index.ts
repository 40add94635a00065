/**
 * effect-slack-rtm: Slack's Real Time Messaging API as Effects.
 *
 * This barrel only re-exports the eight public modules.
 *
 * @since 1.0.0
 */

/** The `rtm.connect` and `rtm.start` methods. @since 1.0.0 */
export * as Rtm from "./Rtm.js"

/** Convenience layers for Node. @since 1.0.0 */
export * as Slack from "./Slack.js"

/** Token, API URL, timeout and retry policy. @since 1.0.0 */
export * as SlackConfig from "./SlackConfig.js"

/** The typed errors. @since 1.0.0 */
export * as SlackError from "./SlackError.js"

/** The Web API client service. @since 1.0.0 */
export * as SlackWebApi from "./SlackWebApi.js"

/** The Schemas of RTM events. @since 1.0.0 */
export * as RtmEvent from "./RtmEvent.js"

/** The scoped RTM session. @since 1.0.0 */
export * as RtmSession from "./RtmSession.js"

/** The session's errors. @since 1.0.0 */
export * as RtmSessionError from "./RtmSessionError.js"
