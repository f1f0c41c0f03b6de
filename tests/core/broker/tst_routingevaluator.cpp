// core::broker::evaluateRouting: hand-written cases from the reference (A.14-A.17, B.15, B.16, B.19) and a
// differential check against the engine on random topics, rules and messages.
#include "core/broker/engine.h"
#include "core/broker/routing.h"
#include "core/broker/ruleprogram.h"

#include <QtTest>

#include <random>
#include <set>

using namespace busyard::core;
using namespace busyard::core::broker;
using namespace std::chrono_literals;

namespace {

RuleDescription rule(std::string name, RuleFilter filter, std::optional<std::string> action = std::nullopt)
{
    RuleDescription r;
    r.name = std::move(name);
    r.filter = std::move(filter);
    if (action)
        r.action = SqlRuleAction{*action, {}};
    return r;
}

RoutingSubscription sub(std::string name, std::vector<RuleDescription> rules)
{
    RoutingSubscription s;
    s.description.topicName = "t";
    s.description.name = std::move(name);
    s.rules = std::move(rules);
    return s;
}

CorrelationFilter subjectIs(std::string subject)
{
    CorrelationFilter c;
    c.subject = std::move(subject);
    return c;
}

const Value *prop(const RoutedCopy &c, const char *name)
{
    return c.message.applicationProperties.find(name);
}

} // namespace

