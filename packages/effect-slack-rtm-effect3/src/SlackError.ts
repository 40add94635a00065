/**
 * The error catalogue: one tagged error per documented Slack error code,
 * the per-method unions, {@link UnknownSlackError} for codes no list names,
 * and the transport errors.
 *
 * Every class here is generated from the single table {@link catalogue}.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"

/**
 * The Web API methods this package calls.
 *
 * @since 0.1.0
 */
export type RtmMethod = "rtm.connect" | "rtm.start"

/**
 * The documented error codes: Slack's description, and which methods document
 * each code. Transcribed from `spec/rtm-methods.md`.
 *
 * @since 0.1.0
 */
export const catalogue = {
  access_denied: { connect: true, description: "Access to a resource specified in the request is denied." },
  accesslimited: { connect: true, description: "Access to this method is limited on the current network" },
  account_inactive: {
    connect: true,
    description: "Authentication token is for a deleted user or workspace when using a `bot` token."
  },
  deprecated_endpoint: { connect: true, description: "The endpoint has been deprecated." },
  ekm_access_denied: { connect: true, description: "Administrators have suspended the ability to post a message." },
  enterprise_is_restricted: { connect: true, description: "The method cannot be called from an Enterprise." },
  fatal_error: {
    connect: true,
    description:
      "The server could not complete your operation(s) without encountering a catastrophic error. It's possible some aspect of the operation succeeded before the error was raised."
  },
  internal_error: {
    connect: true,
    description:
      "The server could not complete your operation(s) without encountering an error, likely due to a transient issue on our end. It's possible some aspect of the operation succeeded before the error was raised."
  },
  invalid_arg_name: {
    connect: true,
    description:
      "The method was passed an argument whose name falls outside the bounds of accepted or expected values. This includes very long names and names with non-alphanumeric characters other than `_`. If you get this error, it is typically an indication that you have made a very malformed API call."
  },
  invalid_arguments: { connect: true, description: "The method was called with invalid arguments." },
  invalid_array_arg: {
    connect: true,
    description: "The method was passed an array as an argument. Please only input valid strings."
  },
  invalid_auth: {
    connect: true,
    description:
      "Some aspect of authentication cannot be validated. Either the provided token is invalid or the request originates from an IP address disallowed from making the request."
  },
  invalid_charset: {
    connect: true,
    description:
      "The method was called via a POST request, but the charset specified in the Content-Type header was invalid. Valid charset names are: utf-8, iso-8859-1."
  },
  invalid_form_data: {
    connect: true,
    description:
      "The method was called via a POST request with Content-Type application/x-www-form-urlencoded or multipart/form-data, but the form data was either missing or syntactically invalid."
  },
  invalid_post_type: {
    connect: true,
    description:
      "The method was called via a POST request, but the specified Content-Type was invalid. Valid types are: application/json, application/x-www-form-urlencoded, multipart/form-data, text/plain."
  },
  method_deprecated: {
    connect: true,
    description:
      "The method has been deprecated. (rtm.start: rtm.start is deprecated. Please use rtm.connect instead of rtm.start.)"
  },
  migration_in_progress: {
    connect: true,
    description:
      "Team is being migrated between servers. See the team_migration_started event documentation for details."
  },
  missing_post_type: {
    connect: true,
    description:
      "The method was called via a POST request and included a data payload, but the request did not include a Content-Type header."
  },
  missing_scope: {
    connect: true,
    description: "The token used is not granted the specific scope permissions required to complete this request."
  },
  no_permission: {
    connect: true,
    description:
      "The workspace token used in this request does not have the permissions necessary to complete the request. Make sure your app is a member of the conversation it's attempting to post a message to."
  },
  not_allowed_token_type: { connect: true, description: "The token type used in this request is not allowed." },
  not_authed: { connect: true, description: "No authentication token provided." },
  org_login_required: {
    connect: true,
    description:
      "The workspace is undergoing an enterprise migration and will not be available until migration is complete."
  },
  ratelimited: {
    connect: true,
    description: "The request has been ratelimited. Refer to the Retry-After header for when to retry the request."
  },
  request_timeout: {
    connect: true,
    description: "The method was called via a POST request, but the POST data was either missing or truncated."
  },
  rtm_connect_required: {
    connect: false,
    description:
      "rtm.start is deprecated. Please use rtm.connect instead of rtm.start. Read https://docs.slack.dev/changelog/2021-10-rtm-start-to-stop for more info."
  },
  service_unavailable: { connect: true, description: "The service is temporarily unavailable" },
  team_access_not_granted: {
    connect: true,
    description: "The token used is not granted the specific workspace access required to complete this request."
  },
  team_added_to_org: {
    connect: true,
    description:
      "The workspace associated with your request is currently undergoing migration to an Enterprise Organization. Web API and other platform operations will be intermittently unavailable until the transition is complete."
  },
  token_expired: { connect: true, description: "Authentication token has expired" },
  token_revoked: {
    connect: true,
    description:
      "Authentication token is for a deleted user or workspace or the app has been removed when using a `user` token."
  },
  two_factor_setup_required: { connect: true, description: "Two factor setup is required." }
} as const satisfies Record<string, { readonly connect: boolean; readonly description: string }>

