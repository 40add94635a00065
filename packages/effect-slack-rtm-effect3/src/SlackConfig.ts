/**
 * What every Web API call needs: the token (and, for a session token, the
 * browser's cookie), where Slack lives, how long one attempt may take, and
 * how failed attempts are retried.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type { ConfigError } from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { quote } from "./internal/quote.js"
import type { SlackWebApiError } from "./SlackError.js"

/**
 * A retry policy: a `Schedule` fed with each failed attempt's error.
 * Only transient errors ever reach it, and its delay is never shorter than
 * the server's `Retry-After`. Use `Schedule.stop` to turn retries off.
 *
 * @since 0.1.0
 */
export type RetryPolicy = Schedule.Schedule<unknown, SlackWebApiError>

/**
 * The default policy: exponential backoff from 500 ms, doubled each time,
 * jittered (×0.8–1.2), capped at 30 s, at most 4 retries (5 attempts).
 *
 * @since 0.1.0
 */
export const defaultRetry: RetryPolicy = Schedule.exponential("500 millis", 2).pipe(
  Schedule.jittered,
  Schedule.union(Schedule.spaced("30 seconds")),
  Schedule.intersect(Schedule.recurs(4))
)

/**
 * The default address of Slack's Web API.
 *
 * @since 0.1.0
 */
export const defaultApiUrl = "https://slack.com/api/"

/**
 * The default time one attempt may take, body included.
 *
 * @since 0.1.0
 */
export const defaultTimeout: Duration.Duration = Duration.seconds(10)

/**
 * The default cap on a response body: 16 MiB. A real `rtm.start` snapshot
 * of a large workspace is a few MiB.
 *
 * @since 0.2.0
 */
export const defaultMaxResponseBytes = 16 * 1024 * 1024

/**
 * What {@link layer} takes. Only `token` is required.
 *
 * @since 0.1.0
 */
export interface Options {
  /**
   * A classic app's bot token, a user token, or a session token (`xoxc-…`,
   * which needs `cookie`). A plain string is wrapped in `Redacted` at once
   * (since 0.3.0; before, only a `Redacted` worked).
   */
  readonly token: string | Redacted.Redacted<string>
  /**
   * The `Cookie` header that a session token (`xoxc-…`) needs: the browser
   * session's `d` cookie, as `d=xoxd-…`. A bare `xoxd-…` value is taken as
   * `d=xoxd-…`. It is sent on every Web API request and on the WebSocket
   * upgrade of every connection, and kept secret like the token. A plain
   * string is wrapped in `Redacted` at once.
   *
   * @since 0.3.0
   */
  readonly cookie?: string | Redacted.Redacted<string>
  /** Base URL of the Web API, ending in `/`. Default `https://slack.com/api/`. */
  readonly apiUrl?: string
  /** Time allowed for one attempt, body included. Default 10 s. */
  readonly timeout?: Duration.DurationInput
  /** Retry policy for transient failures. Default {@link defaultRetry}. */
  readonly retry?: RetryPolicy
  /**
   * The largest response body read, in bytes. A success past it fails with
   * `MalformedResponse`, and the rest is left unread. Default 16 MiB.
   *
   * @since 0.2.0
   */
  readonly maxResponseBytes?: number
}

/**
 * The settings of the Web API client.
 *
 * @since 0.1.0
 */
export class SlackConfig extends Context.Tag("effect-slack-rtm/SlackConfig")<SlackConfig, {
  readonly token: Redacted.Redacted<string>
  /**
   * The value of the `Cookie` header, such as `d=xoxd-…`, if a session
   * token needs one. Absent otherwise.
   *
   * @since 0.3.0
   */
  readonly cookie?: Redacted.Redacted<string>
  readonly apiUrl: string
  readonly timeout: Duration.Duration
  readonly retry: RetryPolicy
  readonly maxResponseBytes: number
}>() {}

/**
 * A setting that cannot work, found when the configuration is made (the
 * layer is built), before any request, or, for a `cookie` that the
 * session's WebSocket cannot send, when the session is made. It is
 * permanent. It never quotes the token or the cookie.
 *
 * @since 0.2.0
 */
export class InvalidSlackConfig extends Data.TaggedError("InvalidSlackConfig")<{
  /** The option at fault (`cookie` since 0.3.0). */
  readonly option: "token" | "apiUrl" | "cookie"
  /** What is wrong with it. */
  readonly reason: string
}> {
  override get message() {
    return `invalid Slack configuration: ${this.option} ${this.reason}`
  }
}

