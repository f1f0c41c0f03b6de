// Evaluating a compiled filter must not allocate in the common cases (comparisons of properties with
// literals, AND/OR/NOT, IN, LIKE, EXISTS, IS NULL). This executable replaces the global operator new to
// count calls while a flag is set; it is its own test binary so that no other test sees the override.

#include "sqlfixture.h"

#include "core/sql/filter.h"

#include <QtTest/QtTest>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
} // namespace

void *operator new(std::size_t size)
{
    if (g_counting.load(std::memory_order_relaxed))
        g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void *p = std::malloc(size ? size : 1))
        return p;
    throw std::bad_alloc();
}

void operator delete(void *p) noexcept
{
    std::free(p);
}

void operator delete(void *p, std::size_t) noexcept
{
    std::free(p);
}

using namespace busyard::core;
using namespace busyard::core::sql;

class TestSqlNoAlloc : public QObject
{
    Q_OBJECT

private slots:
    void evaluationDoesNotAllocate_data();
    void evaluationDoesNotAllocate();
    void concatenationAllocates();
};

void TestSqlNoAlloc::evaluationDoesNotAllocate_data()
{
    QTest::addColumn<QByteArray>("expression");
    QTest::addColumn<bool>("expected");
    QTest::newRow("compare") << QByteArray("color = 'red' AND quantity > 5") << true;
    QTest::newRow("or/not") << QByteArray("NOT (color = 'blue') OR missing = 1") << true;
    QTest::newRow("unknown") << QByteArray("missing = 'x' AND color = 'red'") << false;
    QTest::newRow("in strings") << QByteArray("StoreId IN ('Store1', 'Store5', 'Store8')") << true;
    QTest::newRow("in numbers") << QByteArray("quantity IN (1, 2, 3, 10)") << true;
    QTest::newRow("in mixed") << QByteArray("quantity IN (1.5, 10)") << true;
    QTest::newRow("like prefix") << QByteArray("name LIKE 'O%'") << true;
    QTest::newRow("like general") << QByteArray("name LIKE '_''B%n'") << true;
    QTest::newRow("like number") << QByteArray("quantity LIKE '1%'") << true;
    QTest::newRow("exists/is null") << QByteArray("EXISTS(color) AND nothing IS NULL AND missing IS NULL") << true;
    QTest::newRow("sys") << QByteArray("sys.Label = 'red' AND sys.To LIKE 'Store%' AND sys.SessionId IS NULL") << true;
    QTest::newRow("arithmetic") << QByteArray("quantity * 2 + 1 > price / 2") << true;
    QTest::newRow("dates") << QByteArray("created + ts < sys.EnqueuedTimeUtc") << true;
    QTest::newRow("property()") << QByteArray("property('color') = 'red'") << true;
}

void TestSqlNoAlloc::evaluationDoesNotAllocate()
{
    QFETCH(QByteArray, expression);
    QFETCH(bool, expected);
    const Message m = test::fixtureMessage();
    auto filter = Filter::compile(expression.toStdString());
    QVERIFY(filter.ok());
    bool result = !expected;
    g_allocations = 0;
    g_counting = true;
    for (int i = 0; i < 1000; ++i) {
        auto r = filter->evaluate(m);
        result = r.ok() && r.value();
    }
    g_counting = false;
    QCOMPARE(result, expected);
    QCOMPARE(g_allocations.load(), 0L);
}

void TestSqlNoAlloc::concatenationAllocates()
{
    // Control: the counter does see allocations (a concatenation result is heap text).
    const Message m = test::fixtureMessage();
    auto filter = Filter::compile("color + 'x' + name = 'redxO''Brien'");
    QVERIFY(filter.ok());
    g_allocations = 0;
    g_counting = true;
    auto r = filter->evaluate(m);
    g_counting = false;
    QVERIFY(r.ok() && r.value());
    QVERIFY(g_allocations.load() > 0);
}

QTEST_GUILESS_MAIN(TestSqlNoAlloc)
#include "tst_sqlnoalloc.moc"
