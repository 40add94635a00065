import { describe, expect, it } from "@effect/vitest"
import { LogLevel, RTMClient } from "@slack/rtm-api"
import { Effect, Redacted } from "effect"
import * as FakeSlack from "../src/testing/FakeSlack.js"

/**
 * Node's official client, which no one here wrote, agreeing with our fake is
 * the check that the fake speaks real RTM.
 */
describe("@slack/rtm-api 7.0.4 against FakeSlack", () => {
  it.live("connects, gets hello, receives scripted events, sends a message and gets its ack", () =>
    Effect.gen(function*() {
      const fake = yield* FakeSlack.FakeSlack
      const client = new RTMClient(Redacted.value(fake.token), {
        slackApiUrl: fake.apiUrl,
        logLevel: LogLevel.ERROR,
        autoReconnect: false
      })
      const seen: Array<{ type: string; text?: string }> = []
      client.on("slack_event", (type: string, event: { text?: string }) => void seen.push({ type, ...event }))
      const ready = Effect.async<void>((resume) => void client.once("ready", () => resume(Effect.void)))
      const readyFiber = yield* Effect.fork(ready)
      const started = (yield* Effect.promise(() => client.start())) as { ok: boolean; self?: unknown }
      expect(started.ok).toBe(true)
      expect(started.self).toMatchObject(FakeSlack.identity.self)
      yield* readyFiber.await
      expect(client.connected).toBe(true)
      expect(seen.map((event) => event.type)).toContain("hello")

      const received = Effect.async<{ text?: string }>((resume) => {
        client.once("message", (event: { text?: string }) => resume(Effect.succeed(event)))
      })
      const pushed = yield* Effect.fork(received)
      yield* fake.push({ type: "message", channel: "C1", user: "U1", text: "from the fake", ts: "1.000001" })
      expect((yield* pushed.await)._tag).toBe("Success")

      const ack = (yield* Effect.promise(() => client.sendMessage("from the official client", "C1"))) as {
        ok: boolean
        ts: string
        text: string
        reply_to: number
      }
      expect(ack.ok).toBe(true)
      expect(ack.ts).toMatch(/^\d+\.\d{6}$/)
      expect(ack.text).toBe("from the official client")
      const frame = yield* fake.awaitReceived((frame) => frame["type"] === "message")
      expect(frame).toMatchObject({ type: "message", channel: "C1", text: "from the official client" })
      expect(frame["id"]).toBe(ack.reply_to)

      const [request] = yield* fake.requests
      expect(request?.method).toBe("rtm.connect")
      expect(request?.headers["authorization"]).toBe(`Bearer ${Redacted.value(fake.token)}`) // rtm-api 7.0.2–7.0.4 keeps pending replies in a sparse array indexed by message id and iterates it on
       // disconnect, throwing an uncaught TypeError on the holes. Empty it first: that bug is theirs, not the fake's.
      ;(client as unknown as { awaitingReplyList: Array<unknown> }).awaitingReplyList.length = 0
      yield* Effect.promise(() => client.disconnect())
    }).pipe(Effect.provide(FakeSlack.layer())))
})
