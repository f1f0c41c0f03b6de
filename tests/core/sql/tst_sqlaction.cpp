// SQL rule actions: servicebus-semantics.md A.15 and the action examples of A.18.

#include "sqlfixture.h"

#include "core/sql/filter.h"

#include <QtTest/QtTest>

using namespace busyard::core;
using namespace busyard::core::sql;

namespace {

Message applied(std::string_view text, const Parameters &params = {})
{
    Message m = test::fixtureMessage();
    auto action = Action::compile(text, params);
    if (!action) {
        qWarning("%s", action.error().message.c_str());
        return Message();
    }
    auto r = action->apply(m);
    if (!r)
        qWarning("%s", r.error().message.c_str());
    return m;
}

const Value *prop(const Message &m, const char *name)
{
    return m.applicationProperties.find(name);
}

} // namespace

class TestSqlAction : public QObject
{
    Q_OBJECT

private slots:
    void sampleAction();
    void convertsToExistingType();
    void failedConversionLeavesMessageUnchanged();
    void unknownStoresNull();
    void systemProperties();
    void statementsWithoutSeparator();
    void statementsRunInOrder();
    void caseInsensitiveTarget();
    void newPropertiesKeepTheirType();
    void removeAbsentIsNoop();
    void refusedAtCreation_data();
    void refusedAtCreation();
    void evaluationErrors();
    void parameters();
};

void TestSqlAction::sampleAction()
{
    const Message m = applied("SET quantity = quantity / 2; REMOVE priority; SET sys.CorrelationId = 'low';");
    QVERIFY(prop(m, "quantity"));
    QCOMPARE(*prop(m, "quantity"), Value::int64(5));
    QVERIFY(!prop(m, "priority"));
    QCOMPARE(m.correlationId, Value::string("low"));
    QVERIFY(!prop(m, "RuleName")); // added by the broker, which knows the rule's name
    auto action = Action::compile("SET quantity = quantity / 2; REMOVE priority; SET sys.CorrelationId = 'low';");
    QVERIFY(action.ok());
    QCOMPARE(action->statementCount(), 3);
}

void TestSqlAction::convertsToExistingType()
{
    QCOMPARE(*prop(applied("SET quantity = '7'"), "quantity"), Value::int64(7));
    QCOMPARE(*prop(applied("SET quantity = 7.5"), "quantity"), Value::int64(8)); // rounds half to even
    QCOMPARE(*prop(applied("SET quantity = 6.5"), "quantity"), Value::int64(6));
    QCOMPARE(*prop(applied("SET i32 = i32 + 1"), "i32"), Value::int32(6));       // long result back to int
    QCOMPARE(*prop(applied("SET price = price * 2"), "price"), Value::float64(5.0));
    QCOMPARE(*prop(applied("SET price = 3"), "price"), Value::float64(3.0));
    QCOMPARE(*prop(applied("SET flag = 'false'"), "flag"), Value::boolean(false));
    QCOMPARE(*prop(applied("SET flag = 0"), "flag"), Value::boolean(false));
    QCOMPARE(*prop(applied("SET color = 5"), "color"), Value::string("5"));
    QCOMPARE(*prop(applied("SET color = 2.5"), "color"), Value::string("2.5"));
    QCOMPARE(*prop(applied("SET color = TRUE"), "color"), Value::string("True"));
    QCOMPARE(*prop(applied("SET ts = '01:30:00'"), "ts"), Value::timeSpanTicks(90LL * 60 * 10000000));
    QCOMPARE(*prop(applied("SET guid = '00000000-0000-0000-0000-000000000001'"), "guid"),
             Value::uuid(*Uuid::fromString("00000000-0000-0000-0000-000000000001")));
    QCOMPARE(*prop(applied("SET created = '2024-06-01T00:00:00Z'"), "created"),
             Value::timestamp(fromMillisSinceEpoch(test::kJuneFirstMs)));
    QCOMPARE(*prop(applied("SET ch = 98"), "ch"), Value::character(U'b'));
}

void TestSqlAction::failedConversionLeavesMessageUnchanged()
{
    Message m = test::fixtureMessage();
    const Message before = m;
    auto action = Action::compile("SET color = 'blue'; SET quantity = 'seven'");
    QVERIFY(action.ok());
    auto r = action->apply(m);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::FilterEvaluation);
    QVERIFY(r.error().message.find("seven") != std::string::npos);
    QCOMPARE(m.applicationProperties, before.applicationProperties);

    Message n = test::fixtureMessage();
    auto overflow = Action::compile("SET i32 = 3000000000");
    QVERIFY(overflow.ok());
    QVERIFY(!overflow->apply(n).ok());
    QCOMPARE(*prop(n, "i32"), Value::int32(5));
}

