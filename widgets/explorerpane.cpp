#include "explorerpane.h"

#include "connectiondialog.h"
#include "entitydialogs.h"
#include "propertiespanel.h"
#include "purgeflow.h"

#include "core/client/namespaceconnection.h"
#include "models/connectionmanager.h"

#include <QtCore/QSettings>
#include <QtCore/QSortFilterProxyModel>
#include <QtGui/QAction>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QTreeView>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>
#include <vector>

namespace busyard::widgets {

using models::EntityKind;
using models::EntityTreeModel;

namespace {

const QString SplitterKey = QStringLiteral("explorer/splitter");
/** Remembered expansion: "+key" (expanded) or "-key" (collapsed), oldest first. */
const QString ExpansionKey = QStringLiteral("explorer/expansion");
/** At most this many remembered rows are saved (the most recently changed ones). */
constexpr int MaxRememberedExpansion = 500;

QIcon icon(const char *name)
{
    return QIcon(QStringLiteral(":/busyard/icons/%1.svg").arg(QLatin1String(name)));
}

/** Recursive filter on names that always keeps namespace rows (so a filter never hides a connection). */
class EntityFilterModel : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        const QModelIndex index = sourceModel()->index(row, 0, parent);
        if (!parent.isValid())
            return true;
        const auto kind = EntityKind(index.data(EntityTreeModel::KindRole).toInt());
        if (filterRegularExpression().pattern().isEmpty())
            return true;
        if (kind == EntityKind::QueuesFolder || kind == EntityKind::TopicsFolder || kind == EntityKind::RulesFolder)
            return false; // shown when a child matches (recursive filtering)
        return QSortFilterProxyModel::filterAcceptsRow(row, parent);
    }
};

QString kindName(EntityKind kind)
{
    switch (kind) {
    case EntityKind::Queue: return QObject::tr("queue");
    case EntityKind::Topic: return QObject::tr("topic");
    case EntityKind::Subscription: return QObject::tr("subscription");
    case EntityKind::Rule: return QObject::tr("rule");
    case EntityKind::Namespace: return QObject::tr("connection");
    default: return QString();
    }
}

} // namespace

