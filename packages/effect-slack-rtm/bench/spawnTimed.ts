/**
 * Benchmarks 6 and 7: a fresh process, timed from the parent.
 *
 * - Cold start: `node minimal.js` (or `minimal-rtm-api.js`) until its
 *   `HELLO` line; the child also prints `READY <ms>` when its imports are
 *   evaluated and `HELLO <ms>`, both in ms since its own start.
 * - `slack-rtm --help`, and `node -e 0` beside it: until the process exits
 *   with code 0.
 *
 * Called by the runner, which interleaves the variants.
 *
 * @since 1.0.0
 */
import { spawn } from "node:child_process"

/**
 * One timed process: the wall time the parent saw, and the `READY` and
 * `HELLO` times the child printed (`undefined` when it printed none).
 *
 * @since 1.0.0
 */
export interface Timed {
  readonly wallMillis: number
  readonly readyMillis: number | undefined
  readonly helloMillis: number | undefined
}

/**
 * Runs `command` (the first element is the program) and times it until its
 * output matches `until`, or, with `until` `"exit"`, until it exits with
 * code 0. Resolves only once the child has exited (it is killed a second
 * after its mark if it lingers), so that a process tearing down its heap
 * never overlaps the next one on the same core. Rejects on any other exit,
 * or after `timeoutMs`, killing the child.
 *
 * @since 1.0.0
 */
export const spawnTimed = (
  command: ReadonlyArray<string>,
  env: Record<string, string>,
  until: RegExp | "exit",
  timeoutMs = 15_000
): Promise<Timed> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command[0]!, command.slice(1), {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    let wallMillis: number | undefined
    let failure: Error | undefined
    /** Stops the clock once; the promise settles only when the child has gone, so that it cannot slow the next one. */
    const stop = (error: Error | undefined) => {
      if (wallMillis !== undefined || failure !== undefined) return
      if (error !== undefined) failure = error
      else wallMillis = performance.now() - started
      // A program that reached its mark but lingers is given a second to exit.
      setTimeout(() => child.kill("SIGKILL"), error === undefined ? 1_000 : 0).unref()
    }
    const timer = setTimeout(() => stop(new Error(`${command.slice(-2).join(" ")} timed out`)), timeoutMs)
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString()
      if (until !== "exit" && until.test(output)) stop(undefined)
    })
    child.stderr.on("data", (data: Buffer) => void (output = (output + data.toString()).slice(-4_000)))
    child.on("exit", (code) => {
      clearTimeout(timer)
      if (until === "exit" && code === 0) stop(undefined)
      else stop(new Error(`${command.slice(-2).join(" ")} exited with ${code}: ${output.slice(-300)}`))
      if (wallMillis === undefined) return reject(failure)
      const number = (pattern: RegExp) => {
        const match = pattern.exec(output)
        return match === null ? undefined : Number(match[1])
      }
      resolve({ wallMillis, readyMillis: number(/READY ([\d.]+)/), helloMillis: number(/HELLO ([\d.]+)/) })
    })
  })
