/**
 * When and how soon a session reconnects.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"
import type { Disconnected } from "../RtmSessionError.js"
import { retryAfterOf, type SlackWebApiError } from "../SlackError.js"

/** Codes that a later `rtm.connect` may well not answer with again. */
const recoverableCodes: ReadonlySet<string> = new Set([
  "internal_error",
  "service_unavailable",
  "ratelimited",
  "fatal_error",
  "migration_in_progress",
  "team_added_to_org",
  "org_login_required",
  "request_timeout"
])

/**
 * Whether a failed `rtm.connect` is worth another try later. Authentication,
 * permission and argument errors, undocumented codes and HTTP 4xx are not:
 * they end the session instead of looping.
 */
export const isRecoverable = (error: SlackWebApiError): boolean => {
  switch (error._tag) {
    case "NetworkError":
    case "AttemptTimeout":
    case "MalformedResponse":
      return true
    case "HttpStatusError":
      return error.status >= 500
    case "UnknownSlackError":
      return false
    default:
      return recoverableCodes.has(error.code)
  }
}

/**
 * The reconnect schedule actually applied: the user's policy, started over
 * after a stable connection, never waiting less than a `Retry-After`.
 */
export const reconnectSchedule = (
  policy: Schedule.Schedule<unknown, Disconnected>
): Schedule.Schedule<unknown, Disconnected> =>
  Schedule.identity<Disconnected>().pipe(
    Schedule.intersect(policy),
    Schedule.resetWhen(([cause]) => cause.stable),
    Schedule.intersect(
      Schedule.identity<Disconnected>().pipe(
        Schedule.addDelay((cause) => cause.error === undefined ? Duration.zero : retryAfterOf(cause.error))
      )
    )
  )
