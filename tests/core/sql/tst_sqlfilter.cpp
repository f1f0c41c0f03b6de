// Filter compilation and evaluation: servicebus-semantics.md A.2-A.14 and the worked examples of A.18.

#include "sqlfixture.h"

#include "core/sql/filter.h"
#include "core/sql/parser.h"

#include <QtTest/QtTest>

using namespace busyard::core;
using namespace busyard::core::sql;

namespace {

// Outcome codes of the data-driven cases: T/F/U = truth value, E = evaluation error, C = refused at creation.
QByteArray outcomeOf(std::string_view expression, const Message &message, const Parameters &params = {})
{
    auto filter = Filter::compile(expression, params);
    if (!filter)
        return "C";
    auto truth = filter->evaluateTruth(message);
    if (!truth)
        return "E";
    switch (truth.value()) {
    case Truth::True: return "T";
    case Truth::False: return "F";
    case Truth::Unknown: return "U";
    }
    return "?";
}

void row(const char *expression, const char *outcome)
{
    QTest::newRow(expression) << QByteArray(expression) << QByteArray(outcome);
}

} // namespace

class TestSqlFilter : public QObject
{
    Q_OBJECT

private slots:
    void evaluate_data();
    void evaluate();
    void workedExampleEscapeOnOtherValue();
    void matchIsTrueOnly();
    void parseErrors_data();
    void parseErrors();
    void azureErrorShape();
    void evaluationErrorText();
    void lengthLimit();
    void depthLimit();
    void hostileNesting();
    void parameters();
    void parameterErrors();
    void subjectAliasSwitch();
    void systemProperties();
    void newIdIsFresh();
    void copiesShareProgram();
    void diagnostics();
};

