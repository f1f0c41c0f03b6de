// Second figure for bench/amqp/run_amqp_bench.sh: the official JS SDK (@azure/service-bus) against
// busyard-emulator. Sends <count> 1 KB messages in batches (sendMessages(batch)), then receives them
// in peek-lock (receiveMessages) and completes each one (at-least-once).
//   node sdk_load.mjs <connection string> <queue> [count]
// Prints a human line and a "RESULT key=value ..." line. Bounded by a 120 s time limit.
import { createRequire } from "node:module";

// The SDK is installed (pinned) under tests/sdk/node_modules; resolve it from there.
const require = createRequire(new URL("../../tests/sdk/package.json", import.meta.url));
const { ServiceBusClient } = require("@azure/service-bus");

const [connectionString, queue, countArg] = process.argv.slice(2);
if (!connectionString || !queue) {
  console.error("usage: node sdk_load.mjs <connection string> <queue> [count]");
  process.exit(2);
}
const count = Number(countArg ?? 20000);
const body = Buffer.alloc(1024, 120);
const deadline = Date.now() + 120000;
const limit = setTimeout(() => { console.error("time limit reached"); process.exit(1); }, 125000);

const client = new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 30000 } });
let exitCode = 0;
try {
  const sender = client.createSender(queue);
  await sender.sendMessages({ body: "warm-up" }); // link + token outside the measurement
  let sent = 1;
  let batchSize = 0;
  const sendStart = process.hrtime.bigint();
  while (sent < count && Date.now() < deadline) {
    const batch = await sender.createMessageBatch();
    while (sent + batch.count < count && batch.tryAddMessage({ body, applicationProperties: { n: sent + batch.count } })) { /* fill */ }
    batchSize = Math.max(batchSize, batch.count);
    await sender.sendMessages(batch);
    sent += batch.count;
  }
  const sendSeconds = Number(process.hrtime.bigint() - sendStart) / 1e9;

  const receiver = client.createReceiver(queue, { receiveMode: "peekLock" });
  let received = 0;
  const receiveStart = process.hrtime.bigint();
  while (received < sent && Date.now() < deadline) {
    const messages = await receiver.receiveMessages(Math.min(500, sent - received), { maxWaitTimeInMs: 5000 });
    if (messages.length === 0) break;
    await Promise.all(messages.map((m) => receiver.completeMessage(m)));
    received += messages.length;
  }
  const receiveSeconds = Number(process.hrtime.bigint() - receiveStart) / 1e9;
  const sends = Math.round((sent - 1) / sendSeconds);
  const receives = Math.round(received / receiveSeconds);
  console.log(`@azure/service-bus: sent ${sent} (batches of up to ${batchSize}) at ${sends}/s, received+completed ${received} at ${receives}/s`);
  console.log(`RESULT complete=${received === count && sent === count ? 1 : 0} sent=${sent} received=${received} batch=${batchSize} sends_per_s=${sends} receives_per_s=${receives}`);
  if (received !== count) exitCode = 1;
  await receiver.close();
  await sender.close();
} catch (error) {
  console.error("sdk_load failed:", error);
  exitCode = 1;
} finally {
  await client.close();
  clearTimeout(limit);
}
process.exit(exitCode);
