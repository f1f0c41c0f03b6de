#include "core/broker/address.h"
#include "core/broker/entities.h"

#include <QtTest>

using namespace busyard::core;
using namespace busyard::core::broker;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(busyard::core::ErrorCode)

class TestEntities : public QObject
{
    Q_OBJECT

private slots:
    void defaults();
    void queueRanges_data();
    void queueRanges();
    void subscriptionAndTopicRanges();
    void premiumRanges();
    void basicTier();
    void names_data();
    void names();
    void ruleValidation();
    void statusNames();
    void addressParse_data();
    void addressParse();
    void owningEntity();
    void timeSpanText();
};

void TestEntities::defaults()
{
    const QueueDescription q;
    QCOMPARE(q.lockDuration, 60s);
    QCOMPARE(q.maxSizeInMegabytes, 1024);
    QCOMPARE(q.maxMessageSizeInKilobytes, 256);
    QCOMPARE(q.requiresDuplicateDetection, false);
    QCOMPARE(q.duplicateDetectionHistoryTimeWindow, Duration(10min));
    QCOMPARE(q.requiresSession, false);
    QCOMPARE(q.defaultMessageTimeToLive, kMaxDuration);
    QCOMPARE(q.deadLetteringOnMessageExpiration, false);
    QCOMPARE(q.maxDeliveryCount, 10);
    QCOMPARE(q.enableBatchedOperations, true);
    QCOMPARE(q.autoDeleteOnIdle, kMaxDuration);
    QVERIFY(q.forwardTo.empty());
    QCOMPARE(q.status, EntityStatus::Active);
    QCOMPARE(q.supportOrdering, true);
    const SubscriptionDescription s;
    QCOMPARE(s.deadLetteringOnFilterEvaluationExceptions, true);
    QCOMPARE(s.maxDeliveryCount, 10);
    QCOMPARE(s.lockDuration, 60s);
    const TopicDescription t;
    QCOMPARE(t.defaultMessageTimeToLive, kMaxDuration);
    QCOMPARE(t.duplicateDetectionHistoryTimeWindow, Duration(10min));
    const RuleDescription r;
    QCOMPARE(QString::fromStdString(r.name), QStringLiteral("$Default"));
    QVERIFY(std::holds_alternative<TrueFilter>(r.filter));
}

void TestEntities::queueRanges_data()
{
    QTest::addColumn<int>("field");
    QTest::addColumn<qint64>("value");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("mentions");
    // field: 0 lock ms, 1 max size MB, 2 dup window ms, 3 ttl ms, 4 max delivery, 5 auto-delete ms, 6 metadata len
    QTest::newRow("lock 5s") << 0 << qint64(5000) << true << QString();
    QTest::newRow("lock 5min") << 0 << qint64(300000) << true << QString();
    QTest::newRow("lock 6min") << 0 << qint64(360000) << false << QStringLiteral("'5' minutes");
    QTest::newRow("lock 1s") << 0 << qint64(1000) << false << QStringLiteral("LockDuration");
    QTest::newRow("size 2048") << 1 << qint64(2048) << true << QString();
    QTest::newRow("size 1000") << 1 << qint64(1000) << false << QStringLiteral("1024;2048;3072;4096;5120");
    QTest::newRow("dup 20s") << 2 << qint64(20000) << true << QString();
    QTest::newRow("dup 19s") << 2 << qint64(19000) << false << QStringLiteral("DuplicateDetectionHistoryTimeWindow");
    QTest::newRow("dup 7d") << 2 << qint64(7LL * 86400000) << true << QString();
    QTest::newRow("dup 8d") << 2 << qint64(8LL * 86400000) << false << QStringLiteral("7.00:00:00");
    QTest::newRow("ttl 1s") << 3 << qint64(1000) << true << QString();
    QTest::newRow("ttl 999ms") << 3 << qint64(999) << false << QStringLiteral("DefaultMessageTimeToLive");
    QTest::newRow("mdc 1") << 4 << qint64(1) << true << QString();
    QTest::newRow("mdc 0") << 4 << qint64(0) << false << QStringLiteral("MaxDeliveryCount");
    QTest::newRow("idle 5min") << 5 << qint64(300000) << true << QString();
    QTest::newRow("idle 4min") << 5 << qint64(240000) << false << QStringLiteral("AutoDeleteOnIdle");
    QTest::newRow("metadata 1024") << 6 << qint64(1024) << true << QString();
    QTest::newRow("metadata 1025") << 6 << qint64(1025) << false << QStringLiteral("UserMetadata");
}

