#include "mainwindow.h"

#include "aboutdialog.h"
#include "version.h"

#include "core/logging.h"
#include "core/client/namespaceconnection.h"
#include "models/connectionmanager.h"
#include "models/keystore.h"
#include "models/qstringformatter.h"
#include "widgets/emptystate.h"
#include "widgets/explorerpane.h"
#include "widgets/logview.h"
#include "widgets/messagebrowser.h"
#include "widgets/replaydialog.h"
#include "widgets/routingpreview.h"
#include "widgets/rulelistview.h"
#include "widgets/sessionsview.h"
#include "widgets/topologyview.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QSettings>
#include <QtCore/QUrl>
#include <QtGui/QAction>
#include <QtGui/QActionGroup>
#include <QtGui/QCloseEvent>
#include <QtGui/QDesktopServices>
#include <QtGui/QScreen>
#include <QtWidgets/QApplication>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QStyle>
#include <QtWidgets/QTabWidget>

#include <algorithm>

namespace busyard::app {

namespace {

// QSettings keys. Bump StateVersion when the dock layout changes incompatibly.
const QString GeometryKey = QStringLiteral("mainWindow/geometry");
const QString StateKey = QStringLiteral("mainWindow/state");
const QString ThemeKey = QStringLiteral("appearance/theme");
const QString LogLevelKey = QStringLiteral("log/minimumLevel");
constexpr int StateVersion = 1;

QIcon icon(const char *name)
{
    return QIcon(QStringLiteral(":/busyard/icons/%1.svg").arg(QLatin1String(name)));
}

} // namespace

MainWindow::MainWindow(models::LogModel *logModel, QWidget *parent)
    : QMainWindow(parent)
{
    Q_ASSERT(logModel);
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Busyard"));
    setDockNestingEnabled(true);
    setDocumentMode(true);

    m_keys = new models::KeyStore(models::KeyStore::Backend::System, this);
    m_connections = new models::ConnectionManager(m_keys, this);

    createCentralArea();
    createDocks(logModel);
    createMenus();
    createStatusBar();
    restoreSettings();
    m_connections->loadProfiles();
    updateNamespacePage();
}

MainWindow::~MainWindow()
{
    // Message tabs use the connections: close them first.
    while (m_tabs->count() > 0) {
        QWidget *page = m_tabs->widget(0);
        m_tabs->removeTab(0);
        delete page;
    }
}

void MainWindow::createCentralArea()
{
    m_welcome = new widgets::WelcomePage(
        icon("busyard"), tr("Welcome to Busyard"), tr("A desktop studio for Azure Service Bus and Event Grid."),
        this);
    m_welcome->setObjectName(QStringLiteral("welcomePage"));
    m_welcome->addHint(icon("connect"), tr("Connect to a namespace"),
                       tr("Connection ▸ New Connection (%1) opens Azure Service Bus or an emulator in the "
                          "Namespaces pane. Double-click a queue or subscription to see its messages.")
                           .arg(QKeySequence(QKeySequence::New).toString(QKeySequence::NativeText)));
    m_welcome->addHint(icon("log"), tr("Watch what happens"),
                       tr("View ▸ Log shows every operation as it runs. Pick a level to cut the noise; "
                          "copy records with %1.")
                           .arg(QKeySequence(QKeySequence::Copy).toString(QKeySequence::NativeText)));
    m_welcome->addHint(icon("theme"), tr("Light or dark"),
                       tr("View ▸ Theme follows your desktop, or keeps Busyard light or dark."));

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("documentTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    m_tabs->setUsesScrollButtons(true);
    m_tabs->setElideMode(Qt::ElideRight);
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, &MainWindow::onTabCloseRequested);

    m_documentStack = new QStackedWidget(this);
    m_documentStack->addWidget(m_welcome);
    m_documentStack->addWidget(m_tabs);
    setCentralWidget(m_documentStack);
    updateDocumentPage();
}

void MainWindow::createDocks(models::LogModel *logModel)
{
    m_namespaceEmptyState = new widgets::EmptyState(
        icon("empty-namespaces"), tr("No namespaces yet"),
        tr("Use Connection ▸ New Connection to connect to Azure Service Bus or an emulator."), this);
    m_namespaceEmptyState->setObjectName(QStringLiteral("namespaceEmptyState"));
    m_namespaceEmptyState->setAutoFillBackground(true);
    m_namespaceEmptyState->setBackgroundRole(QPalette::Base);

    m_explorer = new widgets::ExplorerPane(m_connections, this);
    connect(m_explorer, &widgets::ExplorerPane::openEntityRequested, this, &MainWindow::openEntity);
    connect(m_explorer, &widgets::ExplorerPane::viewRequested, this, &MainWindow::openView);
    connect(m_explorer, &widgets::ExplorerPane::statusMessage, this,
            [this](const QString &text) { statusBar()->showMessage(text, 5000); });
    m_namespaceStack = new QStackedWidget(this);
    m_namespaceStack->setObjectName(QStringLiteral("namespaceStack"));
    m_namespaceStack->addWidget(m_namespaceEmptyState);
    m_namespaceStack->addWidget(m_explorer);
    connect(m_connections, &models::ConnectionManager::connectionAdded, this, &MainWindow::updateNamespacePage);
    connect(m_connections, &models::ConnectionManager::connectionRemoved, this, &MainWindow::updateNamespacePage);
    connect(m_connections, &models::ConnectionManager::connectionChanged, this, &MainWindow::updateNamespacePage);
    connect(m_connections, &models::ConnectionManager::connectionAboutToBeRemoved, this, &MainWindow::closeTabsOf);

    m_namespaceDock = new QDockWidget(tr("Namespaces"), this);
    m_namespaceDock->setObjectName(QStringLiteral("namespaceDock"));
    m_namespaceDock->setWidget(m_namespaceStack);
    m_namespaceDock->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea);
    addDockWidget(Qt::LeftDockWidgetArea, m_namespaceDock);

