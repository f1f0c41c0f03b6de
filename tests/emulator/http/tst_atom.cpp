#include "tst_atom.h"

#include "core/client/atom.h"

#include <QRegularExpression>
#include <QTest>
#include <QXmlStreamReader>

using namespace std::chrono_literals;
using namespace busyard;
namespace atom = busyard::client::atom;
namespace broker = busyard::core::broker;

Q_DECLARE_METATYPE(core::Duration)

namespace {

/** Local names of the child elements of the first element called `parent`, in document order. */
QStringList childNames(const QByteArray &xml, const QString &parent)
{
    QXmlStreamReader r(xml);
    QStringList names;
    int depth = 0;
    int parentDepth = -1;
    while (!r.atEnd()) {
        r.readNext();
        if (r.isStartElement()) {
            ++depth;
            if (parentDepth < 0 && r.name() == parent)
                parentDepth = depth;
            else if (parentDepth >= 0 && depth == parentDepth + 1)
                names << r.name().toString();
        } else if (r.isEndElement()) {
            if (depth == parentDepth)
                break;
            --depth;
        }
    }
    return names;
}

/** Text of the first element with this local name and namespace. */
QString elementText(const QByteArray &xml, const QString &name, const QString &ns = QString())
{
    QXmlStreamReader r(xml);
    while (!r.atEnd()) {
        r.readNext();
        if (r.isStartElement() && r.name() == name && (ns.isEmpty() || r.namespaceUri() == ns))
            return r.readElementText(QXmlStreamReader::IncludeChildElements);
    }
    return QStringLiteral("<missing>");
}

QString atomNs()
{
    return QString::fromLatin1(atom::kAtomNamespace);
}

QString sbNs()
{
    return QString::fromLatin1(atom::kServiceBusNamespace);
}

atom::AtomContext context()
{
    atom::AtomContext ctx;
    ctx.baseUrl = QStringLiteral("https://localhost:5300");
    ctx.now = core::fromMillisSinceEpoch(1'700'000'000'000LL);
    return ctx;
}

broker::QueueDescription sampleQueue()
{
    broker::QueueDescription q;
    q.name = "orders";
    q.lockDuration = 45s;
    q.maxSizeInMegabytes = 2048;
    q.requiresDuplicateDetection = true;
    q.duplicateDetectionHistoryTimeWindow = 2min;
    q.requiresSession = true;
    q.defaultMessageTimeToLive = std::chrono::hours(24 * 3);
    q.deadLetteringOnMessageExpiration = true;
    q.maxDeliveryCount = 7;
    q.enableBatchedOperations = false;
    q.autoDeleteOnIdle = std::chrono::hours(2);
    q.forwardTo = "archive";
    q.forwardDeadLetteredMessagesTo = "errors";
    q.enableExpress = true;
    q.status = broker::EntityStatus::SendDisabled;
    q.userMetadata = "owner=<team & co>";
    q.createdAt = core::fromMillisSinceEpoch(1'600'000'000'000LL);
    q.updatedAt = core::fromMillisSinceEpoch(1'600'000'100'500LL);
    return q;
}

QByteArray entryWith(const QByteArray &description)
{
    return QByteArray(R"(<entry xmlns="http://www.w3.org/2005/Atom"><content type="application/xml">)") + description
        + "</content></entry>";
}

QByteArray queueBody(const QByteArray &elements)
{
    return entryWith(R"(<QueueDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">)"
                     + elements + "</QueueDescription>");
}

QByteArray ruleBody(const QByteArray &elements)
{
    return entryWith(R"(<RuleDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">)"
                     + elements + "</RuleDescription>");
}

QStringList names(std::initializer_list<const char *> list)
{
    QStringList out;
    for (const char *n : list)
        out << QString::fromLatin1(n);
    return out;
}

/** Not a macro: moc cannot read raw string literals inside macro arguments. */
void expectContains(const QByteArray &xml, const char *needle)
{
    QVERIFY2(xml.contains(needle), qPrintable(QStringLiteral("missing %1 in %2").arg(QLatin1String(needle), QString::fromUtf8(xml))));
}

} // namespace

void TestAtom::formatDuration_data()
{
    QTest::addColumn<core::Duration>("duration");
    QTest::addColumn<QString>("text");
    QTest::newRow("zero") << core::Duration{0} << QStringLiteral("PT0S");
    QTest::newRow("one minute") << core::Duration{60s} << QStringLiteral("PT1M");
    QTest::newRow("90 s") << core::Duration{90s} << QStringLiteral("PT1M30S");
    QTest::newRow("ten minutes") << core::Duration{10min} << QStringLiteral("PT10M");
    QTest::newRow("14 days") << core::Duration{std::chrono::hours(24 * 14)} << QStringLiteral("P14D");
    QTest::newRow("1d 2h") << core::Duration{std::chrono::hours(26)} << QStringLiteral("P1DT2H");
    QTest::newRow("1.5 s") << core::Duration{1500ms} << QStringLiteral("PT1.5S");
    QTest::newRow("5 ms") << core::Duration{5ms} << QStringLiteral("PT0.005S");
    QTest::newRow("1h 0m 1.25s") << core::Duration{3601250ms} << QStringLiteral("PT1H1.25S");
    QTest::newRow("max") << core::kMaxDuration << QStringLiteral("P10675199DT2H48M5.4775807S");
    QTest::newRow("beyond max") << core::Duration{core::kMaxDuration + 5s} << QStringLiteral("P10675199DT2H48M5.4775807S");
    QTest::newRow("negative") << core::Duration{-60s} << QStringLiteral("-PT1M");
}

