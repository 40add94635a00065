/**
 * Benchmark 6: cold start, process start → import → first `hello`.
 *
 * Spawns one fresh `node` process running a minimal program
 * (`minimal-ours.js` or `minimal-rtm-api.js`, built into the temp dir) and
 * measures, from the parent, the wall time from `spawn` to the program's
 * `HELLO` line. The child also reports its own `performance.now()` at
 * `hello` (time since its process started). Called by the runner, which
 * interleaves the variants.
 *
 * @since 0.1.0
 */
import { spawn } from "node:child_process"
import * as Path from "node:path"
import { apiUrl, token } from "./common.js"

/**
 * One cold start: `wallMillis` seen by the parent, `childMillis` reported
 * by the child.
 *
 * @since 0.1.0
 */
export interface ColdStart {
  readonly wallMillis: number
  readonly childMillis: number
}

/**
 * Runs one cold start of `variant` (`ours` or `rtm-api`) against the
 * server on `port`. `prefix` is the command line before `node` (such as
 * `["taskset", "-c", "0"]`). Rejects after `timeoutMs`, killing the child.
 *
 * @since 0.1.0
 */
export const coldStart = (
  dir: string,
  variant: "ours" | "rtm-api",
  port: number,
  prefix: ReadonlyArray<string>,
  timeoutMs = 15_000
): Promise<ColdStart> =>
  new Promise((resolve, reject) => {
    const script = Path.join(dir, "bench", variant === "ours" ? "minimal-ours.js" : "minimal-rtm-api.js")
    const command = [...prefix, process.execPath, script]
    const started = performance.now()
    const child = spawn(command[0]!, command.slice(1), {
      env: { ...process.env, SLACK_TOKEN: token, SLACK_API_URL: apiUrl(port) },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    let settled = false
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      child.kill("SIGKILL")
      reject(new Error(`cold start of ${variant} timed out`))
    }, timeoutMs)
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString()
      const match = /HELLO ([\d.]+)/.exec(output)
      if (match !== null && !settled) {
        settled = true
        clearTimeout(timer)
        resolve({ wallMillis: performance.now() - started, childMillis: Number(match[1]) })
      }
    })
    child.on("exit", (code) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      reject(new Error(`cold start of ${variant} exited with ${code} before hello: ${output.slice(-300)}`))
    })
  })
