/**
 * The one place an HTTP request is made: encode the parameters as a form,
 * send the token as a Bearer header (and a session token's cookie as the
 * `Cookie` header), turn the answer into data or a typed error, and retry
 * what is transient.
 *
 * Invariant: the token travels only in the `Authorization` header, and the
 * cookie only in the `Cookie` header; every foreign failure
 * (`HttpClientError`, `SchemaError`, a timeout) is mapped to a
 * {@link SlackWebApiError} here, once; no more than `maxResponseBytes` of a
 * body is ever read, and what an error quotes of it is bounded.
 *
 * @since 1.0.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"
import * as Headers from "effect/http/Headers"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
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
 * @since 1.0.0
 */
export type Params = { readonly [name: string]: boolean | string | number | undefined }

/**
 * The Web API client.
 *
 * `call` POSTs `params` to `{apiUrl}{method}` and decodes an `ok: true`
 * body with `response`. Any `ok: false` body becomes the method's typed
 * error; transient failures are retried under the configured policy.
 *
 * @since 1.0.0
 */
export class SlackWebApi extends Context.Service<SlackWebApi, {
  readonly call: <A>(
    method: RtmMethod,
    params: Params,
    response: Schema.Decoder<A>
  ) => Effect.Effect<A, SlackWebApiError>
}>()("effect-slack-rtm/SlackWebApi") {}

/**
 * The version of this package, as its `package.json` states it (a test
 * checks that they agree).
 *
 * @since 1.0.0
 */
export const version = "1.0.0"

/**
 * The `User-Agent` of every request: the package, its version, and the
 * Effect it is written for.
 *
 * @since 1.0.0
 */
export const userAgent = `effect-slack-rtm/${version} (effect 4)`

/**
 * What errors may quote of the server's text: at most 200 characters, with
 * the token, the cookie and anything token- or cookie-shaped blanked out,
 * in case the server echoed it back.
 */
const quoter = (config: SlackConfig.SlackConfig["Service"]) => {
  const secrets = secretsOf(
    Redacted.value(config.token),
    config.cookie === undefined ? undefined : Redacted.value(config.cookie)
  )
  return (text: string) => quoteText(text, secrets)
}

/**
 * The `http.client` span records headers by name once a user opts in (with
 * `HttpClient.TracerHeaderFilter`), and a server may echo the token in any
 * response header: every header's value is redacted there.
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
 * @since 1.0.0
 */
export const maxRetryAfter: Duration.Duration = Duration.hours(1)

/**
 * Reads a `Retry-After` header: a number of seconds or an HTTP date, capped
 * at {@link maxRetryAfter}. Anything else, or a date in the past, is zero.
 *
 * @since 1.0.0
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

/** A body read up to a bound: its text, and whether all of it fitted. */
interface Body {
  readonly text: string
  readonly complete: boolean
}

const decoder = new TextDecoder()

/**
 * Collects chunks up to `limit` bytes: `add` keeps what fits of a chunk and
 * says whether to go on; `body` decodes what was kept.
 */
const collector = (limit: number) => {
  const chunks: Array<Uint8Array> = []
  let bytes = 0
  let complete = true
  return {
    add: (chunk: Uint8Array): boolean => {
      complete = bytes + chunk.length <= limit
      chunks.push(complete ? chunk : chunk.subarray(0, limit - bytes))
      bytes += chunk.length
      return complete
    },
    body: (): Body => ({ text: decoder.decode(Buffer.concat(chunks)), complete })
  }
}

/**
 * Reads a fetch body with its own reader: no Effect stream, and nothing to
 * abort once it is all read. Past `limit` bytes, or if the read is
 * interrupted (a timeout), the rest is cancelled, never read.
 */
const readWebBody = (body: ReadableStream<Uint8Array> | null, limit: number): Effect.Effect<Body, unknown> =>
  Effect.callback((resume) => {
    const kept = collector(limit)
    if (body === null) return resume(Effect.succeed(kept.body()))
    const reader = body.getReader()
    const cancel = () => void reader.cancel().catch(() => {})
    const pull = (): void =>
      void reader.read().then(({ done, value }) => {
        if (!done && kept.add(value)) return pull()
        if (!done) cancel()
        resume(Effect.succeed(kept.body()))
      }, (error) => resume(Effect.fail(error)))
    pull()
    return Effect.sync(cancel)
  })

/**
 * Reads the body of a response from any other transport as a stream, in
 * the same way. The stream's error is taken as a value, and a response
 * without a body (a 204, say) has an empty text.
 */
const readStreamBody = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
): Effect.Effect<Body, HttpClientError.HttpClientError> =>
  Effect.gen(function*() {
    const kept = collector(limit)
    let failure: HttpClientError.HttpClientError | undefined
    yield* Stream.runForEachWhile(Stream.result(response.stream), (item) =>
      Effect.sync(() => {
        if (Result.isSuccess(item)) return kept.add(item.success)
        failure = item.failure
        return false
      }))
    if (failure !== undefined && failure.reason._tag !== "EmptyBodyError") return yield* Effect.fail(failure)
    return kept.body()
  })

