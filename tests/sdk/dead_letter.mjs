// Dead-letter with reason and description, then read the dead-letter queue (and its runtime count).
import assert from "node:assert/strict";
import { adminClient, createQueue, dataClient, receiveCount, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "dlq");
  const client = dataClient(connectionString);
  try {
    await client.createSender(queue).sendMessages([
      { body: { order: 1 }, messageId: "d-1", applicationProperties: { keep: "me" } },
      { body: "plain", messageId: "d-2" },
    ]);
    const receiver = client.createReceiver(queue);
    const [a, b] = await receiveCount(receiver, 2);

    step("dead-letter with reason + description, and with extra properties");
    await receiver.deadLetterMessage(a, { deadLetterReason: "Invalid", deadLetterErrorDescription: "order 1 is bad" });
    await receiver.deadLetterMessage(b, { deadLetterReason: "Other", deadLetterErrorDescription: "no", extra: 42 });
    assert.equal((await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 })).length, 0, "main queue empty");

    step("runtime properties count them as dead-lettered");
    const props = await adminClient(endpoints).getQueueRuntimeProperties(queue);
    assert.equal(props.deadLetterMessageCount, 2);
    assert.equal(props.activeMessageCount, 0);

    step("read the DLQ: body, properties, reason, description, source, sequence");
    const dlq = client.createReceiver(queue, { subQueueType: "deadLetter" });
    const peeked = await dlq.peekMessages(10);
    assert.deepEqual(peeked.map((m) => m.messageId), ["d-1", "d-2"]);
    const dead = await receiveCount(dlq, 2);
    assert.equal(dead.length, 2);
    assert.deepEqual(dead[0].body, { order: 1 });
    assert.equal(dead[0].applicationProperties.keep, "me");
    assert.equal(dead[0].deadLetterReason, "Invalid");
    assert.equal(dead[0].deadLetterErrorDescription, "order 1 is bad");
    assert.equal(dead[0].deadLetterSource, undefined, "no source for a queue's own DLQ");
    assert.equal(String(dead[0].sequenceNumber), String(a.sequenceNumber), "sequence number kept");
    assert.equal(dead[0].state, "active");
    assert.equal(dead[1].deadLetterReason, "Other");
    assert.equal(dead[1].applicationProperties.extra, 42);
    for (const m of dead) await dlq.completeMessage(m);
    assert.equal((await dlq.receiveMessages(1, { maxWaitTimeInMs: 1000 })).length, 0);

    step("the DLQ address spelled out works too ($DeadLetterQueue)");
    await client.createSender(queue).sendMessages({ body: "x", messageId: "d-3" });
    const [c] = await receiveCount(receiver, 1);
    await receiver.deadLetterMessage(c);
    const byPath = client.createReceiver(`${queue}/$DeadLetterQueue`);
    const [viaPath] = await receiveCount(byPath, 1);
    assert.equal(viaPath?.messageId, "d-3");
    await byPath.completeMessage(viaPath);
  } finally {
    await client.close();
  }
}
