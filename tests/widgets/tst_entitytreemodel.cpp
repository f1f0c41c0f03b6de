// The Explorer's entity tree model and connection manager against a real busyard-emulator process
// (tests/common/emulatorprocess.h), wrapped in QAbstractItemModelTester.
#include "../common/clienttest.h"

#include "core/client/namespaceconnection.h"
#include "models/connectionmanager.h"
#include "models/entitytreemodel.h"
#include "models/keystore.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QPersistentModelIndex>
#include <QtCore/QSettings>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>
#include <optional>

using namespace busyard;
using testing::await;
using models::ConnectionManager;
using models::EntityKind;
using models::EntityTreeModel;
using models::KeyStore;

class TestEntityTreeModel : public QObject
{
    Q_OBJECT

private:
    testing::EmulatorProcess m_emulator;
    QTemporaryDir m_settingsDir;
    std::unique_ptr<KeyStore> m_keys;
    std::unique_ptr<ConnectionManager> m_manager;
    std::unique_ptr<EntityTreeModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;

    client::NamespaceConnection *embedded() const { return m_manager->connection(ConnectionManager::EmbeddedId); }

    bool send(const std::string &entity, int count)
    {
        std::vector<core::Message> messages;
        for (int i = 0; i < count; ++i) {
            core::Message m;
            m.body = "hello " + std::to_string(i);
            messages.push_back(std::move(m));
        }
        auto r = await<void>([&](auto cb) { embedded()->sendBatch(entity, std::move(messages), this, std::move(cb)); });
        if (!r)
            qWarning("send failed: %s", r.error().message.c_str());
        return r.ok();
    }

