/**
 * A fake Slack on loopback: the Web API methods `rtm.connect` and
 * `rtm.start` over HTTP with scriptable answers, and the RTM WebSocket with
 * `hello`, pongs, acks, scripted events and injected faults. For tests and
 * demos; it listens on 127.0.0.1 only.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { type WebSocket, WebSocketServer } from "ws"
import * as Slack from "../Slack.js"
import type { InvalidSlackConfig, Options } from "../SlackConfig.js"
import * as FrameWaiters from "./internal/frameWaiters.js"
import * as Timestamps from "./internal/timestamps.js"

/**
 * One scripted answer of the Web API.
 *
 * @since 0.1.0
 */
export interface HttpAnswer {
  /** HTTP status. Default 200. */
  readonly status?: number
  /** Extra response headers, such as `retry-after`. */
  readonly headers?: Readonly<Record<string, string>>
  /** A string is sent as it is; anything else as JSON. Default: the method's success. */
  readonly body?: unknown
  /** Milliseconds to wait before answering. */
  readonly delayMillis?: number
  /** Destroy the connection instead of answering. */
  readonly destroy?: boolean
}

/**
 * A request the fake received.
 *
 * @since 0.1.0
 */
export interface RecordedRequest {
  /** The Web API method, such as `rtm.connect`. */
  readonly method: string
  /** The request path with its query string. */
  readonly url: string
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  /** The raw form body. */
  readonly body: string
}

/**
 * A WebSocket upgrade request the fake received.
 *
 * @since 0.3.0
 */
export interface RecordedUpgrade {
  /** The request path with its query string. */
  readonly url: string
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  /** Whether the fake accepted it (it refuses one without the required cookie with 401). */
  readonly accepted: boolean
}

/**
 * How the fake greets the next sockets.
 *
 * @since 0.1.0
 */
export interface HelloScript {
  /** Milliseconds to wait before `hello`. */
  readonly delayMillis?: number
  /** Never say `hello`. */
  readonly skip?: boolean
  /** Say `hello` twice. */
  readonly twice?: boolean
}

/**
 * The fake server's script and records.
 *
 * @since 0.1.0
 */
export interface Service {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string
  /** `http://127.0.0.1:PORT/api/`, to use as `apiUrl`. */
  readonly apiUrl: string
  /**
   * The only token the fake accepts. Others get `invalid_auth`. It is
   * `xoxb-…`, or, when the fake requires a cookie, a session token `xoxc-…`.
   */
  readonly token: Redacted.Redacted<string>
  /**
   * The cookie the fake requires (`requireCookie`), if any.
   *
   * @since 0.3.0
   */
  readonly cookie: Redacted.Redacted<string> | undefined
  /** Queues answers for the next calls of `method` (or of any method, with `"*"`). */
  readonly answerNext: (method: string, ...answers: ReadonlyArray<HttpAnswer>) => Effect.Effect<void>
  /** Queues `{ ok: false, error: code }` for the next call of `method`. */
  readonly failNext: (method: string, code: string, headers?: Readonly<Record<string, string>>) => Effect.Effect<void>
  /** Every Web API request received so far. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /**
   * Every WebSocket upgrade request received so far, accepted or refused.
   *
   * @since 0.3.0
   */
  readonly upgrades: Effect.Effect<ReadonlyArray<RecordedUpgrade>>
  /** Options for `Slack.layer` that point at this fake, with its token (and its cookie, if it requires one). */
  readonly options: Options

