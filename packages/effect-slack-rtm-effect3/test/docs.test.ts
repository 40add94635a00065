import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")
const read = (file: string) => Fs.readFileSync(Path.join(root, file), "utf8")

describe("README", () => {
  it("shows the bot test exactly as test/readme.test.ts runs it", () => {
    expect(read("README.md")).toContain("```ts\n" + read("test/readme.test.ts") + "```")
  })

  it("the repository's README starts with the two set-up commands that CI and newcomers run", () => {
    const readme = read("../../README.md")
    expect(readme).toContain("npm ci && npm start")
    expect(readme).toContain("npm ci && npm test")
    expect(read("../../.ci/run")).toMatch(/npm ci\nnpm test/)
  })
})
