// AMQP over WebSockets as Azure offers it: subprotocol AMQPWSB10 at wss://<host>:<port>/$servicebus/websocket,
// through the SDK's `webSocketOptions` (the `ws` package). The client is given ONLY the HTTPS endpoint
// (Endpoint=sb://localhost:<https port>; core-amqp dials wss://<host>:<Endpoint port, else 443>/...), so
// nothing can reach the plain AMQP/AMQPS ports. Every socket the SDK opens is recorded and checked: URL,
// negotiated subprotocol, and that it was opened. A control proves the HTTPS port does not also speak raw
// AMQP (so a pass cannot come from a silent fallback). Last, the dedicated --ws-port via the SDK's
// documented `customEndpointAddress`.
import { ServiceBusClient } from "@azure/service-bus";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { adminClient, createQueue, expectError, receiveCount, sleep, step } from "./helpers.mjs";

/** A `ws` WebSocket that records every instance the SDK creates (rhea calls `new Impl(url, protocols, options)`). */
function recordingWebSocket() {
  const sockets = [];
  class RecordingWebSocket extends WebSocket {
    constructor(...args) {
      super(...args);
      this.wasOpened = false;
      this.once("open", () => { this.wasOpened = true; });
      sockets.push(this);
    }
  }
  return { RecordingWebSocket, sockets };
}

/** Asserts that the SDK opened at least one WebSocket and that all of them went to `url` with AMQPWSB10. */
function assertWentOverWebSockets(sockets, url) {
  assert.ok(sockets.length >= 1, "the SDK opened no WebSocket");
  for (const socket of sockets) {
    assert.equal(socket.url, url);
    assert.ok(socket.wasOpened, `the WebSocket to ${socket.url} never opened`);
    assert.equal(socket.protocol, "AMQPWSB10", "negotiated subprotocol");
  }
}

const clientOptions = (webSocket, extra = {}) =>
  ({ retryOptions: { maxRetries: 0, timeoutInMs: 10000 }, webSocketOptions: { webSocket }, ...extra });

export default async function run(connectionString, endpoints) {
  assert.ok(endpoints.adminConnectionString, "the emulator did not report an HTTPS port");
  const httpsConnectionString = endpoints.adminConnectionString; // Endpoint=sb://localhost:<https port>
  const queue = await createQueue(endpoints, "ws");
  const sessionQueue = await createQueue(endpoints, "wss", { requiresSession: true });

  const { RecordingWebSocket, sockets } = recordingWebSocket();
  const client = new ServiceBusClient(httpsConnectionString, clientOptions(RecordingWebSocket));
  try {
    step("send over WebSockets on the HTTPS port");
    const sender = client.createSender(queue);
    await sender.sendMessages([{ body: "ws-1", messageId: "m-1", applicationProperties: { via: "websocket" } },
                               { body: "ws-2", messageId: "m-2" }]);

    step("peek sees both, in order, without locking");
    const receiver = client.createReceiver(queue);
    const peeked = await receiver.peekMessages(10);
    assert.deepEqual(peeked.map((m) => m.body), ["ws-1", "ws-2"]);
    assert.equal(peeked[0].applicationProperties.via, "websocket");

    step("receive (peek-lock) + complete both; the queue is then empty");
    const received = await receiveCount(receiver, 2);
    assert.deepEqual(received.map((m) => m.messageId), ["m-1", "m-2"]);
    for (const m of received) {
      assert.equal(m.deliveryCount, 0);
      await receiver.completeMessage(m);
    }
    assert.equal((await receiver.peekMessages(10)).length, 0);
    assert.equal((await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).length, 0);

    step("session receiver: accept a named session, receive in order, state, complete");
    await client.createSender(sessionQueue).sendMessages([
      { body: "s-0", sessionId: "alpha" }, { body: "x-0", sessionId: "beta" }, { body: "s-1", sessionId: "alpha" }]);
    const session = await client.acceptSession(sessionQueue, "alpha", { maxAutoLockRenewalDurationInMs: 0 });
    const sessionMessages = await receiveCount(session, 2);
    assert.deepEqual(sessionMessages.map((m) => m.body), ["s-0", "s-1"]);
    for (const m of sessionMessages) assert.equal(m.sessionId, "alpha");
    await session.setSessionState("over-ws");
    assert.equal(await session.getSessionState(), "over-ws");
    for (const m of sessionMessages) await session.completeMessage(m);
    await session.close();
    const next = await client.acceptNextSession(sessionQueue, { maxAutoLockRenewalDurationInMs: 0 });
    assert.equal(next.sessionId, "beta");
    const [beta] = await receiveCount(next, 1);
    assert.equal(beta?.body, "x-0");
    await next.completeMessage(beta);
    await next.close();

    step("every connection went over wss://localhost:<https port>/$servicebus/websocket with AMQPWSB10");
    assertWentOverWebSockets(sockets, `wss://localhost:${endpoints.httpsPort}/$servicebus/websocket`);
  } finally {
    await client.close();
  }

  if (endpoints.webSocketPort) {
    step("dedicated --ws-port through customEndpointAddress: send, receive + complete");
    const dedicated = recordingWebSocket();
    const wsClient = new ServiceBusClient(httpsConnectionString, clientOptions(dedicated.RecordingWebSocket,
      { customEndpointAddress: `sb://localhost:${endpoints.webSocketPort}` }));
    try {
      await wsClient.createSender(queue).sendMessages({ body: "dedicated", messageId: "d-1" });
      const wsReceiver = wsClient.createReceiver(queue);
      const [m] = await receiveCount(wsReceiver, 1);
      assert.equal(m?.body, "dedicated");
      await wsReceiver.completeMessage(m);
      assert.equal((await wsReceiver.peekMessages(10)).length, 0);
      assertWentOverWebSockets(dedicated.sockets, `wss://localhost:${endpoints.webSocketPort}/$servicebus/websocket`);
    } finally {
      await wsClient.close();
    }
  }

  step("control: without webSocketOptions the same Endpoint (raw AMQP over TLS to the HTTPS port) fails");
  const plain = new ServiceBusClient(httpsConnectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 3000 } });
  try {
    await expectError(plain.createSender(queue).sendMessages({ body: "must not arrive" }), () => {});
  } finally {
    // The HTTPS front waits for a request head that never comes (until its 30 s head timeout); the SDK's
    // close() waits for that socket to end, so do not wait for it (the script's process exits at the end).
    await Promise.race([plain.close().catch(() => {}), sleep(1000)]);
  }
  assert.equal((await adminClient(endpoints).getQueueRuntimeProperties(queue)).totalMessageCount, 0);
}
