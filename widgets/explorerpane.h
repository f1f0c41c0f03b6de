#pragma once

#include "core/client/namespaceconnection.h" // complete type: openEntityRequested() works in queued connections and QSignalSpy
#include "models/entitytreemodel.h"

#include <QtCore/QHash>
#include <QtWidgets/QWidget>

#include <optional>

class QAction;
class QLineEdit;
class QMessageBox;
class QSortFilterProxyModel;
class QSplitter;
class QToolBar;
class QTreeView;

namespace busyard::models {
class ConnectionManager;
} // namespace busyard::models

namespace busyard::widgets {

class PropertiesPanel;

/**
 * The Explorer pane of the namespace dock: a filter box, the entity tree (namespaces > queues /
 * topics > subscriptions > rules with dead-letter sub-queues and live counts) and the properties of
 * the selected row, with the actions on it: new connection (Ctrl+N), refresh (F5), new queue / topic
 * / subscription / rule, edit, delete (Del, confirmed by name), read-only switch, focus filter
 * (Ctrl+F). Destructive actions are disabled on read-only connections.
 *
 * Dialogs open window-modal without blocking (open()). Opening a row (double-click, Enter) emits
 * openEntityRequested(). Edit on a user connection's namespace row opens the ConnectionDialog in
 * edit mode. The splitter sizes ("explorer/splitter") and the rows' expansion ("explorer/expansion")
 * persist in QSettings.
 */
/** The views ExplorerPane can ask for besides the message browser. */
enum class EntityView {
    Replay,         ///< the replay dialog of a dead-letter queue (entityPath = the DLQ path)
    Sessions,       ///< the sessions of a session-enabled queue or subscription
    Rules,          ///< the rules of a subscription (entityPath = "topic/Subscriptions/sub")
    RoutingPreview, ///< the routing preview of a topic
    Topology,       ///< the topology of a topic
};

class ExplorerPane : public QWidget
{
    Q_OBJECT

public:
    /** `manager` is not owned and must outlive the pane. */
    explicit ExplorerPane(models::ConnectionManager *manager, QWidget *parent = nullptr);
    ~ExplorerPane() override;

    models::EntityTreeModel *model() const { return m_model; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    QTreeView *tree() const { return m_tree; }
    QLineEdit *filterEdit() const { return m_filter; }
    PropertiesPanel *properties() const { return m_properties; }

    QAction *newConnectionAction() const { return m_newConnection; }
    QAction *refreshAction() const { return m_refresh; }
    QAction *deleteAction() const { return m_delete; }
    QAction *editAction() const { return m_edit; }
    QAction *newQueueAction() const { return m_newQueue; }
    QAction *newTopicAction() const { return m_newTopic; }
    QAction *newSubscriptionAction() const { return m_newSubscription; }
    QAction *newRuleAction() const { return m_newRule; }
    QAction *readOnlyAction() const { return m_readOnly; }
    QAction *focusFilterAction() const { return m_focusFilter; }
    QAction *purgeAction() const { return m_purge; }
    QAction *replayAction() const { return m_replay; }
    QAction *sessionsAction() const { return m_sessions; }
    QAction *rulesAction() const { return m_rules; }
    QAction *routingPreviewAction() const { return m_routingPreview; }
    QAction *topologyAction() const { return m_topology; }

    /** The selected row (source model item); a default item when none. */
    models::EntityItem currentItem() const;
    /** Selects the row of `entityPath` in `connectionId` (expanding its parents); false if absent. */
    bool selectEntity(const QString &connectionId, const QString &entityPath);
    /** Selects a namespace row. */
    bool selectNamespace(const QString &connectionId);
    /** Expands every row (screenshots). */
    void expandAll();

    /**
     * Saves the splitter sizes and which tree rows are expanded or collapsed (keyed by connection id,
     * row kind and entity path; the newest 500) to QSettings ("explorer/...").
     */
    void saveState() const;
    /**
     * Restores what saveState() wrote. Remembered expansion applies to rows present now and to rows
     * as they arrive with later refreshes; it wins over the default expansion of new rows.
     */
    void restoreState();

public Q_SLOTS:
    void newConnection();
    void refresh();
    /** Asks (window-modal, by name) and deletes the selected entity, or removes the selected connection. */
    void deleteSelected();
    /**
     * Edits the selected entity, or opens the connection dialog in edit mode on a user connection's
     * namespace row (also when that connection is read-only or not connected).
     */
    void editSelected();
    void newQueue();
    void newTopic();
    void newSubscription();
    void newRule();
    /** Confirms and purges the selected queue, subscription or dead-letter row (purgeflow.h). */
    void purgeSelected();

Q_SIGNALS:
    /** A view other than the message browser for the selected row (MainWindow opens it). */
    void viewRequested(client::NamespaceConnection *connection, busyard::widgets::EntityView view,
                       const QString &entityPath, bool readOnly);
    void openEntityRequested(client::NamespaceConnection *connection, const QString &entityPath, bool readOnly);
    /** A short user-visible message (errors, "read-only") for the status bar. */
    void statusMessage(const QString &text);

private:
    void createActions();
    void updateActions();
    void onCurrentChanged();
    void onActivated(const QModelIndex &proxyIndex);
    void onContextMenu(const QPoint &pos);
    void onReadOnlyToggled(bool on);
    void showError(const QString &text);
    /** The ConnectionDialog in edit mode for a user connection (window-modal). */
    void editConnection(const QString &connectionId);
    /** After a create: refresh the namespace and select the new row when it appears. */
    void refreshAndSelect(const QString &connectionId, const QString &entityPath);
    client::NamespaceConnection *currentConnection() const;
    /** The stable key of a source row for the remembered expansion; empty for rows without children. */
    QString expansionKey(const QModelIndex &source) const;
    std::optional<bool> rememberedExpansion(const QModelIndex &source) const;
    void rememberExpansion(const QModelIndex &proxyIndex, bool expanded);
    /** Expands or collapses `source` and its descendants as remembered (rows with children only). */
    void applyRememberedExpansion(const QModelIndex &source);
    bool currentIsReadOnly() const;

    models::ConnectionManager *m_manager;
    models::EntityTreeModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_filter;
    QTreeView *m_tree;
    QSplitter *m_splitter;
    PropertiesPanel *m_properties;
    QToolBar *m_toolBar;
    QString m_pendingSelectConnection;
    QString m_pendingSelectPath;
    struct Expansion
    {
        bool expanded = false;
        quint64 stamp = 0; ///< larger = changed more recently
    };
    /** Remembered expansion by expansionKey(), updated by the view's expanded/collapsed signals. */
    QHash<QString, Expansion> m_expansion;
    quint64 m_expansionStamp = 0;

    QAction *m_newConnection = nullptr;
    QAction *m_refresh = nullptr;
    QAction *m_delete = nullptr;
    QAction *m_edit = nullptr;
    QAction *m_open = nullptr;
    QAction *m_newQueue = nullptr;
    QAction *m_newTopic = nullptr;
    QAction *m_newSubscription = nullptr;
    QAction *m_newRule = nullptr;
    QAction *m_readOnly = nullptr;
    QAction *m_focusFilter = nullptr;
    QAction *m_purge = nullptr;
    QAction *m_replay = nullptr;
    QAction *m_sessions = nullptr;
    QAction *m_rules = nullptr;
    QAction *m_routingPreview = nullptr;
    QAction *m_topology = nullptr;
};

} // namespace busyard::widgets

Q_DECLARE_METATYPE(busyard::widgets::EntityView)
