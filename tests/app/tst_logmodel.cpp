// LogModel (ring buffer, batched flushes), LogFilterModel, LogSink (cross-thread) and the QString formatter.
#include "models/logfiltermodel.h"
#include "models/logmodel.h"
#include "models/logsink.h"
#include "models/qstringformatter.h"

#include <QtCore/QRegularExpression>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <spdlog/logger.h>

#include <memory>
#include <thread>

using busyard::models::LogFilterModel;
using busyard::models::LogModel;
using busyard::models::LogRecord;
using busyard::models::LogSink;

namespace {

LogRecord makeRecord(int n, int level = 2, const char *logger = "core")
{
    return LogRecord{1'700'000'000'000 + n, level, QString::fromLatin1(logger), QStringLiteral("record %1").arg(n)};
}

QString messageAt(const QAbstractItemModel &model, int row)
{
    return model.index(row, LogModel::MessageColumn).data().toString();
}

} // namespace

class TestLogModel : public QObject
{
    Q_OBJECT

private slots:
    void flushInsertsOnceInOrder();
    void timerFlushes();
    void ringBufferDropsOldestAcrossFlushes();
    void burstLargerThanCapacity();
    void shrinkingCapacityTrims();
    void clearRemovesRowsAndPending();
    void columnsAndRoles();
    void filterByLevel_data();
    void filterByLevel();
    void filterFollowsRingBuffer();
    void sinkDeliversFromAnotherThread();
    void detachedSinkDropsRecords();
    void formatsQString();
};

void TestLogModel::flushInsertsOnceInOrder()
{
    LogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    for (int i = 0; i < 2000; ++i)
        model.append(makeRecord(i));
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.pendingCount(), 2000);
    model.flush();
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 1999);
    QCOMPARE(model.rowCount(), 2000);
    QCOMPARE(model.pendingCount(), 0);
    QCOMPARE(messageAt(model, 0), QStringLiteral("record 0"));
    QCOMPARE(messageAt(model, 1999), QStringLiteral("record 1999"));
    model.flush(); // nothing pending: no signal
    QCOMPARE(inserted.count(), 1);
}

void TestLogModel::timerFlushes()
{
    LogModel model;
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    for (int i = 0; i < 300; ++i)
        model.append(makeRecord(i));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 300, 2000);
    QCOMPARE(inserted.count(), 1);
}

void TestLogModel::ringBufferDropsOldestAcrossFlushes()
{
    LogModel model;
    model.setCapacity(1000);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    int next = 0;
    for (int batch = 0; batch < 12; ++batch) {
        for (int i = 0; i < 250; ++i)
            model.append(makeRecord(next++));
        model.flush();
        QVERIFY(model.rowCount() <= 1000);
    }
    QCOMPARE(next, 3000);
    QCOMPARE(model.rowCount(), 1000);
    QCOMPARE(messageAt(model, 0), QStringLiteral("record 2000"));
    QCOMPARE(messageAt(model, 999), QStringLiteral("record 2999"));
    QCOMPARE(inserted.count(), 12);
    QCOMPARE(removed.count(), 8); // batches 5..12 each pushed 250 out, in one removal
    QCOMPARE(removed.at(0).at(1).toInt(), 0);
    QCOMPARE(removed.at(0).at(2).toInt(), 249);
}

void TestLogModel::burstLargerThanCapacity()
{
    LogModel model;
    model.setCapacity(100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int i = 0; i < 40; ++i)
        model.append(makeRecord(i));
    model.flush();
    for (int i = 40; i < 390; ++i)
        model.append(makeRecord(i));
    model.flush();
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(messageAt(model, 0), QStringLiteral("record 290"));
    QCOMPARE(messageAt(model, 99), QStringLiteral("record 389"));
}

void TestLogModel::shrinkingCapacityTrims()
{
    LogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int i = 0; i < 500; ++i)
        model.append(makeRecord(i));
    model.flush();
    model.setCapacity(200);
    QCOMPARE(model.rowCount(), 200);
    QCOMPARE(messageAt(model, 0), QStringLiteral("record 300"));
}

void TestLogModel::clearRemovesRowsAndPending()
{
    LogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int i = 0; i < 50; ++i)
        model.append(makeRecord(i));
    model.flush();
    model.append(makeRecord(50));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.pendingCount(), 0);
    model.flush();
    QCOMPARE(model.rowCount(), 0);
}

