// Defer a message, then receive it by sequence number (receiveDeferredMessages) and settle it.
import assert from "node:assert/strict";
import Long from "long";
import { createQueue, dataClient, expectError, receiveCount, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "defer");
  const client = dataClient(connectionString);
  try {
    await client.createSender(queue).sendMessages([
      { body: "later-1", messageId: "d-1" }, { body: "later-2", messageId: "d-2" }, { body: "now", messageId: "n-1" }]);
    const receiver = client.createReceiver(queue);
    const [a, b, c] = await receiveCount(receiver, 3);

    step("defer two messages; they are no longer delivered normally");
    await receiver.deferMessage(a);
    await receiver.deferMessage(b, { deferredBy: "test" });
    await receiver.completeMessage(c);
    assert.equal((await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 })).length, 0);

    step("peek shows them as deferred");
    const peeked = await receiver.peekMessages(10, { fromSequenceNumber: Long.fromNumber(1) });
    assert.deepEqual(peeked.map((m) => [m.messageId, m.state]), [["d-1", "deferred"], ["d-2", "deferred"]]);

    step("receive deferred by sequence numbers (several at once)");
    const deferred = await receiver.receiveDeferredMessages([a.sequenceNumber, b.sequenceNumber]);
    assert.deepEqual(deferred.map((m) => m.messageId).sort(), ["d-1", "d-2"]);
    for (const m of deferred) {
      assert.equal(m.state, "deferred");
      assert.ok(m.lockToken);
      assert.ok(m.lockedUntilUtc instanceof Date && m.lockedUntilUtc.getTime() > Date.now());
    }
    const d2 = deferred.find((m) => m.messageId === "d-2");
    assert.equal(d2.applicationProperties.deferredBy, "test");

    step("abandoning a deferred message keeps it deferred; completing removes it");
    const d1 = deferred.find((m) => m.messageId === "d-1");
    await receiver.abandonMessage(d1);
    const [again] = await receiver.receiveDeferredMessages(a.sequenceNumber);
    assert.equal(again?.messageId, "d-1");
    assert.equal(again.deliveryCount, d1.deliveryCount + 1);
    await receiver.completeMessage(again);
    await receiver.completeMessage(d2);

    step("a completed deferred message and an unknown sequence number -> MessageNotFound");
    await expectError(receiver.receiveDeferredMessages(a.sequenceNumber), (e) => assert.equal(e.code, "MessageNotFound", String(e)));
    await expectError(receiver.receiveDeferredMessages(Long.fromNumber(999)), (e) => assert.equal(e.code, "MessageNotFound", String(e)));
  } finally {
    await client.close();
  }
}
