/**
 * The benchmark runner (`npm run bench`, at the root or in
 * `packages/effect-slack-rtm`): both editions beside the peers, in one run.
 *
 * 1. Builds both editions with their own `tsconfig.build.json`, and the
 *    clients with esbuild, into a temp dir outside the repository (see
 *    `build.ts`): each edition resolves its own `effect`.
 * 2. Starts the fake server (`server.ts`) as a child process, pinned to
 *    CPU 1 when `taskset` exists and there are two or more CPUs; clients
 *    are then pinned to CPU 0.
 * 3. Runs every benchmark as separate client processes, interleaved: run 1
 *    of A, B, C, then run 2 of A, B, C, and so on. Ratios are only ever
 *    taken within one run.
 * 4. Times fresh processes (cold start, `slack-rtm --help`), measures
 *    bundles, and profiles the Effect 4 edition on every measured path.
 * 5. Writes `bench/results.json`, `bench/results.svg` and `BENCHMARKS.md`
 *    at the repository root (with `bench/analysis.md` in it), and removes
 *    the temp dir; the profiles are kept under `/tmp`.
 *
 * Clients run on `BENCH_NODE`, else `/usr/bin/node` when it exists (the
 * machine's Node, which earlier runs used), else the Node running this.
 * Every client has a deadline of its own and is killed by pid if it
 * overruns; the whole suite skips what is left after 13 minutes and stops
 * itself after 14.8 minutes, writing what it measured. `BENCH_RUNS`
 * (at least 3) overrides the number of runs; `BENCH_ONLY` (plan ids, comma
 * separated) runs only those plans and prints their results, writing
 * nothing. `--report` only rewrites
 * `BENCHMARKS.md` and the chart from `bench/results.json`.
 *
 * @since 1.0.0
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { type Build, build, type EditionName } from "./build.js"
import { type BundleSize, bundleSize } from "./bundle.js"
import { host, median } from "./common.js"
import { summarizeCpu, summarizeHeap, type Summary } from "./profile.js"
import { chart, type Comparison, format, formatStats, type Series, stats, table, type Unit } from "./report.js"
import { spawnTimed } from "./spawnTimed.js"

const benchDir = Path.dirname(fileURLToPath(import.meta.url))
const repoRoot = Path.resolve(benchDir, "../../..")
const resultsFile = Path.join(benchDir, "results.json")
const suiteStarted = performance.now()
const runsOverride = Number(process.env["BENCH_RUNS"] ?? "")
/** `BENCH_ONLY=inbound,blast`: only those plans, results printed, nothing written. */
const only = process.env["BENCH_ONLY"]?.split(",")
const runs = (fallback: number) =>
  Number.isFinite(runsOverride) && runsOverride >= 3 ? Math.floor(runsOverride) : fallback

/** Children we started, so that only they are ever killed. */
const children = new Set<ChildProcess>()
const killChildren = () => {
  for (const child of children) if (child.exitCode === null && child.pid !== undefined) child.kill("SIGKILL")
}

const log = (message: string) => {
  const seconds = ((performance.now() - suiteStarted) / 1000).toFixed(0).padStart(4)
  console.log(`[${seconds} s] ${message}`)
}

// ---------------------------------------------------------------------------
// The machine, and whatever else runs on it
// ---------------------------------------------------------------------------

const clientNode = process.env["BENCH_NODE"] ?? (Fs.existsSync("/usr/bin/node") ? "/usr/bin/node" : process.execPath)
const hasTaskset = spawnSync("taskset", ["--version"], { encoding: "utf8" }).status === 0
const cpus = Os.cpus().length
const pin = hasTaskset && cpus >= 2
const clientPrefix: ReadonlyArray<string> = pin ? ["taskset", "-c", "0", clientNode] : [clientNode]
const serverPrefix: ReadonlyArray<string> = pin ? ["taskset", "-c", "1", clientNode] : [clientNode]

/** Processes outside this suite seen using CPU, by command line, with the highest %CPU seen. */
const others = new Map<string, number>()
const loads: Array<number> = []