    QModelIndex entity(const QString &path) const { return m_model->findEntity(ConnectionManager::EmbeddedId, path); }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QCoreApplication::setOrganizationName(QStringLiteral("BusyardTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_entitytreemodel"));
        QVERIFY(m_emulator.start());
    }

    void init()
    {
        QSettings().clear();
        m_keys = std::make_unique<KeyStore>(KeyStore::Backend::None);
        m_manager = std::make_unique<ConnectionManager>(m_keys.get());
        m_model = std::make_unique<EntityTreeModel>(m_manager.get());
        m_model->setRefreshInterval(0); // the tests refresh explicitly
        m_tester = std::make_unique<QAbstractItemModelTester>(m_model.get(),
                                                              QAbstractItemModelTester::FailureReportingMode::QtTest);
    }

    void cleanup()
    {
        m_tester.reset();
        m_model.reset();
        m_manager.reset();
        m_keys.reset();
    }

    void cleanupTestCase() { m_emulator.stop(); }

    void embeddedEntryIsListedBeforeTheEmulatorRuns()
    {
        QCOMPARE(m_model->rowCount(), 1);
        const QModelIndex ns = m_model->index(0, 0);
        QCOMPARE(m_model->item(ns).kind, EntityKind::Namespace);
        QVERIFY(ns.data().toString().contains(QStringLiteral("Embedded emulator")));
        QVERIFY(ns.data().toString().contains(QStringLiteral("starting")));
        QCOMPARE(m_model->rowCount(ns), 0);
        m_manager->setEmbeddedEmulatorStopped();
        QVERIFY(ns.data().toString().contains(QStringLiteral("not running")));
        QCOMPARE(m_manager->userConnectionCount(), 0);
    }

    void aRefreshAskedForDuringOneRunsAfterIt()
    {
        m_manager->setEmbeddedEmulator(m_emulator.connectionString(), m_emulator.managementUrl());
        QTRY_VERIFY_WITH_TIMEOUT(!m_model->isRefreshing(ConnectionManager::EmbeddedId), 20000);
        QSignalSpy refreshed(m_model.get(), &EntityTreeModel::refreshed);
        m_model->refresh(ConnectionManager::EmbeddedId);
        QVERIFY(m_model->isRefreshing(ConnectionManager::EmbeddedId));
        // Asked for twice more while the first is in flight (say, after a create): one more runs after it.
        m_model->refresh(ConnectionManager::EmbeddedId, false);
        m_model->refresh(ConnectionManager::EmbeddedId, false);
        QTRY_COMPARE_WITH_TIMEOUT(refreshed.count(), 2, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(!m_model->isRefreshing(ConnectionManager::EmbeddedId), 20000);
        QTest::qWait(100);
        QCOMPARE(refreshed.count(), 2);
    }

    void showsTheSampleEntities()
    {
        m_manager->setEmbeddedEmulator(m_emulator.connectionString(), m_emulator.managementUrl());
        QTRY_VERIFY_WITH_TIMEOUT(entity(QStringLiteral("events/Subscriptions/all")).isValid(), 20000);
        const QModelIndex ns = m_model->namespaceIndex(ConnectionManager::EmbeddedId);
        QCOMPARE(ns.data().toString(), QStringLiteral("Embedded emulator"));
        QCOMPARE(m_model->rowCount(ns), 2); // Queues, Topics
        QCOMPARE(m_model->item(m_model->index(0, 0, ns)).kind, EntityKind::QueuesFolder);
        QCOMPARE(m_model->item(m_model->index(1, 0, ns)).kind, EntityKind::TopicsFolder);

        for (const char *path : {"orders", "orders-sessions", "orders/$DeadLetterQueue",
                                 "orders/$Transfer/$DeadLetterQueue", "events", "events/Subscriptions/high-priority",
                                 "events/Subscriptions/all/$DeadLetterQueue"})
            QVERIFY2(entity(QString::fromLatin1(path)).isValid(), path);

        const QModelIndex orders = entity(QStringLiteral("orders"));
        QCOMPARE(m_model->item(orders).kind, EntityKind::Queue);
        QVERIFY(m_model->item(orders).queue.has_value());
        QCOMPARE(m_model->rowCount(orders), 2);
        QVERIFY(m_model->item(entity(QStringLiteral("orders-sessions"))).queue->description.requiresSession);

        const QModelIndex high = m_model->findRule(ConnectionManager::EmbeddedId, QStringLiteral("events"),
                                                   QStringLiteral("high-priority"), QStringLiteral("high"));
        QVERIFY(high.isValid());
        const auto rule = m_model->item(high).rule;
        QVERIFY(rule.has_value());
        QCOMPARE(std::get<core::broker::SqlFilter>(rule->filter).expression, std::string("priority = 'high'"));
        QVERIFY(m_model->findRule(ConnectionManager::EmbeddedId, QStringLiteral("events"), QStringLiteral("all"),
                                  QStringLiteral("$Default"))
                    .isValid());
    }

    void countsFollowSentMessages()
    {
        m_manager->setEmbeddedEmulator(m_emulator.connectionString(), m_emulator.managementUrl());
        QTRY_VERIFY_WITH_TIMEOUT(entity(QStringLiteral("events/Subscriptions/all")).isValid(), 20000);
        const QPersistentModelIndex orders = entity(QStringLiteral("orders"));
        const qint64 before = m_model->item(orders).counts.active;
        const qint64 allBefore = m_model->item(entity(QStringLiteral("events/Subscriptions/all"))).counts.active;

        QVERIFY(send("orders", 3));
        QVERIFY(send("events", 2));
        QSignalSpy refreshed(m_model.get(), &EntityTreeModel::refreshed);
        m_model->refresh(ConnectionManager::EmbeddedId, false);
        QVERIFY(m_model->isRefreshing(ConnectionManager::EmbeddedId));
        QTRY_COMPARE_WITH_TIMEOUT(refreshed.count(), 1, 20000);

        QVERIFY(orders.isValid()); // merged in place, not reset
        QCOMPARE(m_model->item(orders).counts.active, before + 3);
        QCOMPARE(orders.sibling(orders.row(), EntityTreeModel::ActiveColumn).data().toString(),
                 QString::number(before + 3));
        QCOMPARE(orders.sibling(orders.row(), EntityTreeModel::ActiveColumn).data(EntityTreeModel::CountRole).toLongLong(),
                 before + 3);
        const QModelIndex all = entity(QStringLiteral("events/Subscriptions/all"));
        QCOMPARE(m_model->item(all).counts.active, allBefore + 2);
        // The rule-filtered subscription got none of them (no 'priority' property).
        QCOMPARE(m_model->item(entity(QStringLiteral("events/Subscriptions/high-priority"))).counts.active, 0);
    }

    void createdAndDeletedEntitiesAppearAndDisappear()
    {
        m_manager->setEmbeddedEmulator(m_emulator.connectionString(), m_emulator.managementUrl());
        QTRY_VERIFY_WITH_TIMEOUT(entity(QStringLiteral("orders")).isValid(), 20000);
        QTRY_VERIFY(!m_model->isRefreshing(ConnectionManager::EmbeddedId));
        const QPersistentModelIndex orders = entity(QStringLiteral("orders"));

        core::broker::QueueDescription queue;
        queue.name = "aaa-first";
        QVERIFY(await<client::QueueInfo>([&](auto cb) { embedded()->createQueue(queue, this, std::move(cb)); }).ok());
        m_model->refresh(ConnectionManager::EmbeddedId);
        QTRY_VERIFY_WITH_TIMEOUT(entity(QStringLiteral("aaa-first")).isValid(), 20000);
        QCOMPARE(entity(QStringLiteral("aaa-first")).row(), 0); // sorted by name
        QVERIFY(orders.isValid());
        QCOMPARE(orders.data().toString(), QStringLiteral("orders"));

        QVERIFY(await<void>([&](auto cb) { embedded()->deleteQueue("aaa-first", this, std::move(cb)); }).ok());
        m_model->refresh(ConnectionManager::EmbeddedId);
        QTRY_VERIFY_WITH_TIMEOUT(!entity(QStringLiteral("aaa-first")).isValid(), 20000);
        QVERIFY(orders.isValid());
    }

    void refreshFailureIsShownOnTheNamespace()
    {
        // A closed port: listing fails, the namespace row says so.
        models::ConnectionProfile profile;
        auto parsed = models::ConnectionProfile::fromConnectionString(
            QStringLiteral("Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true"));
        QVERIFY(parsed.ok());
        parsed->first.managementUrl = QUrl(QStringLiteral("http://127.0.0.1:1"));
        QSignalSpy failed(m_model.get(), &EntityTreeModel::refreshFailed);
        auto id = m_manager->addConnection(parsed->first, parsed->second, false);
        QVERIFY(id.ok());
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
        const QModelIndex ns = m_model->namespaceIndex(*id);
        QVERIFY(ns.data().toString().contains(QStringLiteral("error")));
        QVERIFY(!ns.data(EntityTreeModel::StatusRole).toString().isEmpty());
        QCOMPARE(m_model->rowCount(ns), 0);
        m_manager->removeConnection(*id);
        QVERIFY(!m_model->namespaceIndex(*id).isValid());
    }

    void readOnlyIsAPerConnectionProperty()
    {
        m_manager->setEmbeddedEmulator(m_emulator.connectionString(), m_emulator.managementUrl());
        QVERIFY(!m_manager->isReadOnly(embedded()));
        QSignalSpy changed(m_manager.get(), &ConnectionManager::readOnlyChanged);
        m_manager->setReadOnly(ConnectionManager::EmbeddedId, true);
        QCOMPARE(changed.count(), 1);
        QVERIFY(m_manager->isReadOnly(embedded()));
        QVERIFY(m_manager->isReadOnly(ConnectionManager::EmbeddedId));
        m_manager->setReadOnly(ConnectionManager::EmbeddedId, false);
        QVERIFY(!m_manager->isReadOnly(embedded()));
    }

    void profilesPersistWithoutTheKey()
    {
        auto parsed = models::ConnectionProfile::fromConnectionString(m_emulator.connectionString());
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->second, QStringLiteral("SAS_KEY_VALUE"));
        parsed->first.managementUrl = m_emulator.managementUrl();
        parsed->first.name = QStringLiteral("Local");
        parsed->first.readOnly = true;
        auto id = m_manager->addConnection(parsed->first, parsed->second);
        QVERIFY(id.ok());
        QCOMPARE(m_manager->userConnectionCount(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(m_model->findEntity(*id, QStringLiteral("orders")).isValid(), 20000);

        {
            QSettings settings;
            for (const QString &key : settings.allKeys())
                QVERIFY2(!settings.value(key).toString().contains(QStringLiteral("SAS_KEY_VALUE")), qPrintable(key));
        }

        // Another session: the keychain has nothing (Backend::None), so the profile waits for its key.
        KeyStore keys(KeyStore::Backend::None);
        ConnectionManager reloaded(&keys);
        reloaded.loadProfiles();
        QCOMPARE(reloaded.userConnectionCount(), 1);
        const auto *entry = reloaded.entry(*id);
        QVERIFY(entry);
        QCOMPARE(entry->profile.name, QStringLiteral("Local"));
        QVERIFY(entry->profile.readOnly);
        QCOMPARE(entry->profile.managementUrl, m_emulator.managementUrl());
        QTRY_VERIFY(entry->statusText.contains(QStringLiteral("Key not available")));
        QCOMPARE(entry->state, ConnectionManager::State::NeedsKey);
        QVERIFY(!reloaded.connection(*id));

        // A key kept for the session opens it.
        KeyStore sessionKeys(KeyStore::Backend::None);
        sessionKeys.setSessionKey(*id, QStringLiteral("SAS_KEY_VALUE"));
        ConnectionManager third(&sessionKeys);
        third.loadProfiles();
        QTRY_VERIFY(third.connection(*id) != nullptr);
        QCOMPARE(third.entry(*id)->state, ConnectionManager::State::Open);
    }

    void systemKeychainAnswersEitherWay()
    {
        // The real QtKeychain path: on machines without a Secret Service (CI) the job fails and the
        // error must come back as a result (never a hang or a crash); where a keychain exists the key
        // round-trips.
        KeyStore keys(KeyStore::Backend::System);
        std::optional<core::Result<void>> written;
        keys.writeKey(QStringLiteral("tst-entitytreemodel"), QStringLiteral("secret"), this,
                      [&](core::Result<void> r) { written = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(written.has_value(), 30000);
        if (!*written) {
            QCOMPARE(written->error().code, core::ErrorCode::NotAllowed);
            QVERIFY(!written->error().message.empty());
            QVERIFY(!keys.hasSessionKey(QStringLiteral("tst-entitytreemodel")));
            return;
        }
        std::optional<core::Result<QString>> read;
        keys.readKey(QStringLiteral("tst-entitytreemodel"), this, [&](core::Result<QString> r) { read = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(read.has_value(), 30000);
        QVERIFY(read->ok());
        QCOMPARE(read->value(), QStringLiteral("secret"));
        keys.deleteKey(QStringLiteral("tst-entitytreemodel"));
    }

    void malformedConnectionStringIsRefusedPrecisely()
    {
        auto parsed = models::ConnectionProfile::fromConnectionString(QStringLiteral("Endpoint=sb://x/;SharedAccessKeyName=k"));
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code, core::ErrorCode::InvalidArgument);
        QVERIFY(QString::fromStdString(parsed.error().message).contains(QStringLiteral("SharedAccessKey")));
        auto parts = models::ConnectionProfile::fromParts(QStringLiteral("contoso.servicebus.windows.net"),
                                                          QStringLiteral("RootManageSharedAccessKey"), QStringLiteral("abc="));
        QVERIFY(parts.ok());
        QCOMPARE(parts->first.endpoint, QStringLiteral("sb://contoso.servicebus.windows.net/"));
        QCOMPARE(parts->first.name, QStringLiteral("contoso.servicebus.windows.net"));
        QCOMPARE(parts->second, QStringLiteral("abc="));
    }
};

QTEST_MAIN(TestEntityTreeModel)
#include "tst_entitytreemodel.moc"
