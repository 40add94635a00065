import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Redacted } from "effect"
import { execFile, spawn } from "node:child_process"
import * as Net from "node:net"
import * as Path from "node:path"
import { parse, usage } from "../src/bin/cli.js"
import * as FakeSlack from "../src/testing/FakeSlack.js"

const entry = Path.resolve(import.meta.dirname, "../src/bin/slack-rtm.ts")

/** Runs the main program in a child process and collects what it printed. */
const runCli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const { SLACK_COOKIE: ___, SLACK_TOKEN: _, SLACK_API_URL: __, ...rest } = process.env
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
      Either.right({ json: true, duration: Duration.seconds(3), live: false, help: false })
    )
    expect(Either.isRight(parse(["--duration=2.5", "--live"]))).toBe(true)
    expect(Either.isLeft(parse(["--duration", "-1"]))).toBe(true)
    expect(Either.isLeft(parse(["--duration"]))).toBe(true)
    expect(Either.isLeft(parse(["--frobnicate"]))).toBe(true)
  })

  it("a bad flag or a live run without a token is a one-line error and exit code 2", async () => {
    const runs: ReadonlyArray<[ReadonlyArray<string>, Record<string, string>]> = [
      [["--frobnicate"], {}],
      [["--live"], {}],
      [["--duration", "soon"], {}],
      // a cookie asks for a live run: without its token, that is an error, not the demo
      [["--duration", "1"], { SLACK_COOKIE: "d=xoxd-1" }]
    ]
    for (const [args, env] of runs) {
      const { code, stderr, stdout } = await runCli(args, env)
      expect(code).toBe(2)
      expect(stderr.trim().split("\n")).toHaveLength(1)
      expect(stderr).toMatch(/^slack-rtm: /)
      expect(stdout).toBe("")
    }
  })

  it("--help explains session tokens, SLACK_COOKIE and the workspace's API URL", () => {
    for (
      const text of [
        "SLACK_COOKIE",
        "browser session's token (xoxc-...)",
        "\"d\" cookie",
        "d=xoxd-...",
        "Slack does not document these tokens",
        "SLACK_API_URL=https://WORKSPACE.slack.com/api/"
      ]
    ) {
      expect(usage).toContain(text)
    }
  })

  it.live(
    "with a session token and SLACK_COOKIE it connects to a Slack that requires the cookie; without, it cannot",
    () =>
      Effect.gen(function*() {
        const cookie = "d=xoxd-CLI%2Fcookie%3D"
        const fake = yield* FakeSlack.make({ requireCookie: cookie })
        const env = { SLACK_TOKEN: Redacted.value(fake.token), SLACK_API_URL: fake.apiUrl }
        const [withCookie, bare, without] = yield* Effect.promise(() =>
          Promise.all([
            runCli(["--duration", "3"], { ...env, SLACK_COOKIE: ` ${cookie}\n` }),
            runCli(["--duration", "3"], { ...env, SLACK_COOKIE: cookie.slice(2) }),
            runCli(["--duration", "3"], env)
          ])
        )
        for (const run of [withCookie, bare]) {
          expect(run.stdout).toContain("connected as fakebot")
          expect(run.code).toBe(0)
        }
        expect(without.code).toBe(1)
        oneLine(without.stderr)
        expect(without.stderr).toContain("invalid_auth")
        for (const run of [withCookie, bare, without]) expect(run.stdout + run.stderr).not.toContain("CLI%2Fcookie")
        const upgrades = yield* fake.upgrades
        expect(upgrades.length).toBeGreaterThanOrEqual(2)
        for (const upgrade of upgrades) expect(upgrade.headers["cookie"]).toBe(cookie)
      }).pipe(Effect.scoped),
    60_000
  )

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
          const { SLACK_COOKIE: ___, SLACK_TOKEN: _, SLACK_API_URL: __, ...rest } = process.env
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
    const { SLACK_COOKIE: ___, SLACK_TOKEN: _, SLACK_API_URL: __, ...rest } = process.env
    const child = spawn(process.execPath, ["--import", "tsx", entry], {
      env: { ...rest, SLACK_TOKEN: "xoxb-bad", SLACK_API_URL: `http://127.0.0.1:${port}/api/` }
    })
    let stdout = ""
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes("still connecting")) child.kill("SIGINT")
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 40_000)
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve))
    clearTimeout(timer)
    expect(code).toBe(1)
    oneLine(stderr)
    expect(stderr).toMatch(/^slack-rtm: not connected after/)
  }, 60_000)
})
