#include "entitytreemodel.h"

#include <QScopeGuard>

#include "connectionmanager.h"
#include "qstringformatter.h"

#include "core/client/namespaceconnection.h"
#include "core/logging.h"

#include <QtCore/QLocale>
#include <QtGui/QColor>
#include <QtGui/QFont>
#include <QtGui/QGuiApplication>
#include <QtGui/QIcon>
#include <QtGui/QPainter>
#include <QtGui/QPalette>
#include <QtGui/QPixmap>

#include <algorithm>
#include <map>

namespace busyard::models {

namespace broker = core::broker;

std::optional<qint64> EntityItem::ownCount() const
{
    switch (kind) {
    case EntityKind::Queue:
    case EntityKind::Subscription:
        return counts.active;
    case EntityKind::DeadLetterQueue:
        return counts.deadLetter;
    case EntityKind::TransferDeadLetterQueue:
        return counts.transferDeadLetter;
    default:
        return std::nullopt;
    }
}

bool EntityItem::isDisabled() const
{
    if (queue)
        return queue->description.status == broker::EntityStatus::Disabled;
    if (topic)
        return topic->description.status == broker::EntityStatus::Disabled;
    if (subscription)
        return subscription->description.status == broker::EntityStatus::Disabled;
    return false;
}

bool EntityItem::isBrowsable() const
{
    switch (kind) {
    case EntityKind::Queue:
    case EntityKind::Topic:
    case EntityKind::Subscription:
    case EntityKind::DeadLetterQueue:
    case EntityKind::TransferDeadLetterQueue:
        return true;
    default:
        return false;
    }
}

struct EntityTreeModel::Node
{
    EntityItem item;
    QString status;     ///< namespace rows: connection state or last refresh error
    bool error = false; ///< namespace rows: status is an error
    bool readOnly = false;
    Node *parent = nullptr;
    std::vector<std::unique_ptr<Node>> children;

