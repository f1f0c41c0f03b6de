// Peek does not lock: peeking twice leaves the delivery count at 0 and a receiver still gets everything.
import assert from "node:assert/strict";
import Long from "long";
import { createQueue, dataClient, receiveCount, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "peek");
  const client = dataClient(connectionString);
  try {
    await client.createSender(queue).sendMessages([1, 2, 3].map((i) => ({ body: `p${i}`, messageId: `p-${i}` })));
    const receiver = client.createReceiver(queue);

    step("peek twice from the start (fromSequenceNumber 1): same messages, no locks, delivery count 0");
    for (let round = 0; round < 2; ++round) {
      const peeked = await receiver.peekMessages(10, { fromSequenceNumber: Long.fromNumber(1) });
      assert.deepEqual(peeked.map((m) => m.messageId), ["p-1", "p-2", "p-3"]);
      for (const m of peeked) {
        assert.equal(m.deliveryCount, 0, `delivery count after peek ${round}`);
        assert.equal(m.lockToken, undefined);
        assert.equal(m.state, "active");
      }
    }

    step("peek without fromSequenceNumber continues where the previous peek stopped (one at a time)");
    // The JS SDK keeps the last peeked sequence number per entity and connection: use a new client.
    const other = dataClient(connectionString);
    try {
      const fresh = other.createReceiver(queue);
      const pages = [];
      for (let i = 0; i < 4; ++i) pages.push((await fresh.peekMessages(1)).map((m) => m.messageId));
      assert.deepEqual(pages, [["p-1"], ["p-2"], ["p-3"], []]);
    } finally {
      await other.close();
    }

    step("a peek-lock receiver still gets all three, delivery count 0");
    const received = await receiveCount(receiver, 3);
    assert.deepEqual(received.map((m) => m.messageId), ["p-1", "p-2", "p-3"]);
    for (const m of received) assert.equal(m.deliveryCount, 0);

    step("peek of locked messages still shows them (locked messages are peekable)");
    const locked = await client.createReceiver(queue).peekMessages(10, { fromSequenceNumber: Long.fromNumber(1) });
    assert.equal(locked.length, 3);
    for (const m of received) await receiver.completeMessage(m);
    assert.equal((await client.createReceiver(queue).peekMessages(10, { fromSequenceNumber: Long.fromNumber(1) })).length, 0);
  } finally {
    await client.close();
  }
}
