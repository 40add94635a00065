/**
 * Pings and the keepalive of one connection. It owns no state: a ping is a
 * frame of the outbox, written ahead of its queue.
 *
 * Invariant: a connection whose pong does not come within `pongTimeout` is
 * dropped at once, so a silent peer is left at most `pingInterval +
 * pongTimeout` after its last pong.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import type { SendError } from "../RtmSessionError.js"
import type { Connection } from "./connection.js"
import * as Metrics from "./metrics.js"
import * as Outbox from "./outbox.js"

/**
 * Pings on `connection`; resolves with the round trip.
 *
 * @since 1.0.0
 */
export const ping = (
  outbox: Outbox.Outbox,
  connection: Connection,
  pongTimeout: Duration.Duration
): Effect.Effect<Duration.Duration, SendError> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    yield* Outbox.request(outbox, connection.write, { type: "ping" }, pongTimeout)
    const roundTrip = Duration.millis((yield* Clock.currentTimeMillis) - started)
    yield* Metric.update(Metrics.pingRoundTrip, roundTrip)
    return roundTrip
  })

/**
 * Pings every `pingInterval` until a pong is late, then drops the connection.
 *
 * @since 1.0.0
 */
export const keepalive = (
  outbox: Outbox.Outbox,
  connection: Connection,
  options: { readonly pingInterval: Duration.Duration; readonly pongTimeout: Duration.Duration }
): Effect.Effect<void> =>
  Effect.sleep(options.pingInterval).pipe(
    Effect.andThen(ping(outbox, connection, options.pongTimeout)),
    Effect.forever,
    Effect.catch(() =>
      Effect.sync(() =>
        connection.drop({ reason: "pong_timeout", detail: `no pong within ${Duration.format(options.pongTimeout)}` })
      )
    )
  )