void TestAtom::formatDuration()
{
    QFETCH(core::Duration, duration);
    QFETCH(QString, text);
    QCOMPARE(atom::formatDuration(duration), text);
}

void TestAtom::parseDuration_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<core::Duration>("duration");
    QTest::newRow("PT1M") << QStringLiteral("PT1M") << core::Duration{60s};
    QTest::newRow("PT10M") << QStringLiteral("PT10M") << core::Duration{10min};
    QTest::newRow("PT20S") << QStringLiteral("PT20S") << core::Duration{20s};
    QTest::newRow("PT0S") << QStringLiteral("PT0S") << core::Duration{0};
    QTest::newRow("P14D") << QStringLiteral("P14D") << core::Duration{std::chrono::hours(24 * 14)};
    QTest::newRow("P1W") << QStringLiteral("P1W") << core::Duration{std::chrono::hours(24 * 7)};
    QTest::newRow("P1Y") << QStringLiteral("P1Y") << core::Duration{std::chrono::hours(24 * 365)};
    QTest::newRow("P1M is a month") << QStringLiteral("P1M") << core::Duration{std::chrono::hours(24 * 30)};
    QTest::newRow("fraction") << QStringLiteral("PT0.5S") << core::Duration{500ms};
    QTest::newRow("7-digit fraction") << QStringLiteral("PT1.2345678S") << core::Duration{1234ms};
    QTest::newRow("all parts") << QStringLiteral("P1DT2H3M4.5S") << core::Duration{93784500ms};
    QTest::newRow("max") << QStringLiteral("P10675199DT2H48M5.4775807S") << core::kMaxDuration;
    QTest::newRow("python timedelta.max") << QStringLiteral("P999999999DT23H59M59.999999S") << core::kMaxDuration;
    QTest::newRow("overflowing product saturates") << QStringLiteral("P999999999999999999D") << core::kMaxDuration;
    QTest::newRow("whitespace") << QStringLiteral("  PT5M \n") << core::Duration{5min};
    QTest::newRow("negative") << QStringLiteral("-PT1M") << core::Duration{-60s};
    QTest::newRow("seconds over 59") << QStringLiteral("PT90S") << core::Duration{90s};
}

void TestAtom::parseDuration()
{
    QFETCH(QString, text);
    QFETCH(core::Duration, duration);
    const auto parsed = atom::parseDuration(text);
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
    QCOMPARE(parsed->count(), duration.count());
}

void TestAtom::parseDurationRejects_data()
{
    QTest::addColumn<QString>("text");
    for (const char *bad : {"", "P", "PT", "1M", "PT1.S", "P1H", "PT1D", "P1M1Y", "PT1M1H", "P1.5D", "PTS",
                            "abc", "P-1D", "P1DT", "PT1M ", "PT1000000000000000000S", "P1D2H", "PT+1S", "pt1m",
                            "PT1M1M"}) {
        if (QByteArray(bad) == "PT1M ")
            continue; // trailing whitespace is accepted (trimmed)
        QTest::newRow(*bad ? bad : "empty") << QString::fromLatin1(bad);
    }
}

void TestAtom::parseDurationRejects()
{
    QFETCH(QString, text);
    const auto parsed = atom::parseDuration(text);
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error().code, core::ErrorCode::InvalidArgument);
}

void TestAtom::durationRoundTrip_data()
{
    QTest::addColumn<QString>("text");
    for (const char *t : {"PT1M", "PT5S", "P14D", "P1DT2H3M4.5S", "PT0.001S", "P10675199DT2H48M5.4775807S", "PT0S"})
        QTest::newRow(t) << QString::fromLatin1(t);
}

void TestAtom::durationRoundTrip()
{
    QFETCH(QString, text);
    const auto parsed = atom::parseDuration(text);
    QVERIFY(parsed.ok());
    QCOMPARE(atom::formatDuration(*parsed), text);
}

void TestAtom::dateTimes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<QString>("formatted");
    QTest::newRow("whole seconds") << QStringLiteral("2018-10-09T19:56:34Z") << qint64(1539114994000) << QStringLiteral("2018-10-09T19:56:34Z");
    QTest::newRow("milliseconds") << QStringLiteral("2018-10-09T19:56:34.123Z") << qint64(1539114994123) << QStringLiteral("2018-10-09T19:56:34.123Z");
    QTest::newRow(".NET 7 digits") << QStringLiteral("2018-12-19T19:37:23.9128676Z") << qint64(1545248243912)
                                   << QStringLiteral("2018-12-19T19:37:23.912Z");
    QTest::newRow("offset") << QStringLiteral("2018-10-09T21:56:34+02:00") << qint64(1539114994000) << QStringLiteral("2018-10-09T19:56:34Z");
    QTest::newRow("never") << QStringLiteral("0001-01-01T00:00:00Z") << qint64(0) << QStringLiteral("0001-01-01T00:00:00Z");
    QTest::newRow("never with fraction") << QStringLiteral("0001-01-01T00:00:00.0000000Z") << qint64(0) << QStringLiteral("0001-01-01T00:00:00Z");
}

