#!/usr/bin/env node
/**
 * The `slack-rtm` command. `--help` (or `-h`), wherever it stands, prints
 * the usage and exits at once, before Effect or the SDK is loaded; anything
 * else loads the main program (`main.ts`).
 *
 * @since 1.0.0
 */
import { usage } from "./usage.js"

const args = process.argv.slice(2)
if (args.includes("--help") || args.includes("-h")) console.log(usage)
else void import("./main.js")
