#include "topologyview.h"

#include "core/client/namespaceconnection.h"

#include <QEvent>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QPainterPath>
#include <QResizeEvent>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace busyard::widgets {

namespace {

constexpr qreal kNodeWidth = 210;
constexpr qreal kNodeHeight = 58;
constexpr qreal kColumnGap = 270;
constexpr qreal kRowGap = 26;

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

QString filterKind(const core::broker::RuleFilter &f)
{
    if (std::holds_alternative<core::broker::TrueFilter>(f))
        return TopologyView::tr("True");
    if (std::holds_alternative<core::broker::FalseFilter>(f))
        return TopologyView::tr("False");
    if (std::holds_alternative<core::broker::CorrelationFilter>(f))
        return TopologyView::tr("Correlation");
    return TopologyView::tr("SQL");
}

const char *iconName(TopologyView::NodeKind kind)
{
    switch (kind) {
    case TopologyView::NodeKind::Topic:
    case TopologyView::NodeKind::ForwardTopic: return "topic";
    case TopologyView::NodeKind::Subscription: return "subscription";
    case TopologyView::NodeKind::Queue: return "queue";
    case TopologyView::NodeKind::Missing: return "delete";
    }
    return "queue";
}

QString countsText(const TopologyView::Node &n)
{
    if (n.kind == TopologyView::NodeKind::Missing)
        return n.note;
    QString text = TopologyView::tr("%L1 active · %L2 dead-letter").arg(n.active).arg(n.deadLetter);
    return text;
}

} // namespace