void TestAtom::dateTimes()
{
    QFETCH(QString, text);
    QFETCH(qint64, ms);
    QFETCH(QString, formatted);
    const auto parsed = atom::parseDateTime(text);
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
    QCOMPARE(core::toMillisSinceEpoch(*parsed), ms);
    QCOMPARE(atom::formatDateTime(*parsed), formatted);
}

void TestAtom::dateTimeRejects()
{
    for (const char *bad : {"", "yesterday", "2018-13-01T00:00:00Z", "2018-10-09", "2018-10-09 19:56:34Z"})
        QVERIFY2(!atom::parseDateTime(QString::fromLatin1(bad)).ok(), bad);
}

void TestAtom::queueEntryShape()
{
    atom::QueueItem item{sampleQueue(), {}};
    item.counts.active = 3;
    item.counts.deadLetter = 2;
    item.counts.scheduled = 1;
    item.counts.sizeInBytes = 777;
    const QByteArray xml = atom::queueEntry(item, context());

    QXmlStreamReader reader(xml);
    QVERIFY(reader.readNextStartElement());
    QCOMPARE(reader.name(), u"entry");
    QCOMPARE(reader.namespaceUri(), atomNs());
    QCOMPARE(elementText(xml, QStringLiteral("id"), atomNs()),
             QStringLiteral("https://localhost:5300/orders?api-version=2021-05"));
    QCOMPARE(elementText(xml, QStringLiteral("title"), atomNs()), QStringLiteral("orders"));
    QCOMPARE(childNames(xml, QStringLiteral("content")), QStringList{QStringLiteral("QueueDescription")});
    // Service Bus elements live in the default namespace of the description.
    expectContains(xml, R"(<QueueDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">)");
    QCOMPARE(elementText(xml, QStringLiteral("LockDuration"), sbNs()), QStringLiteral("PT45S"));

    const QStringList expectedOrder = names({
        "LockDuration", "MaxSizeInMegabytes", "RequiresDuplicateDetection", "RequiresSession",
        "DefaultMessageTimeToLive", "DeadLetteringOnMessageExpiration", "DuplicateDetectionHistoryTimeWindow",
        "MaxDeliveryCount", "EnableBatchedOperations", "SizeInBytes", "MessageCount", "IsAnonymousAccessible",
        "AuthorizationRules", "Status", "ForwardTo", "UserMetadata", "CreatedAt", "UpdatedAt", "AccessedAt",
        "SupportOrdering", "CountDetails", "AutoDeleteOnIdle", "EnablePartitioning", "EntityAvailabilityStatus",
        "ForwardDeadLetteredMessagesTo", "EnableExpress", "MaxMessageSizeInKilobytes"});
    QCOMPARE(childNames(xml, QStringLiteral("QueueDescription")), expectedOrder);

    // CountDetails: exactly one attribute, the d2p1 prefix declaration (the JS SDK relies on it).
    static const QRegularExpression countDetails(QStringLiteral("<CountDetails( [^>]*)>"));
    const auto match = countDetails.match(QString::fromUtf8(xml));
    QVERIFY(match.hasMatch());
    QCOMPARE(match.captured(1),
             QStringLiteral(" xmlns:d2p1=\"http://schemas.microsoft.com/netservices/2011/06/servicebus\""));
    QCOMPARE(childNames(xml, QStringLiteral("CountDetails")),
             (names({"ActiveMessageCount", "DeadLetterMessageCount", "ScheduledMessageCount",
                          "TransferMessageCount", "TransferDeadLetterMessageCount"})));
    QVERIFY(xml.contains("<d2p1:ActiveMessageCount>3</d2p1:ActiveMessageCount>"));
    QVERIFY(xml.contains("<d2p1:DeadLetterMessageCount>2</d2p1:DeadLetterMessageCount>"));
    QCOMPARE(elementText(xml, QStringLiteral("MessageCount"), sbNs()), QStringLiteral("6"));
    QCOMPARE(elementText(xml, QStringLiteral("SizeInBytes"), sbNs()), QStringLiteral("777"));
    QCOMPARE(elementText(xml, QStringLiteral("ForwardTo"), sbNs()), QStringLiteral("sb://localhost:5300/archive"));
    QCOMPARE(elementText(xml, QStringLiteral("AccessedAt"), sbNs()), QStringLiteral("0001-01-01T00:00:00Z"));
    QCOMPARE(elementText(xml, QStringLiteral("UpdatedAt"), sbNs()), QStringLiteral("2020-09-13T12:28:20.5Z"));
    QCOMPARE(elementText(xml, QStringLiteral("UserMetadata"), sbNs()), QStringLiteral("owner=<team & co>"));
}

void TestAtom::queueOptionalElementsOmitted()
{
    broker::QueueDescription q;
    q.name = "plain";
    const QByteArray xml = atom::queueEntry({q, {}}, context());
    const QStringList names = childNames(xml, QStringLiteral("QueueDescription"));
    QVERIFY(!names.contains(QStringLiteral("ForwardTo")));
    QVERIFY(!names.contains(QStringLiteral("UserMetadata")));
    QVERIFY(!names.contains(QStringLiteral("ForwardDeadLetteredMessagesTo")));
    QCOMPARE(elementText(xml, QStringLiteral("DefaultMessageTimeToLive"), sbNs()),
             QStringLiteral("P10675199DT2H48M5.4775807S"));
    QCOMPARE(elementText(xml, QStringLiteral("LockDuration"), sbNs()), QStringLiteral("PT1M"));
}