    m_logView = new widgets::LogView(logModel, this);
    m_logView->setObjectName(QStringLiteral("logView"));
    m_logDock = new QDockWidget(tr("Log"), this);
    m_logDock->setObjectName(QStringLiteral("logDock"));
    m_logDock->setWidget(m_logView);
    addDockWidget(Qt::BottomDockWidgetArea, m_logDock);
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (m_firstShowDone)
        return;
    m_firstShowDone = true;
    // First run: comfortable dock proportions. resizeDocks() only takes effect once the window has
    // its size, hence here rather than in the constructor; a restored state keeps the user's sizes.
    if (!m_stateRestored) {
        resizeDocks({m_namespaceDock}, {fontMetrics().averageCharWidth() * 72}, Qt::Horizontal);
        resizeDocks({m_logDock}, {fontMetrics().height() * 13}, Qt::Vertical);
    }
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->setObjectName(QStringLiteral("fileMenu"));
    QAction *quit = file->addAction(icon("quit"), tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    quit->setMenuRole(QAction::QuitRole);

    QMenu *connection = menuBar()->addMenu(tr("&Connection"));
    connection->setObjectName(QStringLiteral("connectionMenu"));
    connection->setToolTipsVisible(true);
    QAction *newConnection = connection->addAction(icon("connect"), tr("&New Connection…"));
    newConnection->setObjectName(QStringLiteral("newConnectionAction"));
    newConnection->setShortcut(QKeySequence::New);
    newConnection->setToolTip(tr("Connect to Azure Service Bus or an emulator"));
    connect(newConnection, &QAction::triggered, m_explorer, &widgets::ExplorerPane::newConnection);
    // The pane's own copy of the action would make Ctrl+N ambiguous: the menu owns the shortcut.
    m_explorer->newConnectionAction()->setShortcut({});
    connection->addAction(m_explorer->refreshAction());
    connection->addSeparator();
    connection->addActions({m_explorer->newQueueAction(), m_explorer->newTopicAction(),
                            m_explorer->newSubscriptionAction(), m_explorer->newRuleAction()});
    connection->addAction(m_explorer->editAction());
    connection->addAction(m_explorer->deleteAction());
    connection->addSeparator();
    connection->addAction(m_explorer->readOnlyAction());
    connection->addAction(m_explorer->focusFilterAction());

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("viewMenu"));
    QAction *namespacesToggle = m_namespaceDock->toggleViewAction();
    namespacesToggle->setIcon(icon("namespace"));
    namespacesToggle->setText(tr("&Namespaces"));
    namespacesToggle->setShortcut(QKeySequence(Qt::ALT | Qt::Key_1));
    view->addAction(namespacesToggle);
    QAction *logToggle = m_logDock->toggleViewAction();
    logToggle->setIcon(icon("log"));
    logToggle->setText(tr("&Log"));
    logToggle->setShortcut(QKeySequence(Qt::ALT | Qt::Key_2));
    view->addAction(logToggle);
    view->addSeparator();