ExplorerPane::ExplorerPane(models::ConnectionManager *manager, QWidget *parent)
    : QWidget(parent)
    , m_manager(manager)
{
    Q_ASSERT(manager);
    setObjectName(QStringLiteral("explorerPane"));
    m_model = new EntityTreeModel(manager, this);
    m_proxy = new EntityFilterModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setRecursiveFilteringEnabled(true);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(EntityTreeModel::NameColumn);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    m_toolBar = new QToolBar(this);
    m_toolBar->setIconSize(QSize(16, 16));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonIconOnly);
    layout->addWidget(m_toolBar);

    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("explorerFilter"));
    m_filter->setPlaceholderText(tr("Filter entities (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    auto *filterRow = new QWidget(this);
    auto *filterLayout = new QVBoxLayout(filterRow);
    filterLayout->setContentsMargins(4, 2, 4, 4);
    filterLayout->addWidget(m_filter);
    layout->addWidget(filterRow);
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setFilterFixedString(text.trimmed());
        if (!text.trimmed().isEmpty())
            m_tree->expandAll();
    });

    m_tree = new QTreeView(this);
    m_tree->setObjectName(QStringLiteral("entityTree"));
    m_tree->setModel(m_proxy);
    m_tree->setUniformRowHeights(true);
    m_tree->setAllColumnsShowFocus(true);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    m_tree->setExpandsOnDoubleClick(false);
    m_tree->setFrameShape(QFrame::NoFrame);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(EntityTreeModel::NameColumn, QHeaderView::Stretch);
    const int countWidth = fontMetrics().horizontalAdvance(QStringLiteral("Transfer")) + 10;
    for (int column = EntityTreeModel::ActiveColumn; column < EntityTreeModel::ColumnCount; ++column) {
        m_tree->header()->setSectionResizeMode(column, QHeaderView::Fixed);
        m_tree->header()->resizeSection(column, countWidth);
    }

    m_properties = new PropertiesPanel(this);
    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(QStringLiteral("explorerSplitter"));
    m_splitter->addWidget(m_tree);
    m_splitter->addWidget(m_properties);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    m_splitter->setChildrenCollapsible(false);
    layout->addWidget(m_splitter, 1);

    createActions();

    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this, &ExplorerPane::onCurrentChanged);
    connect(m_tree, &QTreeView::activated, this, &ExplorerPane::onActivated);
    connect(m_tree, &QTreeView::doubleClicked, this, [this](const QModelIndex &index) {
        // Double-click opens entities (through activated()); on other rows it toggles expansion.
        const auto item = m_model->item(m_proxy->mapToSource(index));
        if (!item.isBrowsable())
            m_tree->setExpanded(index.siblingAtColumn(0), !m_tree->isExpanded(index.siblingAtColumn(0)));
    });
    connect(m_tree, &QWidget::customContextMenuRequested, this, &ExplorerPane::onContextMenu);
    connect(m_properties, &PropertiesPanel::editRequested, this, &ExplorerPane::editSelected);
    connect(m_properties, &PropertiesPanel::openRequested, this,
            [this] { onActivated(m_tree->currentIndex()); });
    // Keep the properties and actions in step with refreshes and read-only switches.
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex &from, const QModelIndex &to) {
        const QModelIndex current = m_proxy->mapToSource(m_tree->currentIndex());
        if (current.isValid() && current.parent() == from.parent() && current.row() >= from.row() && current.row() <= to.row())
            onCurrentChanged();
    });
    connect(m_manager, &models::ConnectionManager::readOnlyChanged, this, &ExplorerPane::onCurrentChanged);
    connect(m_model, &EntityTreeModel::refreshed, this, [this](const QString &connectionId) {
        if (m_pendingSelectConnection == connectionId && selectEntity(connectionId, m_pendingSelectPath))
            m_pendingSelectConnection.clear();
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex &parent, int first, int last) {
        // New namespaces and their first level open by default, and the Queues and Topics folders
        // when they receive their first entities (later a user's collapse is left alone). A state
        // remembered for a row (this session or an earlier one) wins over these defaults.
        const bool top = !parent.isValid();
        const auto kind = top ? EntityKind::Namespace : EntityKind(parent.data(EntityTreeModel::KindRole).toInt());
        const bool firstChildren = m_model->rowCount(parent) == last - first + 1;
        if (!top) {
            const bool byDefault = kind == EntityKind::Namespace
                                   || (firstChildren && (kind == EntityKind::QueuesFolder || kind == EntityKind::TopicsFolder));
            if (rememberedExpansion(parent).value_or(byDefault))
                m_tree->expand(m_proxy->mapFromSource(parent));
        }
        for (int row = first; row <= last; ++row) {
            const QModelIndex child = m_model->index(row, 0, parent);
            // New namespaces, and folders arriving with their entities already in them.
            if (kind == EntityKind::Namespace && rememberedExpansion(child).value_or(true))
                m_tree->expand(m_proxy->mapFromSource(child));
            applyRememberedExpansion(child);
        }
    });
    connect(m_tree, &QTreeView::expanded, this, [this](const QModelIndex &index) { rememberExpansion(index, true); });
    connect(m_tree, &QTreeView::collapsed, this, [this](const QModelIndex &index) { rememberExpansion(index, false); });
    connect(m_manager, &models::ConnectionManager::connectionRemoved, this, [this](const QString &id) {
        const QString prefix = id + QLatin1Char('|');
        m_expansion.removeIf([&](const auto &entry) { return entry.key().startsWith(prefix); });
    });
    restoreState();
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const QModelIndex ns = m_model->index(row, 0);
        if (rememberedExpansion(ns).value_or(true))
            m_tree->expand(m_proxy->mapFromSource(ns));
    }
    onCurrentChanged();
}

ExplorerPane::~ExplorerPane()
{
    saveState();
}

