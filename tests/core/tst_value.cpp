#include "core/message.h"
#include "core/value.h"

#include <QtTest>

using namespace busyard::core;

class TestValue : public QObject
{
    Q_OBJECT

private slots:
    void uuidRoundTrip_data();
    void uuidRoundTrip();
    void uuidRejectsMalformed_data();
    void uuidRejectsMalformed();
    void propertyMapIsCaseInsensitive();
    void valueEqualityKeepsType();
    void timeToLiveCappedByEntityDefault();
    void addSaturatingCapsAtMaxTime();
    void iso8601();
};

void TestValue::uuidRoundTrip_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("lower") << QStringLiteral("0f8fad5b-d9cb-469f-a165-70867728950e");
    QTest::newRow("zero") << QStringLiteral("00000000-0000-0000-0000-000000000000");
}

void TestValue::uuidRoundTrip()
{
    QFETCH(QString, text);
    const auto u = Uuid::fromString(text.toStdString());
    QVERIFY(u.has_value());
    QCOMPARE(QString::fromStdString(u->toString()), text);
    const auto braced = Uuid::fromString("{" + text.toUpper().toStdString() + "}");
    QVERIFY(braced.has_value());
    QCOMPARE(*braced, *u);
}

void TestValue::uuidRejectsMalformed_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("short") << QStringLiteral("0f8fad5b-d9cb-469f-a165-70867728950");
    QTest::newRow("bad digit") << QStringLiteral("0f8fad5b-d9cb-469f-a165-70867728950g");
    QTest::newRow("no dashes") << QStringLiteral("0f8fad5bd9cb469fa16570867728950e0000");
}

void TestValue::uuidRejectsMalformed()
{
    QFETCH(QString, text);
    QVERIFY(!Uuid::fromString(text.toStdString()).has_value());
}

void TestValue::propertyMapIsCaseInsensitive()
{
    PropertyMap map;
    map.set("Color", Value::string("red"));
    map.set("count", Value::int32(3));
    QVERIFY(map.find("color"));
    QCOMPARE(map.find("COLOR")->bytes(), std::string("red"));
    map.set("COLOR", Value::string("blue"));
    QCOMPARE(map.size(), std::size_t(2));
    QCOMPARE(map.entries().front().first, std::string("Color")); // first spelling kept
    QCOMPARE(map.find("color")->bytes(), std::string("blue"));
    QCOMPARE(map.remove("CoLoR"), std::size_t(1));
    QVERIFY(!map.contains("color"));
}

void TestValue::valueEqualityKeepsType()
{
    QVERIFY(Value::int32(5) == Value::int32(5));
    QVERIFY(!(Value::int32(5) == Value::int64(5)));
    QVERIFY(!(Value::string("a") == Value::symbol("a")));
    QVERIFY(Value::null() == Value());
    QVERIFY(Value::int64(-3).isSignedInteger());
    QVERIFY(Value::ulong(3).isUnsignedInteger());
    QVERIFY(Value::float64(1.5).isNumeric());
    QVERIFY(!Value::string("1").isNumeric());
}

void TestValue::timeToLiveCappedByEntityDefault()
{
    Message m;
    QCOMPARE(m.effectiveTimeToLive(Duration{60000}), Duration{60000});
    m.timeToLive = Duration{1000};
    QCOMPARE(m.effectiveTimeToLive(Duration{60000}), Duration{1000});
    m.timeToLive = Duration{120000};
    QCOMPARE(m.effectiveTimeToLive(Duration{60000}), Duration{60000});
}

void TestValue::addSaturatingCapsAtMaxTime()
{
    const TimePoint t = fromMillisSinceEpoch(1'000);
    QCOMPARE(addSaturating(t, kMaxDuration), kMaxTime);
    QCOMPARE(addSaturating(t, Duration{5}), fromMillisSinceEpoch(1'005));
}

void TestValue::iso8601()
{
    QCOMPARE(formatIso8601(fromMillisSinceEpoch(0)), std::string("1970-01-01T00:00:00.000Z"));
    QCOMPARE(formatIso8601(fromMillisSinceEpoch(1'700'000'000'123LL)), std::string("2023-11-14T22:13:20.123Z"));
}

QTEST_GUILESS_MAIN(TestValue)
#include "tst_value.moc"
