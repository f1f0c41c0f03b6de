#include "core/broker/engine.h"
#include "core/config/emulatorconfig.h"
#include "core/duration.h"

#include <QtTest>

using namespace busyard::core;
using namespace busyard::core::config;

class TestEmulatorConfig : public QObject
{
    Q_OBJECT

private slots:
    void isoDurationParse_data();
    void isoDurationParse();
    void isoDurationRejects_data();
    void isoDurationRejects();
    void isoDurationFormat_data();
    void isoDurationFormat();
    void readsMicrosoftSample();
    void reportsEveryProblemWithItsPath_data();
    void reportsEveryProblemWithItsPath();
    void busyardSuperset();
    void missingFileIsAnError();
    void appliesToEngine();
    void applyForwardsToLaterEntities();
};

void TestEmulatorConfig::isoDurationParse_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qint64>("ms");
    QTest::newRow("one minute") << QByteArray("PT1M") << qint64(60'000);
    QTest::newRow("twenty seconds") << QByteArray("PT20S") << qint64(20'000);
    QTest::newRow("one hour") << QByteArray("PT1H") << qint64(3'600'000);
    QTest::newRow("fourteen days") << QByteArray("P14D") << qint64(14LL * 86'400'000);
    QTest::newRow("mixed") << QByteArray("P1DT2H3M4.5S") << qint64(86'400'000 + 2 * 3'600'000 + 3 * 60'000 + 4'500);
    QTest::newRow("fraction truncated") << QByteArray("PT0.0019S") << qint64(1);
    QTest::newRow("week") << QByteArray("P1W") << qint64(7LL * 86'400'000);
    QTest::newRow("timespan max") << QByteArray("P10675199DT2H48M5.4775807S") << qint64(kMaxDuration.count());
    QTest::newRow("above max saturates") << QByteArray("P99999999D") << qint64(kMaxDuration.count());
}

void TestEmulatorConfig::isoDurationParse()
{
    QFETCH(QByteArray, text);
    QFETCH(qint64, ms);
    const auto d = parseIsoDuration(text.toStdString());
    QVERIFY2(d.ok(), d.ok() ? "" : d.error().message.c_str());
    QCOMPARE(qint64(d->count()), ms);
}

void TestEmulatorConfig::isoDurationRejects_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("empty") << QByteArray("");
    QTest::newRow("no P") << QByteArray("T1M");
    QTest::newRow("only P") << QByteArray("P");
    QTest::newRow("dangling T") << QByteArray("P1DT");
    QTest::newRow("no designator") << QByteArray("PT5");
    QTest::newRow("wrong order") << QByteArray("PT1S1M");
    QTest::newRow("fraction on minutes") << QByteArray("PT1.5M");
    QTest::newRow("time unit in date part") << QByteArray("P1H");
    QTest::newRow("letters") << QByteArray("PTxS");
}

void TestEmulatorConfig::isoDurationRejects()
{
    QFETCH(QByteArray, text);
    const auto d = parseIsoDuration(text.toStdString());
    QVERIFY(!d.ok());
    QVERIFY(d.error().message.find("position") != std::string::npos);
}

void TestEmulatorConfig::isoDurationFormat_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("zero") << qint64(0) << QByteArray("PT0S");
    QTest::newRow("minute") << qint64(60'000) << QByteArray("PT1M");
    QTest::newRow("day and hours") << qint64(86'400'000 + 7'200'000) << QByteArray("P1DT2H");
    QTest::newRow("days") << qint64(14LL * 86'400'000) << QByteArray("P14D");
    QTest::newRow("half second") << qint64(500) << QByteArray("PT0.5S");
    QTest::newRow("max") << qint64(kMaxDuration.count()) << QByteArray("P10675199DT2H48M5.4775807S");
}

void TestEmulatorConfig::isoDurationFormat()
{
    QFETCH(qint64, ms);
    QFETCH(QByteArray, text);
    QCOMPARE(QByteArray::fromStdString(formatIsoDuration(Duration{ms})), text);
    // and it parses back
    const auto back = parseIsoDuration(text.toStdString());
    QVERIFY(back.ok());
    QCOMPARE(qint64(back->count()), ms);
}