    QMenu *themeMenu = view->addMenu(icon("theme"), tr("&Theme"));
    themeMenu->setObjectName(QStringLiteral("themeMenu"));
    m_themeGroup = new QActionGroup(this);
    m_themeGroup->setExclusive(true);
    const struct { Theme theme; QString text; } themes[] = {
        {Theme::System, tr("Follow &System")}, {Theme::Light, tr("&Light")}, {Theme::Dark, tr("&Dark")}};
    for (const auto &entry : themes) {
        QAction *action = themeMenu->addAction(entry.text);
        action->setCheckable(true);
        action->setData(static_cast<int>(entry.theme));
        action->setObjectName(QStringLiteral("theme_") + themeKey(entry.theme));
        m_themeGroup->addAction(action);
        const Theme theme = entry.theme;
        connect(action, &QAction::triggered, this, [this, theme] { setTheme(theme); });
        if (entry.theme == Theme::System)
            themeMenu->addSeparator();
    }
    view->addSeparator();
    QAction *fullScreen = view->addAction(tr("&Full Screen"));
    fullScreen->setCheckable(true);
    fullScreen->setShortcut(QKeySequence::FullScreen);
    connect(fullScreen, &QAction::toggled, this, [this](bool on) {
        setWindowState(on ? windowState() | Qt::WindowFullScreen : windowState() & ~Qt::WindowFullScreen);
    });

    QMenu *tools = menuBar()->addMenu(tr("&Tools"));
    tools->setObjectName(QStringLiteral("toolsMenu"));
    tools->setToolTipsVisible(true);
    m_openLogFolderAction = tools->addAction(icon("folder"), tr("Open &Log Folder"), this, &MainWindow::onOpenLogFolder);
    m_openLogFolderAction->setEnabled(false);
    tools->addAction(m_logView->clearAction());

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->setObjectName(QStringLiteral("helpMenu"));
    QAction *about = help->addAction(icon("about"), tr("&About Busyard…"), this, &MainWindow::showAboutDialog);
    about->setMenuRole(QAction::AboutRole);
    QAction *aboutQt = help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
    aboutQt->setMenuRole(QAction::AboutQtRole);
}

void MainWindow::createStatusBar()
{
    m_connectionStatus = new QLabel(tr("Not connected"), this);
    m_connectionStatus->setObjectName(QStringLiteral("connectionStatus"));
    m_connectionStatus->setForegroundRole(QPalette::PlaceholderText);
    m_connectionStatus->setContentsMargins(8, 0, 8, 0);
    statusBar()->addPermanentWidget(m_connectionStatus);
    statusBar()->showMessage(tr("Ready"), 5000);
}

int MainWindow::openTab(QWidget *page, const QIcon &icon, const QString &title)
{
    Q_ASSERT(page);
    const int index = m_tabs->addTab(page, icon, title);
    m_tabs->setCurrentIndex(index);
    updateDocumentPage();
    return index;
}

bool MainWindow::isWelcomeVisible() const
{
    return m_documentStack->currentWidget() == m_welcome;
}

void MainWindow::updateDocumentPage()
{
    m_documentStack->setCurrentWidget(m_tabs->count() > 0 ? static_cast<QWidget *>(m_tabs) : m_welcome);
}

void MainWindow::onTabCloseRequested(int index)
{
    QWidget *page = m_tabs->widget(index);
    m_tabs->removeTab(index);
    if (page)
        page->deleteLater();
    updateDocumentPage();
}

void MainWindow::setTheme(Theme theme)
{
    m_theme = theme;
    applyTheme(theme);
    for (QAction *action : m_themeGroup->actions())
        action->setChecked(action->data().toInt() == static_cast<int>(theme));
    QSettings().setValue(ThemeKey, themeKey(theme));
    core::logger("app")->debug("Theme set to {}", themeKey(theme));
}

