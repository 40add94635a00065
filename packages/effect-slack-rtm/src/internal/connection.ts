/**
 * One RTM connection. It owns one socket and what is known of it: whether
 * it has opened, said `hello`, and ended. It routes the socket's frames,
 * waits for `hello`, and tears the socket down when its scope closes.
 *
 * Invariant: a connection ends once, for the first reason it ends for.
 * Before `hello`, that end fails `open`; after, it is reported to `onDrop`,
 * synchronously, exactly once. Only a `wss:` URL, or `ws:` to a loopback
 * host, is ever opened, and whatever a drop quotes of the server (or of
 * the URL) is quoted bounded, with the secrets blanked out. Headers for the
 * upgrade request (a session token's cookie) go to the constructor as
 * `{ headers }`, on every open.
 *
 * The socket comes from `Socket.WebSocketConstructor`, but its events are
 * heard with plain listeners rather than through `Socket.fromWebSocket`. An
 * open connection therefore runs no fiber of its own, and a `ws` socket's
 * frames reach `decodeFrame` without a `MessageEvent` each.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import type { WebSocket as NodeWebSocket } from "ws"
import { decodeFrame, type Reply, type RtmEvent } from "../RtmEvent.js"
import { type Disconnected, InvalidSocketUrl, InvalidWebSocketConstructor } from "../RtmSessionError.js"
import type { Write } from "./outbox.js"

/**
 * Why a connection ended, before the session judges whether it was stable.
 *
 * @since 1.0.0
 */
export type Drop = Pick<Disconnected, "reason" | "detail">

/**
 * An open connection that has said `hello`.
 *
 * @since 1.0.0
 */
export interface Connection {
  /** Writes one text frame. */
  readonly write: Write
  /** Ends the connection with a reason; the first reason wins. */
  readonly drop: (drop: Drop) => void
  /** Failed with the first reason the connection ended for, once it has ended. */
  readonly closed: Deferred.Deferred<never, Drop>
  /**
   * Stops or starts reading the socket, so that the server waits (TCP
   * backpressure) while the consumer is behind. Only a `ws` socket can; on
   * any other, it does nothing.
   */
  readonly setPaused: (paused: boolean) => void
}

/**
 * What a connection reports to its session, with the length of the frame
 * each came in (characters, or bytes of a binary frame).
 *
 * @since 1.0.0
 */
export interface Handlers {
  readonly onEvent: (event: RtmEvent, size: number) => void
  readonly onReply: (reply: Reply, size: number) => void
  /**
   * Called once, synchronously, in the socket's callback, when a connection
   * that has said `hello` ends. (Before `hello`, its end fails `open`
   * instead.)
   */
  readonly onDrop: (connection: Connection) => void
}