/** Our pid, our ancestors' (the `npm run bench` and `tsx` that started us) and every descendant's. */
const ourPids = (rows: ReadonlyArray<{ pid: number; ppid: number }>): Set<number> => {
  const parentOf = new Map(rows.map((row) => [row.pid, row.ppid]))
  const ours = new Set([process.pid])
  for (let pid = parentOf.get(process.pid); pid !== undefined && pid > 1 && !ours.has(pid); pid = parentOf.get(pid)) {
    ours.add(pid)
  }
  let grew = true
  while (grew) {
    grew = false
    for (const row of rows) {
      if (!ours.has(row.pid) && ours.has(row.ppid) && row.ppid !== 1) {
        ours.add(row.pid)
        grew = true
      }
    }
  }
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

/** Read-only facts about the checkout (no command here changes any state). */
const gitFacts = () => {
  const run = (args: ReadonlyArray<string>) =>
    spawnSync("git", ["--no-optional-locks", ...args], { cwd: repoRoot, encoding: "utf8" }).stdout ?? ""
  const dirty = run([
    "status",
    "--porcelain",
    "--",
    "packages/effect-slack-rtm/src",
    "packages/effect-slack-rtm-effect3/src"
  ])
    .split("\n").map((line) => line.trim()).filter((line) => line !== "")
  return { commit: run(["rev-parse", "--short", "HEAD"]).trim(), dirty }
}

/** A package's installed version, as an edition resolves it. */
const versionIn = (dir: string, name: string): string => {
  try {
    return (JSON.parse(Fs.readFileSync(Path.join(dir, name, "package.json"), "utf8")) as { version: string }).version
  } catch {
    return "?"
  }
}

// ---------------------------------------------------------------------------
// Server and clients
// ---------------------------------------------------------------------------

/** Starts the fake server and resolves with its port. */
const startServer = (dir: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const command = [...serverPrefix, Path.join(dir, "bench", "server.js")]
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
  const response = await fetch(`http://${host}:${port}/stats`, { signal: AbortSignal.timeout(5_000) })
  return ((await response.json()) as { cpuMicros: number }).cpuMicros
}

/** A client's result, with how much of a core the server used meanwhile. */
type Result = Record<string, unknown>

/**
 * Runs one client process (`bench/<file>` in `dir`) and resolves with its
 * `RESULT` line, or `undefined` (and a logged reason) if it failed or
 * overran `timeoutMs`.
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
    const command = [...clientPrefix, ...flags, Path.join(dir, "bench", file), JSON.stringify({ ...settings, port })]
    const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "pipe"] })
    children.add(child)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (data: Buffer) => void (stdout = (stdout + data.toString()).slice(-100_000)))
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

/** A variant: the label in the tables, the edition whose build it runs in, and the client's own variant name. */
interface Variant {
  readonly label: string
  readonly edition: EditionName
  readonly variant: string
}
const v4 = (variant: string, label = "v4"): Variant => ({ label, edition: "v4", variant })
const v3 = (variant: string, label = "v3"): Variant => ({ label, edition: "v3", variant })
const peer = (variant: string): Variant => ({ label: variant, edition: "v4", variant })

/** A benchmark: its client file and variants, how many runs, and per-process settings. */
interface Plan {
  readonly id: string
  readonly file: string
  readonly variants: ReadonlyArray<Variant>
  readonly runs: number
  readonly settings: Record<string, unknown>
  readonly flags: ReadonlyArray<string>
  readonly timeoutMs: number
}

/** Per plan, per variant label, per run. */
type Results = Record<string, Record<string, Array<Result | undefined>>>

/** Runs a plan interleaved: run 1 of every variant, then run 2, … */
const runPlan = async (built: Build, port: number, plan: Plan, results: Results) => {
  const byLabel: Record<string, Array<Result | undefined>> = {}
  for (const variant of plan.variants) byLabel[variant.label] = []
  results[plan.id] = byLabel
  for (let run = 0; run < plan.runs; run++) {
    for (const { edition, label, variant } of plan.variants) {
      const dir = built.editions[edition].dir
      byLabel[label]!.push(
        await runClient(dir, port, plan.file, { ...plan.settings, variant }, plan.flags, plan.timeoutMs)
      )
    }
    log(`${plan.id}: run ${run + 1}/${plan.runs} done`)
  }
}

/** A recovery step that takes longer is reported as capped. */
const recoveryCapMs = 4_000

const plans: ReadonlyArray<Plan> = [
  {
    id: "inbound",
    file: "inbound.js",
    variants: [
      v4("ours"),
      v4("ours-chunks", "v4-chunks"),
      v4("ours-pull", "v4-pull"),
      v3("ours"),
      v3("ours-chunks", "v3-chunks"),
      v3("ours-pull", "v3-pull"),
      peer("rtm-api"),
      peer("ws")
    ],
    runs: runs(5),
    settings: { warmup: 20_000, count: 100_000 },
    flags: [],
    timeoutMs: 100_000
  },
  {
    id: "blast",
    file: "inbound.js",
    variants: [v4("ours"), v3("ours"), peer("rtm-api")],
    runs: runs(3),
    settings: { count: 1_200_000, spinMicros: 5 },
    flags: [],
    timeoutMs: 100_000
  },
  {
    id: "connect",
    file: "connect.js",
    variants: [v4("ours"), v3("ours"), peer("web-api-8"), peer("web-api-7"), peer("undici")],
    runs: runs(3),
    settings: { warmup: 200, timedMs: 1_000, maxCalls: 100_000 },
    flags: [],
    timeoutMs: 70_000
  },
  {
    id: "memory",
    file: "memory.js",
    variants: [
      v4("ours"),
      v4("ours-no-consumer", "v4-no-consumer"),
      v3("ours"),
      peer("rtm-api"),
      peer("ws")
    ],
    runs: runs(3),
    settings: { sessions: 300, parallel: 25, idleMs: 3_000 },
    flags: ["--expose-gc"],
    timeoutMs: 130_000
  },
  {
    id: "hello",
    file: "hello.js",
    variants: [v4("ours"), v3("ours"), peer("rtm-api")],
    runs: runs(3),
    settings: { iterations: 10 },
    flags: [],
    timeoutMs: 70_000
  },
  {
    id: "firstAck",
    file: "firstAck.js",
    variants: [v4("ours"), v3("ours"), peer("rtm-api")],
    runs: runs(3),
    settings: { iterations: 3 },
    flags: [],
    timeoutMs: 70_000
  },
  {
    id: "recovery",
    file: "recovery.js",
    variants: [v4("ours"), v3("ours"), peer("rtm-api")],
    runs: runs(3),
    settings: { capMs: recoveryCapMs, atMs: 2_200, steps: ["drop", "silent"] },
    flags: [],
    timeoutMs: 100_000
  }
]

/** The fresh-process measurements: what to spawn per label, and when it is done. */
const spawnPlans = (built: Build) => {
  const { v3: e3, v4: e4 } = built.editions
  const bin = (dir: string) => Path.join(dir, "node_modules/effect-slack-rtm/dist/bin/slack-rtm.js")
  return {
    cold: {
      until: /HELLO/,
      commands: {
        "v4": [Path.join(e4.dir, "bench/minimal.js")],
        "v3": [Path.join(e3.dir, "bench/minimal.js")],
        "rtm-api": [Path.join(e4.dir, "bench/minimal-rtm-api.js")]
      } as Record<string, ReadonlyArray<string>>
    },
    help: {
      until: "exit" as const,
      commands: { "v4": [bin(e4.dir), "--help"], "v3": [bin(e3.dir), "--help"], "node": ["-e", "0"] } as Record<
        string,
        ReadonlyArray<string>
      >
    }
  }
}

/**
 * Spawns each command `reps` times per run, interleaved, after one untimed
 * start of each; keeps per run the medians of the wall time and of the
 * child's own `READY` and `HELLO` times.
 */
const runSpawned = async (
  id: string,
  plan: { readonly until: RegExp | "exit"; readonly commands: Record<string, ReadonlyArray<string>> },
  env: Record<string, string>,
  results: Results
) => {
  const labels = Object.keys(plan.commands)
  const byLabel: Record<string, Array<Result | undefined>> = {}
  results[id] = byLabel
  const once = (label: string) =>
    spawnTimed([...clientPrefix, ...plan.commands[label]!], env, plan.until).catch((error: Error) => {
      log(`  ${id} ${label}: ${error.message}`)
      return undefined
    })
  for (const label of labels) {
    byLabel[label] = []
    await once(label)
  }
  const count = runs(3)
  for (let run = 0; run < count; run++) {
    const perRun: Record<string, Array<{ wall: number; ready?: number; hello?: number }>> = {}
    for (let rep = 0; rep < 3; rep++) {
      for (const label of labels) {
        const timed = await once(label)
        if (timed === undefined) continue
        ;(perRun[label] ??= []).push({
          wall: timed.wallMillis,
          ...(timed.readyMillis === undefined ? {} : { ready: timed.readyMillis }),
          ...(timed.helloMillis === undefined ? {} : { hello: timed.helloMillis })
        })
      }
    }
    for (const label of labels) {
      const rows = perRun[label] ?? []
      const mid = (key: "wall" | "ready" | "hello") => {
        const values = rows.map((row) => row[key]).filter((value): value is number => value !== undefined)
        return values.length > 0 ? median(values) : undefined
      }
      byLabel[label]!.push(
        rows.length > 0 ? { wall: mid("wall"), ready: mid("ready"), hello: mid("hello") } : undefined
      )
    }
  }
  log(`${id}: ${count} runs done`)
}

// ---------------------------------------------------------------------------
// Profiles of the Effect 4 edition
// ---------------------------------------------------------------------------

/** A window `[from, to]` in `process.hrtime` microseconds out of a result, if it has one. */
const windowOf = (
  result: Result | undefined,
  ...path: ReadonlyArray<string>
): readonly [number, number] | undefined => {
  let current: unknown = result
  for (const key of path) {
    current = current !== null && typeof current === "object"
      ? (current as Result)[key]
      : undefined
  }
  return Array.isArray(current) && current.length === 2 && current[1] > current[0]
    ? (current as unknown as readonly [number, number])
    : undefined
}

/** The one `.cpuprofile` in `dir`, if any. */
const cpuProfileIn = (dir: string) => {
  const file = Fs.existsSync(dir) ? Fs.readdirSync(dir).find((name) => name.endsWith(".cpuprofile")) : undefined
  return file === undefined ? undefined : Path.join(dir, file)
}

/** Profiles every path of the Effect 4 edition; each profile is optional. */
const profileAll = async (
  built: Build,
  port: number,
  profDir: string
): Promise<Record<string, Summary | undefined>> => {
  const dir = built.editions.v4.dir
  const out: Record<string, Summary | undefined> = {}
  const cpuFlags = (name: string) => ["--cpu-prof", `--cpu-prof-dir=${Path.join(profDir, name)}`]
  const cpu = (name: string, window?: readonly [number, number]) => {
    const file = cpuProfileIn(Path.join(profDir, name))
    return file === undefined ? undefined : summarizeCpu(file, 15, window)
  }
  const guard = async (name: string, run: () => Promise<void>) => {
    if (late(13.5)) return log(`  profile ${name} skipped: out of time`)
    try {
      await run()
    } catch (error) {
      log(`  profile ${name} failed: ${String(error)}`)
    }
  }

  await guard("inbound", async () => {
    const result = await runClient(
      dir,
      port,
      "inbound.js",
      { variant: "ours", warmup: 20_000, count: 200_000 },
      cpuFlags("inbound"),
      100_000
    )
    out["inboundCpu"] = cpu("inbound", windowOf(result, "window"))
    const heapFile = Path.join(profDir, "inbound.heapprofile")
    await runClient(
      dir,
      port,
      "inbound.js",
      { variant: "ours", warmup: 20_000, count: 200_000, heapProfile: heapFile },
      [],
      100_000
    )
    out["inboundAlloc"] = Fs.existsSync(heapFile) ? summarizeHeap(heapFile, 12) : undefined
  })
  await guard("blast", async () => {
    const result = await runClient(
      dir,
      port,
      "inbound.js",
      { variant: "ours", count: 1_200_000, spinMicros: 5 },
      cpuFlags("blast"),
      100_000
    )
    out["blastCpu"] = cpu("blast", windowOf(result, "window"))
  })
  await guard("connect", async () => {
    const result = await runClient(
      dir,
      port,
      "connect.js",
      { variant: "ours", warmup: 300, timedMs: 3_000 },
      cpuFlags("connect"),
      70_000
    )
    out["connectC1Cpu"] = cpu("connect", windowOf(result, "c1", "window"))
    out["connectC64Cpu"] = cpu("connect", windowOf(result, "c64", "window"))
  })
  await guard("hello", async () => {
    const result = await runClient(
      dir,
      port,
      "hello.js",
      { variant: "ours", iterations: 20 },
      cpuFlags("hello"),
      70_000
    )
    out["helloCpu"] = cpu("hello", windowOf(result, "window"))
  })
  await guard("memory", async () => {
    const heapFile = Path.join(profDir, "memory.heapprofile")
    await runClient(
      dir,
      port,
      "memory.js",
      { variant: "ours", sessions: 300, parallel: 25, idleMs: 3_000, heapProfile: heapFile },
      ["--expose-gc"],
      130_000
    )
    out["memoryRetained"] = Fs.existsSync(heapFile) ? summarizeHeap(heapFile, 15) : undefined
  })
  const env = { SLACK_TOKEN: "xoxb-bench", SLACK_API_URL: `http://${host}:${port}/api/` }
  await guard("cold", async () => {
    await spawnTimed([...clientPrefix, ...cpuFlags("cold"), Path.join(dir, "bench/minimal.js")], env, "exit")
    out["coldCpu"] = cpu("cold")
  })
  await guard("help", async () => {
    const bin = Path.join(dir, "node_modules/effect-slack-rtm/dist/bin/slack-rtm.js")
    await spawnTimed([...clientPrefix, ...cpuFlags("help"), bin, "--help"], {}, "exit")
    out["helpCpu"] = cpu("help")
  })
  return out
}

// ---------------------------------------------------------------------------
// The run, and what it keeps
// ---------------------------------------------------------------------------

/** Everything a run measured: `results.json`, from which the report is written. */
interface Data {
  readonly date: string
  readonly minutes: number
  readonly machine: string
  readonly node: string
  readonly pinned: boolean
  readonly git: { readonly commit: string; readonly dirty: ReadonlyArray<string> }
  readonly tscErrors: Record<EditionName, string>
  readonly versions: Record<string, string>
  readonly load: readonly [number, number]
  readonly others: ReadonlyArray<readonly [string, number]>
  readonly results: Results
  readonly bundles: Record<string, BundleSize | undefined>
  readonly profiles: Record<string, Summary | undefined>
  readonly profileDir: string
}

/** Whether the suite has run for more than `minutes`: later stages are skipped so that it ends in time. */
const late = (minutes: number) => performance.now() - suiteStarted > minutes * 60_000

/** What the run has measured so far: the deadline writes it as it stands. */
let measured: Data | undefined

/** The figures about the run itself, as of now. */
const finalize = (data: Data): Data => ({
  ...data,
  date: new Date().toISOString(),
  minutes: (performance.now() - suiteStarted) / 60_000,
  load: [Math.min(...loads), Math.max(...loads)],
  others: [...others.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)
})

const measure = async (): Promise<Data> => {
  const git = gitFacts()
  sampleLoad()
  const sampler = setInterval(sampleLoad, 5_000)
  sampler.unref()
  log(`building both editions into a temp dir (tsc for src/, esbuild for bench/)`)
  const built = await build(benchDir)
  log(`built in ${(built.millis / 1000).toFixed(1)} s at ${built.root}`)
  const port = await startServer(built.editions.v4.dir)
  const nodeVersion = spawnSync(clientNode, ["--version"], { encoding: "utf8" }).stdout.trim()
  log(
    `server on ${host}:${port}${
      pin ? ", pinned to CPU 1; clients pinned to CPU 0" : ""
    }; clients on Node ${nodeVersion}`
  )
  const modules = (edition: EditionName) => Path.join(built.editions[edition].dir, "node_modules")
  const data: Data = {
    date: "",
    minutes: 0,
    machine: `${Os.cpus()[0]?.model ?? "unknown CPU"}, ${cpus} CPUs, ${
      (Os.totalmem() / 2 ** 30).toFixed(1)
    } GiB, ${Os.type()} ${Os.release()}`,
    node: nodeVersion,
    pinned: pin,
    git,
    tscErrors: { v4: built.editions.v4.tscErrors, v3: built.editions.v3.tscErrors },
    versions: {
      "effect (Effect 4 edition)": versionIn(modules("v4"), "effect"),
      "effect (Effect 3 edition)": versionIn(modules("v3"), "effect"),
      "@effect/platform (Effect 3 edition)": versionIn(modules("v3"), "@effect/platform"),
      "@slack/rtm-api": versionIn(modules("v4"), "@slack/rtm-api"),
      "@slack/web-api": versionIn(modules("v4"), "@slack/web-api"),
      "slack-web-api-7": versionIn(modules("v4"), "slack-web-api-7"),
      "undici": versionIn(modules("v4"), "undici"),
      "ws": versionIn(modules("v4"), "ws")
    },
    load: [0, 0],
    others: [],
    results: {},
    bundles: {},
    profiles: {},
    profileDir: Fs.mkdtempSync(Path.join("/tmp", "effect-slack-rtm-profiles-"))
  }
  measured = data

  if (only !== undefined) {
    for (const plan of plans.filter((plan) => only.includes(plan.id))) {
      log(`${plan.id}: ${plan.runs} runs of ${plan.variants.map((v) => v.label).join(", ")}`)
      await runPlan(built, port, plan, data.results)
    }
    return data
  }
  for (const plan of plans) {
    if (late(13)) {
      log(`${plan.id}: skipped, out of time`)
      continue
    }
    log(`${plan.id}: ${plan.runs} runs of ${plan.variants.map((v) => v.label).join(", ")}`)
    await runPlan(built, port, plan, data.results)
  }
  const spawned = spawnPlans(built)
  if (!late(13)) {
    log("cold start")
    const env = { SLACK_TOKEN: "xoxb-bench", SLACK_API_URL: `http://${host}:${port}/api/` }
    await runSpawned("cold", spawned.cold, env, data.results)
  }
  if (!late(13)) {
    log("slack-rtm --help")
    await runSpawned("help", spawned.help, {}, data.results)
  }
  if (!late(14)) {
    log("bundles and module graphs")
    const bundleDir = Path.join(built.root, "bundles")
    const entries: Record<string, string> = {
      "v4": Path.join(built.editions.v4.dir, "bench/minimal.js"),
      "v3": Path.join(built.editions.v3.dir, "bench/minimal.js"),
      "rtm-api": Path.join(built.editions.v4.dir, "bench/minimal-rtm-api.js"),
      "v4-help": Path.join(built.editions.v4.dir, "node_modules/effect-slack-rtm/dist/bin/slack-rtm.js"),
      "v3-help": Path.join(built.editions.v3.dir, "node_modules/effect-slack-rtm/dist/bin/slack-rtm.js")
    }
    for (const [label, entry] of Object.entries(entries)) {
      data.bundles[label] = await bundleSize(entry, bundleDir).catch((error: Error) => {
        log(`  bundle of ${label} failed: ${error.message}`)
        return undefined
      })
    }
  }
  log("profiles of the Effect 4 edition")
  Object.assign(data.profiles, await profileAll(built, port, data.profileDir))

  clearInterval(sampler)
  sampleLoad()
  killChildren()
  Fs.rmSync(built.root, { recursive: true, force: true })
  return finalize(data)
}

// ---------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------

/** A number out of a result, or `undefined`; `null` stays `null` (capped). */
const pick = (result: Result | undefined, path: ReadonlyArray<string>): number | null | undefined => {
  let current: unknown = result
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current === null ? null : typeof current === "number" ? current : undefined
}

/** Whose figures a row wants: an edition's, or the peer's. */
type Side = "v4" | "v3" | "peer"

/** The targets, one row each; then the report-only rows. */
const comparisons = (data: Data): { readonly targets: Array<Comparison>; readonly others: Array<Comparison> } => {
  /** One figure of a plan: the peer's under `peerLabel`, an edition's under its name plus `suffix`. */
  const fig = (plan: string, peerLabel: string, path: ReadonlyArray<string>, suffix = "") => (side: Side): Series =>
    (data.results[plan]?.[side === "peer" ? peerLabel : `${side}${suffix}`] ?? []).map((result) => pick(result, path))
  const size =
    (key: "minified" | "gzip") => (side: Side): Series => [data.bundles[side === "peer" ? "rtm-api" : side]?.[key]]
  const row = (
    label: string,
    unit: Unit,
    better: "higher" | "lower",
    peerName: string,
    figures: (side: Side) => Series,
    target?: Comparison["target"],
    cap?: number
  ): Comparison => ({
    label,
    unit,
    better,
    peerName,
    peer: figures("peer"),
    v4: figures("v4"),
    v3: figures("v3"),
    ...(target === undefined ? {} : { target }),
    ...(cap === undefined ? {} : { cap })
  })
  const ratio = (op: ">=" | "<=", value: number): Comparison["target"] => ({
    kind: "ratio",
    op,
    value,
    text: `${op === ">=" ? "≥" : "≤"} ${value}×`
  })
  const atMost = (value: number, text: string): Comparison["target"] => ({ kind: "absolute", op: "<=", value, text })
  const eps = ["eventsPerSecond"]
  const targets: Array<Comparison> = [
    row(
      "events/s, `Stream.runForEach`, every event validated",
      "perSecond",
      "higher",
      "rtm-api",
      fig("inbound", "rtm-api", eps),
      ratio(">=", 1.1)
    ),
    row(
      "events/s, `Stream.runForEach`, every event validated",
      "perSecond",
      "higher",
      "raw ws + JSON.parse",
      fig("inbound", "ws", eps),
      ratio(">=", 0.85)
    ),
    row(
      "heap per idle session, `Stream.runForEach` consumer",
      "bytes",
      "lower",
      "rtm-api",
      fig("memory", "rtm-api", ["heapPerSession"]),
      atMost(15_000, "≤ 15 KB")
    ),
    row(
      "peak RSS, slow consumer, 1.2 M-event blast",
      "bytes",
      "lower",
      "rtm-api",
      fig("blast", "rtm-api", ["memory", "maxRss"]),
      ratio("<=", 1)
    ),
    row("connect → hello, warm process", "ms", "lower", "rtm-api", fig("hello", "rtm-api", ["median"]), ratio("<=", 1)),
    row(
      "cold start, spawn → hello, installed package",
      "ms",
      "lower",
      "rtm-api",
      fig("cold", "rtm-api", ["wall"]),
      ratio("<=", 1.5)
    ),
    row("`slack-rtm --help`, spawn → exit", "ms", "lower", "node -e 0", fig("help", "node", ["wall"]), {
      kind: "budget",
      factor: 1.5,
      plus: 150,
      text: "≤ 1.5 × node -e 0 + 150 ms"
    }),
    row(
      "`rtm.connect` calls/s over fetch, c=1",
      "perSecond",
      "higher",
      "web-api 8",
      fig("connect", "web-api-8", ["c1", "callsPerSecond"]),
      ratio(">=", 1)
    ),
    row(
      "`rtm.connect` calls/s over fetch, c=64",
      "perSecond",
      "higher",
      "web-api 8",
      fig("connect", "web-api-8", ["c64", "callsPerSecond"]),
      ratio(">=", 1)
    ),
    row(
      "`rtm.connect` CPU per call, c=1",
      "micros",
      "lower",
      "web-api 8",
      fig("connect", "web-api-8", ["c1", "cpuMicrosPerCall"]),
      ratio("<=", 1)
    ),
    row(
      "`rtm.connect` CPU per call, c=64",
      "micros",
      "lower",
      "web-api 8",
      fig("connect", "web-api-8", ["c64", "cpuMicrosPerCall"]),
      ratio("<=", 1)
    ),
    row("first acked send", "ms", "lower", "rtm-api", fig("firstAck", "rtm-api", ["median"]), atMost(50, "≤ 50 ms")),
    row(
      "dropped socket → hello",
      "ms",
      "lower",
      "rtm-api",
      fig("recovery", "rtm-api", ["drop"]),
      atMost(100, "≤ 100 ms"),
      recoveryCapMs
    ),
    row(
      "silent server → hello (ping 2 s, pong 1 s)",
      "ms",
      "lower",
      "rtm-api",
      fig("recovery", "rtm-api", ["silent"]),
      atMost(3_500, "≤ 3.5 s (ping + pong + 0.5 s)"),
      recoveryCapMs
    )
  ]
  const others: Array<Comparison> = [
    row("events/s, chunk consumer", "perSecond", "higher", "rtm-api", fig("inbound", "rtm-api", eps, "-chunks")),
    row("events/s, chunk consumer", "perSecond", "higher", "raw ws + JSON.parse", fig("inbound", "ws", eps, "-chunks")),
    row(
      "events/s, pull loop (`Stream.toPull`)",
      "perSecond",
      "higher",
      "rtm-api",
      fig("inbound", "rtm-api", eps, "-pull")
    ),
    row(
      "heap per idle session, no consumer",
      "bytes",
      "lower",
      "rtm-api",
      fig("memory", "rtm-api", ["heapPerSession"], "-no-consumer")
    ),
    row(
      "heap per idle session, `Stream.runForEach` consumer",
      "bytes",
      "lower",
      "raw ws",
      fig("memory", "ws", ["heapPerSession"])
    ),
    row(
      "RSS per idle session, `Stream.runForEach` consumer",
      "bytes",
      "lower",
      "rtm-api",
      fig("memory", "rtm-api", ["rssPerSession"])
    ),
    row("events/s reaching the slow consumer", "perSecond", "higher", "rtm-api", fig("blast", "rtm-api", eps)),
    row(
      "`rtm.connect` calls/s, c=1",
      "perSecond",
      "higher",
      "web-api 7 (axios)",
      fig("connect", "web-api-7", ["c1", "callsPerSecond"])
    ),
    row(
      "`rtm.connect` calls/s, c=64",
      "perSecond",
      "higher",
      "web-api 7 (axios)",
      fig("connect", "web-api-7", ["c64", "callsPerSecond"])
    ),
    row(
      "`rtm.connect` calls/s, c=1",
      "perSecond",
      "higher",
      "raw undici",
      fig("connect", "undici", ["c1", "callsPerSecond"])
    ),
    row("cold start: imports evaluated (child's clock)", "ms", "lower", "rtm-api", fig("cold", "rtm-api", ["ready"])),
    row("bundle of the minimal program, minified", "bytes", "lower", "rtm-api", size("minified")),
    row("bundle of the minimal program, gzip", "bytes", "lower", "rtm-api", size("gzip"))
  ]
  return { targets, others }
}

/** A per-variant table of some figures of one plan: median (min–max) over runs. */
const variantTable = (
  data: Data,
  plan: string,
  columns: ReadonlyArray<
    { readonly title: string; readonly path: ReadonlyArray<string>; readonly unit?: Unit; readonly digits?: number }
  >
): string => {
  const lines = [
    `| variant | ${columns.map((c) => c.title).join(" | ")} |`,
    `|---|${columns.map(() => "---").join("|")}|`
  ]
  for (const [label, rows] of Object.entries(data.results[plan] ?? {})) {
    const cells = columns.map((column) => {
      const s = stats(rows.map((result) => pick(result, column.path)), recoveryCapMs)
      if (s === undefined) return "n/a"
      if (column.unit !== undefined) return formatStats(s, column.unit)
      const show = (x: number) => x.toFixed(column.digits ?? 0)
      return `${show(s.median)} (${show(s.min)}–${show(s.max)})`
    })
    lines.push(`| ${label} | ${cells.join(" | ")} |`)
  }
  return lines.join("\n")
}

const summaryTable = (summary: Summary | undefined, unit: "ms" | "bytes"): string => {
  if (summary === undefined) return "(no profile)"
  const show = (value: number) => (unit === "ms" ? `${value.toFixed(0)} ms` : `${(value / 1024 / 1024).toFixed(1)} MiB`)
  const lines = [
    `Total: ${show(summary.total)}.`,
    "",
    "| by module | share | | top functions (self) | share |",
    "|---|---|---|---|---|"
  ]
  const n = Math.max(summary.groups.length, summary.functions.length)
  const pct = (share: number) => `${(share * 100).toFixed(1)}%`
  for (let i = 0; i < n; i++) {
    const g = summary.groups[i]
    const f = summary.functions[i]
    lines.push(
      `| ${g ? `\`${g.name}\`` : ""} | ${g ? pct(g.share) : ""} | | ${f ? `\`${f.name}\`` : ""} | ${
        f ? pct(f.share) : ""
      } |`
    )
  }
  if (summary.ours !== undefined && summary.ours.length > 0) {
    lines.push(
      "",
      `Our functions by inclusive time (callees included): ${
        summary.ours.map((r) => `\`${r.name}\` ${pct(r.share)}`).join(", ")
      }.`
    )
  }
  return lines.join("\n")
}

/** Modules per package at start, per program; packages with fewer than 5 modules everywhere are summed in one row. */
const moduleTable = (data: Data): string => {
  const labels = ["v4", "v3", "rtm-api", "v4-help", "v3-help"].filter((label) => data.bundles[label] !== undefined)
  const packages = new Set<string>()
  for (const label of labels) for (const name of Object.keys(data.bundles[label]!.packages)) packages.add(name)
  const entryOf = (label: string, name: string) => data.bundles[label]!.packages[name]
  const small = (name: string) => labels.every((label) => (entryOf(label, name)?.modules ?? 0) < 5)
  const cell = (entry: { readonly modules: number; readonly bytes: number } | undefined) =>
    entry === undefined || entry.modules === 0 ? "" : `${entry.modules} (${format(entry.bytes, "bytes")})`
  const lines = [`| package | ${labels.join(" | ")} |`, `|---|${labels.map(() => "---").join("|")}|`]
  for (const name of [...packages].sort()) {
    if (!small(name)) lines.push(`| ${name} | ${labels.map((label) => cell(entryOf(label, name))).join(" | ")} |`)
  }
  const rest = labels.map((label) => {
    const sum = { modules: 0, bytes: 0 }
    for (const name of packages) {
      const entry = entryOf(label, name)
      if (small(name) && entry !== undefined) {
        sum.modules += entry.modules
        sum.bytes += entry.bytes
      }
    }
    return cell(sum)
  })
  lines.push(`| packages with fewer than 5 modules each | ${rest.join(" | ")} |`)
  lines.push(`| **all** | ${labels.map((label) => `**${data.bundles[label]!.modules}**`).join(" | ")} |`)
  return lines.join("\n")
}

/** Writes `BENCHMARKS.md` (at the repository root) and `bench/results.svg`. */
const write = (data: Data) => {
  const { others, targets } = comparisons(data)
  const svg = chart(
    targets,
    `effect-slack-rtm, both editions: targets, ${data.date.slice(0, 10)}, one machine, one run`
  )
  Fs.writeFileSync(Path.join(benchDir, "results.svg"), `${svg}\n`)
  const analysisFile = Path.join(benchDir, "analysis.md")
  const analysis = Fs.existsSync(analysisFile)
    ? Fs.readFileSync(analysisFile, "utf8").trim()
    : "(bench/analysis.md is missing)"
  const p = data.profiles
  const plan = (id: string) => plans.find((candidate) => candidate.id === id)!
  const md = `# Benchmarks

Written by \`npm run bench\` (\`packages/effect-slack-rtm/bench/run.ts\`) on ${data.date}; the suite took ${
    data.minutes.toFixed(1)
  } minutes.
Every figure below comes from this one run of the suite on this one machine; do not compare
them with figures from another run. The chart is [\`packages/effect-slack-rtm/bench/results.svg\`](packages/effect-slack-rtm/bench/results.svg);
the raw figures are in \`packages/effect-slack-rtm/bench/results.json\`.

![ratios](packages/effect-slack-rtm/bench/results.svg)

## Targets

The targets are for the Effect 4 edition (\`packages/effect-slack-rtm\`); the Effect 3 edition
(\`packages/effect-slack-rtm-effect3\`) is measured in the same run and judged by the same targets for reference.
Each figure is the median over runs (min–max); each ratio is the edition in run *i* over the peer in run *i*,
median (min–max) of those per-run ratios. A \`>\` marks a lower bound (the run hit its ${recoveryCapMs / 1000} s cap).

${table(targets)}

## Set-up

- Machine: ${data.machine}. Clients and server on Node ${data.node}.
- Checkout: \`${data.git.commit}\`${
    data.git.dirty.length > 0
      ? `, with uncommitted changes in \`src/\` at the time of the run: \`${data.git.dirty.join("`, `")}\``
      : ", both `src/` clean"
  }.
- **The editions** are each compiled by \`tsc\` with their own \`tsconfig.build.json\` into a temp dir outside the repository,
  as an installed package (\`node_modules/effect-slack-rtm\`) beside links to the packages that edition resolves
  (${Object.entries(data.versions).map(([name, version]) => `${name} ${version}`).join(", ")}), and run on plain
  \`node\`. The clients (\`bench/*.ts\`) are transpiled file by file with esbuild; each edition's side of them is its own
  \`bench/ours.ts\`, and the Effect 4 one imports Effect's modules by path. ${
    Object.entries(data.tscErrors).filter(([, errors]) => errors !== "").map(([edition, errors]) =>
      `tsc reported type errors for ${edition} (it emitted anyway):\n\n\`\`\`\n${errors.slice(0, 1_500)}\n\`\`\`\n`
    ).join("") || "tsc reported no errors."
  }
