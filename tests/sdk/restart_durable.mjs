// The SDK recovers on its own when the emulator is killed (SIGKILL) mid-stream and restarted on the same
// ports with the same durable (SQLite) data dir: a subscribe() receiver consumes while a sender sends
// kCount messages with distinct ids; every acknowledged send must be received at least once, and a
// message whose completion was acknowledged before the kill must not come back.
import assert from "node:assert/strict";
import { ServiceBusClient } from "@azure/service-bus";
import { createQueue, sleep, step } from "./helpers.mjs";

export const emulator = { durable: true, timeoutMs: 55000 };

const kCount = 150;

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "restart");
  const retryOptions = { maxRetries: 8, retryDelayInMs: 300, maxRetryDelayInMs: 2000, timeoutInMs: 5000 };
  const client = new ServiceBusClient(connectionString, { retryOptions });
  const acked = new Set();        // sends the emulator acknowledged
  const received = new Map();     // id -> times received
  const completed = new Set();    // completions the emulator acknowledged
  let completedAtKill = null;     // snapshot of `completed` when the kill was ordered
  const errors = [];
  let killAt = null;
  try {
    step(`subscribe, then send ${kCount} messages one by one; SIGKILL + restart after ${kCount / 3} acks`);
    const receiver = client.createReceiver(queue, { maxAutoLockRenewalDurationInMs: 0 });
    const subscription = receiver.subscribe({
      processMessage: async (m) => {
        received.set(m.messageId, (received.get(m.messageId) ?? 0) + 1);
        await receiver.completeMessage(m);
        completed.add(m.messageId);
      },
      processError: async (args) => { errors.push(`${args.errorSource}: ${args.error.code ?? args.error.name}`); },
    }, { autoCompleteMessages: false, maxConcurrentCalls: 4 });

    const sender = client.createSender(queue);
    let restart = null;
    for (let i = 0; i < kCount; ++i) {
      const id = `n-${i}`;
      for (let attempt = 0; attempt < 20 && !acked.has(id); ++attempt) {
        try {
          await sender.sendMessages({ body: { i }, messageId: id });
          acked.add(id);
        } catch (error) {
          errors.push(`send ${id}: ${error.code ?? error.name}`);
          await sleep(250);
        }
      }
      assert.ok(acked.has(id), `send ${id} never acknowledged`);
      if (acked.size === Math.floor(kCount / 3) && !restart) {
        killAt = Date.now();
        completedAtKill = new Set(completed);
        restart = endpoints.restart("SIGKILL").then(() => console.log(`    emulator back after ${Date.now() - killAt} ms`));
      }
      await sleep(10);
    }
    await restart;

    step("wait until every acknowledged id was received (bounded)");
    const end = Date.now() + 25000;
    while (Date.now() < end && [...acked].some((id) => !received.has(id))) await sleep(200);
    await sleep(500); // let late duplicates show up
    await subscription.close();

    const missing = [...acked].filter((id) => !received.has(id));
    const duplicates = [...received].filter(([, n]) => n > 1).map(([id]) => id);
    const badDuplicates = duplicates.filter((id) => completedAtKill.has(id));
    console.log(`    acknowledged ${acked.size}, received ${received.size} distinct, duplicates ${duplicates.length}` +
                (duplicates.length ? ` (${duplicates.join(", ")})` : "") + `, completed before the kill ${completedAtKill.size}`);
    console.log(`    errors seen by the SDK callbacks: ${errors.length}${errors.length ? ` (first: ${errors.slice(0, 3).join("; ")})` : ""}`);
    assert.ok(completedAtKill.size > 0, "nothing was consumed before the kill: the test did not test mid-stream");
    assert.deepEqual(missing, [], "acknowledged messages lost");
    assert.deepEqual(badDuplicates, [], "messages completed before the kill were delivered again");

    step("nothing left in the queue");
    const check = client.createReceiver(queue, { receiveMode: "receiveAndDelete" });
    const rest = await check.receiveMessages(10, { maxWaitTimeInMs: 1000 });
    assert.deepEqual(rest.map((m) => m.messageId), []);
  } finally {
    await client.close();
  }
}
