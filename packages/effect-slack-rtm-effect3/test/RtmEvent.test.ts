import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import * as AST from "effect/SchemaAST"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as RtmEvent from "../src/RtmEvent.js"
import { samplesDir } from "./helpers.js"

const readJson = (file: string) => JSON.parse(Fs.readFileSync(file, "utf8"))
const eventOf = (frame: string | Uint8Array) => {
  const decoded = RtmEvent.decodeFrame(frame)
  if (decoded._tag !== "Event") throw new Error(`expected an event, got a reply to ${decoded.reply_to}`)
  return decoded.event
}

describe("RtmEvent samples", () => {
  const javaDir = Path.join(samplesDir, "java-slack-sdk/json-logs/samples/rtm")
  const javaFiles = Fs.readdirSync(javaDir).filter((name) => name.endsWith(".json"))

  it("has the Java SDK's catalogue of about 90 events", () => {
    expect(javaFiles.length).toBeGreaterThanOrEqual(85)
  })

  for (const name of javaFiles) {
    it(`java-slack-sdk ${name} decodes without a failure`, () => {
      const raw = readJson(Path.join(javaDir, name))
      const event = eventOf(JSON.stringify(raw))
      expect(event.type).not.toBe("undecodable")
      if (event.type !== "unknown") expect(event.type).toBe(raw.type)
      else expect(event.originalType).toBe(raw.type)
    })
  }

  const refDir = Path.join(samplesDir, "slack-api-ref/events")
  const refExamples = Fs.readdirSync(refDir)
    .map((name) => [name, readJson(Path.join(refDir, name)).example] as const)
    .filter(([, example]) => example !== undefined)

  it("has Slack's documented examples", () => {
    expect(refExamples.length).toBeGreaterThanOrEqual(60)
  })

  for (const [name, example] of refExamples) {
    it(`slack-api-ref ${name} decodes without a failure`, () => {
      const event = eventOf(JSON.stringify(example))
      expect(event.type).not.toBe("undecodable")
    })
  }

  it("decodes the documented ones to their own type, not to unknown", () => {
    const decodedTypes = javaFiles.map((name) => eventOf(Fs.readFileSync(Path.join(javaDir, name), "utf8")).type)
    for (
      const type of [
        "hello",
        "goodbye",
        "message",
        "presence_change",
        "user_typing",
        "reconnect_url",
        "team_migration_started",
        "error",
        "channel_joined",
        "group_joined",
        "im_created",
        "member_joined_channel",
        "member_left_channel",
        "reaction_added",
        "reaction_removed",
        "user_change",
        "team_join",
        "dnd_updated"
      ]
    ) {
      expect(decodedTypes).toContain(type)
    }
  })
})

describe("decodeFrame", () => {
  it("keeps fields that the Schema does not name", () => {
    const event = eventOf(JSON.stringify({ type: "message", channel: "C1", ts: "1.2", text: "hi", extra: { a: 1 } }))
    expect(event).toMatchObject({ type: "message", text: "hi", extra: { a: 1 } })
  })

  it("decodes both presence_change shapes", () => {
    expect(eventOf("{\"type\":\"presence_change\",\"user\":\"U1\",\"presence\":\"away\"}")).toMatchObject({
      user: "U1"
    })
    expect(eventOf("{\"type\":\"presence_change\",\"users\":[\"U1\",\"U2\"],\"presence\":\"active\"}"))
      .toMatchObject({ users: ["U1", "U2"] })
  })

  it("passes an unknown type through with the raw object", () => {
    expect(eventOf("{\"type\":\"user_huddle_changed\",\"user\":{\"id\":\"U1\"}}")).toEqual({
      type: "unknown",
      originalType: "user_huddle_changed",
      raw: { type: "user_huddle_changed", user: { id: "U1" } }
    })
  })

  it("surfaces garbage as undecodable data, with the frame and a reason", () => {
    const cases: Array<[string | Uint8Array, RegExp]> = [
      ["{not json", /not JSON/],
      ["[1,2]", /not a JSON object/],
      ["42", /not a JSON object/],
      [new Uint8Array([1, 2, 3]), /binary/],
      ["{\"type\":\"message\",\"channel\":5,\"ts\":\"1\"}", /channel/]
    ]
    for (const [frame, reason] of cases) {
      const event = eventOf(frame)
      expect(event.type).toBe("undecodable")
      if (event.type === "undecodable") {
        expect(event.frame).toEqual(frame)
        expect(event.reason).toMatch(reason)
      }
    }
  })

  it("a value nested thousands deep is undecodable data, not a crash", () => {
    const deep = "[".repeat(5000) + "]".repeat(5000)
    for (const frame of [`{"type":"message","channel":${deep},"ts":"1"}`, `{"type":"error","error":${deep}}`]) {
      const event = eventOf(frame)
      expect(event.type).toBe("undecodable")
    }
  })

  it("tells replies from events", () => {
    expect(RtmEvent.decodeFrame("{\"ok\":true,\"reply_to\":3,\"ts\":\"1.1\",\"text\":\"x\"}")).toMatchObject({
      _tag: "Reply",
      reply_to: 3
    })
    expect(RtmEvent.decodeFrame("{\"type\":\"pong\",\"reply_to\":4}")).toMatchObject({ _tag: "Reply", reply_to: 4 })
  })

  it("the event Schemas transform nothing, so the guard's verdict is the decoded event", () => {
    for (const schema of RtmEvent.known) {
      expect(AST.encodedAST(schema.ast)).toEqual(AST.typeAST(schema.ast))
    }
    const javaDir = Path.join(samplesDir, "java-slack-sdk/json-logs/samples/rtm")
    for (const name of Fs.readdirSync(javaDir)) {
      const raw = readJson(Path.join(javaDir, name))
      const event = eventOf(JSON.stringify(raw))
      if (event.type === "unknown") continue
      expect(Schema.decodeUnknownSync(RtmEvent.RtmEvent, { onExcessProperty: "preserve" })(raw)).toEqual(event)
    }
  })

  it("the RtmEvent Schema accepts every decoded event", () => {
    const event = eventOf("{\"type\":\"user_typing\",\"channel\":\"C1\",\"user\":\"U1\"}")
    expect(Schema.is(RtmEvent.RtmEvent)(event)).toBe(true)
  })
})
