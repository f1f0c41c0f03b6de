// Topic fan-out: which subscriptions get a copy under SQL, correlation, true and false filters, and
// what the SQL rule actions change on each subscription's private copy.
import assert from "node:assert/strict";
import { adminClient, dataClient, receiveCount, step } from "./helpers.mjs";

export default async function run(connectionString, endpoints) {
  const admin = adminClient(endpoints);
  const topic = `fanout-${Math.random().toString(36).slice(2, 8)}`;
  step("create the topic and subscriptions with rules (admin client)");
  await admin.createTopic(topic);
  const subscriptions = {
    all: null, // keeps $Default (TrueFilter)
    "sql-high": { filter: { sqlExpression: "priority = 'high' AND amount > 100" },
                  action: { sqlExpression: "SET tagged = 'yes'; SET amount = amount * 2; REMOVE secret; SET sys.label = 'big-order'" } },
    corr: { filter: { subject: "order", applicationProperties: { region: "eu" } },
            action: { sqlExpression: "SET matched = 'corr'" } },
    "corr-id": { filter: { correlationId: "c-42" } },
    none: { filter: { sqlExpression: "1=0" } },
  };
  for (const [name, rule] of Object.entries(subscriptions)) {
    await admin.createSubscription(topic, name);
    if (!rule) continue;
    await admin.deleteRule(topic, name, "$Default");
    await admin.createRule(topic, name, "r", rule.filter, rule.action);
  }
  const rules = [];
  for await (const r of admin.listRules(topic, "sql-high")) rules.push(r);
  assert.deepEqual(rules.map((r) => r.name), ["r"]);
  assert.equal(rules[0].filter.sqlExpression, "priority = 'high' AND amount > 100");
  assert.match(rules[0].action.sqlExpression, /SET tagged = 'yes'/);

  const client = dataClient(connectionString);
  try {
    step("send four messages");
    await client.createSender(topic).sendMessages([
      { messageId: "m1", body: "big eu order", subject: "order",
        applicationProperties: { priority: "high", amount: 150, region: "eu", secret: "s" } },
      { messageId: "m2", body: "small order", subject: "order", applicationProperties: { priority: "high", amount: 50 } },
      { messageId: "m3", body: "low eu order", subject: "order", applicationProperties: { priority: "low", region: "eu" } },
      { messageId: "m4", body: "reply", correlationId: "c-42" },
    ]);

    step("copies per subscription (and no extra ones)");
    const expected = { all: ["m1", "m2", "m3", "m4"], "sql-high": ["m1"], corr: ["m1", "m3"], "corr-id": ["m4"], none: [] };
    const got = {};
    for (const name of Object.keys(subscriptions)) {
      const receiver = client.createReceiver(topic, name, { receiveMode: "receiveAndDelete" });
      got[name] = await receiveCount(receiver, expected[name].length, 5000);
      got[name].push(...await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 }));
      assert.deepEqual(got[name].map((m) => m.messageId), expected[name], `subscription ${name}`);
    }

    step("the SQL action changed only the sql-high copy");
    const high = got["sql-high"][0];
    assert.equal(high.applicationProperties.tagged, "yes");
    assert.equal(high.applicationProperties.amount, 300);
    assert.equal("secret" in high.applicationProperties, false, "REMOVE secret");
    assert.equal(high.subject, "big-order", "SET sys.label");
    assert.equal(high.body, "big eu order");
    const plain = got.all[0];
    assert.equal(plain.applicationProperties.amount, 150);
    assert.equal(plain.applicationProperties.tagged, undefined);
    assert.equal(plain.applicationProperties.secret, "s");
    assert.equal(plain.subject, "order");

    step("the correlation rule's action ran on its copies");
    for (const m of got.corr) assert.equal(m.applicationProperties.matched, "corr");
    assert.equal(got.all[2].applicationProperties.matched, undefined);

    step("subscription runtime counts are zero after receive-and-delete; topic runtime is reachable");
    const runtime = await admin.getSubscriptionRuntimeProperties(topic, "all");
    assert.equal(runtime.activeMessageCount, 0);
    const topicRuntime = await admin.getTopicRuntimeProperties(topic);
    assert.equal(topicRuntime.subscriptionCount, 5);
  } finally {
    await client.close();
  }
}
