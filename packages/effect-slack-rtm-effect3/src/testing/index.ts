/**
 * Test kit: a fake Slack on loopback, and in-memory layers, for tests and
 * demos. Nothing here is needed in production code.
 *
 * @since 0.1.0
 */

/**
 * A fake Slack server on 127.0.0.1.
 *
 * @since 0.1.0
 */
export * as FakeSlack from "./FakeSlack.js"

/**
 * In-memory layers for unit tests under TestClock.
 *
 * @since 0.1.0
 */
export * as SlackTest from "./SlackTest.js"