void TestSqlAction::unknownStoresNull()
{
    const Message m = applied("SET newProp = missing");
    QVERIFY(prop(m, "newProp"));
    QVERIFY(prop(m, "newProp")->isNull());
    const Message n = applied("SET color = NULL");
    QVERIFY(prop(n, "color") && prop(n, "color")->isNull());
    // A null existing value does not constrain the new type.
    const Message o = applied("SET nothing = 5");
    QCOMPARE(*prop(o, "nothing"), Value::int64(5));
}

void TestSqlAction::systemProperties()
{
    QCOMPARE(applied("SET sys.Label = 'SalesEvent'").subject, std::optional<std::string>("SalesEvent"));
    QCOMPARE(applied("SET sys.Subject = 'S'").subject, std::optional<std::string>("S"));
    QCOMPARE(applied("SET sys.To = quantity").to, std::optional<std::string>("10"));
    QCOMPARE(applied("SET sys.SessionId = 'sess'").sessionId, std::optional<std::string>("sess"));
    QCOMPARE(applied("SET sys.MessageId = sys.MessageId + '-copy'").messageId, Value::string("m-1-copy"));
    QCOMPARE(applied("SET sys.ContentType = 'text/plain'").contentType, std::optional<std::string>("text/plain"));
    QCOMPARE(applied("SET sys.ReplyToSessionId = 'r'").replyToSessionId, std::optional<std::string>("r"));
    QCOMPARE(applied("SET sys.PartitionKey = 'p'; SET sys.ViaPartitionKey = 'v'").viaPartitionKey,
             std::optional<std::string>("v"));
    QCOMPARE(applied("REMOVE sys.Label").subject, std::optional<std::string>());
    QCOMPARE(applied("SET sys.To = missing").to, std::optional<std::string>());
    QCOMPARE(applied("SET sys.TimeToLive = '00:01:00'").timeToLive, std::optional<Duration>(Duration{60000}));
    QCOMPARE(applied("SET sys.TimeToLive = ts").timeToLive, std::optional<Duration>(Duration{3600000}));
    QCOMPARE(applied("SET x = color + '-' + sys.Label").applicationProperties.find("x")->bytes(),
             std::string("red-red"));

    Message m = test::fixtureMessage();
    auto bad = Action::compile("SET sys.TimeToLive = 5");
    QVERIFY(bad.ok());
    QVERIFY(!bad->apply(m).ok());
}

void TestSqlAction::statementsWithoutSeparator()
{
    const Message m = applied("SET a = 1 SET b = 2");
    QCOMPARE(*prop(m, "a"), Value::int64(1));
    QCOMPARE(*prop(m, "b"), Value::int64(2));
    const Message n = applied("SET a = 1;\n  REMOVE color;\nSET\nb\n=\n'x'");
    QCOMPARE(*prop(n, "a"), Value::int64(1));
    QVERIFY(!prop(n, "color"));
    QCOMPARE(*prop(n, "b"), Value::string("x"));
}

void TestSqlAction::statementsRunInOrder()
{
    const Message m = applied("SET b = 1; SET c = b + 1; SET b = 10; REMOVE c; SET d = c");
    QCOMPARE(*prop(m, "b"), Value::int64(10));
    QVERIFY(!prop(m, "c"));
    QVERIFY(prop(m, "d") && prop(m, "d")->isNull());
}

void TestSqlAction::caseInsensitiveTarget()
{
    const Message m = applied("SET COLOR = 'blue'");
    QCOMPARE(m.applicationProperties.entries()[0].first, std::string("color"));
    QCOMPARE(m.applicationProperties.entries()[0].second, Value::string("blue"));
    const Message n = applied("REMOVE STOREID");
    QVERIFY(!prop(n, "StoreId"));
    const Message o = applied("SET NewName = 1");
    QCOMPARE(o.applicationProperties.entries().back().first, std::string("NewName"));
}