    int row() const
    {
        if (!parent)
            return 0;
        const auto it = std::find_if(parent->children.cbegin(), parent->children.cend(),
                                     [this](const auto &c) { return c.get() == this; });
        return int(it - parent->children.cbegin());
    }
};

/** The answers of one refresh of one namespace, gathered before they are merged. */
struct EntityTreeModel::Snapshot
{
    QString connectionId;
    client::NamespaceConnection *connection = nullptr;
    bool full = true;
    int pending = 0;
    std::optional<QString> error;
    std::vector<client::QueueInfo> queues;
    std::vector<client::TopicInfo> topics;
    std::map<std::string, std::vector<client::SubscriptionInfo>> subscriptions;          ///< by topic
    std::map<std::pair<std::string, std::string>, std::vector<broker::RuleDescription>> rules; ///< by topic, sub
};

namespace {

QIcon kindIcon(EntityKind kind)
{
    const char *name = "folder";
    switch (kind) {
    case EntityKind::Namespace: name = "namespace"; break;
    case EntityKind::QueuesFolder:
    case EntityKind::TopicsFolder:
    case EntityKind::RulesFolder: name = "folder"; break;
    case EntityKind::Queue: name = "queue"; break;
    case EntityKind::Topic: name = "topic"; break;
    case EntityKind::Subscription: name = "subscription"; break;
    case EntityKind::Rule: name = "rule"; break;
    case EntityKind::DeadLetterQueue: name = "deadletter"; break;
    case EntityKind::TransferDeadLetterQueue: name = "transfer-deadletter"; break;
    }
    static QHash<int, QIcon> cache;
    auto it = cache.find(int(kind));
    if (it == cache.end()) {
        // The coloured strokes vanish on the selection highlight: selected rows get a white copy.
        const QIcon normal(QStringLiteral(":/busyard/icons/%1.svg").arg(QLatin1String(name)));
        QIcon icon;
        for (const int size : {16, 24, 32, 48}) {
            const QPixmap pixmap = normal.pixmap(size, size);
            icon.addPixmap(pixmap, QIcon::Normal);
            QPixmap white = pixmap;
            QPainter painter(&white);
            painter.setCompositionMode(QPainter::CompositionMode_SourceIn);
            painter.fillRect(white.rect(), Qt::white);
            painter.end();
            icon.addPixmap(white, QIcon::Selected);
        }
        it = cache.insert(int(kind), icon);
    }
    return *it;
}

bool lessByName(const std::string &a, const std::string &b)
{
    return broker::entityKey(a) < broker::entityKey(b);
}

QString statusName(broker::EntityStatus status)
{
    return QString::fromLatin1(broker::entityStatusName(status));
}

QString ruleSummary(const broker::RuleDescription &rule)
{
    struct Visitor
    {
        QString operator()(const broker::SqlFilter &f) const { return QString::fromStdString(f.expression); }
        QString operator()(const broker::CorrelationFilter &) const { return QStringLiteral("Correlation filter"); }
        QString operator()(const broker::TrueFilter &) const { return QStringLiteral("1=1"); }
        QString operator()(const broker::FalseFilter &) const { return QStringLiteral("1=0"); }
    };
    return std::visit(Visitor{}, rule.filter);
}

template<typename NodeT>
std::unique_ptr<NodeT> newNode(EntityItem item)
{
    auto node = std::make_unique<NodeT>();
    node->item = std::move(item);
    return node;
}
} // namespace

EntityTreeModel::EntityTreeModel(ConnectionManager *connections, QObject *parent)
    : QAbstractItemModel(parent)
    , m_connections(connections)
    , m_root(std::make_unique<Node>())
{
    Q_ASSERT(connections);
    for (const QString &id : connections->ids())
        onConnectionAdded(id);
    connect(connections, &ConnectionManager::connectionAdded, this, &EntityTreeModel::onConnectionAdded);
    connect(connections, &ConnectionManager::connectionAboutToBeRemoved, this,
            &EntityTreeModel::onConnectionAboutToBeRemoved);
    connect(connections, &ConnectionManager::connectionChanged, this, &EntityTreeModel::onConnectionChanged);
    m_timer.setInterval(DefaultRefreshIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, [this] { refresh({}, false); });
    m_timer.start();
}

EntityTreeModel::~EntityTreeModel() = default;

// ---- structure -----------------------------------------------------------------------------------

EntityTreeModel::Node *EntityTreeModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex EntityTreeModel::indexOf(const Node *node, int column) const
{
    if (!node || node == m_root.get())
        return {};
    return createIndex(node->row(), column, const_cast<Node *>(node));
}

QModelIndex EntityTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0 || (parent.isValid() && parent.column() != 0))
        return {};
    const Node *p = nodeOf(parent);
    if (row >= int(p->children.size()))
        return {};
    return createIndex(row, column, p->children[std::size_t(row)].get());
}

QModelIndex EntityTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    const Node *node = nodeOf(child);
    return indexOf(node->parent);
}

int EntityTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return int(nodeOf(parent)->children.size());
}

int EntityTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

Qt::ItemFlags EntityTreeModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable;
}

QVariant EntityTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case NameColumn: return tr("Name");
        case ActiveColumn: return tr("Active");
        case DeadLetterColumn: return tr("DLQ");
        case ScheduledColumn: return tr("Sched.");
        case TransferColumn: return tr("Transfer");
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case ActiveColumn: return tr("Active messages (including locked and deferred ones)");
        case DeadLetterColumn: return tr("Dead-lettered messages");
        case ScheduledColumn: return tr("Scheduled messages");
        case TransferColumn: return tr("Messages being transferred (auto-forwarding)");
        default: return {};
        }
    }
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue((section == NameColumn ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter);
    return {};
}

EntityItem EntityTreeModel::item(const QModelIndex &index) const
{
    if (!index.isValid())
        return {};
    return nodeOf(index)->item;
}

