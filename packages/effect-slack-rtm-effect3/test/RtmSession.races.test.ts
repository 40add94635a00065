/**
 * The session at awkward moments: a drop in the middle of a connect, a close
 * in the middle of a reconnect, a sender interrupted at every step, a peer
 * that never answers. Each test here failed on an earlier version.
 */
import { Socket } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import {
  Effect,
  Exit,
  Fiber,
  Layer,
  Logger,
  LogLevel,
  Option,
  Schedule,
  type Scheduler,
  Scope,
  Stream,
  TestClock
} from "effect"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import * as RtmSession from "../src/RtmSession.js"
import * as SlackTest from "../src/testing/SlackTest.js"

/**
 * How a scripted socket behaves:
 * - `normal`: says hello, answers pings and messages, reports a close at once;
 * - `closingAfterHello`: says hello and is CLOSING at once, as a `ws` socket is when a close frame
 *   comes in the same read as `hello`; it reports the close only when terminated;
 * - `deaf`: says hello and never answers a close frame; only `terminate` ends it.
 */
type Mode = "normal" | "closingAfterHello" | "deaf"

class ScriptedSocket extends EventTarget {
  readyState = 1
  readonly sent: Array<Record<string, unknown>> = []
  readonly calls: Array<string> = []
  constructor(readonly mode: Mode) {
    super()
  }
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null) {
    super.addEventListener(type, listener)
    if (type !== "message") return
    this.deliver("{\"type\":\"hello\"}")
    if (this.mode === "closingAfterHello") this.readyState = 2
  }
  deliver(data: string) {
    if (this.readyState === 1) this.dispatchEvent(new MessageEvent("message", { data }))
  }
  send(text: string) {
    const frame = JSON.parse(text) as Record<string, unknown>
    this.sent.push(frame)
    if (frame["type"] === "ping") this.deliver(JSON.stringify({ type: "pong", reply_to: frame["id"] }))
    if (frame["type"] === "message") this.deliver(JSON.stringify({ ok: true, reply_to: frame["id"], ts: "1.1" }))
  }
  close(code = 1000) {
    this.calls.push(`close ${code}`)
    if (this.mode === "normal") this.closedBy(code)
  }
  terminate() {
    this.calls.push("terminate")
    this.closedBy(1006)
  }
  /** Ends the socket as a server would, with `code`. */
  closedBy(code: number) {
    if (this.readyState === 3) return
    this.readyState = 3
    this.dispatchEvent(Object.assign(new Event("close"), { code, reason: "" }))
  }
}

/**
 * The in-memory Web API with scripted sockets: the n-th socket opened takes the n-th of `modes`
 * (then `normal`), and each is handed to `opened`.
 */
const scripted = (modes: ReadonlyArray<Mode>, opened: (socket: ScriptedSocket) => void = () => {}) => {
  const queue = [...modes]
  return Layer.mergeAll(
    SlackTest.layer,
    Logger.minimumLogLevel(LogLevel.None),
    Layer.succeed(Socket.WebSocketConstructor, () => {
      const socket = new ScriptedSocket(queue.shift() ?? "normal")
      opened(socket)
      return socket as unknown as globalThis.WebSocket
    })
  )
}

/** Lets forked fibers run without moving the clock. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

/** `gc()`, without starting node with `--expose-gc`. */
const collectGarbage = (() => {
  setFlagsFromString("--expose-gc")
  return runInNewContext("gc") as () => void
})()

/** A scheduler that makes the first fiber it sees yield at its `k`-th operation, for `delayMs`. */
const yieldingAt = (k: number, delayMs: number): Scheduler.Scheduler => {
  let target: unknown
  let count = 0
  return {
    shouldYield: (fiber) => {
      target ??= fiber
      return fiber === target && ++count === k ? 0 : false
    },
    scheduleTask: (task) => void setTimeout(task, delayMs)
  }
}

