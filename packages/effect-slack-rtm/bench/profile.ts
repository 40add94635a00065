/**
 * Summaries of V8 profiles: where a `.cpuprofile` (`node --cpu-prof`)
 * spends its self time, and which functions a `.heapprofile` (the
 * sampling heap profiler) sampled allocating. Used by the runner on the
 * profiled runs of the Effect 4 edition; also runnable by hand:
 * `node bench/profile.js <file.cpuprofile|file.heapprofile> [from to]`
 * (a window in `process.hrtime` microseconds).
 *
 * Frames are named by package and file: `effect/Stream.js`,
 * `effect-slack-rtm/internal/inbound.js` (ours, as installed), `ws/lib/…`,
 * `node:…`.
 *
 * @since 1.0.0
 */
import * as Fs from "node:fs"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface CpuNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly hitCount?: number
  readonly children?: ReadonlyArray<number>
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<CpuNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
  readonly startTime: number
  readonly endTime: number
}

interface HeapNode {
  readonly callFrame: CallFrame
  readonly selfSize: number
  readonly children: ReadonlyArray<HeapNode>
}

/**
 * One line of a summary: a function or a group, and its share.
 *
 * @since 1.0.0
 */
export interface Row {
  readonly name: string
  readonly value: number
  readonly share: number
}

/**
 * A profile's summary: the top functions and the groups by module.
 *
 * @since 1.0.0
 */
export interface Summary {
  readonly total: number
  readonly functions: ReadonlyArray<Row>
  readonly groups: ReadonlyArray<Row>
  /** Our own functions (`effect-slack-rtm/…`) by inclusive time or bytes: what they and their callees took. */
  readonly ours?: ReadonlyArray<Row>
}

/** Shortens a script URL to `package/path` (without `dist/`), `node:…` or `bench/…`. */
const shortUrl = (url: string): string => {
  if (url === "") return ""
  const clean = url.replace(/^file:\/\//, "")
  const nm = clean.lastIndexOf("/node_modules/")
  if (nm >= 0) return clean.slice(nm + "/node_modules/".length).replace(/\/dist\/((esm|cjs)\/)?/, "/")
  if (clean.startsWith("node:")) return clean
  const bench = clean.lastIndexOf("/bench/")
  if (bench >= 0) return clean.slice(bench + 1)
  return clean
}

/** The group a frame belongs to: our `src/`, a package, node internals, or V8. */
const groupOf = (frame: CallFrame): string => {
  const { functionName, url } = frame
  if (url === "") {
    if (functionName === "(garbage collector)") return "GC"
    if (functionName === "(program)" || functionName === "(idle)") return functionName
    return `native: ${functionName || "(anonymous)"}`
  }
  const short = shortUrl(url)
  if (short.startsWith("effect-slack-rtm/")) return short
  if (short.startsWith("node:")) return "node internals"
  if (short.startsWith("effect/")) {
    const parts = short.split("/")
    return `effect/${parts[1] === "internal" ? `internal/${parts[2] ?? ""}` : parts[1] ?? ""}`
  }
  const parts = short.split("/")
  return short.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0] ?? short
}

const nameOf = (frame: CallFrame): string =>
  `${frame.functionName || "(anonymous)"} ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ""}`

const rank = (totals: Map<string, number>, total: number, top: number): ReadonlyArray<Row> =>
  [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, value]) => ({ name, value, share: total > 0 ? value / total : 0 }))

const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value)

/**
 * Self time per function and per group, in milliseconds, from a
 * `.cpuprofile`. `(idle)` is left out of the total. With `window`
 * (`[from, to]` in `process.hrtime` microseconds, the profile's clock),
 * only the samples taken inside it count.
 *
 * @since 1.0.0
 */
export const summarizeCpu = (file: string, top = 15, window?: readonly [number, number]): Summary => {
  const profile = JSON.parse(Fs.readFileSync(file, "utf8")) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<number, number>()
  let at = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    if (window !== undefined && (at < window[0] || at > window[1])) continue
    self.set(id, (self.get(id) ?? 0) + delta)
  }
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const functions = new Map<string, number>()
  const groups = new Map<string, number>()
  const ours = new Map<string, number>()
  let total = 0
  for (const [id, micros] of self) {
    const node = byId.get(id)
    if (node === undefined || node.callFrame.functionName === "(idle)") continue
    const millis = micros / 1000
    total += millis
    add(functions, nameOf(node.callFrame), millis)
    add(groups, groupOf(node.callFrame), millis)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame
      if (frame === undefined || !shortUrl(frame.url).startsWith("effect-slack-rtm/")) continue
      const name = nameOf(frame)
      if (!seen.has(name)) add(ours, name, millis)
      seen.add(name)
    }
  }
  return {
    total,
    functions: rank(functions, total, top),
    groups: rank(groups, total, top),
    ours: rank(ours, total, 10)
  }
}

/**
 * Bytes allocated (sampled) per function and per group, from a
 * `.heapprofile`, and per function of ours with its callees.
 *
 * @since 1.0.0
 */
export const summarizeHeap = (file: string, top = 12): Summary => {
  const profile = JSON.parse(Fs.readFileSync(file, "utf8")) as { readonly head: HeapNode }
  const functions = new Map<string, number>()
  const groups = new Map<string, number>()
  const ours = new Map<string, number>()
  let total = 0
  const stack: Array<{ readonly node: HeapNode; readonly path: ReadonlySet<string> }> = [{
    node: profile.head,
    path: new Set()
  }]
  while (stack.length > 0) {
    const { node, path } = stack.pop()!
    let below = path
    if (shortUrl(node.callFrame.url).startsWith("effect-slack-rtm/")) below = new Set([...path, nameOf(node.callFrame)])
    if (node.selfSize > 0) {
      total += node.selfSize
      add(functions, nameOf(node.callFrame), node.selfSize)
      add(groups, groupOf(node.callFrame), node.selfSize)
      for (const name of below) add(ours, name, node.selfSize)
    }
    for (const child of node.children) stack.push({ node: child, path: below })
  }
  return {
    total,
    functions: rank(functions, total, top),
    groups: rank(groups, total, top),
    ours: rank(ours, total, 10)
  }
}

const main = process.argv[1]?.endsWith("profile.js") === true && process.argv[2] !== undefined
if (main) {
  const file = process.argv[2]!
  const window = process.argv[4] === undefined ? undefined : [Number(process.argv[3]), Number(process.argv[4])] as const
  const summary = file.endsWith(".heapprofile") ? summarizeHeap(file, 25) : summarizeCpu(file, 25, window)
  const unit = file.endsWith(".heapprofile") ? "bytes" : "ms"
  console.log(`total ${summary.total.toFixed(0)} ${unit}`)
  console.log("-- groups")
  for (const row of summary.groups) console.log(`${(row.share * 100).toFixed(1).padStart(5)}%  ${row.name}`)
  console.log("-- functions")
  for (const row of summary.functions) console.log(`${(row.share * 100).toFixed(1).padStart(5)}%  ${row.name}`)
  console.log("-- ours, inclusive")
  for (const row of summary.ours ?? []) console.log(`${(row.share * 100).toFixed(1).padStart(5)}%  ${row.name}`)
}
