#include "core/broker/engine.h"
#include "core/broker/ruleprogram.h"

#include <QtTest>

#include <chrono>

using namespace busyard::core;
using namespace busyard::core::broker;
using namespace std::chrono_literals;

namespace {

Message msg(std::string id)
{
    Message m;
    m.messageId = Value::string(std::move(id));
    m.body = "body";
    return m;
}

RuleDescription rule(std::string name, RuleFilter filter)
{
    RuleDescription r;
    r.name = std::move(name);
    r.filter = std::move(filter);
    return r;
}

CorrelationFilter subjectFilter(std::string subject)
{
    CorrelationFilter c;
    c.subject = std::move(subject);
    return c;
}

} // namespace

class TestRouting : public QObject
{
    Q_OBJECT

private:
    VirtualClock m_clock;
    std::unique_ptr<Engine> m_engine;
    Engine &engine() { return *m_engine; }

    void topic(const std::string &name)
    {
        TopicDescription t;
        t.name = name;
        QVERIFY(engine().createTopic(t).ok());
    }
    void subscription(const std::string &topicName, const std::string &name, std::optional<RuleDescription> r = std::nullopt,
                      SubscriptionDescription s = {})
    {
        s.topicName = topicName;
        s.name = name;
        auto res = engine().createSubscription(s, std::move(r));
        QVERIFY2(res.ok(), res.ok() ? "" : res.error().message.c_str());
    }
    std::int64_t active(const std::string &path) { return engine().runtimeCounts(path)->active; }
    std::int64_t deadLetter(const std::string &path) { return engine().runtimeCounts(path)->deadLetter; }
    std::vector<Message> peek(const EntityAddress &a) { return *engine().peek(a, 0, 1000); }

private slots:
    void init();
    void fanOutWithTrueFalseCorrelation();
    void correlationSemantics_data();
    void correlationSemantics();
    void multipleRulesOneCopy();
    void sessionSubscriptionWithoutSessionId();
    void subscriptionTtlCapsCopy();
    void subscriptionForwardsToQueue();
    void topicScheduledMessagesRouteAtDueTime();
    void topicDuplicateDetection();
    void noSubscriberDropsSilently();
    void ruleManagement();
    void disabledSubscriptionStillReceivesCopies();
    void topicCountsAndSize();
    void correlationIndexWithManySubscriptions();
    void sqlFilterRouting();
    void actionCopies();
    void filterEvaluationErrors_data();
    void filterEvaluationErrors();
    void actionErrorDeadLetters();
    void sqlSyntaxErrorRefused();
};

void TestRouting::init()
{
    m_clock.set(fromMillisSinceEpoch(1'700'000'000'000LL));
    m_engine = std::make_unique<Engine>(m_clock);
}

void TestRouting::fanOutWithTrueFalseCorrelation()
{
    topic("t");
    subscription("t", "all");
    subscription("t", "none", rule("nothing", FalseFilter{}));
    subscription("t", "red", rule("red", subjectFilter("red")));
    Message red = msg("1");
    red.subject = "red";
    Message blue = msg("2");
    blue.subject = "blue";
    auto seqs = engine().send(EntityAddress::queue("t"), {red, blue});
    QCOMPARE(*seqs, (std::vector<std::int64_t>{1, 2}));
    QCOMPARE(active("t/Subscriptions/all"), 2);
    QCOMPARE(active("t/Subscriptions/none"), 0);
    QCOMPARE(active("t/Subscriptions/red"), 1);
    auto copies = peek(EntityAddress::subscriptionOf("t", "red"));
    QCOMPARE(copies[0].sequenceNumber, 1); // the topic's number
    QCOMPARE(copies[0].messageIdString(), std::string("1"));
    QVERIFY(!copies[0].applicationProperties.contains("RuleName")); // no action: no RuleName
    // Copies are independent: completing one leaves the other.
    Message got;
    ReceiverCallbacks cb;
    cb.onMessage = [&](Message m) { got = std::move(m); };
    auto r = engine().openReceiver(EntityAddress::subscriptionOf("t", "red"), ReceiveMode::PeekLock, SessionSpec::none(), cb);
    engine().addCredit(r->id, 1);
    QVERIFY(engine().complete(EntityAddress::subscriptionOf("t", "red"), got.lockToken).ok());
    QCOMPARE(active("t/Subscriptions/red"), 0);
    QCOMPARE(active("t/Subscriptions/all"), 2);
    // Settling a subscription token on another subscription fails.
    QCOMPARE(engine().complete(EntityAddress::subscriptionOf("t", "all"), got.lockToken).error().code,
             ErrorCode::MessageLockLost);
}

