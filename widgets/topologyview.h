#pragma once

#include "core/broker/entities.h"

#include <QGraphicsView>
#include <QPointer>

#include <map>
#include <vector>

namespace busyard::client {
class NamespaceConnection;
}

namespace busyard::widgets {

/**
 * Draws how a topic routes: topic -> its subscriptions -> their forward targets (ForwardTo and
 * ForwardDeadLetteredMessagesTo, queues or topics). Each node shows its message counts (active /
 * dead-letter) from the management plane; topic -> subscription edges are labelled with the rule names
 * and filter kinds, subscription -> target edges with "ForwardTo" / "Dead letters".
 *
 * Loading is asynchronous (getTopic, listSubscriptions, listRules, getQueue/getTopic per target);
 * refresh() loads again. Colours come from the palette (rebuilt on a palette change), so the view
 * reads in light and dark themes. Thread: GUI; the connection must outlive the view.
 */
class TopologyView : public QGraphicsView
{
    Q_OBJECT

public:
    enum class NodeKind { Topic, Subscription, Queue, ForwardTopic, Missing };

    struct Node
    {
        QString id;            ///< "topic:<name>", "subscription:<name>", "queue:<name>", "target:<name>"
        QString name;
        NodeKind kind = NodeKind::Topic;
        qint64 active = 0;
        qint64 deadLetter = 0;
        QString note;          ///< e.g. "3 subscriptions", "Disabled", "not found"
        QRectF rect;           ///< scene geometry
    };

    struct Edge
    {
        QString from;          ///< Node::id
        QString to;
        QString label;         ///< "$Default: True", "red: SQL, blue: Correlation", "ForwardTo", "Dead letters"
        bool deadLetter = false;
    };

    TopologyView(client::NamespaceConnection *connection, QString topic, QWidget *parent = nullptr);

    QString topic() const { return m_topic; }
    bool isLoading() const { return m_pending > 0; }
    /** Why the last load failed; empty when it did not. */
    QString errorText() const { return m_error; }
    const std::vector<Node> &nodes() const { return m_nodes; }
    const std::vector<Edge> &edges() const { return m_edges; }
    /** The node with `id`, or null. */
    const Node *node(const QString &id) const;

    /** Loads counts, subscriptions, rules and targets again. */
    void refresh();

    QSize sizeHint() const override { return {900, 500}; }

Q_SIGNALS:
    /** A load finished (successfully or not: see errorText()). */
    void loaded();

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    struct SubscriptionData
    {
        core::broker::SubscriptionDescription description;
        core::broker::RuntimeCounts counts;
        std::vector<core::broker::RuleDescription> rules;
    };
    struct TargetData
    {
        NodeKind kind = NodeKind::Missing;
        core::broker::RuntimeCounts counts;
    };

    void done();
    void loadTarget(const std::string &name, quint64 generation);
    void buildGraph();
    void buildScene();

    QPointer<client::NamespaceConnection> m_connection;
    QString m_topic;
    quint64 m_generation = 0;
    int m_pending = 0;
    QString m_error;
    core::broker::RuntimeCounts m_topicCounts;
    std::vector<SubscriptionData> m_subscriptions;
    std::map<std::string, TargetData> m_targets;
    std::vector<Node> m_nodes;
    std::vector<Edge> m_edges;
};

} // namespace busyard::widgets
