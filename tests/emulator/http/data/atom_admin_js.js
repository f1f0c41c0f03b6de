// Conformance of @azure/service-bus 7.9.5's ServiceBusAdministrationClient (unmodified) against the
// emulator's ATOM API over HTTPS. Run by tst_sdkconformance: node atom_admin_js.js <port>, with
// NODE_PATH at tests/sdk/node_modules and NODE_EXTRA_CA_CERTS trusting the test certificate.
// Prints one "ok:"/"FAIL:" line per check; exit code 0 only when every check passed.
const { ServiceBusAdministrationClient } = require("@azure/service-bus");
const port = process.argv[2];
const cs = `Endpoint=sb://localhost:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE`;
const admin = new ServiceBusAdministrationClient(cs);
function check(cond, what) { if (!cond) { console.log("FAIL:", what); process.exitCode = 1; } else console.log("ok:", what); }
(async () => {
  const created = await admin.createQueue("q1", { lockDuration: "PT30S", maxDeliveryCount: 5, userMetadata: "meta" });
  check(created.name === "q1" && created.lockDuration === "PT30S" && created.maxDeliveryCount === 5, "createQueue " + JSON.stringify(created));
  const q = await admin.getQueue("q1");
  check(q.name === "q1" && q.userMetadata === "meta" && q.status === "Active", "getQueue");
  const rt = await admin.getQueueRuntimeProperties("q1");
  check(rt.name === "q1" && rt.activeMessageCount === 0 && rt.totalMessageCount === 0 && rt.createdAt instanceof Date, "getQueueRuntimeProperties " + JSON.stringify(rt));
  q.maxDeliveryCount = 7;
  const upd = await admin.updateQueue(q);
  check(upd.maxDeliveryCount === 7, "updateQueue");
  check(await admin.queueExists("q1") === true, "queueExists true");
  check(await admin.queueExists("nope") === false, "queueExists false");
  try { await admin.createQueue("q1"); check(false, "dup"); } catch (e) { check(e.code === "MessageEntityAlreadyExistsError", "dup create -> " + e.code); }
  try { await admin.getQueue("nope"); check(false, "missing"); } catch (e) { check(e.code === "MessageEntityNotFoundError", "missing -> " + e.code); }
  for (const n of ["q2", "q3", "q4"]) await admin.createQueue(n);
  const fwd = await admin.createQueue("q5", { forwardTo: "q2", forwardDeadLetteredMessagesTo: "q3" });
  check(fwd.forwardTo && fwd.forwardTo.endsWith("/q2"), "forwardTo " + fwd.forwardTo);
  const names = []; for await (const x of admin.listQueues()) names.push(x.name);
  check(names.join(",") === "q1,q2,q3,q4,q5", "listQueues " + names);
  const pages = []; for await (const p of admin.listQueues().byPage({ maxPageSize: 2 })) pages.push(p.map(x => x.name).join("+"));
  check(pages.join("|") === "q1+q2|q3+q4|q5", "byPage " + pages.join("|"));
  const rts = []; for await (const x of admin.listQueuesRuntimeProperties()) rts.push(x.name);
  check(rts.length === 5, "listQueuesRuntimeProperties");
  const t = await admin.createTopic("t1", { defaultMessageTimeToLive: "PT1H" });
  check(t.name === "t1" && t.defaultMessageTimeToLive === "PT1H", "createTopic");
  const trt = await admin.getTopicRuntimeProperties("t1");
  check(trt.subscriptionCount === 0, "topic runtime");
  const s = await admin.createSubscription("t1", "s1", { maxDeliveryCount: 3 });
  check(s.topicName === "t1" && s.subscriptionName === "s1" && s.maxDeliveryCount === 3 && s.deadLetteringOnFilterEvaluationExceptions === true, "createSubscription " + JSON.stringify(s));
  const s2 = await admin.createSubscription("t1", "s2", { defaultRuleOptions: { name: "onlyRed", filter: { sqlExpression: "color = 'red'" } } });
  check(s2.subscriptionName === "s2", "createSubscription with default rule");
  const srt = await admin.getSubscriptionRuntimeProperties("t1", "s1");
  check(srt.totalMessageCount === 0 && srt.subscriptionName === "s1", "subscription runtime");
  const subs = []; for await (const x of admin.listSubscriptions("t1")) subs.push(x.subscriptionName);
  check(subs.join(",") === "s1,s2", "listSubscriptions " + subs);
  const rules0 = []; for await (const x of admin.listRules("t1", "s2")) rules0.push(x.name);
  check(rules0.join(",") === "onlyRed", "default rule replaced " + rules0);
  const r1 = await admin.createRule("t1", "s1", "sqlrule", { sqlExpression: "a = @p", sqlParameters: { "@p": 5 } }, { sqlExpression: "SET b = 'x'" });
  check(r1.name === "sqlrule" && r1.filter.sqlExpression === "a = @p" && r1.filter.sqlParameters["@p"] === 5 && r1.action.sqlExpression === "SET b = 'x'", "createRule sql " + JSON.stringify(r1));
  const r2 = await admin.createRule("t1", "s1", "corr", { correlationId: "c1", subject: "subj", applicationProperties: { color: "red", n: 3, flag: true } });
  check(r2.filter.correlationId === "c1" && r2.filter.subject === "subj" && r2.filter.applicationProperties.color === "red" && r2.filter.applicationProperties.n === 3 && r2.filter.applicationProperties.flag === true, "createRule correlation " + JSON.stringify(r2));
  const g = await admin.getRule("t1", "s1", "$Default");
  check(g.name === "$Default" && g.filter.sqlExpression === "1=1", "getRule $Default " + JSON.stringify(g));
  const rules = []; for await (const x of admin.listRules("t1", "s1")) rules.push(x.name);
  check(rules.join(",") === "$Default,corr,sqlrule", "listRules " + rules);
  r2.filter = { sqlExpression: "x > 1" };
  const r2u = await admin.updateRule("t1", "s1", r2);
  check(r2u.filter.sqlExpression === "x > 1", "updateRule");
  check(await admin.ruleExists("t1", "s1", "corr") === true, "ruleExists");
  await admin.deleteRule("t1", "s1", "corr");
  check(await admin.ruleExists("t1", "s1", "corr") === false, "deleteRule");
  s.maxDeliveryCount = 4; const su = await admin.updateSubscription(s);
  check(su.maxDeliveryCount === 4, "updateSubscription");
  const ns = await admin.getNamespaceProperties();
  check(ns.name === "sbemulatorns" && ns.messagingSku === "Standard", "getNamespaceProperties " + JSON.stringify(ns));
  await admin.deleteSubscription("t1", "s1");
  check(await admin.subscriptionExists("t1", "s1") === false, "deleteSubscription");
  await admin.deleteTopic("t1");
  check(await admin.topicExists("t1") === false, "deleteTopic");
  await admin.deleteQueue("q1");
  check(await admin.queueExists("q1") === false, "deleteQueue");
  const bad = new ServiceBusAdministrationClient(`Endpoint=sb://localhost:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=WRONG`);
  try { await bad.getQueue("q2"); check(false, "bad key"); } catch (e) { check(e.code === "UnauthorizedRequestError", "bad key -> " + e.code); }
  try { await admin.createQueue("q9", { lockDuration: "PT10M" }); check(false, "range"); } catch (e) { check(e.statusCode === 400, "bad lock -> " + e.statusCode + " " + e.message.slice(0, 80)); }
})().catch(e => { console.log("EXCEPTION", e); process.exitCode = 2; });
