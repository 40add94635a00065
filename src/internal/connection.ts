/**
 * One RTM connection: open the socket, route its frames, wait for `hello`,
 * and tear it down, at once when it failed.
 *
 * @internal
 */
import { Socket } from "@effect/platform"
import { Deferred, type Duration, Effect, Exit, type Scope } from "effect"
import { decodeFrame, type Reply, type RtmEvent } from "../RtmEvent.js"
import type { Disconnected } from "../RtmSessionError.js"
import type { Write } from "./outbox.js"

/** Why a connection ended, before the session judges whether it was stable. */
export type Drop = Pick<Disconnected, "reason" | "detail">

/** An open connection that has said `hello`. */
export interface Connection {
  /** Writes one text frame. */
  readonly write: Write
  /** Fails with the reason once the connection ends. It never succeeds. */
  readonly closed: Effect.Effect<never, Drop>
  /** Ends the connection with a reason; the first reason wins. */
  readonly drop: (drop: Drop) => void
}

/** What a connection reports to its session. */
export interface Handlers {
  readonly onEvent: (event: RtmEvent) => void
  readonly onReply: (reply: Reply) => void
}

/** The message of an error, or of the `ErrorEvent` a WebSocket fires, if it has one. */
const messageOf = (cause: unknown): string | undefined => {
  const message = (cause as { message?: unknown } | null)?.message
  return typeof message === "string" && message !== "" ? message : undefined
}

const describeSocketError = (error: Socket.SocketError): Drop => {
  if (error.reason === "Close") {
    return { reason: "closed", detail: `close ${error.code}${error.closeReason ? ` ${error.closeReason}` : ""}` }
  }
  if (error.reason === "OpenTimeout") return { reason: "hello_timeout", detail: "the socket did not open in time" }
  const message = messageOf(error.cause)
  return { reason: "socket_error", detail: `${error.reason.toLowerCase()} error${message ? `: ${message}` : ""}` }
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
    ws.close(1000)
  }).pipe(
    Effect.timeout("1 second"),
    Effect.ignore,
    Effect.ensuring(Effect.sync(() => terminate(ws)))
  )
}

/**
 * Opens `url` and waits for `hello` within `helloTimeout`. The socket lives
 * as long as the scope; closing the scope closes it.
 */
export const open = (
  url: string,
  options: { readonly helloTimeout: Duration.Duration; readonly graceful: () => boolean },
  handlers: Handlers
): Effect.Effect<Connection, Drop, Socket.WebSocketConstructor | Scope.Scope> =>
  Effect.gen(function*() {
    const closed = yield* Deferred.make<never, Drop>()
    const hello = yield* Deferred.make<void>()
    const drop = (reason: Drop) => void Deferred.unsafeDone(closed, Exit.fail(reason))
    let ws: globalThis.WebSocket | undefined
    let helloSeen = false

    const onFrame = (data: string | Uint8Array) => {
      try {
        route(data)
      } catch (error) {
        // Nothing a frame holds may escape into the socket's callback and crash the process.
        handlers.onEvent({ type: "undecodable", frame: data, reason: `could not be handled: ${messageOf(error)}` })
      }
    }

    const route = (data: string | Uint8Array) => {
      const frame = decodeFrame(data)
      if (frame._tag === "Reply") return handlers.onReply(frame)
      const event = frame.event
      switch (event.type) {
        case "hello":
          helloSeen = true
          Deferred.unsafeDone(hello, Exit.void)
          break
        case "goodbye":
          drop({ reason: "goodbye", detail: "the server said goodbye" })
          break
        case "team_migration_started":
          drop({ reason: "team_migration", detail: "the workspace is migrating" })
          break
        case "error":
          if (!helloSeen) drop({ reason: "server_error", detail: `${event.error.code} ${event.error.msg}` })
          break
      }
      handlers.onEvent(event)
    }

    const socket = yield* Socket.fromWebSocket(
      Effect.acquireRelease(
        Effect.flatMap(Socket.WebSocketConstructor, (make) =>
          Effect.try({
            try: () => (ws = make(url)),
            // A URL the constructor refuses is a failed open, not a crash.
            catch: (cause) => new Socket.SocketGenericError({ reason: "Open", cause })
          })),
        (ws) => release(ws, options.graceful())
      ),
      { closeCodeIsError: () => true, openTimeout: options.helloTimeout }
    )
    yield* socket.runRaw(onFrame).pipe(
      Effect.matchEffect({
        onFailure: (error) => Effect.sync(() => drop(describeSocketError(error))),
        onSuccess: () => Effect.sync(() => drop({ reason: "closed", detail: "the socket closed" }))
      }),
      Effect.forkScoped
    )
    yield* Deferred.await(hello).pipe(
      Effect.timeoutFail({
        duration: options.helloTimeout,
        onTimeout: (): Drop => ({ reason: "hello_timeout", detail: "no hello in time" })
      }),
      Effect.raceFirst(Deferred.await(closed))
    )
    const write: Write = (text) => {
      // A closing socket drops what it is given without a word: refuse instead, and end the connection.
      if (ws === undefined || ws.readyState !== 1) {
        drop({ reason: "closed", detail: "the socket was closing" })
        return false
      }
      try {
        ws.send(text)
        return true
      } catch (error) {
        drop({ reason: "socket_error", detail: `write failed: ${messageOf(error) ?? "unknown error"}` })
        return false
      }
    }
    return { write, closed: Deferred.await(closed), drop }
  })
