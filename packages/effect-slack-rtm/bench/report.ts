/**
 * Turns the runner's figures into the `BENCHMARKS.md` tables and the
 * `bench/results.svg` chart. Every ratio is computed within one run (an
 * edition in run i over the peer in run i); across runs only medians and
 * min–max are taken. Targets apply to the Effect 4 edition; the Effect 3
 * edition's figures are shown beside them, judged by the same target for
 * reference.
 *
 * @since 1.0.0
 */
import { median } from "./common.js"

/**
 * A target on the Effect 4 edition's figure:
 * - `ratio`: ours ÷ peer, per run, against `value`;
 * - `absolute`: ours against `value`, in the comparison's unit;
 * - `budget`: ours ≤ `factor` × peer + `plus`, per run.
 *
 * @since 1.0.0
 */
export type Target =
  | { readonly kind: "ratio"; readonly op: ">=" | "<="; readonly value: number; readonly text: string }
  | { readonly kind: "absolute"; readonly op: ">=" | "<="; readonly value: number; readonly text: string }
  | { readonly kind: "budget"; readonly factor: number; readonly plus: number; readonly text: string }

/**
 * Per-run figures; `undefined` when a run failed, `null` when it hit its cap.
 *
 * @since 1.0.0
 */
export type Series = ReadonlyArray<number | null | undefined>

/**
 * One row: both editions' figures and a peer's, per run.
 *
 * @since 1.0.0
 */
export interface Comparison {
  readonly label: string
  readonly unit: Unit
  readonly better: "higher" | "lower"
  readonly peerName: string
  readonly peer: Series
  readonly v4: Series
  readonly v3: Series
  /** The value a `null` stands for (a lower bound). */
  readonly cap?: number
  readonly target?: Target
}

/**
 * How figures are shown.
 *
 * @since 1.0.0
 */
export type Unit = "perSecond" | "bytes" | "ms" | "micros"

/**
 * Median and range of some per-run figures, `capped` when one of them is
 * only a lower bound.
 *
 * @since 1.0.0
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
 * @since 1.0.0
 */
