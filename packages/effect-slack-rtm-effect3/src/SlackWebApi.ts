/**
 * The one place an HTTP request is made: encode the parameters as a form,
 * send the token as a Bearer header (and a session token's cookie as the
 * `Cookie` header), turn the answer into data or a typed error, and retry
 * what is transient.
 *
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type { HttpClientError, ResponseError } from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type { HttpClientResponse } from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { quote as quoteText, secretsOf } from "./internal/quote.js"
import * as SlackConfig from "./SlackConfig.js"
import {
  AttemptTimeout,
  fromCode,
  HttpStatusError,
  isTransient,
  MalformedResponse,
  NetworkError,
  retryAfterOf,
  type RtmMethod,
  type SlackWebApiError
} from "./SlackError.js"

/**
 * The form parameters of a call. `undefined` values are left out; booleans
 * are sent as `true` / `false`.
 *
 * @since 0.1.0
 */
export type Params = { readonly [name: string]: boolean | string | number | undefined }

/**
 * The Web API client.
 *
 * `call` POSTs `params` to `{apiUrl}{method}` and decodes an `ok: true`
 * body with `response`. Any `ok: false` body becomes the method's typed
 * error; transient failures are retried under the configured policy.
 *
 * @since 0.1.0
 */
export class SlackWebApi extends Context.Tag("effect-slack-rtm/SlackWebApi")<SlackWebApi, {
  readonly call: <A, I>(
    method: RtmMethod,
    params: Params,
    response: Schema.Schema<A, I>
  ) => Effect.Effect<A, SlackWebApiError>
}>() {}

/**
 * The version of this package, as its `package.json` states it (a test
 * checks that they agree).
 *
 * @since 0.3.0
 */
export const version = "0.2.0"

/**
 * The `User-Agent` of every request: the package, its version, and the
 * Effect it is written for.
 *
 * @since 0.3.0
 */
export const userAgent = `effect-slack-rtm-effect3/${version} (effect 3)`

/**
 * What errors may quote of the server's text: at most 200 characters, with
 * the token, the cookie and anything token- or cookie-shaped blanked out,
 * in case the server echoed it back.
 */
const quoter = (config: SlackConfig.SlackConfig["Type"]) => {
  const secrets = secretsOf(
    Redacted.value(config.token),
    config.cookie === undefined ? undefined : Redacted.value(config.cookie)
  )
  return (text: string) => quoteText(text, secrets)
}

/**
 * The `http.client` span records headers by name, and a server may echo the
 * token in any response header: every header's value is redacted there.
 */
const everyHeader: ReadonlyArray<RegExp> = [/(?:)/]

/** The innermost message of an error chain: "connect ECONNREFUSED …" rather than "fetch failed". */
const rootMessage = (error: unknown): string => {
  let current = error
  let message = "unknown cause"
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current.message) message = current.message
    current = current.cause
  }
  return message
}

/**
 * The longest `Retry-After` honoured. A server that asks for more (or sends
 * nonsense such as 400 nines) gets this instead of a wait without end.
 *
 * @since 0.1.0
 */
export const maxRetryAfter: Duration.Duration = Duration.hours(1)

/**
 * Reads a `Retry-After` header: a number of seconds or an HTTP date, capped
 * at {@link maxRetryAfter}. Anything else, or a date in the past, is zero.
 *
 * @since 0.1.0
 */
export const parseRetryAfter = (header: string | undefined, nowMillis: number): Duration.Duration => {
  if (header === undefined) return Duration.zero
  const trimmed = header.trim()
  const date = Date.parse(trimmed)
  const asked = /^\d+(\.\d+)?$/.test(trimmed)
    ? Duration.seconds(Number(trimmed))
    : Number.isNaN(date) || date <= nowMillis
    ? Duration.zero
    : Duration.millis(date - nowMillis)
  return Duration.min(asked, maxRetryAfter)
}

const decoder = new TextDecoder()

