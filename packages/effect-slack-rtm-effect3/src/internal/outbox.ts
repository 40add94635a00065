/**
 * The outbound side of a session: frame limits, the throttle, the bounded
 * queue that holds sends while the session reconnects, ids, and the pending
 * replies.
 *
 * A send is written at once, by its own fiber, when the session is
 * connected, nothing waits ahead of it and the throttle allows it.
 * Otherwise it is queued, and a drain fiber, which runs only while the queue
 * is not empty, writes the queue in order. A queued frame leaves the queue
 * only once it is written, so that no interruption (of the drain, or of the
 * sender) can lose it: each frame ends written, withdrawn, or failed with a
 * typed error.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import {
  AckTimeout,
  DeliveryUnknown,
  type Disconnected,
  FrameTooLarge,
  InvalidFrame,
  type SendError,
  SendQueueFull,
  SendRejected,
  SessionClosed
} from "../RtmSessionError.js"
import { quote } from "./quote.js"

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
  /** The frame as JSON, written once, with the placeholder id of {@link encode}. */
  readonly text: string
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

/** What ends every encoded frame: its id, last, as a placeholder that {@link withId} fills in. */
const placeholder = "\"id\":0}"

/**
 * Writes `frame` as JSON, once, with `"id":0` as its last key (any `id` of
 * its own is left out: the session's wins). Fails with `InvalidFrame` if it
 * cannot be written as a JSON object (a BigInt, a cycle, a `toJSON` that
 * throws), and with `FrameTooLarge` if it would exceed Slack's limit with
 * the longest id.
 */
const encode = (frame: Frame): Effect.Effect<string, InvalidFrame | FrameTooLarge> => {
  let text: unknown
  try {
    const { id: _, ...fields } = frame
    text = JSON.stringify({ ...fields, id: 0 })
  } catch (error) {
    return Effect.fail(
      new InvalidFrame({ reason: quote(error instanceof Error ? error.message : "a value was thrown") })
    )
  }
  if (typeof text !== "string" || !text.endsWith(placeholder)) {
    return Effect.fail(new InvalidFrame({ reason: "it is not written as a JSON object" }))
  }
  const bytes = Buffer.byteLength(text) - 1 + widestId.length
  return bytes > frameLimitBytes
    ? Effect.fail(new FrameTooLarge({ bytes, limit: frameLimitBytes }))
    : Effect.succeed(text)
}

/** An encoded frame with its id. */
const withId = (text: string, id: number) => `${text.slice(0, -2)}${id}}`

/**
 * A token bucket: `limit` tokens, refilled continuously at `limit` per
 * `interval`. Only the outbox takes from it, one writer at a time, so it
 * needs no lock and no fiber of its own (unlike `RateLimiter`, which keeps a
 * refill fiber per instance).
 */
const tokenBucket = (limit: number, interval: Duration.DurationInput) => {
  const millisPerToken = Duration.toMillis(interval) / limit
  let tokens = limit
  let updatedAt = -Infinity
  /** Takes a token at `now`, and returns 0; or, when there is none, returns the milliseconds until there is. */
  return (now: number): number => {
    tokens = Math.min(limit, tokens + (now - updatedAt) / millisPerToken)
    updatedAt = now
    if (tokens >= 1) {
      tokens -= 1
      return 0
    }
    return Math.ceil((1 - tokens) * millisPerToken)
  }
}

/** The outbound throttle of a session, or `false` for none. */
export type RateLimit = { readonly limit: number; readonly interval: Duration.DurationInput } | false

/**
 * Makes the outbox of one session. `connection` gives the current
 * connection's `Write`, if the session is connected; `whenConnected` waits
 * until it may be; `onAwaitReply` is called whenever a frame that awaits a
 * reply is written.
 */
