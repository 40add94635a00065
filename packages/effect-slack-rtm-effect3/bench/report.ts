/**
 * Turns the runner's figures into the `BENCHMARKS.md` tables and the
 * `bench/results.svg` chart. Every ratio is computed within one run (ours
 * in run i over the peer in run i); across runs only medians and min–max
 * are taken.
 *
 * @since 0.1.0
 */
import { median } from "./common.js"

/**
 * A target on a comparison: on the ratio ours/peer, or on our own figure.
 *
 * @since 0.1.0
 */
export interface Target {
  readonly on: "ratio" | "ours"
  readonly op: ">=" | "<="
  readonly value: number
  /** How to show it, such as `≥ 1.1×` or `≤ 50 ms`. */
  readonly text: string
}

/**
 * One row of the results: our figure and a peer's, per run.
 *
 * @since 0.1.0
 */
export interface Comparison {
  readonly section: string
  readonly label: string
  readonly unit: Unit
  readonly better: "higher" | "lower"
  /** Per run; `undefined` when the run failed, `null` when it hit its cap. */
  readonly ours: ReadonlyArray<number | null | undefined>
  readonly peer: ReadonlyArray<number | null | undefined>
  /** The value a `null` stands for (a lower bound). */
  readonly cap?: number
  readonly targets: ReadonlyArray<Target>
}

/**
 * How figures are shown.
 *
 * @since 0.1.0
 */
export type Unit = "perSecond" | "bytes" | "ms"

/**
 * Median and range of some per-run figures, `capped` when one of them is
 * only a lower bound.
 *
 * @since 0.1.0
 */
export interface Stats {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly n: number
  readonly capped: boolean
}

/**
 * Median, min and max of the defined values; `null` counts as `cap`.
 *
 * @since 0.1.0
 */
export const stats = (values: ReadonlyArray<number | null | undefined>, cap?: number): Stats | undefined => {
  const present: Array<number> = []
  let capped = false
  for (const value of values) {
    if (value === undefined || Number.isNaN(value)) continue
    if (value === null) {
      if (cap === undefined) continue
      capped = true
      present.push(cap)
    } else present.push(value)
  }
  if (present.length === 0) return undefined
  return { median: median(present), min: Math.min(...present), max: Math.max(...present), n: present.length, capped }
}

/**
 * The per-run ratios ours/peer, only for runs where both are known. A
 * capped peer makes the ratio an upper bound (`capped`), a capped ours a
 * lower bound.
 *
 * @since 0.1.0
 */
export const ratios = (comparison: Comparison): { readonly values: Array<number>; readonly bound: "" | "<" | ">" } => {
  const values: Array<number> = []
  let bound: "" | "<" | ">" = ""
  const n = Math.max(comparison.ours.length, comparison.peer.length)
  for (let i = 0; i < n; i++) {
    let ours = comparison.ours[i]
    let peer = comparison.peer[i]
    if (ours === undefined || peer === undefined) continue
    if (ours === null) {
      if (comparison.cap === undefined) continue
      ours = comparison.cap
      bound = ">"
    }
    if (peer === null) {
      if (comparison.cap === undefined) continue
      peer = comparison.cap
      bound = "<"
    }
    if (peer === 0) continue
    values.push(ours / peer)
  }
  return { values, bound }
}

/**
 * Whether a comparison meets its targets: `met`, `missed`, `report` (no
 * target) or `n/a` (no data).
 *
 * @since 0.1.0
 */
export const verdict = (comparison: Comparison): ReadonlyArray<{ readonly target: Target; readonly met: boolean | undefined }> =>
  comparison.targets.map((target) => {
    const value = target.on === "ratio"
      ? stats(ratios(comparison).values)?.median
      : stats(comparison.ours, comparison.cap)?.median
    if (value === undefined) return { target, met: undefined }
    return { target, met: target.op === ">=" ? value >= target.value : value <= target.value }
  })

/**
 * Formats a figure in its unit.
 *
 * @since 0.1.0
 */
