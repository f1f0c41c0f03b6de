#pragma once

#include "core/broker/entities.h"

#include <QtWidgets/QWidget>

#include <vector>

class QAction;
class QLabel;
class QStackedWidget;
class QTableWidget;

namespace busyard::client {
class NamespaceConnection;
} // namespace busyard::client

namespace busyard::widgets {

class EmptyState;

/**
 * The rules of one subscription as a table (name, filter kind, filter, action) with Add, Edit,
 * Delete (after a confirmation) and Refresh; double-click edits. Add and Edit open a RuleDialog
 * (window-modal, deleted on close); every change reloads the list and emits rulesChanged().
 * A subscription without rules shows an empty state that says it receives no messages.
 *
 * `connection` is not owned and must outlive the view. `readOnly` hides Add/Edit/Delete.
 * Thread: GUI; all I/O is asynchronous through the connection.
 */
class RuleListView : public QWidget
{
    Q_OBJECT

public:
    enum Column { NameColumn, KindColumn, FilterColumn, ActionColumn, ColumnCount };

    RuleListView(client::NamespaceConnection *connection, QString topic, QString subscription, bool readOnly,
                 QWidget *parent = nullptr);
    ~RuleListView() override;

    QString topic() const { return m_topic; }
    QString subscription() const { return m_subscription; }
    bool isReadOnly() const { return m_readOnly; }
    /** Follows the connection's read-only switch: hides (or shows again) Add, Edit and Delete. */
    void setReadOnly(bool readOnly);

    /** The rules as last loaded (in the broker's order). */
    const std::vector<core::broker::RuleDescription> &rules() const { return m_rules; }
    /** True from refresh() until the answer arrived. */
    bool isLoading() const { return m_loading; }
    /** Name of the selected rule; empty when none. */
    QString currentRuleName() const;
    /** Selects the row of `name`; false if there is none. */
    bool selectRule(const QString &name);

    QTableWidget *table() const { return m_table; }
    EmptyState *emptyState() const { return m_empty; }
    /** Loading / error line under the toolbar. */
    QLabel *statusLabel() const { return m_status; }
    QAction *addRuleAction() const { return m_add; }
    QAction *editRuleAction() const { return m_edit; }
    QAction *deleteRuleAction() const { return m_delete; }
    QAction *refreshRuleAction() const { return m_refresh; }

    /** One-line text of a filter as the table shows it ("Subject = 'x', user.tier = 'gold'" for correlation). */
    static QString filterText(const core::broker::RuleFilter &filter);
    /** "SQL", "Correlation", "True" or "False". */
    static QString filterKind(const core::broker::RuleFilter &filter);

public Q_SLOTS:
    /** Reloads the rules from the namespace. */
    void refresh();
    /** Opens the dialog for a new rule. */
    void addRule();
    /** Opens the dialog for the selected rule. */
    void editRule();
    /** Asks, then deletes the selected rule. */
    void deleteRule();

Q_SIGNALS:
    /** A rule was created, changed or deleted through this view. */
    void rulesChanged();
    /** A load finished (successfully or not). */
    void loaded();

private:
    void onLoaded(std::vector<core::broker::RuleDescription> rules);
    void showRules();
    void updateActions();
    void setStatus(const QString &text, bool error);
    void afterChange(const QString &selectName);

    client::NamespaceConnection *m_connection;
    QString m_topic;
    QString m_subscription;
    bool m_readOnly;
    bool m_loading = false;
    std::vector<core::broker::RuleDescription> m_rules;
    QString m_pendingSelect;

    QAction *m_add = nullptr;
    QAction *m_edit = nullptr;
    QAction *m_delete = nullptr;
    QAction *m_refresh = nullptr;
    QLabel *m_status = nullptr;
    QStackedWidget *m_pages = nullptr;
    QTableWidget *m_table = nullptr;
    EmptyState *m_empty = nullptr;
};

} // namespace busyard::widgets