/** Why `apiUrl` cannot work, if it cannot: it must be an `http:` or `https:` URL with a port from 1 to 65535. */
const apiUrlProblem = (apiUrl: string): string | undefined => {
  let url: URL
  try {
    url = new URL(apiUrl)
  } catch {
    // This also covers a port past 65535.
    return `is not a URL (or its port is out of range): ${quote(apiUrl)}`
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `must be an http: or https: URL: ${quote(apiUrl)}`
  if (url.port === "0") return `has port 0: ${quote(apiUrl)}`
  return undefined
}

/** A secret as given: a string, or a string kept `Redacted`. Anything else (a JS caller's `undefined`, say) is `undefined`. */
const toRedacted = (value: unknown): Redacted.Redacted<string> | undefined =>
  Redacted.isRedacted(value)
    ? value as Redacted.Redacted<string>
    : typeof value === "string"
    ? Redacted.make(value)
    : undefined

/** Why a header value cannot work, if it cannot: it is empty, or holds a character that could split the header. */
const headerProblem = (value: unknown): string | undefined => {
  if (typeof value !== "string") return "is not a string"
  if (value === "") return "is empty"
  if (/[\u0000-\u001f\u007f]/.test(value)) return "holds a control character (such as CR, LF or NUL)"
  return undefined
}

/** A bare `xoxd-…` value, as a `Cookie` header's value: `d=xoxd-…`. Any other value is kept as it is. */
const cookieHeader = (cookie: string): string => cookie.startsWith("xoxd-") ? `d=${cookie}` : cookie

/** Why a cookie cannot work, if it cannot: as for the token, and it must be a `name=value` header or a bare `xoxd-…`. */
const cookieProblem = (cookie: unknown): string | undefined =>
  headerProblem(cookie) ??
    (cookieHeader(cookie as string).includes("=")
      ? undefined
      : "is neither a Cookie header such as d=xoxd-… nor a bare xoxd-… value")

/**
 * Checks the options and fills in the defaults. A plain string token or
 * cookie is wrapped in `Redacted` as `make` is called, a bare `xoxd-…`
 * cookie becomes `d=xoxd-…`, and a missing trailing `/` on `apiUrl` is
 * added. Fails with {@link InvalidSlackConfig} for an empty token or one
 * that holds a control character (CR, LF, NUL, any character below U+0020,
 * or U+007F), which could split the `Authorization` header; for a cookie
 * that is empty, holds a control character, or is neither `name=value…`
 * nor a bare `xoxd-…`; and for an `apiUrl` that is not an `http:` or
 * `https:` URL with a usable port. (Until 0.2.0 it returned the settings,
 * unchecked.)
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<SlackConfig["Type"], InvalidSlackConfig> => {
  const token = toRedacted(options.token)
  const cookie = options.cookie === undefined ? undefined : toRedacted(options.cookie)
  const { apiUrl = defaultApiUrl, maxResponseBytes, retry, timeout } = options
  return Effect.suspend(() => {
    const badToken = headerProblem(token === undefined ? token : Redacted.value(token))
    if (badToken !== undefined) return Effect.fail(new InvalidSlackConfig({ option: "token", reason: badToken }))
    const badCookie = options.cookie === undefined
      ? undefined
      : cookieProblem(cookie === undefined ? cookie : Redacted.value(cookie))
    if (badCookie !== undefined) return Effect.fail(new InvalidSlackConfig({ option: "cookie", reason: badCookie }))
    const problem = apiUrlProblem(apiUrl)
    if (problem !== undefined) return Effect.fail(new InvalidSlackConfig({ option: "apiUrl", reason: problem }))
    return Effect.succeed({
      token: token!,
      ...(cookie === undefined ? {} : { cookie: Redacted.make(cookieHeader(Redacted.value(cookie))) }),
      apiUrl: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`,
      timeout: Duration.decode(timeout ?? defaultTimeout),
      retry: retry ?? defaultRetry,
      maxResponseBytes: maxResponseBytes ?? defaultMaxResponseBytes
    })
  })
}

/**
 * A layer from explicit options. Building it fails with
 * {@link InvalidSlackConfig} if they cannot work (see {@link make}).
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<SlackConfig, InvalidSlackConfig> =>
  Layer.effect(SlackConfig, make(options))

/** A setting from the environment, without the whitespace (a trailing newline, say) around it. */
const trimmed = (name: string) => Config.string(name).pipe(Config.map((value) => value.trim()))

/**
 * The options read from configuration: `SLACK_TOKEN` (required, redacted),
 * `SLACK_API_URL` (optional) and `SLACK_COOKIE` (optional, redacted; since
 * 0.3.0), each without surrounding whitespace.
 *
 * @since 0.1.0
 */
export const options: Config.Config<Options> = Config.all({
  token: Config.redacted(trimmed("SLACK_TOKEN")),
  apiUrl: trimmed("SLACK_API_URL").pipe(Config.withDefault(defaultApiUrl)),
  cookie: Config.option(Config.redacted(trimmed("SLACK_COOKIE")))
}).pipe(Config.map(({ cookie, ...rest }): Options => Option.isSome(cookie) ? { ...rest, cookie: cookie.value } : rest))

/**
 * A layer read from the environment (see {@link options}), with the
 * default timeout and retry policy. Building it fails with
 * {@link InvalidSlackConfig} as {@link make} does.
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<SlackConfig, ConfigError | InvalidSlackConfig> = Layer.effect(
  SlackConfig,
  Effect.flatMap(options, make)
)
