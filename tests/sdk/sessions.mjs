// Sessions: accept next, accept named, FIFO ordering within a session, session state, renew lock.
import assert from "node:assert/strict";
import { createQueue, dataClient, expectError, receiveCount, sleep, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "sess", { requiresSession: true, lockDuration: "PT5S" });
  const client = dataClient(connectionString);
  try {
    step("interleave 3 sessions x 5 messages");
    const sender = client.createSender(queue);
    const sent = [];
    for (let i = 0; i < 5; ++i) for (const s of ["a", "b", "c"]) sent.push({ body: `${s}-${i}`, sessionId: s, messageId: `${s}-${i}` });
    await sender.sendMessages(sent);

    step("accept named session 'b': only b's messages, in order");
    const b = await client.acceptSession(queue, "b", { maxAutoLockRenewalDurationInMs: 0 });
    assert.equal(b.sessionId, "b");
    const bMessages = await receiveCount(b, 5);
    assert.deepEqual(bMessages.map((m) => m.body), [0, 1, 2, 3, 4].map((i) => `b-${i}`));
    for (const m of bMessages) assert.equal(m.sessionId, "b");

    step("session state: empty, set, get, overwrite");
    assert.equal(await b.getSessionState(), null);
    await b.setSessionState("checkpoint-1");
    assert.equal(await b.getSessionState(), "checkpoint-1");
    await b.setSessionState({ seen: 5 });
    assert.deepEqual(await b.getSessionState(), { seen: 5 });

    step("renew the session lock extends sessionLockedUntilUtc");
    const before = b.sessionLockedUntilUtc.getTime();
    await sleep(1100);
    await b.renewSessionLock();
    assert.ok(b.sessionLockedUntilUtc.getTime() >= before + 1000, `${b.sessionLockedUntilUtc.toISOString()} vs ${new Date(before).toISOString()}`);
    assert.ok(b.sessionLockedUntilUtc.getTime() > Date.now() + 3000);

    // (renewMessageLock is refused client-side on session receivers; the session lock covers them.)
    for (const m of bMessages) await b.completeMessage(m);

    step("a second receiver cannot take 'b' while held");
    await expectError(client.acceptSession(queue, "b"), (e) => assert.equal(e.code, "SessionCannotBeLocked", String(e)));
    await b.close();

    step("state survives close; the next acceptor of 'b' sees it");
    const b2 = await client.acceptSession(queue, "b", { maxAutoLockRenewalDurationInMs: 0 });
    assert.deepEqual(await b2.getSessionState(), { seen: 5 });
    await b2.setSessionState(null);
    await b2.close();

    step("accept next twice: the two remaining sessions (a, c), each in order");
    const seen = [];
    for (let k = 0; k < 2; ++k) {
      const next = await client.acceptNextSession(queue, { maxAutoLockRenewalDurationInMs: 0 });
      assert.ok(["a", "c"].includes(next.sessionId), next.sessionId);
      assert.ok(!seen.includes(next.sessionId), "the same session twice");
      seen.push(next.sessionId);
      const messages = await receiveCount(next, 5);
      assert.deepEqual(messages.map((m) => m.body), [0, 1, 2, 3, 4].map((i) => `${next.sessionId}-${i}`));
      for (const m of messages) await next.completeMessage(m);
      await next.close();
    }
    assert.deepEqual(seen.sort(), ["a", "c"]);

    step("abandon inside a session: redelivered first, same session");
    await sender.sendMessages([{ body: "x-0", sessionId: "x" }, { body: "x-1", sessionId: "x" }]);
    const x = await client.acceptSession(queue, "x", { maxAutoLockRenewalDurationInMs: 0 });
    const [x0] = await receiveCount(x, 1);
    assert.equal(x0.body, "x-0");
    await x.abandonMessage(x0);
    const again = await receiveCount(x, 2);
    assert.deepEqual(again.map((m) => [m.body, m.deliveryCount]), [["x-0", 1], ["x-1", 0]]);
    for (const m of again) await x.completeMessage(m);
    await x.close();
  } finally {
    await client.close();
  }
}
