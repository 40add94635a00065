/**
 * One RTM connection: open the socket, route its frames, wait for `hello`,
 * report its end, and tear it down, at once when it failed.
 *
 * The socket comes from `@effect/platform`'s `Socket.WebSocketConstructor`,
 * but its events are heard with plain listeners rather than through
 * `Socket.fromWebSocket`. An open connection therefore runs no fiber of its
 * own, and a `ws` socket's frames reach `decodeFrame` without a
 * `MessageEvent` each; see the README's "Layout" section for the reasons.
 *
 * @internal
 */
import * as Socket from "@effect/platform/Socket"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { decodeFrame, type Reply, type RtmEvent } from "../RtmEvent.js"
import type { WebSocketConstructorWithHeaders } from "../RtmSession.js"
import { type Disconnected, InvalidSocketUrl, InvalidWebSocketConstructor } from "../RtmSessionError.js"
import type { Write } from "./outbox.js"

/** Why a connection ended, before the session judges whether it was stable. */
export type Drop = Pick<Disconnected, "reason" | "detail">

/** An open connection that has said `hello`. */
export interface Connection {
  /** Writes one text frame. */
  readonly write: Write
  /** Ends the connection with a reason; the first reason wins. */
  readonly drop: (drop: Drop) => void
  /**
   * Stops or starts reading the socket, so that the server waits (TCP
   * backpressure) while the consumer is behind. Only a `ws` socket can; on
   * any other, it does nothing.
   */
  readonly setPaused: (paused: boolean) => void
}

/** What a connection reports to its session, with the length of the frame each came in (characters or bytes). */
export interface Handlers {
  readonly onEvent: (event: RtmEvent, size: number) => void
  readonly onReply: (reply: Reply, size: number) => void
  /**
   * Called once, synchronously, when a connection that has said `hello`
   * ends. (Before `hello`, its end fails `open` instead.)
   */
  readonly onDrop: (drop: Drop) => void
}

/** The message of an error, or of the `ErrorEvent` a WebSocket fires, if it has one. */
const messageOf = (cause: unknown): string | undefined => {
  const message = (cause as { message?: unknown } | null)?.message
  return typeof message === "string" && message !== "" ? message : undefined
}

const socketError = (stage: "open" | "read", cause: unknown, quote: (text: string) => string): Drop => {
  // `ws` refuses a frame over its `maxPayload` with this code, and closes the socket with 1009.
  if ((cause as { error?: { code?: unknown } } | null)?.error?.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
    return {
      reason: "frame_too_large",
      detail: "a frame was larger than the socket accepts (maxFrameBytes); close 1009"
    }
  }
  const message = messageOf(cause)
  return { reason: "socket_error", detail: quote(`${stage} error${message ? `: ${message}` : ""}`) }
}

/** Whether a plain `ws:` socket to `hostname` (as `URL` writes it) stays on this machine. */
const isLoopback = (hostname: string) =>
  hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname)

/**
 * Checks a socket URL before anything opens it. One that does not parse is
 * a failed open, as the constructor would report it, and worth another
 * `rtm.connect`; one that parses to anything but `wss:`, or `ws:` to a
 * loopback host, is refused for good (`ws+unix:`, say, would open a local
 * socket file).
 */
const checkUrl = (url: string, quote: (text: string) => string): Effect.Effect<void, Drop | InvalidSocketUrl> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return Effect.fail({ reason: "socket_error", detail: quote(`open error: Invalid URL: ${url}`) })
  }
  return parsed.protocol === "wss:" || (parsed.protocol === "ws:" && isLoopback(parsed.hostname))
    ? Effect.void
    : Effect.fail(new InvalidSocketUrl({ url: quote(url) }))
}

/** A `ws` socket, which can report frames without wrapping each in a `MessageEvent`, and stop reading. */
interface NodeWebSocket {
  binaryType: string
  readonly isPaused: boolean
  on(event: "message", listener: (data: Buffer, isBinary: boolean) => void): void
  pause(): void
  resume(): void
}