void MainWindow::setLogFilePath(const QString &path)
{
    m_logFilePath = path;
    m_openLogFolderAction->setEnabled(!path.isEmpty());
    m_openLogFolderAction->setToolTip(path.isEmpty() ? tr("No log file is being written") : path);
    m_welcome->setFootnote(path.isEmpty() ? tr("Version %1").arg(QStringLiteral(BUSYARD_VERSION))
                                          : tr("Version %1 · Log file: %2")
                                                .arg(QStringLiteral(BUSYARD_VERSION), QDir::toNativeSeparators(path)));
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    const QByteArray geometry = settings.value(GeometryKey).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry)) {
        // First run: a comfortable size, centred on the primary screen, leaving room around it.
        const QRect available = screen() ? screen()->availableGeometry() : QRect(0, 0, 1280, 800);
        const QSize size = QSize(1180, 740).boundedTo(available.size() * 0.9);
        setGeometry(QStyle::alignedRect(Qt::LeftToRight, Qt::AlignCenter, size, available));
    }
    m_stateRestored = restoreState(settings.value(StateKey).toByteArray(), StateVersion);

    m_logView->setMinimumLevel(std::clamp(settings.value(LogLevelKey, 0).toInt(), 0, 5));

    const auto theme = themeFromKey(settings.value(ThemeKey).toString());
    setTheme(theme.value_or(Theme::System));
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(GeometryKey, saveGeometry());
    settings.setValue(StateKey, saveState(StateVersion));
    settings.setValue(ThemeKey, themeKey(m_theme));
    settings.setValue(LogLevelKey, m_logView->minimumLevel());
}