- The fake server (\`bench/server.ts\`) is a separate process${
    data.pinned ? " pinned to CPU 1 (`taskset -c 1`); every client process is pinned to CPU 0" : " (no pinning)"
  }.
  All traffic is HTTP and WebSocket on ${host}. Each client is its own process; the same server, payloads and settings serve every client.
- Order: runs are interleaved (A B C, A B C, …); each process warms up before it times.
- Load: ${data.load[0].toFixed(2)}–${data.load[1].toFixed(2)} (1-minute load average, sampled every 5 s).
${
    data.others.length > 0
      ? `- **Other work was running on the machine during the run**, so absolute figures are noisy; the interleaving,
  per-run ratios and CPU-time columns are there to make the comparisons survive it. Processes outside the suite
  seen above 10% CPU (highest %CPU seen):\n${
        data.others.map(([name, pcpu]) => `  - \`${name}\` (${pcpu.toFixed(0)}%)`).join("\n")
      }`
      : "- No other process was seen above 10% CPU during the run."
  }

## Other comparisons (no target)

${table(others)}

## Per client (median, min–max over runs)

**Inbound events per second** — ${
    plan("inbound").runs
  } runs; 20,000 warm-up events, then 100,000 timed ~300-byte \`message\` events,
blasted as fast as the socket drains, 2 s after \`hello\` in every variant (when \`@slack/rtm-api\` becomes "ready"), so that
start-up JIT and GC work is over. \`v4\`/\`v3\` consume with \`Stream.runForEach\` (an Effect per event), \`-chunks\` one chunk at a time,
\`-pull\` with a loop over \`Stream.toPull\` (an Effect per event).
\`dropped\`: events the session's bounded buffer (10,000) dropped because the consumer fell behind; they end the window but
do not count as delivered. \`CPU µs/event\`: the client's CPU time over the window per delivered event.

${
    variantTable(data, "inbound", [
      { title: "events/s", path: ["eventsPerSecond"], unit: "perSecond" },
      { title: "CPU µs/event", path: ["cpuMicrosPerEvent"], digits: 2 },
      { title: "dropped", path: ["dropped"] },
      { title: "server CPU", path: ["serverCpuShare"], digits: 2 }
    ])
  }

**Slow consumer, 1.2 M-event blast** — ${
    plan("blast").runs
  } runs; the consumer spends 5 µs of CPU on each event (the same
busy loop in every variant), so it cannot keep up. \`@slack/rtm-api\` calls it on the socket's callback, so TCP
backpressure slows the server; our sessions pause their socket once 512 events wait and read again when the
consumer has taken three quarters of them, so TCP backpressure slows the server too (anything dropped would be
reported as \`events_dropped\` and counted here). Peak RSS is \`process.resourceUsage().maxRSS\`; the other peaks are sampled every 20 ms.

${
    variantTable(data, "blast", [
      { title: "peak RSS", path: ["memory", "maxRss"], unit: "bytes" },
      { title: "RSS before", path: ["memory", "rssBefore"], unit: "bytes" },
      { title: "peak heap used", path: ["memory", "heapUsed"], unit: "bytes" },
      { title: "peak heap total", path: ["memory", "heapTotal"], unit: "bytes" },
      { title: "peak external", path: ["memory", "external"], unit: "bytes" },
      { title: "received", path: ["received"] },
      { title: "dropped", path: ["dropped"] },
      { title: "seconds", path: ["seconds"], digits: 1 }
    ])
  }

**\`rtm.connect\` calls per second** — ${
    plan("connect").runs
  } runs; 200 warm-up calls, then 1 s timed, per concurrency; retries off;
ours over \`Slack.layer\` (\`fetch\`). \`CPU µs/call\`: the client's CPU time per call, which other load disturbs less than wall time.

${
    variantTable(data, "connect", [
      { title: "c1 calls/s", path: ["c1", "callsPerSecond"], unit: "perSecond" },
      { title: "c1 CPU/call", path: ["c1", "cpuMicrosPerCall"], unit: "micros" },
      { title: "c64 calls/s", path: ["c64", "callsPerSecond"], unit: "perSecond" },
      { title: "c64 CPU/call", path: ["c64", "cpuMicrosPerCall"], unit: "micros" },
      { title: "server CPU", path: ["serverCpuShare"], digits: 2 }
    ])
  }

**Memory per idle session** — ${
    plan("memory").runs
  } runs; 300 sessions in one process, keepalive on, each with an event consumer
(\`-no-consumer\`: none); ours share one \`Slack.layer\`, each \`RTMClient\` has its own \`WebClient\` (the package's design);
growth over a one-session baseline after \`gc()\`, divided by 300.

${
    variantTable(data, "memory", [
      { title: "heap/session", path: ["heapPerSession"], unit: "bytes" },
      { title: "RSS/session", path: ["rssPerSession"], unit: "bytes" },
      { title: "baseline heap", path: ["baseline", "heapUsed"], unit: "bytes" },
      { title: "baseline RSS", path: ["baseline", "rss"], unit: "bytes" }
    ])
  }

**Connect → \`hello\` in a warm process** — ${
    plan("hello").runs
  } runs; per run the median of 10 sessions after one untimed, one after
the other. Phases, on the wall clock both processes share: \`request\` open → the server sees \`rtm.connect\`; \`upgrade\` → the
server sees the WebSocket upgrade; \`hello\` → the \`hello\` event reaches the consumer.

${
    variantTable(data, "hello", [
      { title: "connect → hello", path: ["median"], unit: "ms" },
      { title: "request", path: ["phases", "request"], unit: "ms" },
      { title: "upgrade", path: ["phases", "upgrade"], unit: "ms" },
      { title: "hello", path: ["phases", "hello"], unit: "ms" }
    ])
  }

**Fresh processes** — ${
    data.results["cold"]?.["v4"]?.length ?? 0
  } runs × 3 processes each (median per run), interleaved, after one untimed start of each; wall time
seen by the parent from \`spawn\`; each process has exited before the next starts. Cold start runs \`bench/minimal.ts\` (a minimal \`connect + events\` program importing the installed
package; \`minimal-rtm-api.ts\` for the peer) to its \`hello\`; \`imports\` and \`hello (child)\` are the child's own clock (ms since
its process started) when its imports were evaluated and at \`hello\`. \`--help\` runs the installed \`dist/bin/slack-rtm.js --help\` to its exit.

${
    variantTable(data, "cold", [
      { title: "spawn → hello", path: ["wall"], unit: "ms" },
      { title: "imports", path: ["ready"], unit: "ms" },
      { title: "hello (child)", path: ["hello"], unit: "ms" }
    ])
  }

${variantTable(data, "help", [{ title: "spawn → exit", path: ["wall"], unit: "ms" }])}

**Modules loaded at start** (the static import graph from the entry, dynamic \`import()\` left out, from esbuild's metafile;
modules and source bytes per package; bundles are esbuild \`--bundle --minify --platform=node --format=esm\`) of the
minimal programs and of \`slack-rtm\` (\`-help\`):

${moduleTable(data)}

**First acked send** — ${
    plan("firstAck").runs
  } runs; per run the median of 3 sessions after one untimed. rtm-api holds every send until 2 s after \`hello\`.

${variantTable(data, "firstAck", [{ title: "open → ack", path: ["median"], unit: "ms" }])}

**Recovery** — ${
    plan("recovery").runs
  } runs; ping every 2 s, pong timeout 1 s for all; fault at 2.2 s after \`hello\`; time from the server's
last frame (\`bench_mark\`) to the next \`hello\`; capped at ${
    recoveryCapMs / 1000
  } s. Ours get \`stableAfter: 2 s\` so that the backoff starts over between faults.

${
    variantTable(data, "recovery", [
      { title: "drop", path: ["drop"], unit: "ms" },
      { title: "silent", path: ["silent"], unit: "ms" }
    ])
  }

## Profiles of the Effect 4 edition (this run)

Self time per module and per function (\`node --cpu-prof\`, only the samples inside the timed window, \`(idle)\` excluded),
then our own functions by inclusive time. The profile files are kept in \`${data.profileDir}\` until the machine is cleaned.

**Inbound, \`Stream.runForEach\`, CPU** (200,000 timed events):

${summaryTable(p["inboundCpu"], "ms")}

**Inbound, allocations** (V8 sampling heap profiler over the timed window, every 16 KiB, objects already collected included;
bytes allocated by the function itself):

${summaryTable(p["inboundAlloc"], "bytes")}

**Slow consumer, 1.2 M-event blast, CPU**:

${summaryTable(p["blastCpu"], "ms")}

**Idle sessions, what they keep** (sampling heap profiler from the baseline to the end, every 4 KiB, live objects only:
which functions allocated the memory 300 idle sessions with consumers still hold):

${summaryTable(p["memoryRetained"], "bytes")}

**Connect → \`hello\`, warm, CPU** (20 sessions):

${summaryTable(p["helloCpu"], "ms")}

**\`rtm.connect\` over fetch, CPU, c=1**:

${summaryTable(p["connectC1Cpu"], "ms")}

**\`rtm.connect\` over fetch, CPU, c=64**:

${summaryTable(p["connectC64Cpu"], "ms")}

**Cold start, CPU** (the whole process of \`bench/minimal.js\`):

${summaryTable(p["coldCpu"], "ms")}

**\`slack-rtm --help\`, CPU** (the whole process):

${summaryTable(p["helpCpu"], "ms")}

## Analysis

${analysis}
`
  Fs.writeFileSync(Path.join(repoRoot, "BENCHMARKS.md"), md)
}

const main = async () => {
  if (process.argv.includes("--report")) {
    write(JSON.parse(Fs.readFileSync(resultsFile, "utf8")) as Data)
    log("rewrote BENCHMARKS.md and bench/results.svg from bench/results.json")
    return
  }
  const suiteDeadline = setTimeout(() => {
    console.error("the suite ran for 14.8 minutes; stopping, and writing what it measured")
    killChildren()
    if (measured !== undefined) {
      const data = finalize(measured)
      Fs.writeFileSync(resultsFile, `${JSON.stringify(data, null, 1)}\n`)
      write(data)
    }
    process.exit(2)
  }, 14.8 * 60_000)
  suiteDeadline.unref()
  process.on("exit", killChildren)
  const data = await measure()
  if (only !== undefined) {
    console.log(JSON.stringify(data.results, null, 1))
    return
  }
  Fs.writeFileSync(resultsFile, `${JSON.stringify(data, null, 1)}\n`)
  write(data)
  log(`wrote BENCHMARKS.md, bench/results.svg and bench/results.json in ${data.minutes.toFixed(1)} minutes`)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    killChildren()
    process.exit(1)
  }
)
