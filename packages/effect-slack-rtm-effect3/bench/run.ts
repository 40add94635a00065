/**
 * The benchmark runner (`npm run bench`).
 *
 * 1. Builds `src/` with `tsc` and `bench/` with esbuild into a temp dir
 *    outside the repository (see `build.ts`).
 * 2. Starts the fake server (`server.ts`) as a child process, pinned to
 *    CPU 1 when `taskset` exists and there are two or more CPUs; clients are
 *    then pinned to CPU 0.
 * 3. Runs every benchmark as separate client processes, interleaved: run 1
 *    of A, B, C, then run 2 of A, B, C, and so on. Ratios are only ever
 *    taken within one run.
 * 4. Measures cold start and bundle sizes, then profiles our inbound path
 *    (`--cpu-prof`, and allocation sampling over the timed window) and our
 *    `rtm.connect` path (`--cpu-prof`).
 * 5. Writes `BENCHMARKS.md` and `bench/results.svg`, and removes the temp dir.
 *
 * Every client has a deadline of its own and is killed by pid if it
 * overruns; the whole suite stops itself after 14 minutes. `BENCH_RUNS`
 * (at least 3) overrides the number of runs.
 *
 * @since 0.1.0
 */
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "./build.js"
import { bundleSize, type BundleSize } from "./bundle.js"
import { coldStart } from "./coldStart.js"
import { host, median } from "./common.js"
import { summarizeCpu, summarizeHeap, type Summary } from "./profile.js"
import { chart, type Comparison, format, stats, table, type Target } from "./report.js"

const repo = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const suiteStarted = performance.now()
const runsOverride = Number(process.env["BENCH_RUNS"] ?? "")
const runs = (fallback: number) => Number.isFinite(runsOverride) && runsOverride >= 3 ? Math.floor(runsOverride) : fallback

/** Children we started, so that only they are ever killed. */
const children = new Set<import("node:child_process").ChildProcess>()
const killChildren = () => {
  for (const child of children) if (child.exitCode === null && child.pid !== undefined) child.kill("SIGKILL")
}
const suiteDeadline = setTimeout(() => {
  console.error("the suite ran for 14 minutes; stopping")
  killChildren()
  process.exit(2)
}, 14 * 60_000)
suiteDeadline.unref()
process.on("exit", killChildren)

const log = (message: string) => {
  const seconds = ((performance.now() - suiteStarted) / 1000).toFixed(0).padStart(4)
  console.log(`[${seconds} s] ${message}`)
}

// ---------------------------------------------------------------------------
// The machine, and whatever else runs on it
// ---------------------------------------------------------------------------

const hasTaskset = spawnSync("taskset", ["--version"], { encoding: "utf8" }).status === 0
const cpus = Os.cpus().length
const pin = hasTaskset && cpus >= 2
const clientPrefix: ReadonlyArray<string> = pin ? ["taskset", "-c", "0"] : []
const serverPrefix: ReadonlyArray<string> = pin ? ["taskset", "-c", "1"] : []

/** Processes outside this suite seen using CPU, by command line, with the highest %CPU seen. */
const others = new Map<string, number>()
const loads: Array<number> = []

/** Our pid, our ancestors' (the `npm run bench` and `tsx` that started us) and every descendant's. */
const ourPids = (table: ReadonlyArray<{ pid: number; ppid: number }>): Set<number> => {
  const parentOf = new Map(table.map((row) => [row.pid, row.ppid]))
  const ancestors = new Set<number>()
  for (let pid: number | undefined = process.ppid; pid !== undefined && pid > 1 && !ancestors.has(pid); pid = parentOf.get(pid)) {
    ancestors.add(pid)
  }
  const ours = new Set([process.pid])
  let grew = true
  while (grew) {
    grew = false
    for (const row of table) {
      if (!ours.has(row.pid) && ours.has(row.ppid)) {
        ours.add(row.pid)
        grew = true
      }
    }
  }
  for (const pid of ancestors) ours.add(pid)
  return ours
}

