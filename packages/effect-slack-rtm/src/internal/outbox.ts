/**
 * The outbound side of a session. It owns the frame limit, the throttle,
 * the bounded queue that holds sends while the session reconnects, the
 * ids, the frames waiting for a reply, and the presence list that is sent
 * again after every `hello`.
 *
 * A send is written at once, by its own fiber, when the session is
 * connected, nothing waits ahead of it and the throttle allows it.
 * Otherwise it is queued, and a drain fiber writes the queue in order.
 *
 * Invariants: a drain runs while, and only while, frames are queued. A
 * queued frame leaves the queue only once it is written, so that no
 * interruption (of the drain, or of the sender) can lose it: each frame
 * ends written, withdrawn, or failed with a typed error. Each id goes to
 * one written frame. A frame is written as JSON once, when it is sent,
 * and a frame that cannot be is refused with a typed error, never a defect.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
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
import * as Link from "./link.js"
import { quote } from "./quote.js"

/**
 * Slack drops the connection when a client frame is larger than this.
 *
 * @since 1.0.0
 */
export const frameLimitBytes = 16 * 1024

/** The longest id this session writes, to bound a frame's size before its id is known. */
const widestId = String(Number.MAX_SAFE_INTEGER)

/**
 * A raw reply frame: an ack or a pong.
 *
 * @since 1.0.0
 */
export type ReplyFrame = Readonly<Record<string, unknown>>

/**
 * An outgoing frame, without its id.
 *
 * @since 1.0.0
 */
export type Frame = Readonly<Record<string, unknown>>

/**
 * Writes one text frame on the current socket. Returns false, having ended
 * the connection, when the socket can no longer take it.
 *
 * @since 1.0.0
 */
export type Write = (text: string) => boolean

/**
 * The outbound throttle of a session, or `false` for none.
 *
 * @since 1.0.0
 */
export type RateLimit = { readonly limit: number; readonly interval: Duration.Input } | false

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
 * The outbox of one session. Only this module's functions touch its fields.
 *
 * @since 1.0.0
 */
export interface Outbox {
  readonly capacity: number
  readonly ackTimeout: Duration.Duration
  readonly link: Link.Link
  /** Quotes server text into an error. */
  readonly quote: (text: string) => string
  /** Takes a token at `now` and returns 0; or, when there is none, returns the milliseconds until there is. */
  readonly takeToken: (now: number) => number
  readonly clock: Clock.Clock
  /** Where drain fibers run: the session's scope. */
  readonly scope: Scope.Scope
  readonly queued: Array<Outgoing>
  readonly pending: Map<number, Outgoing>
  nextId: number
  closedReason: string | undefined
  /** The running drain, if any. */
  drainer: object | undefined
  /** The presence list last written, sent again after every `hello`. */
  presence: ReadonlyArray<string>
  /** Called when a frame that awaits a reply is written: the socket must be read. */
  readonly onAwaitReply: () => void
}

/**
 * A token bucket: `limit` tokens, refilled continuously at `limit` per
 * `interval`. Only the outbox takes from it, one writer at a time, so it
 * needs no lock and no fiber of its own (unlike `RateLimiter`).
 */
const tokenBucket = (limit: number, interval: Duration.Input) => {
  const millisPerToken = Duration.toMillis(interval) / limit
  let tokens = limit
  let updatedAt = -Infinity
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

/**
 * Makes the outbox of one session; its drains run in the caller's scope.
 *
 * @since 1.0.0
 */
export const make = (options: {
  readonly capacity: number
  readonly ackTimeout: Duration.Duration
  readonly rateLimit: RateLimit
  readonly link: Link.Link
  readonly quote: (text: string) => string
  readonly onAwaitReply: () => void
}): Effect.Effect<Outbox, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { rateLimit } = options
    return {
      capacity: options.capacity,
      ackTimeout: options.ackTimeout,
      link: options.link,
      quote: options.quote,
      takeToken: rateLimit === false ? () => 0 : tokenBucket(rateLimit.limit, rateLimit.interval),
      clock: yield* Clock.Clock,
      scope: yield* Effect.scope,
      queued: [],
      pending: new Map(),
      nextId: 1,
      closedReason: undefined,
      drainer: undefined,
      presence: [],
      onAwaitReply: options.onAwaitReply
    }
  })

/** What ends every encoded frame: its id, last, as a placeholder that {@link withId} fills in. */
const placeholder = "\"id\":0}"

/**
 * Writes `frame` as JSON, once, with `"id":0` as its last key (any `id` of
 * its own is left out: the session's wins). Fails with `InvalidFrame` if it
 * cannot be written as a JSON object (a BigInt, a cycle, a `toJSON` that
 * throws), and with `FrameTooLarge` if it would exceed Slack's limit with
 * the longest id.
 */
