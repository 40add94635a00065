/**
 * In-memory layers for unit tests: a Web API that answers `rtm.connect` and
 * `rtm.start` from a script, and WebSockets that live in memory, so a bot
 * can be tested under `TestClock` without any socket.
 *
 * Frames are delivered synchronously: what the test pushes reaches the
 * session before `push` returns, and pongs and acks are answered as the
 * session writes its frames.
 *
 * @since 0.1.0
 */
import * as Socket from "@effect/platform/Socket"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { fromCode } from "../SlackError.js"
import { SlackWebApi } from "../SlackWebApi.js"
import { identity } from "./FakeSlack.js"
import * as FrameWaiters from "./internal/frameWaiters.js"
import * as Timestamps from "./internal/timestamps.js"

/**
 * The server side of one in-memory socket.
 *
 * @since 0.1.0
 */
export interface MemorySocket {
  /** The URL the session opened. */
  readonly url: string
  /** Every frame the session wrote, parsed. */
  readonly sent: ReadonlyArray<Readonly<Record<string, unknown>>>
  /** Whether the socket is open. */
  readonly isOpen: boolean
  /** Sends an event (any JSON value) to the session. */
  readonly push: (event: unknown) => Effect.Effect<void>
  /** Sends a raw text or binary frame to the session. */
  readonly pushRaw: (frame: string | Uint8Array) => Effect.Effect<void>
  /** Closes the socket from the server's side with `code`. */
  readonly close: (code: number, reason?: string) => Effect.Effect<void>
}

/**
 * What the fake answers by itself. All on by default.
 *
 * @since 0.1.0
 */
export interface Auto {
  /** Say `hello` as soon as the session listens. */
  readonly hello: boolean
  /** Answer each `ping` with a `pong`. */
  readonly pong: boolean
  /** Ack each `message` with `{ ok: true, ts, text }`. */
  readonly ack: boolean
}

/**
 * The script and records of the in-memory Slack.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Every `rtm.connect` / `rtm.start` call, with its parameters. */
  readonly calls: Effect.Effect<ReadonlyArray<{ readonly method: string; readonly params: object }>>
  /** Answers the next call with this Slack error code (and `Retry-After`, for `ratelimited`). */
  readonly failNextConnect: (code: string, retryAfter?: Duration.DurationInput) => Effect.Effect<void>
  /** Every socket the session opened, oldest first. */
  readonly sockets: Effect.Effect<ReadonlyArray<MemorySocket>>
  /** The newest socket. Dies if there is none. */
  readonly socket: Effect.Effect<MemorySocket>
  /** Changes what the fake answers by itself, from now on. */
  readonly setAuto: (auto: Partial<Auto>) => Effect.Effect<void>
  /** Waits until the session has written a frame, on any socket, that satisfies `predicate`, and returns it. */
  readonly awaitSent: (
    predicate: (frame: Readonly<Record<string, unknown>>) => boolean
  ) => Effect.Effect<Readonly<Record<string, unknown>>>
}

/**
 * The in-memory Slack as a service.
 *
 * @since 0.1.0
 */
export class SlackTest extends Context.Tag("effect-slack-rtm/testing/SlackTest")<SlackTest, Service>() {}

const closeEvent = (code: number, reason: string) =>
  Object.assign(new Event("close"), { code, reason, wasClean: code === 1000 })

/** Just enough of the WebSocket interface for `Socket.fromWebSocket`. */
class MemoryWebSocket extends EventTarget {
  readyState = 1
  readonly sent: Array<Readonly<Record<string, unknown>>> = []
  private readonly nextTs = Timestamps.make()
  constructor(readonly url: string, private readonly auto: () => Auto, private readonly onSent: () => void) {
    super()
  }
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean
  ) {
    super.addEventListener(type, listener, options)
    if (type === "message" && this.auto().hello) this.deliver("{\"type\":\"hello\"}")
  }
  deliver(data: string | Uint8Array) {
    if (this.readyState === 1) this.dispatchEvent(new MessageEvent("message", { data }))
  }
  send(text: string) {
    if (this.readyState !== 1) return
    const frame = JSON.parse(text) as Record<string, unknown>
    this.sent.push(frame)
    this.onSent()
    const auto = this.auto()
    if (frame["type"] === "ping" && auto.pong) {
      this.deliver(JSON.stringify({ type: "pong", reply_to: frame["id"] }))
    }
    if (frame["type"] === "message" && auto.ack) {
      const ts = this.nextTs()
      this.deliver(JSON.stringify({ ok: true, reply_to: frame["id"], ts, text: frame["text"] }))
    }
  }
  close(code = 1000, reason = "") {
    if (this.readyState === 3) return
    this.readyState = 3
    this.dispatchEvent(closeEvent(code, reason))
  }
}

/**
 * The in-memory layers: `SlackTest`, a `SlackWebApi` and a
 * `WebSocketConstructor`. Everything `RtmSession.make` needs.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<SlackTest | SlackWebApi | Socket.WebSocketConstructor> = Layer.effectContext(
  Effect.sync(() => {
    const calls: Array<{ method: string; params: object }> = []
    const failures: Array<{ code: string; retryAfter?: Duration.DurationInput }> = []
    const sockets: Array<MemoryWebSocket> = []
    let auto: Auto = { hello: true, pong: true, ack: true }
    const sent = FrameWaiters.make(() => sockets.flatMap((ws) => ws.sent))

    const webApi = SlackWebApi.of({
      call: (method, params, response) =>
        Effect.suspend(() => {
          calls.push({ method, params })
          const failure = failures.shift()
          if (failure !== undefined) {
            return Effect.fail(fromCode(method, failure.code, Duration.decode(failure.retryAfter ?? 0)))
          }
          const body = { url: `wss://memory.slack.test/rtm/${calls.length}`, ...identity }
          return Effect.orDie(Schema.decodeUnknown(response)(body))
        })
    })

    const view = (ws: MemoryWebSocket): MemorySocket => ({
      url: ws.url,
      sent: ws.sent,
      get isOpen() {
        return ws.readyState === 1
      },
      push: (event) => Effect.sync(() => ws.deliver(JSON.stringify(event))),
      pushRaw: (frame) => Effect.sync(() => ws.deliver(frame)),
      close: (code, reason) => Effect.sync(() => ws.close(code, reason))
    })

    const service: Service = {
      calls: Effect.sync(() => calls.slice()),
      failNextConnect: (code, retryAfter) =>
        Effect.sync(() => void failures.push(retryAfter === undefined ? { code } : { code, retryAfter })),
      sockets: Effect.sync(() => sockets.map(view)),
      socket: Effect.suspend(() => {
        const newest = sockets.at(-1)
        return newest === undefined ? Effect.dieMessage("no socket was opened") : Effect.succeed(view(newest))
      }),
      setAuto: (changes) => Effect.sync(() => void (auto = { ...auto, ...changes })),
      awaitSent: sent.await
    }

    const makeSocket = (url: string) => {
      const ws = new MemoryWebSocket(url, () => auto, sent.wake)
      sockets.push(ws)
      return ws as unknown as globalThis.WebSocket
    }

    return Context.make(SlackTest, service).pipe(
      Context.add(SlackWebApi, webApi),
      Context.add(Socket.WebSocketConstructor, makeSocket)
    )
  })
)