/**
 * Reads the body as a stream, up to `limit` bytes. Past that it stops, and
 * the rest is never read (the stream is cancelled); `complete` is then false.
 * A `Content-Length` over the limit is refused before reading anything.
 */
const readBody = (response: HttpClientResponse, limit: number) =>
  Effect.gen(function*() {
    if (Number(response.headers["content-length"]) > limit) return { text: "", complete: false }
    const chunks: Array<Uint8Array> = []
    let bytes = 0
    let complete = true
    let failure: ResponseError | undefined
    // The stream's error comes as a value: a stream run that fails also logs "Fiber terminated with an unhandled error".
    yield* Stream.runForEachWhile(Stream.either(response.stream), (item) =>
      Effect.sync(() => {
        if (Either.isLeft(item)) {
          failure = item.left
          return false
        }
        complete = bytes + item.right.length <= limit
        chunks.push(complete ? item.right : item.right.subarray(0, limit - bytes))
        bytes += item.right.length
        return complete
      }))
    // A response without a body (a 204, say) has no stream: its text is empty.
    if (failure !== undefined && failure.reason !== "EmptyBody") return yield* Effect.fail(failure)
    return { text: decoder.decode(Buffer.concat(chunks)), complete }
  })

/**
 * Deletes every `__proto__` key of a parsed body, at any depth. `JSON.parse`
 * keeps such a key as a plain property, but decoding copies properties by
 * assignment, which would make its value the prototype of the decoded
 * object. Iterative: a body may be nested deeper than the stack.
 */
const dropProtoKeys = (json: unknown): void => {
  const pending = [json]
  while (pending.length > 0) {
    const value = pending.pop()
    if (typeof value !== "object" || value === null) continue
    if (Object.hasOwn(value, "__proto__")) delete (value as { __proto__?: unknown }).__proto__
    for (const item of Object.values(value)) pending.push(item)
  }
}

const interpret = <A, I>(
  method: RtmMethod,
  response: HttpClientResponse,
  schema: Schema.Schema<A, I>,
  quote: (text: string) => string,
  maxBytes: number
) =>
  Effect.gen(function*() {
    const { complete, text: body } = yield* Effect.mapError(
      readBody(response, maxBytes),
      (error) => new NetworkError({ method, reason: quote(`reading the body failed: ${rootMessage(error)}`) })
    )
    const retryAfter = parseRetryAfter(response.headers["retry-after"], yield* Clock.currentTimeMillis)
    if (response.status === 429) return yield* fromCode(method, "ratelimited", retryAfter)
    if (response.status < 200 || response.status >= 300) {
      return yield* new HttpStatusError({ method, status: response.status, body: quote(body) })
    }
    const malformed = (reason: string) => new MalformedResponse({ method, reason, body: quote(body) })
    if (!complete) return yield* malformed(`the body is larger than ${maxBytes} bytes (maxResponseBytes)`)
    let json: unknown
    try {
      json = JSON.parse(body)
    } catch {
      return yield* malformed(body === "" ? "the body is empty" : "the body is not JSON")
    }
    dropProtoKeys(json)
    if (typeof json !== "object" || json === null || typeof (json as { ok?: unknown }).ok !== "boolean") {
      return yield* malformed("the body is not an object with a boolean `ok`")
    }
    const { error, ok } = json as { ok: boolean; error?: unknown }
    if (!ok) {
      if (typeof error !== "string") return yield* malformed("`ok` is false but `error` is not a string")
      return yield* fromCode(method, quote(error), retryAfter)
    }
    try {
      const decoded = Schema.decodeUnknownEither(schema, { onExcessProperty: "preserve" })(json)
      if (Either.isRight(decoded)) return decoded.right
      return yield* malformed(quote(ParseResult.TreeFormatter.formatErrorSync(decoded.left)))
    } catch (error) {
      // Checking or describing a pathological value (say, nested thousands deep) can exhaust the stack.
      return yield* malformed(quote(`the body cannot be checked: ${(error as Error).message}`))
    }
  })

/**
 * The retry schedule actually applied: the user's policy, fed only
 * transient errors, and never waiting less than `Retry-After`.
 *
 * @since 0.1.0
 */