TopologyView::TopologyView(client::NamespaceConnection *connection, QString topic, QWidget *parent)
    : QGraphicsView(parent), m_connection(connection), m_topic(std::move(topic))
{
    setObjectName(QStringLiteral("topologyView"));
    setScene(new QGraphicsScene(this));
    setRenderHint(QPainter::Antialiasing);
    setRenderHint(QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setAlignment(Qt::AlignCenter);
    refresh();
}

const TopologyView::Node *TopologyView::node(const QString &id) const
{
    for (const auto &n : m_nodes) {
        if (n.id == id)
            return &n;
    }
    return nullptr;
}

void TopologyView::refresh()
{
    const quint64 generation = ++m_generation;
    m_error.clear();
    m_subscriptions.clear();
    m_targets.clear();
    if (!m_connection) {
        m_error = tr("Not connected.");
        m_pending = 0;
        buildGraph();
        Q_EMIT loaded();
        return;
    }
    const std::string topic = m_topic.toStdString();
    m_pending = 2;
    m_connection->getTopic(topic, this, [this, generation](core::Result<client::TopicInfo> info) {
        if (generation != m_generation)
            return;
        if (info)
            m_topicCounts = info.value().counts;
        else if (m_error.isEmpty())
            m_error = qs(info.error().message);
        done();
    });
    m_connection->listSubscriptions(topic, this,
                                    [this, generation, topic](core::Result<std::vector<client::SubscriptionInfo>> subs) {
        if (generation != m_generation)
            return;
        if (!subs) {
            if (m_error.isEmpty())
                m_error = qs(subs.error().message);
            done();
            return;
        }
        auto list = std::move(subs.value());
        std::sort(list.begin(), list.end(), [](const auto &a, const auto &b) {
            return core::broker::entityKey(a.description.name) < core::broker::entityKey(b.description.name);
        });
        std::vector<std::string> targets;
        for (auto &s : list) {
            for (const std::string *t : {&s.description.forwardTo, &s.description.forwardDeadLetteredMessagesTo}) {
                if (!t->empty() && std::find(targets.begin(), targets.end(), *t) == targets.end())
                    targets.push_back(*t);
            }
            m_subscriptions.push_back({std::move(s.description), s.counts, {}});
        }
        m_pending += int(m_subscriptions.size() + targets.size());
        for (std::size_t i = 0; i < m_subscriptions.size(); ++i) {
            m_connection->listRules(topic, m_subscriptions[i].description.name, this,
                                    [this, generation, i](core::Result<std::vector<core::broker::RuleDescription>> rules) {
                if (generation != m_generation)
                    return;
                if (rules)
                    m_subscriptions[i].rules = std::move(rules.value());
                done();
            });
        }
        for (const auto &t : targets)
            loadTarget(t, generation);
        done();
    });
}

void TopologyView::loadTarget(const std::string &name, quint64 generation)
{
    // A forward target is a queue or a topic; ask for a queue first.
    m_connection->getQueue(name, this, [this, generation, name](core::Result<client::QueueInfo> q) {
        if (generation != m_generation)
            return;
        if (q) {
            m_targets[name] = {NodeKind::Queue, q.value().counts};
            done();
            return;
        }
        if (!m_connection) {
            done();
            return;
        }
        m_connection->getTopic(name, this, [this, generation, name](core::Result<client::TopicInfo> t) {
            if (generation != m_generation)
                return;
            m_targets[name] = t ? TargetData{NodeKind::ForwardTopic, t.value().counts} : TargetData{};
            done();
        });
    });
}

void TopologyView::done()
{
    if (--m_pending > 0)
        return;
    buildGraph();
    Q_EMIT loaded();
}

void TopologyView::buildGraph()
{
    m_nodes.clear();
    m_edges.clear();
    Node topicNode;
    topicNode.id = QStringLiteral("topic:") + m_topic;
    topicNode.name = m_topic;
    topicNode.kind = NodeKind::Topic;
    topicNode.active = m_topicCounts.active;
    topicNode.deadLetter = m_topicCounts.deadLetter;
    topicNode.note = m_subscriptions.size() == 1 ? tr("1 subscription") : tr("%1 subscriptions").arg(m_subscriptions.size());
    m_nodes.push_back(topicNode);

    // Columns: topic | subscriptions | targets; rows centred on each other.
    const qreal subsHeight = std::max<qreal>(kNodeHeight, qreal(m_subscriptions.size()) * (kNodeHeight + kRowGap) - kRowGap);
    m_nodes.front().rect = QRectF(0, (subsHeight - kNodeHeight) / 2, kNodeWidth, kNodeHeight);
    const qreal subX = kNodeWidth + kColumnGap;
    const qreal targetX = 2 * (kNodeWidth + kColumnGap);
    std::vector<std::string> targetOrder;
    for (std::size_t i = 0; i < m_subscriptions.size(); ++i) {
        const auto &s = m_subscriptions[i];
        Node n;
        n.id = QStringLiteral("subscription:") + qs(s.description.name);
        n.name = qs(s.description.name);
        n.kind = NodeKind::Subscription;
        n.active = s.counts.active;
        n.deadLetter = s.counts.deadLetter;
        if (s.description.status != core::broker::EntityStatus::Active)
            n.note = QLatin1String(core::broker::entityStatusName(s.description.status));
        n.rect = QRectF(subX, qreal(i) * (kNodeHeight + kRowGap), kNodeWidth, kNodeHeight);
        m_nodes.push_back(n);

        QStringList rules;
        for (const auto &r : s.rules)
            rules << qs(r.name) + QStringLiteral(": ") + filterKind(r.filter) + (r.action ? tr(" + action") : QString());
        QString label = rules.mid(0, 3).join(QStringLiteral(", "));
        if (rules.size() > 3)
            label += tr(" +%1 more").arg(rules.size() - 3);
        if (rules.isEmpty())
            label = tr("no rules");
        m_edges.push_back({m_nodes.front().id, n.id, label, false});

        for (const std::string *t : {&s.description.forwardTo, &s.description.forwardDeadLetteredMessagesTo}) {
            if (t->empty())
                continue;
            if (std::find(targetOrder.begin(), targetOrder.end(), *t) == targetOrder.end())
                targetOrder.push_back(*t);
            const bool dead = t == &s.description.forwardDeadLetteredMessagesTo;
            m_edges.push_back({n.id, QStringLiteral("target:") + qs(*t), dead ? tr("Dead letters") : tr("ForwardTo"), dead});
        }
    }
    for (std::size_t i = 0; i < targetOrder.size(); ++i) {
        const auto it = m_targets.find(targetOrder[i]);
        const TargetData data = it == m_targets.end() ? TargetData{} : it->second;
        Node n;
        n.id = QStringLiteral("target:") + qs(targetOrder[i]);
        n.name = qs(targetOrder[i]);
        n.kind = data.kind;
        n.active = data.counts.active;
        n.deadLetter = data.counts.deadLetter;
        if (data.kind == NodeKind::Missing)
            n.note = tr("not found");
        // Next to the first subscription that forwards there.
        qreal y = qreal(i) * (kNodeHeight + kRowGap);
        for (const auto &e : m_edges) {
            if (e.to == n.id) {
                if (const Node *from = node(e.from))
                    y = std::max(y, from->rect.top());
                break;
            }
        }
        for (const auto &other : m_nodes) {
            if (other.rect.left() == targetX && std::abs(other.rect.top() - y) < kNodeHeight + kRowGap)
                y = other.rect.bottom() + kRowGap;
        }
        n.rect = QRectF(targetX, y, kNodeWidth, kNodeHeight);
        m_nodes.push_back(n);
    }
    buildScene();
}

void TopologyView::buildScene()
{
    QGraphicsScene *s = scene();
    s->clear();
    const QPalette pal = palette();
    const bool dark = pal.color(QPalette::Base).lightness() < 128;
    const QColor text = pal.color(QPalette::Text);
    const QColor secondary = pal.color(QPalette::PlaceholderText);
    const QColor edgeColor = dark ? QColor(0x8b, 0x94, 0x9e) : QColor(0x57, 0x60, 0x6a);
    const QColor deadColor = dark ? QColor(0xff, 0x7b, 0x72) : QColor(0xcf, 0x22, 0x2e);
    setBackgroundBrush(pal.color(QPalette::Window));
    QFont bold = font();
    bold.setBold(true);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.9);

    if (!m_error.isEmpty()) {
        auto *err = s->addSimpleText(tr("Cannot load '%1': %2").arg(m_topic, m_error));
        err->setBrush(deadColor);
    }

    for (const Edge &e : m_edges) {
        const Node *from = node(e.from);
        const Node *to = node(e.to);
        if (!from || !to)
            continue;
        const QPointF a(from->rect.right(), from->rect.center().y());
        const QPointF b(to->rect.left(), to->rect.center().y());
        // A curve, then a straight run into the target that carries the label.
        QPainterPath path(a);
        const QPointF straight(b.x() - std::min<qreal>(120, (b.x() - a.x()) / 2), b.y());
        const qreal dx = (straight.x() - a.x()) / 2;
        path.cubicTo(a + QPointF(dx, 0), straight - QPointF(dx, 0), straight);
        path.lineTo(b);
        QPen pen(e.deadLetter ? deadColor : edgeColor, 1.6);
        if (e.deadLetter)
            pen.setStyle(Qt::DashLine);
        s->addPath(path, pen);
        QPolygonF arrow;
        arrow << b << b + QPointF(-9, -4.5) << b + QPointF(-9, 4.5);
        s->addPolygon(arrow, QPen(pen.color()), QBrush(pen.color()));

        // Above the last, horizontal stretch of the edge, right-aligned to the arrow: targets are one row
        // apart, so labels of fanning edges never overlap. Long labels are elided (full text in the tooltip).
        const QFontMetrics fm(small);
        auto *label = new QGraphicsSimpleTextItem(fm.elidedText(e.label, Qt::ElideRight, int(kColumnGap - 40)));
        label->setFont(small);
        label->setBrush(e.deadLetter ? deadColor : text);
        label->setToolTip(e.label);
        QRectF lr = label->boundingRect().adjusted(-4, -1, 4, 1);
        lr.moveBottomRight(QPointF(b.x() - 12, b.y() - 3));
        s->addRect(lr, QPen(Qt::NoPen), QBrush(pal.color(QPalette::Window)))->setZValue(1);
        label->setZValue(2);
        label->setPos(lr.topLeft() + QPointF(4, 1));
        s->addItem(label);
    }

    for (const Node &n : m_nodes) {
        const bool missing = n.kind == NodeKind::Missing;
        QPainterPath box;
        box.addRoundedRect(n.rect, 8, 8);
        QColor border = n.kind == NodeKind::Topic ? pal.color(QPalette::Highlight) : pal.color(QPalette::Mid);
        if (missing)
            border = deadColor;
        s->addPath(box, QPen(border, n.kind == NodeKind::Topic ? 2.0 : 1.2), QBrush(pal.color(QPalette::Base)));
        const QIcon icon(QStringLiteral(":/busyard/icons/%1.svg").arg(QLatin1String(iconName(n.kind))));
        auto *pix = s->addPixmap(icon.pixmap(QSize(20, 20), devicePixelRatioF()));
        pix->setPos(n.rect.left() + 10, n.rect.top() + 10);
        auto *title = s->addSimpleText(fontMetrics().elidedText(n.name, Qt::ElideMiddle, int(kNodeWidth - 50)), bold);
        title->setBrush(text);
        title->setPos(n.rect.left() + 38, n.rect.top() + 9);
        title->setToolTip(n.name);
        QString line = countsText(n);
        if (n.kind == NodeKind::Topic)
            line = n.note;
        else if (!n.note.isEmpty() && !missing)
            line += QStringLiteral(" · ") + n.note;
        auto *counts = s->addSimpleText(line, small);
        counts->setBrush(missing ? deadColor : (n.deadLetter > 0 ? deadColor : secondary));
        if (n.kind != NodeKind::Topic && !missing && n.deadLetter == 0)
            counts->setBrush(secondary);
        counts->setPos(n.rect.left() + 38, n.rect.top() + 32);
    }
    s->setSceneRect(s->itemsBoundingRect().adjusted(-20, -20, 20, 20));
    resetTransform();
    const QRectF r = s->sceneRect();
    if (r.width() > viewport()->width() || r.height() > viewport()->height())
        fitInView(r, Qt::KeepAspectRatio);
}

void TopologyView::changeEvent(QEvent *event)
{
    QGraphicsView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        buildScene();
}

void TopologyView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    if (!scene())
        return;
    resetTransform();
    const QRectF r = scene()->sceneRect();
    if (r.width() > viewport()->width() || r.height() > viewport()->height())
        fitInView(r, Qt::KeepAspectRatio);
}

} // namespace busyard::widgets
