/**
 * The fake Slack that every benchmark talks to. It runs as its own process
 * (pinned to one core by the runner when `taskset` exists), listens on
 * 127.0.0.1 only, on a free port, and prints `PORT <n>` on stdout.
 *
 * - `POST /api/rtm.connect` answers `{ ok: true, url: "ws://127.0.0.1:PORT/rtm", team, self }`.
 * - `GET /stats` answers the server's CPU time so far, to tell when the
 *   server itself is the bottleneck.
 * - `GET /trace` answers, and forgets, when (epoch milliseconds) each of the
 *   last 1,000 `rtm.connect` requests and socket upgrades arrived, so that a
 *   client can split its connect → `hello` time into phases.
 * - On `/rtm` it says `{"type":"hello"}`, answers `ping` with `pong` and
 *   `message` with an ack, and obeys two commands sent by the client as
 *   frames:
 *   - `{"type":"bench_go","count":N}`: blast N `message` events as fast as
 *     the socket drains, then `{"type":"bench_end"}`;
 *   - `{"type":"bench_fault","step":"drop"|"silent"|"dead","atMs":T}`: at
 *     T ms after this socket's `hello`, send `{"type":"bench_mark","step"}`
 *     and then drop the TCP connection (`drop`), stop answering anything
 *     while the WebSocket layer still completes a close handshake
 *     (`silent`), or stop reading the TCP socket altogether, like a dead
 *     link (`dead`).
 *
 * The process exits when its stdin closes (the runner went away), on
 * SIGTERM, or after 20 minutes.
 *
 * @since 1.0.0
 */
import * as Http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { type WebSocket, WebSocketServer } from "ws"
import { epochNow, host, messageEvent } from "./common.js"

/** How many distinct events one pre-built chunk holds. */
const framesPerChunk = 1_000

/**
 * Builds `framesPerChunk` server-to-client WebSocket text frames of the
 * message event, each with its own `ts`, all of the same length.
 */
const buildChunk = (): { readonly chunk: Buffer; readonly frameLength: number } => {
  const frames: Array<Buffer> = []
  for (let i = 0; i < framesPerChunk; i++) {
    const payload = Buffer.from(
      JSON.stringify({ ...messageEvent, ts: `1700000000.${String(100 + i).padStart(6, "0")}` })
    )
    if (payload.length < 126 || payload.length > 65_535) throw new Error("payload length outside 126..65535")
    const header = Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff])
    frames.push(header, payload)
  }
  const chunk = Buffer.concat(frames)
  return { chunk, frameLength: chunk.length / framesPerChunk }
}

const { chunk, frameLength } = buildChunk()

/** The raw TCP socket under a `ws` socket. */
const tcpOf = (socket: WebSocket): Socket => (socket as unknown as { _socket: Socket })._socket

/** Per-socket state. */
interface Peer {
  readonly socket: WebSocket
  readonly helloAt: number
  silent: boolean
}

const dead = new Set<Socket>()

/** Arrival times of `rtm.connect` requests and socket upgrades, oldest first. */
let trace: Array<{ readonly what: "connect" | "upgrade"; readonly at: number }> = []
const traceAt = (what: "connect" | "upgrade") => {
  trace.push({ what, at: epochNow() })
  if (trace.length > 1_000) trace = trace.slice(-1_000)
}

/**
 * Writes `count` message frames straight onto the TCP socket, waiting for
 * `drain` whenever the kernel buffer is full, then `bench_end` through `ws`
 * (so after them, in order).
 */
const blast = async (peer: Peer, count: number): Promise<void> => {
  const tcp = tcpOf(peer.socket)
  let remaining = Math.max(0, Math.min(count, 5_000_000))
  while (remaining > 0 && !tcp.destroyed) {
    const n = Math.min(remaining, framesPerChunk)
    remaining -= n
    const ok = tcp.write(n === framesPerChunk ? chunk : chunk.subarray(0, n * frameLength))
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          tcp.off("drain", done)
          tcp.off("close", done)
          resolve()
        }
        tcp.on("drain", done)
        tcp.on("close", done)
      })
    }
  }
  if (peer.socket.readyState === peer.socket.OPEN) peer.socket.send("{\"type\":\"bench_end\"}")
}

