/**
 * The session's link to Slack. It owns which connection is current, the
 * `connected` latch that waiters park on, and the reason the session ended.
 *
 * Invariant: the latch is open exactly while `current` is a connection that
 * has not dropped, or once the session has ended. Only the reconnect driver
 * changes the link; the outbox and the session's methods read it.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Latch from "effect/Latch"
import { SessionClosed } from "../RtmSessionError.js"
import type { Connection } from "./connection.js"
import type { Write } from "./outbox.js"

/**
 * The link of one session. Only this module's functions touch its fields.
 *
 * @since 1.0.0
 */
export interface Link {
  readonly connected: Latch.Latch
  /**
   * Waits until the session is connected or has ended. It yields, so that
   * no caller can spin without letting others run.
   */
  readonly awaitConnected: Effect.Effect<void>
  current: Connection | undefined
  ended: string | undefined
}

/**
 * A link with no connection yet.
 *
 * @since 1.0.0
 */
export const make = (): Link => {
  const connected = Latch.makeUnsafe(false)
  const awaitConnected = Effect.andThen(connected.await, Effect.yieldNow)
  return { connected, awaitConnected, current: undefined, ended: undefined }
}

/**
 * The current connection's `Write`, if the session is connected.
 *
 * @since 1.0.0
 */
export const write = (link: Link): Write | undefined => link.current?.write

/**
 * The current connection, once there is one; `SessionClosed` once the session has ended.
 *
 * @since 1.0.0
 */
export const whenConnected = (link: Link): Effect.Effect<Connection, SessionClosed> =>
  Effect.suspend(() =>
    link.current !== undefined
      ? Effect.succeed(link.current)
      : link.ended !== undefined
      ? Effect.fail(new SessionClosed({ reason: link.ended }))
      : Effect.andThen(link.awaitConnected, whenConnected(link))
  )

/**
 * Makes `connection` current. Waiters still wait until {@link markConnected}.
 *
 * @since 1.0.0
 */
export const adopt = (link: Link, connection: Connection): void => {
  link.current = connection
}

/**
 * Lets waiters go: the current connection is set up.
 *
 * @since 1.0.0
 */
export const markConnected = (link: Link): void => {
  link.connected.openUnsafe()
}

/**
 * `connection` dropped: if it was current, the session is no longer connected.
 *
 * @since 1.0.0
 */
export const drop = (link: Link, connection: Connection | undefined): void => {
  if (link.current === undefined || link.current !== connection) return
  link.current = undefined
  link.connected.closeUnsafe()
}

/**
 * Whether the session has ended.
 *
 * @since 1.0.0
 */
export const hasEnded = (link: Link): boolean => link.ended !== undefined

/**
 * Records that the session ends, for `reason`. Returns false if it had ended already.
 *
 * @since 1.0.0
 */
export const end = (link: Link, reason: string): boolean => {
  if (link.ended !== undefined) return false
  link.ended = reason
  return true
}

/**
 * Wakes every waiter for good, once the session has ended and its queues are closed.
 *
 * @since 1.0.0
 */
export const wake = (link: Link): Effect.Effect<void> => Effect.asVoid(link.connected.open)