class TestRoutingEvaluator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void copiesPerRule()
    {
        // A.16: 5 rules, 2 with actions, all match -> 3 copies; other subscriptions see the original.
        RoutingTopology t;
        t.subscriptions.push_back(sub("s", {rule("a", TrueFilter{}), rule("b", SqlFilter{"1=1", {}}),
                                            rule("c", subjectIs("x")),
                                            rule("d", TrueFilter{}, "SET priority = 'high'; SET sys.Label = 'changed'"),
                                            rule("e", SqlFilter{"EXISTS(n)", {}}, "SET n = n * 2")}));
        t.subscriptions.push_back(sub("other", {rule("$Default", TrueFilter{})}));
        t.subscriptions.push_back(sub("none", {rule("f", FalseFilter{}), rule("g", subjectIs("y"))}));
        Message m;
        m.subject = "x";
        m.applicationProperties.set("n", Value::int64(21));
        const RoutingResult r = evaluateRouting(t, m);
        QVERIFY(!r.dropped());
        const SubscriptionRouting *s = r.find("S");
        QVERIFY(s);
        QCOMPARE(s->copies.size(), std::size_t(3));
        QCOMPARE(s->copies[0].ruleName, std::string("a"));
        QCOMPARE(s->copies[0].mergedRules, (std::vector<std::string>{"a", "b", "c"}));
        QVERIFY(!s->copies[0].fromAction);
        QVERIFY(!prop(s->copies[0], "RuleName"));
        QCOMPARE(*prop(s->copies[1], "RuleName"), Value::string("d"));
        QCOMPARE(*prop(s->copies[1], "priority"), Value::string("high"));
        QCOMPARE(s->copies[1].message.subject, std::optional<std::string>("changed"));
        QCOMPARE(*prop(s->copies[2], "n"), Value::int64(42));
        QVERIFY(!prop(s->copies[2], "priority"));
        QCOMPARE(s->deliveredCount(), 3);
        for (const auto &ev : s->rules)
            QCOMPARE(ev.outcome, RuleOutcome::Matched);
        QCOMPARE(r.find("other")->copies.size(), std::size_t(1));
        QCOMPARE(*prop(r.find("other")->copies[0], "n"), Value::int64(21));
        const SubscriptionRouting *none = r.find("none");
        QVERIFY(!none->receives());
        QCOMPARE(none->rules[0].outcome, RuleOutcome::NotMatched);
        QCOMPARE(none->rules[1].outcome, RuleOutcome::NotMatched);
    }

    void outcomes()
    {
        RoutingTopology t;
        t.subscriptions.push_back(sub("s", {rule("unknown", SqlFilter{"color = 'red'", {}}),
                                            rule("false", SqlFilter{"quantity > 100", {}}),
                                            rule("invalid", SqlFilter{"color = = 1", {}})}));
        Message m;
        m.applicationProperties.set("quantity", Value::int64(3));
        const RoutingResult r = evaluateRouting(t, m);
        QVERIFY(r.dropped());
        const auto &rules = r.subscriptions[0].rules;
        QCOMPARE(rules[0].outcome, RuleOutcome::Unknown);
        QCOMPARE(rules[1].outcome, RuleOutcome::NotMatched);
        QCOMPARE(rules[2].outcome, RuleOutcome::Invalid);
        QVERIFY(!rules[2].error.empty());
        QVERIFY(r.subscriptions[0].uncertain());
    }

    void filterErrorWins()
    {
        // A.14: a failing rule dead-letters one copy (FilterException) and suppresses the normal copy.
        RoutingTopology t;
        t.subscriptions.push_back(sub("dl", {rule("bad", SqlFilter{"color > 'a'", {}}), rule("ok", TrueFilter{})}));
        RoutingSubscription quiet = sub("quiet", {rule("bad", SqlFilter{"color > 'a'", {}}), rule("ok", TrueFilter{})});
        quiet.description.deadLetteringOnFilterEvaluationExceptions = false;
        t.subscriptions.push_back(quiet);
        Message m;
        m.applicationProperties.set("color", Value::string("red"));
        const RoutingResult r = evaluateRouting(t, m);
        const auto &dl = *r.find("dl");
        QCOMPARE(dl.rules[0].outcome, RuleOutcome::Error);
        QCOMPARE(dl.copies.size(), std::size_t(1));
        QCOMPARE(dl.copies[0].fate, CopyFate::DeadLetter);
        QCOMPARE(dl.copies[0].deadLetterReason, std::string("FilterException"));
        QCOMPARE(*prop(dl.copies[0], "DeadLetterReason"), Value::string("FilterException"));
        QCOMPARE(dl.deliveredCount(), 0);
        const auto &q = *r.find("quiet");
        QCOMPARE(q.rules[0].outcome, RuleOutcome::Error);
        QCOMPARE(q.copies.size(), std::size_t(1));
        QCOMPARE(q.copies[0].fate, CopyFate::Active);
    }

    void actionErrorAndFates()
    {
        RoutingTopology t;
        t.topicDefaultTimeToLive = 2h;
        t.subscriptions.push_back(sub("act", {rule("x", TrueFilter{}, "SET n = n * 2")}));
        RoutingSubscription fwd = sub("fwd", {rule("$Default", TrueFilter{})});
        fwd.description.forwardTo = "q";
        fwd.description.requiresSession = true; // forwarding comes first
        t.subscriptions.push_back(fwd);
        RoutingSubscription sessions = sub("sessions", {rule("$Default", TrueFilter{})});
        sessions.description.requiresSession = true;
        t.subscriptions.push_back(sessions);
        RoutingSubscription shortTtl = sub("short", {rule("$Default", TrueFilter{})});
        shortTtl.description.defaultMessageTimeToLive = 10min;
        t.subscriptions.push_back(shortTtl);
        Message m;
        m.applicationProperties.set("n", Value::string("text"));
        const RoutingResult r = evaluateRouting(t, m);
        const auto &act = *r.find("act");
        QCOMPARE(act.copies.size(), std::size_t(1));
        QCOMPARE(act.copies[0].fate, CopyFate::DeadLetter);
        QCOMPARE(act.copies[0].deadLetterReason, std::string("RuleActionException"));
        QCOMPARE(*prop(act.copies[0], "RuleName"), Value::string("x"));
        QCOMPARE(*prop(act.copies[0], "n"), Value::string("text"));
        const auto &f = *r.find("fwd");
        QCOMPARE(f.copies[0].fate, CopyFate::Forwarded);
        QCOMPARE(f.copies[0].forwardTo, std::string("q"));
        QCOMPARE(f.deliveredCount(), 1);
        QCOMPARE(f.copies[0].message.timeToLive, std::optional<Duration>(2h));
        QCOMPARE(r.find("sessions")->copies[0].fate, CopyFate::DeadLetter);
        QCOMPARE(r.find("sessions")->copies[0].deadLetterReason, std::string("Session id is null."));
        QCOMPARE(r.find("short")->copies[0].message.timeToLive, std::optional<Duration>(10min));
    }

    void describesFilters()
    {
        CorrelationFilter c = subjectIs("order");
        c.properties.set("color", Value::string("red"));
        c.properties.set("n", Value::int64(5));
        QCOMPARE(describeFilter(c), std::string("Correlation: Label = order, color = 'red', n = 5"));
        QCOMPARE(describeFilter(SqlFilter{"a = 1", {}}), std::string("SQL: a = 1"));
        QCOMPARE(describeFilter(TrueFilter{}), std::string("True"));
    }

    /** The prediction equals what the engine stores, on random topologies and messages. */
    void matchesEngine()
    {
        std::mt19937 rng(4242);
        auto pick = [&rng](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
        auto chance = [&rng](int percent) { return std::uniform_int_distribution<int>(0, 99)(rng) < percent; };

        const std::vector<std::string> sqlFilters = {
            "color = 'red'", "quantity > 5", "quantity / 0 > 1", "sys.Label LIKE 'order%'", "EXISTS(priority)",
            "color = 'red' OR quantity < 3", "NOT (color = 'blue')", "color > 'a'", "1=1", "sys.CorrelationId = 'c1'",
            "quantity IN (3, 7, 10)", "priority IS NULL"};
        const std::vector<std::string> actions = {"SET priority = 'high'", "SET quantity = quantity * 2",
                                                  "SET sys.Label = 'changed'; REMOVE color", "SET tag = color + '!'",
                                                  "SET sys.TimeToLive = sys.TimeToLive"};
        const std::vector<std::string> ruleNames = {"a", "B", "c", "D", "e"};
        auto randomFilter = [&]() -> RuleFilter {
            switch (pick(5)) {
            case 0: return TrueFilter{};
            case 1: return FalseFilter{};
            case 2: {
                CorrelationFilter c;
                switch (pick(3)) {
                case 0: c.subject = "order.created"; break;
                case 1: c.properties.set("color", Value::string("red")); break;
                default: c.correlationId = "c1"; c.properties.set("quantity", Value::int64(10)); break;
                }
                return c;
            }
            default: return SqlFilter{sqlFilters[pick(sqlFilters.size())], {}};
            }
        };
        auto randomMessage = [&](int i) {
            Message m;
            m.messageId = Value::string("m" + std::to_string(i));
            m.body = "b";
            const std::vector<std::optional<std::string>> subjects = {"order.created", "order.paid", std::nullopt};
            m.subject = subjects[pick(subjects.size())];
            switch (pick(4)) {
            case 0: m.applicationProperties.set("color", Value::string("red")); break;
            case 1: m.applicationProperties.set("color", Value::string("blue")); break;
            case 2: m.applicationProperties.set("color", Value::int64(5)); break;
            default: break;
            }
            switch (pick(5)) {
            case 0: m.applicationProperties.set("quantity", Value::int64(3)); break;
            case 1: m.applicationProperties.set("quantity", Value::int64(10)); break;
            case 2: m.applicationProperties.set("quantity", Value::string("x")); break;
            case 3: m.applicationProperties.set("quantity", Value::int32(7)); break;
            default: break;
            }
            if (chance(30))
                m.applicationProperties.set("priority", chance(50) ? Value::string("low") : Value::null());
            if (chance(30))
                m.sessionId = "s1";
            if (chance(30))
                m.correlationId = Value::string("c1");
            if (chance(30))
                m.timeToLive = chance(50) ? Duration(5min) : Duration(3h);
            return m;
        };

        int copiesChecked = 0;
        for (int trial = 0; trial < 150; ++trial) {
            VirtualClock clock;
            clock.set(fromMillisSinceEpoch(1'700'000'000'000LL));
            Engine engine(clock);
            TopicDescription topic;
            topic.name = "t";
            if (chance(30))
                topic.defaultMessageTimeToLive = 1h;
            QVERIFY(engine.createTopic(topic).ok());
            QueueDescription q;
            q.name = "q";
            QVERIFY(engine.createQueue(q).ok());
            q.name = "dlq-target";
            QVERIFY(engine.createQueue(q).ok());

            const int subCount = 1 + int(pick(5));
            for (int s = 0; s < subCount; ++s) {
                SubscriptionDescription d;
                d.topicName = "t";
                d.name = "sub" + std::to_string(s);
                d.deadLetteringOnFilterEvaluationExceptions = chance(70);
                d.requiresSession = chance(15);
                if (chance(20))
                    d.forwardTo = "q";
                if (chance(15))
                    d.forwardDeadLetteredMessagesTo = "dlq-target";
                if (chance(25))
                    d.defaultMessageTimeToLive = 30min;
                std::vector<std::string> names = ruleNames;
                std::shuffle(names.begin(), names.end(), rng);
                const int ruleCount = 1 + int(pick(4));
                std::optional<RuleDescription> first;
                for (int k = 0; k < ruleCount; ++k) {
                    RuleDescription r = rule(names[k], randomFilter());
                    if (chance(35))
                        r.action = SqlRuleAction{actions[pick(actions.size())], {}};
                    if (k == 0) {
                        QVERIFY(engine.createSubscription(d, r).ok());
                    } else {
                        auto created = engine.createRule("t", d.name, r);
                        QVERIFY2(created.ok(), created.ok() ? "" : created.error().message.c_str());
                    }
                }
            }

            // The topology as the management plane lists it (what the widget feeds in).
            RoutingTopology topology;
            topology.topicDefaultTimeToLive = engine.getTopic("t")->defaultMessageTimeToLive;
            const auto listed = engine.listSubscriptions("t");
            QVERIFY(listed.ok());
            for (const auto &d : listed.value())
                topology.subscriptions.push_back({d, *engine.listRules("t", d.name)});
            const RoutingEvaluator evaluator(topology);

            for (int i = 0; i < 15; ++i) {
                const Message m = randomMessage(i);
                const RoutingResult predicted = evaluator.evaluate(m);
                QVERIFY(engine.send(EntityAddress::queue("t"), {m}).ok());
                std::vector<const RoutedCopy *> toQueue, toDlqTarget;
                for (const auto &s : predicted.subscriptions) {
                    QVERIFY(!s.uncertain());
                    std::vector<const RoutedCopy *> active, dead;
                    for (const auto &c : s.copies) {
                        if (c.fate == CopyFate::Active)
                            active.push_back(&c);
                        else if (c.fate == CopyFate::DeadLetter)
                            dead.push_back(&c);
                        else if (c.fate == CopyFate::Forwarded)
                            (c.forwardTo == "q" ? toQueue : toDlqTarget).push_back(&c);
                    }
                    const auto main = *engine.peek(EntityAddress::subscriptionOf("t", s.subscription), 0, 100);
                    const auto dlq = *engine.peek(EntityAddress::subscriptionOf("t", s.subscription, SubQueue::DeadLetter), 0, 100);
                    const QByteArray where = QByteArray("trial ") + QByteArray::number(trial) + " message "
                                             + QByteArray::number(i) + " subscription " + s.subscription.c_str();
                    QVERIFY2(main.size() == active.size(), where.constData());
                    QVERIFY2(dlq.size() == dead.size(), where.constData());
                    for (std::size_t k = 0; k < main.size(); ++k) {
                        QVERIFY2(main[k].applicationProperties == active[k]->message.applicationProperties, where.constData());
                        QVERIFY2(main[k].subject == active[k]->message.subject, where.constData());
                        QVERIFY2(main[k].timeToLive == active[k]->message.timeToLive, where.constData());
                        ++copiesChecked;
                    }
                    for (std::size_t k = 0; k < dlq.size(); ++k) {
                        QVERIFY2(dlq[k].applicationProperties == dead[k]->message.applicationProperties, where.constData());
                        ++copiesChecked;
                    }
                    QVERIFY(engine.purge(EntityAddress::subscriptionOf("t", s.subscription)).ok());
                    QVERIFY(engine.purge(EntityAddress::subscriptionOf("t", s.subscription, SubQueue::DeadLetter)).ok());
                }
                auto sameMultiset = [&](const char *queue, const std::vector<const RoutedCopy *> &expected) -> bool {
                    auto got = *engine.peek(EntityAddress::queue(queue), 0, 100);
                    std::multiset<std::string> a, b;
                    for (const auto &g : got)
                        a.insert(valueKey(g.applicationProperties.find("RuleName") ? *g.applicationProperties.find("RuleName") : Value())
                                 + std::to_string(g.applicationProperties.size()));
                    for (const auto *e : expected)
                        b.insert(valueKey(prop(*e, "RuleName") ? *prop(*e, "RuleName") : Value())
                                 + std::to_string(e->message.applicationProperties.size()));
                    const bool purged = engine.purge(EntityAddress::queue(queue)).ok();
                    return purged && a == b;
                };
                QVERIFY2(sameMultiset("q", toQueue), qPrintable(QStringLiteral("trial %1 message %2").arg(trial).arg(i)));
                QVERIFY2(sameMultiset("dlq-target", toDlqTarget), qPrintable(QStringLiteral("trial %1 message %2").arg(trial).arg(i)));
                copiesChecked += int(toQueue.size() + toDlqTarget.size());
            }
        }
        QVERIFY2(copiesChecked > 500, qPrintable(QString::number(copiesChecked)));
    }
};

QTEST_GUILESS_MAIN(TestRoutingEvaluator)
#include "tst_routingevaluator.moc"
