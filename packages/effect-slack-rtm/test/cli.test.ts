import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { execFile, spawn } from "node:child_process"
import * as Net from "node:net"
import * as Path from "node:path"
import { parse } from "../src/bin/cli.js"
import { describeCloseCode, describeDisconnect } from "../src/bin/report.js"
import { colorEnabled, count, makePaint, millis, printable, seconds } from "../src/bin/style.js"
import * as FakeSlack from "../src/testing/FakeSlack.js"

const entry = Path.resolve(import.meta.dirname, "../src/bin/slack-rtm.ts")

/** The environment of a child: this one's, without the variables the CLI reads. */
const baseEnv = () => {
  const { FORCE_COLOR: _, NO_COLOR: __, SLACK_API_URL: ___, SLACK_COOKIE: ____, SLACK_TOKEN: _____, ...rest } =
    process.env
  return rest
}

/** Runs the main program in a child process (its stdout a pipe) and collects what it printed. */
const runCli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const rest = baseEnv()
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

/** An ANSI escape sequence. */
const ansi = /\u001b\[/

/** Every line, with no trailing space or tab. */
const noTrailingSpaces = (output: string) => {
  const bad = output.split("\n").filter((line) => /[ \t]$/.test(line))
  expect(bad).toEqual([])
}

/** The one line a failed run prints on stderr. */
const oneLine = (stderr: string) => {
  expect(stderr.trim().split("\n")).toHaveLength(1)
  expect(stderr).toMatch(/^slack-rtm: /)
}

describe("slack-rtm command line", () => {
  it("reads its flags", () => {
    expect(parse(["--json", "--duration", "3"])).toEqual(
      Result.succeed({ json: true, duration: Duration.seconds(3), live: false })
    )
    expect(Result.isSuccess(parse(["--duration=2.5", "--live"]))).toBe(true)
    expect(Result.isFailure(parse(["--duration", "-1"]))).toBe(true)
    expect(Result.isFailure(parse(["--duration"]))).toBe(true)
    expect(Result.isFailure(parse(["--frobnicate"]))).toBe(true)
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
  }, 60_000)

  it("--help lists the environment variables, with no trailing space", async () => {
    const { code, stderr, stdout } = await runCli(["--help"])
    expect(code).toBe(0)
    expect(stderr).toBe("")
    expect(stdout).toMatch(/^Usage: slack-rtm /)
    for (
      const text of [
        "SLACK_TOKEN",
        "SLACK_API_URL",
        "SLACK_COOKIE",
        "browser's \"d\" cookie",
        "d=xoxd-...",
        "browser session's token (xoxc-...)",
        "Slack does not document these tokens",
        "own API URL may then be needed",
        "SLACK_API_URL=https://WORKSPACE.slack.com/api/",
        "NO_COLOR",
        "FORCE_COLOR"
      ]
    ) {
      // as one reads it, across the line breaks
      expect(stdout.replace(/\s+/g, " ")).toContain(text)
    }
    noTrailingSpaces(stdout)
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
      }),
    60_000
  )

  it("colour only on a terminal or with FORCE_COLOR, never with NO_COLOR", () => {
    expect(colorEnabled({}, true)).toBe(true)
    expect(colorEnabled({}, false)).toBe(false)
    expect(colorEnabled({ NO_COLOR: "1" }, true)).toBe(false)
    expect(colorEnabled({ NO_COLOR: "1", FORCE_COLOR: "1" }, true)).toBe(false)
    expect(colorEnabled({ NO_COLOR: "" }, true)).toBe(true)
    expect(colorEnabled({ FORCE_COLOR: "1" }, false)).toBe(true)
    expect(colorEnabled({ FORCE_COLOR: "" }, false)).toBe(true)
    expect(colorEnabled({ FORCE_COLOR: "0" }, true)).toBe(false)
    expect(colorEnabled({ FORCE_COLOR: "false" }, true)).toBe(false)
    expect(makePaint(true)("red", "x")).toBe("\u001b[31mx\u001b[0m")
    expect(makePaint(true)("red", "")).toBe("")
    expect(makePaint(false)("red", "x")).toBe("x")
  })

  it("units and counts for people, and text from the wire made safe for a terminal", () => {
    expect([millis(0), millis(0.4), millis(1), millis(12.4), millis(999), millis(2500)])
      .toEqual(["<1 ms", "<1 ms", "1 ms", "12 ms", "999 ms", "2.5 s"])
    expect([seconds(15), seconds(2.5), seconds(3.04)]).toEqual(["15 s", "2.5 s", "3 s"])
    expect([count(0, "event"), count(1, "event"), count(2, "reply", "replies")])
      .toEqual(["0 events", "1 event", "2 replies"])
    expect(printable("a\u001b[2J\r\nb\tc\u0007")).toBe("a\uFFFD[2J\nb\tc\uFFFD")
  })

  it("close reasons in a few words, with the close code in parentheses", () => {
    const cases: ReadonlyArray<[reason: string, detail: string, text: string]> = [
      ["closed", "close 1006", "dropped without a close frame (1006)"],
      ["closed", "close 1000", "closed normally (1000)"],
      ["closed", "close 1001 server restart", "going away (1001): server restart"],
      ["closed", "close 1008", "policy violation (1008)"],
      ["closed", "close 1009", "message too big (1009)"],
      ["closed", "close 1011", "server error (1011)"],
      ["closed", "close 4001", "closed by the server (4001)"],
      ["closed", "close 3000", "closed (3000)"],
      ["closed", "the socket was closing", "closed: the socket was closing"],
      [
        "frame_too_large",
        "a frame was larger than the socket accepts (maxFrameBytes); close 1009",
        "message too big (1009)"
      ],
      ["goodbye", "the server said goodbye", "goodbye from Slack"],
      ["team_migration", "the workspace is migrating", "workspace migrating"],
      ["pong_timeout", "no pong within 10s", "pong timeout"],
      ["hello_timeout", "no hello in time", "hello timeout"],
      ["hello_timeout", "the socket did not open in time", "socket open timeout"],
      ["server_error", "1 ouch", "error from Slack: 1 ouch"],
      ["socket_error", "read error: ECONNRESET", "socket read error: ECONNRESET"],
      ["connect_failed", "rtm.connect failed: invalid_auth", "connect failed: rtm.connect failed: invalid_auth"]
    ]
    for (const [reason, detail, text] of cases) expect(describeDisconnect({ reason, detail })).toBe(text)
    expect(
      describeDisconnect({
        reason: "connect_failed",
        detail: "x",
        error: { _tag: "SlackApiError", message: "invalid_auth" }
      })
    ).toBe("connect failed: SlackApiError: invalid_auth")
    expect(describeCloseCode(1006)).toBe("dropped without a close frame (1006)")
  })

  it(
    "the readable demo: its opening line, close reasons, units, no trailing spaces; colour only when asked",
    async () => {
      const [piped, noColor, forced] = await Promise.all([
        runCli(["--duration", "4"]),
        runCli(["--duration", "4"], { NO_COLOR: "1", FORCE_COLOR: "1" }),
        runCli(["--duration", "4"], { FORCE_COLOR: "1" })
      ])
      for (const run of [piped, noColor]) {
        expect(run.code).toBe(0)
        expect(run.stdout).not.toMatch(ansi)
        noTrailingSpaces(run.stdout)
      }
      const { stdout } = piped
      expect(stdout.split("\n")[0]).toMatch(/^demo: fake Slack on 127\.0\.0\.1:\d+, 4 s, no token needed$/)
      expect(stdout).toMatch(/^ +\d+\.\d{3} s {2}state {18}connecting$/m)
      expect(stdout).toContain("reconnecting (attempt 1): goodbye from Slack")
      expect(stdout).toContain("reconnecting (attempt 1): dropped without a close frame (1006)")
      expect(stdout).toMatch(/^summary after \d+(\.\d)? s$/m)
      expect(stdout).toMatch(/^ {2}\d+ events received$/m)
      expect(stdout).toMatch(/^ {2}[2-9] replies acked$/m)
      expect(stdout).toMatch(/^ {2}2 reconnects\n {4}goodbye from Slack\n {4}dropped without a close frame \(1006\)$/m)
      expect(stdout).toMatch(/^ {2}ping round trip: (<1 ms|\d+ ms)$/m)
      expect(forced.code).toBe(0)
      expect(forced.stdout).toMatch(ansi)
      expect(forced.stdout).toMatch(/^\u001b\[1mdemo:\u001b\[0m fake Slack on/)
      noTrailingSpaces(forced.stdout)
      expect(forced.stdout.replace(/\u001b\[\d+m/g, "")).toContain("dropped without a close frame (1006)")
    },
    60_000
  )

  it("the demo shows events, acked replies, both reconnects and a summary", async () => {
    // FORCE_COLOR asks for colour: --json never has any.
    const { code, stdout } = await runCli(["--json", "--duration", "5"], { FORCE_COLOR: "1" })
    expect(code).toBe(0)
    expect(stdout).not.toMatch(ansi)
    expect(stdout).not.toContain("demo:")
    noTrailingSpaces(stdout)
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
          const rest = baseEnv()
          const child = spawn(process.execPath, ["--import", "tsx", entry], {
            env: { ...rest, SLACK_TOKEN: Redacted.value(fake.token), SLACK_API_URL: fake.apiUrl }
          })
          let stdout = ""
          let step: "connecting" | "pushed" | "stopped" = "connecting"
          child.stdout.on("data", (chunk: Buffer) => {
            stdout += chunk.toString()
            if (step === "connecting" && stdout.includes("connected as")) {
              step = "pushed"
              // Trailing spaces, a line break and an escape sequence from the wire
              const text = "live one  \r\n  second line\u001b[2J  "
              fake.push({ type: "message", channel: "C1", user: "U1", text, ts: "1.000001" }).pipe(Effect.runSync)
            }
            if (step === "pushed" && stdout.includes("second line")) {
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
      expect(result.stdout).toContain("<U1> live one\n")
      // the next line of the message starts under its first
      expect(result.stdout).toMatch(/^ {34} {2}second line\uFFFD\[2J$/m)
      expect(result.stdout).not.toMatch(ansi)
      noTrailingSpaces(result.stdout)
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
    const rest = baseEnv()
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
