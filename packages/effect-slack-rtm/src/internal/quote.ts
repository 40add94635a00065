/**
 * The one way server text is quoted into an error field, a log line or a
 * span: every token-shaped string, every `d` cookie-shaped string and the
 * configured secrets blanked out, then at most {@link limit} characters,
 * with the full length stated when it is cut.
 *
 * Invariant: a quote is never longer than {@link limit} characters and
 * never holds a secret it was given, nor anything token- or cookie-shaped.
 *
 * @internal
 */

/**
 * The most characters a quote takes.
 *
 * @since 1.0.0
 */
export const limit = 200

/**
 * A session's `d` cookie, `xoxd-…`. Its value is URL-encoded (`%2F`, `%3D`)
 * or, copied from a browser's tools, decoded (`/`, `+`, `=`): all of it
 * goes, not just the part a token's pattern would match.
 */
const cookieShaped = /xoxd-[\w%/+=.~-]*/gi

/** Slack's tokens: `xoxb-…`, `xoxp-…`, `xoxc-…` and the other `xox?-` kinds. */
const tokenShaped = /xox[a-z]-[\w-]*/gi

/**
 * What to blank out of quotes for a token and, if any, a `Cookie` header
 * value: the token, the whole cookie, and the value of its `d` pair, as it
 * is and URL-decoded. The longest come first.
 *
 * @since 1.0.0
 */
export const secretsOf = (token: string | undefined, cookie?: string): ReadonlyArray<string> => {
  const secrets: Array<string> = []
  if (token) secrets.push(token)
  if (cookie) {
    secrets.push(cookie)
    const d = /(?:^|;)\s*d=([^;]*)/.exec(cookie)?.[1]?.trim()
    if (d) {
      secrets.push(d)
      try {
        const decoded = decodeURIComponent(d)
        if (decoded !== d) secrets.push(decoded)
      } catch {
        // A value that does not decode is blanked as it is.
      }
    }
  }
  // The longest first, so that a secret that holds another goes whole.
  return secrets.sort((a, b) => b.length - a.length)
}

/**
 * `text` with `secrets` (a string or several) and every token- or
 * cookie-shaped string replaced by `<redacted>`, then, if it is longer than
 * {@link limit}, as much of its start as fits with `…(N characters)` after it.
 *
 * @since 1.0.0
 */
export const quote = (text: string, secrets?: string | ReadonlyArray<string>): string => {
  let redacted = text
  for (const secret of typeof secrets === "string" ? [secrets] : secrets ?? []) {
    if (secret) redacted = redacted.split(secret).join("<redacted>")
  }
  redacted = redacted.replace(cookieShaped, "<redacted>").replace(tokenShaped, "<redacted>")
  if (redacted.length <= limit) return redacted
  const length = `…(${redacted.length} characters)`
  return redacted.slice(0, limit - length.length) + length
}
