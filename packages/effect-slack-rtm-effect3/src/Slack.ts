/**
 * Convenience layers for Node: everything `Rtm.*` and `RtmSession.make`
 * need, in one `Layer`.
 *
 * @since 0.1.0
 */
import { FetchHttpClient, Socket } from "@effect/platform"
import { Layer } from "effect"
import type { ConfigError } from "effect/ConfigError"
import WebSocket from "ws"
import * as SlackConfig from "./SlackConfig.js"
import * as SlackWebApi from "./SlackWebApi.js"

/**
 * A `WebSocketConstructor` backed by the `ws` package, for Node versions
 * without a global `WebSocket`.
 *
 * @since 0.1.0
 */
export const layerWebSocket: Layer.Layer<Socket.WebSocketConstructor> = Layer.succeed(
  Socket.WebSocketConstructor,
  (url, protocols) => new WebSocket(url, protocols) as unknown as globalThis.WebSocket
)

/**
 * What the convenience layers provide.
 *
 * @since 0.1.0
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
 * @since 0.1.0
 */
export const layer = (options: SlackConfig.Options): Layer.Layer<Services> => fromConfig(SlackConfig.layer(options))

/**
 * Everything on Node, configured from `SLACK_TOKEN` (required) and
 * `SLACK_API_URL` (optional).
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<Services, ConfigError> = fromConfig(SlackConfig.layerConfig)
