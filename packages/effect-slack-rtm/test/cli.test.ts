import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { execFile, spawn } from "node:child_process"
import * as Net from "node:net"
import * as Path from "node:path"
import { parse } from "../src/bin/cli.js"
import * as FakeSlack from "../src/testing/FakeSlack.js"

const entry = Path.resolve(import.meta.dirname, "../src/bin/slack-rtm.ts")

/** Runs the main program in a child process and collects what it printed. */
const runCli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const { SLACK_TOKEN: _, SLACK_API_URL: __, ...rest } = process.env
    execFile(process.execPath, ["--import", "tsx", entry, ...args], {
      timeout: 30_000,
      env: { ...rest, ...env }
    }, (error, stdout, stderr) => resolve({ code: error ? (error.code as number | null ?? -1) : 0, stdout, stderr }))
  })

/** A port on 127.0.0.1 with nothing listening: bound, then closed. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = Net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as Net.AddressInfo
      server.close(() => resolve(port))
    })
  })

/** The one line a failed run prints on stderr. */
const oneLine = (stderr: string) => {
  expect(stderr.trim().split("\n")).toHaveLength(1)
  expect(stderr).toMatch(/^slack-rtm: /)
}

describe("slack-rtm command line", () => {
  it("reads its flags", () => {
    expect(parse(["--json", "--duration", "3"])).toEqual(
      Result.succeed({ json: true, duration: Duration.seconds(3), live: false, help: false })
    )
    expect(Result.isSuccess(parse(["--duration=2.5", "--live"]))).toBe(true)
    expect(Result.isFailure(parse(["--duration", "-1"]))).toBe(true)
    expect(Result.isFailure(parse(["--duration"]))).toBe(true)
    expect(Result.isFailure(parse(["--frobnicate"]))).toBe(true)
  })

  it("a bad flag or a live run without a token is a one-line error and exit code 2", async () => {
    for (const args of [["--frobnicate"], ["--live"], ["--duration", "soon"]]) {
      const { code, stderr, stdout } = await runCli(args)
      expect(code).toBe(2)
      expect(stderr.trim().split("\n")).toHaveLength(1)
      expect(stderr).toMatch(/^slack-rtm: /)
      expect(stdout).toBe("")
    }
  })

  it("the demo shows events, acked replies, both reconnects and a summary", async () => {
    const { code, stdout } = await runCli(["--json", "--duration", "5"])
    expect(code).toBe(0)
    const lines = stdout.trim().split("\n").map((line) => JSON.parse(line))
    const summary = lines.at(-1)
    expect(summary.kind).toBe("summary")
    expect(summary.sendsAcked).toBeGreaterThanOrEqual(2)
    expect(summary.reconnects.map((r: { reason: string }) => r.reason)).toEqual(["goodbye", "closed"])
    expect(summary.eventsByType.message).toBeGreaterThanOrEqual(5)
    expect(summary.pingRoundTripMillis).toBeGreaterThanOrEqual(0)
    expect(lines.filter((line) => line.kind === "ack").length).toBe(summary.sendsAcked)
  })

  it.live("with SLACK_TOKEN it tails that Slack until Ctrl-C, then closes cleanly", () =>
    Effect.gen(function*() {
      const fake = yield* FakeSlack.FakeSlack
      const result = yield* Effect.promise(() =>
        new Promise<{ code: number | null; stdout: string }>((resolve) => {
          const { SLACK_TOKEN: _, SLACK_API_URL: __, ...rest } = process.env
          const child = spawn(process.execPath, ["--import", "tsx", entry], {
            env: { ...rest, SLACK_TOKEN: Redacted.value(fake.token), SLACK_API_URL: fake.apiUrl }
          })
          let stdout = ""
          let step: "connecting" | "pushed" | "stopped" = "connecting"
          child.stdout.on("data", (chunk: Buffer) => {
            stdout += chunk.toString()
            if (step === "connecting" && stdout.includes("connected as")) {
              step = "pushed"
              fake.push({ type: "message", channel: "C1", user: "U1", text: "live one", ts: "1.000001" })
                .pipe(Effect.runSync)
            }
            if (step === "pushed" && stdout.includes("live one")) {
              step = "stopped"
              child.kill("SIGINT")
            }
          })
          const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
          child.on("exit", (code) => {
            clearTimeout(timer)
            resolve({ code, stdout })
          })
        })
      )
      expect(result.stdout).toContain("<U1> live one")
      expect(result.stdout).toContain("summary after")
      expect(result.code).toBe(0)
      expect(yield* fake.openSockets).toBe(0)
    }).pipe(Effect.provide(FakeSlack.layer())))

  it("a live run that cannot connect shows each failed attempt, and ends at --duration with one line", async () => {
    const port = await closedPort()
    const { code, stderr, stdout } = await runCli(["--duration", "3"], {
      SLACK_TOKEN: "xoxb-bad",
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`
    })
    expect(code).toBe(1)
    expect(stdout).toMatch(/still connecting +NetworkError: .*ECONNREFUSED.*, attempt 1, next in \d+\.\d s/)
    expect(stdout).toMatch(/attempt 2, next in/)
    oneLine(stderr)
    expect(stderr).toMatch(/^slack-rtm: not connected after \d+(\.\d)? s; last attempt: NetworkError: /)
  }, 60_000)

  it("an apiUrl that is not a URL, a bad port or an empty token is one line and exit code 2, at once", async () => {
    for (
      const env of [
        { SLACK_TOKEN: "xoxb-bad", SLACK_API_URL: "notaurl" },
        { SLACK_TOKEN: "xoxb-bad", SLACK_API_URL: "http://127.0.0.1:9/api/" },
        { SLACK_TOKEN: "" },
        { SLACK_TOKEN: " \n" }
      ]
    ) {
      const { code, stderr, stdout } = await runCli([], env)
      expect(code).toBe(2)
      oneLine(stderr)
      expect(stderr).toMatch(/invalid Slack configuration: (apiUrl|token)/)
      expect(stdout).not.toContain("still connecting")
    }
  }, 90_000)

  it.live(
    "an HTML page with status 200 is shown on each attempt; the run ends at --duration with one line",
    () =>
      Effect.gen(function*() {
        const fake = yield* FakeSlack.FakeSlack
        yield* fake.answerNext(
          "rtm.connect",
          ...Array.from({ length: 200 }, () => ({ body: "<html>maintenance</html>" }))
        )
        const { code, stderr, stdout } = yield* Effect.promise(() =>
          runCli(["--duration", "3"], { SLACK_TOKEN: Redacted.value(fake.token), SLACK_API_URL: fake.apiUrl })
        )
        expect(code).toBe(1)
        expect(stdout).toMatch(/still connecting +MalformedResponse: .*the body is not JSON, attempt 1/)
        oneLine(stderr)
        expect(stderr).toMatch(/^slack-rtm: not connected after .*MalformedResponse/)
      }).pipe(Effect.provide(FakeSlack.layer())),
    60_000
  )

  it("Ctrl-C while connecting ends the run at once, with one line", async () => {
    const port = await closedPort()
    const { SLACK_TOKEN: _, SLACK_API_URL: __, ...rest } = process.env
    const child = spawn(process.execPath, ["--import", "tsx", entry], {
      env: { ...rest, SLACK_TOKEN: "xoxb-bad", SLACK_API_URL: `http://127.0.0.1:${port}/api/` }
    })
    let stdout = ""
    let stderr = ""
    let interrupted = false
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      // One Ctrl-C: a second one would exit at once with 130, by design.
      if (!interrupted && stdout.includes("still connecting")) {
        interrupted = true
        child.kill("SIGINT")
      }
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 40_000)
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve))
    clearTimeout(timer)
    expect(code).toBe(1)
    oneLine(stderr)
    expect(stderr).toMatch(/^slack-rtm: not connected after/)
  }, 60_000)
})