void TestEmulatorConfig::readsMicrosoftSample()
{
    std::vector<ConfigIssue> issues;
    const auto config = loadEmulatorConfigFile(TEST_DATA_DIR "/microsoft-sample.json", &issues);
    QVERIFY2(config.ok(), config.ok() ? "" : config.error().message.c_str());
    QVERIFY(issues.empty());
    QCOMPARE(config->namespaces.size(), std::size_t(1));
    const NamespaceConfig &ns = config->namespaces.front();
    QCOMPARE(ns.name, std::string("sbemulatorns"));
    QCOMPARE(ns.queues.size(), std::size_t(1));
    QCOMPARE(ns.queues[0].name, std::string("queue.1"));
    QCOMPARE(ns.queues[0].maxDeliveryCount, 3);
    QCOMPARE(ns.queues[0].lockDuration, Duration{60'000});
    QCOMPARE(ns.queues[0].defaultMessageTimeToLive, Duration{3'600'000});
    QCOMPARE(ns.queues[0].duplicateDetectionHistoryTimeWindow, Duration{20'000});
    QCOMPARE(ns.topics.size(), std::size_t(1));
    const TopicConfig &topic = ns.topics[0];
    QCOMPARE(topic.subscriptions.size(), std::size_t(4));
    QCOMPARE(topic.subscriptions[0].description.topicName, std::string("topic.1"));

    const auto &r1 = topic.subscriptions[0].rules.at(0);
    QCOMPARE(r1.name, std::string("app-prop-filter-1"));
    const auto *cf = std::get_if<broker::CorrelationFilter>(&r1.filter);
    QVERIFY(cf);
    QCOMPARE(cf->contentType.value_or(""), std::string("application/json"));
    QVERIFY(!cf->correlationId);

    const auto *cf2 = std::get_if<broker::CorrelationFilter>(&topic.subscriptions[1].rules.at(0).filter);
    QVERIFY(cf2);
    QVERIFY(cf2->properties.find("prop3"));
    QCOMPARE(*cf2->properties.find("prop3"), Value::string("value3"));

    QVERIFY(topic.subscriptions[2].rules.empty());

    const auto &r4 = topic.subscriptions[3].rules.at(0);
    const auto *sf = std::get_if<broker::SqlFilter>(&r4.filter);
    QVERIFY(sf);
    QCOMPARE(sf->expression, std::string("sys.MessageId = '123456' AND userProp1 = 'value1'"));
    QVERIFY(r4.action.has_value());
    QCOMPARE(r4.action->expression, std::string("SET sys.To = 'Entity'"));
    QCOMPARE(config->logging, std::string("File"));
}

void TestEmulatorConfig::reportsEveryProblemWithItsPath_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QByteArrayList>("paths");

    QTest::newRow("syntax") << QByteArray(R"({"UserConfig": {"Namespaces": [ }})") << QByteArrayList{"$"};
    QTest::newRow("no UserConfig") << QByteArray(R"({"Namespaces": []})") << QByteArrayList{"$.UserConfig"};
    QTest::newRow("no namespaces") << QByteArray(R"({"UserConfig": {"Logging": {"Type": "File"}}})")
                                   << QByteArrayList{"UserConfig.Namespaces"};
    QTest::newRow("two bad queues")
        << QByteArray(R"({"UserConfig": {"Namespaces": [{"Name": "ns", "Queues": [
                {"Name": "ok"},
                {"Name": "-bad-"},
                {"Name": "q3", "Properties": {"LockDuration": "PT10M"}},
                {"Name": "q4", "Properties": {"MaxDeliveryCount": "three"}}
              ], "Topics": []}], "Logging": {"Type": "File"}}})")
        << QByteArrayList{"UserConfig.Namespaces[0].Queues[1].Name",
                       "UserConfig.Namespaces[0].Queues[2].Properties",
                       "UserConfig.Namespaces[0].Queues[3].Properties.MaxDeliveryCount"};
    QTest::newRow("typo in a property")
        << QByteArray(R"({"UserConfig": {"Namespaces": [{"Name": "ns", "Queues": [
                {"Name": "q", "Properties": {"LockDurration": "PT1M"}}], "Topics": []}], "Logging": {"Type": "File"}}})")
        << QByteArrayList{"UserConfig.Namespaces[0].Queues[0].Properties.LockDurration"};
    QTest::newRow("bad duration")
        << QByteArray(R"({"UserConfig": {"Namespaces": [{"Name": "ns", "Queues": [
                {"Name": "q", "Properties": {"DefaultMessageTimeToLive": "1 hour"}}], "Topics": []}], "Logging": {"Type": "File"}}})")
        << QByteArrayList{"UserConfig.Namespaces[0].Queues[0].Properties.DefaultMessageTimeToLive"};
    QTest::newRow("bad rule")
        << QByteArray(R"({"UserConfig": {"Namespaces": [{"Name": "ns", "Queues": [], "Topics": [
                {"Name": "t", "Subscriptions": [{"Name": "s", "Rules": [
                    {"Name": "r1", "Properties": {"FilterType": "Regex"}},
                    {"Name": "r2", "Properties": {"FilterType": "Sql"}}
                ]}]}]}], "Logging": {"Type": "Console"}}})")
        << QByteArrayList{"UserConfig.Namespaces[0].Topics[0].Subscriptions[0].Rules[0].Properties.FilterType",
                       "UserConfig.Namespaces[0].Topics[0].Subscriptions[0].Rules[1].Properties.SqlFilter"};
    QTest::newRow("number overflow") << QByteArray(R"({"UserConfig": {"Namespaces": [{"Name": "ns", "Queues": [
                {"Name": "q", "Properties": {"MaxDeliveryCount": 1e400}}], "Topics": []}], "Logging": {"Type": "File"}}})")
        << QByteArrayList{"$"};
    QTest::newRow("integer out of range") << QByteArray(R"({"UserConfig": {"Namespaces": [{"Name": "ns", "Queues": [
                {"Name": "q", "Properties": {"MaxDeliveryCount": 4294967297}}], "Topics": []}], "Logging": {"Type": "File"}}})")
        << QByteArrayList{"UserConfig.Namespaces[0].Queues[0].Properties.MaxDeliveryCount"};
    QTest::newRow("bad logging")
        << QByteArray(R"({"UserConfig": {"Namespaces": [{"Name": "ns", "Queues": [], "Topics": []}], "Logging": {"Type": "Syslog"}}})")
        << QByteArrayList{"UserConfig.Logging.Type"};
}

