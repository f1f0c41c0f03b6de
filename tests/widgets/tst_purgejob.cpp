// models::PurgeJob and the MessageBrowser "Purge…" action against a real busyard-emulator (one per
// test, sample queue 'orders').
#include "models/purgejob.h"
#include "widgets/messagebrowser.h"

#include "core/client/namespaceconnection.h"
#include "models/messagelistmodel.h"

#include "../common/clienttest.h"

#include <QAction>
#include <QApplication>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace busyard;
using namespace std::chrono_literals;

namespace {

constexpr const char *kQueue = "orders";

} // namespace

class TestPurgeJob : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<testing::EmulatorProcess> m_emulator;
    std::unique_ptr<client::NamespaceConnection> m_connection;

    bool sendN(int count, const char *entity = kQueue)
    {
        for (int start = 0; start < count; start += 500) {
            std::vector<core::Message> messages;
            for (int i = start; i < std::min(count, start + 500); ++i) {
                core::Message m;
                m.messageId = core::Value::string("m-" + std::to_string(i));
                m.body = "x";
                messages.push_back(std::move(m));
            }
            std::optional<bool> ok;
            m_connection->sendBatch(entity, std::move(messages), this, [&](core::Result<void> r) { ok = r.ok(); });
            if (!QTest::qWaitFor([&] { return ok.has_value(); }, 30000) || !*ok)
                return false;
        }
        return true;
    }

    core::broker::RuntimeCounts counts()
    {
        std::optional<core::broker::RuntimeCounts> out;
        m_connection->getQueue(kQueue, this, [&](core::Result<client::QueueInfo> r) {
            if (!r)
                qWarning("getQueue: %s", r.error().message.c_str());
            out = r ? r.value().counts : core::broker::RuntimeCounts{-1, -1};
        });
        [[maybe_unused]] const bool got = QTest::qWaitFor([&] { return out.has_value(); }, 20000);
        return out.value_or(core::broker::RuntimeCounts{-1, -1});
    }

    std::optional<std::pair<qint64, QString>> runJob(models::PurgeJob &job, int timeoutMs = 60000)
    {
        std::optional<std::pair<qint64, QString>> result;
        connect(&job, &models::PurgeJob::finished, this, [&](qint64 removed, const QString &error) {
            result = std::make_pair(removed, error);
        });
        job.start();
        [[maybe_unused]] const bool done = QTest::qWaitFor([&] { return result.has_value(); }, timeoutMs);
        return result;
    }