namespace {

/** The count shown in a count column, if that column applies to the row. */
std::optional<qint64> cellCount(const EntityItem &item, int column)
{
    const auto &c = item.counts;
    switch (item.kind) {
    case EntityKind::Queue:
    case EntityKind::Subscription:
        switch (column) {
        case EntityTreeModel::ActiveColumn: return c.active;
        case EntityTreeModel::DeadLetterColumn: return c.deadLetter;
        case EntityTreeModel::ScheduledColumn: return c.scheduled;
        case EntityTreeModel::TransferColumn: return c.transfer;
        default: return std::nullopt;
        }
    case EntityKind::Topic:
        if (column == EntityTreeModel::ScheduledColumn)
            return c.scheduled;
        return std::nullopt;
    case EntityKind::DeadLetterQueue:
        return column == EntityTreeModel::DeadLetterColumn ? std::optional<qint64>(c.deadLetter) : std::nullopt;
    case EntityKind::TransferDeadLetterQueue:
        return column == EntityTreeModel::DeadLetterColumn ? std::optional<qint64>(c.transferDeadLetter)
                                                           : std::nullopt;
    default:
        return std::nullopt;
    }
}

QString tooltipOf(const EntityItem &item)
{
    const auto &c = item.counts;
    const QLocale locale;
    const auto n = [&](qint64 v) { return locale.toString(v); };
    switch (item.kind) {
    case EntityKind::Queue:
    case EntityKind::Subscription: {
        const auto status = item.queue ? item.queue->description.status : item.subscription->description.status;
        return QObject::tr("%1\nStatus: %2\nActive: %3 · Dead-letter: %4 · Scheduled: %5 · Transfer: %6 · "
                           "Transfer dead-letter: %7")
            .arg(item.entityPath, statusName(status), n(c.active), n(c.deadLetter), n(c.scheduled), n(c.transfer),
                 n(c.transferDeadLetter));
    }
    case EntityKind::Topic:
        return QObject::tr("%1\nStatus: %2\nSubscriptions: %3 · Scheduled: %4")
            .arg(item.entityPath, statusName(item.topic->description.status), n(c.subscriptionCount), n(c.scheduled));
    case EntityKind::DeadLetterQueue:
    case EntityKind::TransferDeadLetterQueue:
        return QObject::tr("%1\n%2 messages").arg(item.entityPath, n(*item.ownCount()));
    case EntityKind::Rule:
        return item.rule ? ruleSummary(*item.rule) : QString();
    default:
        return {};
    }
}

} // namespace

QVariant EntityTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const Node *node = nodeOf(index);
    const EntityItem &item = node->item;
    const int column = index.column();

    switch (role) {
    case Qt::DisplayRole:
        if (column == NameColumn) {
            if (item.kind == EntityKind::Namespace) {
                QString text = item.name;
                if (!node->status.isEmpty())
                    text += QStringLiteral(" — ") + (node->error ? tr("error") : node->status);
                return text;
            }
            if (item.kind == EntityKind::Rule && item.rule) {
                return item.name;
            }
            return item.name;
        }
        if (const auto count = cellCount(item, column))
            return QLocale().toString(*count);
        return {};
    case Qt::DecorationRole:
        if (column != NameColumn)
            return {};
        if (item.kind == EntityKind::Namespace && node->readOnly)
            return QIcon(QStringLiteral(":/busyard/icons/namespace-readonly.svg"));
        return kindIcon(item.kind);
    case Qt::ToolTipRole:
        if (item.kind == EntityKind::Namespace) {
            QString tip = item.name;
            if (node->readOnly)
                tip += tr(" (read-only)");
            if (!node->status.isEmpty())
                tip += QStringLiteral("\n") + node->status;
            return tip;
        }
        return tooltipOf(item);
    case Qt::ForegroundRole: {
        const QPalette palette = QGuiApplication::palette();
        if (item.isDisabled())
            return palette.color(QPalette::Disabled, QPalette::Text);
        if (item.kind == EntityKind::Namespace && node->error && column == NameColumn)
            return QColor(0xC6, 0x28, 0x28);
        if (column != NameColumn) {
            const auto count = cellCount(item, column);
            if (count && *count > 0 && column == DeadLetterColumn)
                return QColor(0xD9, 0x5B, 0x00);
            if (count && *count == 0)
                return palette.color(QPalette::PlaceholderText);
        }
        if (item.kind == EntityKind::QueuesFolder || item.kind == EntityKind::TopicsFolder
            || item.kind == EntityKind::RulesFolder)
            return palette.color(QPalette::PlaceholderText);
        return {};
    }
    case Qt::FontRole:
        if (item.kind == EntityKind::Namespace && column == NameColumn) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (column != NameColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case KindRole:
        return int(item.kind);
    case EntityPathRole:
        return item.entityPath;
    case ConnectionIdRole:
        return item.connectionId;
    case DisabledRole:
        return item.isDisabled();
    case CountRole:
        if (const auto count = cellCount(item, column))
            return *count;
        return {};
    case StatusRole:
        return node->status;
    default:
        return {};
    }
}