/**
 * Reads the body, up to `limit` bytes; past that it stops, and the rest is
 * never read; `complete` is then false. A `Content-Length` over the limit
 * is refused before reading anything. A fetch response is read through its
 * Web body ({@link readWebBody}), any other as a stream.
 */
const readBody = (
  response: HttpClientResponse.HttpClientResponse,
  headers: Headers.Headers,
  limit: number
): Effect.Effect<Body, unknown> => {
  const web = HttpClientResponse.toWeb(response)
  if (Number(headers["content-length"]) > limit) {
    if (Option.isSome(web)) void web.value.body?.cancel().catch(() => {})
    return Effect.succeed({ text: "", complete: false })
  }
  return Option.isSome(web) ? readWebBody(web.value.body, limit) : readStreamBody(response, limit)
}

/**
 * Deletes every `__proto__` key of a parsed body, at any depth. `JSON.parse`
 * keeps such a key as a plain property; Effect 4's Schema keeps it as one
 * too (it never becomes a prototype), but no decoded answer should carry
 * it. Iterative: a body may be nested deeper than the stack.
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

/** Checks an `ok: true` body against the method's Schema; unknown fields are kept by the Schema itself. */
const decode = <A>(schema: Schema.Decoder<A>, json: unknown): Result.Result<A, string> => {
  try {
    const decoded = Schema.decodeUnknownResult(schema)(json)
    return Result.isSuccess(decoded) ? Result.succeed(decoded.success) : Result.fail(decoded.failure.message)
  } catch (error) {
    // Checking or describing a pathological value (say, nested thousands deep) can exhaust the stack.
    return Result.fail(`the body cannot be checked: ${(error as Error).message}`)
  }
}

const interpret = <A>(
  method: RtmMethod,
  response: HttpClientResponse.HttpClientResponse,
  schema: Schema.Decoder<A>,
  quote: (text: string) => string,
  maxBytes: number
): Effect.Effect<A, SlackWebApiError> =>
  Effect.gen(function*() {
    const headers = response.headers
    const { complete, text: body } = yield* Effect.mapError(
      readBody(response, headers, maxBytes),
      (error) => new NetworkError({ method, reason: quote(`reading the body failed: ${rootMessage(error)}`) })
    )
    const retryAfter = parseRetryAfter(headers["retry-after"], yield* Clock.currentTimeMillis)
    if (response.status === 429) return yield* Effect.fail(fromCode(method, "ratelimited", retryAfter))
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
      return yield* Effect.fail(fromCode(method, quote(error), retryAfter))
    }
    const decoded = decode(schema, json)
    if (Result.isFailure(decoded)) return yield* malformed(quote(decoded.failure))
    return decoded.success
  })

/**
 * The retry schedule actually applied: the user's policy, fed only
 * transient errors, and never waiting less than `Retry-After`.
 *
 * @since 1.0.0
 */
export const effectiveRetry = (policy: SlackConfig.RetryPolicy): Schedule.Schedule<unknown, SlackWebApiError> =>
  policy.pipe(
    Schedule.modifyDelay(({ duration, input }) => Effect.succeed(Duration.max(duration, retryAfterOf(input)))),
    Schedule.while(({ input }) => isTransient(input))
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
  Effect.catch(attempt, (first) => {
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
 * @since 1.0.0
 */
export const make: Effect.Effect<SlackWebApi["Service"], never, HttpClient.HttpClient | SlackConfig.SlackConfig> =
  Effect.gen(function*() {
    // Slack has no use for trace headers, and they would tell it our trace ids.
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.transformResponse(Effect.provideService(HttpClient.TracerPropagationEnabled, false))
    )
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

    const call = <A>(method: RtmMethod, params: Params, response: Schema.Decoder<A>) => {
      const request = HttpClientRequest.setUrl(template, `${config.apiUrl}${method}`).pipe(withForm(params))
      const attempt = client.execute(request).pipe(
        Effect.provideService(Headers.CurrentRedactedNames, everyHeader),
        Effect.mapError((error: HttpClientError.HttpClientError) =>
          new NetworkError({ method, reason: quote(rootMessage(error)) })
        ),
        Effect.flatMap((res) => interpret(method, res, response, quote, config.maxResponseBytes)),
        Effect.timeoutOrElse({
          duration: config.timeout,
          orElse: () => Effect.fail(new AttemptTimeout({ method, timeout: config.timeout }))
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
 * The layer is fresh: Effect 4 reuses a layer value already built by an
 * enclosing `Effect.provide`, which would hand an inner provide the outer
 * token. Building the client is cheap, so each use builds its own.
 *
 * @since 1.0.0
 */
export const layer: Layer.Layer<SlackWebApi, never, HttpClient.HttpClient | SlackConfig.SlackConfig> = Layer.fresh(
  Layer.effect(SlackWebApi, make)
)
