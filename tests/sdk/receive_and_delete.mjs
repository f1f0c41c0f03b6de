// receiveAndDelete: messages are removed on delivery, carry no lock and cannot be settled.
import assert from "node:assert/strict";
import Long from "long";
import { createQueue, dataClient, receiveCount, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "rad");
  const client = dataClient(connectionString);
  try {
    await client.createSender(queue).sendMessages([1, 2, 3, 4, 5].map((i) => ({ body: i, messageId: `x-${i}` })));
    const receiver = client.createReceiver(queue, { receiveMode: "receiveAndDelete" });

    step("receive 3 of 5: in order, no lock token, gone from the queue");
    const first = await receiveCount(receiver, 3);
    assert.deepEqual(first.map((m) => m.body), [1, 2, 3]);
    for (const m of first) assert.equal(m.lockToken, undefined);
    const peeked = await client.createReceiver(queue).peekMessages(10, { fromSequenceNumber: Long.fromNumber(1) });
    assert.deepEqual(peeked.map((m) => m.messageId), ["x-4", "x-5"]);

    step("settling a receive-and-delete message is refused by the SDK");
    await assert.rejects(receiver.completeMessage(first[0]));

    step("the rest, then the queue is empty (a peek-lock receiver gets nothing)");
    const rest = await receiveCount(receiver, 2);
    assert.deepEqual(rest.map((m) => m.body), [4, 5]);
    assert.equal((await client.createReceiver(queue).receiveMessages(1, { maxWaitTimeInMs: 1000 })).length, 0);
  } finally {
    await client.close();
  }
}