void TestRouting::correlationSemantics_data()
{
    QTest::addColumn<int>("filterCase");
    QTest::addColumn<bool>("matches");
    // 0: property Int32 5 vs message Int32 5; 1: Int32 vs Int64; 2: Int32 vs "5"; 3: Double 5.0 vs Int32 5
    // 4: subject case differs; 5: correlation id equal; 6: property name case-insensitive; 7: two fields, one off
    // 8: filter field set, message lacks it; 9: uuid message id vs text
    for (int i = 0; i < 10; ++i) {
        static const bool expected[] = {true, false, false, false, false, true, true, false, false, true};
        QTest::newRow(qPrintable(QStringLiteral("case %1").arg(i))) << i << expected[i];
    }
}

void TestRouting::correlationSemantics()
{
    QFETCH(int, filterCase);
    QFETCH(bool, matches);
    CorrelationFilter f;
    Message m = msg("id");
    const Uuid uuid = *Uuid::fromString("0f8fad5b-d9cb-469f-a165-70867728950e");
    switch (filterCase) {
    case 0: f.properties.set("n", Value::int32(5)); m.applicationProperties.set("n", Value::int32(5)); break;
    case 1: f.properties.set("n", Value::int32(5)); m.applicationProperties.set("n", Value::int64(5)); break;
    case 2: f.properties.set("n", Value::int32(5)); m.applicationProperties.set("n", Value::string("5")); break;
    case 3: f.properties.set("n", Value::float64(5.0)); m.applicationProperties.set("n", Value::int32(5)); break;
    case 4: f.subject = "Red"; m.subject = "red"; break;
    case 5: f.correlationId = "c-1"; m.correlationId = Value::string("c-1"); break;
    case 6: f.properties.set("Color", Value::string("red")); m.applicationProperties.set("cOLOR", Value::string("red")); break;
    case 7: f.to = "x"; f.replyTo = "y"; m.to = "x"; m.replyTo = "z"; break;
    case 8: f.contentType = "application/json"; break;
    case 9: f.messageId = uuid.toString(); m.messageId = Value::uuid(uuid); break;
    }
    QCOMPARE(matchCorrelation(f, m), matches);
    // The indexed routing path must agree with the direct match.
    topic("t");
    subscription("t", "s", rule("r", f));
    QVERIFY(engine().send(EntityAddress::queue("t"), {m}).ok());
    QCOMPARE(active("t/Subscriptions/s"), matches ? 1 : 0);
}

void TestRouting::multipleRulesOneCopy()
{
    topic("t");
    subscription("t", "s", rule("a", subjectFilter("red")));
    CorrelationFilter byProp;
    byProp.properties.set("size", Value::string("L"));
    QVERIFY(engine().createRule("t", "s", rule("b", byProp)).ok());
    QVERIFY(engine().createRule("t", "s", rule("c", TrueFilter{})).ok());
    Message m = msg("1");
    m.subject = "red";
    m.applicationProperties.set("size", Value::string("L"));
    QVERIFY(engine().send(EntityAddress::queue("t"), {m}).ok());
    QCOMPARE(active("t/Subscriptions/s"), 1); // all matching rules without action: one copy
}

void TestRouting::sessionSubscriptionWithoutSessionId()
{
    topic("t");
    SubscriptionDescription s;
    s.requiresSession = true;
    subscription("t", "s", std::nullopt, s);
    Message withSession = msg("1");
    withSession.sessionId = "S";
    QVERIFY(engine().send(EntityAddress::queue("t"), {msg("0"), withSession}).ok()); // topics never refuse
    QCOMPARE(active("t/Subscriptions/s"), 1);
    QCOMPARE(deadLetter("t/Subscriptions/s"), 1);
    auto dlq = peek(EntityAddress::subscriptionOf("t", "s", SubQueue::DeadLetter));
    QCOMPARE(*dlq[0].applicationProperties.find(kDeadLetterReasonProperty), Value::string("Session id is null."));
    QCOMPARE(*dlq[0].applicationProperties.find(kDeadLetterDescriptionProperty),
             Value::string("Session enabled entity doesn't allow a message whose session identifier is null."));
}

