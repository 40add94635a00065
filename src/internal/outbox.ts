/**
 * The outbound side of a session: frame limits, the bounded queue that
 * holds sends while the session reconnects, ids, and the pending replies.
 *
 * A queued frame leaves the queue only once it is written, so that no
 * interruption (of the drain, or of the sender) can lose it: each frame ends
 * written, withdrawn, or failed with a typed error.
 *
 * @internal
 */
import { Deferred, Duration, Effect, Exit } from "effect"
import {
  AckTimeout,
  DeliveryUnknown,
  type Disconnected,
  FrameTooLarge,
  type SendError,
  SendQueueFull,
  SendRejected,
  SessionClosed
} from "../RtmSessionError.js"

/** Slack drops the connection when a client frame is larger than this. */
export const frameLimitBytes = 16 * 1024

/** The longest id this session writes, to bound a frame's size before its id is known. */
const widestId = String(Number.MAX_SAFE_INTEGER)

/** A raw reply frame: an ack or a pong. */
export type ReplyFrame = Readonly<Record<string, unknown>>

/** An outgoing frame, without its id. */
export type Frame = Readonly<Record<string, unknown>>

/** One frame on its way out. */
interface Outgoing {
  readonly frame: Frame
  /** Whether the sender waits for a reply (`reply_to`) to this frame. */
  readonly awaitsReply: boolean
  /** Completed with the frame's id once it is written. */
  readonly written: Deferred.Deferred<number, SendError>
  /** Completed with the reply, for frames that await one. */
  readonly reply: Deferred.Deferred<ReplyFrame, SendError>
}

/**
 * Writes one text frame on the current socket. Returns false, having ended
 * the connection, when the socket can no longer take it.
 */
export type Write = (text: string) => boolean

/**
 * Fails with `FrameTooLarge` if `frame`, as JSON with its id, would exceed
 * Slack's limit.
 */
const checkSize = (frame: Frame): Effect.Effect<void, FrameTooLarge> => {
  const bytes = Buffer.byteLength(JSON.stringify(frame)) + widestId.length + 6
  return bytes > frameLimitBytes ? Effect.fail(new FrameTooLarge({ bytes, limit: frameLimitBytes })) : Effect.void
}

/**
 * Makes the outbox of one session.
 */
