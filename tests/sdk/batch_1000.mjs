// 1,000 messages sent as ServiceBusMessageBatch(es) and as arrays, received complete and in order.
import assert from "node:assert/strict";
import { createQueue, dataClient, step } from "./helpers.mjs";

const kCount = 1000;

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "batch");
  const client = dataClient(connectionString, 20000);
  try {
    const sender = client.createSender(queue);
    step("first 500 via createMessageBatch/tryAddMessage (as many batches as the size limit needs)");
    let batch = await sender.createMessageBatch();
    let batches = 0;
    for (let i = 0; i < kCount / 2; ++i) {
      const message = { body: `body-${i}`, messageId: `id-${i}`, applicationProperties: { index: i } };
      if (!batch.tryAddMessage(message)) {
        await sender.sendMessages(batch);
        ++batches;
        batch = await sender.createMessageBatch();
        assert.ok(batch.tryAddMessage(message), "a single message must fit an empty batch");
      }
    }
    await sender.sendMessages(batch);
    ++batches;
    console.log(`    (${batches} batch transfer(s))`);

    step("last 500 via sendMessages(array) in chunks of 100");
    for (let start = kCount / 2; start < kCount; start += 100) {
      const chunk = [];
      for (let i = start; i < start + 100; ++i) chunk.push({ body: `body-${i}`, messageId: `id-${i}`, applicationProperties: { index: i } });
      await sender.sendMessages(chunk);
    }

    step("peek count matches");
    const receiver = client.createReceiver(queue, { receiveMode: "receiveAndDelete" });
    const peeked = await client.createReceiver(queue).peekMessages(kCount + 10);
    assert.equal(peeked.length, kCount);

    step("receive all 1,000: order, bodies, ids, sequence numbers");
    const received = [];
    const end = Date.now() + 30000;
    while (received.length < kCount && Date.now() < end) {
      received.push(...await receiver.receiveMessages(Math.min(250, kCount - received.length), { maxWaitTimeInMs: 2000 }));
    }
    assert.equal(received.length, kCount);
    for (let i = 0; i < kCount; ++i) {
      const m = received[i];
      assert.equal(m.body, `body-${i}`, `body at ${i}`);
      assert.equal(m.messageId, `id-${i}`, `messageId at ${i}`);
      assert.equal(m.applicationProperties.index, i);
      assert.equal(Number(m.sequenceNumber), i + 1, `sequence number at ${i}`);
    }
    assert.equal((await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).length, 0, "no extra messages");
  } finally {
    await client.close();
  }
}