describe("RtmSession at awkward moments", () => {
  it.effect("a peer that never answers the close frame gets one second, then its socket is destroyed", () =>
    Effect.gen(function*() {
      const sockets: Array<ScriptedSocket> = []
      const scope = yield* Scope.make()
      yield* RtmSession.make().pipe(
        Scope.extend(scope),
        Effect.provide(scripted(["deaf"], (socket) => sockets.push(socket)))
      )
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* settle
      expect(sockets[0]!.calls).toEqual(["close 1000"])
      yield* TestClock.adjust("999 millis")
      expect(sockets[0]!.calls).toEqual(["close 1000"])
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(closing)
      expect(sockets[0]!.calls).toEqual(["close 1000", "terminate"])
    }))

  it.effect("a socket that closes while its presence is re-sent leaves the session reconnecting: a ping waits for the next hello", () =>
    Effect.gen(function*() {
      const sockets: Array<ScriptedSocket> = []
      yield* Effect.gen(function*() {
        const session = yield* RtmSession.make({ reconnect: Schedule.spaced("1 second"), rateLimit: false })
        yield* session.subscribePresence(["U1"])
        sockets[0]!.closedBy(1011)
        yield* TestClock.adjust("1 second")
        yield* settle
        // The second socket said hello, then refused the presence frame: the session must not count it as connected.
        expect(sockets.length).toBe(2)
        const ping = yield* Effect.fork(session.ping())
        yield* settle
        expect(Option.isNone(yield* Fiber.poll(ping))).toBe(true)
        yield* TestClock.adjust("1 second")
        yield* settle
        yield* Fiber.join(ping)
        expect(sockets.length).toBe(3)
        expect(sockets[2]!.sent.map((frame) => frame["type"])).toEqual(["presence_sub", "ping"])
      }).pipe(
        Effect.scoped,
        Effect.provide(scripted(["normal", "closingAfterHello"], (socket) => sockets.push(socket)))
      )
    }))

  it.effect("a send made in an uninterruptible region does not hold up closing the session", () =>
    Effect.gen(function*() {
      const sockets: Array<ScriptedSocket> = []
      const scope = yield* Scope.make()
      const session = yield* RtmSession.make({
        rateLimit: { limit: 1, interval: "1 second" },
        reconnect: Schedule.spaced("10 seconds")
      }).pipe(Scope.extend(scope), Effect.provide(scripted([], (socket) => sockets.push(socket))))
      yield* session.typing("C0")
      // Queued behind the throttle; its drain must stay interruptible all the same.
      const sender = yield* Effect.fork(Effect.uninterruptible(Effect.either(session.typing("C1"))))
      yield* settle
      sockets[0]!.closedBy(1006)
      yield* TestClock.adjust("1 second")
      yield* settle
      yield* Scope.close(scope, Exit.void)
      const outcome = yield* Fiber.join(sender)
      expect(outcome._tag === "Left" && outcome.left._tag).toBe("SessionClosed")
    }))

  it.live(
    "a sender interrupted at any step leaves no queue without a drain: a later send still goes out",
    () =>
      Effect.gen(function*() {
        for (let k = 1; k <= 60; k++) {
          const sockets: Array<ScriptedSocket> = []
          yield* Effect.gen(function*() {
            const session = yield* RtmSession.make({
              rateLimit: { limit: 1, interval: "40 millis" },
              pingInterval: "1 hour"
            })
            yield* session.typing("C0") // takes the only token, so that C1 queues
            const sender = yield* Effect.fork(session.typing("C1").pipe(Effect.withScheduler(yieldingAt(k, 5))))
            yield* Effect.sleep("2 millis")
            yield* Fiber.interrupt(sender)
            const later = yield* Effect.either(Effect.timeout(session.typing("C2"), "1 second"))
            expect({ k, later: later._tag }).toEqual({ k, later: "Right" })
            expect(sockets[0]!.sent.map((frame) => frame["channel"]).at(-1)).toBe("C2")
          }).pipe(Effect.scoped, Effect.provide(scripted([], (socket) => sockets.push(socket))))
        }
      }),
    30_000
  )

  it.live("closing the session in the middle of a reconnect's teardown still closes the old socket", () =>
    Effect.gen(function*() {
      for (let yields = 0; yields <= 8; yields++) {
        const sockets: Array<ScriptedSocket> = []
        const scope = yield* Scope.make()
        yield* RtmSession.make({ reconnect: Schedule.spaced("1 hour") }).pipe(
          Scope.extend(scope),
          Effect.provide(scripted([], (socket) => sockets.push(socket)))
        )
        sockets[0]!.deliver("{\"type\":\"goodbye\"}") // the session leaves; the socket stays open until it closes it
        for (let i = 0; i < yields; i++) yield* Effect.yieldNow()
        yield* Scope.close(scope, Exit.void)
        expect({ yields, readyStates: sockets.map((socket) => socket.readyState) }).toEqual({
          yields,
          readyStates: sockets.map(() => 3)
        })
      }
    }))

  it.live("a connection that ended leaves nothing behind: none of its sockets outlives it", () =>
    Effect.gen(function*() {
      const sockets: Array<WeakRef<ScriptedSocket>> = []
      let latest: ScriptedSocket | undefined
      const layer = scripted([], (socket) => {
        sockets.push(new WeakRef(socket))
        latest = socket
      })
      yield* Effect.gen(function*() {
        yield* RtmSession.make({ reconnect: Schedule.spaced("0 millis") })
        for (let reconnects = 1; reconnects <= 30; reconnects++) {
          latest?.closedBy(1011)
          while (sockets.length <= reconnects) yield* Effect.sleep("1 millis")
        }
        yield* Effect.sleep("10 millis")
        collectGarbage()
        // The open socket, and perhaps the one before it, still being released.
        expect(sockets.filter((socket) => socket.deref() !== undefined).length).toBeLessThanOrEqual(2)
      }).pipe(Effect.scoped, Effect.provide(layer))
    }))

  it.live("closing the session while it ends on a permanent error still ends its streams and fails later sends", () =>
    Effect.gen(function*() {
      const sockets: Array<ScriptedSocket> = []
      let onEnded: (() => void) | undefined
      // The scope starts to close just as `end` logs, half-way through it.
      const logger = Logger.make(({ message }) => {
        const text = String(Array.isArray(message) ? message[0] : message)
        if (text.startsWith("session ended") && onEnded !== undefined) onEnded()
      })
      const layer = Layer.merge(
        scripted([], (socket) => sockets.push(socket)),
        Layer.merge(Logger.replace(Logger.defaultLogger, logger), Logger.minimumLogLevel(LogLevel.All))
      )
      yield* Effect.gen(function*() {
        const scope = yield* Scope.make()
        const session = yield* RtmSession.make({ reconnect: Schedule.spaced("10 millis"), rateLimit: false }).pipe(
          Scope.extend(scope)
        )
        const events = yield* Effect.fork(Effect.exit(Stream.runDrain(session.events)))
        const states = yield* Effect.fork(Stream.runCollect(session.state))
        yield* (yield* SlackTest.SlackTest).failNextConnect("invalid_auth")
        onEnded = () => {
          onEnded = undefined
          Effect.runFork(Scope.close(scope, Exit.void))
        }
        sockets[0]!.closedBy(1011)
        yield* Effect.sleep("100 millis")
        const send = yield* Effect.either(Effect.timeout(session.typing("C1"), "1 second"))
        expect(send._tag === "Left" && send.left._tag).toBe("SessionClosed")
        expect(Option.isSome(yield* Fiber.poll(events))).toBe(true)
        const last = Option.map(yield* Fiber.poll(states), Exit.map((all) => [...all].at(-1)?._tag))
        expect(last).toEqual(Option.some(Exit.succeed("Closed")))
      }).pipe(Effect.provide(layer))
    }))
})