export const make = (options: {
  readonly capacity: number
  readonly ackTimeout: Duration.Duration
  readonly rateLimit: RateLimit
  readonly connection: () => Write | undefined
  readonly whenConnected: Effect.Effect<void>
  /** Quotes server text into an error. */
  readonly quote: (text: string) => string
  /** Called when a frame that awaits a reply is written: the socket must be read. */
  readonly onAwaitReply: () => void
}) =>
  Effect.gen(function*() {
    const queued: Array<Outgoing> = []
    const pending = new Map<number, Outgoing>()
    let nextId = 1
    let closedReason: string | undefined
    /** The running drain, if any: one runs while, and only while, frames are queued. */
    let drainer: object | undefined
    const takeToken = options.rateLimit === false
      ? () => 0
      : tokenBucket(options.rateLimit.limit, options.rateLimit.interval)
    const scope = yield* Effect.scope
    const clock = yield* Effect.clock

    /**
     * Writes a frame with the next id, and registers it for a reply if asked.
     * Returns the id, or undefined (nothing written, no id used) if the
     * socket could not take it, unless `registerIfRefused`: then the frame is
     * registered all the same, to fail with the connection.
     */
    const writeNow = (write: Write, item: Outgoing, registerIfRefused = false): number | undefined => {
      const id = nextId
      // Registered before the write: a reply may come back before `write` returns (the in-memory fake does that).
      if (item.awaitsReply) {
        pending.set(id, item)
        options.onAwaitReply()
      }
      const wrote = write(withId(item.text, id))
      if (!wrote && !registerIfRefused) {
        pending.delete(id)
        return undefined
      }
      nextId++
      if (wrote) Deferred.unsafeDone(item.written, Exit.succeed(id))
      return id
    }

    const newItem = (text: string, awaitsReply: boolean) =>
      Effect.all({
        written: Deferred.make<number, SendError>(),
        reply: Deferred.make<ReplyFrame, SendError>()
      }).pipe(Effect.map(({ reply, written }): Outgoing => ({ text, awaitsReply, written, reply })))

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
     * Writes the queue in order, each frame when the throttle allows, on
     * whichever connection is current, waiting for one when there is none.
     * A frame the socket refuses (it is closing) stays first in line. Ends
     * when the queue is empty.
     */
    const drain = (self: object): Effect.Effect<void> =>
      Effect.gen(function*() {
        while (true) {
          const item = queued[0]
          if (item === undefined) {
            // In the same step as the check, so that a send never finds a drain that is about to end.
            drainer = undefined
            return
          }
          const write = options.connection()
          if (write === undefined) {
            yield* options.whenConnected
            continue
          }
          const wait = takeToken(clock.unsafeCurrentTimeMillis())
          if (wait > 0) {
            yield* Effect.sleep(wait)
            continue
          }
          // The frame stays queued, where its sender may withdraw it, until it is written.
          if (writeNow(write, item) !== undefined) queued.shift()
          // Refused: the connection is ending. Let its end run before looking again.
          else yield* Effect.yieldNow()
        }
      }).pipe(
        Effect.interruptible,
        Effect.ensuring(Effect.sync(() => {
          if (drainer === self) drainer = undefined
        }))
      )

    /**
     * Writes a frame at once if it may go now, or queues it. Returns the
     * error that refuses it, or whether a drain must be started. It runs in
     * one synchronous step, so that no close can slip in between its checks
     * and the push.
     */
    const offer = (
      item: Outgoing
    ): SessionClosed | SendQueueFull | "written" | "queued" | { readonly drain: object } => {
      if (closedReason !== undefined) return new SessionClosed({ reason: closedReason })
      if (queued.length >= options.capacity) return new SendQueueFull({ capacity: options.capacity })
      if (drainer !== undefined) {
        queued.push(item)
        return "queued"
      }
      const write = options.connection()
      if (
        write !== undefined && takeToken(clock.unsafeCurrentTimeMillis()) === 0 && writeNow(write, item) !== undefined
      ) {
        return "written"
      }
      drainer = {}
      queued.push(item)
      return { drain: drainer }
    }

    /**
     * Sends a frame and waits until it is written (and, if `awaitsReply`,
     * until its reply). Fails at once when the frame is too large, the queue
     * is full or the session is closed. Interrupting it withdraws a frame
     * that is still queued.
     */
    const send = (frame: Frame, awaitsReply: boolean) =>
      Effect.gen(function*() {
        const item = yield* newItem(yield* encode(frame), awaitsReply)
        // Uninterruptible from the offer to the wait: an interruption in between would leave a queue with no drain.
        const id = yield* Effect.uninterruptibleMask((restore) =>
          Effect.gen(function*() {
            const offered = offer(item)
            if (offered instanceof SessionClosed || offered instanceof SendQueueFull) return yield* offered
            if (typeof offered === "object") yield* Effect.forkIn(drain(offered.drain), scope)
            return yield* Effect.onInterrupt(restore(Deferred.await(item.written)), () => withdraw(item))
          })
        )
        const reply = awaitsReply ? yield* awaitReply(item, id, options.ackTimeout) : {}
        return { id, reply }
      })

    /** A frame of the session's own (a ping, or presence ids already sent once), which always encodes. */
    const ownItem = (frame: Frame, awaitsReply: boolean) =>
      Effect.flatMap(Effect.orDie(encode(frame)), (text) => newItem(text, awaitsReply))

    /**
     * Writes a frame at once, ahead of the queue (a ping), and waits for its
     * reply under `timeout`. If the socket cannot take it, the connection is
     * ending, and the frame fails with it (`DeliveryUnknown`).
     */
    const request = (write: Write, frame: Frame, timeout: Duration.Duration) =>
      Effect.flatMap(ownItem(frame, true), (item) => awaitReply(item, writeNow(write, item, true)!, timeout))

    /** Writes a frame at once, ahead of the queue (the presence re-subscription), without waiting for a reply. */
    const writeUnqueued = (write: Write, frame: Frame) =>
      Effect.flatMap(ownItem(frame, false), (item) => Effect.sync(() => writeNow(write, item)))

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
              msg: typeof error.msg === "string" ? options.quote(error.msg) : "(Slack gave no message)"
            })
          )
        )
      } else {
        Deferred.unsafeDone(item.reply, Exit.succeed(reply))
      }
      return true
    }

    /** Whether a written frame awaits its reply. */
    const awaitsReply = (): boolean => pending.size > 0

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

    return { send, request, writeUnqueued, resolve, awaitsReply, disconnected, close } as const
  })

/** The outbox of one session. */
export type Outbox = Effect.Effect.Success<ReturnType<typeof make>>
