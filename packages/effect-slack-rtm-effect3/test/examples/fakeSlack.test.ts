import { expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Rtm } from "effect-slack-rtm"
import { FakeSlack } from "effect-slack-rtm/testing"

it.live("a revoked token is reported", () =>
  Effect.gen(function*() {
    const fake = yield* FakeSlack.FakeSlack
    yield* fake.failNext("rtm.connect", "token_revoked")
    const error = yield* Effect.flip(Rtm.connect())
    expect(error._tag).toBe("TokenRevoked")
  }).pipe(Effect.provide(FakeSlack.layer())))