void TestEntities::queueRanges()
{
    QFETCH(int, field);
    QFETCH(qint64, value);
    QFETCH(bool, ok);
    QFETCH(QString, mentions);
    QueueDescription q;
    q.name = "orders";
    switch (field) {
    case 0: q.lockDuration = Duration(value); break;
    case 1: q.maxSizeInMegabytes = value; break;
    case 2: q.duplicateDetectionHistoryTimeWindow = Duration(value); break;
    case 3: q.defaultMessageTimeToLive = Duration(value); break;
    case 4: q.maxDeliveryCount = static_cast<std::int32_t>(value); break;
    case 5: q.autoDeleteOnIdle = Duration(value); break;
    case 6: q.userMetadata = std::string(static_cast<std::size_t>(value), 'x'); break;
    }
    const auto r = validate(q);
    QCOMPARE(r.ok(), ok);
    if (!ok) {
        QVERIFY2(QString::fromStdString(r.error().message).contains(mentions), r.error().message.c_str());
        QVERIFY(r.error().code == ErrorCode::ArgumentOutOfRange);
    }
}

void TestEntities::subscriptionAndTopicRanges()
{
    SubscriptionDescription s;
    s.topicName = "t";
    s.name = "s";
    QVERIFY(validate(s).ok());
    s.status = EntityStatus::SendDisabled;
    QVERIFY(!validate(s).ok());
    s.status = EntityStatus::ReceiveDisabled;
    QVERIFY(validate(s).ok());
    s.lockDuration = 301s;
    QVERIFY(!validate(s).ok());

    TopicDescription t;
    t.name = "t";
    QVERIFY(validate(t).ok());
    t.status = EntityStatus::ReceiveDisabled;
    QVERIFY(!validate(t).ok());
    t.status = EntityStatus::SendDisabled;
    QVERIFY(validate(t).ok());
    t.maxMessageSizeInKilobytes = 1024;
    QVERIFY(!validate(t).ok()); // Standard: fixed at 256
}

void TestEntities::premiumRanges()
{
    QueueDescription q;
    q.name = "big";
    q.maxMessageSizeInKilobytes = 102400;
    q.maxSizeInMegabytes = 81920;
    QVERIFY(validate(q, Tier::Premium).ok());
    q.maxMessageSizeInKilobytes = 102401;
    QVERIFY(!validate(q, Tier::Premium).ok());
    q.maxMessageSizeInKilobytes = 1024;
    q.maxSizeInMegabytes = 81921;
    QVERIFY(!validate(q, Tier::Premium).ok());
}

void TestEntities::basicTier()
{
    QueueDescription q;
    q.name = "q";
    QVERIFY(validate(q, Tier::Basic).ok());
    q.requiresSession = true;
    QVERIFY(!validate(q, Tier::Basic).ok());
    q.requiresSession = false;
    q.defaultMessageTimeToLive = std::chrono::hours(24 * 15);
    QVERIFY(!validate(q, Tier::Basic).ok());
    TopicDescription t;
    t.name = "t";
    QVERIFY(!validate(t, Tier::Basic).ok());
}

void TestEntities::names_data()
{
    QTest::addColumn<int>("kind"); // 0 path, 1 subscription, 2 rule
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("ok");
    QTest::newRow("simple") << 0 << QStringLiteral("orders") << true;
    QTest::newRow("nested") << 0 << QStringLiteral("site1/my.queue_2-x") << true;
    QTest::newRow("trailing slash") << 0 << QStringLiteral("a/") << false;
    QTest::newRow("leading dot") << 0 << QStringLiteral(".a") << false;
    QTest::newRow("segment end dash") << 0 << QStringLiteral("a-/b") << false;
    QTest::newRow("dollar") << 0 << QStringLiteral("$DeadLetterQueue") << false;
    QTest::newRow("at") << 0 << QStringLiteral("a@b") << false;
    QTest::newRow("subscriptions segment") << 0 << QStringLiteral("t/subscriptions/s") << false;
    QTest::newRow("260") << 0 << QString(260, QLatin1Char('a')) << true;
    QTest::newRow("261") << 0 << QString(261, QLatin1Char('a')) << false;
    QTest::newRow("sub ok") << 1 << QStringLiteral("sub.1") << true;
    QTest::newRow("sub slash") << 1 << QStringLiteral("a/b") << false;
    QTest::newRow("sub 50") << 1 << QString(50, QLatin1Char('s')) << true;
    QTest::newRow("sub 51") << 1 << QString(51, QLatin1Char('s')) << false;
    QTest::newRow("rule default") << 2 << QStringLiteral("$Default") << true;
    QTest::newRow("rule other dollar") << 2 << QStringLiteral("$Other") << false;
    QTest::newRow("rule empty") << 2 << QString() << false;
}

void TestEntities::names()
{
    QFETCH(int, kind);
    QFETCH(QString, name);
    QFETCH(bool, ok);
    const std::string n = name.toStdString();
    const auto r = kind == 0 ? validateEntityPath(n) : kind == 1 ? validateSubscriptionName(n) : validateRuleName(n);
    QCOMPARE(r.ok(), ok);
    if (!ok && kind == 0 && name.contains(QLatin1Char('@')))
        QVERIFY(QString::fromStdString(r.error().message).contains(QStringLiteral("SubCode=40000")));
}