const asNodeWebSocket = (ws: globalThis.WebSocket): NodeWebSocket | undefined => {
  const socket = ws as unknown as NodeWebSocket
  return typeof socket.on === "function" ? socket : undefined
}

/** A binary frame as bytes. */
const bytesOf = (data: ArrayBuffer | ArrayBufferView): Uint8Array =>
  data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)

/**
 * Hears every frame of `ws`: text as a string, binary as bytes. A `ws`
 * socket is heard through its own `message` event; any other WebSocket
 * through the standard one.
 */
const listen = (ws: globalThis.WebSocket, onFrame: (data: string | Uint8Array) => void) => {
  const node = asNodeWebSocket(ws)
  if (node !== undefined) {
    node.binaryType = "nodebuffer"
    node.on("message", (data, isBinary) => onFrame(isBinary ? bytesOf(data) : data.toString()))
    return
  }
  ws.binaryType = "arraybuffer"
  ws.addEventListener("message", (event: MessageEvent<string | ArrayBuffer | ArrayBufferView>) => {
    onFrame(typeof event.data === "string" ? event.data : bytesOf(event.data))
  })
}

/** Stops or starts reading a `ws` socket; any other socket cannot, and reads on. */
const setPaused = (ws: globalThis.WebSocket, paused: boolean) => {
  const node = asNodeWebSocket(ws)
  if (node === undefined || node.isPaused === paused) return
  if (paused) node.pause()
  else node.resume()
}

/** Something a `ws` socket has and a browser's has not: closing without a handshake. */
const terminate = (ws: globalThis.WebSocket) => {
  ws.addEventListener("error", () => {})
  const hard = (ws as unknown as { terminate?: () => void }).terminate
  if (typeof hard === "function") hard.call(ws)
  else ws.close()
}

/**
 * Closes a socket. A failed connection is torn down at once; on a graceful
 * shutdown a close frame goes first, and the socket is destroyed if the
 * peer does not answer within a second.
 */
const release = (ws: globalThis.WebSocket, graceful: boolean) => {
  if (!graceful || ws.readyState !== 1) return Effect.sync(() => terminate(ws))
  return Effect.async<void>((resume) => {
    ws.addEventListener("close", () => resume(Effect.void), { once: true })
    // A paused socket would not read the peer's close frame.
    setPaused(ws, false)
    ws.close(1000)
  }).pipe(
    // A release runs uninterruptibly: without this, the timeout could not stop the wait, and would wait for it.
    Effect.interruptible,
    Effect.timeout("1 second"),
    Effect.ignore,
    Effect.ensuring(Effect.sync(() => terminate(ws)))
  )
}

/**
 * Opens `url` and waits for `hello` within `helloTimeout`. The socket lives
 * as long as the scope; closing the scope closes it. Once open, the
 * connection's end is reported to `handlers.onDrop`. Whatever a drop's
 * detail quotes of the server (or of the URL) goes through `quote`.
 */
export const open = (
  url: string,
  options: {
    readonly helloTimeout: Duration.Duration
    readonly graceful: () => boolean
    readonly quote: (text: string) => string
    /**
     * Headers for the upgrade request (a session token's cookie), passed to
     * the constructor as `{ headers }`, in place of the protocols. Only for
     * a constructor that can send them: the session checks that first.
     */
    readonly headers?: Readonly<Record<string, string>> | undefined
  },
  handlers: Handlers
): Effect.Effect<
  Connection,
  Drop | InvalidSocketUrl | InvalidWebSocketConstructor,
  Socket.WebSocketConstructor | Scope.Scope
