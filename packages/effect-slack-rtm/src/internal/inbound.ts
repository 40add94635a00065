/**
 * The inbound buffer of a session. It owns the queue of events waiting for
 * the consumer, the frame size of each event in it, and the open
 * `events_dropped` marker.
 *
 * Invariant: at most `capacity` events wait (markers aside), whose frames
 * add up to at most `maxBytes`; the queue has room beside them for the
 * markers, so an offer never fails. When an event does not fit, a marker
 * goes in at once, right after the last event kept, and counts every event
 * dropped until another event fits.
 *
 * Backpressure comes first: once a window of events (or bytes) waits, the
 * buffer asks the session to stop reading the socket, and to read again
 * once the consumer has taken three quarters of them. A paused socket
 * leaves the rest on the wire, where the server waits, so a slow consumer
 * costs no memory and loses nothing. The buffer never pauses while a reply
 * (an ack or a pong) is awaited, since the reply is behind the events on
 * the wire: then it reads on, and drops what does not fit, as above.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type { RtmEvent } from "../RtmEvent.js"
import * as Metrics from "./metrics.js"

/** The `events_dropped` marker that still counts drops. */
interface Marker {
  readonly type: "events_dropped"
  count: number
}

/**
 * The inbound buffer of one session, ended or failed with `E`. Only this module's functions touch its fields.
 *
 * @since 1.0.0
 */
export interface Inbound<E> {
  readonly queue: Queue.Queue<RtmEvent, E | Cause.Done>
  readonly capacity: number
  /** The most the frames of the buffered events may add up to (characters, or bytes of binary frames). */
  readonly maxBytes: number
  /** The session's context: its metrics registry, logger and log level. */
  readonly context: Context.Context<never>
  /** The frame size of each event (markers aside) in the queue, oldest first; taken off as the consumer reads. */
  readonly sizes: Array<number>
  /** The sum of `sizes`. */
  bytes: number
  openMarker: Marker | undefined
  /** The events, and the bytes, that pause the socket once either is reached. */
  readonly window: { readonly events: number; readonly bytes: number }
  /** Pauses (true) or resumes (false) reading the current socket. */
  readonly setPaused: (paused: boolean) => void
  /** Whether a reply is awaited, so that the socket must be read. */
  readonly awaitsReply: () => boolean
  /** Whether the buffer has stopped the socket. */
  paused: boolean
}

/**
 * The most events, and bytes, a socket delivers before it is paused, or a
 * quarter of the buffer if that is less. A window rather than the whole
 * buffer: events that wait long are promoted to the old generation, and the
 * rest of the socket's last read (up to 64 KiB of frames) still arrives
 * after a pause, and must fit.
 */
const windowLimit = { events: 512, bytes: 512 * 1024 }

/**
 * Makes a buffer for `capacity` events whose frames add up to at most
 * `maxBytes`. It stops and starts reading the socket with `setPaused`, and
 * never stops it while `awaitsReply()`.
 *
 * @since 1.0.0
 */
export const make = <E>(
  options: {
    readonly capacity: number
    readonly maxBytes: number
    readonly setPaused: (paused: boolean) => void
    readonly awaitsReply: () => boolean
  },
  context: Context.Context<never>
): Effect.Effect<Inbound<E>> =>
  Effect.map(
    Queue.make<RtmEvent, E | Cause.Done>({ capacity: 2 * options.capacity + 1 }),
    (queue) => ({
      queue,
      ...options,
      context,
      sizes: [],
      bytes: 0,
      openMarker: undefined,
      window: {
        events: Math.min(windowLimit.events, Math.ceil(options.capacity / 4)),
        bytes: Math.min(windowLimit.bytes, Math.ceil(options.maxBytes / 4))
      },
      paused: false
    })
  )

/**
 * Reads the socket again, if the buffer had stopped it (a reply is awaited, or the consumer caught up).
 *
 * @since 1.0.0
 */
export const readOn = <E>(inbound: Inbound<E>): void => {
  if (!inbound.paused) return
  inbound.paused = false
  inbound.setPaused(false)
}

/**
 * Whether the buffer has stopped reading: a new connection starts stopped too.
 *
 * @since 1.0.0
 */
export const isPaused = <E>(inbound: Inbound<E>): boolean => inbound.paused

/** Logs from the socket's callback, as the session's own fibers log. */
const warn = (context: Context.Context<never>, message: string): void => {
  Effect.runForkWith(context)(Effect.logWarning(message))
}

/**
 * Buffers an event from the socket, that came in a frame of `size`
 * characters (or bytes), or counts it as dropped when it does not fit.
 *
 * @since 1.0.0
 */
export const deliver = <E>(inbound: Inbound<E>, event: RtmEvent, size: number): void => {
  Metrics.eventsReceived.updateUnsafe(event.type, inbound.context)
  if (event.type === "undecodable") {
    Metrics.decodeFailures.updateUnsafe(1, inbound.context)
    warn(inbound.context, `undecodable frame: ${event.reason}`)
  }
  if (inbound.sizes.length < inbound.capacity && inbound.bytes + size <= inbound.maxBytes) {
    inbound.openMarker = undefined
    inbound.sizes.push(size)
    inbound.bytes += size
    Queue.offerUnsafe(inbound.queue, event)
    if (
      !inbound.paused && (inbound.sizes.length >= inbound.window.events || inbound.bytes >= inbound.window.bytes) &&
      !inbound.awaitsReply()
    ) {
      inbound.paused = true
      inbound.setPaused(true)
    }
    return
  }
  Metrics.eventsDropped.updateUnsafe(1, inbound.context)
  if (inbound.openMarker !== undefined) {
    inbound.openMarker.count++
    return
  }
  warn(inbound.context, "the inbound buffer is full: dropping events until it drains")
  inbound.openMarker = { type: "events_dropped", count: 1 }
  Queue.offerUnsafe(inbound.queue, inbound.openMarker)
}

/**
 * The consumer's side: what it takes frees room, and a marker it has taken counts no more drops.
 *
 * @since 1.0.0
 */
export const events = <E>(inbound: Inbound<E>): Stream.Stream<RtmEvent, E> =>
  Stream.fromQueue(inbound.queue).pipe(Stream.mapArray((events) => {
    // The sizes taken go in one step at the end: a shift per event was 1–2% of the session's CPU.
    const sizes = inbound.sizes
    let taken = 0
    for (const event of events) {
      if (event.type !== "events_dropped") inbound.bytes -= sizes[taken++]!
      else if (event === inbound.openMarker) inbound.openMarker = undefined
    }
    // Usually every buffered event was taken; any that arrived after the take move to the front.
    sizes.copyWithin(0, taken)
    sizes.length -= taken
    if (
      inbound.paused && sizes.length <= inbound.window.events / 4 && inbound.bytes <= inbound.window.bytes / 4
    ) {
      readOn(inbound)
    }
    return events
  }))

/**
 * Ends the stream with success, once the consumer has taken what is buffered.
 *
 * @since 1.0.0
 */
export const end = <E>(inbound: Inbound<E>): Effect.Effect<void> => Effect.asVoid(Queue.end(inbound.queue))

/**
 * Fails the stream with `cause`, once the consumer has taken what is buffered.
 *
 * @since 1.0.0
 */
export const fail = <E>(inbound: Inbound<E>, cause: Cause.Cause<E>): Effect.Effect<void> =>
  Effect.asVoid(Queue.failCause(inbound.queue, cause))
