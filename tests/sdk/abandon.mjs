// Abandon releases the lock immediately and the redelivery carries an incremented delivery count.
import assert from "node:assert/strict";
import Long from "long";
import { createQueue, dataClient, receiveCount, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "abandon", { maxDeliveryCount: 10 });
  const client = dataClient(connectionString);
  try {
    await client.createSender(queue).sendMessages({ body: "retry me", messageId: "r-1" });
    const receiver = client.createReceiver(queue);

    step("abandon three times: delivery count 0, 1, 2, 3; lock token changes");
    const tokens = new Set();
    for (let expected = 0; expected <= 3; ++expected) {
      const [m] = await receiveCount(receiver, 1, 5000);
      assert.ok(m, `redelivery ${expected} missing`);
      assert.equal(m.messageId, "r-1");
      assert.equal(m.deliveryCount, expected);
      tokens.add(m.lockToken);
      if (expected < 3) await receiver.abandonMessage(m, { reason: `attempt ${expected}` });
      else {
        step("abandon with propertiesToModify changes the application properties");
        await receiver.abandonMessage(m, { retried: true, attempt: 3 });
      }
    }
    assert.equal(tokens.size, 4, "each delivery has its own lock token");

    const [last] = await receiveCount(receiver, 1, 5000);
    assert.equal(last.deliveryCount, 4);
    assert.equal(last.applicationProperties.retried, true);
    assert.equal(last.applicationProperties.attempt, 3);

    await receiver.completeMessage(last);
    assert.equal((await client.createReceiver(queue).peekMessages(1, { fromSequenceNumber: Long.fromNumber(1) })).length, 0);
  } finally {
    await client.close();
  }
}