void TestSqlFilter::evaluate_data()
{
    QTest::addColumn<QByteArray>("expression");
    QTest::addColumn<QByteArray>("outcome");

    // ---- A.18 worked examples -----------------------------------------------------------------------
    row("color = 'red'", "T");                                   // 1
    row("COLOR = 'red'", "T");                                   // 2
    row("color = 'RED'", "F");                                   // 3
    row("user.color = 'red' and quantity = 10", "T");            // 4
    row("quantity = 10.0", "T");                                 // 5
    row("quantity / 4 = 2", "T");                                // 6
    row("quantity / 4.0 = 2.5", "T");                            // 7
    row("quantity - 3 * 2 = 4", "T");                            // 8
    row("1=1 OR 1=0 AND 1=0", "T");                              // 9
    row("missing = 'x'", "U");                                   // 10
    row("NOT (missing = 'x')", "U");                             // 11
    row("missing = 'x' OR color = 'red'", "T");                  // 12
    row("missing = 'x' AND color = 'red'", "U");                 // 13
    row("NOT (missing = 'x' AND color = 'blue')", "T");          // 14
    row("missing IS NULL", "T");                                 // 15
    row("nothing IS NULL", "T");
    row("EXISTS(nothing)", "T");                                 // 16
    row("EXISTS(missing)", "F");
    row("nothing = NULL", "T");                                  // 17
    row("color = NULL", "F");                                    // 18
    row("sys.Foo = 'x'", "C");                                   // 19
    row("sys.label LIKE '%e%'", "T");                            // 20
    row("sys.ReplyToSessionId IS NULL", "T");                    // 21
    row("sys.To IN ('Store5','Store6','Store7') OR StoreId = 'Store8'", "T"); // 22
    row("missing NOT IN ('a','b')", "U");                        // 23
    row("quantity IN (5, '10')", "E");                           // 24
    row("quantity IN (10, 'x')", "T");                           // 25
    row("color NOT IN ('blue', NULL)", "T");                     // 26
    row("code LIKE 'ABC\\%' ESCAPE '\\'", "T");                  // 27
    row("color LIKE 'r_'", "F");                                 // 28
    row("color LIKE '[r]ed'", "F");                              // 29
    row("quantity LIKE '1%'", "T");                              // 30
    row("name LIKE '%''%'", "T");                                // 31
    row("color = \"red\"", "U");                                 // 32
    row("[Property With Space] = 'x'", "T");                     // 33
    row("[a]]b] = 1", "T");                                      // 34
    row("quantity = '10'", "E");                                 // 35
    row("color > 'a'", "E");                                     // 36
    row("quantity / 0 = 1", "E");                                // 37
    row("1 = 0 AND quantity / 0 = 1", "F");                      // 38
    row("big + 1 > 0", "E");                                     // 39
    row("color + 'x' = 'redx'", "T");                            // 40
    row("property('color') = 'red'", "T");                       // 41
    row("property('sys.Label') = 'red'", "U");
    row("color = @c", "C");                                      // 43
    row("quantity BETWEEN 1 AND 20", "C");                       // 44
    row("big = 9223372036854775808", "C");                       // 45
    row("color", "C");                                           // 46
    row("TRUE", "C");

    // ---- null versus unknown ----------------------------------------------------------------------------
    row("nothing <> NULL", "F");
    row("color <> NULL", "T");
    row("NULL = NULL", "T");
    row("quantity = NULL", "E");
    row("nothing IS NOT NULL", "F");
    row("missing IS NOT NULL", "F");
    row("color IS NOT NULL", "T");
    row("missing + 1 = 2", "U");
    row("missing = missing", "U");
    row("missing = 1 OR quantity / 0 = 1", "E");
    row("1 = 1 OR quantity / 0 = 1", "T");
    row("quantity > 5 AND (1 = 0 OR quantity / 0 = 1)", "E");
    row("nothing + 'x' = 'x'", "T");

    // ---- numeric types and promotion ---------------------------------------------------------------------
    row("price = 2.5", "T");
    row("price > 2 AND price < 3", "T");
    row("i32 = 5", "T");
    row("i32 + 1 = 6", "T");
    row("i32max + 1 > 0", "T");      // int + long is long: no overflow
    row("i32max + i32 > 0", "E");    // int + int overflows
    row("u64 = 5", "E");             // ulong with long has no common type
    row("u64 = u64", "T");
    row("f32 = 1.5", "T");
    row("dec = 2", "F");
    row("dec > 2", "T");
    row("dec = 2.5", "E");           // decimal with double
    row("ch = 97", "T");             // char takes part as ushort
    row("ch = 'a'", "E");
    row("-quantity = -10", "T");
    row("- -quantity = 10", "T");
    row("quantity % 3 = 1", "T");
    row("-7 % 3 = -1", "T");
    row("-7 / 2 = -3", "T");
    row("1.0 / 0 > 1000", "T");
    row("9223372036854775807 + 1 = 0", "E");
    row("-9223372036854775808 < 0", "T");
    row("2147483647 + 1 = 2147483648", "T");
    row("1e2 = 100", "T");
    row("101.5E5 = 10150000", "T");
    row("0.5E-2 = 0.005", "T");
    row("quantity * 1.5 = 15", "T");

    // ---- booleans, strings, other types --------------------------------------------------------------------
    row("flag = TRUE", "T");
    row("flag <> FALSE", "T");
    row("flag = 1", "E");
    row("flag > FALSE", "E");
    row("'O''Brien' = name", "T");
    row("'' = ''", "T");
    row("'abc' < 'abd'", "E");
    row("'a' + 1 = 'a1'", "T");
    row("price + 'x' = '2.5x'", "T");
    row("flag + '' = 'True'", "T");
    row("quantity - 'x' = 1", "E");
    row("ts = ts", "T");
    row("ts + ts > ts", "T");
    row("ts > 0", "E");
    row("created < sys.EnqueuedTimeUtc", "T");
    row("sys.EnqueuedTimeUtc - created > ts", "T");
    row("created + ts > created", "T");
    row("dto = created", "T");
    row("guid = guid", "T");
    row("guid > guid", "E");
    row("guid = 'x'", "E");
    row("uri = uri", "T");
    row("uri = NULL", "F");
    row("bin IS NOT NULL", "T");
    row("EXISTS(bin)", "T");
    row("bin = bin", "E");
    row("bin LIKE '%'", "E");

    // ---- LIKE ---------------------------------------------------------------------------------------
    row("color LIKE 'r%'", "T");
    row("color LIKE '%d'", "T");
    row("color LIKE 'RED'", "F");
    row("color NOT LIKE 'b%'", "T");
    row("missing LIKE '%'", "U");
    row("missing NOT LIKE '%'", "U");
    row("color LIKE '%'", "T");
    row("color LIKE '___'", "T");
    row("color LIKE '____'", "F");
    row("color LIKE '_%_'", "T");
    row("color LIKE 'r%e%d'", "T");
    row("color LIKE 'r%x%d'", "F");
    row("code LIKE 'ABC!%' ESCAPE '!'", "T");
    row("code2 LIKE 'ABC!%' ESCAPE '!'", "F");
    row("code LIKE 'ABC!_' ESCAPE '!'", "F");
    row("code LIKE 'ABC%!' ESCAPE '!'", "T");  // trailing escape ignored
    row("code LIKE 'ABC!' ESCAPE '!'", "F");
    row("code LIKE 'ABC%%' ESCAPE '%'", "T");  // the escape may be a wildcard character
    row("color LIKE 'red' ESCAPE 'ab'", "C");
    row("color LIKE 'red' ESCAPE ''", "C");
    row("nothing LIKE ''", "T");
    row("color LIKE 'r' + '%'", "T");
    row("color LIKE missing", "U");
    row("flag LIKE 'Tr%'", "T");

    // ---- IN -----------------------------------------------------------------------------------------
    row("quantity IN (1, 2, 10)", "T");
    row("quantity IN (1, 2)", "F");
    row("quantity NOT IN (1, 2)", "T");
    row("i32 IN (5, 6)", "T");
    row("price IN (2.5, 3)", "T");
    row("price IN (1, 2)", "F");
    row("color IN ('red')", "T");
    row("color IN ('RED')", "F");
    row("nothing IN ('a')", "F");
    row("nothing IN (1)", "E");
    row("color IN (missing, 'red')", "T");
    row("color IN (missing)", "F");
    row("quantity IN ('x')", "E");
    row("u64 IN (5)", "E");
    row("color IN (sys.Label)", "T");

    // ---- precedence, parentheses, keywords, whitespace, comments --------------------------------------
    row("color = 'red' aNd NoT quantity = 5", "T");
    row("(((color = 'red')))", "T");
    row("(quantity + 2) * 2 = 24", "T");
    row("((quantity)) = 10", "T");
    row("(quantity) = 10 AND (color = 'red')", "T");
    row("NOT NOT color = 'red'", "T");
    row("NOT color = 'blue' AND quantity = 10", "T");
    row("1 = 0 AND 1 = 0 OR 1 = 1", "T");
    row("color\n=\t'red'\r\n", "T");
    row("'red' = color", "T");
    row("color = 'red' /* comment */", "C");  // no comment syntax (A.2)
    row("color = 'red' -- comment", "U");     // '--' is two minus signs: 'red' - -comment
    row("color == 'red'", "C");
    row("color = 'red';", "C");
    row("color != 'blue'", "T");
    row("color <> 'blue'", "T");
    row("quantity >= 10 AND quantity <= 10", "T");
    row("(quantity = 10", "C");
    row("quantity = 10)", "C");
    row("(1 = 1) = TRUE", "C");
    row("a = b = c", "C");

    // ---- names and scopes -------------------------------------------------------------------------------
    row("[user].color = 'red'", "T");
    row("USER.color = 'red'", "T");
    row("sys.[Label] = 'red'", "T");
    row("foo.color = 'red'", "C");
    row("user.a.b = 1", "C");
    row("[color] = 'red'", "T");
    row("\"color\" = 'red'", "T");
    row("[sys.Label] = 'red'", "U");  // a user property named "sys.Label"
    row("_x = 1", "C");
    row("[and] = 1", "U");             // keywords are fine inside delimiters

    // ---- system properties -------------------------------------------------------------------------------
    row("sys.MessageId = 'm-1'", "T");
    row("sys.CorrelationId = 'high'", "T");
    row("sys.ContentType = 'application/json'", "T");
    row("sys.SessionId IS NULL", "T");
    row("sys.SessionId = 'x'", "F");
    row("EXISTS(sys.SessionId)", "T");
    row("sys.Subject = 'red'", "T");
    row("sys.LockToken IS NULL", "E");
    row("sys.LockedUntilUtc > created", "E");
    row("sys.Size > 0", "T");
    row("sys.SequenceNumber = 42", "T");
    row("sys.DeliveryCount = 0", "T");
    row("sys.State = 0", "T");
    row("ts < sys.TimeToLive", "T");

    // ---- functions ------------------------------------------------------------------------------------
    row("p('col' + 'or') = 'red'", "T");
    row("PROPERTY('COLOR') = 'red'", "T");
    row("property('missing') IS NULL", "C"); // IS NULL takes a property, not a function
    row("property('missing') = 1", "U");
    row("newid() = newid()", "F");
    row("newid() <> newid()", "T");
    row("newid(1) = 1", "C");
    row("property() = 1", "C");
    row("nosuch(1) = 1", "C");
}

