// Shared helpers for the SDK conformance scripts (not a test itself).
import { ServiceBusAdministrationClient, ServiceBusClient } from "@azure/service-bus";
import assert from "node:assert/strict";

export const step = (name) => console.log(`  - ${name}`);
export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** A data-plane client without retries, so a misbehaving emulator fails fast. */
export function dataClient(connectionString, timeoutInMs = 10000) {
  return new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 0, timeoutInMs } });
}

/**
 * The unmodified administration client over HTTPS: run.mjs runs scripts with NODE_EXTRA_CA_CERTS set
 * to the emulator's dev CA and gives `adminConnectionString` = Endpoint=sb://localhost:<https port>.
 */
export function adminClient(endpoints) {
  assert.ok(endpoints.adminConnectionString, "the emulator did not report an HTTPS port");
  return new ServiceBusAdministrationClient(endpoints.adminConnectionString, { retryOptions: { maxRetries: 0 } });
}

/** Creates a uniquely named queue with `options` (admin client) and returns its name. */
export async function createQueue(endpoints, prefix, options = {}) {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await adminClient(endpoints).createQueue(name, options);
  return name;
}

/** Receives until `count` messages arrived or `deadlineMs` passed (bounded). */
export async function receiveCount(receiver, count, deadlineMs = 10000) {
  const out = [];
  const end = Date.now() + deadlineMs;
  while (out.length < count && Date.now() < end) {
    const wait = Math.max(200, Math.min(2000, end - Date.now()));
    out.push(...await receiver.receiveMessages(count - out.length, { maxWaitTimeInMs: wait }));
  }
  return out;
}

/** Asserts that `promise` rejects and passes the error to `check`. */
export async function expectError(promise, check) {
  try {
    await promise;
  } catch (error) {
    check(error);
    return;
  }
  assert.fail("expected an error");
}
