#pragma once

#include "theme.h"

#include <QtWidgets/QMainWindow>

#include <functional>

class QAction;
class QActionGroup;
class QDockWidget;
class QLabel;
class QMenu;
class QStackedWidget;
class QTabWidget;

namespace busyard::client {
class NamespaceConnection;
} // namespace busyard::client

namespace busyard::models {
class ConnectionManager;
class KeyStore;
class LogModel;
} // namespace busyard::models

namespace busyard::widgets {
class EmptyState;
class ExplorerPane;
class LogView;
class WelcomePage;
enum class EntityView;
} // namespace busyard::widgets

namespace busyard::app {

/**
 * The main window: menus, the namespace dock (the Explorer's entity tree; an empty state while there is
 * no user connection and the embedded emulator is not running), a
 * document area of closable tabs with a welcome page while none is open, the log dock and the status
 * bar. Geometry, dock layout/visibility and the theme persist in the default QSettings; the
 * constructor restores them, closing saves them.
 */
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    /** `logModel` feeds the log dock; not owned, must outlive the window. */
    explicit MainWindow(models::LogModel *logModel, QWidget *parent = nullptr);
    ~MainWindow() override;

    /** Adds a document tab (the tab widget takes ownership) and makes it current. */
    int openTab(QWidget *page, const QIcon &icon, const QString &title);
    QTabWidget *tabs() const { return m_tabs; }
    /** The welcome page is the visible document page while no tab is open. */
    bool isWelcomeVisible() const;

    QDockWidget *namespaceDock() const { return m_namespaceDock; }
    QDockWidget *logDock() const { return m_logDock; }
    widgets::LogView *logView() const { return m_logView; }
    widgets::EmptyState *namespaceEmptyState() const { return m_namespaceEmptyState; }
    /** The Explorer pane in the namespace dock. */
    widgets::ExplorerPane *explorer() const { return m_explorer; }
    /**
     * The open namespaces. The embedded emulator is plugged in with
     * connectionManager()->setEmbeddedEmulator(connectionString, managementUrl).
     */
    models::ConnectionManager *connectionManager() const { return m_connections; }
    /** True while the namespace dock shows its empty state rather than the tree. */
    bool isNamespaceEmptyStateVisible() const;

    /**
     * Opens (or focuses) the message tab of `entityPath` on `connection`: the Explorer's
     * openEntityRequested() lands here.
     */
    void openEntity(client::NamespaceConnection *connection, const QString &entityPath, bool readOnly);
    /**
     * Opens (or focuses) another view of an entity: sessions, rules and topology as tabs, the routing
     * preview and the replay dialog as non-modal dialogs. The Explorer's viewRequested() lands here.
     */
    void openView(client::NamespaceConnection *connection, widgets::EntityView view, const QString &entityPath,
                  bool readOnly);

    /** Applies a theme to the application, checks it in View ▸ Theme and remembers it. */
    void setTheme(Theme theme);
    Theme theme() const { return m_theme; }

    /** Where the log file is (for Tools ▸ Open Log Folder and the welcome page); empty = none. */
    void setLogFilePath(const QString &path);

    /** Restores geometry, dock layout, theme and the log level filter from QSettings (called by the constructor). */
    void restoreSettings();
    void saveSettings() const;

    /** Help ▸ About Busyard: opens (or raises) the non-modal About dialog and returns it. */
    QDialog *showAboutDialog();

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    void createDocks(models::LogModel *logModel);
    void createCentralArea();
    void createMenus();
    void createStatusBar();
    void updateDocumentPage();
    void onTabCloseRequested(int index);
    void onOpenLogFolder();
    void updateNamespacePage();
    void closeTabsOf(const QString &connectionId);
    /** The index of the tab with `key` on `connectionId`, or -1. */
    int findTab(const QString &connectionId, const QString &key) const;
    /** Adds a tab keyed for findTab(); `setReadOnly` (if set) follows the connection's read-only switch. */
    int openKeyedTab(QWidget *page, const QString &connectionId, const QString &key, const char *iconName,
                     const QString &title, const QString &toolTip, std::function<void(bool)> setReadOnly = {});

    QStackedWidget *m_documentStack = nullptr;
    widgets::WelcomePage *m_welcome = nullptr;
    QTabWidget *m_tabs = nullptr;
    QDockWidget *m_namespaceDock = nullptr;
    widgets::EmptyState *m_namespaceEmptyState = nullptr;
    QStackedWidget *m_namespaceStack = nullptr;
    models::KeyStore *m_keys = nullptr;
    models::ConnectionManager *m_connections = nullptr;
    widgets::ExplorerPane *m_explorer = nullptr;
    QDockWidget *m_logDock = nullptr;
    widgets::LogView *m_logView = nullptr;
    QActionGroup *m_themeGroup = nullptr;
    QAction *m_openLogFolderAction = nullptr;
    QLabel *m_connectionStatus = nullptr;
    QDialog *m_aboutDialog = nullptr;
    QString m_logFilePath;
    Theme m_theme = Theme::System;
    bool m_stateRestored = false;
    bool m_firstShowDone = false;
};

} // namespace busyard::app
