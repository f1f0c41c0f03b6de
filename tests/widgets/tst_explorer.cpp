// The Explorer's widgets on the offscreen platform against a real busyard-emulator process: the pane
// (tree, filter, shortcuts, delete with confirmation, read-only), the entity dialogs (Azure's
// validation before sending, SQL error positions), the connection dialog (precise parse errors,
// Test, keychain-unavailable path) and the main window integration. Clicks real widgets; waits with
// QTRY_*. With BUSYARD_SCREENSHOT_DIR set, also saves explorer-tree.png and queue-dialog.png there.
#include "../common/clienttest.h"

#include "mainwindow.h"
#include "settings.h"

#include "core/client/namespaceconnection.h"
#include "models/connectionmanager.h"
#include "models/entitytreemodel.h"
#include "models/keystore.h"
#include "models/logmodel.h"
#include "resources/resources.h"
#include "widgets/connectiondialog.h"
#include "widgets/durationedit.h"
#include "widgets/entitydialogs.h"
#include "widgets/explorerpane.h"
#include "widgets/propertiespanel.h"
#include "widgets/sqleditor.h"

#include <Qsci/qsciscintilla.h>

#include <QtCore/QPointer>
#include <QtCore/QSettings>
#include <QtCore/QSortFilterProxyModel>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtGui/QAction>
#include <QtWidgets/QApplication>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QRadioButton>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QTreeView>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <algorithm>
#include <memory>
#include <optional>

using namespace busyard;
using testing::await;
using namespace std::chrono_literals;
using models::ConnectionManager;
using models::EntityTreeModel;
using models::KeyStore;
using widgets::DurationEdit;
using widgets::ExplorerPane;

Q_DECLARE_METATYPE(std::optional<qint64>)

class TestExplorer : public QObject
{
    Q_OBJECT

private:
    testing::EmulatorProcess m_emulator;
    QTemporaryDir m_settingsDir;
    std::unique_ptr<KeyStore> m_keys;
    std::unique_ptr<ConnectionManager> m_manager;
    std::unique_ptr<ExplorerPane> m_pane;
    std::unique_ptr<QAbstractItemModelTester> m_tester;

    client::NamespaceConnection *embedded() const { return m_manager->connection(ConnectionManager::EmbeddedId); }

    QModelIndex entity(const QString &path) const
    {
        return m_pane->model()->findEntity(ConnectionManager::EmbeddedId, path);
    }

    bool createQueue(const std::string &name)
    {
        core::broker::QueueDescription q;
        q.name = name;
        return await<client::QueueInfo>([&](auto cb) { embedded()->createQueue(q, this, std::move(cb)); }).ok();
    }

    /** The top-level dialog or message box of type T that is visible, if any. */
    template<typename T>
    T *visible(const QString &objectName = {}) const
    {
        for (QWidget *w : QApplication::topLevelWidgets()) {
            if (auto *t = qobject_cast<T *>(w); t && t->isVisible() && (objectName.isEmpty() || t->objectName() == objectName))
                return t;
        }
        return nullptr;
    }

    void clickOk(widgets::EntityDialog *dialog)
    {
        QTest::mouseClick(dialog->buttonBox()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    }

    /**
     * A user connection to the test emulator, listed in the tree. With `sessionKey` its key is kept
     * for the session (readable by KeyStore::readKey), else nowhere (the keychain backend is None).
     */
    QString addUserConnection(const QString &name, bool sessionKey = true)
    {
        auto parsed = models::ConnectionProfile::fromConnectionString(m_emulator.connectionString());
        if (!parsed)
            return {};
        auto [profile, secret] = *parsed;
        profile.name = name;
        profile.managementUrl = m_emulator.managementUrl();
        if (sessionKey)
            m_keys->setSessionKey(profile.id, secret);
        auto added = m_manager->addConnection(profile, secret);
        if (!added)
            return {};
        if (!QTest::qWaitFor([&] { return m_pane->model()->findEntity(*added, QStringLiteral("orders")).isValid(); },
                             20000))
            return {};
        return *added;
    }

    /** Selects the namespace row of `id` and opens the connection dialog through the Edit action. */
    widgets::ConnectionDialog *openEditDialog(const QString &id)
    {
        if (!m_pane->selectNamespace(id) || !m_pane->editAction()->isEnabled())
            return nullptr;
        m_pane->editAction()->trigger();
        auto *dialog = visible<widgets::ConnectionDialog>();
        return dialog && dialog->isEditing() ? dialog : nullptr;
    }

    /** Whether the tree shows the source row `source` expanded. */
    bool isExpanded(const QModelIndex &source) const
    {
        return m_pane->tree()->isExpanded(m_pane->proxy()->mapFromSource(source));
    }

    QModelIndex folder(const QString &connectionId, models::EntityKind kind) const
    {
        const QModelIndex ns = m_pane->model()->namespaceIndex(connectionId);
        for (int row = 0; row < m_pane->model()->rowCount(ns); ++row) {
            const QModelIndex index = m_pane->model()->index(row, 0, ns);
            if (m_pane->model()->item(index).kind == kind)
                return index;
        }
        return {};
    }

    /** A fresh pane on the same manager and settings (the old one saves its state when destroyed). */
    void recreatePane()
    {
        m_tester.reset();
        m_pane.reset();
        m_pane = std::make_unique<ExplorerPane>(m_manager.get());
        m_pane->model()->setRefreshInterval(0);
        m_tester = std::make_unique<QAbstractItemModelTester>(m_pane->proxy(),
                                                              QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_pane->resize(520, 720);
        m_pane->show();
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("BusyardTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_explorer"));
        app::useSettingsDirectory(m_settingsDir.path());
        resources::initialize();
        qRegisterMetaType<client::NamespaceConnection *>();
        QVERIFY(m_emulator.start());
    }

    void init()
    {
        QSettings().clear();
        m_keys = std::make_unique<KeyStore>(KeyStore::Backend::None);
        m_manager = std::make_unique<ConnectionManager>(m_keys.get());
        m_pane = std::make_unique<ExplorerPane>(m_manager.get());
        m_pane->model()->setRefreshInterval(0);
        m_tester = std::make_unique<QAbstractItemModelTester>(m_pane->proxy(),
                                                              QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_pane->resize(520, 720);
        m_pane->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_pane.get()));
        m_manager->setEmbeddedEmulator(m_emulator.connectionString(), m_emulator.managementUrl());
        QTRY_VERIFY_WITH_TIMEOUT(entity(QStringLiteral("events/Subscriptions/all")).isValid(), 20000);
        QTRY_VERIFY(!m_pane->model()->isRefreshing(ConnectionManager::EmbeddedId));
    }