> =>
  Effect.gen(function*() {
    const quote = options.quote
    yield* checkUrl(url, quote)
    /** Completed with the first reason the connection ends for. */
    const closed = yield* Deferred.make<never, Drop>()
    /** Completed by `hello`, or failed with the reason the connection ended before it. */
    const hello = yield* Deferred.make<void, Drop>()
    let ended = false
    let established = false
    let helloSeen = false
    const drop = (reason: Drop) => {
      if (ended) return
      ended = true
      Deferred.unsafeDone(closed, Exit.fail(reason))
      Deferred.unsafeDone(hello, Exit.fail(reason))
      if (established) handlers.onDrop(reason)
    }

    const route = (data: string | Uint8Array, size: number) => {
      const frame = decodeFrame(data)
      if (frame._tag === "Reply") return handlers.onReply(frame, size)
      const event = frame.event
      switch (event.type) {
        case "hello":
          helloSeen = true
          // Buffered first, so that whatever `hello` resumes (the connect, then `make` returning to the user,
          // then the user's first pull) finds it there, however soon the scheduler runs it.
          handlers.onEvent(event, size)
          Deferred.unsafeDone(hello, Exit.void)
          return
        case "goodbye":
          drop({ reason: "goodbye", detail: "the server said goodbye" })
          break
        case "team_migration_started":
          drop({ reason: "team_migration", detail: "the workspace is migrating" })
          break
        case "error":
          if (!helloSeen) drop({ reason: "server_error", detail: quote(`${event.error.code} ${event.error.msg}`) })
          break
      }
      handlers.onEvent(event, size)
    }

    const onFrame = (data: string | Uint8Array) => {
      const size = typeof data === "string" ? data.length : data.byteLength
      try {
        route(data, size)
      } catch (error) {
        // Nothing a frame holds may escape into the socket's callback and crash the process.
        const reason = quote(`could not be handled: ${messageOf(error)}`)
        handlers.onEvent({ type: "undecodable", frame: data, reason }, size)
      }
    }

    const make = yield* Socket.WebSocketConstructor
    const scope = yield* Effect.scope
    // Not `acquireRelease`: its release would run with this fiber's FiberRefs patched in, and the next
    // connection's fiber, which closes this scope, would keep them, each connection adding to the last.
    const ws = yield* Effect.try({
      try: () =>
        options.headers === undefined
          ? make(url)
          : (make as unknown as WebSocketConstructorWithHeaders)(url, { headers: options.headers }),
      // The URL was checked, so a TypeError is the constructor's own fault; anything else is a failed open.
      catch: (cause) =>
        cause instanceof TypeError
          ? new InvalidWebSocketConstructor({ reason: quote(`it threw ${cause.message}`) })
          : socketError("open", cause, quote)
    }).pipe(
      Effect.filterOrFail(
        (ws) => typeof (ws as Partial<globalThis.WebSocket> | undefined)?.addEventListener === "function",
        () => new InvalidWebSocketConstructor({ reason: "it returned no WebSocket" })
      ),
      Effect.tap((ws) => Scope.addFinalizer(scope, Effect.suspend(() => release(ws, options.graceful())))),
      Effect.uninterruptible
    )
    let opened = ws.readyState === 1
    ws.addEventListener("open", () => void (opened = true), { once: true })
    // Kept for the socket's life: a `ws` socket with no `error` listener throws its errors.
    ws.addEventListener("error", (event) => drop(socketError(opened ? "read" : "open", event, quote)))
    ws.addEventListener("close", (event: CloseEvent) =>
      drop({ reason: "closed", detail: quote(`close ${event.code}${event.reason ? ` ${event.reason}` : ""}`) }))
    listen(ws, onFrame)

    yield* Deferred.await(hello).pipe(
      Effect.timeoutFail({
        duration: options.helloTimeout,
        onTimeout: (): Drop =>
          opened
            ? { reason: "hello_timeout", detail: "no hello in time" }
            : { reason: "hello_timeout", detail: "the socket did not open in time" }
      })
    )
    // It may have ended between `hello` and here.
    if (ended) {
      return yield* Deferred.await(closed)
    }
    established = true

    const write: Write = (text) => {
      // A closing socket drops what it is given without a word: refuse instead, and end the connection.
      if (ended || ws.readyState !== 1) {
        drop({ reason: "closed", detail: "the socket was closing" })
        return false
      }
      try {
        ws.send(text)
        return true
      } catch (error) {
        drop({ reason: "socket_error", detail: quote(`write failed: ${messageOf(error) ?? "unknown error"}`) })
        return false
      }
    }
    return {
      write,
      drop,
      setPaused: (paused) =>
        setPaused(ws, paused)
    }
  })