/**
 * Every documented code (all of them are documented for `rtm.start`).
 *
 * @since 0.1.0
 */
export type RtmStartErrorCode = keyof typeof catalogue

/**
 * The codes documented for `rtm.connect`: every code but `rtm_connect_required`.
 *
 * @since 0.1.0
 */
export type RtmConnectErrorCode = {
  [C in RtmStartErrorCode]: (typeof catalogue)[C]["connect"] extends true ? C : never
}[RtmStartErrorCode]

/**
 * All documented codes, in table order.
 *
 * @since 0.1.0
 */
export const rtmStartErrorCodes = Object.keys(catalogue) as ReadonlyArray<RtmStartErrorCode>

/**
 * The codes documented for `rtm.connect`, in table order.
 *
 * @since 0.1.0
 */
export const rtmConnectErrorCodes = rtmStartErrorCodes.filter(
  (code) => catalogue[code].connect
) as ReadonlyArray<RtmConnectErrorCode>

/**
 * The PascalCase of a snake_case code: `invalid_auth` → `InvalidAuth`.
 *
 * @since 0.1.0
 */
export type PascalCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Capitalize<Head>}${PascalCase<Tail>}`
  : Capitalize<S>

/**
 * The PascalCase of a snake_case code, at run time.
 *
 * @since 0.1.0
 */
export const pascalCase = <S extends string>(code: S): PascalCase<S> =>
  code.split("_").map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join("") as PascalCase<S>

/**
 * A documented Slack error. `_tag` is the PascalCase of `code`; `message`
 * names the method and the code, followed by Slack's description.
 *
 * @since 0.1.0
 */
export interface SlackApiError<Code extends RtmStartErrorCode> extends Cause.YieldableError {
  readonly _tag: PascalCase<Code>
  /** Slack's error code, verbatim. */
  readonly code: Code
  /** The method that answered with this code. */
  readonly method: RtmMethod
  /** Slack's documented description of the code. */
  readonly description: string
}

/**
 * `ratelimited`, from an HTTP 429 or from `{ ok: false, error: "ratelimited" }`.
 * `retryAfter` is what the `Retry-After` header asked for (zero when absent).
 *
 * @since 0.1.0
 */
export interface Ratelimited extends SlackApiError<"ratelimited"> {
  readonly retryAfter: Duration.Duration
}

/**
 * The error type for one documented code.
 *
 * @since 0.1.0
 */
export type ApiErrorOf<Code extends RtmStartErrorCode> = Code extends "ratelimited" ? Ratelimited
  : SlackApiError<Code>

/**
 * The arguments of every generated error class.
 *
 * @since 0.1.0
 */
export interface ApiErrorArgs {
  readonly method: RtmMethod
  /** Only read by `Ratelimited`; zero when absent. */
  readonly retryAfter?: Duration.Duration
}

/**
 * The constructor of one generated error class.
 *
 * @since 0.1.0
 */
export interface ApiErrorClass<Code extends RtmStartErrorCode> {
  new(args: ApiErrorArgs): ApiErrorOf<Code>
  readonly code: Code
}

const defineApiError = <Code extends RtmStartErrorCode>(code: Code) => {
  const description = catalogue[code].description
  return class ApiError extends Data.TaggedError(pascalCase(code))<{ readonly method: RtmMethod }> {
    static readonly code = code
    readonly code = code
    readonly description = description
    override get message() {
      return `${this.method} failed with "${code}": ${description}`
    }
  }
}

class RatelimitedError extends defineApiError("ratelimited") {
  readonly retryAfter: Duration.Duration
  constructor(args: ApiErrorArgs) {
    super({ method: args.method })
    this.retryAfter = args.retryAfter ?? Duration.zero
  }
}

/**
 * One class per documented code, keyed by its tag:
 * `ApiErrors.InvalidAuth`, `ApiErrors.Ratelimited`, ….
 *
 * @since 0.1.0
 */
export const ApiErrors = Object.fromEntries(
  rtmStartErrorCodes.map((code) => [pascalCase(code), code === "ratelimited" ? RatelimitedError : defineApiError(code)])
) as { readonly [C in RtmStartErrorCode as PascalCase<C>]: ApiErrorClass<C> }

/**
 * A code that the method's documentation does not name, kept as it came
 * up to 200 characters (a longer one is cut, with its length stated).
 *
 * @since 0.1.0
 */
export class UnknownSlackError extends Data.TaggedError("UnknownSlackError")<{
  readonly method: RtmMethod
  readonly code: string
}> {
  override get message() {
    return `${this.method} failed with undocumented code "${this.code}"`
  }
}

/**
 * The server answered with a non-2xx status other than 429.
 * `body` holds at most 200 characters of what it sent: its start, and its
 * full length when cut (`…(N characters)`).
 *
 * @since 0.1.0
 */
export class HttpStatusError extends Data.TaggedError("HttpStatusError")<{
  readonly method: RtmMethod
  readonly status: number
  readonly body: string
}> {
  override get message() {
    return `${this.method} answered HTTP ${this.status}`
  }
}

/**
 * The request could not be sent or its response could not be read
 * (connection refused, reset, DNS failure, …).
 *
 * @since 0.1.0
 */
export class NetworkError extends Data.TaggedError("NetworkError")<{
  readonly method: RtmMethod
  readonly reason: string
}> {
  override get message() {
    return `${this.method} failed on the network: ${this.reason}`
  }
}

/**
 * One attempt took longer than the configured timeout.
 *
 * @since 0.1.0
 */
export class AttemptTimeout extends Data.TaggedError("AttemptTimeout")<{
  readonly method: RtmMethod
  readonly timeout: Duration.Duration
}> {
  override get message() {
    return `${this.method} did not answer within ${Duration.format(this.timeout)}`
  }
}

/**
 * The body was not the JSON that the method documents.
 * `body` holds at most 200 characters of it, as {@link HttpStatusError} does.
 *
 * @since 0.1.0
 */
export class MalformedResponse extends Data.TaggedError("MalformedResponse")<{
  readonly method: RtmMethod
  readonly reason: string
  readonly body: string
}> {
  override get message() {
    return `${this.method} answered with an unexpected body: ${this.reason}`
  }
}

/**
 * Every way the transport can fail, whatever the method.
 *
 * @since 0.1.0
 */
export type TransportError = HttpStatusError | NetworkError | AttemptTimeout | MalformedResponse

/**
 * Everything `rtm.connect` can fail with: its 31 documented codes, any other
 * code, and the transport errors.
 *
 * @since 0.1.0
 */
export type RtmConnectError = ApiErrorOf<RtmConnectErrorCode> | UnknownSlackError | TransportError

/**
 * Everything `rtm.start` can fail with: its 32 documented codes, any other
 * code, and the transport errors.
 *
 * @since 0.1.0
 */
export type RtmStartError = ApiErrorOf<RtmStartErrorCode> | UnknownSlackError | TransportError

/**
 * Any error a Web API call of this package can fail with.
 *
 * @since 0.1.0
 */
export type SlackWebApiError = RtmStartError

/**
 * Turns Slack's `error` string into the typed error for `method`: its own
 * class when the method documents the code, else {@link UnknownSlackError}.
 *
 * @since 0.1.0
 */
export const fromCode = (
  method: RtmMethod,
  code: string,
  retryAfter?: Duration.Duration
): RtmStartError => {
  const documented = Object.hasOwn(catalogue, code) &&
    (method === "rtm.start" || catalogue[code as RtmStartErrorCode].connect)
  if (!documented) return new UnknownSlackError({ method, code })
  const ErrorClass = ApiErrors[pascalCase(code as RtmStartErrorCode)] as ApiErrorClass<RtmStartErrorCode>
  return new ErrorClass(code === "ratelimited" && retryAfter !== undefined ? { method, retryAfter } : { method })
}

const transientCodes: ReadonlySet<string> = new Set(["internal_error", "service_unavailable", "ratelimited"])

/**
 * Whether a failed call is worth retrying: `internal_error`,
 * `service_unavailable`, `ratelimited` (HTTP 429 included), HTTP 5xx,
 * network failures and attempt timeouts.
 *
 * @since 0.1.0
 */
export const isTransient = (error: SlackWebApiError): boolean => {
  switch (error._tag) {
    case "NetworkError":
    case "AttemptTimeout":
      return true
    case "HttpStatusError":
      return error.status >= 500
    case "MalformedResponse":
    case "UnknownSlackError":
      return false
    default:
      return transientCodes.has(error.code)
  }
}

/**
 * How long the server asked us to wait before the next attempt, if it did.
 *
 * @since 0.1.0
 */
export const retryAfterOf = (error: SlackWebApiError): Duration.Duration =>
  error._tag === "Ratelimited" ? error.retryAfter : Duration.zero