void TestAtom::queueRoundTrip()
{
    const broker::QueueDescription original = sampleQueue();
    const QByteArray xml = atom::queueEntry({original, {}}, context());
    broker::QueueDescription parsed;
    const auto ok = atom::parseQueueDescription(xml, parsed);
    QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
    QCOMPARE(parsed.lockDuration, original.lockDuration);
    QCOMPARE(parsed.maxSizeInMegabytes, original.maxSizeInMegabytes);
    QCOMPARE(parsed.requiresDuplicateDetection, original.requiresDuplicateDetection);
    QCOMPARE(parsed.duplicateDetectionHistoryTimeWindow, original.duplicateDetectionHistoryTimeWindow);
    QCOMPARE(parsed.requiresSession, original.requiresSession);
    QCOMPARE(parsed.defaultMessageTimeToLive, original.defaultMessageTimeToLive);
    QCOMPARE(parsed.deadLetteringOnMessageExpiration, original.deadLetteringOnMessageExpiration);
    QCOMPARE(parsed.maxDeliveryCount, original.maxDeliveryCount);
    QCOMPARE(parsed.enableBatchedOperations, original.enableBatchedOperations);
    QCOMPARE(parsed.autoDeleteOnIdle, original.autoDeleteOnIdle);
    QCOMPARE(parsed.forwardTo, original.forwardTo);
    QCOMPARE(parsed.forwardDeadLetteredMessagesTo, original.forwardDeadLetteredMessagesTo);
    QCOMPARE(parsed.enableExpress, original.enableExpress);
    QCOMPARE(parsed.status, original.status);
    QCOMPARE(parsed.userMetadata, original.userMetadata);
    QCOMPARE(parsed.name, std::string()); // the path names the entity, never the body
}

void TestAtom::topicRoundTripAndOrder()
{
    broker::TopicDescription t;
    t.name = "events";
    t.defaultMessageTimeToLive = 1h;
    t.requiresDuplicateDetection = true;
    t.duplicateDetectionHistoryTimeWindow = 30s;
    t.maxSizeInMegabytes = 5120;
    t.status = broker::EntityStatus::Disabled;
    t.userMetadata = "m";
    atom::TopicItem item{t, {}};
    item.counts.subscriptionCount = 4;
    item.counts.scheduled = 9;
    const QByteArray xml = atom::topicEntry(item, context());
    QCOMPARE(childNames(xml, QStringLiteral("TopicDescription")),
             (names({"DefaultMessageTimeToLive", "MaxSizeInMegabytes", "RequiresDuplicateDetection",
                          "DuplicateDetectionHistoryTimeWindow", "EnableBatchedOperations", "SizeInBytes",
                          "FilteringMessagesBeforePublishing", "IsAnonymousAccessible", "AuthorizationRules",
                          "Status", "CreatedAt", "UpdatedAt", "AccessedAt", "SupportOrdering", "CountDetails",
                          "SubscriptionCount", "AutoDeleteOnIdle", "EnablePartitioning",
                          "EntityAvailabilityStatus", "EnableSubscriptionPartitioning", "EnableExpress",
                          "UserMetadata", "MaxMessageSizeInKilobytes"})));
    QCOMPARE(elementText(xml, QStringLiteral("SubscriptionCount"), sbNs()), QStringLiteral("4"));
    QVERIFY(xml.contains("<d2p1:ScheduledMessageCount>9</d2p1:ScheduledMessageCount>"));

    broker::TopicDescription parsed;
    QVERIFY(atom::parseTopicDescription(xml, parsed).ok());
    QCOMPARE(parsed.defaultMessageTimeToLive, t.defaultMessageTimeToLive);
    QCOMPARE(parsed.requiresDuplicateDetection, true);
    QCOMPARE(parsed.duplicateDetectionHistoryTimeWindow, t.duplicateDetectionHistoryTimeWindow);
    QCOMPARE(parsed.maxSizeInMegabytes, 5120);
    QCOMPARE(parsed.status, broker::EntityStatus::Disabled);
    QCOMPARE(parsed.userMetadata, std::string("m"));
}

