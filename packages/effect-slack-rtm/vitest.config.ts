import * as Path from "node:path"
import { defineConfig } from "vitest/config"

const src = (file: string) => Path.resolve(import.meta.dirname, "src", file)

export default defineConfig({
  resolve: {
    // Tests import the package by its public name, as users do, but from the sources.
    alias: [
      { find: /^effect-slack-rtm\/testing$/, replacement: src("testing/index.ts") },
      { find: /^effect-slack-rtm$/, replacement: src("index.ts") }
    ]
  },
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
