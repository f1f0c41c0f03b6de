#include "propertiespanel.h"

#include "durationedit.h"

#include <QtCore/QDateTime>
#include <QtCore/QLocale>

#include <functional>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTreeWidget>
#include <QtWidgets/QVBoxLayout>

namespace busyard::widgets {

namespace broker = core::broker;
using models::EntityKind;

namespace {

QString text(const std::string &s)
{
    return s.empty() ? QObject::tr("(none)") : QString::fromStdString(s);
}

QString yesNo(bool b)
{
    return b ? QObject::tr("Yes") : QObject::tr("No");
}

QString duration(core::Duration d)
{
    if (d >= core::kMaxDuration)
        return QObject::tr("never");
    return DurationEdit::format(d) + QStringLiteral("  (") + QString::fromStdString(broker::formatTimeSpan(d))
           + QLatin1Char(')');
}

QString time(core::TimePoint t)
{
    if (t.time_since_epoch().count() == 0)
        return QObject::tr("(unknown)");
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(t.time_since_epoch().count()), QLocale::ShortFormat);
}

QString number(qint64 n)
{
    return QLocale().toString(n);
}

QString status(broker::EntityStatus s)
{
    return QString::fromLatin1(broker::entityStatusName(s));
}

} // namespace

PropertiesPanel::PropertiesPanel(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("propertiesPanel"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    auto *header = new QHBoxLayout;
    header->setContentsMargins(6, 0, 6, 0);
    m_title = new QLabel(this);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    header->addWidget(m_title, 1);
    m_open = new QPushButton(tr("Open"), this);
    m_open->setObjectName(QStringLiteral("openButton"));
    m_edit = new QPushButton(QIcon(QStringLiteral(":/busyard/icons/edit.svg")), tr("Edit…"), this);
    m_edit->setObjectName(QStringLiteral("editButton"));
    header->addWidget(m_open);
    header->addWidget(m_edit);
    layout->addLayout(header);

    m_tree = new QTreeWidget(this);
    m_tree->setColumnCount(2);
    m_tree->setHeaderLabels({tr("Property"), tr("Value")});
    m_tree->setRootIsDecorated(false);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setColumnWidth(0, fontMetrics().averageCharWidth() * 26);
    m_tree->setFrameShape(QFrame::NoFrame);
    layout->addWidget(m_tree, 1);

    connect(m_edit, &QPushButton::clicked, this, &PropertiesPanel::editRequested);
    connect(m_open, &QPushButton::clicked, this, &PropertiesPanel::openRequested);
    clear();
}

void PropertiesPanel::clear()
{
    m_title->setText(tr("No selection"));
    m_tree->clear();
    m_edit->setEnabled(false);
    m_open->setEnabled(false);
}

QString PropertiesPanel::value(const QString &property) const
{
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        QTreeWidgetItem *group = m_tree->topLevelItem(i);
        if (group->data(0, Qt::UserRole).toString() == property)
            return group->text(1);
    }
    return {};
}

