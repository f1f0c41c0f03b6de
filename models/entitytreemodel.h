#pragma once

#include "core/broker/entities.h"
#include "core/client/clienttypes.h"

#include <QtCore/QAbstractItemModel>
#include <QtCore/QHash>
#include <QtCore/QString>
#include <QtCore/QTimer>

#include <memory>
#include <optional>
#include <vector>

namespace busyard::models {

class ConnectionManager;

/** What a row of the entity tree stands for. */
enum class EntityKind {
    Namespace,
    QueuesFolder,
    TopicsFolder,
    Queue,
    Topic,
    Subscription,
    RulesFolder,
    Rule,
    DeadLetterQueue,         ///< "<entity>/$DeadLetterQueue" of a queue or subscription
    TransferDeadLetterQueue, ///< "<entity>/$Transfer/$DeadLetterQueue"
};

/** Everything known about one row; a value (copied out of the model). */
struct EntityItem
{
    EntityKind kind = EntityKind::Namespace;
    QString connectionId;
    QString name;        ///< display name of the row (entity name, "Dead-letter", "Queues", ...)
    QString entityPath;  ///< client path: "q", "t", "t/Subscriptions/s", "q/$DeadLetterQueue"; empty for folders/rules
    QString topicName;   ///< topic of a subscription, rule or subscription sub-queue
    QString subscriptionName;
    std::optional<client::QueueInfo> queue;
    std::optional<client::TopicInfo> topic;
    std::optional<client::SubscriptionInfo> subscription;
    std::optional<core::broker::RuleDescription> rule;
    core::broker::RuntimeCounts counts; ///< of the entity (sub-queue rows: of their parent entity)

    /** Messages held by this very row: active for entities, the sub-queue's own count for DLQ rows. */
    std::optional<qint64> ownCount() const;
    /** Disabled status (greyed in views). */
    bool isDisabled() const;
    /** True for rows that hold messages and can be opened in a message browser. */
    bool isBrowsable() const;
};

/**
 * The Explorer tree: namespaces > Queues / Topics > queue (dead-letter, transfer dead-letter) and
 * topic > subscription (dead-letter, transfer dead-letter, Rules > rule), with live counts.
 *
 * Namespaces follow the ConnectionManager (embedded emulator first). Refreshing a namespace lists its
 * queues, topics, subscriptions (and rules on a full refresh, or for subscriptions not seen before)
 * asynchronously through its NamespaceConnection; once every answer is in, the tree is merged in place
 * (rows inserted, removed and updated; nothing is reset), so views keep selection and expansion.
 * A refresh asked for while one of the same namespace is in flight runs once after it. Every
 * refreshInterval() all open namespaces refresh their counts.
 *
 * Columns: name, active, dead-letter, scheduled, transfer. GUI thread only; data() never does I/O.
 */
class EntityTreeModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column { NameColumn, ActiveColumn, DeadLetterColumn, ScheduledColumn, TransferColumn, ColumnCount };
    enum Role {
        KindRole = Qt::UserRole + 1, ///< int(EntityKind)
        EntityPathRole,
        ConnectionIdRole,
        DisabledRole,
        CountRole,                   ///< qint64 of the cell's count (for sorting), or invalid
        StatusRole,                  ///< namespace rows: status / last error text
    };

    static constexpr int DefaultRefreshIntervalMs = 5000;

    /** `connections` is not owned and must outlive the model. */
    explicit EntityTreeModel(ConnectionManager *connections, QObject *parent = nullptr);
    ~EntityTreeModel() override;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    /** The row's item (a copy); a default item for an invalid index. */
    EntityItem item(const QModelIndex &index) const;
    QModelIndex namespaceIndex(const QString &connectionId) const;
    /** The row of an entity path ("q", "t/Subscriptions/s", "q/$DeadLetterQueue") in a namespace. */
    QModelIndex findEntity(const QString &connectionId, const QString &entityPath) const;
    /** The row of a rule. */
    QModelIndex findRule(const QString &connectionId, const QString &topic, const QString &subscription,
                         const QString &rule) const;

    /**
     * Refreshes one namespace (or all when `connectionId` is empty). `full` also re-reads the rules of
     * every subscription. While a refresh of the namespace is in flight, one more is queued to start
     * when it finishes (its answer may predate the change that prompted the call).
     */
    void refresh(const QString &connectionId = {}, bool full = true);
    bool isRefreshing(const QString &connectionId) const;

    int refreshInterval() const { return m_timer.interval(); }
    /** 0 stops the periodic refresh. */
    void setRefreshInterval(int ms);

Q_SIGNALS:
    /** A refresh of `connectionId` was merged into the tree. */
    void refreshed(const QString &connectionId);
    /** A refresh failed; the tree keeps what it had. */
    void refreshFailed(const QString &connectionId, const QString &message);

private:
    struct Node;
    struct Snapshot;

    Node *nodeOf(const QModelIndex &index) const;
    QModelIndex indexOf(const Node *node, int column = 0) const;
    Node *namespaceNode(const QString &connectionId) const;

    void onConnectionAdded(const QString &id);
    void onConnectionAboutToBeRemoved(const QString &id);
    void onConnectionChanged(const QString &id);
    void updateNamespaceNode(Node *node);

    void finishSnapshot(const std::shared_ptr<Snapshot> &snapshot);
    void apply(const Snapshot &snapshot);
    void syncChildren(Node *parent, std::vector<std::unique_ptr<Node>> desired);
    void removeChildren(Node *parent);

    ConnectionManager *m_connections;
    std::unique_ptr<Node> m_root;
    QHash<QString, std::shared_ptr<Snapshot>> m_inFlight;
    /** Refreshes asked for while one was in flight (value: full), started when it finishes. */
    QHash<QString, bool> m_refreshAgain;
    QTimer m_timer;
};

} // namespace busyard::models
