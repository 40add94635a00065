/**
 * The session's metrics. None of them carries the token.
 *
 * @internal
 */
import * as Metric from "effect/Metric"

/** Events delivered, by `type`. */
export const eventsReceived = Metric.frequency("slack_rtm_events_received", {
  description: "RTM events received, by type"
})

/** Frames that could not be decoded. */
export const decodeFailures = Metric.counter("slack_rtm_decode_failures", {
  description: "inbound frames that were not JSON or did not fit their type",
  incremental: true
})

/** Events dropped because the inbound buffer was full. */
export const eventsDropped = Metric.counter("slack_rtm_events_dropped", {
  description: "events dropped by the full inbound buffer",
  incremental: true
})

/** Reconnects, by reason. */
export const reconnects = Metric.frequency("slack_rtm_reconnects", {
  description: "connections that ended and were reconnected, by reason"
})

/** Ping round trips. */
export const pingRoundTrip = Metric.timer("slack_rtm_ping_round_trip", "ping to pong")

/** Send outcomes: `acked`, or the tag of the error. */
export const sends = Metric.frequency("slack_rtm_sends", {
  description: "outcomes of sends: acked, written, or the error tag"
})
