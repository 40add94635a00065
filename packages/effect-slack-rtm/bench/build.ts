/**
 * Builds what the benchmarks run into a temporary directory outside the
 * repository, one directory per edition, so that every client runs on
 * plain `node` with no loader, against the package as it would be
 * installed:
 *
 * ```
 * <tmp>/v4/node_modules/effect-slack-rtm/{package.json,dist/}   tsc -p packages/effect-slack-rtm/tsconfig.build.json
 * <tmp>/v4/node_modules/<every other package>                   links into the root node_modules (effect 4)
 * <tmp>/v4/bench/*.js                                           bench/*.ts, transpiled file by file with esbuild
 * <tmp>/v3/node_modules/effect-slack-rtm/…                      the Effect 3 edition, under the name users install it as
 * <tmp>/v3/node_modules/<…>                                     the same links, overlaid with that package's own
 *                                                               node_modules (effect 3, @effect/platform)
 * <tmp>/v3/bench/*.js                                           the same clients, with that edition's ours.ts and minimal.ts
 * ```
 *
 * @since 1.0.0
 */
import * as esbuild from "esbuild"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

/**
 * The editions, by the name the runner uses.
 *
 * @since 1.0.0
 */
export type EditionName = "v4" | "v3"

/**
 * One built edition.
 *
 * @since 1.0.0
 */
export interface Edition {
  /** The edition's directory: `bench/` and `node_modules/` are in it. */
  readonly dir: string
  /** The package's directory in the repository. */
  readonly packageDir: string
  /** Type errors `tsc` reported (it emits anyway); empty when clean. */
  readonly tscErrors: string
}

/**
 * What the build produced.
 *
 * @since 1.0.0
 */
export interface Build {
  /** The temporary directory. */
  readonly root: string
  readonly editions: Record<EditionName, Edition>
  readonly millis: number
}

/** Entries of the root `node_modules` that are not linked: the workspaces themselves, and npm's own files. */
const skip = new Set(["effect-slack-rtm", "effect-slack-rtm-effect3", ".bin", ".package-lock.json", ".cache"])

/** Links every package in `from` into `to`, replacing links already there; scopes become real directories. */
const linkPackages = (from: string, to: string) => {
  Fs.mkdirSync(to, { recursive: true })
  for (const name of Fs.readdirSync(from)) {
    if (skip.has(name)) continue
    const source = Path.join(from, name)
    const target = Path.join(to, name)
    if (name.startsWith("@")) {
      linkPackages(source, target)
    } else {
      Fs.rmSync(target, { force: true })
      Fs.symlinkSync(source, target, "dir")
    }
  }
}

/** Runs `tsc` and resolves with its output and status. */
const tsc = (root: string, cwd: string, outDir: string): Promise<{ status: number | null; output: string }> =>
  new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [Path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", outDir],
      { cwd, stdio: ["ignore", "pipe", "pipe"] }
    )
    let output = ""
    child.stdout.on("data", (data: Buffer) => void (output += data.toString()))
    child.stderr.on("data", (data: Buffer) => void (output += data.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000)
    child.on("exit", (status) => {
      clearTimeout(timer)
      resolve({ status, output: output.trim() })
    })
  })

/** Transpiles `files` (`.ts`) into `outDir`, one `.js` each. */
const transpile = (files: ReadonlyArray<string>, outDir: string) =>
  esbuild.build({
    entryPoints: [...files],
    outdir: outDir,
    bundle: false,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "error"
  })

/** Builds one edition into `<root>/<name>`. */
const buildEdition = async (
  repoRoot: string,
  root: string,
  name: EditionName,
  packageDir: string,
  benchFiles: ReadonlyArray<string>
): Promise<Edition> => {
  const dir = Path.join(root, name)
  const modules = Path.join(dir, "node_modules")
  linkPackages(Path.join(repoRoot, "node_modules"), modules)
  if (name === "v3") linkPackages(Path.join(packageDir, "node_modules"), modules)
  const installed = Path.join(modules, "effect-slack-rtm")
  Fs.mkdirSync(installed, { recursive: true })
  Fs.copyFileSync(Path.join(packageDir, "package.json"), Path.join(installed, "package.json"))
  Fs.writeFileSync(Path.join(dir, "package.json"), JSON.stringify({ type: "module", private: true }))
  const compiled = await tsc(repoRoot, packageDir, Path.join(installed, "dist"))
  if (!Fs.existsSync(Path.join(installed, "dist/index.js"))) {
    throw new Error(`tsc emitted nothing for ${name} (status ${compiled.status}):\n${compiled.output}`)
  }
  await transpile(benchFiles, Path.join(dir, "bench"))
  if (name === "v3") {
    await transpile(
      ["ours.ts", "minimal.ts"].map((file) => Path.join(packageDir, "bench", file)),
      Path.join(dir, "bench")
    )
  }
  return { dir, packageDir, tscErrors: compiled.status === 0 ? "" : compiled.output }
}

/**
 * Builds both editions, in parallel, into a new directory under `/tmp`.
 * `benchDir` is `packages/effect-slack-rtm/bench`. Fails if `tsc` emits
 * nothing for an edition.
 *
 * @since 1.0.0
 */
export const build = async (benchDir: string): Promise<Build> => {
  const started = performance.now()
  const repoRoot = Path.resolve(benchDir, "../../..")
  const root = Fs.mkdtempSync(Path.join("/tmp", "effect-slack-rtm-bench-"))
  const benchFiles = Fs.readdirSync(benchDir).filter((name) => name.endsWith(".ts")).map((name) =>
    Path.join(benchDir, name)
  )
  const [v4, v3] = await Promise.all([
    buildEdition(repoRoot, root, "v4", Path.join(repoRoot, "packages/effect-slack-rtm"), benchFiles),
    buildEdition(repoRoot, root, "v3", Path.join(repoRoot, "packages/effect-slack-rtm-effect3"), benchFiles)
  ])
  return { root, editions: { v4, v3 }, millis: performance.now() - started }
}