void TestEmulatorConfig::reportsEveryProblemWithItsPath()
{
    QFETCH(QByteArray, json);
    QFETCH(QByteArrayList, paths);
    std::vector<ConfigIssue> issues;
    const auto config = parseEmulatorConfig(json.toStdString(), &issues);
    QVERIFY(!config.ok());
    QByteArrayList got;
    for (const auto &i : issues)
        got << QByteArray::fromStdString(i.path);
    for (const QByteArray &p : paths)
        QVERIFY2(got.contains(p), QByteArray("missing " + p + " in " + got.join(", ")).constData());
    QCOMPARE(got.size(), paths.size());
    // The combined message names each path too.
    for (const QByteArray &p : paths)
        QVERIFY(config.error().message.find(p.toStdString()) != std::string::npos);
}

void TestEmulatorConfig::busyardSuperset()
{
    const char *json = R"({"UserConfig": {"Namespaces": [{"Name": "dev", "Queues": [
        {"Name": "orders", "Properties": {"MaxSizeInMegabytes": 2048, "AutoDeleteOnIdle": "P7D", "Status": "SendDisabled",
                                          "UserMetadata": "hello", "LockDuration": "PT5M"}}],
        "Topics": [{"Name": "events", "Subscriptions": [{"Name": "all", "Properties": {"DeadLetteringOnFilterEvaluationExceptions": false},
            "Rules": [{"Name": "p", "Properties": {"FilterType": "Sql", "SqlFilter": {"SqlExpression": "qty > @min", "Parameters": {"@min": 5}}}}]}]}]}],
        "Logging": {"Type": "Console"}}})";
    const auto config = parseEmulatorConfig(json);
    QVERIFY2(config.ok(), config.ok() ? "" : config.error().message.c_str());
    const auto &q = config->namespaces[0].queues[0];
    QCOMPARE(q.maxSizeInMegabytes, std::int64_t(2048));
    QCOMPARE(q.autoDeleteOnIdle, Duration{7LL * 86'400'000});
    QCOMPARE(q.status, broker::EntityStatus::SendDisabled);
    QCOMPARE(q.userMetadata, std::string("hello"));
    const auto &sub = config->namespaces[0].topics[0].subscriptions[0];
    QVERIFY(!sub.description.deadLetteringOnFilterEvaluationExceptions);
    const auto *sf = std::get_if<broker::SqlFilter>(&sub.rules[0].filter);
    QVERIFY(sf);
    QCOMPARE(sf->parameters.size(), std::size_t(1));
    QCOMPARE(sf->parameters[0].first, std::string("@min"));
    QCOMPARE(sf->parameters[0].second, Value::int64(5));
}