const encode = (frame: Frame): Result.Result<string, InvalidFrame | FrameTooLarge> => {
  let text: unknown
  try {
    const { id: _, ...fields } = frame
    text = JSON.stringify({ ...fields, id: 0 })
  } catch (error) {
    return Result.fail(
      new InvalidFrame({ reason: quote(error instanceof Error ? error.message : "a value was thrown") })
    )
  }
  if (typeof text !== "string" || !text.endsWith(placeholder)) {
    return Result.fail(new InvalidFrame({ reason: "it is not written as a JSON object" }))
  }
  const bytes = Buffer.byteLength(text) - 1 + widestId.length
  return bytes > frameLimitBytes
    ? Result.fail(new FrameTooLarge({ bytes, limit: frameLimitBytes }))
    : Result.succeed(text)
}

/** An encoded frame with its id. */
const withId = (text: string, id: number): string => `${text.slice(0, -2)}${id}}`

const newItem = (text: string, awaitsReply: boolean): Outgoing => ({
  text,
  awaitsReply,
  written: Deferred.makeUnsafe(),
  reply: Deferred.makeUnsafe()
})

/** A frame of the session's own (a ping, or presence ids already sent once), which always encodes. */
const ownItem = (frame: Frame, awaitsReply: boolean): Outgoing => newItem(Result.getOrThrow(encode(frame)), awaitsReply)

/**
 * Writes a frame with the next id, and registers it for a reply if asked.
 * Returns the id, or undefined (nothing written, no id used) if the socket
 * could not take it, unless `registerIfRefused`: then the frame is
 * registered all the same, to fail with the connection.
 */
const writeNow = (outbox: Outbox, write: Write, item: Outgoing, registerIfRefused = false): number | undefined => {
  const id = outbox.nextId
  // Registered before the write: a reply may come back before `write` returns (the in-memory fake does that).
  if (item.awaitsReply) {
    outbox.pending.set(id, item)
    outbox.onAwaitReply()
  }
  const wrote = write(withId(item.text, id))
  if (!wrote && !registerIfRefused) {
    outbox.pending.delete(id)
    return undefined
  }
  outbox.nextId++
  if (wrote) Deferred.doneUnsafe(item.written, Exit.succeed(id))
  return id
}

/** Waits for the reply of a written frame, under `timeout`. */
const awaitReply = (outbox: Outbox, item: Outgoing, id: number, timeout: Duration.Duration) =>
  Deferred.await(item.reply).pipe(
    Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(new AckTimeout({ id, timeout })) }),
    Effect.ensuring(Effect.sync(() => outbox.pending.delete(id)))
  )

/** Takes a frame out of the queue if it is still there. */
const withdraw = (outbox: Outbox, item: Outgoing) =>
  Effect.sync(() => {
    const index = outbox.queued.indexOf(item)
    if (index >= 0) outbox.queued.splice(index, 1)
  })

/**
 * Writes the queue in order, each frame when the throttle allows, on
 * whichever connection is current, waiting for one when there is none. A
 * frame the socket refuses (it is closing) stays first in line. Ends when
 * the queue is empty. It is interruptible even when forked from an
 * uninterruptible send, so that it never holds up the session's close.
 */
const drain = (outbox: Outbox, self: object): Effect.Effect<void> =>
  Effect.gen(function*() {
    while (true) {
      const item = outbox.queued[0]
      if (item === undefined) {
        // In the same step as the check, so that a send never finds a drain that is about to end.
        outbox.drainer = undefined
        return
      }
      const write = Link.write(outbox.link)
      if (write === undefined) {
        yield* outbox.link.awaitConnected
        continue
      }
      const wait = outbox.takeToken(outbox.clock.currentTimeMillisUnsafe())
      if (wait > 0) {
        yield* Effect.sleep(wait)
        continue
      }
      // The frame stays queued, where its sender may withdraw it, until it is written.
      if (writeNow(outbox, write, item) !== undefined) outbox.queued.shift()
      // Refused: the connection is ending. Let its end run before looking again.
      else yield* Effect.yieldNow
    }
  }).pipe(
    Effect.interruptible,
    Effect.ensuring(Effect.sync(() => {
      if (outbox.drainer === self) outbox.drainer = undefined
    }))
  )

/**
 * Writes a frame at once if it may go now, or queues it. Returns the error
 * that refuses it, or whether a drain must be started. It runs in one
 * synchronous step, so that no close can slip in between its checks and
 * the push.
 */
const offer = (
  outbox: Outbox,
  item: Outgoing
): SessionClosed | SendQueueFull | "written" | "queued" | { readonly drain: object } => {
  if (outbox.closedReason !== undefined) return new SessionClosed({ reason: outbox.closedReason })
  if (outbox.queued.length >= outbox.capacity) return new SendQueueFull({ capacity: outbox.capacity })
  if (outbox.drainer !== undefined) {
    outbox.queued.push(item)
    return "queued"
  }
  const write = Link.write(outbox.link)
  if (
    write !== undefined && outbox.takeToken(outbox.clock.currentTimeMillisUnsafe()) === 0 &&
    writeNow(outbox, write, item) !== undefined
  ) {
    return "written"
  }
  outbox.drainer = {}
  outbox.queued.push(item)
  return { drain: outbox.drainer }
}