  /** Sends an event (any JSON value) on every open socket. Returns how many got it. */
  readonly push: (event: unknown) => Effect.Effect<number>
  /**
   * Sends a raw frame on every open socket: a string as text, bytes as binary
   * unless `asText` (bytes in a text frame, such as invalid UTF-8).
   */
  readonly pushRaw: (frame: string | Uint8Array, options?: { readonly asText?: boolean }) => Effect.Effect<number>
  /** Destroys every open socket's TCP connection, with no close frame. */
  readonly dropSockets: Effect.Effect<void>
  /** Resets every open socket's TCP connection (an RST, not a FIN). */
  readonly resetSockets: Effect.Effect<void>
  /** While on, each new socket gets the last ack of the previous ones again after `hello`, as Slack may do. */
  readonly setReplayAcks: (replay: boolean) => Effect.Effect<void>
  /** Closes every open socket with `code`. */
  readonly closeSockets: (code: number, reason?: string) => Effect.Effect<void>
  /** Sends `goodbye` on every open socket, and does not close it. */
  readonly goodbye: Effect.Effect<void>
  /** While silent, the fake answers nothing: no pongs, no acks, no hello. */
  readonly setSilent: (silent: boolean) => Effect.Effect<void>
  /** How the next sockets are greeted. */
  readonly setHello: (script: HelloScript) => Effect.Effect<void>
  /** Answers the next `message` frame with `{ ok: false, error: { code, msg } }`. */
  readonly rejectNext: (code: number, msg: string) => Effect.Effect<void>
  /** Every frame the client sent, parsed, in order. */
  readonly received: Effect.Effect<ReadonlyArray<Readonly<Record<string, unknown>>>>
  /** Waits until the client has sent a frame that satisfies `predicate`, and returns it. */
  readonly awaitReceived: (
    predicate: (frame: Readonly<Record<string, unknown>>) => boolean
  ) => Effect.Effect<Readonly<Record<string, unknown>>>
  /** How many sockets were accepted so far. */
  readonly connections: Effect.Effect<number>
  /** How many sockets are open now. */
  readonly openSockets: Effect.Effect<number>
}

/**
 * Where the fake listens.
 *
 * @since 0.1.0
 */
export interface MakeOptions {
  /** The port on 127.0.0.1. Default: a free one. */
  readonly port?: number
  /**
   * Act as Slack does for a session token: require this cookie, such as
   * `d=xoxd-…` (a bare `xoxd-…` means `d=xoxd-…`). A Web API request
   * without it (every `name=value` pair of it in its `Cookie` header) is
   * answered `invalid_auth`, and a WebSocket upgrade without it is refused
   * with 401. The fake's token is then a session token, `xoxc-…`.
   *
   * @since 0.3.0
   */
  readonly requireCookie?: string
}

/** The `name=value` pairs of a `Cookie` header. */
const cookiePairs = (header: string): Array<string> =>
  header.split(";").map((pair) => pair.trim()).filter((pair) => pair !== "")

/** Whether a request's `Cookie` header holds every pair of `required`. */
const hasCookie = (required: ReadonlyArray<string> | undefined, header: string | undefined): boolean => {
  if (required === undefined) return true
  const sent = new Set(cookiePairs(header ?? ""))
  return required.every((pair) => sent.has(pair))
}

/**
 * The fake Slack as a service.
 *
 * @since 0.1.0
 */
export class FakeSlack extends Context.Tag("effect-slack-rtm/testing/FakeSlack")<FakeSlack, Service>() {}

/**
 * The team and user the fake reports.
 *
 * @since 0.1.0
 */
export const identity = {
  team: { id: "T0FAKE001", name: "Fake Workspace", domain: "fake-workspace" },
  self: { id: "U0FAKEBOT", name: "fakebot" }
} as const