export const format = (value: number, unit: Unit): string => {
  switch (unit) {
    case "perSecond":
      return value >= 10_000 ? `${(value / 1000).toFixed(1)}k/s` : `${value.toFixed(0)}/s`
    case "bytes":
      return value >= 1024 * 1024
        ? `${(value / 1024 / 1024).toFixed(2)} MiB`
        : `${(value / 1024).toFixed(1)} KiB`
    case "ms":
      return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`
  }
}

const formatStats = (s: Stats | undefined, unit: Unit): string => {
  if (s === undefined) return "n/a"
  const mark = s.capped ? "> " : ""
  return s.min === s.max || s.n === 1
    ? `${mark}${format(s.median, unit)}`
    : `${mark}${format(s.median, unit)} (${format(s.min, unit)}–${format(s.max, unit)})`
}

const formatRatio = (values: ReadonlyArray<number>, bound: string): string => {
  const s = stats(values)
  if (s === undefined) return "n/a"
  const r = (x: number) => (x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toFixed(3))
  return `${bound}${r(s.median)}× (${r(s.min)}–${r(s.max)})`
}

/**
 * The main table: one row per comparison.
 *
 * @since 0.1.0
 */
export const table = (comparisons: ReadonlyArray<Comparison>): string => {
  const lines = [
    "| measurement | ours | peer | ratio ours/peer | better | target | result |",
    "|---|---|---|---|---|---|---|"
  ]
  for (const c of comparisons) {
    const { bound, values } = ratios(c)
    const verdicts = verdict(c)
    const target = verdicts.map((v) => v.target.text).join("; ") || "report only"
    const result = verdicts.length === 0
      ? "—"
      : verdicts.map((v) => (v.met === undefined ? "n/a" : v.met ? "**met**" : "**missed**")).join("; ")
    lines.push(
      `| ${c.section}: ${c.label} | ${formatStats(stats(c.ours, c.cap), c.unit)} | ${
        formatStats(stats(c.peer, c.cap), c.unit)
      } | ${formatRatio(values, bound)} | ${c.better} | ${target} | ${result} |`
    )
  }
  return lines.join("\n")
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/**
 * A horizontal bar chart of the ratios on a log scale (0.01× to 100×),
 * with the min–max range as a whisker, the 1× line, and the ratio target as
 * a tick. Green: every target met; red: one missed; grey: report only or
 * absolute target.
 *
 * @since 0.1.0
 */
export const chart = (comparisons: ReadonlyArray<Comparison>, title: string): string => {
  const rowHeight = 26
  const labelWidth = 330
  const plotWidth = 520
  const top = 56
  const height = top + comparisons.length * rowHeight + 62
  const width = labelWidth + plotWidth + 130
  const lo = Math.log10(0.01)
  const hi = Math.log10(100)
  const x = (ratio: number) =>
    Math.round((labelWidth + ((Math.log10(Math.min(100, Math.max(0.01, ratio))) - lo) / (hi - lo)) * plotWidth) * 10) / 10
  const parts: Array<string> = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="10" y="38" fill="#555">ratio ours / peer, median of per-run ratios, whisker min–max, log scale; ▲ ratio target; (↑) higher is better, (↓) lower is better</text>`,
    `<text x="10" y="${top + comparisons.length * rowHeight + 40}" fill="#555">green: every target met · red: a target missed · grey: report only (absolute targets are in BENCHMARKS.md)</text>`
  ]
  for (const tick of [0.01, 0.1, 0.3, 1, 3, 10, 100]) {
    parts.push(
      `<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${top + comparisons.length * rowHeight}" stroke="${
        tick === 1 ? "#000" : "#ddd"
      }" stroke-width="${tick === 1 ? 1.5 : 1}"/>`,
      `<text x="${x(tick)}" y="${top + comparisons.length * rowHeight + 16}" text-anchor="middle" fill="#333">${tick}×</text>`
    )
  }
  comparisons.forEach((c, i) => {
    const y = top + i * rowHeight
    const { bound, values } = ratios(c)
    const s = stats(values)
    const verdicts = verdict(c)
    const color = verdicts.some((v) => v.met === false)
      ? "#d62728"
      : verdicts.length > 0 && verdicts.every((v) => v.met === true)
      ? "#2ca02c"
      : "#999"
    const arrow = c.better === "higher" ? "↑" : "↓"
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escapeXml(`${c.section}: ${c.label} (${arrow})`)}</text>`
    )
    if (s === undefined) {
      parts.push(`<text x="${labelWidth + 4}" y="${y + 16}" fill="#999">no data</text>`)
      return
    }
    const x0 = x(1)
    const x1 = x(s.median)
    parts.push(
      `<rect x="${Math.min(x0, x1)}" y="${y + 5}" width="${Math.max(1, Math.abs(x1 - x0))}" height="${
        rowHeight - 10
      }" fill="${color}" opacity="0.8"/>`,
      `<line x1="${x(s.min)}" y1="${y + rowHeight / 2}" x2="${x(s.max)}" y2="${y + rowHeight / 2}" stroke="#222"/>`,
      `<line x1="${x(s.min)}" y1="${y + 8}" x2="${x(s.min)}" y2="${y + rowHeight - 8}" stroke="#222"/>`,
      `<line x1="${x(s.max)}" y1="${y + 8}" x2="${x(s.max)}" y2="${y + rowHeight - 8}" stroke="#222"/>`
    )
    for (const target of c.targets) {
      if (target.on !== "ratio") continue
      const tx = x(target.value)
      parts.push(`<path d="M ${tx - 5} ${y + rowHeight} L ${tx + 5} ${y + rowHeight} L ${tx} ${y + rowHeight - 8} Z" fill="#000"/>`)
    }
    parts.push(
      `<text x="${labelWidth + plotWidth + 8}" y="${y + 16}">${escapeXml(`${bound}${s.median.toFixed(s.median < 0.1 ? 3 : 2)}×`)}</text>`
    )
  })
  parts.push("</svg>")
  return parts.join("\n")
}