void TestLogModel::columnsAndRoles()
{
    LogModel model;
    model.append(LogRecord{0, 4, QStringLiteral("client"), QStringLiteral("link detached")});
    model.flush();
    QCOMPARE(model.columnCount(), 4);
    QCOMPARE(model.headerData(LogModel::MessageColumn, Qt::Horizontal).toString(), QStringLiteral("Message"));
    QCOMPARE(model.index(0, LogModel::LevelColumn).data().toString(), QStringLiteral("error"));
    QCOMPARE(model.index(0, LogModel::LoggerColumn).data().toString(), QStringLiteral("client"));
    QCOMPARE(model.index(0, LogModel::MessageColumn).data().toString(), QStringLiteral("link detached"));
    QCOMPARE(model.index(0, LogModel::TimeColumn).data(LogModel::LevelRole).toInt(), 4);
    const QString time = model.index(0, LogModel::TimeColumn).data().toString();
    QVERIFY2(QRegularExpression(QStringLiteral("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}$")).match(time).hasMatch(), qPrintable(time));
    QVERIFY(model.index(0, LogModel::LevelColumn).data(Qt::ForegroundRole).isValid()); // errors stand out
}

void TestLogModel::filterByLevel_data()
{
    QTest::addColumn<int>("minimumLevel");
    QTest::addColumn<int>("expected");
    // 600 records cycling through the six levels: 100 of each.
    QTest::newRow("trace shows all") << 0 << 600;
    QTest::newRow("debug") << 1 << 500;
    QTest::newRow("info") << 2 << 400;
    QTest::newRow("warn") << 3 << 300;
    QTest::newRow("error") << 4 << 200;
    QTest::newRow("critical") << 5 << 100;
}

void TestLogModel::filterByLevel()
{
    QFETCH(int, minimumLevel);
    QFETCH(int, expected);
    LogModel model;
    LogFilterModel filter;
    filter.setSourceModel(&model);
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int i = 0; i < 600; ++i)
        model.append(makeRecord(i, i % 6));
    model.flush();
    QSignalSpy changed(&filter, &LogFilterModel::minimumLevelChanged);
    filter.setMinimumLevel(minimumLevel);
    QCOMPARE(changed.count(), minimumLevel == 0 ? 0 : 1);
    QCOMPARE(filter.rowCount(), expected);
    for (int row = 0; row < filter.rowCount(); ++row)
        QVERIFY(filter.index(row, 0).data(LogModel::LevelRole).toInt() >= minimumLevel);
}

void TestLogModel::filterFollowsRingBuffer()
{
    LogModel model;
    model.setCapacity(1000);
    LogFilterModel filter;
    filter.setSourceModel(&model);
    filter.setMinimumLevel(3);
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int batch = 0; batch < 10; ++batch) {
        for (int i = 0; i < 300; ++i) {
            const int n = batch * 300 + i;
            model.append(makeRecord(n, n % 2 == 0 ? 3 : 1));
        }
        model.flush();
    }
    QCOMPARE(model.rowCount(), 1000);
    QCOMPARE(filter.rowCount(), 500);
    QCOMPARE(messageAt(filter, 0), QStringLiteral("record 2000"));
}

void TestLogModel::sinkDeliversFromAnotherThread()
{
    LogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto sink = std::make_shared<LogSink>(&model);
    auto logger = std::make_shared<spdlog::logger>("client", sink);
    logger->set_level(spdlog::level::trace);
    std::thread worker([logger] {
        for (int i = 0; i < 3000; ++i)
            logger->debug("message {} of {}", i, QStringLiteral("wörker"));
    });
    worker.join();
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3000, 10000);
    QCOMPARE(model.record(0).logger, QStringLiteral("client"));
    QCOMPARE(model.record(0).level, 1);
    QCOMPARE(model.record(0).message, QStringLiteral("message 0 of wörker"));
    QCOMPARE(model.record(2999).message, QStringLiteral("message 2999 of wörker"));
    QVERIFY(model.record(0).timeMs > 0);
    sink->detach();
}

void TestLogModel::detachedSinkDropsRecords()
{
    LogModel model;
    auto sink = std::make_shared<LogSink>(&model);
    spdlog::logger logger("app", sink);
    logger.info("before");
    sink->detach();
    logger.info("after");
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 1, 2000);
    QTest::qWait(2 * LogModel::FlushIntervalMs); // the "after" record must not turn up late
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.record(0).message, QStringLiteral("before"));
}

void TestLogModel::formatsQString()
{
    QCOMPARE(fmt::format("{}", QStringLiteral("Grüße")), std::string("Grüße"));
    QCOMPARE(fmt::format("[{:>6}]", QStringLiteral("ab")), std::string("[    ab]"));
    QCOMPARE(fmt::format("{}", QStringView(u"view")), std::string("view"));
    QCOMPARE(fmt::format("{}", QString()), std::string());
}

QTEST_MAIN(TestLogModel)
#include "tst_logmodel.moc"