export const stats = (values: Series, cap?: number): Stats | undefined => {
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
 * The per-run ratios ours ÷ `against` (the peer, or a budget computed from
 * it), only for runs where both are known. A capped peer makes the ratio
 * an upper bound (`<`), a capped ours a lower bound (`>`).
 *
 * @since 1.0.0
 */
export const ratios = (
  ours: Series,
  against: Series,
  cap?: number
): { readonly values: Array<number>; readonly bound: "" | "<" | ">" } => {
  const values: Array<number> = []
  let bound: "" | "<" | ">" = ""
  const n = Math.max(ours.length, against.length)
  for (let i = 0; i < n; i++) {
    let a = ours[i]
    let b = against[i]
    if (a === undefined || b === undefined) continue
    if (a === null) {
      if (cap === undefined) continue
      a = cap
      bound = ">"
    }
    if (b === null) {
      if (cap === undefined) continue
      b = cap
      bound = "<"
    }
    if (b === 0) continue
    values.push(a / b)
  }
  return { values, bound }
}

/** The per-run budget `factor × peer + plus`. */
const budgetOf = (peer: Series, factor: number, plus: number): Series =>
  peer.map((value) => (typeof value === "number" ? factor * value + plus : value))

/**
 * Whether one edition's figures meet the comparison's target: `true`,
 * `false`, or `undefined` (no target, or no data).
 *
 * @since 1.0.0
 */
export const verdict = (comparison: Comparison, ours: Series): boolean | undefined => {
  const target = comparison.target
  if (target === undefined) return undefined
  if (target.kind === "budget") {
    const value = stats(ratios(ours, budgetOf(comparison.peer, target.factor, target.plus)).values)?.median
    return value === undefined ? undefined : value <= 1
  }
  const value = target.kind === "ratio"
    ? stats(ratios(ours, comparison.peer, comparison.cap).values)?.median
    : stats(ours, comparison.cap)?.median
  if (value === undefined) return undefined
  return target.op === ">=" ? value >= target.value : value <= target.value
}

/**
 * The target as a ratio against the peer's median, for the chart's tick.
 *
 * @since 1.0.0
 */
export const targetRatio = (comparison: Comparison): number | undefined => {
  const target = comparison.target
  if (target === undefined) return undefined
  if (target.kind === "ratio") return target.value
  const peer = stats(comparison.peer, comparison.cap)?.median
  if (peer === undefined || peer === 0) return undefined
  return target.kind === "absolute" ? target.value / peer : (target.factor * peer + target.plus) / peer
}

/**
 * Formats a figure in its unit.
 *
 * @since 1.0.0
 */
export const format = (value: number, unit: Unit): string => {
  switch (unit) {
    case "perSecond":
      return value >= 10_000 ? `${(value / 1000).toFixed(1)}k/s` : `${value.toFixed(0)}/s`
    case "bytes":
      return value >= 1024 * 1024
        ? `${(value / 1024 / 1024).toFixed(1)} MiB`
        : `${(value / 1024).toFixed(1)} KiB`
    case "ms":
      return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`
    case "micros":
      return `${value.toFixed(0)} µs`
  }
}

/**
 * `median (min–max)` of some per-run figures, or `n/a`.
 *
 * @since 1.0.0
 */
export const formatStats = (s: Stats | undefined, unit: Unit): string => {
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

const result = (met: boolean | undefined) => (met === undefined ? "—" : met ? "met" : "missed")

/**
 * The table of rows, both editions side by side: figure, ratio to the peer
 * in the same run, and the target's verdict (bold for the Effect 4
 * edition, which the targets are for).
 *
 * @since 1.0.0
 */
export const table = (comparisons: ReadonlyArray<Comparison>): string => {
  const lines = [
    "| measurement | target (Effect 4) | peer | Effect 4 | ratio | result | Effect 3 | ratio | by the same target |",
    "|---|---|---|---|---|---|---|---|---|"
  ]
  for (const c of comparisons) {
    const cells = (ours: Series) => {
      const { bound, values } = ratios(ours, c.peer, c.cap)
      return [formatStats(stats(ours, c.cap), c.unit), formatRatio(values, bound)]
    }
    const v4 = verdict(c, c.v4)
    lines.push(
      `| ${c.label} (${c.better} is better) | ${c.target?.text ?? "report only"} | ${c.peerName}: ${
        formatStats(stats(c.peer, c.cap), c.unit)
      } | ${cells(c.v4).join(" | ")} | ${v4 === undefined ? "—" : `**${result(v4)}**`} | ${cells(c.v3).join(" | ")} | ${
        result(verdict(c, c.v3))
      } |`
    )
  }
  return lines.join("\n")
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/**
 * A horizontal bar chart of the ratios ours ÷ peer on a log scale (0.01× to
 * 100×): per row one bar for each edition, with the min–max range as a
 * whisker, the 1× line, and the target as a tick (a target that is not a
 * ratio is drawn against the peer's median in this run). Effect 4: green
 * when its target is met, red when missed; Effect 3: the same, paler.
 *
 * @since 1.0.0
 */
export const chart = (comparisons: ReadonlyArray<Comparison>, title: string): string => {
  const rowHeight = 34
  const labelWidth = 400
  const plotWidth = 520
  const top = 60
  const height = top + comparisons.length * rowHeight + 62
  const width = labelWidth + plotWidth + 150
  const lo = Math.log10(0.01)
  const hi = Math.log10(100)
  const x = (ratio: number) =>
    Math.round((labelWidth + ((Math.log10(Math.min(100, Math.max(0.01, ratio))) - lo) / (hi - lo)) * plotWidth) * 10) /
    10
  const parts: Array<string> = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="10" y="38" fill="#555">${
      escapeXml(
        "ratio ours ÷ peer in the same run, median of the runs, whisker min–max, log scale; ▲ target; upper bar Effect 4, lower bar Effect 3"
      )
    }</text>`,
    `<text x="10" y="${top + comparisons.length * rowHeight + 40}" fill="#555">${
      escapeXml("green: the target is met · red: missed · grey: no target · (↑) higher is better, (↓) lower is better")
    }</text>`
  ]
  for (const tick of [0.01, 0.1, 0.3, 1, 3, 10, 100]) {
    parts.push(
      `<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${top + comparisons.length * rowHeight}" stroke="${
        tick === 1 ? "#000" : "#ddd"
      }" stroke-width="${tick === 1 ? 1.5 : 1}"/>`,
      `<text x="${x(tick)}" y="${
        top + comparisons.length * rowHeight + 16
      }" text-anchor="middle" fill="#333">${tick}×</text>`
    )
  }
  comparisons.forEach((c, i) => {
    const y = top + i * rowHeight
    const arrow = c.better === "higher" ? "↑" : "↓"
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end">${
        escapeXml(`${c.label.replace(/`/g, "")} (${arrow})`)
      }</text>`,
      `<text x="${labelWidth - 8}" y="${y + 28}" text-anchor="end" fill="#777" font-size="10">${
        escapeXml(`vs ${c.peerName}${c.target === undefined ? "" : `; target ${c.target.text}`}`)
      }</text>`
    )
    const bars: ReadonlyArray<readonly [string, Series, number, number]> = [
      ["E4", c.v4, y + 3, 0.85],
      ["E3", c.v3, y + 17, 0.4]
    ]
    for (const [name, ours, barY, opacity] of bars) {
      const { bound, values } = ratios(ours, c.peer, c.cap)
      const s = stats(values)
      if (s === undefined) {
        parts.push(`<text x="${labelWidth + 4}" y="${barY + 10}" fill="#999" font-size="10">no data</text>`)
        continue
      }
      const met = verdict(c, ours)
      const color = met === undefined ? "#999" : met ? "#2ca02c" : "#d62728"
      const x0 = x(1)
      const x1 = x(s.median)
      const mid = barY + 6
      parts.push(
        `<rect x="${Math.min(x0, x1)}" y="${barY}" width="${
          Math.max(1, Math.abs(x1 - x0))
        }" height="12" fill="${color}" opacity="${opacity}"/>`,
        `<line x1="${x(s.min)}" y1="${mid}" x2="${x(s.max)}" y2="${mid}" stroke="#222"/>`,
        `<text x="${labelWidth + plotWidth + 8}" y="${barY + 10}" font-size="11">${
          escapeXml(`${name} ${bound}${s.median.toFixed(s.median < 0.1 ? 3 : 2)}×`)
        }</text>`
      )
    }
    const tick = targetRatio(c)
    if (tick !== undefined) {
      const tx = x(tick)
      parts.push(
        `<path d="M ${tx - 5} ${y + rowHeight - 2} L ${tx + 5} ${y + rowHeight - 2} L ${tx} ${
          y + rowHeight - 10
        } Z" fill="#000"/>`
      )
    }
  })
  parts.push("</svg>")
  return parts.join("\n")
}