const readBody = (request: Http.IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

/**
 * Starts the fake on 127.0.0.1 with a free port. Closing the scope closes
 * the server and every connection it holds.
 *
 * @since 0.1.0
 */
export const make = (options: MakeOptions = {}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const cookie = options.requireCookie === undefined
      ? undefined
      : options.requireCookie.startsWith("xoxd-")
      ? `d=${options.requireCookie}`
      : options.requireCookie
    const requiredPairs = cookie === undefined ? undefined : cookiePairs(cookie)
    const token = cookie === undefined ? "xoxb-fake-token-0000" : "xoxc-fake-session-token-0000"
    const scripts = new Map<string, Array<HttpAnswer>>()
    const recorded: Array<RecordedRequest> = []
    let origin = ""

    const success = (method: string) =>
      method === "rtm.connect" || method === "rtm.start"
        ? { ok: true, url: `${origin.replace("http", "ws")}/rtm`, ...identity }
        : { ok: false, error: "unknown_method" }

    const authError = (request: Http.IncomingMessage) => {
      const header = request.headers.authorization
      if (header === undefined) return "not_authed"
      return header === `Bearer ${token}` && hasCookie(requiredPairs, request.headers.cookie)
        ? undefined
        : "invalid_auth"
    }

    const nextAnswer = (method: string): HttpAnswer | undefined =>
      scripts.get(method)?.shift() ?? scripts.get("*")?.shift()

    const handle = async (request: Http.IncomingMessage, response: Http.ServerResponse) => {
      const url = request.url ?? "/"
      const method = url.replace(/^\/api\//, "").replace(/\?.*$/, "")
      const body = await readBody(request)
      recorded.push({ method, url, headers: { ...request.headers }, body })
      const answer = nextAnswer(method) ?? {}
      if (answer.delayMillis !== undefined) await new Promise((resolve) => setTimeout(resolve, answer.delayMillis))
      if (answer.destroy === true) return void request.socket.destroy()
      const denied = authError(request)
      const payload = answer.body !== undefined
        ? answer.body
        : denied !== undefined
        ? { ok: false, error: denied }
        : success(method)
      const text = typeof payload === "string" ? payload : JSON.stringify(payload)
      response.writeHead(answer.status ?? 200, {
        "content-type": typeof payload === "string" ? "text/html" : "application/json; charset=utf-8",
        ...answer.headers
      })
      response.end(text)
    }

    const server = yield* Effect.acquireRelease(
      Effect.async<Http.Server>((resume) => {
        const server = Http.createServer((request, response) => {
          handle(request, response).catch(() => response.destroy())
        })
        server.once("error", (error) => resume(Effect.die(error)))
        server.listen(options.port ?? 0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

    const sockets = new Set<WebSocket>()
    const upgrades: Array<RecordedUpgrade> = []
    const received: Array<Readonly<Record<string, unknown>>> = []
    const receivedWaiters = FrameWaiters.make(() => received)
    const rejections: Array<{ code: number; msg: string }> = []
    let hello: HelloScript = {}
    let silent = false
    let replayAcks = false
    let lastAck: string | undefined
    let accepted = 0
    const nextTs = Timestamps.make()

    const onClientFrame = (socket: WebSocket, data: string) => {
      let frame: Record<string, unknown>
      try {
        frame = JSON.parse(data)
      } catch {
        frame = { unparsable: data }
      }
      received.push(frame)
      receivedWaiters.wake()
      if (silent) return
      if (frame["type"] === "ping") socket.send(JSON.stringify({ ...frame, type: "pong", reply_to: frame["id"] }))
      if (frame["type"] === "message") {
        const rejection = rejections.shift()
        const ts = nextTs()
        lastAck = JSON.stringify(
          rejection !== undefined
            ? { ok: false, reply_to: frame["id"], error: rejection }
            : { ok: true, reply_to: frame["id"], ts, text: frame["text"] }
        )
        socket.send(lastAck)
      }
    }

    const wss = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const wss = new WebSocketServer({
          server,
          path: "/rtm",
          verifyClient: (info: { req: Http.IncomingMessage }, done: (ok: boolean, code?: number) => void) => {
            const accepted = hasCookie(requiredPairs, info.req.headers.cookie)
            upgrades.push({ url: info.req.url ?? "/", headers: { ...info.req.headers }, accepted })
            done(accepted, 401)
          }
        })
        wss.on("connection", (socket) => {
          accepted++
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket))
          socket.on("error", () => sockets.delete(socket))
          socket.on("message", (data, isBinary) => onClientFrame(socket, isBinary ? "" : data.toString()))
          const script = hello
          if (script.skip === true) return
          const greet = () => {
            if (silent || socket.readyState !== socket.OPEN) return
            socket.send("{\"type\":\"hello\"}")
            if (script.twice === true) socket.send("{\"type\":\"hello\"}")
            if (replayAcks && lastAck !== undefined) socket.send(lastAck)
          }
          if (script.delayMillis === undefined) greet()
          else setTimeout(greet, script.delayMillis).unref()
        })
        return wss
      }),
      (wss) =>
        Effect.async<void>((resume) => {
          for (const socket of wss.clients) socket.terminate()
          wss.close(() => resume(Effect.void))
        })
    )

    const everySocket = (f: (socket: WebSocket) => void) =>
      Effect.sync(() => {
        for (const socket of sockets) if (socket.readyState === socket.OPEN) f(socket)
        return sockets.size
      })

    const answerNext = (method: string, ...answers: ReadonlyArray<HttpAnswer>) =>
      Effect.sync(() => {
        const queue = scripts.get(method) ?? []
        queue.push(...answers)
        scripts.set(method, queue)
      })

    return {
      url: origin,
      apiUrl: `${origin}/api/`,
      token: Redacted.make(token),
      cookie: cookie === undefined ? undefined : Redacted.make(cookie),
      answerNext,
      failNext: (method, code, headers) =>
        answerNext(method, { body: { ok: false, error: code }, ...(headers ? { headers } : {}) }),
      requests: Effect.sync(() => recorded.slice()),
      upgrades: Effect.sync(() => upgrades.slice()),
      options: {
        token: Redacted.make(token),
        apiUrl: `${origin}/api/`,
        ...(cookie === undefined ? {} : { cookie: Redacted.make(cookie) })
      },
      push: (event) => everySocket((socket) => socket.send(JSON.stringify(event))),
      pushRaw: (frame, options) =>
        everySocket((socket) => socket.send(frame, { binary: typeof frame !== "string" && options?.asText !== true })),
      dropSockets: Effect.asVoid(everySocket((socket) => socket.terminate())),
      resetSockets: Effect.asVoid(
        everySocket((socket) => (socket as unknown as { _socket: import("node:net").Socket })._socket.resetAndDestroy())
      ),
      setReplayAcks: (value) => Effect.sync(() => void (replayAcks = value)),
      closeSockets: (code, reason) => Effect.asVoid(everySocket((socket) => socket.close(code, reason))),
      goodbye: Effect.asVoid(everySocket((socket) => socket.send("{\"type\":\"goodbye\"}"))),
      setSilent: (value) => Effect.sync(() => void (silent = value)),
      setHello: (script) => Effect.sync(() => void (hello = script)),
      rejectNext: (code, msg) => Effect.sync(() => void rejections.push({ code, msg })),
      received: Effect.sync(() => received.slice()),
      awaitReceived: receivedWaiters.await,
      connections: Effect.sync(() => accepted),
      openSockets: Effect.sync(() => wss.clients.size)
    } satisfies Service
  })

/**
 * The fake as a layer, together with `Slack.layer` pointed at it.
 * `options` override the defaults, such as the retry policy. With
 * `requireCookie` (since 0.3.0), the fake requires that cookie (see
 * {@link MakeOptions}), and `Slack.layer` sends it, with the fake's session
 * token.
 *
 * @since 0.1.0
 */
export const layer = (
  options: Partial<Slack.Options> & Pick<MakeOptions, "requireCookie"> = {}
): Layer.Layer<FakeSlack | Slack.Services, InvalidSlackConfig> => {
  const { requireCookie, ...slack } = options
  return Layer.unwrapEffect(
    Effect.map(FakeSlack, (fake) => Slack.layer({ ...fake.options, ...slack }))
  ).pipe(Layer.provideMerge(Layer.scoped(FakeSlack, make(requireCookie === undefined ? {} : { requireCookie }))))
}