void TestSqlFilter::evaluate()
{
    QFETCH(QByteArray, expression);
    QFETCH(QByteArray, outcome);
    const Message m = test::fixtureMessage();
    QCOMPARE(outcomeOf(expression.toStdString(), m), outcome);
}

void TestSqlFilter::workedExampleEscapeOnOtherValue()
{
    // A.18 #27, second message: code = 'ABCDEF'.
    Message m = test::fixtureMessage();
    m.applicationProperties.set("code", Value::string("ABCDEF"));
    QCOMPARE(outcomeOf("code LIKE 'ABC\\%' ESCAPE '\\'", m), QByteArray("F"));
}

void TestSqlFilter::matchIsTrueOnly()
{
    const Message m = test::fixtureMessage();
    auto unknown = Filter::compile("missing = 1");
    QVERIFY(unknown.ok());
    auto r = unknown->evaluate(m);
    QVERIFY(r.ok());
    QCOMPARE(r.value(), false);
    auto match = Filter::compile("quantity = 10");
    QVERIFY(match.ok());
    QCOMPARE(match->evaluate(m).value(), true);
    QCOMPARE(match->expression(), std::string("quantity = 10"));
    auto failing = Filter::compile("quantity = '10'");
    QVERIFY(failing.ok());
    auto e = failing->evaluate(m);
    QVERIFY(!e.ok());
    QCOMPARE(e.error().code, ErrorCode::FilterEvaluation);
}