/** One socket and what is known of it. */
interface State {
  readonly ws: Socket.WebSocketLike
  readonly handlers: Handlers
  /** Quotes server text (or the URL) into a drop's detail. */
  readonly quote: (text: string) => string
  /** Completed with the first reason the connection ends for. */
  readonly closed: Deferred.Deferred<never, Drop>
  /** Completed by `hello`, or failed with the reason the connection ended before it. */
  readonly hello: Deferred.Deferred<void, Drop>
  opened: boolean
  helloSeen: boolean
  /** Set once `open` has handed the connection over: from then on, its end goes to `onDrop`. */
  established: Connection | undefined
  ended: boolean
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

/** Ends the connection, unless it has ended already. */
const end = (state: State, drop: Drop): void => {
  if (state.ended) return
  state.ended = true
  Deferred.doneUnsafe(state.closed, Exit.fail(drop))
  Deferred.doneUnsafe(state.hello, Exit.fail(drop))
  if (state.established !== undefined) state.handlers.onDrop(state.established)
}

/** Hands one frame to the session; the frames that end a connection end it here. */
const route = (state: State, data: string | Uint8Array, size: number): void => {
  const frame = decodeFrame(data)
  if (frame._tag === "Reply") return state.handlers.onReply(frame, size)
  const event = frame.event
  switch (event.type) {
    case "hello":
      state.helloSeen = true
      // Buffered first: the session's fibers that `hello` resumes run in this very call (adopt, then
      // `make` returning to the user, whose first pull then finds it), so none waits a turn for it.
      state.handlers.onEvent(event, size)
      Deferred.doneUnsafe(state.hello, Exit.void)
      return
    case "goodbye":
      end(state, { reason: "goodbye", detail: "the server said goodbye" })
      break
    case "team_migration_started":
      end(state, { reason: "team_migration", detail: "the workspace is migrating" })
      break
    case "error":
      if (!state.helloSeen) {
        end(state, { reason: "server_error", detail: state.quote(`${event.error.code} ${event.error.msg}`) })
      }
      break
  }
  state.handlers.onEvent(event, size)
}

const onFrame = (state: State, data: string | Uint8Array): void => {
  const size = typeof data === "string" ? data.length : data.byteLength
  try {
    route(state, data, size)
  } catch (error) {
    // Nothing a frame holds may escape into the socket's callback and crash the process.
    const reason = state.quote(`could not be handled: ${messageOf(error)}`)
    state.handlers.onEvent({ type: "undecodable", frame: data, reason }, size)
  }
}

/** A `ws` socket, which reports frames without wrapping each in a `MessageEvent`, if `ws` is one. */
const asNodeWebSocket = (ws: Socket.WebSocketLike): NodeWebSocket | undefined => {
  const node = ws as unknown as NodeWebSocket
  return typeof node.on === "function" ? node : undefined
}

/** A binary frame as bytes. */
const bytesOf = (data: ArrayBuffer | ArrayBufferView): Uint8Array =>
  data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)

/**
 * Hears every frame of the socket: text as a string, binary as bytes. A
 * `ws` socket is heard through its own `message` event; any other WebSocket
 * through the standard one.
 */
const listen = (state: State): void => {
  const node = asNodeWebSocket(state.ws)
  if (node !== undefined) {
    node.binaryType = "nodebuffer"
    node.on("message", (data, isBinary) => onFrame(state, isBinary ? bytesOf(data as Buffer) : data.toString()))
    return
  }
  ;(state.ws as { binaryType?: string }).binaryType = "arraybuffer"
  state.ws.addEventListener("message", (event) => {
    const data = event.data as string | ArrayBuffer | ArrayBufferView
    onFrame(state, typeof data === "string" ? data : bytesOf(data))
  })
}

/** Watches the socket's life: its open, its errors, its close, and its frames. */
const watch = (state: State): void => {
  const { ws } = state
  ws.addEventListener("open", () => void (state.opened = true), { once: true })
  // Kept for the socket's life: a `ws` socket with no `error` listener throws its errors.
  ws.addEventListener("error", (event) => end(state, socketError(state.opened ? "read" : "open", event, state.quote)))
  ws.addEventListener("close", (event) =>
    end(state, {
      reason: "closed",
      detail: state.quote(`close ${event.code}${event.reason ? ` ${event.reason}` : ""}`)
    }))
  listen(state)
}

/** Stops or starts reading a `ws` socket; any other socket cannot, and reads on. */
const setPaused = (ws: Socket.WebSocketLike, paused: boolean): void => {
  const node = asNodeWebSocket(ws)
  if (node === undefined || node.isPaused === paused) return
  if (paused) node.pause()
  else node.resume()
}

/** Closes without a handshake, as a `ws` socket can and a browser's cannot. */
const terminate = (ws: Socket.WebSocketLike): void => {
  ws.addEventListener("error", () => {})
  const node = ws as Partial<Pick<NodeWebSocket, "terminate">>
  if (typeof node.terminate === "function") node.terminate()
  else ws.close()
}

/**
 * Closes a socket. A failed connection is torn down at once; on a graceful
 * shutdown a close frame goes first, and the socket is destroyed if the
 * peer does not answer within a second.
 */
