// The whole Explorer flow, clicked through the real MainWindow on the offscreen platform against a
// real busyard-emulator process: Connection ▸ New Connection (typed connection string, Test, Connect,
// session-only key when the OS keychain is unavailable), the tree showing the namespace and 'orders',
// Enter opening a MessageBrowser tab, Send… with a typed JSON body and message id, Receive (peek-lock),
// Complete, and F5 in the tree bringing the active count back to 0. Waits only with QTRY_*.
#include "../common/emulatorprocess.h"

#include "mainwindow.h"
#include "sampledata.h"
#include "settings.h"

#include "models/connectionmanager.h"
#include "models/entitytreemodel.h"
#include "models/keystore.h"
#include "models/messagelistmodel.h"
#include "models/logmodel.h"
#include "resources/resources.h"
#include "widgets/connectiondialog.h"
#include "widgets/explorerpane.h"
#include "widgets/messagebrowser.h"
#include "widgets/messagedetail.h"
#include "widgets/messagetable.h"
#include "widgets/replaydialog.h"
#include "widgets/routingpreview.h"
#include "widgets/rulelistview.h"
#include "widgets/senddialog.h"
#include "widgets/sessionsview.h"
#include "widgets/topologyview.h"

#include <Qsci/qsciscintilla.h>

#include <QtCore/QPointer>
#include <QtCore/QSettings>
#include <QtCore/QSortFilterProxyModel>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtGui/QAction>
#include <QtWidgets/QApplication>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QTreeView>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace busyard;
using models::EntityTreeModel;
using models::MessageListModel;
using widgets::ExplorerPane;
using widgets::MessageBrowser;

namespace {

constexpr int kTimeout = 20000;

/** The visible top-level widget of type T, if any (the dialogs are opened with open(), not exec()). */
template<typename T>
T *visibleTopLevel()
{
    for (QWidget *w : QApplication::topLevelWidgets())
        if (auto *t = qobject_cast<T *>(w); t && t->isVisible())
            return t;
    return nullptr;
}

/** The tool button that shows `action` on one of `parent`'s tool bars. */
QWidget *toolButtonFor(QWidget *parent, const char *actionName)
{
    auto *action = parent->findChild<QAction *>(QLatin1String(actionName));
    if (!action)
        return nullptr;
    for (auto *bar : parent->findChildren<QToolBar *>())
        if (QWidget *button = bar->widgetForAction(action))
            return button;
    return nullptr;
}

/** Clicks the centre of `index` (a proxy index of `view`) in the view's viewport. */
void clickRow(QAbstractItemView *view, const QModelIndex &index)
{
    view->scrollTo(index);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(index).center());
}

} // namespace

