// renewMessageLock extends lockedUntilUtc; a renewed lock outlives the original lock duration, an
// unrenewed one expires and the message is redelivered with delivery count + 1.
import assert from "node:assert/strict";
import { createQueue, dataClient, receiveCount, sleep, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "lock", { lockDuration: "PT5S" });
  const client = dataClient(connectionString);
  try {
    await client.createSender(queue).sendMessages([{ body: "kept", messageId: "k" }, { body: "lost", messageId: "l" }]);
    const receiver = client.createReceiver(queue, { maxAutoLockRenewalDurationInMs: 0 });
    const [kept, lost] = await receiveCount(receiver, 2);
    const original = kept.lockedUntilUtc.getTime();
    assert.ok(Math.abs(original - (Date.now() + 5000)) < 2000, `lock duration ~5 s (${kept.lockedUntilUtc.toISOString()})`);

    step("renew twice, 2 s apart: lockedUntilUtc moves forward each time");
    await sleep(2000);
    const first = await receiver.renewMessageLock(kept);
    assert.ok(first.getTime() >= original + 1500, `${first.toISOString()} vs ${new Date(original).toISOString()}`);
    assert.equal(kept.lockedUntilUtc.getTime(), first.getTime(), "the SDK updates the message");
    await sleep(2000);
    const second = await receiver.renewMessageLock(kept);
    assert.ok(second.getTime() >= first.getTime() + 1500);

    step("after the original 5 s: the renewed message can still be completed, the other lock is lost");
    await sleep(Math.max(0, original + 1000 - Date.now()));
    await receiver.completeMessage(kept);
    await assert.rejects(receiver.completeMessage(lost), (e) => e.code === "MessageLockLost");

    step("the expired one is redelivered with delivery count 1");
    const [again] = await receiveCount(receiver, 1, 5000);
    assert.equal(again?.messageId, "l");
    assert.equal(again.deliveryCount, 1);
    await receiver.completeMessage(again);
  } finally {
    await client.close();
  }
}
