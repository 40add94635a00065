import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")
const read = (file: string) => Fs.readFileSync(Path.join(root, file), "utf8")

/** Every ```ts block of the README, as written. */
const tsBlocks = (markdown: string) => [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!)

/** Removes the indentation that all non-blank lines share. */
const dedent = (lines: ReadonlyArray<string>) => {
  const indent = Math.min(...lines.filter((line) => line.trim() !== "").map((line) => line.search(/\S/)))
  return lines.map((line) => line.slice(indent)).join("\n") + "\n"
}

/**
 * What a file under test/examples shows in the README: each part between
 * `// #region README` and `// #endregion`, dedented, or the whole file when
 * it has no such part.
 */
const snippetsOf = (text: string): Array<string> => {
  const lines = text.split("\n")
  const snippets: Array<string> = []
  let start: number | undefined
  lines.forEach((line, index) => {
    if (line.trim() === "// #region README") start = index + 1
    if (line.trim() === "// #endregion" && start !== undefined) {
      snippets.push(dedent(lines.slice(start, index)))
      start = undefined
    }
  })
  return snippets.length > 0 ? snippets : [text]
}

const examples = Fs.readdirSync(Path.join(root, "test/examples"))
  .filter((file) => file.endsWith(".ts"))
  .flatMap((file) => snippetsOf(read(`test/examples/${file}`)).map((snippet) => ({ file, snippet })))

describe("README", () => {
  it("shows the bot test exactly as test/readme.test.ts runs it", () => {
    expect(read("README.md")).toContain("```ts\n" + read("test/readme.test.ts") + "```")
  })

  it("every ts example is a type-checked file under test/ (or part of one), shown verbatim", () => {
    const known = new Set([read("test/readme.test.ts"), ...examples.map((example) => example.snippet)])
    const blocks = tsBlocks(read("README.md"))
    expect(blocks.length).toBeGreaterThanOrEqual(examples.length + 1)
    expect(blocks.filter((block) => !known.has(block))).toEqual([])
    expect(examples.filter((example) => !blocks.includes(example.snippet)).map((example) => example.file)).toEqual([])
  })

  it("the repository's README starts with the two set-up commands that CI and newcomers run", () => {
    const readme = read("../../README.md")
    expect(readme).toContain("npm ci && npm start")
    expect(readme).toContain("npm ci && npm test")
    expect(read("../../.ci/run")).toMatch(/npm ci\nnpm test/)
  })
})