void TestAtom::subscriptionRoundTripAndOrder()
{
    broker::SubscriptionDescription s;
    s.topicName = "events";
    s.name = "audit";
    s.lockDuration = 30s;
    s.requiresSession = true;
    s.deadLetteringOnFilterEvaluationExceptions = false;
    s.maxDeliveryCount = 3;
    s.forwardTo = "sink";
    s.status = broker::EntityStatus::ReceiveDisabled;
    atom::SubscriptionItem item{s, {}};
    item.counts.active = 5;
    const QByteArray xml = atom::subscriptionEntry(item, context());
    QCOMPARE(elementText(xml, QStringLiteral("id"), atomNs()),
             QStringLiteral("https://localhost:5300/events/Subscriptions/audit?api-version=2021-05"));
    QCOMPARE(elementText(xml, QStringLiteral("title"), atomNs()), QStringLiteral("audit"));
    QCOMPARE(childNames(xml, QStringLiteral("SubscriptionDescription")),
             (names({"LockDuration", "RequiresSession", "DefaultMessageTimeToLive",
                          "DeadLetteringOnMessageExpiration", "DeadLetteringOnFilterEvaluationExceptions",
                          "MessageCount", "MaxDeliveryCount", "EnableBatchedOperations", "Status", "ForwardTo",
                          "CreatedAt", "UpdatedAt", "AccessedAt", "CountDetails", "AutoDeleteOnIdle",
                          "EntityAvailabilityStatus"})));
    QCOMPARE(elementText(xml, QStringLiteral("MessageCount"), sbNs()), QStringLiteral("5"));

    broker::SubscriptionDescription parsed;
    const auto rule = atom::parseSubscriptionDescription(xml, parsed);
    QVERIFY(rule.ok());
    QVERIFY(!rule->has_value());
    QCOMPARE(parsed.lockDuration, s.lockDuration);
    QCOMPARE(parsed.requiresSession, true);
    QCOMPARE(parsed.deadLetteringOnFilterEvaluationExceptions, false);
    QCOMPARE(parsed.maxDeliveryCount, 3);
    QCOMPARE(parsed.forwardTo, std::string("sink"));
    QCOMPARE(parsed.status, broker::EntityStatus::ReceiveDisabled);
}

void TestAtom::subscriptionDefaultRule()
{
    // As the JS SDK sends it for createSubscription(..., {defaultRuleOptions}).
    const QByteArray body = entryWith(
        R"(<SubscriptionDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">)"
        R"(<LockDuration>PT2M</LockDuration><DefaultRuleDescription>)"
        R"(<Filter p4:type="SqlFilter" xmlns:p4="http://www.w3.org/2001/XMLSchema-instance"><SqlExpression>color = 'red'</SqlExpression></Filter>)"
        R"(<Action p4:type="EmptyRuleAction" xmlns:p4="http://www.w3.org/2001/XMLSchema-instance"/>)"
        R"(<Name>red</Name></DefaultRuleDescription></SubscriptionDescription>)");
    broker::SubscriptionDescription parsed;
    const auto rule = atom::parseSubscriptionDescription(body, parsed);
    QVERIFY2(rule.ok(), rule.ok() ? "" : rule.error().message.c_str());
    QVERIFY(rule->has_value());
    QCOMPARE((*rule)->name, std::string("red"));
    QVERIFY(std::holds_alternative<broker::SqlFilter>((*rule)->filter));
    QCOMPARE(std::get<broker::SqlFilter>((*rule)->filter).expression, std::string("color = 'red'"));
    QVERIFY(!(*rule)->action.has_value());
    QCOMPARE(parsed.lockDuration, core::Duration{2min});
}

void TestAtom::ruleRoundTrip_data()
{
    QTest::addColumn<int>("variant");
    QTest::newRow("sql filter with parameters and action") << 0;
    QTest::newRow("correlation filter") << 1;
    QTest::newRow("true filter") << 2;
    QTest::newRow("false filter") << 3;
}