void TestRouting::subscriptionTtlCapsCopy()
{
    TopicDescription t;
    t.name = "t";
    t.defaultMessageTimeToLive = 1h;
    QVERIFY(engine().createTopic(t).ok());
    SubscriptionDescription s;
    s.defaultMessageTimeToLive = 10min;
    s.deadLetteringOnMessageExpiration = true;
    subscription("t", "short", std::nullopt, s);
    subscription("t", "long");
    QVERIFY(engine().send(EntityAddress::queue("t"), {msg("1")}).ok());
    QCOMPARE(peek(EntityAddress::subscriptionOf("t", "short"))[0].expiresAt, m_clock.now() + 10min);
    QCOMPARE(peek(EntityAddress::subscriptionOf("t", "long"))[0].expiresAt, m_clock.now() + 1h);
    m_clock.advance(11min);
    engine().processDue();
    QCOMPARE(active("t/Subscriptions/short"), 0);
    QCOMPARE(deadLetter("t/Subscriptions/short"), 1);
    QCOMPARE(active("t/Subscriptions/long"), 1);
}

void TestRouting::subscriptionForwardsToQueue()
{
    QueueDescription q;
    q.name = "inbox";
    QVERIFY(engine().createQueue(q).ok());
    topic("t");
    SubscriptionDescription s;
    s.forwardTo = "inbox";
    subscription("t", "fwd", std::nullopt, s);
    QVERIFY(engine().send(EntityAddress::queue("t"), {msg("1")}).ok());
    QCOMPARE(active("t/Subscriptions/fwd"), 0);
    QCOMPARE(active("inbox"), 1);
    // Topic -> subscription -> topic works too.
    topic("t2");
    subscription("t2", "all");
    SubscriptionDescription s2;
    s2.forwardTo = "t2";
    subscription("t", "to-t2", std::nullopt, s2);
    QVERIFY(engine().send(EntityAddress::queue("t"), {msg("2")}).ok());
    QCOMPARE(active("t2/Subscriptions/all"), 1);
    QCOMPARE(active("inbox"), 2);
}

void TestRouting::topicScheduledMessagesRouteAtDueTime()
{
    topic("t");
    Message m = msg("1");
    m.scheduledEnqueueTime = m_clock.now() + 5min;
    auto seq = engine().send(EntityAddress::queue("t"), {m});
    QCOMPARE(*seq, (std::vector<std::int64_t>{1}));
    QCOMPARE(engine().runtimeCounts("t")->scheduled, 1);
    // A subscription created before the due time receives the copy (rules evaluated at activation).
    subscription("t", "late");
    QCOMPARE(active("t/Subscriptions/late"), 0);
    QVERIFY(peek(EntityAddress::subscriptionOf("t", "late")).empty());
    m_clock.advance(5min);
    engine().processDue();
    QCOMPARE(engine().runtimeCounts("t")->scheduled, 0);
    QCOMPARE(active("t/Subscriptions/late"), 1);
    QCOMPARE(peek(EntityAddress::subscriptionOf("t", "late"))[0].sequenceNumber, 2);
}

void TestRouting::topicDuplicateDetection()
{
    TopicDescription t;
    t.name = "t";
    t.requiresDuplicateDetection = true;
    QVERIFY(engine().createTopic(t).ok());
    subscription("t", "a");
    subscription("t", "b");
    QVERIFY(engine().send(EntityAddress::queue("t"), {msg("x"), msg("x")}).ok());
    QCOMPARE(active("t/Subscriptions/a"), 1);
    QCOMPARE(active("t/Subscriptions/b"), 1);
}

void TestRouting::noSubscriberDropsSilently()
{
    topic("t");
    auto r = engine().send(EntityAddress::queue("t"), {msg("1")});
    QVERIFY(r.ok());
    subscription("t", "s");
    QCOMPARE(active("t/Subscriptions/s"), 0);
}

