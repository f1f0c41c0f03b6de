// Error conditions as @azure/service-bus 7.9.x sees them (servicebus-amqp.md §6).
import { ServiceBusClient, isServiceBusError } from "@azure/service-bus";
import assert from "node:assert/strict";

const step = (name) => console.log(`  - ${name}`);

async function expectError(promise, check) {
  try {
    await promise;
  } catch (error) {
    check(error);
    return;
  }
  assert.fail("expected an error");
}

export default async function run(connectionString) {
  const options = { retryOptions: { maxRetries: 0, timeoutInMs: 3000 } };

  step("wrong key -> UnauthorizedAccess");
  const wrong = new ServiceBusClient(connectionString.replace(/SharedAccessKey=[^;]+/, "SharedAccessKey=wrong"), options);
  try {
    await expectError(wrong.createSender("orders").sendMessages({ body: "x" }), (e) => {
      assert.ok(isServiceBusError(e), String(e));
      assert.equal(e.code, "UnauthorizedAccess");
    });
  } finally {
    await wrong.close();
  }

  const client = new ServiceBusClient(connectionString, options);
  try {
    step("missing entity -> MessagingEntityNotFound");
    await expectError(client.createSender("no-such-queue").sendMessages({ body: "x" }), (e) => {
      assert.equal(e.code, "MessagingEntityNotFound", String(e));
    });

    step("sending to a subscription is refused (amqp:not-allowed)");
    await expectError(client.createSender("events/Subscriptions/all").sendMessages({ body: "x" }), (e) => {
      assert.equal(e.code, "GeneralError", String(e));
    });

    step("message over the size limit -> MessageSizeExceeded");
    await expectError(client.createSender("orders").sendMessages({ body: Buffer.alloc(300 * 1024) }), (e) => {
      assert.equal(e.code, "MessageSizeExceeded", String(e));
    });

    step("batch sizing uses the link's max-message-size");
    const batch = await client.createSender("orders").createMessageBatch();
    assert.equal(batch.maxSizeInBytes, 256 * 1024);

    step("plain receiver on a session queue is refused");
    await expectError(client.createReceiver("orders-sessions").receiveMessages(1, { maxWaitTimeInMs: 1000 }), (e) => {
      assert.equal(e.code, "GeneralError", String(e)); // amqp:not-allowed
    });

    step("accept-next-session with no session times out");
    await expectError(client.acceptNextSession("orders-sessions"), (e) => {
      assert.ok(["ServiceTimeout", "SessionCannotBeLocked"].includes(e.code), String(e));
    });

    step("named session held by another receiver -> SessionCannotBeLocked");
    await client.createSender("orders-sessions").sendMessages({ body: "x", sessionId: "held" });
    const holder = await client.acceptSession("orders-sessions", "held");
    await expectError(client.acceptSession("orders-sessions", "held"), (e) => {
      assert.equal(e.code, "SessionCannotBeLocked", String(e));
    });
    await holder.close();

    step("settling twice -> MessageLockLost");
    await client.createSender("orders").sendMessages({ body: "once", messageId: "once" });
    const receiver = client.createReceiver("orders");
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    await receiver.completeMessage(m);
    await expectError(receiver.renewMessageLock(m), (e) => assert.equal(e.code, "MessageLockLost", String(e)));
  } finally {
    await client.close();
  }
}