EntityTreeModel::Node *EntityTreeModel::namespaceNode(const QString &connectionId) const
{
    for (const auto &child : m_root->children) {
        if (child->item.connectionId == connectionId)
            return child.get();
    }
    return nullptr;
}

QModelIndex EntityTreeModel::namespaceIndex(const QString &connectionId) const
{
    return indexOf(namespaceNode(connectionId));
}

QModelIndex EntityTreeModel::findEntity(const QString &connectionId, const QString &entityPath) const
{
    const Node *ns = namespaceNode(connectionId);
    if (!ns)
        return {};
    // Small tree: a depth-first walk.
    std::vector<const Node *> stack{ns};
    while (!stack.empty()) {
        const Node *node = stack.back();
        stack.pop_back();
        if (node != ns && node->item.kind != EntityKind::Rule
            && node->item.entityPath.compare(entityPath, Qt::CaseInsensitive) == 0)
            return indexOf(node);
        for (const auto &child : node->children)
            stack.push_back(child.get());
    }
    return {};
}

QModelIndex EntityTreeModel::findRule(const QString &connectionId, const QString &topic, const QString &subscription,
                                      const QString &rule) const
{
    const QModelIndex sub = findEntity(connectionId, topic + QStringLiteral("/Subscriptions/") + subscription);
    if (!sub.isValid())
        return {};
    const Node *subNode = nodeOf(sub);
    for (const auto &child : subNode->children) {
        if (child->item.kind != EntityKind::RulesFolder)
            continue;
        for (const auto &r : child->children) {
            if (r->item.name.compare(rule, Qt::CaseInsensitive) == 0)
                return indexOf(r.get());
        }
    }
    return {};
}

// ---- namespaces ----------------------------------------------------------------------------------

void EntityTreeModel::updateNamespaceNode(Node *node)
{
    const ConnectionManager::Entry *entry = m_connections->entry(node->item.connectionId);
    if (!entry)
        return;
    node->item.name = entry->profile.name;
    node->readOnly = entry->profile.readOnly;
    if (entry->state != ConnectionManager::State::Open) {
        node->status = entry->statusText;
        node->error = false;
    } else if (!node->error) {
        node->status.clear();
    }
}

void EntityTreeModel::onConnectionAdded(const QString &id)
{
    if (namespaceNode(id))
        return;
    EntityItem item;
    item.kind = EntityKind::Namespace;
    item.connectionId = id;
    auto node = newNode<Node>(item);
    node->parent = m_root.get();
    updateNamespaceNode(node.get());
    // The embedded entry stays first; user connections follow in the manager's order.
    const int row = int(m_connections->ids().indexOf(id));
    const int at = std::clamp(row, 0, int(m_root->children.size()));
    beginInsertRows({}, at, at);
    m_root->children.insert(m_root->children.begin() + at, std::move(node));
    endInsertRows();
    if (m_connections->connection(id))
        refresh(id, true);
}

