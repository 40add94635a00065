/**
 * The outbound side of a session: frame limits, the bounded queue that
 * holds sends while the session reconnects, ids, and the pending replies.
 *
 * @internal
 */
import { Deferred, Duration, Effect, Exit, Queue } from "effect"
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

/** One frame on its way out. */
interface Outgoing {
  readonly frame: Readonly<Record<string, unknown>>
  /** Whether the sender waits for a reply (`reply_to`) to this frame. */
  readonly awaitsReply: boolean
  /** Completed with the frame's id once it is written. */
  readonly written: Deferred.Deferred<number, SendError>
  /** Completed with the reply, for frames that await one. */
  readonly reply: Deferred.Deferred<ReplyFrame, SendError>
  cancelled: boolean
}

/** How to write one text frame on the current socket. */
export type Write = (text: string) => void

/**
 * Makes the outbox of one session.
 */
export const make = (options: { readonly capacity: number; readonly ackTimeout: Duration.Duration }) =>
  Effect.gen(function*() {
    const queue = yield* Queue.dropping<Outgoing>(options.capacity)
    const pending = new Map<number, Outgoing>()
    let head: Outgoing | undefined
    let nextId = 1
    let closedReason: string | undefined

    const sizeOf = (frame: Readonly<Record<string, unknown>>) =>
      Buffer.byteLength(JSON.stringify(frame)) + widestId.length + 6

    /** Writes a frame now, with the next id; registers it for a reply if asked. */
    const writeNow = (write: Write, item: Outgoing): number => {
      const id = nextId++
      if (item.awaitsReply) pending.set(id, item)
      write(JSON.stringify({ id, ...item.frame }))
      Deferred.unsafeDone(item.written, Exit.succeed(id))
      return id
    }

    const newItem = (frame: Readonly<Record<string, unknown>>, awaitsReply: boolean) =>
      Effect.all({
        written: Deferred.make<number, SendError>(),
        reply: Deferred.make<ReplyFrame, SendError>()
      }).pipe(Effect.map(({ reply, written }): Outgoing => ({ frame, awaitsReply, written, reply, cancelled: false })))

    /** Waits for the reply of a written frame, under the ack timeout. */
    const awaitReply = (item: Outgoing, id: number, timeout: Duration.Duration) =>
      Deferred.await(item.reply).pipe(
        Effect.timeoutFail({ duration: timeout, onTimeout: () => new AckTimeout({ id, timeout }) }),
        Effect.ensuring(Effect.sync(() => pending.delete(id)))
      )

    /**
     * Queues a frame and waits until it is written (and, if `awaitsReply`,
     * until its reply). Fails at once when the frame is too large, the queue
     * is full or the session is closed.
     */
    const send = (frame: Readonly<Record<string, unknown>>, awaitsReply: boolean) =>
      Effect.gen(function*() {
        if (closedReason !== undefined) return yield* new SessionClosed({ reason: closedReason })
        const bytes = sizeOf(frame)
        if (bytes > frameLimitBytes) return yield* new FrameTooLarge({ bytes, limit: frameLimitBytes })
        const item = yield* newItem(frame, awaitsReply)
        if (!(yield* Queue.offer(queue, item))) return yield* new SendQueueFull({ capacity: options.capacity })
        if (closedReason !== undefined) Deferred.unsafeDone(item.written, Exit.fail(new SessionClosed({ reason: closedReason })))
        return yield* Effect.onInterrupt(
          Effect.flatMap(Deferred.await(item.written), (id) =>
            awaitsReply
              ? Effect.map(awaitReply(item, id, options.ackTimeout), (reply) => ({ id, reply }))
              : Effect.succeed({ id, reply: {} as ReplyFrame })),
          () => Effect.sync(() => void (item.cancelled = true))
        )
      })

    /** Writes a frame at once, ahead of the queue (a ping), and waits for its reply under `timeout`. */
    const request = (write: Write, frame: Readonly<Record<string, unknown>>, timeout: Duration.Duration) =>
      Effect.flatMap(newItem(frame, true), (item) => awaitReply(item, writeNow(write, item), timeout))

    /** Writes a frame at once, ahead of the queue (the presence re-subscription), without waiting for a reply. */
    const writeUnqueued = (write: Write, frame: Readonly<Record<string, unknown>>) =>
      Effect.flatMap(newItem(frame, false), (item) => Effect.sync(() => writeNow(write, item)))

    /**
     * Drains the queue onto one connection, in order, each frame after
     * `throttle`. A frame taken but not yet written when the connection ends
     * stays first in line for the next one.
     */
    const drain = (write: Write, throttle: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) =>
      Effect.forever(Effect.gen(function*() {
        const item = head ?? (yield* Queue.take(queue))
        head = item
        if (!item.cancelled) yield* throttle(Effect.sync(() => writeNow(write, item)))
        head = undefined
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
              msg: typeof error.msg === "string" ? error.msg : JSON.stringify(reply["error"] ?? null)
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
      Effect.gen(function*() {
        closedReason = reason
        const error = Exit.fail(new SessionClosed({ reason }))
        const queued = [...(head ? [head] : []), ...(yield* Queue.takeAll(queue))]
        head = undefined
        for (const item of queued) Deferred.unsafeDone(item.written, error)
        for (const item of pending.values()) Deferred.unsafeDone(item.reply, error)
        pending.clear()
      })

    return { send, request, writeUnqueued, drain, resolve, disconnected, close } as const
  })

/** The outbox of one session. */
export type Outbox = Effect.Effect.Success<ReturnType<typeof make>>