QDialog *MainWindow::showAboutDialog()
{
    if (!m_aboutDialog) {
        m_aboutDialog = new AboutDialog(this);
        m_aboutDialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(m_aboutDialog, &QObject::destroyed, this, [this] { m_aboutDialog = nullptr; });
    }
    m_aboutDialog->show();
    m_aboutDialog->raise();
    m_aboutDialog->activateWindow();
    return m_aboutDialog;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

bool MainWindow::isNamespaceEmptyStateVisible() const
{
    return m_namespaceStack->currentWidget() == m_namespaceEmptyState;
}

void MainWindow::updateNamespacePage()
{
    const auto *embedded = m_connections->entry(models::ConnectionManager::EmbeddedId);
    const bool embeddedRunning = embedded && embedded->state == models::ConnectionManager::State::Open;
    const int users = m_connections->userConnectionCount();
    const bool empty = users == 0 && !embeddedRunning;
    m_namespaceStack->setCurrentWidget(empty ? static_cast<QWidget *>(m_namespaceEmptyState) : m_explorer);
    if (m_connectionStatus) {
        const int open = users + (embeddedRunning ? 1 : 0);
        m_connectionStatus->setText(open == 0 ? tr("Not connected") : tr("%n namespace(s)", nullptr, open));
    }
}

int MainWindow::findTab(const QString &connectionId, const QString &key) const
{
    for (int i = 0; i < m_tabs->count(); ++i) {
        const QWidget *page = m_tabs->widget(i);
        if (page->property("connectionId").toString() == connectionId && page->property("tabKey").toString() == key)
            return i;
    }
    return -1;
}

int MainWindow::openKeyedTab(QWidget *page, const QString &connectionId, const QString &key, const char *iconName,
                             const QString &title, const QString &toolTip, std::function<void(bool)> setReadOnly)
{
    page->setProperty("connectionId", connectionId);
    page->setProperty("tabKey", key);
    // The tab follows the connection's read-only switch for as long as it is open.
    if (setReadOnly) {
        connect(m_connections, &models::ConnectionManager::readOnlyChanged, page,
                [setReadOnly, connectionId](const QString &id, bool nowReadOnly) {
                    if (id == connectionId)
                        setReadOnly(nowReadOnly);
                });
    }
    const auto *entry = m_connections->entry(connectionId);
    const int index = openTab(page, icon(iconName), title);
    m_tabs->setTabToolTip(index, (entry ? entry->profile.name + QStringLiteral(" · ") : QString()) + toolTip);
    return index;
}

void MainWindow::openEntity(client::NamespaceConnection *connection, const QString &entityPath, bool readOnly)
{
    if (!connection)
        return;
    const QString connectionId = m_connections->idOf(connection);
    if (const int existing = findTab(connectionId, entityPath); existing >= 0) {
        m_tabs->setCurrentIndex(existing);
        return;
    }
    auto *browser = new widgets::MessageBrowser(connection, entityPath, readOnly);
    connect(browser, &widgets::MessageBrowser::errorOccurred, this,
            [this](const QString &message) { statusBar()->showMessage(message, 8000); });
    browser->setProperty("entityPath", entityPath);
    const QString title = entityPath.endsWith(QLatin1String("/$DeadLetterQueue"))
                              ? entityPath.section(QLatin1Char('/'), 0, -2) + tr(" (DLQ)")
                              : entityPath;
    const char *iconName = entityPath.contains(QLatin1String("$DeadLetterQueue")) ? "deadletter"
                           : entityPath.contains(QLatin1String("/Subscriptions/")) ? "subscription"
                                                                                   : "queue";
    openKeyedTab(browser, connectionId, entityPath, iconName, title,
                 entityPath + (readOnly ? tr(" (read-only)") : QString()),
                 [browser](bool on) { browser->setReadOnly(on); });
}

void MainWindow::openView(client::NamespaceConnection *connection, widgets::EntityView view, const QString &entityPath,
                          bool readOnly)
{
    if (!connection)
        return;
    const QString connectionId = m_connections->idOf(connection);
    using widgets::EntityView;
    // Dialogs hold the connection's pointer: they close with the connection, as its tabs do.
    const auto closeWithConnection = [this, connectionId](QDialog *dialog) {
        connect(m_connections, &models::ConnectionManager::connectionAboutToBeRemoved, dialog,
                [dialog, connectionId](const QString &id) {
                    if (id == connectionId)
                        dialog->close();
                });
    };
    switch (view) {
    case EntityView::Replay: {
        if (readOnly) {
            statusBar()->showMessage(tr("The connection is read-only"), 8000);
            return;
        }
        auto *dialog = new widgets::ReplayDialog(connection, entityPath, widgets::ReplayDialog::Mode::Replay, {}, -1, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setRoutingPreviewFactory(widgets::RoutingPreviewWidget::factory(connection));
        connect(dialog, &widgets::ReplayDialog::replayFinished, m_explorer, [this] { m_explorer->refresh(); });
        connect(m_connections, &models::ConnectionManager::readOnlyChanged, dialog,
                [dialog, connectionId](const QString &id, bool nowReadOnly) {
                    if (id == connectionId)
                        dialog->setReadOnly(nowReadOnly);
                });
        closeWithConnection(dialog);
        dialog->open();
        return;
    }
    case EntityView::RoutingPreview: {
        auto *dialog = new widgets::RoutingPreviewDialog(connection, entityPath, {}, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        closeWithConnection(dialog);
        dialog->show();
        return;
    }
    case EntityView::Sessions:
    case EntityView::Rules:
    case EntityView::Topology:
        break;
    }
    const QString key = QStringLiteral("%1:%2").arg(int(view)).arg(entityPath);
    if (const int existing = findTab(connectionId, key); existing >= 0) {
        m_tabs->setCurrentIndex(existing);
        return;
    }
    const QString access = readOnly ? tr(" (read-only)") : QString();
    switch (view) {
    case EntityView::Sessions: {
        auto *sessions = new widgets::SessionsView(connection, entityPath, readOnly);
        openKeyedTab(sessions, connectionId, key,
                     entityPath.contains(QLatin1String("/Subscriptions/")) ? "subscription" : "queue",
                     tr("%1 · sessions").arg(entityPath), tr("Sessions of %1").arg(entityPath) + access,
                     [sessions](bool on) { sessions->setReadOnly(on); });
        break;
    }
    case EntityView::Rules: {
        const QString topic = entityPath.section(QLatin1Char('/'), 0, 0);
        const QString subscription = entityPath.section(QLatin1Char('/'), 2, 2);
        auto *rules = new widgets::RuleListView(connection, topic, subscription, readOnly);
        openKeyedTab(rules, connectionId, key, "rule", tr("%1 · rules").arg(subscription),
                     tr("Rules of %1").arg(entityPath) + access, [rules](bool on) { rules->setReadOnly(on); });
        break;
    }
    case EntityView::Topology:
        openKeyedTab(new widgets::TopologyView(connection, entityPath), connectionId, key, "topic",
                     tr("%1 · topology").arg(entityPath), tr("Topology of topic %1").arg(entityPath));
        break;
    case EntityView::Replay:
    case EntityView::RoutingPreview:
        break;
    }
}

void MainWindow::closeTabsOf(const QString &connectionId)
{
    for (int i = m_tabs->count() - 1; i >= 0; --i) {
        QWidget *page = m_tabs->widget(i);
        if (page->property("connectionId").toString() == connectionId) {
            m_tabs->removeTab(i);
            delete page;
        }
    }
    updateDocumentPage();
}

void MainWindow::onOpenLogFolder()
{
    if (m_logFilePath.isEmpty())
        return;
    const QString folder = QFileInfo(m_logFilePath).absolutePath();
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(folder)))
        core::logger("app")->warn("Could not open the log folder {}", folder);
}

} // namespace busyard::app
