// MessageListModel and MessageFilterJob against a real busyard-emulator (one per test, sample queue
// 'orders'), wrapped in QAbstractItemModelTester.
#include "models/messagefilter.h"
#include "models/messagelistmodel.h"

#include "core/client/namespaceconnection.h"

#include "../common/emulatorprocess.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace busyard;
using namespace std::chrono_literals;
using models::MessageListModel;

namespace {

constexpr const char *kQueue = "orders";

std::vector<core::Message> makeMessages(int first, int count)
{
    std::vector<core::Message> out;
    for (int i = first; i < first + count; ++i) {
        core::Message m;
        m.messageId = core::Value::string("msg-" + std::to_string(i));
        m.subject = (i % 2 == 0) ? "even" : "odd";
        m.body = R"({"n":)" + std::to_string(i) + "}";
        m.contentType = "application/json";
        m.applicationProperties.set("n", core::Value::int32(i));
        m.applicationProperties.set("colour", core::Value::string(i % 3 == 0 ? "red" : "blue"));
        out.push_back(std::move(m));
    }
    return out;
}

} // namespace

class TestMessageListModel : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<testing::EmulatorProcess> m_emulator;
    std::unique_ptr<client::NamespaceConnection> m_connection;

    bool sendAll(int count)
    {
        int done = 0;
        bool ok = true;
        constexpr int kBatch = 500;
        for (int first = 0; first < count; first += kBatch) {
            m_connection->sendBatch(kQueue, makeMessages(first, std::min(kBatch, count - first)), this,
                                    [&](core::Result<void> r) {
                                        ok = ok && bool(r);
                                        ++done;
                                    });
        }
        const int batches = (count + kBatch - 1) / kBatch;
        return QTest::qWaitFor([&] { return done == batches; }, 60000) && ok;
    }

    /** Fetches until the model reports the end (bounded). */
    static void loadAll(MessageListModel &model)
    {
        for (int i = 0; i < 10000 && model.hasMore(); ++i) {
            if (model.canFetchMore())
                model.fetchMore();
            QTRY_VERIFY_WITH_TIMEOUT(!model.isFetching(), 20000);
        }
    }