void ExplorerPane::createActions()
{
    const auto make = [this](const char *iconName, const QString &text, const char *objectName) {
        auto *action = new QAction(iconName ? icon(iconName) : QIcon(), text, this);
        action->setObjectName(QString::fromLatin1(objectName));
        addAction(action);
        return action;
    };
    m_newConnection = make("connect", tr("&New Connection…"), "explorerNewConnectionAction");
    m_newConnection->setShortcut(QKeySequence::New);
    connect(m_newConnection, &QAction::triggered, this, &ExplorerPane::newConnection);

    m_refresh = make("refresh", tr("&Refresh"), "refreshAction");
    m_refresh->setShortcut(QKeySequence::Refresh);
    m_refresh->setShortcutContext(Qt::WindowShortcut);
    connect(m_refresh, &QAction::triggered, this, &ExplorerPane::refresh);

    m_newQueue = make("queue", tr("New &Queue…"), "newQueueAction");
    connect(m_newQueue, &QAction::triggered, this, &ExplorerPane::newQueue);
    m_newTopic = make("topic", tr("New &Topic…"), "newTopicAction");
    connect(m_newTopic, &QAction::triggered, this, &ExplorerPane::newTopic);
    m_newSubscription = make("subscription", tr("New &Subscription…"), "newSubscriptionAction");
    connect(m_newSubscription, &QAction::triggered, this, &ExplorerPane::newSubscription);
    m_newRule = make("rule", tr("New R&ule…"), "newRuleAction");
    connect(m_newRule, &QAction::triggered, this, &ExplorerPane::newRule);

    m_edit = make("edit", tr("&Edit…"), "editAction");
    connect(m_edit, &QAction::triggered, this, &ExplorerPane::editSelected);
    m_open = make(nullptr, tr("&Open Messages"), "openAction");
    connect(m_open, &QAction::triggered, this, [this] { onActivated(m_tree->currentIndex()); });

    m_delete = new QAction(icon("delete"), tr("&Delete…"), this);
    m_delete->setObjectName(QStringLiteral("deleteAction"));
    m_delete->setShortcut(QKeySequence::Delete);
    // Del acts on the tree only: the message browser has its own.
    m_delete->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_tree->addAction(m_delete);
    connect(m_delete, &QAction::triggered, this, &ExplorerPane::deleteSelected);

    m_purge = make("delete", tr("&Purge Messages…"), "purgeAction");
    m_purge->setToolTip(tr("Receive and delete every message of this queue, subscription or dead-letter queue"));
    connect(m_purge, &QAction::triggered, this, &ExplorerPane::purgeSelected);
    const auto requestView = [this](EntityView view) {
        const auto item = currentItem();
        client::NamespaceConnection *connection = currentConnection();
        if (!connection)
            return;
        QString path = item.entityPath;
        if (view == EntityView::Rules)
            path = item.topicName + QStringLiteral("/Subscriptions/") + item.subscriptionName;
        else if (view == EntityView::RoutingPreview || view == EntityView::Topology)
            path = item.kind == EntityKind::Topic ? item.entityPath : item.topicName;
        Q_EMIT viewRequested(connection, view, path, currentIsReadOnly());
    };
    m_replay = make("deadletter", tr("Re&play Dead Letters…"), "replayAction");
    m_replay->setToolTip(tr("Send dead-lettered messages back to their entity or to another one, without loss"));
    connect(m_replay, &QAction::triggered, this, [requestView] { requestView(EntityView::Replay); });
    m_sessions = make(nullptr, tr("&Sessions"), "sessionsAction");
    connect(m_sessions, &QAction::triggered, this, [requestView] { requestView(EntityView::Sessions); });
    m_rules = make("rule", tr("R&ules"), "rulesAction");
    connect(m_rules, &QAction::triggered, this, [requestView] { requestView(EntityView::Rules); });
    m_routingPreview = make(nullptr, tr("Routing Pre&view…"), "routingPreviewAction");
    m_routingPreview->setToolTip(tr("Which subscriptions a message sent to this topic reaches, and why"));
    connect(m_routingPreview, &QAction::triggered, this, [requestView] { requestView(EntityView::RoutingPreview); });
    m_topology = make(nullptr, tr("&Topology"), "topologyAction");
    connect(m_topology, &QAction::triggered, this, [requestView] { requestView(EntityView::Topology); });

    m_readOnly = make("namespace-readonly", tr("Read-&only Connection"), "readOnlyAction");
    m_readOnly->setCheckable(true);
    connect(m_readOnly, &QAction::triggered, this, &ExplorerPane::onReadOnlyToggled);

    m_focusFilter = make(nullptr, tr("&Filter"), "focusFilterAction");
    m_focusFilter->setShortcut(QKeySequence::Find);
    m_focusFilter->setShortcutContext(Qt::WindowShortcut);
    connect(m_focusFilter, &QAction::triggered, this, [this] {
        m_filter->setFocus(Qt::ShortcutFocusReason);
        m_filter->selectAll();
    });

    m_toolBar->addAction(m_newConnection);
    m_toolBar->addAction(m_refresh);
    auto *newMenu = new QMenu(this);
    newMenu->addActions({m_newQueue, m_newTopic, m_newSubscription, m_newRule});
    auto *newButton = new QToolButton(this);
    newButton->setIcon(icon("add"));
    newButton->setToolTip(tr("New entity"));
    newButton->setMenu(newMenu);
    newButton->setPopupMode(QToolButton::InstantPopup);
    newButton->setObjectName(QStringLiteral("newEntityButton"));
    m_toolBar->addWidget(newButton);
    m_toolBar->addAction(m_edit);
    m_toolBar->addAction(m_delete);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_readOnly);
}

