// Every body type and application-property type round-trips through the emulator unchanged.
import assert from "node:assert/strict";
import { createQueue, dataClient, receiveCount, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const queue = await createQueue(endpoints, "types");
  const client = dataClient(connectionString);
  try {
    const date = new Date("2024-02-29T12:34:56.789Z");
    const cases = [
      { name: "string", message: { body: "héllo wörld ✓" } },
      { name: "empty string", message: { body: "" } },
      { name: "int", message: { body: 42 } },
      { name: "negative double", message: { body: -1234.5678 } },
      { name: "boolean", message: { body: false } },
      { name: "Date (data: the SDK JSON-encodes it)", message: { body: date }, expect: date.toISOString() },
      { name: "null", message: { body: null } },
      { name: "nested JSON object", message: { body: { a: 1, b: [true, "x", { c: null }], d: { e: 2.5 } } } },
      { name: "JSON array (data section)", message: { body: [1, "two", { three: 3 }] } },
      { name: "Buffer", message: { body: Buffer.from([0, 1, 2, 254, 255]) } },
      { name: "Uint8Array", message: { body: new Uint8Array([9, 8, 7]) }, expect: Buffer.from([9, 8, 7]) },
      { name: "amqp-sequence", message: { body: [1, "two", true], bodyType: "sequence" } },
      { name: "amqp-value string", message: { body: "as value", bodyType: "value" } },
      { name: "amqp-value map", message: { body: { k: "v", n: 7 }, bodyType: "value" } },
      { name: "amqp-value list", message: { body: [1, 2, 3], bodyType: "value" } },
      { name: "amqp-value Date (timestamp)", message: { body: date, bodyType: "value" } },
      // rhea hands an amqp-value holding binary over as a bare Buffer, which the SDK reports as "data"
      // (same against Azure); the body bytes must still round-trip.
      { name: "amqp-value binary", message: { body: Buffer.from("bin"), bodyType: "value" }, expectBodyType: "data" },
    ];
    const props = {
      str: "text", empty: "", int: 7, negative: -2147483648, double: 3.14159, bool: true, no: false,
      date, big: 2 ** 53 - 1, bigNeg: -(2 ** 40), zero: 0, nil: null,
    };

    step(`send ${cases.length} messages, one per body type, each with ${Object.keys(props).length} typed properties`);
    // A message with bodyType is an AmqpAnnotatedMessage for the SDK: its id lives in `properties`.
    await client.createSender(queue).sendMessages(cases.map((c, i) => (c.message.bodyType
      ? { ...c.message, properties: { messageId: `t-${i}` }, applicationProperties: props }
      : { ...c.message, messageId: `t-${i}`, applicationProperties: props })));

    step("receive and compare bodies, bodyType and properties (timestamps kept as Date: skipConvertingDate)");
    const receiver = client.createReceiver(queue, { receiveMode: "receiveAndDelete", skipConvertingDate: true });
    const received = await receiveCount(receiver, cases.length);
    assert.equal(received.length, cases.length);
    const failures = [];
    received.forEach((m, i) => {
      const c = cases[i];
      try {
        assert.equal(m.messageId, `t-${i}`);
        assert.deepEqual(m.body, c.expect ?? c.message.body);
        const expectedType = c.expectBodyType ?? c.message.bodyType ?? "data";
        assert.equal(m._rawAmqpMessage.bodyType, expectedType, "bodyType");
        assert.deepEqual(m.applicationProperties, props);
        assert.ok(m.applicationProperties.date instanceof Date);
      } catch (error) {
        failures.push(`${c.name}: ${error.message.split("\n").slice(0, 6).join(" ")}`);
      }
    });
    assert.deepEqual(failures, [], failures.join("\n"));

    step("without skipConvertingDate the SDK turns the timestamp property into epoch milliseconds");
    await client.createSender(queue).sendMessages({ body: "d", applicationProperties: { date } });
    const [converted] = await receiveCount(client.createReceiver(queue, { receiveMode: "receiveAndDelete" }), 1);
    assert.equal(converted.applicationProperties.date, date.getTime());

    step("peek returns the same bodies (management path)");
    await client.createSender(queue).sendMessages(cases.map((c) => c.message));
    const peeked = await client.createReceiver(queue).peekMessages(cases.length);
    peeked.forEach((m, i) => assert.deepEqual(m.body, cases[i].expect ?? cases[i].message.body, `peek ${cases[i].name}`));
  } finally {
    await client.close();
  }
}
