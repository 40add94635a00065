/**
 * What every Web API call needs: the token, where Slack lives, how long one
 * attempt may take, and how failed attempts are retried.
 *
 * Invariant: the token stays `Redacted` from the options to the
 * `Authorization` header; defaults are filled in once, here.
 *
 * @since 1.0.0
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type { SlackWebApiError } from "./SlackError.js"

/**
 * A retry policy: any `Schedule` fed with each failed attempt's error.
 * Only transient errors ever reach it, and its delay is never shorter than
 * the server's `Retry-After`. Use `Schedule.recurs(0)` to turn retries off.
 *
 * @since 1.0.0
 */
export type RetryPolicy = Schedule.Schedule<unknown, SlackWebApiError>

/**
 * The default policy: exponential backoff from 500 ms, doubled each time,
 * jittered (×0.8–1.2), capped at 30 s, at most 4 retries (5 attempts).
 *
 * @since 1.0.0
 */
export const defaultRetry: RetryPolicy = Schedule.max([
  Schedule.min([Schedule.exponential("500 millis", 2).pipe(Schedule.jittered), Schedule.spaced("30 seconds")]),
  Schedule.recurs(4)
])

/**
 * The default address of Slack's Web API.
 *
 * @since 1.0.0
 */
export const defaultApiUrl = "https://slack.com/api/"

/**
 * The default time one attempt may take, body included.
 *
 * @since 1.0.0
 */
export const defaultTimeout: Duration.Duration = Duration.seconds(10)

/**
 * What {@link layer} takes. Only `token` is required.
 *
 * @since 1.0.0
 */
export interface Options {
  /** A classic app's bot token or a user token. A plain string is wrapped in `Redacted` at once. */
  readonly token: string | Redacted.Redacted<string>
  /** Base URL of the Web API, ending in `/`. Default `https://slack.com/api/`. */
  readonly apiUrl?: string
  /** Time allowed for one attempt, body included: `"5 seconds"`, millis, or a `Duration`. Default 10 s. */
  readonly timeout?: Duration.Input
  /** Retry policy for transient failures. Default {@link defaultRetry}. */
  readonly retry?: RetryPolicy
}

/**
 * The settings of the Web API client.
 *
 * @since 1.0.0
 */
export class SlackConfig extends Context.Service<SlackConfig, {
  readonly token: Redacted.Redacted<string>
  readonly apiUrl: string
  readonly timeout: Duration.Duration
  readonly retry: RetryPolicy
}>()("effect-slack-rtm/SlackConfig") {}

/**
 * Fills in the defaults. A missing trailing `/` on `apiUrl` is added.
 * Throws on a `timeout` that is not a duration.
 *
 * @since 1.0.0
 */
export const make = (options: Options): SlackConfig["Service"] => {
  const apiUrl = options.apiUrl ?? defaultApiUrl
  return {
    token: Redacted.isRedacted(options.token) ? options.token : Redacted.make(options.token),
    apiUrl: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`,
    timeout: Duration.fromInputUnsafe(options.timeout ?? defaultTimeout),
    retry: options.retry ?? defaultRetry
  }
}

/**
 * A layer from explicit options.
 *
 * @since 1.0.0
 */
export const layer = (options: Options): Layer.Layer<SlackConfig> => Layer.succeed(SlackConfig, make(options))

/**
 * The options read from configuration: `SLACK_TOKEN` (required, redacted)
 * and `SLACK_API_URL` (optional).
 *
 * @since 1.0.0
 */
export const options: Config.Config<Options> = Config.all({
  token: Config.Redacted("SLACK_TOKEN"),
  apiUrl: Config.String("SLACK_API_URL").pipe(Config.withDefault(defaultApiUrl))
})

/**
 * A layer read from the environment (see {@link options}), with the
 * default timeout and retry policy.
 *
 * @since 1.0.0
 */
export const layerConfig: Layer.Layer<SlackConfig, Config.ConfigError> = Layer.effect(
  SlackConfig,
  Config.map(options, make)
)
