import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")

/** The first `node` on the PATH outside any node_modules: the machine's own, not the test runner's Node 22 package. */
const systemNode = (): string => {
  for (const dir of (process.env["PATH"] ?? "").split(Path.delimiter)) {
    const candidate = Path.join(dir, "node")
    if (!dir.includes("node_modules") && Fs.existsSync(candidate)) return candidate
  }
  return process.execPath
}

const consumer = `
import { Effect, Stream, Logger, LogLevel } from "effect"
import { RtmSession, Rtm } from "effect-slack-rtm"
import { FakeSlack } from "effect-slack-rtm/testing"

const program = Effect.gen(function*() {
  const fake = yield* FakeSlack.FakeSlack
  const info = yield* Rtm.connect()
  const session = yield* RtmSession.make()
  yield* fake.push({ type: "message", channel: "C1", user: "U1", text: "from the tarball", ts: "1.000001" })
  const events = yield* session.events.pipe(Stream.take(2), Stream.runCollect)
  console.log(JSON.stringify({ self: info.self.id, events: [...events].map((e) => e.type) }))
})
await Effect.runPromise(program.pipe(
  Effect.scoped,
  Effect.provide(FakeSlack.layer()),
  Effect.provide(Logger.minimumLogLevel(LogLevel.None))
))
`

describe("the published package", () => {
  it("npm pack ships dist, README and LICENSE, and works when installed in a fresh project", () => {
    const work = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-slack-rtm-pack-"))
    try {
      const packed = JSON.parse(
        execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: root, encoding: "utf8" })
      ) as Array<{ filename: string; files: Array<{ path: string }> }>
      const files = packed[0]!.files.map((file) => file.path)
      for (
        const expected of [
          "README.md",
          "LICENSE",
          "package.json",
          "dist/index.js",
          "dist/index.d.ts",
          "dist/testing/index.js",
          "dist/testing/index.d.ts",
          "dist/bin/slack-rtm.js"
        ]
      ) {
        expect(files).toContain(expected)
      }
      expect(
        files.filter((file) =>
          /^(test|bench|scripts|src)\//.test(file) || file.endsWith(".ts") && !file.endsWith(".d.ts")
        )
      )
        .toEqual([])

      const project = Path.join(work, "consumer")
      Fs.mkdirSync(project)
      Fs.writeFileSync(
        Path.join(project, "package.json"),
        JSON.stringify({ name: "consumer", private: true, type: "module" })
      )
      Fs.writeFileSync(Path.join(project, "main.js"), consumer)
      // Installed under the Effect 4 edition's name, as the README's install line does, so imports match.
      const tarball = `effect-slack-rtm@file:${Path.join(work, packed[0]!.filename)}`
      execFileSync("npm", [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        tarball,
        "effect@3.22.4",
        "@effect/platform@0.97.2"
      ], {
        cwd: project,
        encoding: "utf8"
      })
      // Under the Node that runs the tests, and under the machine's own Node, which may be older (the floor is 20.19).
      for (const node of new Set([process.execPath, systemNode()])) {
        const output = execFileSync(node, ["main.js"], { cwd: project, encoding: "utf8", timeout: 30_000 })
        expect(JSON.parse(output)).toEqual({ self: "U0FAKEBOT", events: ["hello", "message"] })
      }
      const help = execFileSync(Path.join(project, "node_modules/.bin/slack-rtm"), ["--help"], { encoding: "utf8" })
      expect(help).toContain("Usage: slack-rtm")
    } finally {
      Fs.rmSync(work, { recursive: true, force: true })
    }
  }, 180_000)
})
