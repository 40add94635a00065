import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Rtm from "../src/Rtm.js"
import { samplesDir, scriptedWebApi } from "./helpers.js"

const extracted = Path.join(samplesDir, "slack-ruby-client/extracted")
const javaApi = Path.join(samplesDir, "java-slack-sdk/json-logs/samples/api")
const readJson = (file: string): Record<string, unknown> => JSON.parse(Fs.readFileSync(file, "utf8"))
const samples = (prefix: string) =>
  Fs.readdirSync(extracted).filter((name) => name.startsWith(prefix)).map((name) => Path.join(extracted, name))

describe("Rtm responses decode the recorded samples", () => {
  for (const file of samples("rtm.connect.")) {
    const body = readJson(file)
    it.effect(`rtm.connect: ${Path.basename(file)}`, () =>
      Effect.gen(function*() {
        const { layer } = scriptedWebApi([{ body }])
        const result = yield* Effect.either(Rtm.connect().pipe(Effect.provide(layer)))
        if (body["ok"] === true) {
          expect(result._tag).toBe("Right")
          if (result._tag === "Right") expect(result.right.url).toMatch(/^wss:\/\//)
        } else {
          expect(result._tag).toBe("Left")
          if (result._tag === "Left") expect(result.left).toMatchObject({ code: body["error"], method: "rtm.connect" })
        }
      }))
  }

  for (const file of samples("rtm.start.")) {
    const body = readJson(file)
    it.effect(`rtm.start: ${Path.basename(file)}`, () =>
      Effect.gen(function*() {
        const { layer } = scriptedWebApi([{ body }])
        const result = yield* Effect.either(Rtm.start().pipe(Effect.provide(layer)))
        if (body["ok"] === true) {
          expect(result._tag).toBe("Right")
          if (result._tag === "Right") {
            expect(result.right.users?.length).toBeGreaterThan(0)
            expect(result.right.channels?.length).toBeGreaterThan(0)
            expect(result.right.self.prefs).toBeDefined()
          }
        } else {
          expect(result._tag).toBe("Left")
          if (result._tag === "Left") expect(result.left).toMatchObject({ code: body["error"], method: "rtm.start" })
        }
      }))
  }

  it("the Java SDK's merged rtm.connect sample decodes", () => {
    const decoded = Schema.decodeUnknownSync(Rtm.RtmConnectResponse)(readJson(Path.join(javaApi, "rtm.connect.json")))
    expect(decoded.team.id).toBe("T00000000")
  })

  it("the Java SDK's merged rtm.start sample decodes", () => {
    const decoded = Schema.decodeUnknownSync(Rtm.RtmStartResponse)(readJson(Path.join(javaApi, "rtm.start.json")))
    expect(decoded.users?.length).toBeGreaterThan(0)
    expect(decoded.bots?.length).toBeGreaterThan(0)
  })
})
