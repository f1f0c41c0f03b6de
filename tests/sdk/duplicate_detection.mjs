// requiresDuplicateDetection: the same messageId sent twice within the window is stored once.
import assert from "node:assert/strict";
import { createQueue, dataClient, receiveCount, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "dedup", { requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindow: "PT1M" });
  const plainQueue = await createQueue(endpoints, "nodedup");
  const client = dataClient(connectionString);
  try {
    step("same messageId twice (separate sends), then again inside a batch, plus a distinct id");
    const sender = client.createSender(queue);
    await sender.sendMessages({ body: "first", messageId: "dup-1" });
    await sender.sendMessages({ body: "second", messageId: "dup-1" });
    const batch = await sender.createMessageBatch();
    assert.ok(batch.tryAddMessage({ body: "third", messageId: "dup-1" }));
    assert.ok(batch.tryAddMessage({ body: "other", messageId: "dup-2" }));
    await sender.sendMessages(batch);

    step("one message per id; the first body wins");
    const receiver = client.createReceiver(queue);
    const received = await receiveCount(receiver, 3, 3000);
    assert.deepEqual(received.map((m) => [m.messageId, m.body]), [["dup-1", "first"], ["dup-2", "other"]]);

    step("still a duplicate after the original was completed (inside the window)");
    for (const m of received) await receiver.completeMessage(m);
    await sender.sendMessages({ body: "late", messageId: "dup-1" });
    assert.equal((await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 })).length, 0);

    step("a queue without duplicate detection keeps both");
    await client.createSender(plainQueue).sendMessages([{ body: "a", messageId: "same" }, { body: "b", messageId: "same" }]);
    assert.equal((await receiveCount(client.createReceiver(plainQueue), 2)).length, 2);
  } finally {
    await client.close();
  }
}