export const effectiveRetry = (policy: SlackConfig.RetryPolicy): Schedule.Schedule<unknown, SlackWebApiError> =>
  policy.pipe(
    Schedule.intersect(Schedule.identity<SlackWebApiError>().pipe(Schedule.addDelay(retryAfterOf))),
    Schedule.whileInput(isTransient)
  )

/**
 * `Effect.retry(attempt, schedule)`, set up only once the first attempt has
 * failed, so that a call that succeeds at once pays nothing for retrying. The
 * schedule sees the same errors in the same order: the first failure is
 * replayed to it.
 */
const retryAfterFirstFailure = <A, E, R>(
  attempt: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<unknown, E>
): Effect.Effect<A, E, R> =>
  Effect.catchAll(attempt, (first) => {
    let replay: Option.Option<E> = Option.some(first)
    const again = Effect.suspend(() => {
      if (Option.isNone(replay)) return attempt
      const error = replay.value
      replay = Option.none()
      return Effect.fail(error)
    })
    return Effect.retry(again, schedule)
  })

/**
 * Sets the form body: `undefined` values left out, everything else as a
 * string. An empty form is no body at all, only its content type: fetch
 * then sends `Content-Length: 0` and skips the body stream it would make.
 */
const withForm =
  (params: Params) => (request: HttpClientRequest.HttpClientRequest): HttpClientRequest.HttpClientRequest => {
    const form: Array<[string, string]> = []
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined) form.push([name, String(value)])
    }
    return form.length === 0
      ? HttpClientRequest.setHeader(request, "content-type", "application/x-www-form-urlencoded")
      : HttpClientRequest.bodyUrlParams(request, form)
  }

/**
 * Builds the client from an `HttpClient` and the {@link SlackConfig.SlackConfig}.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<SlackWebApi["Type"], never, HttpClient.HttpClient | SlackConfig.SlackConfig> = Effect
  .gen(function*() {
    // Slack has no use for trace headers, and they would tell it our trace ids.
    const client = HttpClient.withTracerPropagation(yield* HttpClient.HttpClient, false)
    const config = yield* SlackConfig.SlackConfig
    const schedule = effectiveRetry(config.retry)
    const quote = quoter(config)
    const cookie = config.cookie
    // Every call sends the same headers: they are set once.
    const template = HttpClientRequest.post(config.apiUrl).pipe(
      HttpClientRequest.bearerToken(config.token),
      HttpClientRequest.acceptJson,
      HttpClientRequest.setHeader("user-agent", userAgent),
      cookie === undefined ? identity : HttpClientRequest.setHeader("cookie", Redacted.value(cookie))
    )

    const call = <A, I>(method: RtmMethod, params: Params, response: Schema.Schema<A, I>) => {
      const request = HttpClientRequest.setUrl(template, `${config.apiUrl}${method}`).pipe(withForm(params))
      const attempt = client.execute(request).pipe(
        Effect.locally(Headers.currentRedactedNames, everyHeader),
        Effect.mapError((error: HttpClientError) => new NetworkError({ method, reason: quote(rootMessage(error)) })),
        Effect.flatMap((res) => interpret(method, res, response, quote, config.maxResponseBytes)),
        Effect.timeoutFail({
          duration: config.timeout,
          onTimeout: () => new AttemptTimeout({ method, timeout: config.timeout })
        }),
        Effect.tapError((error) => Effect.logDebug(`attempt failed: ${error.message}`))
      )
      return retryAfterFirstFailure(attempt, schedule).pipe(Effect.annotateLogs({ module: "SlackWebApi", method }))
    }
    return SlackWebApi.of({ call })
  })

/**
 * The client as a layer. It needs only an `HttpClient` and a
 * {@link SlackConfig.SlackConfig}, so any transport will do.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<SlackWebApi, never, HttpClient.HttpClient | SlackConfig.SlackConfig> = Layer.effect(
  SlackWebApi,
  make
)
