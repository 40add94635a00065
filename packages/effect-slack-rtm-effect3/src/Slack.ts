/**
 * Convenience layers for Node: everything `Rtm.*` and `RtmSession.make`
 * need, in one `Layer`.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Socket from "@effect/platform/Socket"
import type { ConfigError } from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import WebSocket from "ws"
import * as RtmSession from "./RtmSession.js"
import * as SlackConfig from "./SlackConfig.js"
import * as SlackWebApi from "./SlackWebApi.js"

/**
 * The default bound on one inbound frame: 1 MiB. Slack's events are a few
 * kilobytes; the largest (a `user_change` with a full profile, a message
 * with many blocks) stay well under it.
 *
 * @since 0.2.0
 */
export const defaultMaxFrameBytes = 1024 * 1024

/**
 * What {@link layer} takes: the Web API settings, and the bound on frames.
 *
 * @since 0.2.0
 */
export interface Options extends SlackConfig.Options {
  /**
   * The largest frame the socket accepts, in bytes. `ws` refuses a larger
   * one as it arrives, without buffering it, and closes the socket with
   * 1009; the session reconnects with `Disconnected { reason:
   * "frame_too_large" }`. Default {@link defaultMaxFrameBytes}.
   *
   * @since 0.2.0
   */
  readonly maxFrameBytes?: number
}

/**
 * A `WebSocketConstructor` backed by the `ws` package, whose sockets accept
 * frames of at most `maxFrameBytes` and do not negotiate permessage-deflate
 * (so that a frame's size on the wire is its size in memory). Its upgrade
 * request carries `User-Agent` ({@link SlackWebApi.userAgent}). It can send
 * handshake headers (since 0.3.0): it is marked with
 * `RtmSession.withHandshakeHeaders`, so a session whose configuration has a
 * `cookie` passes it as the second argument, `{ headers: { cookie } }`, on
 * every connection.
 *
 * @since 0.2.0
 */
export const webSocketConstructor = (
  options: { readonly maxFrameBytes?: number } = {}
): RtmSession.WebSocketConstructorWithHeaders =>
  RtmSession.withHandshakeHeaders((url, protocolsOrOptions) => {
    const { headers, protocols } = typeof protocolsOrOptions === "string" || Array.isArray(protocolsOrOptions)
      ? { protocols: protocolsOrOptions, headers: undefined }
      : { protocols: protocolsOrOptions?.protocols, headers: protocolsOrOptions?.headers }
    return new WebSocket(url, protocols, {
      maxPayload: options.maxFrameBytes ?? defaultMaxFrameBytes,
      perMessageDeflate: false,
      headers: { "user-agent": SlackWebApi.userAgent, ...headers }
    }) as unknown as globalThis.WebSocket
  })

/**
 * The `ws` constructor of {@link webSocketConstructor} with its defaults, for
 * Node versions without a global `WebSocket`.
 *
 * @since 0.1.0
 */
export const layerWebSocket: Layer.Layer<Socket.WebSocketConstructor> = Layer.succeed(
  Socket.WebSocketConstructor,
  webSocketConstructor()
)

/**
 * What the convenience layers provide. `SlackConfig` is among them (since
 * 0.2.0) so that a session can keep the token out of what it quotes.
 *
 * @since 0.1.0
 */
export type Services = SlackWebApi.SlackWebApi | Socket.WebSocketConstructor | SlackConfig.SlackConfig

/** The ports `fetch` never connects to: the "bad ports" of the Fetch standard. */
const fetchBadPorts: ReadonlySet<string> = new Set(
  ("1 7 9 11 13 15 17 19 20 21 22 23 25 37 42 43 53 69 77 79 87 95 101 102 103 104 109 110 111 113 115 117 119 123 " +
    "135 137 139 143 161 179 389 427 465 512 513 514 515 526 530 531 532 540 548 554 556 563 587 601 636 989 990 993 " +
    "995 1719 1720 1723 2049 3659 4045 4190 5060 5061 6000 6566 6665 6666 6667 6668 6669 6679 6697 10080").split(" ")
)

/** The configuration, refused if its `apiUrl` is on a port `fetch` would never connect to. */
const forFetch = <E>(
  config: Layer.Layer<SlackConfig.SlackConfig, E>
): Layer.Layer<SlackConfig.SlackConfig, E | SlackConfig.InvalidSlackConfig> =>
  Layer.effect(
    SlackConfig.SlackConfig,
    Effect.filterOrFail(
      SlackConfig.SlackConfig,
      (settings) => !fetchBadPorts.has(new URL(settings.apiUrl).port),
      (settings) =>
        new SlackConfig.InvalidSlackConfig({
          option: "apiUrl",
          reason: `is on port ${new URL(settings.apiUrl).port}, which fetch refuses (a "bad port")`
        })
    )
  ).pipe(Layer.provide(config))

const fromConfig = <E>(
  config: Layer.Layer<SlackConfig.SlackConfig, E>,
  webSocket: Layer.Layer<Socket.WebSocketConstructor> = layerWebSocket
): Layer.Layer<Services, E | SlackConfig.InvalidSlackConfig> =>
  Layer.merge(
    SlackWebApi.layer.pipe(Layer.provide(FetchHttpClient.layer), Layer.provideMerge(forFetch(config))),
    webSocket
  )

/**
 * Everything on Node from explicit options: the Web API client over
 * `fetch`, and a `ws` WebSocket constructor, which sends the `cookie`, if
 * there is one, on every upgrade. Building it fails with
 * `InvalidSlackConfig` if the options cannot work, including an `apiUrl` on
 * a port that `fetch` refuses to connect to (such as 9, or 6000).
 *
 * @example
 * ```ts
 * import { Rtm, Slack } from "effect-slack-rtm"
 * import { Effect } from "effect"
 *
 * const info = Rtm.connect().pipe(Effect.provide(Slack.layer({ token: "xoxb-your-token" })))
 * ```
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<Services, SlackConfig.InvalidSlackConfig> =>
  fromConfig(SlackConfig.layer(options), Layer.succeed(Socket.WebSocketConstructor, webSocketConstructor(options)))

/**
 * Everything on Node, configured from `SLACK_TOKEN` (required),
 * `SLACK_API_URL` and `SLACK_COOKIE` (optional; see
 * {@link SlackConfig.options}).
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<Services, ConfigError | SlackConfig.InvalidSlackConfig> = fromConfig(
  SlackConfig.layerConfig
)