    void cleanup()
    {
        for (QWidget *w : QApplication::topLevelWidgets()) {
            if (qobject_cast<QDialog *>(w))
                w->close();
        }
        m_tester.reset();
        m_pane.reset();
        m_manager.reset();
        m_keys.reset();
    }

    void cleanupTestCase() { m_emulator.stop(); }

    // ---- tree ------------------------------------------------------------------------------------

    void f5RefreshesTheCounts()
    {
        QVERIFY(m_pane->selectEntity(ConnectionManager::EmbeddedId, QStringLiteral("orders")));
        const qint64 before = m_pane->model()->item(entity(QStringLiteral("orders"))).counts.active;
        std::vector<core::Message> messages(2);
        messages[0].body = "a";
        messages[1].body = "b";
        QVERIFY(await<void>([&](auto cb) { embedded()->sendBatch("orders", messages, this, std::move(cb)); }).ok());
        m_pane->tree()->setFocus();
        QTest::keyClick(m_pane->tree(), Qt::Key_F5);
        QTRY_COMPARE_WITH_TIMEOUT(m_pane->model()->item(entity(QStringLiteral("orders"))).counts.active, before + 2, 20000);
        const QModelIndex orders = m_pane->proxy()->mapFromSource(entity(QStringLiteral("orders")));
        QCOMPARE(orders.siblingAtColumn(EntityTreeModel::ActiveColumn).data().toString(), QString::number(before + 2));
        // The properties pane follows the selected row.
        QTRY_COMPARE(m_pane->properties()->value(QStringLiteral("ActiveMessageCount")), QString::number(before + 2));
        QCOMPARE(m_pane->properties()->value(QStringLiteral("LockDuration")), QStringLiteral("1m  (00:01:00)"));
    }

    void ctrlFFiltersTheTree()
    {
        m_pane->tree()->setFocus();
        QTest::keyClick(m_pane->tree(), Qt::Key_F, Qt::ControlModifier);
        QVERIFY(m_pane->filterEdit()->hasFocus());
        QTest::keyClicks(m_pane->filterEdit(), QStringLiteral("high"));
        const auto *proxy = m_pane->proxy();
        const auto find = [&](const QString &path) {
            return proxy->mapFromSource(entity(path)).isValid();
        };
        QVERIFY(find(QStringLiteral("events/Subscriptions/high-priority")));
        QVERIFY(!find(QStringLiteral("orders")));
        QVERIFY(!find(QStringLiteral("events/Subscriptions/all")));
        QCOMPARE(proxy->rowCount(), 1); // the namespace stays
        m_pane->filterEdit()->clear();
        QVERIFY(find(QStringLiteral("orders")));
    }

    void enterOpensTheEntity()
    {
        QSignalSpy open(m_pane.get(), &ExplorerPane::openEntityRequested);
        QVERIFY(m_pane->selectEntity(ConnectionManager::EmbeddedId, QStringLiteral("orders/$DeadLetterQueue")));
        m_pane->tree()->setFocus();
        QTest::keyClick(m_pane->tree(), Qt::Key_Return);
        QCOMPARE(open.count(), 1);
        QCOMPARE(open.at(0).at(0).value<client::NamespaceConnection *>(), embedded());
        QCOMPARE(open.at(0).at(1).toString(), QStringLiteral("orders/$DeadLetterQueue"));
        QCOMPARE(open.at(0).at(2).toBool(), false);

        m_manager->setReadOnly(ConnectionManager::EmbeddedId, true);
        QTest::keyClick(m_pane->tree(), Qt::Key_Return);
        QCOMPARE(open.count(), 2);
        QCOMPARE(open.at(1).at(2).toBool(), true);
    }

    // ---- create / delete -------------------------------------------------------------------------