void PropertiesPanel::setItem(const models::EntityItem &item, bool readOnly)
{
    m_tree->clear();
    QFont sectionFont = font();
    sectionFont.setBold(true);
    const auto section = [&](const QString &title) {
        auto *row = new QTreeWidgetItem(m_tree, {title});
        row->setFont(0, sectionFont);
        row->setFirstColumnSpanned(true);
        row->setFlags(Qt::ItemIsEnabled);
    };
    const auto add = [&](const char *property, const QString &label, const QString &value) {
        auto *row = new QTreeWidgetItem(m_tree, {label, value});
        row->setData(0, Qt::UserRole, QString::fromLatin1(property));
        row->setToolTip(0, QString::fromLatin1(property));
        row->setToolTip(1, value);
    };
    const auto counts = [&](const broker::RuntimeCounts &c, bool topic) {
        section(tr("Messages"));
        if (!topic) {
            add("ActiveMessageCount", tr("Active"), number(c.active));
            add("DeadLetterMessageCount", tr("Dead-letter"), number(c.deadLetter));
        }
        add("ScheduledMessageCount", tr("Scheduled"), number(c.scheduled));
        if (!topic) {
            add("TransferMessageCount", tr("Transfer"), number(c.transfer));
            add("TransferDeadLetterMessageCount", tr("Transfer dead-letter"), number(c.transferDeadLetter));
        }
        add("SizeInBytes", tr("Size"), QLocale().formattedDataSize(c.sizeInBytes));
        if (topic)
            add("SubscriptionCount", tr("Subscriptions"), number(c.subscriptionCount));
    };
    const auto stamps = [&](core::TimePoint created, core::TimePoint updated, core::TimePoint accessed) {
        section(tr("Timestamps"));
        add("CreatedAt", tr("Created"), time(created));
        add("UpdatedAt", tr("Updated"), time(updated));
        add("AccessedAt", tr("Accessed"), time(accessed));
    };

    QString title = item.entityPath.isEmpty() ? item.name : item.entityPath;
    bool editable = false;
    switch (item.kind) {
    case EntityKind::Queue: {
        const auto &q = item.queue->description;
        title = tr("Queue %1").arg(item.entityPath);
        editable = true;
        counts(item.counts, false);
        section(tr("Settings"));
        add("Status", tr("Status"), status(q.status));
        add("LockDuration", tr("Lock duration"), duration(q.lockDuration));
        add("MaxDeliveryCount", tr("Max delivery count"), number(q.maxDeliveryCount));
        add("DefaultMessageTimeToLive", tr("Message time to live"), duration(q.defaultMessageTimeToLive));
        add("DeadLetteringOnMessageExpiration", tr("Dead-letter on expiration"), yesNo(q.deadLetteringOnMessageExpiration));
        add("MaxSizeInMegabytes", tr("Max size"), tr("%1 MB").arg(number(q.maxSizeInMegabytes)));
        add("MaxMessageSizeInKilobytes", tr("Max message size"), tr("%1 KB").arg(number(q.maxMessageSizeInKilobytes)));
        add("RequiresSession", tr("Requires sessions"), yesNo(q.requiresSession));
        add("RequiresDuplicateDetection", tr("Duplicate detection"), yesNo(q.requiresDuplicateDetection));
        add("DuplicateDetectionHistoryTimeWindow", tr("Duplicate window"), duration(q.duplicateDetectionHistoryTimeWindow));
        add("AutoDeleteOnIdle", tr("Auto-delete on idle"), duration(q.autoDeleteOnIdle));
        add("ForwardTo", tr("Forward to"), text(q.forwardTo));
        add("ForwardDeadLetteredMessagesTo", tr("Forward dead letters to"), text(q.forwardDeadLetteredMessagesTo));
        add("EnablePartitioning", tr("Partitioned"), yesNo(q.enablePartitioning));
        add("EnableBatchedOperations", tr("Batched operations"), yesNo(q.enableBatchedOperations));
        add("EnableExpress", tr("Express"), yesNo(q.enableExpress));
        add("UserMetadata", tr("User metadata"), text(q.userMetadata));
        stamps(q.createdAt, q.updatedAt, q.accessedAt);
        break;
    }
    case EntityKind::Topic: {
        const auto &t = item.topic->description;
        title = tr("Topic %1").arg(item.entityPath);
        editable = true;
        counts(item.counts, true);
        section(tr("Settings"));
        add("Status", tr("Status"), status(t.status));
        add("DefaultMessageTimeToLive", tr("Message time to live"), duration(t.defaultMessageTimeToLive));
        add("MaxSizeInMegabytes", tr("Max size"), tr("%1 MB").arg(number(t.maxSizeInMegabytes)));
        add("MaxMessageSizeInKilobytes", tr("Max message size"), tr("%1 KB").arg(number(t.maxMessageSizeInKilobytes)));
        add("RequiresDuplicateDetection", tr("Duplicate detection"), yesNo(t.requiresDuplicateDetection));
        add("DuplicateDetectionHistoryTimeWindow", tr("Duplicate window"), duration(t.duplicateDetectionHistoryTimeWindow));
        add("AutoDeleteOnIdle", tr("Auto-delete on idle"), duration(t.autoDeleteOnIdle));
        add("EnablePartitioning", tr("Partitioned"), yesNo(t.enablePartitioning));
        add("EnableBatchedOperations", tr("Batched operations"), yesNo(t.enableBatchedOperations));
        add("SupportOrdering", tr("Ordering"), yesNo(t.supportOrdering));
        add("UserMetadata", tr("User metadata"), text(t.userMetadata));
        stamps(t.createdAt, t.updatedAt, t.accessedAt);
        break;
    }
    case EntityKind::Subscription: {
        const auto &s = item.subscription->description;
        title = tr("Subscription %1").arg(item.entityPath);
        editable = true;
        counts(item.counts, false);
        section(tr("Settings"));
        add("Status", tr("Status"), status(s.status));
        add("LockDuration", tr("Lock duration"), duration(s.lockDuration));
        add("MaxDeliveryCount", tr("Max delivery count"), number(s.maxDeliveryCount));
        add("DefaultMessageTimeToLive", tr("Message time to live"), duration(s.defaultMessageTimeToLive));
        add("DeadLetteringOnMessageExpiration", tr("Dead-letter on expiration"), yesNo(s.deadLetteringOnMessageExpiration));
        add("DeadLetteringOnFilterEvaluationExceptions", tr("Dead-letter on filter errors"),
            yesNo(s.deadLetteringOnFilterEvaluationExceptions));
        add("RequiresSession", tr("Requires sessions"), yesNo(s.requiresSession));
        add("AutoDeleteOnIdle", tr("Auto-delete on idle"), duration(s.autoDeleteOnIdle));
        add("ForwardTo", tr("Forward to"), text(s.forwardTo));
        add("ForwardDeadLetteredMessagesTo", tr("Forward dead letters to"), text(s.forwardDeadLetteredMessagesTo));
        add("EnableBatchedOperations", tr("Batched operations"), yesNo(s.enableBatchedOperations));
        add("UserMetadata", tr("User metadata"), text(s.userMetadata));
        stamps(s.createdAt, s.updatedAt, s.accessedAt);
        break;
    }
    case EntityKind::Rule: {
        const auto &r = *item.rule;
        title = tr("Rule %1 of %2/%3").arg(item.name, item.topicName, item.subscriptionName);
        editable = true;
        section(tr("Rule"));
        add("Name", tr("Name"), QString::fromStdString(r.name));
        struct Visitor
        {
            const std::function<void(const char *, const QString &, const QString &)> &add;
            void operator()(const broker::SqlFilter &f) const
            {
                add("FilterType", QObject::tr("Filter"), QObject::tr("SQL filter"));
                add("SqlExpression", QObject::tr("Expression"), QString::fromStdString(f.expression));
            }
            void operator()(const broker::CorrelationFilter &f) const
            {
                add("FilterType", QObject::tr("Filter"), QObject::tr("Correlation filter"));
                const std::pair<const char *, const std::optional<std::string> *> fields[] = {
                    {"CorrelationId", &f.correlationId}, {"MessageId", &f.messageId}, {"To", &f.to},
                    {"ReplyTo", &f.replyTo}, {"Subject", &f.subject}, {"SessionId", &f.sessionId},
                    {"ReplyToSessionId", &f.replyToSessionId}, {"ContentType", &f.contentType}};
                for (const auto &[name, value] : fields) {
                    if (*value)
                        add(name, QString::fromLatin1(name), QString::fromStdString(**value));
                }
                for (const auto &[name, value] : f.properties.entries())
                    add("Property", QString::fromStdString(name), QString::fromStdString(value.toDisplayString()));
            }
            void operator()(const broker::TrueFilter &) const
            {
                add("FilterType", QObject::tr("Filter"), QObject::tr("True (1=1)"));
            }
            void operator()(const broker::FalseFilter &) const
            {
                add("FilterType", QObject::tr("Filter"), QObject::tr("False (1=0)"));
            }
        };
        const std::function<void(const char *, const QString &, const QString &)> addFn = add;
        std::visit(Visitor{addFn}, r.filter);
        add("SqlRuleAction", tr("Action"), r.action ? QString::fromStdString(r.action->expression) : tr("(none)"));
        add("CreatedAt", tr("Created"), time(r.createdAt));
        break;
    }
    case EntityKind::DeadLetterQueue:
    case EntityKind::TransferDeadLetterQueue:
        title = item.kind == EntityKind::DeadLetterQueue ? tr("Dead-letter queue of %1") : tr("Transfer dead-letter queue of %1");
        title = title.arg(item.entityPath.section(QLatin1Char('/'), 0,
                                                  item.kind == EntityKind::DeadLetterQueue ? -2 : -3));
        section(tr("Messages"));
        add("MessageCount", tr("Messages"), number(*item.ownCount()));
        add("EntityPath", tr("Path"), item.entityPath);
        break;
    default:
        break;
    }
    m_title->setText(title);
    m_edit->setEnabled(editable && !readOnly);
    m_edit->setToolTip(readOnly && editable ? tr("The connection is read-only") : QString());
    m_open->setEnabled(item.isBrowsable());
}

} // namespace busyard::widgets