models::EntityItem ExplorerPane::currentItem() const
{
    return m_model->item(m_proxy->mapToSource(m_tree->currentIndex()));
}

client::NamespaceConnection *ExplorerPane::currentConnection() const
{
    const auto item = currentItem();
    return item.connectionId.isEmpty() ? nullptr : m_manager->connection(item.connectionId);
}

bool ExplorerPane::currentIsReadOnly() const
{
    return m_manager->isReadOnly(currentItem().connectionId);
}

void ExplorerPane::updateActions()
{
    const auto item = currentItem();
    const bool hasConnection = currentConnection() != nullptr;
    const bool readOnly = currentIsReadOnly();
    const bool writable = hasConnection && !readOnly;
    const bool inTopic = !item.topicName.isEmpty() || item.kind == EntityKind::Topic;
    const bool inSubscription = !item.subscriptionName.isEmpty();
    m_newQueue->setEnabled(writable);
    m_newTopic->setEnabled(writable);
    m_newSubscription->setEnabled(writable && inTopic);
    m_newRule->setEnabled(writable && inSubscription);
    const bool editable = item.kind == EntityKind::Queue || item.kind == EntityKind::Topic
                          || item.kind == EntityKind::Subscription || item.kind == EntityKind::Rule;
    const bool removableConnection = item.kind == EntityKind::Namespace
                                     && item.connectionId != models::ConnectionManager::EmbeddedId;
    // A user connection is editable even when read-only or not connected (that is how both are fixed).
    const bool editableConnection = removableConnection && m_manager->entry(item.connectionId);
    m_edit->setEnabled((writable && editable) || editableConnection);
    m_edit->setText(editableConnection ? tr("&Edit Connection…") : tr("&Edit…"));
    m_delete->setEnabled((writable && editable) || removableConnection);
    m_delete->setText(removableConnection ? tr("&Remove Connection…") : tr("&Delete…"));
    m_delete->setToolTip(readOnly && editable ? tr("The connection is read-only") : m_delete->text().remove(QLatin1Char('&')));
    m_open->setEnabled(hasConnection && item.isBrowsable());
    const bool holdsMessages = item.kind == EntityKind::Queue || item.kind == EntityKind::Subscription
                               || item.kind == EntityKind::DeadLetterQueue
                               || item.kind == EntityKind::TransferDeadLetterQueue;
    m_purge->setEnabled(writable && holdsMessages);
    m_purge->setVisible(holdsMessages);
    const bool deadLetters = item.kind == EntityKind::DeadLetterQueue || item.kind == EntityKind::TransferDeadLetterQueue;
    m_replay->setEnabled(writable && deadLetters);
    m_replay->setVisible(deadLetters);
    const bool sessionful = (item.kind == EntityKind::Queue && item.queue && item.queue->description.requiresSession)
                            || (item.kind == EntityKind::Subscription && item.subscription
                                && item.subscription->description.requiresSession);
    m_sessions->setEnabled(hasConnection && sessionful);
    m_sessions->setVisible(sessionful);
    const bool ruled = inSubscription && (item.kind == EntityKind::Subscription || item.kind == EntityKind::RulesFolder
                                          || item.kind == EntityKind::Rule);
    m_rules->setEnabled(hasConnection && ruled);
    m_rules->setVisible(ruled);
    m_routingPreview->setEnabled(hasConnection && inTopic);
    m_routingPreview->setVisible(inTopic);
    m_topology->setEnabled(hasConnection && inTopic);
    m_topology->setVisible(inTopic);
    m_readOnly->setEnabled(!item.connectionId.isEmpty());
    m_readOnly->setChecked(readOnly);
    m_refresh->setEnabled(true);
}