/** Samples `ps` and the load average. */
const sampleLoad = () => {
  loads.push(Os.loadavg()[0] ?? 0)
  const ps = spawnSync("ps", ["-eo", "pid=,ppid=,pcpu=,args="], { encoding: "utf8", timeout: 5_000 })
  if (ps.status !== 0) return
  const rows = ps.stdout.split("\n").map((line) => line.trim()).filter((line) => line !== "").map((line) => {
    const [pid, ppid, pcpu, ...rest] = line.split(/\s+/)
    return { pid: Number(pid), ppid: Number(ppid), pcpu: Number(pcpu), args: rest.join(" ") }
  })
  const ours = ourPids(rows)
  for (const row of rows) {
    if (ours.has(row.pid) || row.pcpu < 10 || row.args.startsWith("ps ")) continue
    const name = row.args.slice(0, 90)
    others.set(name, Math.max(others.get(name) ?? 0, row.pcpu))
  }
}
sampleLoad()
const sampler = setInterval(sampleLoad, 5_000)
sampler.unref()

/** Read-only facts about the checkout (no command here changes any state). */
const gitFacts = () => {
  const run = (args: ReadonlyArray<string>) =>
    spawnSync("git", ["--no-optional-locks", ...args], { cwd: repo, encoding: "utf8" }).stdout
  const dirty = run(["status", "--porcelain", "--", "src"]).split("\n").map((line) => line.trim()).filter((line) => line !== "")
  return { commit: run(["rev-parse", "--short", "HEAD"]).trim(), dirty: dirty.join("\n") }
}

// ---------------------------------------------------------------------------
// Server and clients
// ---------------------------------------------------------------------------

/** Starts the fake server and resolves with its port. */
const startServer = (dir: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const command = [...serverPrefix, process.execPath, Path.join(dir, "bench", "server.js")]
    const child = spawn(command[0]!, command.slice(1), { stdio: ["pipe", "pipe", "inherit"] })
    children.add(child)
    let output = ""
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString()
      const match = /PORT (\d+)/.exec(output)
      if (match !== null) resolve(Number(match[1]))
    })
    child.on("exit", (code) => reject(new Error(`the server exited with ${code}`)))
    setTimeout(() => reject(new Error("the server did not start")), 10_000).unref()
  })

/** The server's CPU time so far, in microseconds. */
const serverCpu = async (port: number): Promise<number> => {
  const response = await fetch(`http://${host}:${port}/stats`)
  return ((await response.json()) as { cpuMicros: number }).cpuMicros
}

/** A client's result, with how much of a core the server used meanwhile. */
type Result = Record<string, unknown> & { readonly serverCpuShare?: number }

/**
 * Runs one client process and resolves with its `RESULT` line, or
 * `undefined` (and a logged reason) if it failed or overran `timeoutMs`.
 */
const runClient = async (
  dir: string,
  port: number,
  file: string,
  settings: Record<string, unknown>,
  flags: ReadonlyArray<string>,
  timeoutMs: number
): Promise<Result | undefined> => {
  const cpu0 = await serverCpu(port)
  const started = performance.now()
  const result = await new Promise<Result | undefined>((resolve) => {
    const command = [...clientPrefix, process.execPath, ...flags, Path.join(dir, "bench", file), JSON.stringify({ ...settings, port })]
    const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "pipe"] })
    children.add(child)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (data: Buffer) => void (stdout += data.toString()))
    child.stderr.on("data", (data: Buffer) => void (stderr = (stderr + data.toString()).slice(-2_000)))
    const timer = setTimeout(() => {
      log(`  ${file} ${String(settings["variant"])}: killed after ${timeoutMs} ms`)
      child.kill("SIGKILL")
    }, timeoutMs)
    child.on("exit", (code) => {
      clearTimeout(timer)
      children.delete(child)
      const line = stdout.split("\n").find((l) => l.startsWith("RESULT "))
      if (line === undefined) {
        log(`  ${file} ${String(settings["variant"])}: no result (exit ${code}) ${stderr.trim().slice(-400)}`)
        return resolve(undefined)
      }
      resolve(JSON.parse(line.slice("RESULT ".length)) as Result)
    })
  })
  const elapsed = performance.now() - started
  const cpu1 = await serverCpu(port)
  return result === undefined ? undefined : { ...result, serverCpuShare: (cpu1 - cpu0) / 1000 / elapsed }
}