void TestAtom::ruleRoundTrip()
{
    QFETCH(int, variant);
    broker::RuleDescription rule;
    rule.name = "r1";
    rule.createdAt = core::fromMillisSinceEpoch(1'545'248'243'912LL);
    switch (variant) {
    case 0: {
        broker::SqlFilter f{"a = @p AND b > @q", {}};
        f.parameters.emplace_back("@p", core::Value::string("x"));
        f.parameters.emplace_back("@q", core::Value::int32(5));
        f.parameters.emplace_back("@big", core::Value::int64(1LL << 40));
        f.parameters.emplace_back("@d", core::Value::float64(2.5));
        f.parameters.emplace_back("@b", core::Value::boolean(true));
        f.parameters.emplace_back("@t", core::Value::timestamp(core::fromMillisSinceEpoch(1'539'114'994'123LL)));
        f.parameters.emplace_back("@ts", core::Value::timeSpanTicks(600'000'000LL));
        rule.filter = f;
        rule.action = broker::SqlRuleAction{"SET sys.Label = @l", {{"@l", core::Value::string("done")}}};
        break;
    }
    case 1: {
        broker::CorrelationFilter f;
        f.correlationId = "c";
        f.messageId = "m";
        f.to = "t";
        f.replyTo = "rt";
        f.subject = "s";
        f.sessionId = "sid";
        f.replyToSessionId = "rsid";
        f.contentType = "application/json";
        f.properties.set("color", core::Value::string("red"));
        f.properties.set("n", core::Value::int32(3));
        rule.filter = f;
        break;
    }
    case 2: rule.filter = broker::TrueFilter{}; break;
    case 3: rule.filter = broker::FalseFilter{}; break;
    }
    const QByteArray xml = atom::ruleEntry({QStringLiteral("events"), QStringLiteral("audit"), rule}, context());
    QCOMPARE(elementText(xml, QStringLiteral("id"), atomNs()),
             QStringLiteral("https://localhost:5300/events/Subscriptions/audit/Rules/r1?api-version=2021-05"));
    QCOMPARE(childNames(xml, QStringLiteral("RuleDescription")),
             (names({"Filter", "Action", "CreatedAt", "Name"})));
    QCOMPARE(elementText(xml, QStringLiteral("CreatedAt"), sbNs()), QStringLiteral("2018-12-19T19:37:23.912Z"));
    if (variant == 0) {
        expectContains(xml, R"(<Value xmlns:d6p1="http://www.w3.org/2001/XMLSchema" i:type="d6p1:string">x</Value>)");
        expectContains(xml, R"(i:type="d6p1:int">5</Value>)");
        expectContains(xml, R"(i:type="d6p1:long">1099511627776</Value>)");
        expectContains(xml, R"(i:type="d6p1:double">2.5</Value>)");
        expectContains(xml, R"(i:type="d6p1:boolean">true</Value>)");
        expectContains(xml, R"(i:type="d6p1:dateTime">2018-10-09T19:56:34.123Z</Value>)");
        expectContains(xml, R"(i:type="d6p1:duration">PT1M</Value>)");
        expectContains(xml, R"(<Action i:type="SqlRuleAction">)");
    } else {
        expectContains(xml, R"(<Action i:type="EmptyRuleAction"/>)");
    }
    if (variant == 2)
        expectContains(xml, R"(<Filter i:type="TrueFilter"><SqlExpression>1=1</SqlExpression>)");
    if (variant == 3)
        expectContains(xml, R"(<Filter i:type="FalseFilter"><SqlExpression>1=0</SqlExpression>)");
    if (variant == 1) {
        QCOMPARE(childNames(xml, QStringLiteral("Filter")),
                 (names({"CorrelationId", "MessageId", "To", "ReplyTo", "Label", "SessionId",
                              "ReplyToSessionId", "ContentType", "Properties"})));
    }

    broker::RuleDescription parsed;
    parsed.name = "";
    const auto ok = atom::parseRuleDescription(xml, parsed);
    QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
    QCOMPARE(parsed.name, rule.name);
    QVERIFY(parsed.filter == rule.filter);
    QCOMPARE(parsed.action.has_value(), rule.action.has_value());
    if (rule.action)
        QVERIFY(*parsed.action == *rule.action);
}

void TestAtom::jsStyleRuleRequest()
{
    // What @azure/service-bus 7.9.5 sends: p4/l28 prefixes, numbers as double.
    const QByteArray body =
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?><entry xmlns="http://www.w3.org/2005/Atom"><updated>2024-01-01T00:00:00.000Z</updated><content type="application/xml">)"
        R"(<RuleDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">)"
        R"(<Filter p4:type="CorrelationFilter" xmlns:p4="http://www.w3.org/2001/XMLSchema-instance"><CorrelationId>abc</CorrelationId><Label>subject</Label>)"
        R"(<Properties><KeyValueOfstringanyType><Key>n</Key><Value p4:type="l28:double" xmlns:l28="http://www.w3.org/2001/XMLSchema">5</Value></KeyValueOfstringanyType>)"
        R"(<KeyValueOfstringanyType><Key>when</Key><Value p4:type="l28:dateTime" xmlns:l28="http://www.w3.org/2001/XMLSchema">2024-01-01T00:00:00.000Z</Value></KeyValueOfstringanyType></Properties></Filter>)"
        R"(<Action p4:type="SqlRuleAction" xmlns:p4="http://www.w3.org/2001/XMLSchema-instance"><SqlExpression>SET x = 1</SqlExpression></Action>)"
        R"(<Name>js</Name></RuleDescription></content></entry>)";
    QCOMPARE(atom::descriptionKind(body).value(), atom::DescriptionKind::Rule);
    broker::RuleDescription rule;
    const auto ok = atom::parseRuleDescription(body, rule);
    QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
    QVERIFY(std::holds_alternative<broker::CorrelationFilter>(rule.filter));
    const auto &f = std::get<broker::CorrelationFilter>(rule.filter);
    QCOMPARE(f.correlationId.value(), std::string("abc"));
    QCOMPARE(f.subject.value(), std::string("subject"));
    QVERIFY(!f.messageId.has_value());
    QCOMPARE(f.properties.size(), std::size_t(2));
    QVERIFY(*f.properties.find("n") == core::Value::float64(5));
    QCOMPARE(f.properties.find("when")->type(), core::Value::Type::Timestamp);
    QVERIFY(rule.action.has_value());
    QCOMPARE(rule.action->expression, std::string("SET x = 1"));
    QCOMPARE(rule.name, std::string("js"));
}

void TestAtom::pythonStyleQueueRequest()
{
    // azure-servicebus (msrest) style: Atom elements with a ns0 prefix, xsi instead of i.
    const QByteArray body =
        R"(<?xml version='1.0' encoding='utf-8'?><ns0:entry xmlns:ns0="http://www.w3.org/2005/Atom"><ns0:content type="application/xml">)"
        R"(<QueueDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">)"
        R"(<MaxDeliveryCount>4</MaxDeliveryCount><LockDuration>PT30S</LockDuration><RequiresSession>true</RequiresSession>)"
        R"(<ForwardTo>sb://example.servicebus.windows.net/target/</ForwardTo><UserMetadata xsi:nil="true"/></QueueDescription></ns0:content></ns0:entry>)";
    QCOMPARE(atom::descriptionKind(body).value(), atom::DescriptionKind::Queue);
    broker::QueueDescription q;
    q.userMetadata = "old";
    const auto ok = atom::parseQueueDescription(body, q);
    QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
    QCOMPARE(q.maxDeliveryCount, 4);
    QCOMPARE(q.lockDuration, core::Duration{30s});
    QCOMPARE(q.requiresSession, true);
    QCOMPARE(q.forwardTo, std::string("target"));
    QCOMPARE(q.userMetadata, std::string());
    QCOMPARE(q.maxSizeInMegabytes, broker::kDefaultMaxSizeInMegabytes); // untouched
}

