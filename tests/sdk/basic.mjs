// Core data-plane conformance of @azure/service-bus 7.9.x against busyard-emulator (sample entities).
import { ServiceBusClient } from "@azure/service-bus";
import assert from "node:assert/strict";

const step = (name) => console.log(`  - ${name}`);

export default async function run(connectionString) {
  const client = new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 15000 } });
  try {
    step("send one message and a batch to 'orders'");
    const sender = client.createSender("orders");
    await sender.sendMessages({ body: { hello: "world" }, messageId: "m-1", subject: "greeting",
                                applicationProperties: { n: 1, flag: true, text: "a" } });
    const batch = await sender.createMessageBatch();
    for (let i = 2; i <= 4; ++i) assert.ok(batch.tryAddMessage({ body: `message ${i}`, messageId: `m-${i}` }));
    await sender.sendMessages(batch);

    step("peek without locking");
    const receiver = client.createReceiver("orders");
    const peeked = await receiver.peekMessages(10);
    assert.equal(peeked.length, 4);
    assert.deepEqual(peeked.map((m) => Number(m.sequenceNumber)), [1, 2, 3, 4]);

    step("receive in peek-lock and complete");
    const received = await receiver.receiveMessages(4, { maxWaitTimeInMs: 5000 });
    assert.equal(received.length, 4);
    assert.deepEqual(received[0].body, { hello: "world" });
    assert.equal(received[0].subject, "greeting");
    assert.equal(received[0].applicationProperties.n, 1);
    assert.equal(received[0].applicationProperties.flag, true);
    assert.equal(received[0].deliveryCount, 0);
    assert.ok(received[0].lockToken);
    assert.ok(received[0].lockedUntilUtc instanceof Date);
    for (const m of received) await receiver.completeMessage(m);
    assert.equal((await receiver.peekMessages(10, { fromSequenceNumber: received[0].sequenceNumber })).length, 0);

    step("abandon increments the delivery count; dead-letter moves to the DLQ");
    await sender.sendMessages({ body: "retry me", messageId: "r-1" });
    let [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    await receiver.abandonMessage(m);
    [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    assert.equal(m.deliveryCount, 1);
    await receiver.deadLetterMessage(m, { deadLetterReason: "bad", deadLetterErrorDescription: "really bad" });
    const dlq = client.createReceiver("orders", { subQueueType: "deadLetter" });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    assert.equal(dead.messageId, "r-1");
    assert.equal(dead.deadLetterReason, "bad");
    assert.equal(dead.deadLetterErrorDescription, "really bad");
    await dlq.completeMessage(dead);

    step("defer and receive by sequence number");
    await sender.sendMessages({ body: "later", messageId: "d-1" });
    [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    await receiver.deferMessage(m);
    const [deferred] = await receiver.receiveDeferredMessages(m.sequenceNumber);
    assert.equal(deferred.messageId, "d-1");
    assert.equal(deferred.state, "deferred");
    await receiver.completeMessage(deferred);

    step("schedule and cancel");
    const [seq] = await sender.scheduleMessages({ body: "future", messageId: "s-1" }, new Date(Date.now() + 3600_000));
    const scheduled = await receiver.peekMessages(10);
    assert.equal(scheduled.length, 1);
    assert.equal(scheduled[0].state, "scheduled");
    await sender.cancelScheduledMessages(seq);
    assert.equal((await receiver.peekMessages(10)).length, 0);

    step("receive-and-delete");
    await sender.sendMessages({ body: "gone", messageId: "x-1" });
    const rad = client.createReceiver("orders", { receiveMode: "receiveAndDelete" });
    const [gone] = await rad.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    assert.equal(gone.messageId, "x-1");
    assert.equal((await receiver.peekMessages(10)).length, 0);

    step("session queue: accept a named session, session state");
    const sessionSender = client.createSender("orders-sessions");
    await sessionSender.sendMessages([{ body: "s1-a", sessionId: "s1" }, { body: "s2-a", sessionId: "s2" }]);
    const session = await client.acceptSession("orders-sessions", "s1");
    assert.equal(session.sessionId, "s1");
    assert.ok(session.sessionLockedUntilUtc instanceof Date);
    const sessionMessages = await session.receiveMessages(5, { maxWaitTimeInMs: 2000 });
    assert.equal(sessionMessages.length, 1);
    assert.equal(sessionMessages[0].body, "s1-a");
    await session.completeMessage(sessionMessages[0]);
    await session.setSessionState({ step: 2 });
    assert.deepEqual(await session.getSessionState(), { step: 2 });
    await session.renewSessionLock();
    await session.close();

    step("session queue: accept the next available session");
    const next = await client.acceptNextSession("orders-sessions", { maxAutoLockRenewalDurationInMs: 0 });
    assert.equal(next.sessionId, "s2");
    const [s2] = await next.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await next.completeMessage(s2);
    await next.close();

    step("topic with a SQL-filtered subscription");
    const topicSender = client.createSender("events");
    await topicSender.sendMessages([
      { body: "low", applicationProperties: { priority: "low" } },
      { body: "high", applicationProperties: { priority: "high" } },
    ]);
    const all = client.createReceiver("events", "all");
    const high = client.createReceiver("events", "high-priority");
    assert.equal((await all.receiveMessages(2, { maxWaitTimeInMs: 3000 })).length, 2);
    const highMessages = await high.receiveMessages(2, { maxWaitTimeInMs: 2000 });
    assert.deepEqual(highMessages.map((x) => x.body), ["high"]);

    step("rules over $management");
    const rules = client.createRuleManager("events", "high-priority");
    await rules.createRule("extra", { sqlExpression: "priority = 'urgent'" });
    const names = [];
    for await (const rule of rules.listRules()) names.push(rule.name);
    assert.deepEqual(names.sort(), ["extra", "high"]);
    await rules.deleteRule("extra");
  } finally {
    await client.close();
  }
}
