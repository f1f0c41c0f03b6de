// ServiceBusAdministrationClient, unmodified, over HTTPS against the emulator: create/get/update/list/
// delete of queues, topics, subscriptions and rules, existence checks, namespace and runtime properties.
// Trust: run.mjs starts this script with NODE_EXTRA_CA_CERTS=<data dir>/tls CA (the SDK hard-codes
// https://, servicebus-amqp.md 7.1), so no allowInsecureConnection/getUrl patch is needed.
import assert from "node:assert/strict";
import { adminClient, dataClient, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const admin = adminClient(endpoints);
  const suffix = Math.random().toString(36).slice(2, 8);
  const queue = `adm-q-${suffix}`;
  const topic = `adm-t-${suffix}`;

  step("namespace properties");
  const ns = await admin.getNamespaceProperties();
  assert.ok(ns.name, "namespace name");

  step("create a queue with options; get it back");
  const created = await admin.createQueue(queue, { lockDuration: "PT45S", maxDeliveryCount: 7, requiresSession: false,
    defaultMessageTimeToLive: "P1D", deadLetteringOnMessageExpiration: true, maxSizeInMegabytes: 2048 });
  assert.equal(created.name, queue);
  const got = await admin.getQueue(queue);
  assert.equal(got.lockDuration, "PT45S");
  assert.equal(got.maxDeliveryCount, 7);
  assert.equal(got.defaultMessageTimeToLive, "P1D");
  assert.equal(got.deadLetteringOnMessageExpiration, true);
  assert.equal(got.maxSizeInMegabytes, 2048);
  assert.equal(got.status, "Active");
  assert.equal(await admin.queueExists(queue), true);
  assert.equal(await admin.queueExists(`missing-${suffix}`), false);

  step("creating it again -> 409, code MessageEntityAlreadyExistsError (the SDK's name for it)");
  await assert.rejects(admin.createQueue(queue), (e) => e.statusCode === 409 && e.code === "MessageEntityAlreadyExistsError");

  step("update: change maxDeliveryCount and lockDuration");
  got.maxDeliveryCount = 3;
  got.lockDuration = "PT1M";
  const updated = await admin.updateQueue(got);
  assert.equal(updated.maxDeliveryCount, 3);
  assert.equal((await admin.getQueue(queue)).lockDuration, "PT1M");

  step("runtime properties follow the data plane");
  const client = dataClient(connectionString);
  try {
    await client.createSender(queue).sendMessages([{ body: 1 }, { body: 2 }, { body: 3 }]);
    const receiver = client.createReceiver(queue);
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    await receiver.deadLetterMessage(m);
    await client.createSender(queue).scheduleMessages({ body: "later" }, new Date(Date.now() + 3600_000));
  } finally {
    await client.close();
  }
  const runtime = await admin.getQueueRuntimeProperties(queue);
  assert.equal(runtime.name, queue);
  assert.equal(runtime.activeMessageCount, 2);
  assert.equal(runtime.deadLetterMessageCount, 1);
  assert.equal(runtime.scheduledMessageCount, 1);
  assert.equal(runtime.totalMessageCount, 4);
  assert.ok(runtime.sizeInBytes > 0);
  assert.ok(runtime.createdAt instanceof Date);

  step("list queues (and their runtime properties) includes it");
  const names = [];
  for await (const q of admin.listQueues()) names.push(q.name);
  assert.ok(names.includes(queue), names.join(","));
  assert.ok(names.includes("orders"), "sample queue listed");
  let listedRuntime;
  for await (const q of admin.listQueuesRuntimeProperties()) if (q.name === queue) listedRuntime = q;
  assert.equal(listedRuntime?.activeMessageCount, 2);

  step("paging: byPage with maxPageSize 1");
  let pages = 0;
  for await (const page of admin.listQueues().byPage({ maxPageSize: 1 })) {
    assert.ok(page.length <= 1);
    if (++pages > 50) break;
  }
  assert.ok(pages >= 2, `pages ${pages}`);

  step("topic, subscription and rule CRUD");
  await admin.createTopic(topic, { requiresDuplicateDetection: true });
  assert.equal((await admin.getTopic(topic)).requiresDuplicateDetection, true);
  await admin.createSubscription(topic, "s1", { maxDeliveryCount: 4 });
  const sub = await admin.getSubscription(topic, "s1");
  assert.equal(sub.maxDeliveryCount, 4);
  sub.maxDeliveryCount = 6;
  assert.equal((await admin.updateSubscription(sub)).maxDeliveryCount, 6);
  assert.equal(await admin.subscriptionExists(topic, "s1"), true);
  await admin.createRule(topic, "s1", "by-color", { sqlExpression: "color = 'red'" }, { sqlExpression: "SET seen = 1" });
  const rule = await admin.getRule(topic, "s1", "by-color");
  assert.equal(rule.filter.sqlExpression, "color = 'red'");
  assert.equal(rule.action.sqlExpression, "SET seen = 1");
  rule.filter = { correlationId: "abc" };
  const updatedRule = await admin.updateRule(topic, "s1", rule);
  assert.equal(updatedRule.filter.correlationId, "abc");
  const ruleNames = [];
  for await (const r of admin.listRules(topic, "s1")) ruleNames.push(r.name);
  assert.deepEqual(ruleNames.sort(), ["$Default", "by-color"]);
  const subNames = [];
  for await (const s of admin.listSubscriptions(topic)) subNames.push(s.subscriptionName);
  assert.deepEqual(subNames, ["s1"]);
  const topicRuntime = await admin.getTopicRuntimeProperties(topic);
  assert.equal(topicRuntime.subscriptionCount, 1);
  const subRuntime = await admin.getSubscriptionRuntimeProperties(topic, "s1");
  assert.equal(subRuntime.activeMessageCount, 0);

  step("delete rule, subscription, topic, queue; gets then fail with 404");
  await admin.deleteRule(topic, "s1", "by-color");
  assert.equal(await admin.ruleExists(topic, "s1", "by-color"), false);
  await admin.deleteSubscription(topic, "s1");
  await admin.deleteTopic(topic);
  assert.equal(await admin.topicExists(topic), false);
  await admin.deleteQueue(queue);
  await assert.rejects(admin.getQueue(queue), (e) => e.name === "RestError" && e.statusCode === 404 && e.code === "MessageEntityNotFoundError");
  await assert.rejects(admin.deleteQueue(queue), (e) => e.statusCode === 404);
}
