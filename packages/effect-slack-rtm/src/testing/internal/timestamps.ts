/**
 * Slack-style message timestamps for the fakes. Each source only ever
 * grows, so two acks of one fake never share a `ts`.
 *
 * @internal
 */

/** A source of increasing timestamps in Slack's form, `"1700000000.000001"`, one microsecond apart. */
export const make = () => {
  let micros = 1_700_000_000_000_000
  return (): string => {
    const digits = String(++micros)
    return `${digits.slice(0, -6)}.${digits.slice(-6)}`
  }
}