void TestSqlAction::newPropertiesKeepTheirType()
{
    QCOMPARE(*prop(applied("SET n = 9223372036854775807"), "n"), Value::int64(INT64_MAX));
    QCOMPARE(*prop(applied("SET n = 1.25"), "n"), Value::float64(1.25));
    QCOMPARE(*prop(applied("SET n = 's'"), "n"), Value::string("s"));
    QCOMPARE(*prop(applied("SET n = FALSE"), "n"), Value::boolean(false));
    QCOMPARE(*prop(applied("SET n = i32"), "n"), Value::int32(5));
    QCOMPARE(*prop(applied("SET n = created + ts"), "n"),
             Value::timestamp(fromMillisSinceEpoch(test::kCreatedMs + 3600000)));
    QCOMPARE(*prop(applied("SET n = bin"), "n"), Value::binary(std::string("\x01\x02", 2)));
    QCOMPARE(prop(applied("SET n = newid()"), "n")->type(), Value::Type::Uuid);
}

void TestSqlAction::removeAbsentIsNoop()
{
    Message m = test::fixtureMessage();
    const auto before = m.applicationProperties;
    auto a = Action::compile("REMOVE missing");
    QVERIFY(a.ok());
    QVERIFY(a->apply(m).ok());
    QCOMPARE(m.applicationProperties, before);
}

void TestSqlAction::refusedAtCreation_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("read-only") << QByteArray("SET sys.SequenceNumber = 1");
    QTest::newRow("remove read-only") << QByteArray("REMOVE sys.Size");
    QTest::newRow("lock token") << QByteArray("SET sys.LockToken = newid()");
    QTest::newRow("unknown sys") << QByteArray("SET sys.Foo = 1");
    QTest::newRow("comma") << QByteArray("SET a = 1, SET b = 2");
    QTest::newRow("empty") << QByteArray("");
    QTest::newRow("set alone") << QByteArray("SET");
    QTest::newRow("remove alone") << QByteArray("REMOVE");
    QTest::newRow("no value") << QByteArray("SET a =");
    QTest::newRow("predicate") << QByteArray("SET a = quantity > 1");
    QTest::newRow("chained") << QByteArray("SET a = b = 1");
    QTest::newRow("not a statement") << QByteArray("a = 1");
    QTest::newRow("filter text") << QByteArray("color = 'red'");
    QTest::newRow("scope") << QByteArray("SET foo.a = 1");
    QTest::newRow("missing parameter") << QByteArray("SET a = @p");
    std::string many;
    for (int i = 0; i < 33; ++i)
        many += "SET a" + std::to_string(i) + " = 1 ";
    QTest::newRow("33 statements") << QByteArray::fromStdString(many);
}

void TestSqlAction::refusedAtCreation()
{
    QFETCH(QByteArray, text);
    auto a = Action::compile(text.toStdString());
    QVERIFY(!a.ok());
    QCOMPARE(a.error().code, ErrorCode::SyntaxError);
    QVERIFY(checkAction(text.toStdString()).has_value());
}

void TestSqlAction::evaluationErrors()
{
    for (const char *text : {"SET q = quantity / 0", "SET q = big + 1", "SET q = color > 1", "SET q = sys.LockToken",
                             "SET q = 'a' - 1"}) {
        Message m = test::fixtureMessage();
        auto a = Action::compile(text);
        if (!a.ok()) { // `color > 1` is a predicate: refused at creation instead
            QCOMPARE(QByteArray(text), QByteArray("SET q = color > 1"));
            continue;
        }
        auto r = a->apply(m);
        QVERIFY2(!r.ok(), text);
        QCOMPARE(r.error().code, ErrorCode::FilterEvaluation);
        QVERIFY(!prop(m, "q"));
    }
    // 32 statements are fine.
    std::string many;
    for (int i = 0; i < 32; ++i)
        many += "SET a" + std::to_string(i) + " = " + std::to_string(i) + "; ";
    auto a = Action::compile(many);
    QVERIFY(a.ok());
    Message m;
    QVERIFY(a->apply(m).ok());
    QCOMPARE(m.applicationProperties.size(), std::size_t(32));
}

void TestSqlAction::parameters()
{
    const Value june = Value::timestamp(fromMillisSinceEpoch(test::kJuneFirstMs));
    const Message m = applied("SET sys.ScheduledEnqueueTimeUtc = @t; SET due = @t", {{"@t", june}});
    QCOMPARE(m.scheduledEnqueueTime, std::optional<TimePoint>(fromMillisSinceEpoch(test::kJuneFirstMs)));
    QCOMPARE(*prop(m, "due"), june);
    QVERIFY(!Action::compile("SET a = 1", {{"@unused", Value::int64(1)}}).ok());
}

QTEST_GUILESS_MAIN(TestSqlAction)
#include "tst_sqlaction.moc"
