/**
 * Benchmark 7: bundle size of the minimal `connect + events` program
 * (`minimal-ours.ts`, `minimal-rtm-api.ts`): esbuild, bundled, minified,
 * platform node, CommonJS output, then gzip (level 9). `ws`'s optional
 * native add-ons (`bufferutil`, `utf-8-validate`) are left external for both.
 *
 * @since 0.1.0
 */
import * as esbuild from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Zlib from "node:zlib"

/**
 * The sizes of one bundle, in bytes; `file` is where it was written.
 *
 * @since 0.1.0
 */
export interface BundleSize {
  readonly minified: number
  readonly gzip: number
  readonly file: string
}

/**
 * Bundles `entry` (a path in the repository) into `outDir` and measures it.
 *
 * @since 0.1.0
 */
export const bundleSize = async (entry: string, outDir: string): Promise<BundleSize> => {
  const file = Path.join(outDir, `${Path.basename(entry, ".ts")}.bundle.cjs`)
  await esbuild.build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    minify: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["bufferutil", "utf-8-validate"],
    logLevel: "error"
  })
  const bytes = Fs.readFileSync(file)
  return { minified: bytes.length, gzip: Zlib.gzipSync(bytes, { level: 9 }).length, file }
}
