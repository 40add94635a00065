/**
 * The one way server text is quoted into an error field, a log line or a
 * span: every token-shaped string and the configured secret blanked out,
 * then at most {@link limit} characters, with the full length stated when
 * it is cut.
 *
 * Invariant: a quote is never longer than {@link limit} characters and
 * never holds the secret it was given, nor anything token-shaped.
 *
 * @internal
 */

/**
 * The most characters a quote takes.
 *
 * @since 1.0.0
 */
export const limit = 200

/** Slack's tokens: `xoxb-…`, `xoxp-…` and the other `xox?-` kinds. */
const tokenShaped = /xox[a-z]-[\w-]*/gi

/**
 * `text` with `secret` (if any) and every token-shaped string replaced by
 * `<redacted>`, then, if it is longer than {@link limit}, as much of its
 * start as fits with `…(N characters)` after it.
 *
 * @since 1.0.0
 */
export const quote = (text: string, secret?: string): string => {
  const redacted = (secret ? text.split(secret).join("<redacted>") : text).replace(tokenShaped, "<redacted>")
  if (redacted.length <= limit) return redacted
  const length = `…(${redacted.length} characters)`
  return redacted.slice(0, limit - length.length) + length
}
