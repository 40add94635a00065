/**
 * The session's metrics, in Effect's global registry. Invariant: no metric
 * carries the token, in its name, its attributes or its values.
 *
 * @internal
 */
import * as Metric from "effect/Metric"

/**
 * Events delivered, by `type`.
 *
 * @since 1.0.0
 */
export const eventsReceived = Metric.frequency("slack_rtm_events_received", {
  description: "RTM events received, by type"
})

/**
 * Frames that could not be decoded.
 *
 * @since 1.0.0
 */
export const decodeFailures = Metric.counter("slack_rtm_decode_failures", {
  description: "inbound frames that were not JSON or did not fit their type",
  incremental: true
})

/**
 * Events dropped because the inbound buffer was full.
 *
 * @since 1.0.0
 */
export const eventsDropped = Metric.counter("slack_rtm_events_dropped", {
  description: "events dropped by the full inbound buffer",
  incremental: true
})

/**
 * Reconnects, by reason.
 *
 * @since 1.0.0
 */
export const reconnects = Metric.frequency("slack_rtm_reconnects", {
  description: "connections that ended and were reconnected, by reason"
})

/**
 * Ping round trips: update with `Metric.update(pingRoundTrip, duration)`.
 *
 * @since 1.0.0
 */
export const pingRoundTrip = Metric.timer("slack_rtm_ping_round_trip", { description: "ping to pong" })

/**
 * Send outcomes: `acked`, or the tag of the error.
 *
 * @since 1.0.0
 */
export const sends = Metric.frequency("slack_rtm_sends", {
  description: "outcomes of sends: acked, written, or the error tag"
})
