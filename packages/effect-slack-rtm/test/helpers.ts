import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import type { HttpClientRequest } from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import * as References from "effect/References"
import * as Path from "node:path"
import * as SlackConfig from "../src/SlackConfig.js"
import * as SlackWebApi from "../src/SlackWebApi.js"

/** The curated Slack samples, kept in the repository (see fixtures/slack-samples/NOTICE). */
export const samplesDir = Path.resolve(import.meta.dirname, "../../../fixtures/slack-samples")

/** A token that tests look for in every output. */
export const secretToken = "xoxb-SECRET-4242-do-not-leak"

/** What the in-memory transport saw of one request. */
export interface SeenRequest {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** A canned HTTP answer. */
export interface Canned {
  readonly status?: number
  readonly headers?: Record<string, string>
  /** A string as it is, a stream as it comes, anything else as JSON. */
  readonly body: string | ReadableStream<Uint8Array> | object
}

/**
 * An in-memory Web API: each request takes the next canned answer (the last
 * one repeats); `"hang"` never answers. Returns the layer and the requests seen.
 */
export const scriptedWebApi = (
  answers: ReadonlyArray<Canned | "hang">,
  options: {
    readonly retry?: SlackConfig.RetryPolicy
    readonly timeout?: Duration.Input
    readonly maxResponseBytes?: number
  } = {}
) => {
  const seen: Array<SeenRequest> = []
  const client = HttpClient.make((request: HttpClientRequest, url) => {
    const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
    seen.push({ url: url.toString(), headers: { ...request.headers }, body })
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)]!
    if (answer === "hang") return Effect.never
    const text = typeof answer.body === "string" || answer.body instanceof ReadableStream
      ? answer.body
      : JSON.stringify(answer.body)
    const status = answer.status ?? 200
    return Effect.succeed(HttpClientResponse.fromWeb(
      request,
      new Response([204, 205, 304].includes(status) ? null : text, { status, headers: answer.headers ?? {} })
    ))
  })
  const layer = SlackWebApi.layer.pipe(
    Layer.provide(Layer.succeed(HttpClient.HttpClient, client)),
    Layer.provide(SlackConfig.layer({
      token: Redacted.make(secretToken),
      apiUrl: "https://slack.test/api/",
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
      ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {})
    }))
  )
  return { layer, seen }
}

/** A logger that keeps every line, at every level, for leak checks. */
export const capturingLogger = () => {
  const lines: Array<string> = []
  const logger = Logger.make((options) => {
    lines.push(Logger.formatLogFmt.log(options))
  })
  const layer = Layer.merge(Logger.layer([logger]), Layer.succeed(References.MinimumLogLevel, "All"))
  return { lines, layer }
}

/** A tracer that records each span's name, attributes, events and exit. */
export { recordingTracer } from "../scripts/harness.js"
