/**
 * How `slack-rtm`'s readable output looks: colour, units and counts. It owns
 * the colour decision: colour only on a terminal, never with `NO_COLOR`,
 * and every painted piece of text is reset right after, so that no colour
 * leaks into the next piece.
 *
 * @since 0.3.0
 */

/**
 * Whether to paint: never when `NO_COLOR` is set to anything but "", else
 * always when `FORCE_COLOR` is set to anything but "0" or "false", else
 * only on a terminal.
 *
 * @since 0.3.0
 */
export const colorEnabled = (env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean => {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false
  const force = env.FORCE_COLOR
  if (force !== undefined) return force !== "0" && force !== "false"
  return isTTY
}

/**
 * The styles the output uses.
 *
 * @since 0.3.0
 */
export type Style = "bold" | "dim" | "red" | "green" | "yellow" | "blue" | "magenta" | "cyan"

const codes: Readonly<Record<Style, string>> = {
  bold: "1",
  dim: "2",
  red: "31",
  green: "32",
  yellow: "33",
  blue: "34",
  magenta: "35",
  cyan: "36"
}

/**
 * Paints text in a style, with plain ANSI codes, or leaves it as it is.
 *
 * @since 0.3.0
 */
export type Paint = (style: Style, text: string) => string

/**
 * A painter: ANSI codes when `color` is on, the text untouched otherwise.
 *
 * @since 0.3.0
 */
export const makePaint = (color: boolean): Paint => (style, text) =>
  color && text !== "" ? `\u001b[${codes[style]}m${text}\u001b[0m` : text

/**
 * Seconds for people: at most one decimal, none when it is 0 (`15 s`, `2.5 s`).
 *
 * @since 0.3.0
 */
export const seconds = (value: number): string => `${Math.round(value * 10) / 10} s`

/**
 * Milliseconds for people: `<1 ms`, `12 ms`, or seconds from 1 s on (`2.5 s`).
 *
 * @since 0.3.0
 */
export const millis = (value: number): string =>
  value < 1 ? "<1 ms" : value < 1000 ? `${Math.round(value)} ms` : seconds(value / 1000)

/**
 * A count with its noun, in the singular for 1: `1 reconnect`, `2 reconnects`.
 *
 * @since 0.3.0
 */
export const count = (n: number, noun: string, plural = `${noun}s`): string => `${n} ${n === 1 ? noun : plural}`

/**
 * Text from the wire made safe for a terminal: control characters (an
 * escape sequence, a carriage return, …) shown as `�`, line breaks kept.
 *
 * @since 0.3.0
 */
export const printable = (text: string): string =>
  text.replace(/\r\n?/g, "\n").replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "\uFFFD")
