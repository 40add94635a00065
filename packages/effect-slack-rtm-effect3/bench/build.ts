/**
 * Builds what the benchmarks run into a temporary directory outside the
 * repository, so that every client runs on plain `node` with no loader:
 *
 * - `src/` with `npx tsc -p tsconfig.build.json --outDir <dir>/src`;
 * - `bench/*.ts` transpiled file by file (not bundled) with esbuild;
 * - `<dir>/node_modules` a symlink to the repository's, and a
 *   `package.json` with `"type": "module"`.
 *
 * @since 0.1.0
 */
import * as esbuild from "esbuild"
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

/**
 * What the build produced.
 *
 * @since 0.1.0
 */
export interface Build {
  /** The temporary directory. */
  readonly dir: string
  /** Type errors `tsc` reported (it emits anyway); empty when clean. */
  readonly tscErrors: string
  readonly millis: number
}

/**
 * Builds into a new directory under the OS temp dir. Fails if `tsc` emits
 * nothing.
 *
 * @since 0.1.0
 */
export const build = async (repo: string): Promise<Build> => {
  const started = performance.now()
  const dir = Fs.mkdtempSync(Path.join("/tmp", "effect-slack-rtm-bench-"))
  const tsc = spawnSync(
    process.execPath,
    [Path.join(repo, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", Path.join(dir, "src")],
    { cwd: repo, encoding: "utf8", timeout: 180_000 }
  )
  if (!Fs.existsSync(Path.join(dir, "src/index.js"))) {
    throw new Error(`tsc emitted nothing (status ${tsc.status}):\n${tsc.stdout}${tsc.stderr}`)
  }
  const benchDir = Path.join(repo, "bench")
  const entryPoints = Fs.readdirSync(benchDir).filter((name) => name.endsWith(".ts")).map((name) =>
    Path.join(benchDir, name)
  )
  await esbuild.build({
    entryPoints,
    outdir: Path.join(dir, "bench"),
    bundle: false,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "error"
  })
  Fs.symlinkSync(Path.join(repo, "node_modules"), Path.join(dir, "node_modules"), "dir")
  Fs.writeFileSync(Path.join(dir, "package.json"), JSON.stringify({ type: "module", private: true }))
  return { dir, tscErrors: tsc.status === 0 ? "" : `${tsc.stdout}${tsc.stderr}`.trim(), millis: performance.now() - started }
}