void TestEntities::ruleValidation()
{
    RuleDescription r;
    r.name = "r1";
    r.filter = CorrelationFilter{};
    QVERIFY(!validate(r).ok());
    CorrelationFilter c;
    c.properties.set("color", Value::string("red"));
    r.filter = c;
    QVERIFY(validate(r).ok());
    r.filter = SqlFilter{std::string(1025, 'a'), {}};
    QVERIFY(!validate(r).ok());
    r.filter = SqlFilter{"", {}};
    QVERIFY(!validate(r).ok());
    r.filter = SqlFilter{"1=1", {}};
    QVERIFY(validate(r).ok());
}

void TestEntities::statusNames()
{
    QCOMPARE(entityStatusFromName("senddisabled"), std::optional<EntityStatus>(EntityStatus::SendDisabled));
    QCOMPARE(QString::fromLatin1(entityStatusName(EntityStatus::ReceiveDisabled)), QStringLiteral("ReceiveDisabled"));
    QVERIFY(!entityStatusFromName("Creating").has_value());
}

void TestEntities::addressParse_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("entityPath");
    QTest::addColumn<QString>("topic");
    QTest::addColumn<QString>("subscription");
    QTest::addColumn<int>("subQueue");
    QTest::addColumn<bool>("management");
    QTest::newRow("queue") << "q1" << true << "q1" << "" << "" << 0 << false;
    QTest::newRow("nested queue") << "site1/q" << true << "site1/q" << "" << "" << 0 << false;
    QTest::newRow("dlq") << "q1/$DeadLetterQueue" << true << "q1" << "" << "" << 1 << false;
    QTest::newRow("sub") << "t/Subscriptions/s" << true << "t/Subscriptions/s" << "t" << "s" << 0 << false;
    QTest::newRow("sub lower") << "t/subscriptions/s" << true << "t/Subscriptions/s" << "t" << "s" << 0 << false;
    QTest::newRow("sub dlq mgmt") << "a/t/Subscriptions/s/$DeadLetterQueue/$management" << true
                                  << "a/t/Subscriptions/s" << "a/t" << "s" << 1 << true;
    QTest::newRow("tdlq") << "q/$Transfer/$DeadLetterQueue" << true << "q" << "" << "" << 3 << false;
    QTest::newRow("transfer") << "q/$Transfer" << true << "q" << "" << "" << 2 << false;
    QTest::newRow("uri") << "amqps://localhost:5671/q1" << true << "q1" << "" << "" << 0 << false;
    QTest::newRow("mgmt") << "q1/$management" << true << "q1" << "" << "" << 0 << true;
    QTest::newRow("cbs") << "$cbs" << false << "" << "" << "" << 0 << false;
    QTest::newRow("empty") << "" << false << "" << "" << "" << 0 << false;
    QTest::newRow("sub missing name") << "t/Subscriptions" << false << "" << "" << "" << 0 << false;
}

void TestEntities::addressParse()
{
    QFETCH(QString, address);
    QFETCH(bool, ok);
    QFETCH(QString, entityPath);
    QFETCH(QString, topic);
    QFETCH(QString, subscription);
    QFETCH(int, subQueue);
    QFETCH(bool, management);
    const auto a = EntityAddress::parse(address.toStdString());
    QCOMPARE(a.ok(), ok);
    if (!ok)
        return;
    QCOMPARE(QString::fromStdString(a->entityPath), entityPath);
    QCOMPARE(QString::fromStdString(a->topic), topic);
    QCOMPARE(QString::fromStdString(a->subscription), subscription);
    QCOMPARE(static_cast<int>(a->subQueue), subQueue);
    QCOMPARE(a->management, management);
}

void TestEntities::owningEntity()
{
    // Where a message for the address is sent: the queue, or the topic of a subscription.
    const std::pair<const char *, const char *> cases[] = {
        {"q1", "q1"},
        {"q1/$DeadLetterQueue", "q1"},
        {"site1/q/$Transfer/$DeadLetterQueue", "site1/q"},
        {"t", "t"},
        {"t/Subscriptions/s", "t"},
        {"a/t/subscriptions/s/$DeadLetterQueue", "a/t"},
    };
    for (const auto &[address, owner] : cases) {
        const auto a = EntityAddress::parse(address);
        QVERIFY2(a.ok(), address);
        QCOMPARE(QString::fromStdString(a->owningEntityPath()), QString::fromLatin1(owner));
    }
}

void TestEntities::timeSpanText()
{
    QCOMPARE(QString::fromStdString(formatTimeSpan(5min)), QStringLiteral("00:05:00"));
    QCOMPARE(QString::fromStdString(formatTimeSpan(std::chrono::hours(24 * 7))), QStringLiteral("7.00:00:00"));
    QCOMPARE(QString::fromStdString(formatTimeSpan(1500ms)), QStringLiteral("00:00:01.500"));
}

QTEST_GUILESS_MAIN(TestEntities)
#include "tst_entities.moc"
