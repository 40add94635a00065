/**
 * The one way server text is quoted into an error field, a log line or a
 * span: at most {@link limit} characters, with the full length stated when
 * it is cut.
 *
 * @internal
 */

/** The most characters a quote takes. */
export const limit = 200

/** `text`, or as much of its start as fits in {@link limit} characters with `…(N characters)` after it. */
export const quote = (text: string): string => {
  if (text.length <= limit) return text
  const length = `…(${text.length} characters)`
  return text.slice(0, limit - length.length) + length
}
