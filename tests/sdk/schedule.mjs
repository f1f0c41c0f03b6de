// Schedule messages (scheduleMessages and scheduledEnqueueTimeUtc), cancel one, the rest arrive on time.
import assert from "node:assert/strict";
import Long from "long";
import { createQueue, dataClient, receiveCount, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "sched");
  const client = dataClient(connectionString);
  try {
    const sender = client.createSender(queue);
    const receiver = client.createReceiver(queue);

    step("schedule two far-future messages, cancel one; peek shows the other as scheduled");
    const far = new Date(Date.now() + 3600_000);
    const seqs = await sender.scheduleMessages([{ body: "keep", messageId: "s-keep" }, { body: "cancel", messageId: "s-cancel" }], far);
    assert.equal(seqs.length, 2);
    await sender.cancelScheduledMessages(seqs[1]);
    const peeked = await receiver.peekMessages(10, { fromSequenceNumber: Long.fromNumber(1) });
    assert.deepEqual(peeked.map((m) => m.messageId), ["s-keep"]);
    assert.equal(peeked[0].state, "scheduled");
    assert.equal(peeked[0].scheduledEnqueueTimeUtc.getTime(), far.getTime());
    assert.equal((await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 })).length, 0, "not yet delivered");

    step("schedule 2 s ahead (scheduleMessages) and via scheduledEnqueueTimeUtc on send; both arrive after it");
    const soon = new Date(Date.now() + 2000);
    await sender.scheduleMessages({ body: "soon", messageId: "s-soon" }, soon);
    await sender.sendMessages({ body: "soon2", messageId: "s-soon2", scheduledEnqueueTimeUtc: soon });
    assert.equal((await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).length, 0, "too early");
    const arrived = await receiveCount(receiver, 2, 8000);
    assert.deepEqual(arrived.map((m) => m.messageId).sort(), ["s-soon", "s-soon2"]);
    for (const m of arrived) {
      assert.ok(Date.now() >= soon.getTime() - 100, "delivered before its time");
      assert.ok(m.enqueuedTimeUtc.getTime() >= soon.getTime() - 1000, `enqueued ${m.enqueuedTimeUtc.toISOString()}`);
      assert.equal(m.scheduledEnqueueTimeUtc?.getTime(), soon.getTime());
      await receiver.completeMessage(m);
    }

    step("cancel the remaining far-future one; nothing left");
    await sender.cancelScheduledMessages(seqs[0]);
    assert.equal((await receiver.peekMessages(10, { fromSequenceNumber: Long.fromNumber(1) })).length, 0);
  } finally {
    await client.close();
  }
}