void EntityTreeModel::onConnectionAboutToBeRemoved(const QString &id)
{
    Node *node = namespaceNode(id);
    m_inFlight.remove(id);
    m_refreshAgain.remove(id);
    if (!node)
        return;
    const int row = node->row();
    beginRemoveRows({}, row, row);
    m_root->children.erase(m_root->children.begin() + row);
    endRemoveRows();
}

void EntityTreeModel::onConnectionChanged(const QString &id)
{
    Node *node = namespaceNode(id);
    if (!node)
        return;
    const ConnectionManager::Entry *entry = m_connections->entry(id);
    // A different NamespaceConnection (or none): what we listed belongs to the old one.
    const auto inFlight = m_inFlight.value(id);
    if (inFlight && inFlight->connection != m_connections->connection(id))
        m_inFlight.remove(id);
    if (!entry || entry->state != ConnectionManager::State::Open) {
        node->error = false;
        removeChildren(node);
    }
    updateNamespaceNode(node);
    const QModelIndex index = indexOf(node);
    Q_EMIT dataChanged(index, index.siblingAtColumn(ColumnCount - 1));
    if (m_connections->connection(id) && !m_inFlight.contains(id))
        refresh(id, true);
}

void EntityTreeModel::removeChildren(Node *parent)
{
    if (parent->children.empty())
        return;
    beginRemoveRows(indexOf(parent), 0, int(parent->children.size()) - 1);
    parent->children.clear();
    endRemoveRows();
}

// ---- refresh -------------------------------------------------------------------------------------

void EntityTreeModel::setRefreshInterval(int ms)
{
    if (ms <= 0) {
        m_timer.stop();
        return;
    }
    m_timer.start(ms);
}

bool EntityTreeModel::isRefreshing(const QString &connectionId) const
{
    return m_inFlight.contains(connectionId);
}