void ExplorerPane::onCurrentChanged()
{
    const auto item = currentItem();
    if (item.connectionId.isEmpty() || item.kind == EntityKind::Namespace || item.kind == EntityKind::QueuesFolder
        || item.kind == EntityKind::TopicsFolder || item.kind == EntityKind::RulesFolder)
        m_properties->clear();
    else
        m_properties->setItem(item, currentIsReadOnly());
    updateActions();
}

void ExplorerPane::onActivated(const QModelIndex &proxyIndex)
{
    const auto item = m_model->item(m_proxy->mapToSource(proxyIndex));
    client::NamespaceConnection *connection = m_manager->connection(item.connectionId);
    if (!item.isBrowsable() || !connection)
        return;
    Q_EMIT openEntityRequested(connection, item.entityPath, m_manager->isReadOnly(item.connectionId));
}

void ExplorerPane::onContextMenu(const QPoint &pos)
{
    if (m_tree->indexAt(pos).isValid())
        m_tree->setCurrentIndex(m_tree->indexAt(pos));
    QMenu menu(this);
    menu.addAction(m_open);
    for (QAction *action : {m_sessions, m_rules, m_routingPreview, m_topology, m_replay, m_purge}) {
        if (action->isVisible())
            menu.addAction(action);
    }
    menu.addSeparator();
    menu.addActions({m_newQueue, m_newTopic, m_newSubscription, m_newRule});
    menu.addSeparator();
    menu.addAction(m_edit);
    menu.addAction(m_delete);
    menu.addSeparator();
    menu.addAction(m_refresh);
    menu.addAction(m_readOnly);
    menu.exec(m_tree->viewport()->mapToGlobal(pos));
}

void ExplorerPane::purgeSelected()
{
    const auto item = currentItem();
    client::NamespaceConnection *connection = currentConnection();
    if (!connection || !m_purge->isEnabled())
        return;
    const QString connectionId = item.connectionId;
    confirmAndPurge(this, connection, item.entityPath, [this, connectionId](const PurgeOutcome &outcome) {
        if (!outcome.started)
            return;
        if (!outcome.error.isEmpty())
            showError(outcome.error);
        else
            Q_EMIT statusMessage(outcome.cancelled ? tr("Purge cancelled: %1 messages deleted").arg(outcome.removed)
                                                   : tr("%1 messages purged").arg(outcome.removed));
        m_model->refresh(connectionId, false);
    });
}

void ExplorerPane::onReadOnlyToggled(bool on)
{
    const auto item = currentItem();
    if (!item.connectionId.isEmpty())
        m_manager->setReadOnly(item.connectionId, on);
}