class TestExplorerFlow : public QObject
{
    Q_OBJECT

private:
    testing::EmulatorProcess m_emulator;
    QTemporaryDir m_settingsDir;

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("BusyardTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_explorerflow"));
        QVERIFY(m_settingsDir.isValid());
        app::useSettingsDirectory(m_settingsDir.path());
        QSettings().clear();
        resources::initialize();
        QVERIFY2(m_emulator.start(), "busyard-emulator did not start");
    }

    void cleanupTestCase() { m_emulator.stop(); }

    void connectBrowseSendReceiveComplete()
    {
        models::LogModel logModel;
        app::MainWindow window(&logModel);
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.isNamespaceEmptyStateVisible());
        ExplorerPane *pane = window.explorer();
        QVERIFY(pane);
        pane->model()->setRefreshInterval(0); // the counts change on F5 only

        // ---- 1. Connection ▸ New Connection -----------------------------------------------------
        auto *newConnection = window.findChild<QAction *>(QStringLiteral("newConnectionAction"));
        QVERIFY(newConnection && newConnection->isEnabled());
        newConnection->trigger();
        QPointer<widgets::ConnectionDialog> dialog = visibleTopLevel<widgets::ConnectionDialog>();
        QVERIFY(dialog);
        QSignalSpy added(dialog.data(), &widgets::ConnectionDialog::connectionAdded);
        QVERIFY(!dialog->connectButton()->isEnabled()); // nothing typed yet
        QTest::keyClicks(dialog->connectionStringEdit(), m_emulator.connectionString());
        QTest::keyClicks(dialog->managementUrlEdit(), m_emulator.managementUrl().toString());
        QTest::keyClicks(dialog->nameEdit(), QStringLiteral("Flow emulator"));
        QVERIFY(dialog->testButton()->isEnabled());
        QTest::mouseClick(dialog->testButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->statusLabel()->text().startsWith(QStringLiteral("Connected")), kTimeout);
        QVERIFY2(dialog->statusLabel()->text().contains(QStringLiteral("orders")), qPrintable(dialog->statusLabel()->text()));
        QVERIFY(dialog->connectButton()->isEnabled());
        QTest::mouseClick(dialog->connectButton(), Qt::LeftButton);
        // Either the OS keychain takes the key (the dialog closes) or it is unavailable and the dialog
        // offers the session-only store.
        QTRY_VERIFY_WITH_TIMEOUT(!dialog || !dialog->isVisible() || dialog->sessionOnlyButton()->isVisible(), 30000);
        if (dialog && dialog->isVisible()) {
            QVERIFY(dialog->keychainLabel()->isVisible());
            QVERIFY(dialog->keychainLabel()->text().contains(QStringLiteral("keychain is not available")));
            QCOMPARE(added.count(), 0);
            QTest::mouseClick(dialog->sessionOnlyButton(), Qt::LeftButton);
            QTRY_VERIFY(!added.isEmpty());
            QVERIFY(window.connectionManager()->keyStore()->hasSessionKey(added.at(0).at(0).toString()));
            qInfo("OS keychain unavailable: the key is kept for this session only");
        }
        QTRY_VERIFY(!dialog || !dialog->isVisible());
        QCOMPARE(added.count(), 1);
        const QString id = added.at(0).at(0).toString();
        QVERIFY(!id.isEmpty());
        QCOMPARE(window.connectionManager()->userConnectionCount(), 1);
        QVERIFY(window.connectionManager()->connection(id));
        QVERIFY(!window.isNamespaceEmptyStateVisible());
        // The key is in the keychain or the session store, never in the settings file.
        QSettings settings;
        for (const QString &key : settings.allKeys())
            QVERIFY2(!settings.value(key).toString().contains(QStringLiteral("SAS_KEY_VALUE")), qPrintable(key));

        // ---- 2. The tree: namespace and 'orders'; Enter opens the browser tab -------------------
        QTreeView *tree = pane->tree();
        auto *proxy = pane->proxy();
        EntityTreeModel *model = pane->model();
        QTRY_VERIFY_WITH_TIMEOUT(model->findEntity(id, QStringLiteral("orders")).isValid(), kTimeout);
        QTRY_VERIFY_WITH_TIMEOUT(!model->isRefreshing(id), kTimeout);
        const auto ordersRow = [&] { return proxy->mapFromSource(model->findEntity(id, QStringLiteral("orders"))); };
        const auto activeCount = [&] {
            return ordersRow().siblingAtColumn(EntityTreeModel::ActiveColumn).data().toString();
        };
        QModelIndex orders = ordersRow();
        QVERIFY(orders.isValid());
        // Its namespace row carries the name typed in the dialog.
        QModelIndex namespaceRow = orders.parent();
        while (namespaceRow.parent().isValid())
            namespaceRow = namespaceRow.parent();
        QVERIFY2(namespaceRow.data().toString().contains(QStringLiteral("Flow emulator")), qPrintable(namespaceRow.data().toString()));
        QCOMPARE(activeCount(), QStringLiteral("0"));
        for (QModelIndex p = orders.parent(); p.isValid(); p = p.parent())
            tree->expand(p);
        QTRY_VERIFY(tree->visualRect(ordersRow()).isValid());
        clickRow(tree, ordersRow());
        QTRY_COMPARE(tree->currentIndex().siblingAtColumn(0), ordersRow().siblingAtColumn(0));
        QCOMPARE(pane->currentItem().entityPath, QStringLiteral("orders"));
        tree->setFocus();
        QCOMPARE(window.tabs()->count(), 0);
        QTest::keyClick(tree, Qt::Key_Return);
        QTRY_COMPARE(window.tabs()->count(), 1);
        QCOMPARE(window.tabs()->tabText(0), QStringLiteral("orders"));
        QVERIFY(!window.isWelcomeVisible());
        auto *browser = qobject_cast<MessageBrowser *>(window.tabs()->currentWidget());
        QVERIFY(browser);
        QCOMPARE(browser->property("entityPath").toString(), QStringLiteral("orders"));
        MessageListModel *messages = browser->model();
        QTRY_VERIFY_WITH_TIMEOUT(!messages->isFetching(), kTimeout);
        QCOMPARE(messages->rowCount(), 0);

        // ---- 3. Send… with a typed JSON body and message id --------------------------------------
        QWidget *sendButton = toolButtonFor(browser, "send");
        QVERIFY(sendButton && sendButton->isEnabled());
        QTest::mouseClick(sendButton, Qt::LeftButton);
        QPointer<widgets::SendDialog> send;
        QTRY_VERIFY((send = browser->findChild<widgets::SendDialog *>()) && send->isVisible());
        const QString body = QStringLiteral("{\"orderId\": 4711, \"total\": 42.5}");
        const QString messageId = QStringLiteral("flow-order-4711");
        send->bodyEditor()->selectAll();
        send->bodyEditor()->removeSelectedText();
        send->bodyEditor()->setFocus();
        QTest::keyClicks(send->bodyEditor(), body);
        QCOMPARE(send->bodyEditor()->text(), body);
        QLineEdit *idEdit = send->field(QStringLiteral("messageId"));
        QVERIFY(idEdit);
        idEdit->clear();
        QTest::keyClicks(idEdit, messageId);
        QVERIFY(send->sendButton()->isEnabled());
        QTest::mouseClick(send->sendButton(), Qt::LeftButton);
        QTRY_VERIFY(!send || !send->isVisible());

        // Refresh (peek from the start) shows exactly that message.
        QWidget *refreshButton = toolButtonFor(browser, "refresh");
        QVERIFY(refreshButton);
        QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), 1, kTimeout);
        QTest::mouseClick(refreshButton, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!messages->isFetching() && messages->rowCount() == 1, kTimeout);
        QCOMPARE(messages->data(messages->index(0, MessageListModel::MessageIdColumn)).toString(), messageId);
        QVERIFY(!messages->data(messages->index(0, 0), MessageListModel::LockedRole).toBool());

        // The tree counts it after F5. (The offscreen platform does not hand activation back to the
        // window when a dialog closes, and shortcuts only fire in the active window.)
        QSignalSpy treeRefreshes(pane->refreshAction(), &QAction::triggered);
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        tree->setFocus();
        QTest::keyClick(tree, Qt::Key_F5);
        QCOMPARE(treeRefreshes.count(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(activeCount(), QStringLiteral("1"), kTimeout);

        // ---- 4. Receive (peek-lock), Complete --------------------------------------------------
        QSignalSpy finished(browser, &MessageBrowser::operationFinished);
        QWidget *receiveButton = toolButtonFor(browser, "receiveLock");
        QVERIFY(receiveButton && receiveButton->isEnabled());
        QTest::mouseClick(receiveButton, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeout);
        QCOMPARE(messages->rowCount(), 1);
        QVERIFY(messages->data(messages->index(0, 0), MessageListModel::LockedRole).toBool());

        QWidget *completeButton = toolButtonFor(browser, "complete");
        QVERIFY(completeButton);
        QVERIFY(!completeButton->isEnabled()); // nothing selected yet
        clickRow(browser->table(), browser->table()->model()->index(0, MessageListModel::MessageIdColumn));
        QTRY_VERIFY(completeButton->isEnabled());
        // The detail shows the typed body (pretty-printed JSON).
        QTRY_VERIFY_WITH_TIMEOUT(browser->detail()->bodyText().contains(QStringLiteral("\"orderId\": 4711")), kTimeout);
        QCOMPARE(browser->table()->selectedSequenceNumbers().size(), std::size_t(1));
        QTest::mouseClick(completeButton, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kTimeout);
        QVERIFY2(finished.at(1).at(0).toString().contains(QStringLiteral("1 message completed")),
                 qPrintable(finished.at(1).at(0).toString()));
        QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), 0, kTimeout);

        // Gone on the server: a fresh peek finds nothing, and F5 in the tree shows 0 active.
        QTest::mouseClick(refreshButton, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!messages->isFetching(), kTimeout);
        QCOMPARE(messages->rowCount(), 0);
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        tree->setFocus();
        QTest::keyClick(tree, Qt::Key_F5);
        QCOMPARE(treeRefreshes.count(), 2);
        QTRY_COMPARE_WITH_TIMEOUT(activeCount(), QStringLiteral("0"), kTimeout);
        QCOMPARE(model->item(model->findEntity(id, QStringLiteral("orders"))).counts.active, 0);
    }

    // The Explorer's view actions through the real MainWindow (ExplorerPane::viewRequested ->
    // MainWindow::openView): keyed tabs for sessions, rules and topology, dialogs for the routing
    // preview and replay, and the read-only switch.
    void viewsOpenAsKeyedTabsAndDialogs()
    {
        models::LogModel logModel;
        app::MainWindow window(&logModel);
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        models::ConnectionManager *connections = window.connectionManager();
        connections->setEmbeddedEmulator(m_emulator.connectionString(), m_emulator.managementUrl());
        const QString id = models::ConnectionManager::EmbeddedId;
        client::NamespaceConnection *connection = connections->connection(id);
        QVERIFY(connection);
        ExplorerPane *pane = window.explorer();
        EntityTreeModel *model = pane->model();
        model->setRefreshInterval(0);
        pane->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(model->findEntity(id, QStringLiteral("orders-sessions")).isValid()
                                     && model->findEntity(id, QStringLiteral("events/Subscriptions/all")).isValid(),
                                 kTimeout);
        QTRY_VERIFY_WITH_TIMEOUT(!model->isRefreshing(id), kTimeout);
        QTabWidget *tabs = window.tabs();
        const int before = tabs->count();

        // ---- Sessions / Rules / Topology: one tab each, from the tree's actions -------------------
        QVERIFY(pane->selectEntity(id, QStringLiteral("orders-sessions")));
        QVERIFY(pane->sessionsAction()->isEnabled());
        pane->sessionsAction()->trigger();
        QTRY_COMPARE(tabs->count(), before + 1);
        QPointer<widgets::SessionsView> sessions = qobject_cast<widgets::SessionsView *>(tabs->currentWidget());
        QVERIFY(sessions);
        QVERIFY(!sessions->isReadOnly());
        QVERIFY2(tabs->tabText(tabs->currentIndex()).contains(QStringLiteral("orders-sessions")),
                 qPrintable(tabs->tabText(tabs->currentIndex())));

        QVERIFY(pane->selectEntity(id, QStringLiteral("events/Subscriptions/all")));
        QVERIFY(pane->rulesAction()->isEnabled());
        pane->rulesAction()->trigger();
        QCOMPARE(tabs->count(), before + 2);
        auto *rules = qobject_cast<widgets::RuleListView *>(tabs->currentWidget());
        QVERIFY(rules);
        QVERIFY(!rules->isReadOnly());

        QVERIFY(pane->selectEntity(id, QStringLiteral("events")));
        QVERIFY(pane->topologyAction()->isEnabled());
        pane->topologyAction()->trigger();
        QCOMPARE(tabs->count(), before + 3);
        auto *topology = qobject_cast<widgets::TopologyView *>(tabs->currentWidget());
        QVERIFY(topology);

        // Again: the open tab is focused, none is added.
        QVERIFY(pane->selectEntity(id, QStringLiteral("orders-sessions")));
        pane->sessionsAction()->trigger();
        QCOMPARE(tabs->count(), before + 3);
        QCOMPARE(tabs->currentWidget(), sessions.data());
        window.openView(connection, widgets::EntityView::Rules, QStringLiteral("events/Subscriptions/all"), false);
        QCOMPARE(tabs->count(), before + 3);
        QCOMPARE(tabs->currentWidget(), rules);
        window.openView(connection, widgets::EntityView::Topology, QStringLiteral("events"), false);
        QCOMPARE(tabs->count(), before + 3);
        QCOMPARE(tabs->currentWidget(), topology);

        // ---- Routing preview: a non-modal dialog on the topic ------------------------------------
        QVERIFY(pane->selectEntity(id, QStringLiteral("events/Subscriptions/all")));
        QVERIFY(pane->routingPreviewAction()->isEnabled());
        pane->routingPreviewAction()->trigger();
        QPointer<widgets::RoutingPreviewDialog> routing = visibleTopLevel<widgets::RoutingPreviewDialog>();
        QVERIFY(routing);
        QCOMPARE(routing->preview()->topic(), QStringLiteral("events"));
        QVERIFY(routing->isComposeMode()); // no messages given
        QTRY_COMPARE_WITH_TIMEOUT(routing->preview()->state(), widgets::RoutingPreviewWidget::State::Ready, kTimeout);
        QCOMPARE(tabs->count(), before + 3);
        routing->close();
        QTRY_VERIFY(!routing); // deleted on close

        // ---- Replay on a dead-letter queue: the replay dialog ------------------------------------
        const QString dlq = QStringLiteral("orders/$DeadLetterQueue");
        QVERIFY(pane->selectEntity(id, dlq));
        QVERIFY(pane->replayAction()->isVisible() && pane->replayAction()->isEnabled());
        pane->replayAction()->trigger();
        QPointer<widgets::ReplayDialog> replay = visibleTopLevel<widgets::ReplayDialog>();
        QVERIFY(replay);
        QCOMPARE(replay->mode(), widgets::ReplayDialog::Mode::Replay);
        QCOMPARE(replay->sourceEntity(), dlq);
        QVERIFY(!replay->job());
        // An open replay dialog follows the read-only switch: Start is blocked while it is on.
        connections->setReadOnly(id, true);
        QVERIFY(replay->isReadOnly());
        QCOMPARE(replay->blockedReason(), QStringLiteral("The connection is read-only"));
        QVERIFY(!replay->startButton()->isEnabled());
        connections->setReadOnly(id, false);
        QVERIFY(!replay->isReadOnly());
        QVERIFY(replay->blockedReason() != QStringLiteral("The connection is read-only"));
        replay->reject(); // page 1: closes
        QTRY_VERIFY(!replay);

        // ---- Read-only: replay refused, the sessions and rules tabs follow the switch -------------
        connections->setReadOnly(id, true);
        QVERIFY(sessions);
        QVERIFY(sessions->isReadOnly());
        QVERIFY(rules->isReadOnly());
        QVERIFY(pane->selectEntity(id, dlq));
        QVERIFY(!pane->replayAction()->isEnabled());
        pane->replayAction()->trigger(); // disabled: nothing
        window.openView(connection, widgets::EntityView::Replay, dlq, true);
        QCOMPARE(window.statusBar()->currentMessage(), QStringLiteral("The connection is read-only"));
        QTest::qWait(50);
        QVERIFY(!visibleTopLevel<widgets::ReplayDialog>());
        QVERIFY(!window.findChild<widgets::ReplayDialog *>());
        connections->setReadOnly(id, false);
        QVERIFY(!sessions->isReadOnly());
        QVERIFY(!rules->isReadOnly());
        QCOMPARE(tabs->count(), before + 3);
    }

    /** With BUSYARD_SCREENSHOT_DIR: the main window on the sample namespace (as ./busyard.sh run fills it)
        with the dead-letter queue of 'orders' open. Last: it changes the namespace. */
    void screenshot()
    {
        const QString dir = qEnvironmentVariable("BUSYARD_SCREENSHOT_DIR");
        if (dir.isEmpty())
            QSKIP("set BUSYARD_SCREENSHOT_DIR to write docs/screenshots");
        models::LogModel logModel;
        app::MainWindow window(&logModel);
        window.resize(1400, 860);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        models::ConnectionManager *connections = window.connectionManager();
        connections->setEmbeddedEmulator(m_emulator.connectionString(), m_emulator.managementUrl());
        const QString id = models::ConnectionManager::EmbeddedId;
        client::NamespaceConnection *connection = connections->connection(id);
        QVERIFY(connection);
        auto *seeder = new app::SampleSeeder(connection);
        QSignalSpy seeded(seeder, &app::SampleSeeder::finished);
        seeder->start();
        QVERIFY(seeded.wait(kTimeout));
        ExplorerPane *pane = window.explorer();
        pane->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(pane->model()->findEntity(id, QStringLiteral("events/Subscriptions/to-audit")).isValid(),
                                 kTimeout);
        QTRY_VERIFY_WITH_TIMEOUT(!pane->model()->isRefreshing(id), kTimeout);
        pane->expandAll();
        window.openEntity(connection, QStringLiteral("orders/$DeadLetterQueue"), false);
        auto *browser = qobject_cast<MessageBrowser *>(window.tabs()->currentWidget());
        QVERIFY(browser);
        QTRY_VERIFY_WITH_TIMEOUT(browser->model()->rowCount() > 0, kTimeout);
        browser->table()->selectRow(0);
        QTest::qWait(500);
        QVERIFY(window.grab().save(dir + QStringLiteral("/explorer-dead-letters.png")));
    }
};

QTEST_MAIN(TestExplorerFlow)
#include "tst_explorerflow.moc"
