/**
 * Convenience layers for Node: everything `Rtm.*` and `RtmSession.make`
 * need, in one `Layer`.
 *
 * Invariant: `layer` and `layerConfig` need nothing else on Node ≥ 20, which
 * has `fetch` but no global `WebSocket`: sockets come from the `ws` package.
 *
 * @since 1.0.0
 */
import type * as Config from "effect/Config"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Socket from "effect/socket/Socket"
import WebSocket from "ws"
import * as SlackConfig from "./SlackConfig.js"
import * as SlackWebApi from "./SlackWebApi.js"

/**
 * A `WebSocketConstructor` backed by the `ws` package, for Node versions
 * without a global `WebSocket`. Handshake headers, when asked for, are sent.
 *
 * @since 1.0.0
 */
export const layerWebSocket: Layer.Layer<Socket.WebSocketConstructor> = Layer.succeed(Socket.WebSocketConstructor)(
  (url, options) =>
    (options === undefined || typeof options === "string" || Array.isArray(options)
      ? new WebSocket(url, options)
      : new WebSocket(
        url,
        options.protocols,
        options.headers === undefined ? {} : { headers: options.headers }
      )) as unknown as Socket.WebSocketLike
)

/**
 * What the convenience layers provide.
 *
 * @since 1.0.0
 */
export type Services = SlackWebApi.SlackWebApi | Socket.WebSocketConstructor

const fromConfig = <E>(config: Layer.Layer<SlackConfig.SlackConfig, E>): Layer.Layer<Services, E> =>
  Layer.merge(
    SlackWebApi.layer.pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(config)),
    layerWebSocket
  )

/**
 * Everything on Node from explicit options: the Web API client over
 * `fetch`, and a `ws` WebSocket constructor.
 *
 * @example
 * ```ts
 * import { Rtm, Slack } from "effect-slack-rtm"
 * import * as Effect from "effect/Effect"
 *
 * const info = Rtm.connect().pipe(Effect.provide(Slack.layer({ token: "xoxb-your-token" })))
 * ```
 *
 * @since 1.0.0
 */
export const layer = (options: SlackConfig.Options): Layer.Layer<Services> => fromConfig(SlackConfig.layer(options))

/**
 * Everything on Node, configured from `SLACK_TOKEN` (required) and
 * `SLACK_API_URL` (optional).
 *
 * @since 1.0.0
 */
export const layerConfig: Layer.Layer<Services, Config.ConfigError> = fromConfig(SlackConfig.layerConfig)