void ExplorerPane::showError(const QString &text)
{
    Q_EMIT statusMessage(text);
    QMessageBox *box = new QMessageBox(QMessageBox::Warning, tr("Busyard"), text, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("explorerError"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void ExplorerPane::refresh()
{
    const auto item = currentItem();
    m_model->refresh(item.connectionId, true);
    Q_EMIT statusMessage(tr("Refreshing…"));
}

void ExplorerPane::newConnection()
{
    auto *dialog = new ConnectionDialog(m_manager, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ConnectionDialog::connectionAdded, this, [this](const QString &id) { selectNamespace(id); });
    dialog->open();
}

void ExplorerPane::editConnection(const QString &connectionId)
{
    auto *dialog = new ConnectionDialog(m_manager, connectionId, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ConnectionDialog::connectionUpdated, this, [this](const QString &id) {
        const models::ConnectionManager::Entry *entry = m_manager->entry(id);
        if (entry)
            Q_EMIT statusMessage(tr("Saved the connection %1").arg(entry->profile.name));
        updateActions();
    });
    dialog->open();
}

void ExplorerPane::refreshAndSelect(const QString &connectionId, const QString &entityPath)
{
    m_pendingSelectConnection = connectionId;
    m_pendingSelectPath = entityPath;
    m_model->refresh(connectionId, true);
}

namespace {

template<typename Dialog>
void showDialog(ExplorerPane *pane, Dialog *dialog, const QString &connectionId,
                const std::function<void(const QString &, const QString &)> &onSaved)
{
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QObject::connect(dialog, &EntityDialog::saved, pane,
                     [onSaved, connectionId](const QString &path) { onSaved(connectionId, path); });
    dialog->open();
}

} // namespace

void ExplorerPane::newQueue()
{
    auto *connection = currentConnection();
    if (!connection || currentIsReadOnly())
        return;
    showDialog(this, new QueueDialog(connection, std::nullopt, this), currentItem().connectionId,
               [this](const QString &c, const QString &p) { refreshAndSelect(c, p); });
}

void ExplorerPane::newTopic()
{
    auto *connection = currentConnection();
    if (!connection || currentIsReadOnly())
        return;
    showDialog(this, new TopicDialog(connection, std::nullopt, this), currentItem().connectionId,
               [this](const QString &c, const QString &p) { refreshAndSelect(c, p); });
}

void ExplorerPane::newSubscription()
{
    auto *connection = currentConnection();
    const auto item = currentItem();
    const QString topic = item.kind == EntityKind::Topic ? item.name : item.topicName;
    if (!connection || currentIsReadOnly() || topic.isEmpty())
        return;
    showDialog(this, new SubscriptionDialog(connection, topic, std::nullopt, this), item.connectionId,
               [this](const QString &c, const QString &p) { refreshAndSelect(c, p); });
}

void ExplorerPane::newRule()
{
    auto *connection = currentConnection();
    const auto item = currentItem();
    if (!connection || currentIsReadOnly() || item.subscriptionName.isEmpty())
        return;
    showDialog(this, new RuleDialog(connection, item.topicName, item.subscriptionName, std::nullopt, this),
               item.connectionId, [this](const QString &c, const QString &p) { refreshAndSelect(c, p); });
}

void ExplorerPane::editSelected()
{
    auto *connection = currentConnection();
    const auto item = currentItem();
    if (item.kind == EntityKind::Namespace && !item.connectionId.isEmpty()) {
        if (item.connectionId != models::ConnectionManager::EmbeddedId && m_manager->entry(item.connectionId))
            editConnection(item.connectionId);
        return;
    }
    if (!connection)
        return;
    if (currentIsReadOnly()) {
        Q_EMIT statusMessage(tr("%1 is read-only").arg(m_manager->entry(item.connectionId)->profile.name));
        return;
    }
    const auto saved = [this](const QString &c, const QString &p) { refreshAndSelect(c, p); };
    switch (item.kind) {
    case EntityKind::Queue:
        showDialog(this, new QueueDialog(connection, item.queue, this), item.connectionId, saved);
        break;
    case EntityKind::Topic:
        showDialog(this, new TopicDialog(connection, item.topic, this), item.connectionId, saved);
        break;
    case EntityKind::Subscription:
        showDialog(this, new SubscriptionDialog(connection, item.topicName, item.subscription, this), item.connectionId,
                   saved);
        break;
    case EntityKind::Rule:
        showDialog(this, new RuleDialog(connection, item.topicName, item.subscriptionName, item.rule, this),
                   item.connectionId, saved);
        break;
    default:
        break;
    }
}

void ExplorerPane::deleteSelected()
{
    const auto item = currentItem();
    if (item.connectionId.isEmpty())
        return;
    if (item.kind == EntityKind::Namespace) {
        if (item.connectionId == models::ConnectionManager::EmbeddedId)
            return;
        auto *box = new QMessageBox(QMessageBox::Question, tr("Remove Connection"),
                                    tr("Remove the connection “%1”?\n\nIts saved key is deleted from the keychain. "
                                       "Nothing in the namespace changes.")
                                        .arg(item.name),
                                    QMessageBox::Yes | QMessageBox::Cancel, this);
        box->setObjectName(QStringLiteral("deleteConfirmation"));
        box->setDefaultButton(QMessageBox::Cancel);
        box->setAttribute(Qt::WA_DeleteOnClose);
        connect(box, &QMessageBox::finished, this, [this, id = item.connectionId](int result) {
            if (result == QMessageBox::Yes)
                m_manager->removeConnection(id);
        });
        box->open();
        return;
    }
    const bool entity = item.kind == EntityKind::Queue || item.kind == EntityKind::Topic
                        || item.kind == EntityKind::Subscription || item.kind == EntityKind::Rule;
    if (!entity)
        return;
    if (m_manager->isReadOnly(item.connectionId)) {
        Q_EMIT statusMessage(tr("Not deleted: %1 is read-only").arg(m_manager->entry(item.connectionId)->profile.name));
        return;
    }
    const QString what = item.kind == EntityKind::Rule
                             ? tr("the rule “%1” of %2/%3").arg(item.name, item.topicName, item.subscriptionName)
                             : tr("the %1 “%2”").arg(kindName(item.kind), item.entityPath);
    QString detail;
    if (item.kind == EntityKind::Topic)
        detail = tr("\n\nIts subscriptions and every message in them are deleted too.");
    else if (item.kind != EntityKind::Rule && item.ownCount().value_or(0) > 0)
        detail = tr("\n\nIts %n message(s) are deleted too.", nullptr, int(*item.ownCount()));
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Delete"),
                                tr("Delete %1?%2\n\nThis cannot be undone.").arg(what, detail),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("deleteConfirmation"));
    box->button(QMessageBox::Yes)->setText(tr("Delete"));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, item](int result) {
        if (result != QMessageBox::Yes)
            return;
        client::NamespaceConnection *connection = m_manager->connection(item.connectionId);
        // Re-check: the switch may have been flipped while the question was open.
        if (!connection || m_manager->isReadOnly(item.connectionId))
            return;
        const auto done = [this, item](core::Result<void> r) {
            if (!r) {
                showError(tr("Could not delete %1: %2").arg(item.name, QString::fromStdString(r.error().message)));
                return;
            }
            Q_EMIT statusMessage(tr("Deleted %1").arg(item.entityPath.isEmpty() ? item.name : item.entityPath));
            m_model->refresh(item.connectionId, true);
        };
        switch (item.kind) {
        case EntityKind::Queue:
            connection->deleteQueue(item.name.toStdString(), this, done);
            break;
        case EntityKind::Topic:
            connection->deleteTopic(item.name.toStdString(), this, done);
            break;
        case EntityKind::Subscription:
            connection->deleteSubscription(item.topicName.toStdString(), item.name.toStdString(), this, done);
            break;
        case EntityKind::Rule:
            connection->deleteRule(item.topicName.toStdString(), item.subscriptionName.toStdString(),
                                   item.name.toStdString(), this, done);
            break;
        default:
            break;
        }
    });
    box->open();
}