/**
 * Sends a frame and waits until it is written (and, if `awaitsReply`,
 * until its reply). Fails at once when the frame is too large, the queue is
 * full or the session is closed. Interrupting it withdraws a frame that is
 * still queued.
 *
 * @since 1.0.0
 */
export const send = (
  outbox: Outbox,
  frame: Frame,
  awaitsReply: boolean
): Effect.Effect<{ readonly id: number; readonly reply: ReplyFrame }, SendError> =>
  Effect.gen(function*() {
    const item = newItem(yield* Effect.fromResult(encode(frame)), awaitsReply)
    // Uninterruptible from the offer to the wait: an interruption in between would leave a queue with no drain.
    const id = yield* Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        const offered = offer(outbox, item)
        if (offered instanceof SessionClosed || offered instanceof SendQueueFull) return yield* offered
        if (typeof offered === "object") yield* Effect.forkIn(drain(outbox, offered.drain), outbox.scope)
        return yield* Effect.onInterrupt(restore(Deferred.await(item.written)), () => withdraw(outbox, item))
      })
    )
    const reply = awaitsReply ? yield* awaitReply(outbox, item, id, outbox.ackTimeout) : {}
    return { id, reply }
  })

/**
 * Writes a frame at once, ahead of the queue (a ping), and waits for its
 * reply under `timeout`. If the socket cannot take it, the connection is
 * ending, and the frame fails with it (`DeliveryUnknown`).
 *
 * @since 1.0.0
 */
export const request = (
  outbox: Outbox,
  write: Write,
  frame: Frame,
  timeout: Duration.Duration
): Effect.Effect<ReplyFrame, SendError> =>
  Effect.suspend(() => {
    const item = ownItem(frame, true)
    return awaitReply(outbox, item, writeNow(outbox, write, item, true)!, timeout)
  })

/**
 * Sends a presence subscription, and remembers the list once it is written.
 *
 * @since 1.0.0
 */
export const subscribePresence = (outbox: Outbox, ids: ReadonlyArray<string>): Effect.Effect<number, SendError> => {
  const list = [...ids]
  return send(outbox, { type: "presence_sub", ids: list }, false).pipe(
    Effect.map(({ id }) => {
      outbox.presence = list
      return id
    })
  )
}

/**
 * Writes the remembered presence list at once, ahead of the queue, on a connection that just said `hello`.
 *
 * @since 1.0.0
 */
export const resubscribe = (outbox: Outbox, write: Write): Effect.Effect<void> =>
  Effect.sync(() => {
    if (outbox.presence.length === 0) return
    writeNow(outbox, write, ownItem({ type: "presence_sub", ids: outbox.presence }, false))
  })

/**
 * Whether a written frame awaits its reply.
 *
 * @since 1.0.0
 */
export const awaitsReply = (outbox: Outbox): boolean => outbox.pending.size > 0

/**
 * Routes a reply to its pending frame. Returns false when none waits for it.
 *
 * @since 1.0.0
 */
export const resolve = (outbox: Outbox, replyTo: number, reply: ReplyFrame): boolean => {
  const item = outbox.pending.get(replyTo)
  if (item === undefined) return false
  outbox.pending.delete(replyTo)
  if (reply["ok"] !== false) {
    Deferred.doneUnsafe(item.reply, Exit.succeed(reply))
    return true
  }
  const error = (reply["error"] ?? {}) as { code?: unknown; msg?: unknown }
  const rejected = new SendRejected({
    id: replyTo,
    code: typeof error.code === "number" ? error.code : -1,
    msg: typeof error.msg === "string" ? outbox.quote(error.msg) : "(Slack gave no message)"
  })
  Deferred.doneUnsafe(item.reply, Exit.fail(rejected))
  return true
}

/**
 * The connection ended: every frame on the wire without a reply has an unknown fate.
 *
 * @since 1.0.0
 */
export const disconnected = (outbox: Outbox, cause: Disconnected): void => {
  for (const [id, item] of outbox.pending) {
    Deferred.doneUnsafe(item.reply, Exit.fail(new DeliveryUnknown({ id, cause })))
  }
  outbox.pending.clear()
}

/**
 * The session ended: everything queued or pending fails with `SessionClosed`, and so does every later send.
 *
 * @since 1.0.0
 */
export const close = (outbox: Outbox, reason: string): Effect.Effect<void> =>
  Effect.sync(() => {
    outbox.closedReason = reason
    const error = Exit.fail(new SessionClosed({ reason }))
    for (const item of outbox.queued.splice(0)) Deferred.doneUnsafe(item.written, error)
    for (const item of outbox.pending.values()) Deferred.doneUnsafe(item.reply, error)
    outbox.pending.clear()
  })