/** A benchmark: its client file and variants, how many runs, and per-process settings. */
interface Plan {
  readonly id: string
  readonly file: string
  readonly variants: ReadonlyArray<string>
  readonly runs: number
  readonly settings: Record<string, unknown>
  readonly flags: ReadonlyArray<string>
  readonly timeoutMs: number
}

/** Per plan, per variant, per run. */
type Results = Record<string, Record<string, Array<Result | undefined>>>

/** Runs a plan interleaved: run 1 of every variant, then run 2, … */
const runPlan = async (dir: string, port: number, plan: Plan, results: Results) => {
  const byVariant: Record<string, Array<Result | undefined>> = {}
  for (const variant of plan.variants) byVariant[variant] = []
  results[plan.id] = byVariant
  for (let run = 0; run < plan.runs; run++) {
    for (const variant of plan.variants) {
      const result = await runClient(dir, port, plan.file, { ...plan.settings, variant }, plan.flags, plan.timeoutMs)
      byVariant[variant]!.push(result)
    }
    log(`${plan.id}: run ${run + 1}/${plan.runs} done`)
  }
}

// ---------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------

const plans: ReadonlyArray<Plan> = [
  {
    id: "inbound",
    file: "inbound.js",
    variants: ["ours", "ours-chunks", "rtm-api", "ws"],
    runs: runs(5),
    settings: { warmup: 20_000, count: 100_000 },
    flags: [],
    timeoutMs: 100_000
  },
  {
    id: "connect",
    file: "connect.js",
    variants: ["ours-fetch", "ours-undici", "web-api-7", "web-api-8", "undici"],
    runs: runs(3),
    settings: { warmup: 300, timedMs: 1_500, maxCalls: 100_000 },
    flags: [],
    timeoutMs: 70_000
  },
  {
    id: "memory",
    file: "memory.js",
    variants: ["ours", "ours-no-consumer", "rtm-api", "ws"],
    runs: runs(3),
    settings: { sessions: 1_000, parallel: 25, idleMs: 3_000 },
    flags: ["--expose-gc"],
    timeoutMs: 130_000
  },
  {
    id: "firstAck",
    file: "firstAck.js",
    variants: ["ours", "rtm-api"],
    runs: runs(3),
    settings: { iterations: 3 },
    flags: [],
    timeoutMs: 70_000
  },
  {
    id: "recovery",
    file: "recovery.js",
    variants: ["ours", "rtm-api"],
    runs: runs(3),
    settings: { capMs: 8_000, atMs: 2_200 },
    flags: [],
    timeoutMs: 100_000
  }
]

/** A number out of a result, or `undefined`; `null` stays `null` (capped). */
const pick = (result: Result | undefined, ...path: ReadonlyArray<string>): number | null | undefined => {
  let current: unknown = result
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current === null ? null : typeof current === "number" ? current : undefined
}

const series = (results: Results, plan: string, variant: string, ...path: ReadonlyArray<string>) =>
  (results[plan]?.[variant] ?? []).map((result) => pick(result, ...path))

const ratioTarget = (op: ">=" | "<=", value: number): Target => ({
  on: "ratio",
  op,
  value,
  text: `${op === ">=" ? "≥" : "≤"} ${value}×`
})
const oursTarget = (op: ">=" | "<=", value: number, text: string): Target => ({ on: "ours", op, value, text })

