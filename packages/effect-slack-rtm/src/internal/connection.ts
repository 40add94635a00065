/**
 * One RTM connection. It owns one socket and what is known of it: whether
 * it has opened, said `hello`, and ended. It routes the socket's frames,
 * waits for `hello`, and tears the socket down when its scope closes.
 *
 * Invariant: a connection ends once, for the first reason it ends for.
 * Before `hello`, that end fails `open`; after, it is reported to `onDrop`,
 * synchronously, exactly once.
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
import * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import type { WebSocket as NodeWebSocket } from "ws"
import { decodeFrame, type Reply, type RtmEvent } from "../RtmEvent.js"
import type { Disconnected } from "../RtmSessionError.js"
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
}

/**
 * What a connection reports to its session.
 *
 * @since 1.0.0
 */
export interface Handlers {
  readonly onEvent: (event: RtmEvent) => void
  readonly onReply: (reply: Reply) => void
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
  /** Completed with the first reason the connection ends for. */
  readonly closed: Deferred.Deferred<never, Drop>
  readonly hello: Deferred.Deferred<void>
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

const socketError = (stage: "open" | "read", cause: unknown): Drop => {
  const message = messageOf(cause)
  return { reason: "socket_error", detail: `${stage} error${message ? `: ${message}` : ""}` }
}

/** Ends the connection, unless it has ended already. */
const end = (state: State, drop: Drop): void => {
  if (state.ended) return
  state.ended = true
  Deferred.doneUnsafe(state.closed, Exit.fail(drop))
  if (state.established !== undefined) state.handlers.onDrop(state.established)
}

/** Hands one frame to the session; the frames that end a connection end it here. */
const route = (state: State, data: string | Uint8Array): void => {
  const frame = decodeFrame(data)
  if (frame._tag === "Reply") return state.handlers.onReply(frame)
  const event = frame.event
  switch (event.type) {
    case "hello":
      state.helloSeen = true
      Deferred.doneUnsafe(state.hello, Exit.void)
      break
    case "goodbye":
      end(state, { reason: "goodbye", detail: "the server said goodbye" })
      break
    case "team_migration_started":
      end(state, { reason: "team_migration", detail: "the workspace is migrating" })
      break
    case "error":
      if (!state.helloSeen) end(state, { reason: "server_error", detail: `${event.error.code} ${event.error.msg}` })
      break
  }
  state.handlers.onEvent(event)
}

const onFrame = (state: State, data: string | Uint8Array): void => {
  try {
    route(state, data)
  } catch (error) {
    // Nothing a frame holds may escape into the socket's callback and crash the process.
    state.handlers.onEvent({ type: "undecodable", frame: data, reason: `could not be handled: ${messageOf(error)}` })
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
  ws.addEventListener("error", (event) => end(state, socketError(state.opened ? "read" : "open", event)))
  ws.addEventListener(
    "close",
    (event) => end(state, { reason: "closed", detail: `close ${event.code}${event.reason ? ` ${event.reason}` : ""}` })
  )
  listen(state)
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
 * Makes the socket, and has the scope close it. A URL the constructor
 * refuses is a failed open, not a crash.
 */
const makeSocket = (url: string, graceful: () => boolean) =>
  Effect.gen(function*() {
    const make = yield* Socket.WebSocketConstructor
    const scope = yield* Effect.scope
    return yield* Effect.try({ try: () => make(url), catch: (cause) => socketError("open", cause) }).pipe(
      // A plain finalizer: the release needs no service of the fiber that opened the socket.
      Effect.tap((ws) => Scope.addFinalizer(scope, Effect.suspend(() => release(ws, graceful())))),
      Effect.uninterruptible
    )
  })

/** Waits for `hello` within `timeout`, or fails with the reason the connection ended. */
const awaitHello = (state: State, timeout: Duration.Duration): Effect.Effect<void, Drop> =>
  Deferred.await(state.hello).pipe(
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () =>
        Effect.fail<Drop>({
          reason: "hello_timeout",
          detail: state.opened ? "no hello in time" : "the socket did not open in time"
        })
    }),
    Effect.raceFirst(Deferred.await(state.closed))
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
    end(state, { reason: "socket_error", detail: `write failed: ${messageOf(error) ?? "unknown error"}` })
    return false
  }
}

/**
 * Opens `url` and waits for `hello` within `helloTimeout`. The socket lives
 * as long as the scope; closing the scope closes it, gracefully while
 * `graceful()` holds. Once open, the connection's end is reported to
 * `handlers.onDrop`.
 *
 * @since 1.0.0
 */
export const open = (
  url: string,
  options: { readonly helloTimeout: Duration.Duration; readonly graceful: () => boolean },
  handlers: Handlers
): Effect.Effect<Connection, Drop, Socket.WebSocketConstructor | Scope.Scope> =>
  Effect.gen(function*() {
    const ws = yield* makeSocket(url, options.graceful)
    const state: State = {
      ws,
      handlers,
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
      closed: state.closed
    }
    state.established = connection
    return connection
  })