void TestSqlFilter::parseErrors_data()
{
    QTest::addColumn<QByteArray>("expression");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QByteArray>("detail");

    QTest::newRow("end") << QByteArray("color = ") << 1 << 9 << QByteArray("unexpected end of expression");
    QTest::newRow("dangling and") << QByteArray("color = 'red' AND") << 1 << 18 << QByteArray("unexpected end of expression");
    QTest::newRow("second line") << QByteArray("color = 'red'\nAND AND x = 1") << 2 << 5 << QByteArray("unexpected AND");
    QTest::newRow("character") << QByteArray("color # 1") << 1 << 7 << QByteArray("Unrecognized character. '#'");
    QTest::newRow("string") << QByteArray("color = 'red") << 1 << 9 << QByteArray("Unterminated string literal");
    QTest::newRow("delimited") << QByteArray("x = 1 AND [color = 1") << 1 << 11 << QByteArray("Unterminated delimited identifier");
    QTest::newRow("reserved") << QByteArray("quantity BETWEEN 1 AND 2") << 1 << 10 << QByteArray("reserved keyword");
    QTest::newRow("scope") << QByteArray("foo.bar = 1") << 1 << 1 << QByteArray("scope 'foo' is not supported");
    QTest::newRow("sys name") << QByteArray("a = 1 OR sys.Foo = 1") << 1 << 10 << QByteArray("'sys.Foo' is not a supported system property");
    QTest::newRow("int range") << QByteArray("x = 9223372036854775808") << 1 << 5 << QByteArray("out of the range");
    QTest::newRow("function") << QByteArray("nosuch(1) = 1") << 1 << 1 << QByteArray("not a supported function");
    QTest::newRow("arity") << QByteArray("newid(1) = 1") << 1 << 1 << QByteArray("takes 0 arguments");
    QTest::newRow("parameter") << QByteArray("color = @c") << 1 << 9 << QByteArray("'@c' is not specified");
    QTest::newRow("not a predicate") << QByteArray("color") << 1 << 6 << QByteArray("expecting '='");
    QTest::newRow("unicode column") << QByteArray("\xC3\x84 = 1 #") << 1 << 7 << QByteArray("Unrecognized character");
    QTest::newRow("comma in IN") << QByteArray("a IN (1 2)") << 1 << 9 << QByteArray("expecting ',', or ')'");
    QTest::newRow("escape length") << QByteArray("a LIKE 'x' ESCAPE '!!'") << 1 << 19 << QByteArray("exactly one character");
    QTest::newRow("empty") << QByteArray("") << 1 << 1 << QByteArray("empty");
    QTest::newRow("blank") << QByteArray("  \n ") << 1 << 1 << QByteArray("empty");
}