/** Every comparison the report shows, from the collected results. */
const compare = (
  results: Results,
  cold: Record<string, Array<number | undefined>>,
  bundles: Record<string, BundleSize | undefined>
): ReadonlyArray<Comparison> => {
  const rows: Array<Comparison> = []
  const eps = (variant: string) => series(results, "inbound", variant, "eventsPerSecond")
  rows.push(
    { section: "1 inbound", label: "events/s vs rtm-api", unit: "perSecond", better: "higher", ours: eps("ours"), peer: eps("rtm-api"), targets: [ratioTarget(">=", 1.1)] },
    { section: "1 inbound", label: "events/s vs raw ws (ceiling)", unit: "perSecond", better: "higher", ours: eps("ours"), peer: eps("ws"), targets: [ratioTarget(">=", 0.85)] },
    { section: "1 inbound", label: "chunk consumer: events/s vs rtm-api", unit: "perSecond", better: "higher", ours: eps("ours-chunks"), peer: eps("rtm-api"), targets: [ratioTarget(">=", 1.1)] },
    { section: "1 inbound", label: "chunk consumer: events/s vs raw ws", unit: "perSecond", better: "higher", ours: eps("ours-chunks"), peer: eps("ws"), targets: [ratioTarget(">=", 0.85)] }
  )
  for (const c of ["c1", "c64"]) {
    const cps = (variant: string) => series(results, "connect", variant, c, "callsPerSecond")
    rows.push(
      { section: `2 connect ${c}`, label: "undici transport vs web-api 7", unit: "perSecond", better: "higher", ours: cps("ours-undici"), peer: cps("web-api-7"), targets: [ratioTarget(">=", 2)] },
      { section: `2 connect ${c}`, label: "undici transport vs web-api 8", unit: "perSecond", better: "higher", ours: cps("ours-undici"), peer: cps("web-api-8"), targets: [ratioTarget(">=", 2)] },
      { section: `2 connect ${c}`, label: "undici transport vs raw undici", unit: "perSecond", better: "higher", ours: cps("ours-undici"), peer: cps("undici"), targets: [ratioTarget(">=", 0.8)] },
      { section: `2 connect ${c}`, label: "fetch transport vs web-api 7", unit: "perSecond", better: "higher", ours: cps("ours-fetch"), peer: cps("web-api-7"), targets: [ratioTarget(">=", 1)] },
      { section: `2 connect ${c}`, label: "fetch transport vs web-api 8", unit: "perSecond", better: "higher", ours: cps("ours-fetch"), peer: cps("web-api-8"), targets: [ratioTarget(">=", 1)] }
    )
  }
  const heap = (variant: string) => series(results, "memory", variant, "heapPerSession")
  const rss = (variant: string) => series(results, "memory", variant, "rssPerSession")
  rows.push(
    { section: "3 memory", label: "heap per session vs rtm-api", unit: "bytes", better: "lower", ours: heap("ours"), peer: heap("rtm-api"), targets: [oursTarget("<=", 15 * 1024, "≤ 15 KiB"), ratioTarget("<=", 0.3)] },
    { section: "3 memory", label: "heap per session vs raw ws", unit: "bytes", better: "lower", ours: heap("ours"), peer: heap("ws"), targets: [] },
    { section: "3 memory", label: "no consumer: heap per session vs rtm-api", unit: "bytes", better: "lower", ours: heap("ours-no-consumer"), peer: heap("rtm-api"), targets: [oursTarget("<=", 15 * 1024, "≤ 15 KiB"), ratioTarget("<=", 0.3)] },
    { section: "3 memory", label: "RSS per session vs rtm-api", unit: "bytes", better: "lower", ours: rss("ours"), peer: rss("rtm-api"), targets: [] },
    { section: "3 memory", label: "RSS per session vs raw ws", unit: "bytes", better: "lower", ours: rss("ours"), peer: rss("ws"), targets: [] }
  )
  rows.push({
    section: "4 first ack",
    label: "start → acked send vs rtm-api",
    unit: "ms",
    better: "lower",
    ours: series(results, "firstAck", "ours", "median"),
    peer: series(results, "firstAck", "rtm-api", "median"),
    targets: [oursTarget("<=", 50, "≤ 50 ms")]
  })
  const recovery = (step: string, variant: string) => series(results, "recovery", variant, step)
  rows.push(
    { section: "5 recovery", label: "socket dropped → hello vs rtm-api", unit: "ms", better: "lower", ours: recovery("drop", "ours"), peer: recovery("drop", "rtm-api"), cap: 8_000, targets: [oursTarget("<=", 100, "≤ 100 ms")] },
    { section: "5 recovery", label: "silent server → hello vs rtm-api", unit: "ms", better: "lower", ours: recovery("silent", "ours"), peer: recovery("silent", "rtm-api"), cap: 8_000, targets: [oursTarget("<=", 3_500, "≤ 3.5 s (2 s + 1 s + 0.5 s)")] },
    { section: "5 recovery", label: "dead link → hello vs rtm-api", unit: "ms", better: "lower", ours: recovery("dead", "ours"), peer: recovery("dead", "rtm-api"), cap: 8_000, targets: [] }
  )
  rows.push({ section: "6 cold start", label: "spawn → hello vs rtm-api", unit: "ms", better: "lower", ours: cold["ours"] ?? [], peer: cold["rtm-api"] ?? [], targets: [ratioTarget("<=", 1)] })
  const size = (variant: string, key: "minified" | "gzip") => [bundles[variant]?.[key]]
  rows.push(
    { section: "7 bundle", label: "minified vs rtm-api", unit: "bytes", better: "lower", ours: size("ours", "minified"), peer: size("rtm-api", "minified"), targets: [] },
    { section: "7 bundle", label: "minified + gzip vs rtm-api", unit: "bytes", better: "lower", ours: size("ours", "gzip"), peer: size("rtm-api", "gzip"), targets: [] }
  )
  return rows
}