void EntityTreeModel::refresh(const QString &connectionId, bool full)
{
    if (connectionId.isEmpty()) {
        for (const QString &id : m_connections->ids())
            refresh(id, full);
        return;
    }
    client::NamespaceConnection *connection = m_connections->connection(connectionId);
    if (!connection)
        return;
    if (m_inFlight.contains(connectionId)) {
        // The answer in flight may predate what the caller just changed: refresh once more after it.
        m_refreshAgain[connectionId] = m_refreshAgain.value(connectionId) || full;
        return;
    }

    auto snapshot = std::make_shared<Snapshot>();
    snapshot->connectionId = connectionId;
    snapshot->connection = connection;
    snapshot->full = full;
    m_inFlight.insert(connectionId, snapshot);

    // Rules already shown are reused on a counts-only refresh.
    std::map<std::pair<std::string, std::string>, bool> knownSubscriptions;
    if (!full) {
        if (const Node *ns = namespaceNode(connectionId)) {
            for (const auto &folder : ns->children) {
                if (folder->item.kind != EntityKind::TopicsFolder)
                    continue;
                for (const auto &topic : folder->children) {
                    for (const auto &sub : topic->children) {
                        knownSubscriptions[{broker::entityKey(sub->item.topicName.toStdString()),
                                            broker::entityKey(sub->item.subscriptionName.toStdString())}] = true;
                        for (const auto &child : sub->children) {
                            if (child->item.kind != EntityKind::RulesFolder)
                                continue;
                            auto &rules = snapshot->rules[{sub->item.topicName.toStdString(),
                                                           sub->item.subscriptionName.toStdString()}];
                            for (const auto &rule : child->children)
                                rules.push_back(*rule->item.rule);
                        }
                    }
                }
            }
        }
    }

    // Each answer decrements `pending`; the last one merges. Stale answers (connection replaced,
    // namespace removed, a newer refresh) find another snapshot in m_inFlight and are dropped.
    const auto done = [this, snapshot] {
        if (--snapshot->pending == 0)
            finishSnapshot(snapshot);
    };
    const auto fail = [snapshot](const core::Error &error) {
        if (!snapshot->error)
            snapshot->error = QString::fromStdString(error.message);
    };

    snapshot->pending = 2;
    connection->listQueues(this, [snapshot, done, fail](core::Result<std::vector<client::QueueInfo>> r) {
        if (r)
            snapshot->queues = std::move(*r);
        else
            fail(r.error());
        done();
    });
    connection->listTopics(this, [this, snapshot, done, fail, connection,
                                  knownSubscriptions](core::Result<std::vector<client::TopicInfo>> r) {
        if (!r) {
            fail(r.error());
            done();
            return;
        }
        snapshot->topics = std::move(*r);
        if (m_inFlight.value(snapshot->connectionId) != snapshot || m_connections->connection(snapshot->connectionId) != connection) {
            done();
            return;
        }
        for (const auto &topic : snapshot->topics) {
            ++snapshot->pending;
            const std::string topicName = topic.description.name;
            connection->listSubscriptions(
                topicName, this,
                [this, snapshot, done, connection, topicName,
                 knownSubscriptions](core::Result<std::vector<client::SubscriptionInfo>> subs) {
                    if (!subs) {
                        // The topic may have gone meanwhile: show it without subscriptions.
                        done();
                        return;
                    }
                    for (const auto &sub : *subs) {
                        const std::pair key{topicName, sub.description.name};
                        const bool known = knownSubscriptions.count(
                            {broker::entityKey(topicName), broker::entityKey(sub.description.name)});
                        if (!snapshot->full && known)
                            continue;
                        snapshot->rules.erase(key);
                        ++snapshot->pending;
                        connection->listRules(topicName, sub.description.name, this,
                                              [snapshot, done, key](core::Result<std::vector<broker::RuleDescription>> rules) {
                                                  if (rules)
                                                      snapshot->rules[key] = std::move(*rules);
                                                  done();
                                              });
                    }
                    snapshot->subscriptions[topicName] = std::move(*subs);
                    done();
                });
        }
        done();
    });
}

void EntityTreeModel::finishSnapshot(const std::shared_ptr<Snapshot> &snapshot)
{
    if (m_inFlight.value(snapshot->connectionId) != snapshot)
        return;
    m_inFlight.remove(snapshot->connectionId);
    // A refresh asked for while this one ran starts when this one is merged (whatever the outcome).
    const auto again = qScopeGuard([this, id = snapshot->connectionId] {
        if (const auto it = m_refreshAgain.find(id); it != m_refreshAgain.end()) {
            const bool full = it.value();
            m_refreshAgain.erase(it);
            refresh(id, full);
        }
    });
    if (m_connections->connection(snapshot->connectionId) != snapshot->connection)
        return;
    Node *ns = namespaceNode(snapshot->connectionId);
    if (!ns)
        return;
    if (snapshot->error) {
        const bool changed = !ns->error || ns->status != *snapshot->error;
        ns->error = true;
        ns->status = *snapshot->error;
        if (changed) {
            const QModelIndex index = indexOf(ns);
            Q_EMIT dataChanged(index, index.siblingAtColumn(ColumnCount - 1));
            core::logger("app")->warn("Refreshing {} failed: {}", ns->item.name, *snapshot->error);
        }
        Q_EMIT refreshFailed(snapshot->connectionId, *snapshot->error);
        return;
    }
    if (ns->error) {
        ns->error = false;
        ns->status.clear();
        const QModelIndex index = indexOf(ns);
        Q_EMIT dataChanged(index, index.siblingAtColumn(ColumnCount - 1));
    }
    apply(*snapshot);
    Q_EMIT refreshed(snapshot->connectionId);
}