void TestSqlFilter::parseErrors()
{
    QFETCH(QByteArray, expression);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QByteArray, detail);
    const auto d = checkFilter(expression.toStdString());
    QVERIFY(d.has_value());
    QVERIFY2(QByteArray::fromStdString(d->message).contains(detail), d->message.c_str());
    QCOMPARE(d->line, line);
    QCOMPARE(d->column, column);
    auto f = Filter::compile(expression.toStdString());
    QVERIFY(!f.ok());
    QCOMPARE(f.error().code, ErrorCode::SyntaxError);
}

void TestSqlFilter::azureErrorShape()
{
    auto f = Filter::compile("color = 'red' AND AND");
    QVERIFY(!f.ok());
    QCOMPARE(QByteArray::fromStdString(f.error().message),
             QByteArray("There was an error parsing the SQL expression. [Token line=1, column=19, Token in error= AND, "
                        "Additional details= syntax error, unexpected AND, expecting IDENTIFIER, a literal, a "
                        "parameter, or '(']"));
    const auto d = checkFilter("color = 'red' AND AND");
    QVERIFY(d);
    QCOMPARE(d->offset, 18);
    QCOMPARE(d->length, 3);
}

void TestSqlFilter::evaluationErrorText()
{
    auto f = Filter::compile("quantity = '10'");
    QVERIFY(f.ok());
    auto r = f->evaluate(test::fixtureMessage());
    QVERIFY(!r.ok());
    QCOMPARE(QByteArray::fromStdString(r.error().message),
             QByteArray("Operator '==' cannot be applied to operands of type 'long' and 'string'"));
    auto div = Filter::compile("quantity / 0 = 1");
    QVERIFY(div.ok());
    QCOMPARE(QByteArray::fromStdString(div->evaluate(test::fixtureMessage()).error().message),
             QByteArray("Attempted to divide by zero."));
}

void TestSqlFilter::lengthLimit()
{
    // color = '<x...>' is 10 characters plus the x's.
    const std::string ok = "color = '" + std::string(1024 - 10, 'x') + "'";
    QCOMPARE(ok.size(), std::size_t(1024));
    QVERIFY(Filter::compile(ok).ok());
    const std::string tooLong = "color = '" + std::string(1025 - 10, 'x') + "'";
    auto f = Filter::compile(tooLong);
    QVERIFY(!f.ok());
    QVERIFY(f.error().message.find("at most 1024") != std::string::npos);
    // Characters, not bytes: 1000 two-byte characters are fine.
    std::string wide = "color = '";
    for (int i = 0; i < 1000; ++i)
        wide += "\xC3\xA9";
    wide += "'";
    QVERIFY(wide.size() > 1024);
    QVERIFY(Filter::compile(wide).ok());
    // The same limit applies to actions.
    QVERIFY(!Action::compile("SET a = '" + std::string(1020, 'x') + "'").ok());
}

