// The pn_data helpers shared by the client and the emulator's $management node: how numbers of the
// various AMQP types (and the doubles rhea sends for large JS numbers) read as integers.
#include "core/client/amqpdata.h"

#include <proton/codec.h>

#include <QtTest/QTest>

#include <cmath>
#include <limits>

using namespace busyard::client::amqpdata;

namespace {

/** A one-node pn_data holding what `put` writes, with the cursor on it. */
template<typename Put>
DataPtr single(Put put)
{
    DataPtr d(pn_data(4));
    put(d.get());
    pn_data_rewind(d.get());
    pn_data_next(d.get());
    return d;
}

} // namespace

class TestAmqpData : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void integersOfEveryWidth()
    {
        QCOMPARE(integerAt(single([](pn_data_t *d) { pn_data_put_ubyte(d, 200); }).get()), std::optional<std::int64_t>(200));
        QCOMPARE(integerAt(single([](pn_data_t *d) { pn_data_put_short(d, -5); }).get()), std::optional<std::int64_t>(-5));
        QCOMPARE(integerAt(single([](pn_data_t *d) { pn_data_put_uint(d, 4000000000u); }).get()),
                 std::optional<std::int64_t>(4000000000LL));
        QCOMPARE(integerAt(single([](pn_data_t *d) { pn_data_put_long(d, -(1LL << 40)); }).get()),
                 std::optional<std::int64_t>(-(1LL << 40)));
        QCOMPARE(integerAt(single([](pn_data_t *d) { pn_data_put_timestamp(d, 1700000000000LL); }).get()),
                 std::optional<std::int64_t>(1700000000000LL));
    }

    void doublesOnlyWhenExactIntegers()
    {
        // rhea encodes a JS number above 2^31 (say, a sequence number) as a double.
        QCOMPARE(integerAt(single([](pn_data_t *d) { pn_data_put_double(d, 4294967296.0); }).get()),
                 std::optional<std::int64_t>(4294967296LL));
        QCOMPARE(integerAt(single([](pn_data_t *d) { pn_data_put_double(d, -3.0); }).get()), std::optional<std::int64_t>(-3));
        QVERIFY(!integerAt(single([](pn_data_t *d) { pn_data_put_double(d, 2.5); }).get()));
        QVERIFY(!integerAt(single([](pn_data_t *d) { pn_data_put_double(d, std::nan("")); }).get()));
        QVERIFY(!integerAt(single([](pn_data_t *d) { pn_data_put_double(d, 1e300); }).get()));
        QVERIFY(!integerAt(single([](pn_data_t *d) {
                    pn_data_put_double(d, std::numeric_limits<double>::infinity());
                }).get()));
    }

    void textIsStringOrSymbol()
    {
        QCOMPARE(textAt(single([](pn_data_t *d) { pn_data_put_string(d, pn_bytes(3, "abc")); }).get()),
                 std::optional<std::string>("abc"));
        QCOMPARE(textAt(single([](pn_data_t *d) { pn_data_put_symbol(d, pn_bytes(2, "xy")); }).get()),
                 std::optional<std::string>("xy"));
        QVERIFY(!textAt(single([](pn_data_t *d) { pn_data_put_int(d, 1); }).get()));
        QVERIFY(!integerAt(single([](pn_data_t *d) { pn_data_put_string(d, pn_bytes(1, "1")); }).get()));
    }
};

QTEST_GUILESS_MAIN(TestAmqpData)
#include "tst_amqpdata.moc"
