// TTL expiry: with deadLetteringOnMessageExpiration the message lands in the DLQ with reason
// TTLExpiredException; without it the message is gone. Also the queue's defaultMessageTimeToLive.
import assert from "node:assert/strict";
import Long from "long";
import { createQueue, dataClient, receiveCount, sleep, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const withDlq = await createQueue(endpoints, "ttl-dlq", { deadLetteringOnMessageExpiration: true });
  const without = await createQueue(endpoints, "ttl-gone", { deadLetteringOnMessageExpiration: false });
  const byDefault = await createQueue(endpoints, "ttl-default", { deadLetteringOnMessageExpiration: true, defaultMessageTimeToLive: "PT1S" });
  const client = dataClient(connectionString);
  try {
    step("send short-lived (1 s) and long-lived messages to both queues and one to the default-TTL queue");
    for (const queue of [withDlq, without]) {
      await client.createSender(queue).sendMessages([
        { body: "short", messageId: "short", timeToLive: 1000 },
        { body: "long", messageId: "long", timeToLive: 3600_000 },
      ]);
    }
    await client.createSender(byDefault).sendMessages({ body: "default", messageId: "default" });
    const [expiresCheck] = await client.createReceiver(withDlq).peekMessages(1, { fromSequenceNumber: Long.fromNumber(1) });
    assert.equal(expiresCheck.timeToLive, 1000);
    assert.equal(expiresCheck.expiresAtUtc.getTime(), expiresCheck.enqueuedTimeUtc.getTime() + 1000);
    await sleep(2000);

    step("deadLetteringOnMessageExpiration: short one in the DLQ with TTLExpiredException, long one still there");
    const receiver = client.createReceiver(withDlq);
    const live = await receiveCount(receiver, 2, 2500);
    assert.deepEqual(live.map((m) => m.messageId), ["long"]);
    const dlq = client.createReceiver(withDlq, { subQueueType: "deadLetter" });
    const [dead] = await receiveCount(dlq, 1, 5000);
    assert.ok(dead, "expired message not dead-lettered");
    assert.equal(dead.messageId, "short");
    assert.equal(dead.body, "short");
    assert.equal(dead.deadLetterReason, "TTLExpiredException");

    step("without it: the short one is gone, not in the DLQ");
    const plain = await receiveCount(client.createReceiver(without), 2, 2500);
    assert.deepEqual(plain.map((m) => m.messageId), ["long"]);
    assert.equal((await client.createReceiver(without, { subQueueType: "deadLetter" }).receiveMessages(1, { maxWaitTimeInMs: 1000 })).length, 0);

    step("queue defaultMessageTimeToLive applies to messages without their own TTL");
    assert.equal((await client.createReceiver(byDefault).receiveMessages(1, { maxWaitTimeInMs: 1000 })).length, 0);
    const [defaultDead] = await receiveCount(client.createReceiver(byDefault, { subQueueType: "deadLetter" }), 1, 3000);
    assert.equal(defaultDead?.messageId, "default");
    assert.equal(defaultDead.deadLetterReason, "TTLExpiredException");
  } finally {
    await client.close();
  }
}