const release = (ws: Socket.WebSocketLike, graceful: boolean): Effect.Effect<void> => {
  if (!graceful || ws.readyState !== 1) return Effect.sync(() => terminate(ws))
  return Effect.callback<void>((resume) => {
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
 * Makes the socket, and has the scope close it. The URL was checked, so a
 * `TypeError` is the constructor's own fault, and so is a result that is
 * not a WebSocket; anything else it throws is a failed open, not a crash.
 */
const makeSocket = (
  url: string,
  graceful: () => boolean,
  quote: (text: string) => string,
  headers: Readonly<Record<string, string>> | undefined
) =>
  Effect.gen(function*() {
    const make = yield* Socket.WebSocketConstructor
    const scope = yield* Effect.scope
    return yield* Effect.try({
      try: () => headers === undefined ? make(url) : make(url, { headers }),
      catch: (cause) =>
        cause instanceof TypeError
          ? new InvalidWebSocketConstructor({ reason: quote(`it threw ${cause.message}`) })
          : socketError("open", cause, quote)
    }).pipe(
      Effect.filterOrFail(
        (ws) => typeof (ws as Partial<Socket.WebSocketLike> | undefined)?.addEventListener === "function",
        () => new InvalidWebSocketConstructor({ reason: "it returned no WebSocket" })
      ),
      // A plain finalizer: the release needs no service of the fiber that opened the socket.
      Effect.tap((ws) => Scope.addFinalizer(scope, Effect.suspend(() => release(ws, graceful())))),
      Effect.uninterruptible
    )
  })

/**
 * Waits for `hello` within `timeout`, or fails with the reason the connection
 * ended. The timeout is one fiber, started at once, that ends the connection
 * with `hello_timeout` (which fails `hello`); it is interrupted as soon as the
 * wait is over. (A race would fork two fibers, and wrap the result twice.)
 */
const awaitHello = (state: State, timeout: Duration.Duration): Effect.Effect<void, Drop> =>
  Effect.flatMap(
    Effect.forkDetach(
      Effect.andThen(
        Effect.sleep(timeout),
        Effect.sync(() =>
          end(state, {
            reason: "hello_timeout",
            detail: state.opened ? "no hello in time" : "the socket did not open in time"
          })
        )
      ),
      { startImmediately: true }
    ),
    (timer) => Effect.ensuring(Deferred.await(state.hello), Fiber.interrupt(timer))
  )

/**
 * Writes one text frame. A closing socket drops what it is given without a
 * word: refuse instead, and end the connection.
 */
const write = (state: State, text: string): boolean => {
  if (state.ended || state.ws.readyState !== 1) {
    end(state, { reason: "closed", detail: "the socket was closing" })
    return false
  }
  try {
    state.ws.send(text)
    return true
  } catch (error) {
    end(state, { reason: "socket_error", detail: state.quote(`write failed: ${messageOf(error) ?? "unknown error"}`) })
    return false
  }
}

/**
 * Opens `url` and waits for `hello` within `helloTimeout`. The socket lives
 * as long as the scope; closing the scope closes it, gracefully while
 * `graceful()` holds. Once open, the connection's end is reported to
 * `handlers.onDrop`. Whatever a drop's detail quotes of the server (or of
 * the URL) goes through `quote`. Fails with `InvalidSocketUrl` for a URL it
 * will not open, and with `InvalidWebSocketConstructor` for a constructor
 * that cannot open sockets.
 *
 * @since 1.0.0
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
    const { quote } = options
    yield* checkUrl(url, quote)
    const ws = yield* makeSocket(url, options.graceful, quote, options.headers)
    const state: State = {
      ws,
      handlers,
      quote,
      closed: Deferred.makeUnsafe(),
      hello: Deferred.makeUnsafe(),
      opened: ws.readyState === 1,
      helloSeen: false,
      established: undefined,
      ended: false
    }
    watch(state)
    yield* awaitHello(state, options.helloTimeout)
    // It may have ended between `hello` and here.
    if (state.ended) return yield* Deferred.await(state.closed)
    const connection: Connection = {
      write: (text) => write(state, text),
      drop: (drop) => end(state, drop),
      closed: state.closed,
      setPaused: (paused) => setPaused(ws, paused)
    }
    state.established = connection
    return connection
  })