bool ExplorerPane::selectEntity(const QString &connectionId, const QString &entityPath)
{
    const QModelIndex source = m_model->findEntity(connectionId, entityPath);
    if (!source.isValid())
        return false;
    const QModelIndex index = m_proxy->mapFromSource(source);
    if (!index.isValid())
        return false;
    for (QModelIndex p = index.parent(); p.isValid(); p = p.parent())
        m_tree->expand(p);
    m_tree->setCurrentIndex(index);
    m_tree->scrollTo(index);
    return true;
}

bool ExplorerPane::selectNamespace(const QString &connectionId)
{
    const QModelIndex index = m_proxy->mapFromSource(m_model->namespaceIndex(connectionId));
    if (!index.isValid())
        return false;
    m_tree->setCurrentIndex(index);
    return true;
}

void ExplorerPane::expandAll()
{
    m_tree->expandAll();
}

void ExplorerPane::saveState() const
{
    QSettings settings;
    settings.setValue(SplitterKey, m_splitter->saveState());
    std::vector<std::pair<quint64, QString>> entries;
    entries.reserve(m_expansion.size());
    for (auto it = m_expansion.cbegin(); it != m_expansion.cend(); ++it)
        entries.emplace_back(it->stamp, (it->expanded ? QLatin1Char('+') : QLatin1Char('-')) + it.key());
    std::sort(entries.begin(), entries.end());
    QStringList list;
    for (size_t i = entries.size() > size_t(MaxRememberedExpansion) ? entries.size() - MaxRememberedExpansion : 0;
         i < entries.size(); ++i)
        list << entries[i].second;
    settings.setValue(ExpansionKey, list);
}