void TestEmulatorConfig::missingFileIsAnError()
{
    const auto config = loadEmulatorConfigFile("/nonexistent/Config.json");
    QVERIFY(!config.ok());
    QVERIFY(config.error().message.find("/nonexistent/Config.json") != std::string::npos);
}

void TestEmulatorConfig::appliesToEngine()
{
    const auto config = loadEmulatorConfigFile(TEST_DATA_DIR "/microsoft-sample.json");
    QVERIFY(config.ok());
    VirtualClock clock;
    broker::Engine engine(clock);
    const auto applied = applyToEngine(config->namespaces.front(), engine);
    QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message.c_str());
    QVERIFY(engine.getQueue("QUEUE.1").ok()); // lookup is case-insensitive
    QCOMPARE(engine.getQueue("queue.1")->maxDeliveryCount, 3);
    const auto subs = engine.listSubscriptions("topic.1");
    QVERIFY(subs.ok());
    QCOMPARE(subs->size(), std::size_t(4));
    const auto rules3 = engine.listRules("topic.1", "subscription.3");
    QVERIFY(rules3.ok());
    QCOMPARE(rules3->size(), std::size_t(1)); // the $Default true rule
    QCOMPARE(rules3->front().name, std::string(broker::kDefaultRuleName));
    const auto rules1 = engine.listRules("topic.1", "subscription.1");
    QVERIFY(rules1.ok());
    QCOMPARE(rules1->size(), std::size_t(1));
    QCOMPARE(rules1->front().name, std::string("app-prop-filter-1"));

    // A JSON message reaches subscription.1 (content type) and subscription.3 (true) only.
    Message m;
    m.contentType = "application/json";
    m.body = "{}";
    const auto sent = engine.send(broker::EntityAddress::queue("topic.1"), {m});
    QVERIFY2(sent.ok(), sent.ok() ? "" : sent.error().message.c_str());
    auto active = [&](const char *sub) { return engine.runtimeCounts(std::string("topic.1/Subscriptions/") + sub)->active; };
    QCOMPARE(active("subscription.1"), std::int64_t(1));
    QCOMPARE(active("subscription.2"), std::int64_t(0));
    QCOMPARE(active("subscription.3"), std::int64_t(1));
    QCOMPARE(active("subscription.4"), std::int64_t(0));

    // Applying again updates in place instead of failing on existing entities.
    const auto again = applyToEngine(config->namespaces.front(), engine);
    QVERIFY2(again.ok(), again.ok() ? "" : again.error().message.c_str());
    QCOMPARE(engine.listRules("topic.1", "subscription.1")->size(), std::size_t(1));
}

void TestEmulatorConfig::applyForwardsToLaterEntities()
{
    const char *json = R"({"UserConfig": {"Namespaces": [{"Name": "ns",
        "Queues": [{"Name": "first", "Properties": {"ForwardTo": "second"}}, {"Name": "second"}],
        "Topics": []}], "Logging": {"Type": "Console"}}})";
    const auto config = parseEmulatorConfig(json);
    QVERIFY(config.ok());
    VirtualClock clock;
    broker::Engine engine(clock);
    const auto applied = applyToEngine(config->namespaces.front(), engine);
    QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message.c_str());
    QCOMPARE(engine.getQueue("first")->forwardTo, std::string("second"));
    QVERIFY(engine.send(broker::EntityAddress::queue("first"), {Message{}}).ok());
    QCOMPARE(engine.runtimeCounts("second")->active, std::int64_t(1));
    QCOMPARE(engine.runtimeCounts("first")->active, std::int64_t(0));

    const char *bad = R"({"UserConfig": {"Namespaces": [{"Name": "ns",
        "Queues": [{"Name": "first", "Properties": {"ForwardTo": "nowhere"}}], "Topics": []}], "Logging": {"Type": "Console"}}})";
    const auto badConfig = parseEmulatorConfig(bad);
    QVERIFY(badConfig.ok());
    broker::Engine engine2(clock);
    const auto failed = applyToEngine(badConfig->namespaces.front(), engine2);
    QVERIFY(!failed.ok());
    QVERIFY(failed.error().message.find("first") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestEmulatorConfig)
#include "tst_emulatorconfig.moc"
