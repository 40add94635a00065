import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
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
        const result = yield* Effect.result(Rtm.connect().pipe(Effect.provide(layer)))
        if (body["ok"] === true) {
          expect(result._tag).toBe("Success")
          if (result._tag === "Success") expect(result.success.url).toMatch(/^wss:\/\//)
        } else {
          expect(result._tag).toBe("Failure")
          if (result._tag === "Failure") {
            expect(result.failure).toMatchObject({ code: body["error"], method: "rtm.connect" })
          }
        }
      }))
  }

  for (const file of samples("rtm.start.")) {
    const body = readJson(file)
    it.effect(`rtm.start: ${Path.basename(file)}`, () =>
      Effect.gen(function*() {
        const { layer } = scriptedWebApi([{ body }])
        const result = yield* Effect.result(Rtm.start().pipe(Effect.provide(layer)))
        if (body["ok"] === true) {
          expect(result._tag).toBe("Success")
          if (result._tag === "Success") {
            expect(result.success.users?.length).toBeGreaterThan(0)
            expect(result.success.channels?.length).toBeGreaterThan(0)
            expect(result.success.self.prefs).toBeDefined()
          }
        } else {
          expect(result._tag).toBe("Failure")
          if (result._tag === "Failure") {
            expect(result.failure).toMatchObject({ code: body["error"], method: "rtm.start" })
          }
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

  it("decoding a sample keeps every field, at every level", () => {
    const raw = readJson(Path.join(javaApi, "rtm.start.json"))
    const decoded = Schema.decodeUnknownSync(Rtm.RtmStartResponse)(raw)
    expect(decoded).toEqual(raw)
  })
})
