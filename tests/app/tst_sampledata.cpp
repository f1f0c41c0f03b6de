// app::SampleSeeder against a real busyard-emulator --sample: what `./busyard.sh run` shows first (dead
// letters to replay, sessions with state, rules with actions, a forwarding subscription), and that a
// second launch leaves the namespace alone.
#include "../common/clienttest.h"

#include "sampledata.h"

#include "core/client/namespaceconnection.h"

#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>
#include <optional>

using namespace busyard;
using testing::await;
using namespace std::chrono_literals;

class TestSampleData : public QObject
{
    Q_OBJECT

private:
    testing::EmulatorProcess m_emulator;
    std::unique_ptr<client::NamespaceConnection> m_connection;

    /** Runs a seeder to its end; returns (seeded, error). */
    std::pair<bool, QString> seed()
    {
        auto *seeder = new app::SampleSeeder(m_connection.get());
        QSignalSpy finished(seeder, &app::SampleSeeder::finished);
        seeder->start();
        if (!finished.wait(60000))
            return {false, QStringLiteral("no finished()")};
        return {finished.at(0).at(0).toBool(), finished.at(0).at(1).toString()};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_emulator.start());
        m_connection = testing::connectTo(m_emulator);
        QVERIFY(m_connection);
    }

    void cleanupTestCase()
    {
        m_connection.reset();
        m_emulator.stop();
    }

    void fillsTheSampleNamespaceOnce()
    {
        const auto [seeded, error] = seed();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(seeded);

        auto orders = await<client::QueueInfo>([&](auto cb) { m_connection->getQueue("orders", this, std::move(cb)); });
        QVERIFY(orders);
        QCOMPARE(orders->counts.active, 13);
        QCOMPARE(orders->counts.deadLetter, 12);
        // The dead letters carry the reasons a real system gives.
        auto dead = await<std::vector<core::Message>>(
            [&](auto cb) { m_connection->peek("orders/$DeadLetterQueue", 0, 50, this, std::move(cb)); });
        QVERIFY(dead);
        QCOMPARE(dead->size(), std::size_t(12));
        for (const auto &m : *dead) {
            const core::Value *reason = m.applicationProperties.find(core::kDeadLetterReasonProperty);
            QVERIFY(reason);
        }

        auto sessions = await<client::SessionPage>(
            [&](auto cb) { m_connection->listSessions("orders-sessions", 0, 100, this, std::move(cb)); });
        QVERIFY(sessions);
        QCOMPARE(sessions->sessionIds.size(), std::size_t(3));
        auto accepted = await<client::SessionInfo>([&](auto cb) {
            m_connection->acceptSession("orders-sessions", std::string("customer-1"), client::ReceiveMode::PeekLock, this,
                                        std::move(cb));
        });
        QVERIFY(accepted);
        auto state = await<std::optional<std::string>>(
            [&](auto cb) { m_connection->getSessionState("orders-sessions", "customer-1", this, std::move(cb)); });
        QVERIFY(state && state->has_value());
        QVERIFY(state->value().find("awaiting-payment") != std::string::npos);
        QVERIFY(await<void>([&](auto cb) { m_connection->closeSession("orders-sessions", "customer-1", this, std::move(cb)); }));

        auto rules = await<std::vector<core::broker::RuleDescription>>(
            [&](auto cb) { m_connection->listRules("events", "eu-orders", this, std::move(cb)); });
        QVERIFY(rules);
        QCOMPARE(rules->size(), std::size_t(2)); // $Default replaced by a correlation rule and an SQL rule
        // Every routed event reached the forwarding subscription's target; eu-orders got the 'eu' ones.
        auto audit = await<client::QueueInfo>([&](auto cb) { m_connection->getQueue("audit", this, std::move(cb)); });
        QVERIFY(audit);
        QCOMPARE(audit->counts.active, 8);
        auto eu = await<client::SubscriptionInfo>(
            [&](auto cb) { m_connection->getSubscription("events", "eu-orders", this, std::move(cb)); });
        QVERIFY(eu);
        QVERIFY(eu->counts.active > 0);

        // A second launch (the marker subscription exists) changes nothing.
        const auto [again, againError] = seed();
        QVERIFY2(againError.isEmpty(), qPrintable(againError));
        QVERIFY(!again);
        orders = await<client::QueueInfo>([&](auto cb) { m_connection->getQueue("orders", this, std::move(cb)); });
        QVERIFY(orders);
        QCOMPARE(orders->counts.active, 13);
        QCOMPARE(orders->counts.deadLetter, 12);
    }
};

QTEST_GUILESS_MAIN(TestSampleData)
#include "tst_sampledata.moc"