export const make = (options: { readonly capacity: number; readonly ackTimeout: Duration.Duration }) =>
  Effect.gen(function*() {
    const queued: Array<Outgoing> = []
    const pending = new Map<number, Outgoing>()
    let nextId = 1
    let closedReason: string | undefined
    /** Opened while frames wait; the drain sleeps on it when there are none. */
    const nonEmpty = yield* Effect.makeLatch(false)

    /**
     * Writes a frame with the next id, and registers it for a reply if asked.
     * Returns the id, or undefined (nothing written, no id used) if the
     * socket could not take it, unless `registerIfRefused`: then the frame is
     * registered all the same, to fail with the connection.
     */
    const writeNow = (write: Write, item: Outgoing, registerIfRefused = false): number | undefined => {
      const id = nextId
      // Registered before the write: a reply may come back before `write` returns (the in-memory fake does that).
      if (item.awaitsReply) pending.set(id, item)
      const wrote = write(JSON.stringify({ ...item.frame, id }))
      if (!wrote && !registerIfRefused) {
        pending.delete(id)
        return undefined
      }
      nextId++
      if (wrote) Deferred.unsafeDone(item.written, Exit.succeed(id))
      return id
    }

    const newItem = (frame: Frame, awaitsReply: boolean) =>
      Effect.all({
        written: Deferred.make<number, SendError>(),
        reply: Deferred.make<ReplyFrame, SendError>()
      }).pipe(Effect.map(({ reply, written }): Outgoing => ({ frame, awaitsReply, written, reply })))

    /** Waits for the reply of a written frame, under `timeout`. */
    const awaitReply = (item: Outgoing, id: number, timeout: Duration.Duration) =>
      Deferred.await(item.reply).pipe(
        Effect.timeoutFail({ duration: timeout, onTimeout: () => new AckTimeout({ id, timeout }) }),
        Effect.ensuring(Effect.sync(() => pending.delete(id)))
      )

    /** Takes a frame out of the queue if it is still there. */
    const withdraw = (item: Outgoing) =>
      Effect.sync(() => {
        const index = queued.indexOf(item)
        if (index >= 0) queued.splice(index, 1)
      })

    /**
     * Queues a frame and waits until it is written (and, if `awaitsReply`,
     * until its reply). Fails at once when the frame is too large, the queue
     * is full or the session is closed. Interrupting it withdraws a frame
     * that is still queued.
     */
    const send = (frame: Frame, awaitsReply: boolean) =>
      Effect.gen(function*() {
        const item = yield* newItem(frame, awaitsReply)
        // From the checks to the push, no other fiber can run: a close cannot slip in between.
        if (closedReason !== undefined) return yield* new SessionClosed({ reason: closedReason })
        yield* checkSize(frame)
        if (queued.length >= options.capacity) return yield* new SendQueueFull({ capacity: options.capacity })
        queued.push(item)
        yield* nonEmpty.open
        const id = yield* Effect.onInterrupt(Deferred.await(item.written), () => withdraw(item))
        const reply = awaitsReply ? yield* awaitReply(item, id, options.ackTimeout) : {}
        return { id, reply }
      })

    /**
     * Writes a frame at once, ahead of the queue (a ping), and waits for its
     * reply under `timeout`. If the socket cannot take it, the connection is
     * ending, and the frame fails with it (`DeliveryUnknown`).
     */
    const request = (write: Write, frame: Frame, timeout: Duration.Duration) =>
      Effect.flatMap(newItem(frame, true), (item) => awaitReply(item, writeNow(write, item, true)!, timeout))

    /** Writes a frame at once, ahead of the queue (the presence re-subscription), without waiting for a reply. */
    const writeUnqueued = (write: Write, frame: Frame) =>
      Effect.flatMap(newItem(frame, false), (item) => Effect.sync(() => writeNow(write, item)))

    /**
     * Drains the queue onto one connection, in order, each frame after
     * `throttle`. A frame leaves the queue only once written; if the
     * connection ends first, it stays first in line for the next one.
     */
    const drain = (write: Write, throttle: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) =>
      Effect.forever(Effect.gen(function*() {
        if (queued.length === 0) {
          // Close, then look again: a send that comes in between opens the latch after us.
          yield* nonEmpty.close
          if (queued.length === 0) yield* nonEmpty.await
          return
        }
        const wrote = yield* throttle(Effect.sync(() => {
          const item = queued[0]
          // The sender may have withdrawn it while the throttle waited.
          if (item === undefined) return true
          if (writeNow(write, item) === undefined) return false
          queued.shift()
          return true
        }))
        // The socket refused the frame: the connection is ending, and this fiber with it.
        if (!wrote) yield* Effect.never
      }))

    /** Routes a reply to its pending frame. Returns false when none waits for it. */
    const resolve = (replyTo: number, reply: ReplyFrame): boolean => {
      const item = pending.get(replyTo)
      if (item === undefined) return false
      pending.delete(replyTo)
      if (reply["ok"] === false) {
        const error = (reply["error"] ?? {}) as { code?: unknown; msg?: unknown }
        Deferred.unsafeDone(
          item.reply,
          Exit.fail(
            new SendRejected({
              id: replyTo,
              code: typeof error.code === "number" ? error.code : -1,
              msg: typeof error.msg === "string" ? error.msg : "(Slack gave no message)"
            })
          )
        )
      } else {
        Deferred.unsafeDone(item.reply, Exit.succeed(reply))
      }
      return true
    }

    /** The connection ended: every frame on the wire without a reply has an unknown fate. */
    const disconnected = (cause: Disconnected) => {
      for (const [id, item] of pending) Deferred.unsafeDone(item.reply, Exit.fail(new DeliveryUnknown({ id, cause })))
      pending.clear()
    }

    /** The session ended: everything queued or pending fails with `SessionClosed`. */
    const close = (reason: string) =>
      Effect.sync(() => {
        closedReason = reason
        const error = Exit.fail(new SessionClosed({ reason }))
        for (const item of queued.splice(0)) Deferred.unsafeDone(item.written, error)
        for (const item of pending.values()) Deferred.unsafeDone(item.reply, error)
        pending.clear()
      })

    return { send, request, writeUnqueued, drain, resolve, disconnected, close } as const
  })

/** The outbox of one session. */
export type Outbox = Effect.Effect.Success<ReturnType<typeof make>>