void ExplorerPane::restoreState()
{
    QSettings settings;
    const QByteArray state = settings.value(SplitterKey).toByteArray();
    if (state.isEmpty() || !m_splitter->restoreState(state))
        m_splitter->setSizes({360, 240});

    m_expansion.clear();
    const QStringList list = settings.value(ExpansionKey).toStringList();
    for (const QString &entry : list) {
        if (entry.size() < 2 || (entry.front() != QLatin1Char('+') && entry.front() != QLatin1Char('-')))
            continue;
        m_expansion.insert(entry.mid(1), Expansion{entry.front() == QLatin1Char('+'), ++m_expansionStamp});
    }
    for (int row = 0; row < m_model->rowCount(); ++row)
        applyRememberedExpansion(m_model->index(row, 0));
}

QString ExplorerPane::expansionKey(const QModelIndex &source) const
{
    if (!source.isValid())
        return {};
    QString tag;
    QString path = source.data(EntityTreeModel::EntityPathRole).toString();
    switch (EntityKind(source.data(EntityTreeModel::KindRole).toInt())) {
    case EntityKind::Namespace: tag = QStringLiteral("namespace"); break;
    case EntityKind::QueuesFolder: tag = QStringLiteral("queues"); break;
    case EntityKind::TopicsFolder: tag = QStringLiteral("topics"); break;
    case EntityKind::Queue: tag = QStringLiteral("queue"); break;
    case EntityKind::Topic: tag = QStringLiteral("topic"); break;
    case EntityKind::Subscription: tag = QStringLiteral("subscription"); break;
    case EntityKind::RulesFolder: // no path of its own: its subscription's
        tag = QStringLiteral("rules");
        path = source.parent().data(EntityTreeModel::EntityPathRole).toString();
        break;
    default:
        return {}; // rules and sub-queues have no children
    }
    // Entity names cannot contain '|'; connection ids are UUIDs or "embedded".
    return source.data(EntityTreeModel::ConnectionIdRole).toString() + QLatin1Char('|') + tag + QLatin1Char('|') + path;
}

std::optional<bool> ExplorerPane::rememberedExpansion(const QModelIndex &source) const
{
    const auto it = m_expansion.constFind(expansionKey(source));
    if (it == m_expansion.cend())
        return std::nullopt;
    return it->expanded;
}

void ExplorerPane::rememberExpansion(const QModelIndex &proxyIndex, bool expanded)
{
    const QString key = expansionKey(m_proxy->mapToSource(proxyIndex));
    if (key.isEmpty())
        return;
    m_expansion.insert(key, Expansion{expanded, ++m_expansionStamp});
    if (m_expansion.size() > 2 * MaxRememberedExpansion) {
        // Forget the oldest half (saveState() keeps the newest MaxRememberedExpansion anyway).
        std::vector<quint64> stamps;
        stamps.reserve(m_expansion.size());
        for (const auto &e : std::as_const(m_expansion))
            stamps.push_back(e.stamp);
        std::nth_element(stamps.begin(), stamps.end() - MaxRememberedExpansion, stamps.end());
        const quint64 oldestKept = *(stamps.end() - MaxRememberedExpansion);
        m_expansion.removeIf([oldestKept](const auto &entry) { return entry.value().stamp < oldestKept; });
    }
}

void ExplorerPane::applyRememberedExpansion(const QModelIndex &source)
{
    const int children = m_model->rowCount(source);
    if (children == 0)
        return; // applied when its children arrive (rowsInserted)
    if (const auto expanded = rememberedExpansion(source)) {
        const QModelIndex index = m_proxy->mapFromSource(source);
        if (*expanded && !m_tree->isExpanded(index))
            m_tree->expand(index);
        else if (!*expanded && m_tree->isExpanded(index))
            m_tree->collapse(index);
    }
    for (int row = 0; row < children; ++row)
        applyRememberedExpansion(m_model->index(row, 0, source));
}

} // namespace busyard::widgets