void EntityTreeModel::apply(const Snapshot &s)
{
    Node *ns = namespaceNode(s.connectionId);
    const QString &cid = s.connectionId;
    const auto base = [&](EntityKind kind, const QString &name) {
        EntityItem item;
        item.kind = kind;
        item.connectionId = cid;
        item.name = name;
        return item;
    };
    const auto subQueues = [&](const EntityItem &owner, std::vector<std::unique_ptr<Node>> &out) {
        EntityItem dlq = owner;
        dlq.kind = EntityKind::DeadLetterQueue;
        dlq.name = tr("Dead-letter");
        dlq.entityPath = owner.entityPath + QStringLiteral("/$DeadLetterQueue");
        dlq.rule.reset();
        out.push_back(newNode<Node>(dlq));
        EntityItem tdlq = dlq;
        tdlq.kind = EntityKind::TransferDeadLetterQueue;
        tdlq.name = tr("Transfer dead-letter");
        tdlq.entityPath = owner.entityPath + QStringLiteral("/$Transfer/$DeadLetterQueue");
        out.push_back(newNode<Node>(tdlq));
    };

    auto queues = s.queues;
    std::sort(queues.begin(), queues.end(),
              [](const auto &a, const auto &b) { return lessByName(a.description.name, b.description.name); });
    auto queuesFolder = newNode<Node>(base(EntityKind::QueuesFolder, tr("Queues")));
    for (const auto &q : queues) {
        EntityItem item = base(EntityKind::Queue, QString::fromStdString(q.description.name));
        item.entityPath = item.name;
        item.queue = q;
        item.counts = q.counts;
        auto node = newNode<Node>(item);
        subQueues(item, node->children);
        queuesFolder->children.push_back(std::move(node));
    }

    auto topics = s.topics;
    std::sort(topics.begin(), topics.end(),
              [](const auto &a, const auto &b) { return lessByName(a.description.name, b.description.name); });
    auto topicsFolder = newNode<Node>(base(EntityKind::TopicsFolder, tr("Topics")));
    for (const auto &t : topics) {
        EntityItem item = base(EntityKind::Topic, QString::fromStdString(t.description.name));
        item.entityPath = item.name;
        item.topic = t;
        item.counts = t.counts;
        auto topicNode = newNode<Node>(item);
        if (const auto it = s.subscriptions.find(t.description.name); it != s.subscriptions.end()) {
            auto subs = it->second;
            std::sort(subs.begin(), subs.end(),
                      [](const auto &a, const auto &b) { return lessByName(a.description.name, b.description.name); });
            for (const auto &sub : subs) {
                EntityItem subItem = base(EntityKind::Subscription, QString::fromStdString(sub.description.name));
                subItem.topicName = item.name;
                subItem.subscriptionName = subItem.name;
                subItem.entityPath = item.name + QStringLiteral("/Subscriptions/") + subItem.name;
                subItem.subscription = sub;
                subItem.counts = sub.counts;
                auto subNode = newNode<Node>(subItem);
                subQueues(subItem, subNode->children);
                EntityItem rulesItem = base(EntityKind::RulesFolder, tr("Rules"));
                rulesItem.topicName = subItem.topicName;
                rulesItem.subscriptionName = subItem.subscriptionName;
                auto rulesNode = newNode<Node>(rulesItem);
                if (const auto r = s.rules.find({t.description.name, sub.description.name}); r != s.rules.end()) {
                    auto rules = r->second;
                    std::sort(rules.begin(), rules.end(), [](const auto &a, const auto &b) { return lessByName(a.name, b.name); });
                    for (const auto &rule : rules) {
                        EntityItem ruleItem = rulesItem;
                        ruleItem.kind = EntityKind::Rule;
                        ruleItem.name = QString::fromStdString(rule.name);
                        ruleItem.rule = rule;
                        rulesNode->children.push_back(newNode<Node>(ruleItem));
                    }
                }
                subNode->children.push_back(std::move(rulesNode));
                topicNode->children.push_back(std::move(subNode));
            }
        }
        topicsFolder->children.push_back(std::move(topicNode));
    }

    std::vector<std::unique_ptr<Node>> desired;
    desired.push_back(std::move(queuesFolder));
    desired.push_back(std::move(topicsFolder));
    syncChildren(ns, std::move(desired));
}