    void createQueueDialogValidatesLikeAzure()
    {
        QVERIFY(m_pane->selectNamespace(ConnectionManager::EmbeddedId));
        QVERIFY(m_pane->newQueueAction()->isEnabled());
        m_pane->newQueueAction()->trigger();
        auto *dialog = visible<widgets::QueueDialog>();
        QVERIFY(dialog);
        QPointer<widgets::QueueDialog> guard(dialog);

        QTest::keyClicks(dialog->nameEdit(), QStringLiteral("invoices"));
        dialog->lockDurationEdit()->clear();
        QTest::keyClicks(dialog->lockDurationEdit(), QStringLiteral("6m"));
        clickOk(dialog);
        QLabel *lockError = dialog->fieldError(QStringLiteral("LockDuration"));
        QVERIFY(lockError->isVisible());
        // Azure's own message (core::broker::validate), under the field.
        core::broker::QueueDescription tooLong;
        tooLong.name = "invoices";
        tooLong.lockDuration = 6min;
        const auto expected = core::broker::validate(tooLong);
        QVERIFY(!expected.ok());
        QCOMPARE(lockError->text(), QString::fromStdString(expected.error().message));
        QVERIFY(lockError->text().startsWith(QStringLiteral("LockDuration:")));
        QVERIFY(!dialog->generalError()->isVisible());
        QVERIFY(dialog->isVisible()); // nothing was sent

        // Not a duration at all.
        dialog->lockDurationEdit()->clear();
        QTest::keyClicks(dialog->lockDurationEdit(), QStringLiteral("soon"));
        QVERIFY(!dialog->lockDurationEdit()->isValid());
        clickOk(dialog);
        QVERIFY(lockError->text().contains(QStringLiteral("is not a duration")));

        // A bad name is reported under the name.
        dialog->lockDurationEdit()->clear();
        QTest::keyClicks(dialog->lockDurationEdit(), QStringLiteral("PT45S"));
        dialog->nameEdit()->clear();
        QTest::keyClicks(dialog->nameEdit(), QStringLiteral("bad name!"));
        clickOk(dialog);
        QVERIFY(dialog->fieldError(QStringLiteral("Name"))->isVisible());
        QVERIFY(!lockError->isVisible());

        dialog->nameEdit()->clear();
        QTest::keyClicks(dialog->nameEdit(), QStringLiteral("invoices"));
        clickOk(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(!guard || !guard->isVisible(), 20000);

        // Created on the server, listed and selected in the tree.
        auto created = await<client::QueueInfo>([&](auto cb) { embedded()->getQueue("invoices", this, std::move(cb)); });
        QVERIFY(created.ok());
        QCOMPARE(created->description.lockDuration, core::Duration(45s));
        QTRY_COMPARE_WITH_TIMEOUT(m_pane->currentItem().entityPath, QStringLiteral("invoices"), 20000);
        QCOMPARE(m_pane->properties()->value(QStringLiteral("LockDuration")), QStringLiteral("45s  (00:00:45)"));
    }

    void deleteAsksByNameAndReadOnlyBlocksIt()
    {
        QVERIFY(createQueue("to-delete"));
        m_pane->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(entity(QStringLiteral("to-delete")).isValid(), 20000);
        QVERIFY(m_pane->selectEntity(ConnectionManager::EmbeddedId, QStringLiteral("to-delete")));

        // Read-only: the action is off and a direct call asks nothing and deletes nothing.
        m_pane->readOnlyAction()->trigger();
        QVERIFY(m_manager->isReadOnly(embedded()));
        QVERIFY(!m_pane->deleteAction()->isEnabled());
        QVERIFY(!m_pane->editAction()->isEnabled());
        QVERIFY(!m_pane->newQueueAction()->isEnabled());
        QVERIFY(!m_pane->properties()->editButton()->isEnabled());
        QSignalSpy status(m_pane.get(), &ExplorerPane::statusMessage);
        m_pane->deleteSelected();
        QVERIFY(!m_pane->findChild<QMessageBox *>(QStringLiteral("deleteConfirmation")));
        QCOMPARE(status.count(), 1);
        QVERIFY(status.at(0).at(0).toString().contains(QStringLiteral("read-only")));

        // Writable again: Del asks, naming the queue; Cancel keeps it.
        m_pane->readOnlyAction()->trigger();
        QVERIFY(m_pane->deleteAction()->isEnabled());
        m_pane->tree()->setFocus();
        QTest::keyClick(m_pane->tree(), Qt::Key_Delete);
        QPointer<QMessageBox> box = m_pane->findChild<QMessageBox *>(QStringLiteral("deleteConfirmation"));
        QVERIFY(box);
        QTRY_VERIFY(box->isVisible());
        QVERIFY(box->text().contains(QStringLiteral("“to-delete”")));
        QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
        QTRY_VERIFY(!box); // deleted on close
        QVERIFY(await<client::QueueInfo>([&](auto cb) { embedded()->getQueue("to-delete", this, std::move(cb)); }).ok());

        // The offscreen platform does not hand activation back when the box closes.
        m_pane->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_pane.get()));
        m_pane->tree()->setFocus();
        QTest::keyClick(m_pane->tree(), Qt::Key_Delete);
        box = m_pane->findChild<QMessageBox *>(QStringLiteral("deleteConfirmation"));
        QVERIFY(box);
        QTRY_VERIFY(box->isVisible());
        QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!entity(QStringLiteral("to-delete")).isValid(), 20000);
        auto gone = await<client::QueueInfo>([&](auto cb) { embedded()->getQueue("to-delete", this, std::move(cb)); });
        QVERIFY(!gone.ok());
        QCOMPARE(gone.error().code, core::ErrorCode::EntityNotFound);
    }

    void purgeFromTheTreeAsksWithTheCount()
    {
        QVERIFY(createQueue("to-purge"));
        std::vector<core::Message> messages(30);
        for (auto &m : messages)
            m.body = "x";
        QVERIFY(await<void>([&](auto cb) { embedded()->sendBatch("to-purge", messages, this, std::move(cb)); }).ok());
        m_pane->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(entity(QStringLiteral("to-purge")).isValid()
                                     && m_pane->model()->item(entity(QStringLiteral("to-purge"))).counts.active == 30,
                                 20000);
        QVERIFY(m_pane->selectEntity(ConnectionManager::EmbeddedId, QStringLiteral("to-purge")));
        QVERIFY(m_pane->purgeAction()->isVisible() && m_pane->purgeAction()->isEnabled());
        QVERIFY(!m_pane->replayAction()->isVisible()); // a queue, not its dead-letter queue
        QVERIFY(!m_pane->routingPreviewAction()->isVisible());

        // Read-only blocks it.
        m_pane->readOnlyAction()->trigger();
        QVERIFY(!m_pane->purgeAction()->isEnabled());
        m_pane->readOnlyAction()->trigger();

        m_pane->purgeAction()->trigger();
        QPointer<QMessageBox> box;
        QTRY_VERIFY_WITH_TIMEOUT((box = m_pane->findChild<QMessageBox *>(QStringLiteral("confirmPurge"))) && box->isVisible(),
                                 20000);
        QVERIFY2(box->text().contains(QLatin1String("'to-purge'")) && box->text().contains(QLatin1String("30 messages")),
                 qPrintable(box->text()));
        QSignalSpy status(m_pane.get(), &ExplorerPane::statusMessage);
        QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(status.count() > 0, 30000);
        QCOMPARE(status.last().at(0).toString(), QStringLiteral("30 messages purged"));
        QTRY_COMPARE_WITH_TIMEOUT(m_pane->model()->item(entity(QStringLiteral("to-purge"))).counts.active, 0, 20000);
    }

    void viewActionsFollowTheSelectedRow()
    {
        QSignalSpy views(m_pane.get(), &ExplorerPane::viewRequested);
        QVERIFY(m_pane->selectEntity(ConnectionManager::EmbeddedId, QStringLiteral("events/Subscriptions/all")));
        QVERIFY(m_pane->rulesAction()->isEnabled());
        QVERIFY(m_pane->routingPreviewAction()->isEnabled());
        QVERIFY(m_pane->topologyAction()->isEnabled());
        QVERIFY(!m_pane->replayAction()->isVisible());
        m_pane->rulesAction()->trigger();
        QCOMPARE(views.count(), 1);
        QCOMPARE(views.last().at(1).value<widgets::EntityView>(), widgets::EntityView::Rules);
        QCOMPARE(views.last().at(2).toString(), QStringLiteral("events/Subscriptions/all"));
        m_pane->routingPreviewAction()->trigger();
        QCOMPARE(views.last().at(1).value<widgets::EntityView>(), widgets::EntityView::RoutingPreview);
        QCOMPARE(views.last().at(2).toString(), QStringLiteral("events"));

        QVERIFY(m_pane->selectEntity(ConnectionManager::EmbeddedId, QStringLiteral("orders/$DeadLetterQueue")));
        QVERIFY(m_pane->replayAction()->isVisible() && m_pane->replayAction()->isEnabled());
        QVERIFY(m_pane->purgeAction()->isEnabled());
        QVERIFY(!m_pane->rulesAction()->isVisible());
        m_pane->replayAction()->trigger();
        QCOMPARE(views.last().at(1).value<widgets::EntityView>(), widgets::EntityView::Replay);
        QCOMPARE(views.last().at(2).toString(), QStringLiteral("orders/$DeadLetterQueue"));
    }

    void ruleDialogShowsTheSqlErrorPosition()
    {
        widgets::RuleDialog dialog(embedded(), QStringLiteral("events"), QStringLiteral("all"), std::nullopt);
        dialog.show();
        QTest::keyClicks(dialog.nameEdit(), QStringLiteral("bad"));
        QTest::keyClicks(dialog.sqlFilterEdit()->editor(), QStringLiteral("priority = = 'x'"));
        // The editor checks ~150 ms after the last key; errorText() runs a pending check at once.
        QLabel *error = dialog.sqlFilterEdit()->messageLabel();
        QVERIFY2(dialog.sqlFilterEdit()->errorText().startsWith(QStringLiteral("Line 1, column 12:")),
                 qPrintable(dialog.sqlFilterEdit()->errorText()));
        QVERIFY(error->isVisible());
        QCOMPARE(error->text(), dialog.sqlFilterEdit()->errorText());
        QCOMPARE(dialog.sqlFilterEdit()->diagnostic()->offset, 11); // the squiggle starts at the second '='
        QVERIFY(!dialog.buttonBox()->button(QDialogButtonBox::Ok)->isEnabled());
        clickOk(&dialog);
        QVERIFY(dialog.isVisible()); // refused before sending

        dialog.sqlFilterEdit()->setText(QString());
        QVERIFY(dialog.sqlFilterEdit()->errorText().isEmpty());
        QTest::keyClicks(dialog.sqlFilterEdit()->editor(), QStringLiteral("priority = 'low'"));
        QTest::mouseClick(dialog.actionCheck(), Qt::LeftButton);
        QTest::keyClicks(dialog.actionEdit()->editor(), QStringLiteral("SET sys.Label ="));
        QVERIFY(!dialog.actionEdit()->errorText().isEmpty());
        QVERIFY(!dialog.buttonBox()->button(QDialogButtonBox::Ok)->isEnabled());
        dialog.actionEdit()->setText(QString());
        QTest::keyClicks(dialog.actionEdit()->editor(), QStringLiteral("SET sys.Label = 'low'"));
        QVERIFY(dialog.actionEdit()->errorText().isEmpty());
        QVERIFY(dialog.buttonBox()->button(QDialogButtonBox::Ok)->isEnabled());
        QSignalSpy saved(&dialog, &widgets::EntityDialog::saved);
        clickOk(&dialog);
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
        auto rule = await<core::broker::RuleDescription>(
            [&](auto cb) { embedded()->getRule("events", "all", "bad", this, std::move(cb)); });
        QVERIFY(rule.ok());
        QCOMPARE(std::get<core::broker::SqlFilter>(rule->filter).expression, std::string("priority = 'low'"));
        QVERIFY(rule->action.has_value());
    }

    void emptyCorrelationFilterIsRefused()
    {
        widgets::RuleDialog dialog(embedded(), QStringLiteral("events"), QStringLiteral("all"), std::nullopt);
        dialog.show();
        QTest::keyClicks(dialog.nameEdit(), QStringLiteral("corr"));
        dialog.filterTypeCombo()->setCurrentIndex(widgets::RuleDialog::CorrelationFilterType);
        clickOk(&dialog);
        QVERIFY(dialog.fieldError(QStringLiteral("SqlFilter"))->text().startsWith(QStringLiteral("CorrelationFilter:")));
    }

    // ---- connection dialog -----------------------------------------------------------------------

    void connectionDialogReportsMalformedStringsPrecisely()
    {
        widgets::ConnectionDialog dialog(m_manager.get());
        dialog.show();
        QTest::keyClicks(dialog.connectionStringEdit(), QStringLiteral("Endpoint=sb://contoso/;SharedAccessKeyName=k"));
        QVERIFY(dialog.statusLabel()->text().contains(QStringLiteral("SharedAccessKey")));
        QVERIFY(!dialog.connectButton()->isEnabled());
        QVERIFY(!dialog.testButton()->isEnabled());
        dialog.connectionStringEdit()->clear();
        QTest::keyClicks(dialog.connectionStringEdit(), QStringLiteral("Endpoint=ftp://x;SharedAccessKeyName=k;SharedAccessKey=v"));
        QVERIFY(dialog.statusLabel()->text().contains(QStringLiteral("Endpoint")));

        QTest::mouseClick(dialog.partsMode(), Qt::LeftButton);
        QTest::keyClicks(dialog.hostEdit(), QStringLiteral("contoso.servicebus.windows.net"));
        QTest::keyClicks(dialog.keyEdit(), QStringLiteral("c2VjcmV0"));
        QVERIFY(dialog.connectButton()->isEnabled());
        QVERIFY(dialog.statusLabel()->text().contains(QStringLiteral("contoso.servicebus.windows.net")));
        // The key never shows in the dialog's texts.
        QVERIFY(!dialog.statusLabel()->text().contains(QStringLiteral("c2VjcmV0")));
    }

    void connectionDialogTestListsQueues()
    {
        widgets::ConnectionDialog dialog(m_manager.get());
        dialog.show();
        QTest::keyClicks(dialog.connectionStringEdit(), m_emulator.connectionString());
        QTest::keyClicks(dialog.managementUrlEdit(), m_emulator.managementUrl().toString());
        QTest::mouseClick(dialog.testButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.statusLabel()->text().startsWith(QStringLiteral("Connected")), 20000);
        QVERIFY(dialog.statusLabel()->text().contains(QStringLiteral("orders")));

        // A wrong key: the precise error from the server.
        dialog.connectionStringEdit()->clear();
        QTest::keyClicks(dialog.connectionStringEdit(),
                         QString(m_emulator.connectionString()).replace(QStringLiteral("SAS_KEY_VALUE"), QStringLiteral("wrong")));
        QTest::mouseClick(dialog.testButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.statusLabel()->text().startsWith(QStringLiteral("Test failed")), 20000);
    }

    void keychainUnavailableOffersSessionOnly()
    {
        QCOMPARE(m_manager->userConnectionCount(), 0);
        widgets::ConnectionDialog dialog(m_manager.get());
        dialog.show();
        QTest::keyClicks(dialog.connectionStringEdit(), m_emulator.connectionString());
        QTest::keyClicks(dialog.managementUrlEdit(), m_emulator.managementUrl().toString());
        QTest::keyClicks(dialog.nameEdit(), QStringLiteral("Local emulator"));
        QTest::mouseClick(dialog.readOnlyCheck(), Qt::LeftButton);
        QTest::mouseClick(dialog.connectButton(), Qt::LeftButton);
        QTRY_VERIFY(dialog.keychainLabel()->isVisible());
        QVERIFY(dialog.keychainLabel()->text().contains(QStringLiteral("keychain is not available")));
        QVERIFY(dialog.sessionOnlyButton()->isVisible());
        QVERIFY(dialog.isVisible());
        QCOMPARE(m_manager->userConnectionCount(), 0);

        QTest::mouseClick(dialog.sessionOnlyButton(), Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(m_manager->userConnectionCount(), 1);
        const QString id = dialog.connectionId();
        QVERIFY(m_keys->hasSessionKey(id));
        QVERIFY(m_manager->isReadOnly(id));
        QCOMPARE(m_manager->entry(id)->profile.name, QStringLiteral("Local emulator"));
        QTRY_VERIFY_WITH_TIMEOUT(m_pane->model()->findEntity(id, QStringLiteral("orders")).isValid(), 20000);
        QSettings settings;
        for (const QString &key : settings.allKeys())
            QVERIFY2(!settings.value(key).toString().contains(QStringLiteral("SAS_KEY_VALUE")), qPrintable(key));
    }

    void webSocketsOptionIsKeptInTheProfile()
    {
        widgets::ConnectionDialog dialog(m_manager.get());
        dialog.show();
        QTest::keyClicks(dialog.connectionStringEdit(), m_emulator.connectionString());
        QVERIFY(!dialog.webSocketsCheck()->isChecked());
        QTest::mouseClick(dialog.webSocketsCheck(), Qt::LeftButton);
        QVERIFY(dialog.webSocketsCheck()->isChecked());
        QTest::mouseClick(dialog.connectButton(), Qt::LeftButton);
        QTRY_VERIFY(dialog.sessionOnlyButton()->isVisible());
        QTest::mouseClick(dialog.sessionOnlyButton(), Qt::LeftButton);
        const QString id = dialog.connectionId();
        const models::ConnectionProfile &profile = m_manager->entry(id)->profile;
        QVERIFY(profile.webSockets);
        QCOMPARE(profile.clientOptions().transport, client::Transport::AmqpWebSockets);
        // Saved with the profile (the key is not).
        QSettings settings;
        bool found = false;
        for (const QString &key : settings.allKeys())
            found = found || (key.endsWith(QStringLiteral("webSockets")) && settings.value(key).toBool());
        QVERIFY(found);
        // Without the option the plain AMQP transport is used.
        models::ConnectionProfile plain = profile;
        plain.webSockets = false;
        QCOMPARE(plain.clientOptions().transport, client::Transport::Amqp);
    }

    // ---- edit connection -------------------------------------------------------------------------

    void editConnectionPrefillsTheFieldsAndShowsSave()
    {
        // The embedded emulator's entry is not editable.
        QVERIFY(m_pane->selectNamespace(ConnectionManager::EmbeddedId));
        QVERIFY(!m_pane->editAction()->isEnabled());
        m_pane->editSelected();
        QVERIFY(!visible<widgets::ConnectionDialog>());

        const QString id = addUserConnection(QStringLiteral("Local copy"));
        QVERIFY(!id.isEmpty());
        QVERIFY(m_pane->selectNamespace(id));
        QVERIFY(m_pane->editAction()->isEnabled());
        QCOMPARE(m_pane->editAction()->text(), QStringLiteral("&Edit Connection…"));
        m_pane->editAction()->trigger();
        auto *dialog = visible<widgets::ConnectionDialog>();
        QVERIFY(dialog);
        QVERIFY(dialog->isEditing());
        QCOMPARE(dialog->windowModality(), Qt::WindowModal);
        QCOMPARE(dialog->windowTitle(), QStringLiteral("Edit Connection"));
        QCOMPARE(dialog->connectButton()->text(), QStringLiteral("&Save"));
        QVERIFY(dialog->partsMode()->isChecked());
        QCOMPARE(dialog->hostEdit()->text(), QStringLiteral("localhost:%1").arg(m_emulator.port()));
        QCOMPARE(dialog->keyNameEdit()->text(), QStringLiteral("RootManageSharedAccessKey"));
        QVERIFY(dialog->keyEdit()->text().isEmpty());
        QCOMPARE(dialog->keyEdit()->placeholderText(), QStringLiteral("unchanged — type a new key to replace it"));
        QCOMPARE(dialog->nameEdit()->text(), QStringLiteral("Local copy"));
        QCOMPARE(dialog->managementUrlEdit()->text(), m_emulator.managementUrl().toString());
        QVERIFY(!dialog->readOnlyCheck()->isChecked());
        QVERIFY(!dialog->webSocketsCheck()->isChecked());
        QVERIFY(dialog->connectButton()->isEnabled());
        QCOMPARE(dialog->connectionId(), id);

        // Test works with the stored key when none is typed.
        QTest::mouseClick(dialog->testButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->statusLabel()->text().startsWith(QStringLiteral("Connected")), 20000);
        QVERIFY(dialog->statusLabel()->text().contains(QStringLiteral("orders")));
        dialog->reject();
    }

    void editNameAndReadOnlyWithoutAKey()
    {
        const QString id = addUserConnection(QStringLiteral("Before"));
        QVERIFY(!id.isEmpty());
        QPointer<widgets::ConnectionDialog> dialog = openEditDialog(id);
        QVERIFY(dialog);
        QSignalSpy updated(dialog.data(), &widgets::ConnectionDialog::connectionUpdated);
        dialog->nameEdit()->clear();
        QTest::keyClicks(dialog->nameEdit(), QStringLiteral("After"));
        QTest::mouseClick(dialog->readOnlyCheck(), Qt::LeftButton);
        QTest::mouseClick(dialog->connectButton(), Qt::LeftButton);
        QTRY_VERIFY(!dialog); // accepted and deleted on close
        QCOMPARE(updated.count(), 1);
        QCOMPARE(updated.at(0).at(0).toString(), id);

        QCOMPARE(m_manager->userConnectionCount(), 1);
        const ConnectionManager::Entry *entry = m_manager->entry(id);
        QVERIFY(entry);
        QCOMPARE(entry->profile.name, QStringLiteral("After"));
        QVERIFY(entry->profile.readOnly);
        QCOMPARE(entry->state, ConnectionManager::State::Open);
        // Still connected (reconnected with the stored key): the queues list through it.
        auto queues = await<std::vector<client::QueueInfo>>(
            [&](auto cb) { m_manager->connection(id)->listQueues(this, std::move(cb)); });
        QVERIFY2(queues.ok(), queues.ok() ? "" : queues.error().message.c_str());
        QVERIFY(std::any_of(queues->begin(), queues->end(), [](const auto &q) { return q.description.name == "orders"; }));
        // The tree shows the new name and the read-only state; entity edits stay blocked, the connection's is not.
        const QModelIndex ns = m_pane->model()->namespaceIndex(id);
        QTRY_COMPARE(ns.data().toString(), QStringLiteral("After"));
        QTRY_VERIFY_WITH_TIMEOUT(m_pane->model()->findEntity(id, QStringLiteral("orders")).isValid(), 20000);
        QVERIFY(m_pane->selectEntity(id, QStringLiteral("orders")));
        QVERIFY(!m_pane->editAction()->isEnabled());
        QVERIFY(m_pane->selectNamespace(id));
        QVERIFY(m_pane->editAction()->isEnabled());
        QVERIFY(m_pane->readOnlyAction()->isChecked());
        // Saved without the key.
        QSettings settings;
        bool saved = false;
        for (const QString &key : settings.allKeys()) {
            QVERIFY2(!settings.value(key).toString().contains(QStringLiteral("SAS_KEY_VALUE")), qPrintable(key));
            saved = saved || settings.value(key).toString() == QStringLiteral("After");
        }
        QVERIFY(saved);

        // Editing is how read-only is switched off again.
        dialog = openEditDialog(id);
        QVERIFY(dialog);
        QVERIFY(dialog->readOnlyCheck()->isChecked());
        QCOMPARE(dialog->nameEdit()->text(), QStringLiteral("After"));
        QTest::mouseClick(dialog->readOnlyCheck(), Qt::LeftButton);
        QTest::mouseClick(dialog->connectButton(), Qt::LeftButton);
        QTRY_VERIFY(!dialog);
        QVERIFY(!m_manager->isReadOnly(id));
        QVERIFY(m_pane->selectNamespace(id));
        QVERIFY(!m_pane->readOnlyAction()->isChecked());
    }

    void editToAWrongKeyFailsThenTheRightKeyWorks()
    {
        const QString id = addUserConnection(QStringLiteral("Keyed"));
        QVERIFY(!id.isEmpty());
        const QModelIndex ns = m_pane->model()->namespaceIndex(id);
        QVERIFY(ns.data(EntityTreeModel::StatusRole).toString().isEmpty());

        const auto saveKey = [&](const QString &key) {
            QPointer<widgets::ConnectionDialog> dialog = openEditDialog(id);
            QVERIFY(dialog);
            QTest::keyClicks(dialog->keyEdit(), key);
            QVERIFY(dialog->connectButton()->isEnabled());
            QTest::mouseClick(dialog->connectButton(), Qt::LeftButton);
            // No keychain here: the same session-only choice as for new connections.
            QTRY_VERIFY(dialog->sessionOnlyButton()->isVisible());
            QVERIFY(dialog->keychainLabel()->text().contains(QStringLiteral("keychain is not available")));
            QVERIFY(dialog->isVisible());
            QTest::mouseClick(dialog->sessionOnlyButton(), Qt::LeftButton);
            QTRY_VERIFY(!dialog);
            QVERIFY(m_keys->hasSessionKey(id));
        };

        saveKey(QStringLiteral("wrong"));
        QCOMPARE(m_manager->userConnectionCount(), 1);
        QCOMPARE(m_manager->entry(id)->profile.name, QStringLiteral("Keyed"));
        // The manager reconnected with the wrong key: the refresh fails and the tree says why.
        QTRY_VERIFY_WITH_TIMEOUT(!ns.data(EntityTreeModel::StatusRole).toString().isEmpty(), 20000);
        const QString error = ns.data(EntityTreeModel::StatusRole).toString();
        QVERIFY2(error.contains(QStringLiteral("nauthori"), Qt::CaseInsensitive)
                     || error.contains(QStringLiteral("signature"), Qt::CaseInsensitive)
                     || error.contains(QStringLiteral("token"), Qt::CaseInsensitive),
                 qPrintable(error));
        QVERIFY(ns.data().toString().endsWith(QStringLiteral(" — error")));
        auto refused = await<std::vector<client::QueueInfo>>(
            [&](auto cb) { m_manager->connection(id)->listQueues(this, std::move(cb)); });
        QVERIFY(!refused.ok());

        saveKey(QStringLiteral("SAS_KEY_VALUE"));
        m_pane->model()->refresh(id, true);
        QTRY_VERIFY_WITH_TIMEOUT(ns.data(EntityTreeModel::StatusRole).toString().isEmpty(), 20000);
        QCOMPARE(ns.data().toString(), QStringLiteral("Keyed"));
        auto queues = await<std::vector<client::QueueInfo>>(
            [&](auto cb) { m_manager->connection(id)->listQueues(this, std::move(cb)); });
        QVERIFY2(queues.ok(), queues.ok() ? "" : queues.error().message.c_str());
    }

    void editingTheHostOrKeyNameNeedsAReadableKey()
    {
        const QString id = addUserConnection(QStringLiteral("No key"), false); // the key is stored nowhere
        QVERIFY(!id.isEmpty());
        QPointer<widgets::ConnectionDialog> dialog = openEditDialog(id);
        QVERIFY(dialog);
        dialog->keyNameEdit()->clear();
        QTest::keyClicks(dialog->keyNameEdit(), QStringLiteral("OtherKey"));
        QTest::mouseClick(dialog->connectButton(), Qt::LeftButton);
        QTRY_COMPARE(dialog->statusLabel()->text(), QStringLiteral("Enter the key for the new host or key name."));
        QVERIFY(dialog->isVisible());
        QCOMPARE(m_manager->entry(id)->profile.keyName, QStringLiteral("RootManageSharedAccessKey"));
        // Test cannot use a key it cannot read either.
        QTest::mouseClick(dialog->testButton(), Qt::LeftButton);
        QTRY_VERIFY(dialog->statusLabel()->text().startsWith(QStringLiteral("Test failed: the saved key is not available")));

        // Back to the same credentials: the other changes are saved (no reconnect without a key).
        dialog->keyNameEdit()->clear();
        QTest::keyClicks(dialog->keyNameEdit(), QStringLiteral("RootManageSharedAccessKey"));
        dialog->nameEdit()->clear();
        QTest::keyClicks(dialog->nameEdit(), QStringLiteral("Renamed"));
        QTest::mouseClick(dialog->connectButton(), Qt::LeftButton);
        QTRY_VERIFY(!dialog);
        QCOMPARE(m_manager->entry(id)->profile.name, QStringLiteral("Renamed"));
        QTRY_COMPARE(m_pane->model()->namespaceIndex(id).data().toString(), QStringLiteral("Renamed"));
        QVERIFY(m_manager->connection(id)); // the open connection is kept
    }

    void sasTokenProfilesAreEditedAsAConnectionString()
    {
        const QString text = QStringLiteral("Endpoint=sb://localhost:%1;SharedAccessSignature=SharedAccessSignature "
                                            "sr=sb%3A%2F%2Flocalhost%2F&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D&"
                                            "se=4102444800&skn=Listen;"
                                            "UseDevelopmentEmulator=true")
                                 .arg(m_emulator.port());
        auto parsed = models::ConnectionProfile::fromConnectionString(text);
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        auto [profile, secret] = *parsed;
        QVERIFY(profile.usesSignature);
        m_keys->setSessionKey(profile.id, secret);
        auto added = m_manager->addConnection(profile, secret);
        QVERIFY(added.ok());
        const QString id = *added;
        QTRY_VERIFY(m_pane->model()->namespaceIndex(id).isValid());
        QPointer<widgets::ConnectionDialog> dialog = openEditDialog(id);
        QVERIFY(dialog);
        QVERIFY(dialog->connectionStringMode()->isChecked());
        QVERIFY(dialog->connectionStringEdit()->isVisible());
        QVERIFY(dialog->connectionStringEdit()->text().isEmpty());
        QVERIFY(dialog->connectionStringEdit()->placeholderText().startsWith(QStringLiteral("unchanged — ")));
        QVERIFY(dialog->connectButton()->isEnabled());
        // The parts page cannot reuse a stored token as a key.
        QTest::mouseClick(dialog->partsMode(), Qt::LeftButton);
        QVERIFY(!dialog->connectButton()->isEnabled());
        QTest::mouseClick(dialog->connectionStringMode(), Qt::LeftButton);
        QVERIFY(dialog->connectButton()->isEnabled());
        QTest::keyClicks(dialog->nameEdit(), QStringLiteral(" (token)"));
        QTest::mouseClick(dialog->connectButton(), Qt::LeftButton);
        QTRY_VERIFY(!dialog);
        const models::ConnectionProfile &edited = m_manager->entry(id)->profile;
        QCOMPARE(edited.name, QStringLiteral("localhost:%1 (token)").arg(m_emulator.port()));
        QVERIFY(edited.usesSignature);
        QCOMPARE(edited.endpoint, profile.endpoint);
        QVERIFY(edited.useDevelopmentEmulator);
        QVERIFY(m_manager->connection(id));
    }

    // ---- expansion -------------------------------------------------------------------------------

    void expansionIsRememberedBetweenSessions()
    {
        const QString ns = ConnectionManager::EmbeddedId;
        const QString events = QStringLiteral("events");
        const QString all = QStringLiteral("events/Subscriptions/all");
        QModelIndex topics = folder(ns, models::EntityKind::TopicsFolder);
        QModelIndex queues = folder(ns, models::EntityKind::QueuesFolder);
        QVERIFY(topics.isValid() && queues.isValid());
        // The defaults: the namespace and its folders open, entities closed.
        QVERIFY(isExpanded(m_pane->model()->namespaceIndex(ns)));
        QVERIFY(isExpanded(topics));
        QVERIFY(isExpanded(queues));
        QVERIFY(!isExpanded(entity(events)));
        QVERIFY(!isExpanded(entity(QStringLiteral("orders"))));

        m_pane->tree()->collapse(m_pane->proxy()->mapFromSource(topics));
        m_pane->tree()->expand(m_pane->proxy()->mapFromSource(entity(events)));
        m_pane->tree()->expand(m_pane->proxy()->mapFromSource(entity(all)));

        recreatePane(); // saves, then restores before any row of the namespace has arrived
        QCOMPARE(m_pane->model()->rowCount(m_pane->model()->namespaceIndex(ns)), 0);
        QTRY_VERIFY_WITH_TIMEOUT(entity(all).isValid(), 20000);
        QTRY_VERIFY(!m_pane->model()->isRefreshing(ns));
        topics = folder(ns, models::EntityKind::TopicsFolder);
        queues = folder(ns, models::EntityKind::QueuesFolder);
        QVERIFY(!isExpanded(topics));  // remembered collapsed wins over the default
        QVERIFY(isExpanded(entity(events)));
        QVERIFY(isExpanded(entity(all)));
        QVERIFY(isExpanded(queues));    // the default
        QVERIFY(isExpanded(m_pane->model()->namespaceIndex(ns)));
        QVERIFY(!isExpanded(entity(QStringLiteral("orders"))));

        // Keyed by connection and path, not by row numbers.
        m_pane->saveState();
        const QStringList stored = QSettings().value(QStringLiteral("explorer/expansion")).toStringList();
        QVERIFY2(stored.contains(QStringLiteral("-embedded|topics|")), qPrintable(stored.join(u' ')));
        QVERIFY2(stored.contains(QStringLiteral("+embedded|topic|events")), qPrintable(stored.join(u' ')));
        QVERIFY(stored.contains(QStringLiteral("+embedded|subscription|events/Subscriptions/all")));

        // Without the remembered state the defaults come back (so the checks above can fail).
        m_tester.reset();
        m_pane.reset();
        QSettings().remove(QStringLiteral("explorer/expansion"));
        recreatePane();
        QTRY_VERIFY_WITH_TIMEOUT(entity(all).isValid(), 20000);
        QTRY_VERIFY(!m_pane->model()->isRefreshing(ns));
        QVERIFY(isExpanded(folder(ns, models::EntityKind::TopicsFolder)));
        QVERIFY(!isExpanded(entity(events)));
    }

    void rememberedExpansionIsBounded()
    {
        QStringList many;
        for (int i = 0; i < 700; ++i)
            many << QStringLiteral("+embedded|queue|q%1").arg(i);
        many << QStringLiteral("-embedded|queues|");
        m_tester.reset();
        m_pane.reset(); // it saves its own state when destroyed
        QSettings().setValue(QStringLiteral("explorer/expansion"), many);
        recreatePane();
        QTRY_VERIFY_WITH_TIMEOUT(entity(QStringLiteral("orders")).isValid(), 20000);
        QTRY_VERIFY(!m_pane->model()->isRefreshing(ConnectionManager::EmbeddedId));
        QVERIFY(!isExpanded(folder(ConnectionManager::EmbeddedId, models::EntityKind::QueuesFolder)));
        m_pane->saveState();
        const QStringList stored = QSettings().value(QStringLiteral("explorer/expansion")).toStringList();
        QCOMPARE(stored.size(), 500);
        QVERIFY(stored.contains(QStringLiteral("-embedded|queues|"))); // the newest are kept
        QVERIFY(!stored.contains(QStringLiteral("+embedded|queue|q0")));
    }

    // ---- durations -------------------------------------------------------------------------------

    void durations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("allowNever");
        QTest::addColumn<std::optional<qint64>>("ms");
        QTest::newRow("seconds") << "30s" << false << std::optional<qint64>(30000);
        QTest::newRow("minutes") << "5m" << false << std::optional<qint64>(300000);
        QTest::newRow("combined") << "1h30m" << false << std::optional<qint64>(5400000);
        QTest::newRow("ms") << "250ms" << false << std::optional<qint64>(250);
        QTest::newRow("days") << "14d" << false << std::optional<qint64>(14LL * 86400000);
        QTest::newRow("iso") << "PT1M" << false << std::optional<qint64>(60000);
        QTest::newRow("iso days") << "P1DT2H" << false << std::optional<qint64>(26LL * 3600000);
        QTest::newRow("timespan") << "00:01:30" << false << std::optional<qint64>(90000);
        QTest::newRow("timespan days") << "1.00:00:00" << false << std::optional<qint64>(86400000);
        QTest::newRow("never allowed") << "never" << true << std::optional<qint64>(core::kMaxDuration.count());
        QTest::newRow("empty allowed") << "" << true << std::optional<qint64>(core::kMaxDuration.count());
        QTest::newRow("never refused") << "never" << false << std::optional<qint64>();
        QTest::newRow("garbage") << "soon" << false << std::optional<qint64>();
        QTest::newRow("bare number") << "30" << false << std::optional<qint64>();
        QTest::newRow("bad minutes") << "00:61:00" << false << std::optional<qint64>();
        QTest::newRow("iso empty") << "PT" << false << std::optional<qint64>();
    }

    void durations()
    {
        QFETCH(QString, text);
        QFETCH(bool, allowNever);
        QFETCH(std::optional<qint64>, ms);
        const auto parsed = DurationEdit::parse(text, allowNever);
        QCOMPARE(parsed.has_value(), ms.has_value());
        if (ms) {
            QCOMPARE(qint64(parsed->count()), *ms);
            // format() reads back to the same value.
            QCOMPARE(DurationEdit::parse(DurationEdit::format(*parsed), true), parsed);
        }
    }

    // ---- main window -----------------------------------------------------------------------------

    void mainWindowShowsTheTreeAndOpensTabs()
    {
        models::LogModel logModel;
        app::MainWindow window(&logModel);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.isNamespaceEmptyStateVisible());
        auto *newConnection = window.findChild<QAction *>(QStringLiteral("newConnectionAction"));
        QVERIFY(newConnection && newConnection->isEnabled());
        newConnection->trigger();
        auto *dialog = visible<widgets::ConnectionDialog>();
        QVERIFY(dialog);
        dialog->reject();

        window.connectionManager()->setEmbeddedEmulator(m_emulator.connectionString(), m_emulator.managementUrl());
        QVERIFY(!window.isNamespaceEmptyStateVisible());
        auto *pane = window.explorer();
        QTRY_VERIFY_WITH_TIMEOUT(pane->model()->findEntity(ConnectionManager::EmbeddedId, QStringLiteral("orders")).isValid(), 20000);
        QVERIFY(pane->selectEntity(ConnectionManager::EmbeddedId, QStringLiteral("orders")));
        pane->tree()->setFocus();
        QTest::keyClick(pane->tree(), Qt::Key_Return);
        QCOMPARE(window.tabs()->count(), 1);
        QCOMPARE(window.tabs()->tabText(0), QStringLiteral("orders"));
        QTest::keyClick(pane->tree(), Qt::Key_Return); // the same entity focuses its tab
        QCOMPARE(window.tabs()->count(), 1);

        if (const QString dir = qEnvironmentVariable("BUSYARD_SCREENSHOT_DIR"); !dir.isEmpty()) {
            window.resize(1280, 800);
            Q_EMIT window.tabs()->tabCloseRequested(0);
            QVERIFY(window.isWelcomeVisible());
            std::vector<core::Message> messages(7);
            for (auto &m : messages)
                m.body = "x";
            auto *connection = window.connectionManager()->connection(ConnectionManager::EmbeddedId);
            QVERIFY(await<void>([&](auto cb) { connection->sendBatch("orders", messages, this, std::move(cb)); }).ok());
            QVERIFY(await<void>([&](auto cb) { connection->sendBatch("events", {messages[0], messages[1]}, this, std::move(cb)); }).ok());
            pane->model()->refresh();
            QTRY_VERIFY_WITH_TIMEOUT(!pane->model()->isRefreshing(ConnectionManager::EmbeddedId), 20000);
            pane->expandAll();
            QVERIFY(pane->selectEntity(ConnectionManager::EmbeddedId, QStringLiteral("orders")));
            window.resizeDocks({window.namespaceDock()}, {520}, Qt::Horizontal);
            window.resizeDocks({window.logDock()}, {110}, Qt::Vertical);
            QTest::qWait(200); // layout settles before the grab (screenshot only)
            QVERIFY(window.grab().save(dir + QStringLiteral("/explorer-tree.png")));

            widgets::QueueDialog queueDialog(connection, std::nullopt, &window);
            queueDialog.show();
            QTest::keyClicks(queueDialog.nameEdit(), QStringLiteral("invoices"));
            queueDialog.lockDurationEdit()->clear();
            QTest::keyClicks(queueDialog.lockDurationEdit(), QStringLiteral("6m"));
            clickOk(&queueDialog);
            queueDialog.adjustSize();
            QVERIFY(queueDialog.grab().save(dir + QStringLiteral("/queue-dialog.png")));
        }
    }
};

QTEST_MAIN(TestExplorer)
#include "tst_explorer.moc"
