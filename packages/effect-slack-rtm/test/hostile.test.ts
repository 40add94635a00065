/**
 * Hostile answers cannot reshape data: `__proto__` keys in an `rtm.connect`
 * or `rtm.start` answer never become prototypes, and a socket URL that is
 * not `wss:` (or `ws:` on loopback) is refused for good, once.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Socket from "effect/socket/Socket"
import * as Rtm from "../src/Rtm.js"
import * as RtmSession from "../src/RtmSession.js"
import { capturingLogger, scriptedWebApi } from "./helpers.js"

const team = { id: "T1", name: "Team", domain: "team" }
const self = { id: "U1", name: "bot" }
/** A prototype that would make `team.enterprise_id` a number and `String(team)` throw. */
const poison = `{"enterprise_id":42,"toString":7,"valueOf":7}`

/** An object as JSON, with a `__proto__` key spelled `key` added. */
const withProto = (value: object, key = "__proto__") => {
  const json = JSON.stringify(value)
  return `{"${key}":${poison}${json === "{}" ? "" : ","}${json.slice(1)}`
}

const isPlain = (value: unknown) => {
  expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
  expect(String(value)).toBe("[object Object]")
}

describe("hostile answers", () => {
  it.effect("__proto__ keys in an rtm.connect or rtm.start answer never become prototypes", () =>
    Effect.gen(function*() {
      const connectBody = `{"ok":true,"__proto__":${poison},"url":"wss://x.test/","team":${withProto(team)},"self":${
        withProto(self, "\\u005f\\u005fproto__")
      }}`
      const startBody = `{"ok":true,"url":"wss://x.test/","team":${withProto(team)},"self":${JSON.stringify(self)},` +
        `"users":[{"id":"U2","profile":${withProto({ title: "t" })}}],"dnd":${withProto({})}}`
      const { layer } = scriptedWebApi([{ body: connectBody }, { body: startBody }])
      const connected = yield* Rtm.connect().pipe(Effect.provide(layer))
      isPlain(connected)
      isPlain(connected.team)
      isPlain(connected.self)
      expect(connected.team.enterprise_id).toBeUndefined()
      expect(connected.team).toEqual(team)
      const started = yield* Rtm.start().pipe(Effect.provide(layer))
      isPlain(started.team)
      expect(started.team.enterprise_id).toBeUndefined()
      isPlain(started.users?.[0]?.profile)
      isPlain(started.dnd)
      expect(started.users?.[0]?.profile).toEqual({ title: "t" })
    }))

  const identity = { ok: true, team, self }
  /**
   * A session whose rtm.connect answers `url`, with a constructor that records what it is asked to open
   * and then refuses it. The reconnect policy allows two more tries, without delay.
   */
  const sessionWith = (url: string) =>
    Effect.gen(function*() {
      const logs = capturingLogger()
      const opened: Array<string> = []
      const { layer, seen } = scriptedWebApi([{ body: { ...identity, url } }])
      const refuse = Layer.succeed(Socket.WebSocketConstructor)((url: string) => {
        opened.push(url)
        throw new Error("this test opens no socket")
      })
      const error = yield* Effect.flip(
        RtmSession.make({ reconnect: Schedule.recurs(2) }).pipe(
          Effect.scoped,
          Effect.provide(Layer.mergeAll(layer, refuse, logs.layer))
        )
      )
      return { error, opened, requests: seen.length, logs: logs.lines }
    })

  for (
    const url of ["ws+unix:/tmp/slack.sock", "ws://slack.example/rtm", "http://127.0.0.1:1/rtm", "file:///etc/passwd"]
  ) {
    it.effect(`a socket URL ${url} is refused for good: InvalidSocketUrl, one request, logged once`, () =>
      Effect.gen(function*() {
        const { error, logs, opened, requests } = yield* sessionWith(url)
        expect(error).toMatchObject({ _tag: "InvalidSocketUrl", url })
        expect(opened).toEqual([])
        expect(requests).toBe(1)
        expect(logs.filter((line) => line.includes("socket URL is refused"))).toHaveLength(1)
      }))
  }

  for (
    const url of [
      "wss://wss-primary.slack.com/link/?ticket=1",
      "ws://127.0.0.1:8080/rtm",
      "ws://127.9.8.7/",
      "ws://localhost:1/",
      "ws://[::1]:1/"
    ]
  ) {
    it.effect(`a socket URL ${url} is opened`, () =>
      Effect.gen(function*() {
        const { error, opened } = yield* sessionWith(url)
        expect(error).toMatchObject({ _tag: "Disconnected", reason: "socket_error" })
        expect(opened).toEqual([url, url, url])
      }))
  }
})