namespace {

bool sameRow(const EntityItem &a, const EntityItem &b)
{
    return a.kind == b.kind && a.name.compare(b.name, Qt::CaseInsensitive) == 0;
}

/** Whether anything a view shows (or the properties pane reads) differs. */
bool sameContent(const EntityItem &a, const EntityItem &b)
{
    if (a.name != b.name || !(a.counts == b.counts))
        return false;
    const auto stamp = [](const EntityItem &i) -> std::pair<core::TimePoint, int> {
        if (i.queue)
            return {i.queue->description.updatedAt, int(i.queue->description.status)};
        if (i.topic)
            return {i.topic->description.updatedAt, int(i.topic->description.status)};
        if (i.subscription)
            return {i.subscription->description.updatedAt, int(i.subscription->description.status)};
        return {};
    };
    if (stamp(a) != stamp(b))
        return false;
    if (a.rule.has_value() != b.rule.has_value())
        return false;
    if (a.rule && (a.rule->filter != b.rule->filter || a.rule->action != b.rule->action))
        return false;
    return true;
}

} // namespace

void EntityTreeModel::syncChildren(Node *parent, std::vector<std::unique_ptr<Node>> desired)
{
    const QModelIndex parentIndex = indexOf(parent);
    // 1. Remove rows that are gone, in runs from the bottom so indexes stay valid.
    for (int row = int(parent->children.size()) - 1; row >= 0; --row) {
        const EntityItem &existing = parent->children[std::size_t(row)]->item;
        const bool keep = std::any_of(desired.cbegin(), desired.cend(),
                                      [&](const auto &d) { return sameRow(existing, d->item); });
        if (keep)
            continue;
        int first = row;
        while (first > 0) {
            const EntityItem &prev = parent->children[std::size_t(first - 1)]->item;
            if (std::any_of(desired.cbegin(), desired.cend(), [&](const auto &d) { return sameRow(prev, d->item); }))
                break;
            --first;
        }
        beginRemoveRows(parentIndex, first, row);
        parent->children.erase(parent->children.begin() + first, parent->children.begin() + row + 1);
        endRemoveRows();
        row = first;
    }
    // 2. Walk the desired order: update what exists (kept rows are in the same relative order), insert
    //    what is new.
    for (std::size_t i = 0; i < desired.size(); ++i) {
        std::unique_ptr<Node> &want = desired[i];
        if (i < parent->children.size() && sameRow(parent->children[i]->item, want->item)) {
            Node *have = parent->children[i].get();
            if (!sameContent(have->item, want->item)) {
                have->item = want->item;
                const QModelIndex index = indexOf(have);
                Q_EMIT dataChanged(index, index.siblingAtColumn(ColumnCount - 1));
            }
            std::vector<std::unique_ptr<Node>> grandchildren = std::move(want->children);
            syncChildren(have, std::move(grandchildren));
            continue;
        }
        const int row = int(i);
        std::function<void(Node *, Node *)> adopt = [&adopt](Node *node, Node *newParent) {
            node->parent = newParent;
            for (auto &child : node->children)
                adopt(child.get(), node);
        };
        adopt(want.get(), parent);
        beginInsertRows(parentIndex, row, row);
        parent->children.insert(parent->children.begin() + row, std::move(want));
        endInsertRows();
    }
}

} // namespace busyard::models