void TestAtom::descriptionKinds_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("kind");
    QTest::newRow("queue") << queueBody("") << int(atom::DescriptionKind::Queue);
    QTest::newRow("topic") << entryWith(R"(<TopicDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect"/>)")
                           << int(atom::DescriptionKind::Topic);
    QTest::newRow("subscription") << entryWith(R"(<SubscriptionDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect"/>)")
                                  << int(atom::DescriptionKind::Subscription);
    QTest::newRow("rule") << ruleBody("") << int(atom::DescriptionKind::Rule);
    QTest::newRow("bare description") << QByteArray(R"(<TopicDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect"/>)")
                                      << int(atom::DescriptionKind::Topic);
}

void TestAtom::descriptionKinds()
{
    QFETCH(QByteArray, body);
    QFETCH(int, kind);
    const auto parsed = atom::descriptionKind(body);
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
    QCOMPARE(int(*parsed), kind);
}

void TestAtom::parseErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("empty") << QByteArray() << QStringLiteral("empty");
    QTest::newRow("truncated") << QByteArray("<entry xmlns=\"http://www.w3.org/2005/Atom\"><content>") << QStringLiteral("well-formed");
    QTest::newRow("garbage") << QByteArray("\x01\x02not xml at all") << QStringLiteral("well-formed");
    QTest::newRow("mismatched tags") << QByteArray("<a><b></a></b>") << QStringLiteral("well-formed");
    QTest::newRow("dtd") << QByteArray(R"(<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa">]><entry>&a;</entry>)") << QStringLiteral("DTD");
    QTest::newRow("unknown root") << QByteArray("<foo/>") << QStringLiteral("foo");
    QTest::newRow("entry without content") << QByteArray(R"(<entry xmlns="http://www.w3.org/2005/Atom"/>)") << QStringLiteral("content");
    QTest::newRow("empty content") << entryWith("") << QStringLiteral("content");
    QTest::newRow("topic body for a queue") << entryWith(R"(<TopicDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect"/>)")
                                            << QStringLiteral("TopicDescription");
    QTest::newRow("bad boolean") << queueBody("<RequiresSession>yes</RequiresSession>") << QStringLiteral("RequiresSession");
    QTest::newRow("bad integer") << queueBody("<MaxDeliveryCount>ten</MaxDeliveryCount>") << QStringLiteral("MaxDeliveryCount");
    QTest::newRow("int32 overflow") << queueBody("<MaxDeliveryCount>99999999999</MaxDeliveryCount>") << QStringLiteral("MaxDeliveryCount");
    QTest::newRow("empty integer") << queueBody("<MaxSizeInMegabytes/>") << QStringLiteral("MaxSizeInMegabytes");
    QTest::newRow("bad duration") << queueBody("<LockDuration>1 minute</LockDuration>") << QStringLiteral("LockDuration");
    QTest::newRow("bad ttl") << queueBody("<DefaultMessageTimeToLive>P1H</DefaultMessageTimeToLive>") << QStringLiteral("DefaultMessageTimeToLive");
    QTest::newRow("bad status") << queueBody("<Status>Paused</Status>") << QStringLiteral("Status");
    QTest::newRow("deep nesting") << queueBody(QByteArray("<a>").repeated(100) + QByteArray("</a>").repeated(100)) << QStringLiteral("deeply");
}

void TestAtom::parseErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, mentions);
    broker::QueueDescription q;
    const broker::QueueDescription before = q;
    const auto result = atom::parseQueueDescription(body, q);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, core::ErrorCode::InvalidArgument);
    QVERIFY2(QString::fromStdString(result.error().message).contains(mentions), result.error().message.c_str());
    // Nothing is applied on failure.
    QCOMPARE(q.maxDeliveryCount, before.maxDeliveryCount);
    QCOMPARE(q.lockDuration, before.lockDuration);
}

