// Abandoning maxDeliveryCount times moves the message to the DLQ with reason MaxDeliveryCountExceeded.
import assert from "node:assert/strict";
import { createQueue, dataClient, receiveCount, step } from "./helpers.mjs";

const kMax = 3;

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "maxdc", { maxDeliveryCount: kMax });
  const client = dataClient(connectionString);
  try {
    await client.createSender(queue).sendMessages({ body: "poison", messageId: "poison-1" });
    const receiver = client.createReceiver(queue);

    step(`abandon ${kMax} times`);
    for (let i = 0; i < kMax; ++i) {
      const [m] = await receiveCount(receiver, 1, 5000);
      assert.ok(m, `delivery ${i} missing`);
      assert.equal(m.deliveryCount, i);
      await receiver.abandonMessage(m);
    }

    step("the queue is empty, the DLQ has it with MaxDeliveryCountExceeded");
    assert.equal((await receiver.receiveMessages(1, { maxWaitTimeInMs: 1500 })).length, 0);
    const dlq = client.createReceiver(queue, { subQueueType: "deadLetter" });
    const [dead] = await receiveCount(dlq, 1, 5000);
    assert.ok(dead, "message not in the DLQ");
    assert.equal(dead.messageId, "poison-1");
    assert.equal(dead.body, "poison");
    assert.equal(dead.deadLetterReason, "MaxDeliveryCountExceeded");
    assert.ok(dead.deadLetterErrorDescription, "a description is set");
    assert.equal(dead.deliveryCount, kMax);
    await dlq.completeMessage(dead);
  } finally {
    await client.close();
  }
}