void TestSqlFilter::depthLimit()
{
    // An OR chain of k comparisons is a left-deep tree k + 1 levels deep.
    auto chain = [](int k) {
        std::string s = "a = 0";
        for (int i = 1; i < k; ++i)
            s += " OR a = " + std::to_string(i);
        return s;
    };
    QVERIFY(Filter::compile(chain(31)).ok());
    auto tooDeep = Filter::compile(chain(32));
    QVERIFY(!tooDeep.ok());
    QVERIFY(tooDeep.error().message.find("too complex") != std::string::npos);
    // Parentheses alone add no levels.
    QVERIFY(Filter::compile(std::string(40, '(') + "a = 1" + std::string(40, ')')).ok());
}

void TestSqlFilter::hostileNesting()
{
    // Deep nesting is refused, not a stack overflow.
    for (const std::string &open : {std::string("("), std::string("-"), std::string("NOT "), std::string("a + (")}) {
        std::string s;
        while (s.size() < 1000)
            s += open;
        s += "a = 1";
        const auto d = checkFilter(s);
        QVERIFY(d.has_value());
    }
}

void TestSqlFilter::parameters()
{
    Message m = test::fixtureMessage();
    // A.18 #42: parameters carry dates.
    const Parameters dt{{"@dt", Value::timestamp(fromMillisSinceEpoch(test::kJuneFirstMs))}};
    QCOMPARE(outcomeOf("created < @dt", m, dt), QByteArray("T"));
    // Names compare case-insensitively, with or without '@' in the dictionary.
    QCOMPARE(outcomeOf("color = @C", m, {{"c", Value::string("red")}}), QByteArray("T"));
    QCOMPARE(outcomeOf("quantity > @min AND quantity < @max", m,
                       {{"@min", Value::int32(5)}, {"@MAX", Value::float64(20)}}),
             QByteArray("T"));
    // A parameter is a value, not text: no injection.
    QCOMPARE(outcomeOf("color = @c", m, {{"@c", Value::string("red' OR 1=1 OR 'a'='a")}}), QByteArray("F"));
    QCOMPARE(outcomeOf("(sys.EnqueuedTimeUtc - created) <= @span", m,
                       {{"@span", Value::timeSpanTicks(24LL * 90 * test::kHourTicks)}}),
             QByteArray("T"));
    // The same parameter used twice.
    QCOMPARE(outcomeOf("@p = @p", m, {{"@p", Value::int64(1)}}), QByteArray("T"));
}

void TestSqlFilter::parameterErrors()
{
    auto missing = Filter::compile("color = @c");
    QVERIFY(!missing.ok());
    QVERIFY(missing.error().message.find("not specified") != std::string::npos);
    auto extra = Filter::compile("color = @c", {{"@c", Value::string("x")}, {"@d", Value::string("y")}});
    QVERIFY(!extra.ok());
    QVERIFY(extra.error().message.find("'@d' is specified but not used") != std::string::npos);
    CompileOptions lenient;
    lenient.checkParameters = false;
    QVERIFY(!checkFilter("color = @c", {}, lenient).has_value());
}

void TestSqlFilter::subjectAliasSwitch()
{
    CompileOptions strict;
    strict.acceptSubjectAlias = false;
    QVERIFY(!Filter::compile("sys.Subject = 'red'", {}, strict).ok());
    QVERIFY(Filter::compile("sys.Label = 'red'", {}, strict).ok());
    QVERIFY(Filter::compile("sys.Subject = 'red'").ok());
}

