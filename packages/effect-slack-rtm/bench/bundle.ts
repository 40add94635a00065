/**
 * Benchmark 11: bundle size of the minimal `connect + events` program, and
 * the module graph a program loads at start.
 *
 * esbuild bundles the built program (bundled, minified, platform node, ESM
 * output), then gzip (level 9). `ws`'s optional native add-ons
 * (`bufferutil`, `utf-8-validate`) are left external. From the metafile,
 * the modules reachable from the entry through static imports only: what
 * Node loads before the program's first line runs (a dynamic `import()`
 * loads later, if ever). The runner reports them per package.
 *
 * @since 1.0.0
 */
import * as esbuild from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Zlib from "node:zlib"

/**
 * The sizes of one bundle, in bytes, and its modules per package (source
 * bytes before minifying).
 *
 * @since 1.0.0
 */
export interface BundleSize {
  readonly minified: number
  readonly gzip: number
  /** Modules loaded at start (static imports only). */
  readonly modules: number
  readonly packages: Record<string, { readonly modules: number; readonly bytes: number }>
}

/** The package a bundled file belongs to: the name after its last `node_modules/`. */
const packageOf = (file: string): string => {
  const at = file.lastIndexOf("node_modules/")
  if (at < 0) return "(program)"
  const parts = file.slice(at + "node_modules/".length).split("/")
  return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!
}

/**
 * Bundles `entry` (a built `.js` file) into `outDir` and measures it.
 *
 * @since 1.0.0
 */
export const bundleSize = async (entry: string, outDir: string): Promise<BundleSize> => {
  const file = Path.join(outDir, `${Path.basename(Path.dirname(entry))}-${Path.basename(entry, ".js")}.bundle.mjs`)
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    minify: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["bufferutil", "utf-8-validate"],
    metafile: true,
    logLevel: "error"
  })
  const { inputs } = result.metafile
  const start = Path.relative(process.cwd(), Fs.realpathSync(entry))
  const seen = new Set<string>()
  const walk = [start]
  while (walk.length > 0) {
    const name = walk.pop()!
    if (seen.has(name) || inputs[name] === undefined) continue
    seen.add(name)
    for (const imported of inputs[name]!.imports) if (imported.kind !== "dynamic-import") walk.push(imported.path)
  }
  const packages: Record<string, { modules: number; bytes: number }> = {}
  for (const name of seen) {
    const row = (packages[packageOf(name)] ??= { modules: 0, bytes: 0 })
    row.modules++
    row.bytes += inputs[name]!.bytes
  }
  const bytes = Fs.readFileSync(file)
  return { minified: bytes.length, gzip: Zlib.gzipSync(bytes, { level: 9 }).length, modules: seen.size, packages }
}