private Q_SLOTS:
    void init()
    {
        m_emulator = std::make_unique<testing::EmulatorProcess>();
        QVERIFY2(m_emulator->start(), "busyard-emulator did not start");
        client::ConnectionOptions options;
        options.operationTimeout = 20s;
        auto created = client::NamespaceConnection::create(m_emulator->connectionStringUtf8(), options);
        QVERIFY(created);
        m_connection = std::move(created.value());
    }

    void cleanup()
    {
        m_connection.reset();
        m_emulator.reset(); // kills the process even when the test failed
    }

    void rowIsCompact()
    {
        // The per-row record without bodies, as the 1M-row target requires (< 300 bytes incl. strings).
        QVERIFY2(sizeof(MessageListModel::Row) <= 64, QByteArray::number(qulonglong(sizeof(MessageListModel::Row))));
    }

    void loadsAllPagesInOrder()
    {
        QVERIFY(sendAll(2000));
        MessageListModel model(m_connection.get(), kQueue);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        loadAll(model);
        QCOMPARE(model.rowCount(), 2000);
        QVERIFY(!model.hasMore());
        QVERIFY(!model.canFetchMore());
        // one insert per page of 250
        QCOMPARE(inserted.count(), 2000 / model.pageSize());
        for (int r = 1; r < model.rowCount(); ++r)
            QVERIFY(model.sequenceNumber(r) > model.sequenceNumber(r - 1));
        for (int r : {0, 1, 777, 1999}) {
            QCOMPARE(model.data(model.index(r, MessageListModel::MessageIdColumn)).toString(),
                     QStringLiteral("msg-%1").arg(r));
            QCOMPARE(model.data(model.index(r, MessageListModel::SubjectColumn)).toString(),
                     r % 2 == 0 ? QStringLiteral("even") : QStringLiteral("odd"));
            QCOMPARE(model.data(model.index(r, MessageListModel::StateColumn)).toString(), QStringLiteral("Active"));
            QCOMPARE(model.data(model.index(r, MessageListModel::DeliveryCountColumn)).toString(), QStringLiteral("0"));
            QVERIFY(model.data(model.index(r, MessageListModel::SizeColumn)).toInt() > 0);
        }
        QVERIFY2(model.memoryPerRow() < 300, QByteArray::number(model.memoryPerRow()));
        qInfo("sizeof(Row) = %zu bytes; memory per row without bodies = %.1f bytes", sizeof(MessageListModel::Row),
              model.memoryPerRow());
    }

    void fullMessageCacheIsBounded()
    {
        QVERIFY(sendAll(600));
        MessageListModel model(m_connection.get(), kQueue);
        model.setCacheCapacity(100);
        loadAll(model);
        QCOMPARE(model.rowCount(), 600);
        const qint64 lastSeq = model.sequenceNumber(599);
        const qint64 firstSeq = model.sequenceNumber(0);
        QVERIFY(model.fullMessage(lastSeq) != nullptr);  // recent page cached
        QVERIFY(model.fullMessage(firstSeq) == nullptr); // evicted
        std::optional<core::Message> loaded;
        model.loadFullMessage(firstSeq, this, [&](std::optional<core::Message> m, QString) { loaded = std::move(m); });
        QTRY_VERIFY_WITH_TIMEOUT(loaded.has_value(), 20000);
        QCOMPARE(loaded->sequenceNumber, firstSeq);
        QCOMPARE(loaded->body, std::string(R"({"n":0})"));
        QVERIFY(model.fullMessage(firstSeq) != nullptr);
    }

    void sqlFilterNarrowsRows()
    {
        QVERIFY(sendAll(1000));
        MessageListModel model(m_connection.get(), kQueue);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        loadAll(model);
        QCOMPARE(model.rowCount(), 1000);
        auto filter = core::sql::Filter::compile("colour = 'red' AND sys.Label = 'even'");
        QVERIFY(filter);
        models::MessageFilterCriteria criteria{filter.value(), {}};
        auto *job = new models::MessageFilterJob(m_connection.get(), &model, criteria, this);
        QSignalSpy finished(job, &models::MessageFilterJob::finished);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        job->start();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        // i % 6 == 0 for 0..999 -> 167
        QCOMPARE(finished.first().first().toInt(), 167);
        QCOMPARE(model.rowCount(), 167);
        QVERIFY(model.hasRowFilter());
        QCOMPARE(reset.count(), 1); // exactly one reset for the whole filter
        for (int r = 0; r < model.rowCount(); ++r) {
            const int n = model.data(model.index(r, MessageListModel::MessageIdColumn)).toString().mid(4).toInt();
            QCOMPARE(n % 6, 0);
        }
        QVERIFY(!model.canFetchMore());
        // body text filter
        auto *text = new models::MessageFilterJob(m_connection.get(), &model, {{}, QStringLiteral("\"N\":12}")}, this);
        QSignalSpy textDone(text, &models::MessageFilterJob::finished);
        text->start();
        QTRY_COMPARE_WITH_TIMEOUT(textDone.count(), 1, 30000);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.data(model.index(0, MessageListModel::MessageIdColumn)).toString(), QStringLiteral("msg-12"));
        model.clearRowFilter();
        QCOMPARE(model.rowCount(), 1000);
    }

    void matchMessagesIsPure_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("expected");
        QTest::newRow("all") << QString() << QString() << 30;
        QTest::newRow("sql") << QStringLiteral("n < 10") << QString() << 10;
        QTest::newRow("text") << QString() << QStringLiteral(":2") << 11; // 2, 20..29
        QTest::newRow("both") << QStringLiteral("n >= 20") << QStringLiteral(":2") << 10;
        QTest::newRow("none") << QStringLiteral("n > 100") << QString() << 0;
    }

    void matchMessagesIsPure()
    {
        QFETCH(QString, sql);
        QFETCH(QString, text);
        QFETCH(int, expected);
        auto messages = makeMessages(0, 30);
        for (std::size_t i = 0; i < messages.size(); ++i)
            messages[i].sequenceNumber = std::int64_t(i) + 1;
        models::MessageFilterCriteria criteria;
        if (!sql.isEmpty())
            criteria.sql = core::sql::Filter::compile(sql.toStdString()).value();
        criteria.bodyText = text;
        QCOMPARE(int(models::matchMessages(messages, criteria).size()), expected);
    }

    void locksRefreshAndRemoval()
    {
        QVERIFY(sendAll(300));
        MessageListModel model(m_connection.get(), kQueue);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        loadAll(model);
        QCOMPARE(model.rowCount(), 300);

        std::vector<core::Message> received;
        m_connection->receive(kQueue, client::ReceiveMode::PeekLock, 3, 2s, this,
                              [&](core::Result<std::vector<core::Message>> r) {
                                  QVERIFY(r);
                                  received = std::move(r.value());
                              });
        QTRY_COMPARE_WITH_TIMEOUT(int(received.size()), 3, 20000);
        model.setLocked(received);
        QCOMPARE(model.rowCount(), 300);
        const auto seq0 = received[0].sequenceNumber;
        QVERIFY(model.lockToken(seq0).has_value());
        QVERIFY(model.data(model.index(model.rowOfSequenceNumber(seq0), 0), MessageListModel::LockedRole).toBool());
        QVERIFY(model.data(model.index(model.rowOfSequenceNumber(seq0), MessageListModel::StateColumn))
                    .toString()
                    .contains(QStringLiteral("locked")));

        // abandon the first: refreshRows shows the new delivery count
        bool abandoned = false;
        m_connection->abandon(kQueue, *model.lockToken(seq0), {}, this, [&](core::Result<void> r) {
            QVERIFY(r);
            abandoned = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(abandoned, 20000);
        model.clearLock(seq0);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.refreshRows({seq0});
        QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, 20000);
        QCOMPARE(model.data(model.index(model.rowOfSequenceNumber(seq0), MessageListModel::DeliveryCountColumn))
                     .toString(),
                 QStringLiteral("1"));

        // complete the other two and remove them: two contiguous rows -> one removal
        int completed = 0;
        for (int i : {1, 2})
            m_connection->complete(kQueue, received[std::size_t(i)].lockToken, this, [&](core::Result<void> r) {
                QVERIFY(r);
                ++completed;
            });
        QTRY_COMPARE_WITH_TIMEOUT(completed, 2, 20000);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        model.removeSequenceNumbers({received[1].sequenceNumber, received[2].sequenceNumber});
        QCOMPARE(removed.count(), 1);
        QCOMPARE(model.rowCount(), 298);
        QCOMPARE(model.rowOfSequenceNumber(received[1].sequenceNumber), -1);

        // a refresh of a message that is gone removes its row
        model.refreshRows({received[1].sequenceNumber + 0}); // already gone from the model: no-op
        model.reload();
        loadAll(model);
        QCOMPARE(model.rowCount(), 298);
    }
};

QTEST_MAIN(TestMessageListModel)
#include "tst_messagelistmodel.moc"