/** A per-variant table of one figure: median (min–max) over runs. */
const variantTable = (
  results: Results,
  plan: string,
  columns: ReadonlyArray<{ readonly title: string; readonly path: ReadonlyArray<string>; readonly unit?: Parameters<typeof format>[1]; readonly digits?: number }>
): string => {
  const variants = Object.keys(results[plan] ?? {})
  const lines = [
    `| variant | ${columns.map((c) => c.title).join(" | ")} |`,
    `|---|${columns.map(() => "---").join("|")}|`
  ]
  for (const variant of variants) {
    const cells = columns.map((column) => {
      const s = stats(series(results, plan, variant, ...column.path), 8_000)
      if (s === undefined) return "n/a"
      const show = (x: number) => column.unit !== undefined ? format(x, column.unit) : x.toFixed(column.digits ?? 0)
      return `${s.capped ? "> " : ""}${show(s.median)} (${show(s.min)}–${show(s.max)})`
    })
    lines.push(`| ${variant} | ${cells.join(" | ")} |`)
  }
  return lines.join("\n")
}

const summaryTable = (summary: Summary | undefined, unit: "ms" | "bytes"): string => {
  if (summary === undefined) return "(no profile)"
  const show = (value: number) => unit === "ms" ? `${value.toFixed(0)} ms` : `${(value / 1024 / 1024).toFixed(1)} MiB`
  const lines = [`Total: ${show(summary.total)}.`, "", "| by module | share | | top functions (self) | share |", "|---|---|---|---|---|"]
  const n = Math.max(summary.groups.length, summary.functions.length)
  for (let i = 0; i < n; i++) {
    const g = summary.groups[i]
    const f = summary.functions[i]
    lines.push(
      `| ${g ? `\`${g.name}\`` : ""} | ${g ? `${(g.share * 100).toFixed(1)}%` : ""} | | ${f ? `\`${f.name}\`` : ""} | ${
        f ? `${(f.share * 100).toFixed(1)}%` : ""
      } |`
    )
  }
  return lines.join("\n")
}

const main = async () => {
  const git = gitFacts()
  log(`building into a temp dir (tsc for src/, esbuild for bench/)`)
  const built = await build(repo)
  log(`built in ${(built.millis / 1000).toFixed(1)} s at ${built.dir}${built.tscErrors ? " (tsc reported errors; it emitted anyway)" : ""}`)
  const port = await startServer(built.dir)
  log(`server on ${host}:${port}${pin ? ", pinned to CPU 1; clients pinned to CPU 0" : ""}`)

  const results: Results = {}
  for (const plan of plans) {
    log(`${plan.id}: ${plan.runs} runs of ${plan.variants.join(", ")}`)
    await runPlan(built.dir, port, plan, results)
  }

  log("cold start")
  const coldRuns = runs(5)
  const coldReps = 3
  const cold: Record<string, Array<number | undefined>> = { ours: [], "rtm-api": [] }
  const variants = ["ours", "rtm-api"] as const
  for (const variant of variants) await coldStart(built.dir, variant, port, clientPrefix).catch(() => undefined)
  for (let run = 0; run < coldRuns; run++) {
    const perRun: Record<string, Array<number>> = { ours: [], "rtm-api": [] }
    for (let rep = 0; rep < coldReps; rep++) {
      for (const variant of variants) {
        const result = await coldStart(built.dir, variant, port, clientPrefix).catch((error: Error) => {
          log(`  ${error.message}`)
          return undefined
        })
        if (result !== undefined) perRun[variant]!.push(result.wallMillis)
      }
    }
    for (const variant of variants) cold[variant]!.push(perRun[variant]!.length > 0 ? median(perRun[variant]!) : undefined)
  }

  log("bundle sizes")
  const bundles: Record<string, BundleSize | undefined> = {}
  for (const variant of variants) {
    bundles[variant] = await bundleSize(Path.join(repo, "bench", `minimal-${variant}.ts`), built.dir).catch((error: Error) => {
      log(`  bundle of ${variant} failed: ${error.message}`)
      return undefined
    })
  }

  log("profiles of our inbound and connect paths")
  const profDir = Path.join(built.dir, "profiles")
  Fs.mkdirSync(profDir, { recursive: true })
  const newest = (ext: string) => {
    const files = Fs.readdirSync(profDir).filter((name) => name.endsWith(ext)).map((name) => Path.join(profDir, name))
    return files.sort((a, b) => Fs.statSync(b).mtimeMs - Fs.statSync(a).mtimeMs)[0]
  }
  const windowOf = (result: Result | undefined, ...path: ReadonlyArray<string>) => {
    let current: unknown = result
    for (const key of path) current = current !== null && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined
    return Array.isArray(current) && current.length === 2 ? (current as unknown as readonly [number, number]) : undefined
  }
  const profiled = await runClient(built.dir, port, "inbound.js", { variant: "ours", warmup: 20_000, count: 200_000 }, [
    "--cpu-prof",
    `--cpu-prof-dir=${profDir}`
  ], 100_000)
  const cpuFile = newest(".cpuprofile")
  const inboundCpu = cpuFile !== undefined ? summarizeCpu(cpuFile, 15, windowOf(profiled, "window")) : undefined
  const heapFile = Path.join(profDir, "inbound.heapprofile")
  await runClient(
    built.dir,
    port,
    "inbound.js",
    { variant: "ours", warmup: 20_000, count: 200_000, heapProfile: heapFile },
    [],
    100_000
  )
  const inboundHeap = Fs.existsSync(heapFile) ? summarizeHeap(heapFile, 12) : undefined
  const connectProfiled = await runClient(built.dir, port, "connect.js", { variant: "ours-undici", warmup: 300, timedMs: 3_000 }, [
    "--cpu-prof",
    `--cpu-prof-dir=${profDir}`
  ], 70_000)
  const connectFile = newest(".cpuprofile")
  const connectCpu = connectFile !== undefined && connectFile !== cpuFile
    ? summarizeCpu(connectFile, 15, windowOf(connectProfiled, "c1", "window"))
    : undefined

  clearInterval(sampler)
  sampleLoad()
  killChildren()

  const comparisons = compare(results, cold, bundles)
  const svg = chart(comparisons, `effect-slack-rtm benchmarks, ${new Date().toISOString().slice(0, 10)}, one machine, one run`)
  Fs.writeFileSync(Path.join(repo, "bench", "results.svg"), `${svg}\n`)

  const analysisFile = Path.join(repo, "bench", "analysis.md")
  const analysis = Fs.existsSync(analysisFile) ? Fs.readFileSync(analysisFile, "utf8").trim() : "(bench/analysis.md is missing)"
  const otherWork = [...others.entries()].sort((a, b) => b[1] - a[1])
  const minutes = ((performance.now() - suiteStarted) / 60_000).toFixed(1)
  const loadText = `${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} (1-minute load average, sampled every 5 s, ${cpus} CPUs)`

  const md = `# Benchmarks

Written by \`npm run bench\` (\`bench/run.ts\`) on ${new Date().toISOString()}; the suite took ${minutes} minutes.
Every figure below comes from this one run of the suite on this one machine; do not compare
them with figures from another run. The chart is [\`bench/results.svg\`](bench/results.svg).

![ratios](bench/results.svg)

## Set-up

- Machine: ${Os.cpus()[0]?.model ?? "unknown CPU"}, ${cpus} CPUs, ${(Os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${Os.type()} ${Os.release()}; Node ${process.version}.
- Checkout: \`${git.commit}\`${git.dirty ? `, with uncommitted changes in \`src/\` at the time of the run:\n  \`${git.dirty.split("\n").join("`, `")}\`` : ", `src/` clean"}.
- **Ours** is \`src/\` compiled with \`npx tsc -p tsconfig.build.json --outDir <tmp>/src\` into a temp dir outside the
  repository, and run on plain \`node\` (no loader). The bench clients are transpiled file by file with esbuild
  next to it. ${built.tscErrors ? `tsc reported type errors (it emitted anyway):\n\n\`\`\`\n${built.tscErrors.slice(0, 1_500)}\n\`\`\`` : "tsc reported no errors."}