void TestRouting::ruleManagement()
{
    topic("t");
    subscription("t", "s");
    auto rules = engine().listRules("t", "s");
    QCOMPARE(rules->size(), std::size_t(1));
    QCOMPARE((*rules)[0].name, std::string("$Default"));
    QVERIFY(std::holds_alternative<TrueFilter>((*rules)[0].filter));
    QCOMPARE((*rules)[0].createdAt, m_clock.now());
    QCOMPARE(engine().createRule("t", "s", rule("$DEFAULT", TrueFilter{})).error().code, ErrorCode::InvalidArgument);
    QCOMPARE(engine().createRule("t", "s", rule("$Default", TrueFilter{})).error().code, ErrorCode::EntityAlreadyExists);
    QCOMPARE(engine().createRule("t", "s", rule("empty", CorrelationFilter{})).error().code, ErrorCode::InvalidArgument);
    QCOMPARE(engine().deleteRule("t", "s", "nope").error().code, ErrorCode::EntityNotFound);
    QVERIFY(engine().deleteRule("t", "s", "$default").ok());
    QVERIFY(engine().send(EntityAddress::queue("t"), {msg("1")}).ok());
    QCOMPARE(active("t/Subscriptions/s"), 0); // no rules: nothing matches
    QVERIFY(engine().createRule("t", "s", rule("blue", subjectFilter("blue"))).ok());
    auto updated = engine().updateRule("t", "s", rule("BLUE", subjectFilter("green")));
    QVERIFY(updated.ok());
    QCOMPARE(updated->name, std::string("blue"));
    Message green = msg("g");
    green.subject = "green";
    QVERIFY(engine().send(EntityAddress::queue("t"), {green}).ok());
    QCOMPARE(active("t/Subscriptions/s"), 1);
    // Quotas.
    EngineOptions options;
    options.maxCorrelationFiltersPerTopic = 2;
    options.maxSubscriptionsPerTopic = 2;
    m_engine = std::make_unique<Engine>(m_clock, nullptr, options);
    topic("t");
    subscription("t", "a", rule("r", subjectFilter("x")));
    QVERIFY(engine().createRule("t", "a", rule("r2", subjectFilter("y"))).ok());
    auto over = engine().createRule("t", "a", rule("r3", subjectFilter("z")));
    QCOMPARE(over.error().code, ErrorCode::QuotaExceeded);
    QVERIFY(QString::fromStdString(over.error().message).contains(QStringLiteral("40502")));
    subscription("t", "b");
    SubscriptionDescription c;
    c.topicName = "t";
    c.name = "c";
    QCOMPARE(engine().createSubscription(c).error().code, ErrorCode::QuotaExceeded);
    // Disabled subscription: rules cannot be added.
    auto sub = *engine().getSubscription("t", "b");
    sub.status = EntityStatus::Disabled;
    QVERIFY(engine().updateSubscription(sub).ok());
    QCOMPARE(engine().createRule("t", "b", rule("x", TrueFilter{})).error().code, ErrorCode::EntityDisabled);
}

void TestRouting::disabledSubscriptionStillReceivesCopies()
{
    topic("t");
    SubscriptionDescription s;
    s.status = EntityStatus::Disabled;
    subscription("t", "off", std::nullopt, s);
    QVERIFY(engine().send(EntityAddress::queue("t"), {msg("1")}).ok());
    QCOMPARE(active("t/Subscriptions/off"), 1);
    ReceiverCallbacks cb;
    QCOMPARE(engine().openReceiver(EntityAddress::subscriptionOf("t", "off"), ReceiveMode::PeekLock, SessionSpec::none(), cb)
                 .error().code,
             ErrorCode::EntityDisabled);
}

void TestRouting::topicCountsAndSize()
{
    topic("t");
    subscription("t", "a");
    subscription("t", "b");
    const Message m = msg("1");
    QVERIFY(engine().send(EntityAddress::queue("t"), {m}).ok());
    auto c = *engine().runtimeCounts("t");
    QCOMPARE(c.subscriptionCount, 2);
    QCOMPARE(c.sizeInBytes, 2 * static_cast<std::int64_t>(m.size()));
    QCOMPARE(c.active, 0);
    QVERIFY(engine().deleteSubscription("t", "a").ok());
    QCOMPARE(engine().runtimeCounts("t")->sizeInBytes, static_cast<std::int64_t>(m.size()));
    QCOMPARE(engine().runtimeCounts("t")->subscriptionCount, 1);
    QVERIFY(engine().deleteTopic("t").ok());
    QCOMPARE(engine().runtimeCounts("t/Subscriptions/b").error().code, ErrorCode::EntityNotFound);
}