void TestAtom::ruleParseErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("unknown filter type") << ruleBody(R"(<Filter i:type="RegexFilter"/>)") << QStringLiteral("RegexFilter");
    QTest::newRow("sql filter without expression") << ruleBody(R"(<Filter i:type="SqlFilter"/>)") << QStringLiteral("SqlExpression");
    QTest::newRow("unknown action type") << ruleBody(R"(<Filter i:type="TrueFilter"/><Action i:type="MagicAction"/>)") << QStringLiteral("MagicAction");
    QTest::newRow("sql action without expression") << ruleBody(R"(<Action i:type="SqlRuleAction"/>)") << QStringLiteral("SqlExpression");
    QTest::newRow("unknown value type")
        << ruleBody(R"(<Filter i:type="CorrelationFilter"><Properties><KeyValueOfstringanyType><Key>k</Key><Value xmlns:d="http://www.w3.org/2001/XMLSchema" i:type="d:hexBinary">00</Value></KeyValueOfstringanyType></Properties></Filter>)")
        << QStringLiteral("hexBinary");
    QTest::newRow("bad int value")
        << ruleBody(R"(<Filter i:type="CorrelationFilter"><Properties><KeyValueOfstringanyType><Key>k</Key><Value xmlns:d="http://www.w3.org/2001/XMLSchema" i:type="d:int">x</Value></KeyValueOfstringanyType></Properties></Filter>)")
        << QStringLiteral("'k'");
    QTest::newRow("missing key")
        << ruleBody(R"(<Filter i:type="SqlFilter"><SqlExpression>1=1</SqlExpression><Parameters><KeyValueOfstringanyType><Value>1</Value></KeyValueOfstringanyType></Parameters></Filter>)")
        << QStringLiteral("Key");
    QTest::newRow("missing value")
        << ruleBody(R"(<Filter i:type="SqlFilter"><SqlExpression>1=1</SqlExpression><Parameters><KeyValueOfstringanyType><Key>@a</Key></KeyValueOfstringanyType></Parameters></Filter>)")
        << QStringLiteral("Value");
}

void TestAtom::ruleParseErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, mentions);
    broker::RuleDescription rule;
    const auto result = atom::parseRuleDescription(body, rule);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, core::ErrorCode::InvalidArgument);
    QVERIFY2(QString::fromStdString(result.error().message).contains(mentions), result.error().message.c_str());
}

void TestAtom::feedPaging()
{
    std::vector<atom::QueueItem> items(2);
    items[0].description.name = "a";
    items[1].description.name = "b";
    atom::FeedPage page;
    page.title = QStringLiteral("Queues");
    page.path = QStringLiteral("$Resources/Queues");
    page.skip = 4;
    page.top = 2;
    page.hasMore = true;
    const QByteArray xml = atom::queueFeed(items, page, context());
    QXmlStreamReader reader(xml);
    QVERIFY(reader.readNextStartElement());
    QCOMPARE(reader.name(), u"feed");
    QCOMPARE(reader.namespaceUri(), atomNs());
    QCOMPARE(elementText(xml, QStringLiteral("title"), atomNs()), QStringLiteral("Queues"));
    const QStringList children = childNames(xml, QStringLiteral("feed"));
    QCOMPARE(children.count(QStringLiteral("link")), 2);
    QCOMPARE(children.count(QStringLiteral("entry")), 2);
    expectContains(xml, R"(<link rel="self" href="https://localhost:5300/$Resources/Queues?api-version=2021-05"/>)");
    expectContains(xml, R"(<link rel="next" href="https://localhost:5300/$Resources/Queues?%24skip=6&amp;%24top=2&amp;api-version=2021-05"/>)");

    page.hasMore = false;
    const QByteArray last = atom::queueFeed(items, page, context());
    QCOMPARE(childNames(last, QStringLiteral("feed")).count(QStringLiteral("link")), 1);
    QCOMPARE(childNames(atom::emptyFeed(QStringLiteral("Queues"), QStringLiteral("x"), context()),
                        QStringLiteral("feed"))
                 .count(QStringLiteral("entry")),
             0);
}

void TestAtom::namespaceInfo()
{
    atom::NamespaceInfo info;
    info.createdTime = core::fromMillisSinceEpoch(1'600'000'000'000LL);
    info.modifiedTime = info.createdTime;
    const QByteArray xml = atom::namespaceInfoEntry(info, context());
    QCOMPARE(childNames(xml, QStringLiteral("NamespaceInfo")),
             (names({"CreatedTime", "MessagingSKU", "ModifiedTime", "Name", "NamespaceType"})));
    QCOMPARE(elementText(xml, QStringLiteral("Name"), sbNs()), QStringLiteral("sbemulatorns"));
    QCOMPARE(elementText(xml, QStringLiteral("title"), atomNs()), QStringLiteral("sbemulatorns"));
    QCOMPARE(elementText(xml, QStringLiteral("MessagingSKU"), sbNs()), QStringLiteral("Standard"));
}

void TestAtom::errorBody()
{
    const QByteArray xml = atom::errorBody(404, QStringLiteral("The messaging entity 'x' could not be found & so on."));
    QCOMPARE(xml, QByteArray("<Error><Code>404</Code><Detail>The messaging entity 'x' could not be found &amp; so on.</Detail></Error>"));
}

void TestAtom::forwardToNames_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("name");
    QTest::newRow("bare") << QStringLiteral("queue1") << QStringLiteral("queue1");
    QTest::newRow("sb") << QStringLiteral("sb://ns.servicebus.windows.net/queue1") << QStringLiteral("queue1");
    QTest::newRow("sb with port and slash") << QStringLiteral("sb://localhost:5300/queue1/") << QStringLiteral("queue1");
    QTest::newRow("https with query") << QStringLiteral("https://localhost/a/b?api-version=1") << QStringLiteral("a/b");
    QTest::newRow("empty") << QStringLiteral("") << QStringLiteral("");
    QTest::newRow("host only") << QStringLiteral("sb://localhost") << QStringLiteral("");
}

void TestAtom::forwardToNames()
{
    QFETCH(QString, value);
    QFETCH(QString, name);
    QCOMPARE(atom::entityNameFromForwardTo(value), name);
}

QTEST_GUILESS_MAIN(TestAtom)