- Peers: \`@slack/rtm-api\` 7.0.4 (its own nested \`@slack/web-api\` 7.19.0 on axios), \`@slack/web-api\` 8.2.0 (fetch)
  and 7.19.0 (axios), \`undici\` 7.30.2, \`ws\` ${readVersion("ws")}; effect ${readVersion("effect")}, @effect/platform ${readVersion("@effect/platform")},
  @effect/platform-node ${readVersion("@effect/platform-node")}.
- The fake server (\`bench/server.ts\`) is a separate process${pin ? " pinned to CPU 1 (`taskset -c 1`); every client process is pinned to CPU 0" : " (no `taskset` or one CPU: no pinning)"}.
  All traffic is HTTP and WebSocket on ${host}. Each client is its own process; the same server, the same payloads
  and the same settings serve every client.
- Order: runs are interleaved (A B C, A B C, …); each process warms up before it times; each ratio is ours in run *i*
  over the peer in run *i*; the tables show the median of those per-run ratios and their min–max.
- Load: ${loadText}.
${otherWork.length > 0
    ? `- **Other work was running on the machine during the run** (another engineer's tests and programs), so absolute
  figures are noisy; the interleaving and per-run ratios are there to make the comparisons survive it. Processes
  outside the suite seen above 10% CPU (highest %CPU seen, as \`ps\` reports it):\n${otherWork.slice(0, 12).map(([name, pcpu]) => `  - \`${name}\` (${pcpu.toFixed(0)}%)`).join("\n")}`
    : "- No other process was seen above 10% CPU during the run."}

## Results

Ratios are ours ÷ peer. "better" says which direction wins. Targets marked *ours* apply to our own figure.
A \`>\` marks a lower bound: the run hit the 8 s cap (\`@slack/rtm-api\` on a dead link waits out \`ws\`'s 30 s
close timeout).

${table(comparisons)}

### Per client (median, min–max over runs)

**1. Inbound events per second** — ${plans[0]!.runs} runs; ${String(plans[0]!.settings["warmup"])} warm-up events, then ${String(plans[0]!.settings["count"])} timed, ~300-byte \`message\` events;
timed from the first timed event to the last. \`ours\` consumes with \`Stream.runForEach\` (an Effect per event), \`ours-chunks\` with
\`Stream.runForEachChunk\`. \`CPU µs/event\` is the client's CPU time over the timed window per event. \`server CPU\` is the share of its
core the server used while the client ran.

${variantTable(results, "inbound", [
    { title: "events/s", path: ["eventsPerSecond"], unit: "perSecond" },
    { title: "CPU µs/event", path: ["cpuMicrosPerEvent"], digits: 2 },
    { title: "dropped", path: ["dropped"] },
    { title: "server CPU", path: ["serverCpuShare"], digits: 2 }
  ])}

**2. \`rtm.connect\` calls per second** — ${plans[1]!.runs} runs; 300 warm-up calls then ${String(plans[1]!.settings["timedMs"])} ms timed, per concurrency; retries off.
\`CPU µs/call\` is the client process's CPU time per call, which other load disturbs less than wall time.

${variantTable(results, "connect", [
    { title: "c1 calls/s", path: ["c1", "callsPerSecond"], unit: "perSecond" },
    { title: "c1 CPU µs/call", path: ["c1", "cpuMicrosPerCall"] },
    { title: "c64 calls/s", path: ["c64", "callsPerSecond"], unit: "perSecond" },
    { title: "c64 CPU µs/call", path: ["c64", "cpuMicrosPerCall"] },
    { title: "server CPU", path: ["serverCpuShare"], digits: 2 }
  ])}

**3. Memory per idle session** — ${plans[2]!.runs} runs; 1,000 sessions in one process, keepalive on, each with an event consumer
(\`ours-no-consumer\`: none); growth over a one-session baseline after \`gc()\`, divided by 1,000.

${variantTable(results, "memory", [
    { title: "heap/session", path: ["heapPerSession"], unit: "bytes" },
    { title: "RSS/session", path: ["rssPerSession"], unit: "bytes" },
    { title: "baseline heap", path: ["baseline", "heapUsed"], unit: "bytes" }
  ])}

**4. Start → first acked send** — ${plans[3]!.runs} runs; per run the median of 3 timed sessions after one untimed.

${variantTable(results, "firstAck", [{ title: "ms", path: ["median"], unit: "ms" }])}

**5. Recovery** — ${plans[4]!.runs} runs; ping every 2 s, pong timeout 1 s for both; fault at 2.2 s after \`hello\`; time from the server's
last frame (\`bench_mark\`) to the next \`hello\`; capped at 8 s.

${variantTable(results, "recovery", [
    { title: "drop", path: ["drop"], unit: "ms" },
    { title: "silent", path: ["silent"], unit: "ms" },
    { title: "dead link", path: ["dead"], unit: "ms" }
  ])}

**6. Cold start** — ${coldRuns} runs × ${coldReps} fresh processes each (median per run), interleaved, after one untimed start of each;
wall time seen by the parent from \`spawn\` to the \`HELLO\` line of \`bench/minimal-*.ts\` (a minimal \`connect + events\` program).

| variant | spawn → hello |
|---|---|
${variants.map((variant) => `| ${variant} | ${describe(cold[variant] ?? [])} |`).join("\n")}

**7. Bundle size** of the same minimal programs: esbuild \`--bundle --minify --platform=node --format=cjs\`, gzip -9.

| variant | minified | gzip |
|---|---|---|
${variants.map((variant) => `| ${variant} | ${bundles[variant] ? format(bundles[variant]!.minified, "bytes") : "n/a"} | ${bundles[variant] ? format(bundles[variant]!.gzip, "bytes") : "n/a"} |`).join("\n")}

## Profiles of our paths (this run)

**Inbound, CPU** (\`node --cpu-prof\`, 200,000 timed events; only the samples inside the timed window; self time;
\`(idle)\` excluded):

${summaryTable(inboundCpu, "ms")}

**Inbound, allocations** (V8 sampling heap profiler over the timed window only, every 16 KiB, objects already collected
included; bytes allocated by the function itself${inboundHeap ? `; about ${(inboundHeap.total / 200_000).toFixed(0)} bytes per event` : ""}):

${summaryTable(inboundHeap, "bytes")}

**\`rtm.connect\` over undici, CPU** (\`node --cpu-prof\`, the timed concurrency-1 window only):

${summaryTable(connectCpu, "ms")}

## Analysis

${analysis}
`
  Fs.writeFileSync(Path.join(repo, "BENCHMARKS.md"), md)
  Fs.rmSync(built.dir, { recursive: true, force: true })
  log(`wrote BENCHMARKS.md and bench/results.svg in ${minutes} minutes`)
}

/** A package's installed version. */
function readVersion(name: string): string {
  try {
    return (JSON.parse(Fs.readFileSync(Path.join(repo, "node_modules", name, "package.json"), "utf8")) as { version: string }).version
  } catch {
    return "?"
  }
}

/** `median (min–max)` in ms of some per-run figures. */
function describe(values: ReadonlyArray<number | undefined>): string {
  const s = stats(values)
  return s === undefined ? "n/a" : `${format(s.median, "ms")} (${format(s.min, "ms")}–${format(s.max, "ms")})`
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    killChildren()
    process.exit(1)
  }
)
