import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import * as Path from "node:path"

describe("clean shutdown", () => {
  it("a program that opens a session and closes its scope exits by itself, with no open handles", async () => {
    const script = Path.join(import.meta.dirname, "fixtures/clean-exit.ts")
    const started = Date.now()
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ["--import", "tsx", script],
        { timeout: 20_000 },
        (error, stdout) => resolve({ code: error ? (error.code as number | null ?? -1) : 0, stdout })
      )
      child.stdin?.end()
    })
    expect(stdout).toContain("received 2 events")
    expect(code).toBe(0)
    const resources = JSON.parse(stdout.match(/open resources: (.*)/)?.[1] ?? "null") as Array<string>
    expect(resources.filter((name) => /TCP|Timeout|Pipe(?!Wrap)|Timer/.test(name))).toEqual([])
    expect(Date.now() - started).toBeLessThan(20_000)
  })
})