void TestRouting::correlationIndexWithManySubscriptions()
{
    EngineOptions options;
    options.maxSubscriptionsPerTopic = 10000; // beyond Azure's 2,000: the benchmark shape
    m_engine = std::make_unique<Engine>(m_clock, nullptr, options);
    topic("t");
    constexpr int kSubs = 5000;
    for (int i = 0; i < kSubs; ++i) {
        CorrelationFilter f;
        if (i % 2)
            f.properties.set("tenant", Value::string("tenant-" + std::to_string(i)));
        else
            f.correlationId = "corr-" + std::to_string(i);
        subscription("t", "s" + std::to_string(i), rule("r", f));
    }
    subscription("t", "catch-all");
    const auto start = std::chrono::steady_clock::now();
    constexpr int kMessages = 20000;
    for (int n = 0; n < kMessages; ++n) {
        const int target = (n * 7919) % kSubs;
        Message m = msg(std::to_string(n));
        if (target % 2)
            m.applicationProperties.set("tenant", Value::string("tenant-" + std::to_string(target)));
        else
            m.correlationId = Value::string("corr-" + std::to_string(target));
        QVERIFY(engine().send(EntityAddress::queue("t"), {std::move(m)}).ok());
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    qInfo("routed %d messages through %d correlation subscriptions in %lld ms", kMessages, kSubs,
          static_cast<long long>(elapsed.count()));
    QCOMPARE(active("t/Subscriptions/catch-all"), kMessages);
    QCOMPARE(active("t/Subscriptions/s0"), 4);
    QCOMPARE(engine().runtimeCounts("t/Subscriptions/s7919").error().code, ErrorCode::EntityNotFound);
    std::int64_t total = 0;
    for (int i = 0; i < kSubs; ++i)
        total += active("t/Subscriptions/s" + std::to_string(i));
    QCOMPARE(total, kMessages);
    // Testing 5,000 rules per message would take far longer than this budget even in a debug build.
    QVERIFY2(elapsed < 20s, "routing is not indexed");
}

void TestRouting::sqlFilterRouting()
{
    topic("t");
    subscription("t", "big", rule("big", SqlFilter{"quantity > 10 AND sys.Label = 'order'", {}}));
    subscription("t", "param", rule("p", SqlFilter{"color = @c", {{"@c", Value::string("red")}}}));
    Message small = msg("1");
    small.subject = "order";
    small.applicationProperties.set("quantity", Value::int32(5));
    Message large = msg("2");
    large.subject = "order";
    large.applicationProperties.set("quantity", Value::int64(50));
    large.applicationProperties.set("color", Value::string("red"));
    QVERIFY(engine().send(EntityAddress::queue("t"), {small, large}).ok());
    QCOMPARE(active("t/Subscriptions/big"), 1);
    QCOMPARE(peek(EntityAddress::subscriptionOf("t", "big"))[0].messageIdString(), std::string("2"));
    QCOMPARE(active("t/Subscriptions/param"), 1);
}

void TestRouting::actionCopies()
{
    // A.16: 5 rules, 2 with actions, all match -> 3 copies.
    topic("t");
    subscription("t", "s", rule("a", TrueFilter{}));
    QVERIFY(engine().createRule("t", "s", rule("b", SqlFilter{"1=1", {}})).ok());
    QVERIFY(engine().createRule("t", "s", rule("c", subjectFilter("x"))).ok());
    RuleDescription withAction = rule("d", TrueFilter{});
    withAction.action = SqlRuleAction{"SET priority = 'high'; SET sys.Label = 'changed'", {}};
    QVERIFY(engine().createRule("t", "s", withAction).ok());
    RuleDescription second = rule("e", SqlFilter{"EXISTS(n)", {}});
    second.action = SqlRuleAction{"SET n = n * 2", {}};
    QVERIFY(engine().createRule("t", "s", second).ok());
    subscription("t", "other");
    Message m = msg("1");
    m.subject = "x";
    m.applicationProperties.set("n", Value::int64(21));
    QVERIFY(engine().send(EntityAddress::queue("t"), {m}).ok());
    QCOMPARE(active("t/Subscriptions/s"), 3);
    auto copies = peek(EntityAddress::subscriptionOf("t", "s"));
    QCOMPARE(copies.size(), std::size_t(3));
    for (const auto &c : copies)
        QCOMPARE(c.sequenceNumber, 1);
    // Order: the unmodified copy, then action copies by rule name.
    QVERIFY(!copies[0].applicationProperties.contains("RuleName"));
    QCOMPARE(copies[0].subject, std::optional<std::string>("x"));
    QCOMPARE(*copies[1].applicationProperties.find("RuleName"), Value::string("d"));
    QCOMPARE(*copies[1].applicationProperties.find("priority"), Value::string("high"));
    QCOMPARE(copies[1].subject, std::optional<std::string>("changed"));
    QCOMPARE(*copies[2].applicationProperties.find("RuleName"), Value::string("e"));
    QCOMPARE(*copies[2].applicationProperties.find("n"), Value::int64(42));
    QVERIFY(!copies[2].applicationProperties.contains("priority"));
    // Other subscriptions see the original.
    auto other = peek(EntityAddress::subscriptionOf("t", "other"));
    QCOMPARE(*other[0].applicationProperties.find("n"), Value::int64(21));
    // The copies are independent messages: receive all three and complete them.
    std::vector<Message> got;
    ReceiverCallbacks cb;
    cb.onMessage = [&](Message mm) { got.push_back(std::move(mm)); };
    auto r = engine().openReceiver(EntityAddress::subscriptionOf("t", "s"), ReceiveMode::PeekLock, SessionSpec::none(), cb);
    engine().addCredit(r->id, 10);
    QCOMPARE(got.size(), std::size_t(3));
    for (const auto &g : got)
        QVERIFY(engine().complete(EntityAddress::subscriptionOf("t", "s"), g.lockToken).ok());
    QCOMPARE(active("t/Subscriptions/s"), 0);
}

void TestRouting::filterEvaluationErrors_data()
{
    QTest::addColumn<bool>("deadLettering");
    QTest::newRow("dead-letter") << true;
    QTest::newRow("no match") << false;
}

void TestRouting::filterEvaluationErrors()
{
    QFETCH(bool, deadLettering);
    topic("t");
    SubscriptionDescription s;
    s.deadLetteringOnFilterEvaluationExceptions = deadLettering;
    subscription("t", "s", rule("bad", SqlFilter{"quantity = '10'", {}}), s);
    subscription("t", "fine");
    Message m = msg("1");
    m.applicationProperties.set("quantity", Value::int32(10));
    QVERIFY(engine().send(EntityAddress::queue("t"), {m}).ok()); // the send always succeeds
    QCOMPARE(active("t/Subscriptions/fine"), 1);
    QCOMPARE(active("t/Subscriptions/s"), 0);
    QCOMPARE(deadLetter("t/Subscriptions/s"), deadLettering ? 1 : 0);
    if (deadLettering) {
        auto dlq = peek(EntityAddress::subscriptionOf("t", "s", SubQueue::DeadLetter));
        QCOMPARE(*dlq[0].applicationProperties.find(kDeadLetterReasonProperty), Value::string("FilterException"));
        QVERIFY(!dlq[0].applicationProperties.find(kDeadLetterDescriptionProperty)->bytes().empty());
    }
}

void TestRouting::actionErrorDeadLetters()
{
    topic("t");
    RuleDescription r = rule("act", TrueFilter{});
    r.action = SqlRuleAction{"SET n = n + 'x'", {}};
    subscription("t", "s", r);
    Message m = msg("1");
    m.applicationProperties.set("n", Value::int32(1));
    QVERIFY(engine().send(EntityAddress::queue("t"), {m}).ok());
    QCOMPARE(active("t/Subscriptions/s"), 0);
    QCOMPARE(deadLetter("t/Subscriptions/s"), 1);
    auto dlq = peek(EntityAddress::subscriptionOf("t", "s", SubQueue::DeadLetter));
    QCOMPARE(*dlq[0].applicationProperties.find(kDeadLetterReasonProperty), Value::string("RuleActionException"));
}

void TestRouting::sqlSyntaxErrorRefused()
{
    topic("t");
    subscription("t", "s");
    auto r = engine().createRule("t", "s", rule("x", SqlFilter{"color = ", {}}));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::SyntaxError);
    auto missingParam = engine().createRule("t", "s", rule("y", SqlFilter{"color = @c", {}}));
    QVERIFY(!missingParam.ok());
    QCOMPARE(engine().listRules("t", "s")->size(), std::size_t(1));
}

QTEST_GUILESS_MAIN(TestRouting)
#include "tst_routing.moc"
