// Send, peek-lock receive and complete on a queue: the message, its system properties and the lock.
import assert from "node:assert/strict";
import { adminClient, createQueue, dataClient, receiveCount, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "sr");
  const client = dataClient(connectionString);
  try {
    step("send one message with system and application properties");
    const sender = client.createSender(queue);
    const before = Date.now();
    await sender.sendMessages({ body: "hello", messageId: "m-1", correlationId: "c-1", subject: "greeting",
                                contentType: "text/plain", to: "someone", replyTo: "back",
                                applicationProperties: { kind: "test" } });

    step("receive in peek-lock: properties, lock token, delivery count, sequence number");
    const receiver = client.createReceiver(queue);
    const [m] = await receiveCount(receiver, 1);
    assert.ok(m, "no message received");
    assert.equal(m.body, "hello");
    assert.equal(m.messageId, "m-1");
    assert.equal(m.correlationId, "c-1");
    assert.equal(m.subject, "greeting");
    assert.equal(m.contentType, "text/plain");
    assert.equal(m.to, "someone");
    assert.equal(m.replyTo, "back");
    assert.equal(m.applicationProperties.kind, "test");
    assert.equal(m.deliveryCount, 0);
    assert.equal(Number(m.sequenceNumber), 1);
    assert.ok(m.lockToken && /^[0-9a-f-]{36}$/i.test(m.lockToken), `lock token ${m.lockToken}`);
    assert.ok(m.enqueuedTimeUtc instanceof Date && m.enqueuedTimeUtc.getTime() >= before - 2000);
    assert.ok(m.lockedUntilUtc instanceof Date && m.lockedUntilUtc.getTime() > Date.now(), "lock in the future");
    assert.equal(m.state, "active");

    step("while locked the message is not delivered again");
    assert.equal((await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 })).length, 0);

    step("complete removes it");
    await receiver.completeMessage(m);
    assert.equal((await receiver.peekMessages(10)).length, 0);
    assert.equal((await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 })).length, 0);
    const props = await adminClient(endpoints).getQueueRuntimeProperties(queue);
    assert.equal(props.totalMessageCount, 0);
  } finally {
    await client.close();
  }
}