void TestSqlFilter::systemProperties()
{
    Message m = test::fixtureMessage();
    m.sessionId = "s-1";
    m.replyToSessionId = "rs";
    m.partitionKey = "pk";
    m.viaPartitionKey = "vpk";
    m.deliveryCount = 3;
    m.state = MessageState::Deferred;
    m.deadLetterSource = "orders";
    m.timeToLive = Duration{60000};
    m.scheduledEnqueueTime = fromMillisSinceEpoch(test::kJuneFirstMs);
    m.expiresAt = fromMillisSinceEpoch(test::kJuneFirstMs);
    m.enqueuedSequenceNumber = 7;
    const std::pair<const char *, const char *> cases[] = {
        {"sys.SessionId = 's-1'", "T"},
        {"sys.ReplyToSessionId = 'rs'", "T"},
        {"sys.ReplyTo = 'replies'", "T"},
        {"sys.PartitionKey = 'pk' AND sys.ViaPartitionKey = 'vpk'", "T"},
        {"sys.DeliveryCount = 3", "T"},
        {"sys.State = 1", "T"},
        {"sys.DeadLetterSource = 'orders'", "T"},
        {"sys.TimeToLive = @oneMinute", "T"},
        {"sys.ScheduledEnqueueTimeUtc = @june", "T"},
        {"sys.ExpiresAtUtc = @june", "T"},
        {"sys.EnqueuedSequenceNumber = 7", "T"},
        {"sys.ForcePersistence = FALSE", "T"},
        {"sys.IsBodyConsumed = FALSE", "T"},
        {"sys.Properties IS NULL", "F"},
        {"sys.Properties = 1", "E"},
        {"SYS.TO = 'Store5'", "T"},
    };
    for (const auto &[expression, outcome] : cases) {
        const std::string text = expression;
        Parameters params;
        if (text.find("@oneMinute") != std::string::npos)
            params.emplace_back("@oneMinute", Value::timeSpanTicks(60LL * 10000000));
        if (text.find("@june") != std::string::npos)
            params.emplace_back("@june", Value::timestamp(fromMillisSinceEpoch(test::kJuneFirstMs)));
        QVERIFY2(outcomeOf(text, m, params) == QByteArray(outcome), expression);
    }
    // A non-string message id reads as its text.
    m.messageId = Value::ulong(77);
    QCOMPARE(outcomeOf("sys.MessageId = '77'", m), QByteArray("T"));
    m.messageId = Value::null();
    QCOMPARE(outcomeOf("sys.MessageId IS NULL", m), QByteArray("T"));
}

void TestSqlFilter::newIdIsFresh()
{
    auto f = Filter::compile("newid() = newid()");
    QVERIFY(f.ok());
    const Message m;
    for (int i = 0; i < 10; ++i)
        QCOMPARE(f->evaluate(m).value(), false);
    auto g = Filter::compile("newid() LIKE '%-4%'"); // version-4 UUIDs, formatted as text
    QVERIFY(g.ok());
    QCOMPARE(g->evaluate(m).value(), true);
}

void TestSqlFilter::copiesShareProgram()
{
    Filter copy;
    QVERIFY(!copy.isValid());
    QVERIFY(!copy.evaluate(Message()).ok());
    {
        auto f = Filter::compile("color IN ('red', 'blue') AND name LIKE 'O%'");
        QVERIFY(f.ok());
        copy = f.value();
    }
    QVERIFY(copy.isValid());
    QCOMPARE(copy.evaluate(test::fixtureMessage()).value(), true);
}

void TestSqlFilter::diagnostics()
{
    QVERIFY(!checkFilter("color = 'red'").has_value());
    QVERIFY(!checkAction("SET a = 1").has_value());
    const auto d = checkAction("SET a = 1\nSET sys.Size = 2");
    QVERIFY(d.has_value());
    QCOMPARE(d->line, 2);
    QCOMPARE(d->column, 5);
    QVERIFY(d->message.find("read-only") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestSqlFilter)
#include "tst_sqlfilter.moc"