private Q_SLOTS:
    void init()
    {
        m_emulator = std::make_unique<testing::EmulatorProcess>();
        QVERIFY2(m_emulator->start(), "busyard-emulator did not start");
        m_connection = testing::connectTo(*m_emulator);
        QVERIFY(m_connection);
    }

    void cleanup()
    {
        m_connection.reset();
        m_emulator.reset();
    }

    void purgesEverything()
    {
        QVERIFY(sendN(2000));
        QCOMPARE(counts().active, 2000);
        models::PurgeJob job(m_connection.get(), QString::fromLatin1(kQueue), 2000);
        QSignalSpy progress(&job, &models::PurgeJob::progress);
        const auto result = runJob(job);
        QVERIFY(result.has_value());
        QCOMPARE(result->second, QString());
        QCOMPARE(result->first, 2000);
        QVERIFY(progress.count() >= 1);
        QCOMPARE(progress.last().at(0).toLongLong(), 2000);
        QCOMPARE(counts().active, 0);
        std::optional<std::size_t> peeked;
        m_connection->peek(kQueue, 0, 100, this, [&](core::Result<std::vector<core::Message>> r) {
            peeked = r ? r.value().size() : 999;
        });
        QVERIFY(QTest::qWaitFor([&] { return peeked.has_value(); }, 20000));
        QCOMPARE(*peeked, std::size_t(0));
    }

    void cancelReportsExactCount()
    {
        QVERIFY(sendN(2000));
        models::PurgeJob job(m_connection.get(), QString::fromLatin1(kQueue), 2000);
        job.setBatchSize(100);
        connect(&job, &models::PurgeJob::progress, &job, &models::PurgeJob::cancel);
        const auto result = runJob(job);
        QVERIFY(result.has_value());
        QVERIFY(job.isCancelled());
        QCOMPARE(result->second, QString());
        QVERIFY(result->first > 0);
        QVERIFY2(result->first < 2000, "cancel did not stop the purge");
        QCOMPARE(result->first + counts().active, 2000);
    }

    void purgingDeadLetterLeavesActive()
    {
        QVERIFY(sendN(30));
        // Dead-letter 10 of them.
        std::optional<std::vector<core::Message>> locked;
        m_connection->receive(kQueue, client::ReceiveMode::PeekLock, 10, 5s, this,
                              [&](core::Result<std::vector<core::Message>> r) {
                                  locked = r ? r.value() : std::vector<core::Message>{};
                              });
        QVERIFY(QTest::qWaitFor([&] { return locked.has_value(); }, 20000));
        QCOMPARE(locked->size(), std::size_t(10));
        int settled = 0;
        for (const auto &m : *locked)
            m_connection->deadLetter(kQueue, m.lockToken, std::string("test"), std::nullopt, this,
                                     [&](core::Result<void> r) { settled += r.ok() ? 1 : 1000; });
        QVERIFY(QTest::qWaitFor([&] { return settled >= 10; }, 20000));
        QCOMPARE(settled, 10);
        QCOMPARE(counts().deadLetter, 10);

        models::PurgeJob job(m_connection.get(), QStringLiteral("orders/$DeadLetterQueue"), 10);
        const auto result = runJob(job);
        QVERIFY(result.has_value());
        QCOMPARE(result->second, QString());
        QCOMPARE(result->first, 10);
        const auto after = counts();
        QCOMPARE(after.deadLetter, 0);
        QCOMPARE(after.active, 20);
    }

    void purgeActionConfirmsAndRuns()
    {
        QVERIFY(sendN(300));
        widgets::MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), false);
        browser.show();
        QVERIFY(QTest::qWaitFor([&] { return browser.model()->loadedCount() > 0; }, 20000));
        QSignalSpy finished(&browser, &widgets::MessageBrowser::operationFinished);
        auto *purge = browser.findChild<QAction *>(QStringLiteral("purge"));
        QVERIFY(purge && purge->isEnabled());
        purge->trigger();
        QMessageBox *box = nullptr;
        QVERIFY(QTest::qWaitFor([&] {
            box = browser.findChild<QMessageBox *>(QStringLiteral("confirmPurge"));
            return box && box->isVisible();
        }, 20000));
        QVERIFY2(box->text().contains(QLatin1String("'orders'")), qPrintable(box->text()));
        QVERIFY2(box->text().contains(QLatin1String("300 messages")), qPrintable(box->text()));
        box->button(QMessageBox::Yes)->click();
        QVERIFY(browser.findChild<QProgressDialog *>(QStringLiteral("purgeProgress")));
        QVERIFY(QTest::qWaitFor([&] { return finished.count() > 0; }, 30000));
        QCOMPARE(finished.last().at(0).toString(), QStringLiteral("300 messages purged"));
        QCOMPARE(counts().active, 0);
        QVERIFY(QTest::qWaitFor([&] { return !browser.model()->isFetching() && browser.model()->loadedCount() == 0; }, 20000));
    }

    void cancelledConfirmationPurgesNothing()
    {
        QVERIFY(sendN(20));
        widgets::MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), false);
        browser.show();
        browser.findChild<QAction *>(QStringLiteral("purge"))->trigger();
        QMessageBox *box = nullptr;
        QVERIFY(QTest::qWaitFor([&] {
            box = browser.findChild<QMessageBox *>(QStringLiteral("confirmPurge"));
            return box && box->isVisible();
        }, 20000));
        box->button(QMessageBox::Cancel)->click();
        QTest::qWait(200);
        QVERIFY(!browser.findChild<QProgressDialog *>(QStringLiteral("purgeProgress")));
        QCOMPARE(counts().active, 20);
    }

    void readOnlyDisablesPurge()
    {
        widgets::MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), true);
        auto *purge = browser.findChild<QAction *>(QStringLiteral("purge"));
        QVERIFY(purge);
        QVERIFY(!purge->isEnabled());
        browser.setReadOnly(false);
        QVERIFY(purge->isEnabled());
        browser.setReadOnly(true);
        QVERIFY(!purge->isEnabled());
    }
};

QTEST_MAIN(TestPurgeJob)
#include "tst_purgejob.moc"