const fault = (peer: Peer, step: string, atMs: number) => {
  const wait = Math.max(0, Math.min(60_000, peer.helloAt + atMs - performance.now()))
  setTimeout(() => {
    const { socket } = peer
    if (socket.readyState !== socket.OPEN) return
    socket.send(JSON.stringify({ type: "bench_mark", step }), () => {
      if (step === "drop") {
        socket.terminate()
      } else if (step === "silent") {
        peer.silent = true
      } else if (step === "dead") {
        peer.silent = true
        const tcp = tcpOf(socket)
        tcp.pause()
        dead.add(tcp)
        // A dead link is cleaned up on this side after a while, whatever the client does.
        setTimeout(() => {
          dead.delete(tcp)
          tcp.destroy()
        }, 45_000).unref()
      }
    })
  }, wait)
}

const onFrame = (peer: Peer, text: string) => {
  if (peer.silent) return
  let frame: Record<string, unknown>
  try {
    frame = JSON.parse(text) as Record<string, unknown>
  } catch {
    return
  }
  switch (frame["type"]) {
    case "ping":
      peer.socket.send(JSON.stringify({ type: "pong", reply_to: frame["id"] }))
      break
    case "message":
      peer.socket.send(JSON.stringify({ ok: true, reply_to: frame["id"], ts: "1.000001", text: frame["text"] }))
      break
    case "bench_go":
      void blast(peer, typeof frame["count"] === "number" ? frame["count"] : 0)
      break
    case "bench_fault":
      fault(peer, String(frame["step"]), typeof frame["atMs"] === "number" ? frame["atMs"] : 0)
      break
  }
}

let connectBody = ""

const server = Http.createServer((request, response) => {
  const url = request.url ?? "/"
  if (url.startsWith("/api/rtm.connect")) traceAt("connect")
  request.resume()
  request.on("end", () => {
    if (url.startsWith("/api/rtm.connect")) {
      response.writeHead(200, { "content-type": "application/json; charset=utf-8" })
      response.end(connectBody)
    } else if (url === "/trace") {
      response.writeHead(200, { "content-type": "application/json" })
      response.end(JSON.stringify(trace))
      trace = []
    } else if (url === "/stats") {
      const cpu = process.cpuUsage()
      response.writeHead(200, { "content-type": "application/json" })
      response.end(JSON.stringify({ cpuMicros: cpu.user + cpu.system, sockets: wss.clients.size }))
    } else {
      response.writeHead(404, { "content-type": "application/json" })
      response.end("{\"ok\":false,\"error\":\"unknown_method\"}")
    }
  })
})
server.keepAliveTimeout = 30_000
server.on("upgrade", () => traceAt("upgrade"))

const wss = new WebSocketServer({ server, path: "/rtm", perMessageDeflate: false })
wss.on("connection", (socket) => {
  const peer: Peer = { socket, helloAt: performance.now(), silent: false }
  socket.on("error", () => {})
  socket.on("message", (data, isBinary) => {
    if (!isBinary) onFrame(peer, data.toString())
  })
  socket.send("{\"type\":\"hello\"}")
})

server.listen(0, host, () => {
  const port = (server.address() as AddressInfo).port
  connectBody = JSON.stringify({
    ok: true,
    url: `ws://${host}:${port}/rtm`,
    team: { id: "T1", name: "t", domain: "t" },
    self: { id: "U1", name: "b" }
  })
  process.stdout.write(`PORT ${port}\n`)
})

const shutdown = () => {
  for (const tcp of dead) tcp.destroy()
  for (const socket of wss.clients) socket.terminate()
  server.closeAllConnections()
  process.exit(0)
}
process.on("SIGTERM", shutdown)
process.stdin.on("end", shutdown)
process.stdin.on("close", shutdown)
process.stdin.resume()
setTimeout(shutdown, 20 * 60_000).unref()
