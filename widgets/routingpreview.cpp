#include "routingpreview.h"

#include "propertytable.h"

#include "emptystate.h"
#include "messageexport.h"

#include "core/client/namespaceconnection.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardItemModel>
#include <QTableView>
#include <QTableWidget>
#include <QTreeView>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

namespace busyard::widgets {

namespace {

using core::broker::CopyFate;
using core::broker::RoutedCopy;
using core::broker::RoutingResult;
using core::broker::RuleOutcome;
using core::broker::SubscriptionRouting;

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

QIcon icon(const char *name)
{
    return QIcon(QStringLiteral(":/busyard/icons/%1.svg").arg(QLatin1String(name)));
}

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

QColor goodColor(const QPalette &p)
{
    return isDark(p) ? QColor(0x56, 0xd3, 0x64) : QColor(0x1a, 0x7f, 0x37);
}

QColor badColor(const QPalette &p)
{
    return isDark(p) ? QColor(0xff, 0x7b, 0x72) : QColor(0xcf, 0x22, 0x2e);
}

QColor warnColor(const QPalette &p)
{
    return isDark(p) ? QColor(0xe3, 0xb3, 0x41) : QColor(0x9a, 0x67, 0x00);
}

QString outcomeText(RuleOutcome outcome)
{
    switch (outcome) {
    case RuleOutcome::Matched: return RoutingPreviewWidget::tr("✓ matched");
    case RuleOutcome::NotMatched: return RoutingPreviewWidget::tr("✗ not matched");
    case RuleOutcome::Unknown: return RoutingPreviewWidget::tr("? unknown (absent property)");
    case RuleOutcome::Error: return RoutingPreviewWidget::tr("⚠ evaluation error");
    case RuleOutcome::Invalid: return RoutingPreviewWidget::tr("⚠ cannot evaluate");
    }
    return {};
}

QString fateText(const RoutedCopy &c)
{
    switch (c.fate) {
    case CopyFate::Active: return RoutingPreviewWidget::tr("Active");
    case CopyFate::DeadLetter: return RoutingPreviewWidget::tr("Dead-letter: %1").arg(qs(c.deadLetterReason));
    case CopyFate::Forwarded:
        return c.deadLetterReason.empty()
                   ? RoutingPreviewWidget::tr("Forwarded → %1").arg(qs(c.forwardTo))
                   : RoutingPreviewWidget::tr("Dead-lettered (%1), forwarded → %2").arg(qs(c.deadLetterReason), qs(c.forwardTo));
    case CopyFate::Dropped: return RoutingPreviewWidget::tr("Dropped (action failed)");
    }
    return {};
}

/** "3" / "1 (dead-letter)" / "2 (1 dead-letter)". */
QString copiesText(const SubscriptionRouting &s)
{
    const int total = s.count(CopyFate::Active) + s.count(CopyFate::Forwarded) + s.count(CopyFate::DeadLetter);
    const int dead = s.count(CopyFate::DeadLetter)
                     + int(std::count_if(s.copies.begin(), s.copies.end(), [](const RoutedCopy &c) {
                           return c.fate == CopyFate::Forwarded && !c.deadLetterReason.empty();
                       }));
    if (dead == 0)
        return QString::number(total);
    return RoutingPreviewWidget::tr("%1 (%2 dead-letter)").arg(total).arg(dead);
}

QString matchedRulesText(const SubscriptionRouting &s)
{
    QStringList names;
    for (const auto &r : s.rules) {
        if (r.outcome == RuleOutcome::Matched)
            names << qs(r.ruleName);
        else if (r.outcome == RuleOutcome::Error)
            names << RoutingPreviewWidget::tr("%1 (error)").arg(qs(r.ruleName));
    }
    return names.join(QStringLiteral(", "));
}

QString messageLabel(const core::Message &m, int index)
{
    QString text = RoutingPreviewWidget::tr("#%1").arg(index + 1);
    const std::string id = m.messageIdString();
    if (!id.empty())
        text += QStringLiteral("  ") + qs(id);
    if (m.subject)
        text += QStringLiteral("  (") + qs(*m.subject) + QLatin1Char(')');
    return text;
}

/** "1 copy" / "3 copies" (no translation files ship, so %n plurals would read "copy(ies)"). */
QString plural(int n, const QString &one, const QString &many)
{
    return (n == 1 ? one : many).arg(n);
}

QStandardItem *item(const QString &text)
{
    auto *i = new QStandardItem(text);
    i->setEditable(false);
    return i;
}

/** The system properties an action can change, as (name, text) for comparison. */
std::vector<std::pair<QString, QString>> systemFields(const core::Message &m)
{
    auto opt = [](const std::optional<std::string> &s) { return s ? qs(*s) : QString(); };
    return {{QStringLiteral("sys.Label"), opt(m.subject)},
            {QStringLiteral("sys.CorrelationId"), qs(m.correlationId.isNull() ? std::string() : m.correlationId.toDisplayString())},
            {QStringLiteral("sys.MessageId"), qs(m.messageIdString())},
            {QStringLiteral("sys.SessionId"), opt(m.sessionId)},
            {QStringLiteral("sys.To"), opt(m.to)},
            {QStringLiteral("sys.ReplyTo"), opt(m.replyTo)},
            {QStringLiteral("sys.ContentType"), opt(m.contentType)}};
}

} // namespace

// ---- RoutingPreviewWidget ------------------------------------------------------------------------

RoutingPreviewWidget::RoutingPreviewWidget(client::NamespaceConnection *connection, QString topic, QWidget *parent)
    : QWidget(parent), m_connection(connection), m_topic(std::move(topic))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_stack = new QStackedWidget(this);
    layout->addWidget(m_stack);

    m_loadingLabel = new QLabel(tr("Loading the subscriptions and rules of '%1'…").arg(m_topic), m_stack);
    m_loadingLabel->setAlignment(Qt::AlignCenter);
    m_stack->addWidget(m_loadingLabel);
    m_empty = new EmptyState(icon("subscription"), tr("No subscriptions"),
                             tr("Topic '%1' has no subscriptions: every message sent to it is accepted and dropped.")
                                 .arg(m_topic),
                             m_stack);
    m_stack->addWidget(m_empty);
    m_errorState = new EmptyState(icon("topic"), tr("Cannot load the routing rules"), QString(), m_stack);
    m_stack->addWidget(m_errorState);

    auto *page = new QWidget(m_stack);
    m_page = page;
    auto *pageLayout = new QVBoxLayout(page);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    m_status = new QLabel(page);
    m_status->setObjectName(QStringLiteral("routingStatus"));
    m_status->setWordWrap(true);
    pageLayout->addWidget(m_status);

    m_multiBar = new QWidget(page);
    auto *multiLayout = new QVBoxLayout(m_multiBar);
    multiLayout->setContentsMargins(0, 0, 0, 0);
    m_summary = new QStandardItemModel(0, SummaryColumnCount, this);
    m_summary->setHorizontalHeaderLabels({tr("Subscription"), tr("Messages"), tr("Copies"), tr("Dead-letter"), tr("Forward to")});
    m_summaryView = new QTableView(m_multiBar);
    m_summaryView->setObjectName(QStringLiteral("routingSummary"));
    m_summaryView->setModel(m_summary);
    m_summaryView->verticalHeader()->hide();
    m_summaryView->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_summaryView->horizontalHeader()->setStretchLastSection(true);
    m_summaryView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_summaryView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_summaryView->setColumnWidth(SummaryName, 180);
    m_summaryView->setColumnWidth(SummaryMessages, 170);
    m_summaryView->verticalHeader()->setDefaultSectionSize(m_summaryView->fontMetrics().height() + 8);
    multiLayout->addWidget(m_summaryView);
    auto *pickRow = new QHBoxLayout;
    pickRow->addWidget(new QLabel(tr("Message:"), m_multiBar));
    m_messagePicker = new QComboBox(m_multiBar);
    m_messagePicker->setObjectName(QStringLiteral("messagePicker"));
    m_messagePicker->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_messagePicker->setMinimumContentsLength(30);
    pickRow->addWidget(m_messagePicker, 1);
    multiLayout->addLayout(pickRow);
    pageLayout->addWidget(m_multiBar);
    m_multiBar->hide();
    connect(m_messagePicker, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index >= 0 && index != m_current)
            setCurrentMessage(index);
    });

    auto *splitter = new QSplitter(Qt::Horizontal, page);
    m_model = new QStandardItemModel(0, ColumnCount, this);
    m_model->setHorizontalHeaderLabels({tr("Subscription / rule"), tr("Receives"), tr("Matched rule"), tr("Copies"), tr("Forward to")});
    m_tree = new QTreeView(splitter);
    m_tree->setObjectName(QStringLiteral("routingTree"));
    m_tree->setModel(m_model);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tree->header()->setStretchLastSection(false);
    m_tree->setColumnWidth(NameColumn, 150);
    m_tree->setColumnWidth(ReceivesColumn, 165);
    m_tree->setColumnWidth(RuleColumn, 190);
    m_tree->setColumnWidth(CopiesColumn, 55);
    m_tree->setColumnWidth(ForwardColumn, 100);
    m_detail = new QTreeWidget(splitter);
    m_detail->setObjectName(QStringLiteral("routingDetail"));
    m_detail->setColumnCount(3);
    m_detail->setHeaderLabels({tr("Copy / property"), tr("Value"), tr("Type")});
    m_detail->setUniformRowHeights(true);
    m_detail->setColumnWidth(0, 130);
    m_detail->setColumnWidth(1, 100);
    splitter->addWidget(m_tree);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({600, 360});
    pageLayout->addWidget(splitter, 1);
    m_stack->addWidget(page);

    connect(m_tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &RoutingPreviewWidget::fillDetail);

    reload();
}

RoutingPreviewWidget::~RoutingPreviewWidget() = default;

RoutingPreviewWidget::Factory RoutingPreviewWidget::factory(client::NamespaceConnection *connection)
{
    QPointer<client::NamespaceConnection> guard(connection);
    return [guard](QWidget *parent, const QString &topic, const std::vector<core::Message> &copies) -> QWidget * {
        auto *w = new RoutingPreviewWidget(guard.data(), topic, parent);
        w->setMessages(copies);
        return w;
    };
}

const core::broker::RoutingTopology *RoutingPreviewWidget::topology() const
{
    return m_evaluator ? &m_evaluator->topology() : nullptr;
}

void RoutingPreviewWidget::setState(State state, const QString &error)
{
    m_error = error;
    switch (state) {
    case State::Loading: m_stack->setCurrentWidget(m_loadingLabel); break;
    case State::Empty: m_stack->setCurrentWidget(m_empty); break;
    case State::Error:
        m_errorState->setParent(nullptr);
        delete m_errorState;
        m_errorState = new EmptyState(icon("topic"), tr("Cannot load the routing rules"), error, m_stack);
        m_stack->addWidget(m_errorState);
        m_stack->setCurrentWidget(m_errorState);
        break;
    case State::Ready: m_stack->setCurrentWidget(m_page); break;
    }
    if (m_state != state) {
        m_state = state;
        Q_EMIT stateChanged(state);
    }
}

void RoutingPreviewWidget::reload()
{
    const quint64 generation = ++m_generation;
    m_loading = {};
    m_pendingRules = 0;
    setState(State::Loading);
    if (!m_connection) {
        setState(State::Error, tr("Not connected."));
        return;
    }
    const std::string topic = m_topic.toStdString();
    m_connection->getTopic(topic, this, [this, generation, topic](core::Result<client::TopicInfo> info) {
        if (generation != m_generation)
            return;
        if (!info) {
            setState(State::Error, qs(info.error().message));
            return;
        }
        m_loading.topicDefaultTimeToLive = info.value().description.defaultMessageTimeToLive;
        if (!m_connection)
            return;
        m_connection->listSubscriptions(topic, this,
                                        [this, generation, topic](core::Result<std::vector<client::SubscriptionInfo>> subs) {
            if (generation != m_generation)
                return;
            if (!subs) {
                setState(State::Error, qs(subs.error().message));
                return;
            }
            auto list = std::move(subs.value());
            std::sort(list.begin(), list.end(), [](const auto &a, const auto &b) {
                return core::broker::entityKey(a.description.name) < core::broker::entityKey(b.description.name);
            });
            for (auto &s : list)
                m_loading.subscriptions.push_back({std::move(s.description), {}});
            m_pendingRules = int(m_loading.subscriptions.size());
            if (m_pendingRules == 0) {
                onRulesListed();
                return;
            }
            for (std::size_t i = 0; i < m_loading.subscriptions.size(); ++i) {
                m_connection->listRules(topic, m_loading.subscriptions[i].description.name, this,
                                        [this, generation, i](core::Result<std::vector<core::broker::RuleDescription>> rules) {
                    if (generation != m_generation)
                        return;
                    if (!rules) {
                        ++m_generation; // ignore the other answers
                        setState(State::Error, qs(rules.error().message));
                        return;
                    }
                    m_loading.subscriptions[i].rules = std::move(rules.value());
                    if (--m_pendingRules == 0)
                        onRulesListed();
                });
            }
        });
    });
}

void RoutingPreviewWidget::onRulesListed()
{
    m_evaluator.emplace(std::move(m_loading));
    m_loading = {};
    if (m_evaluator->topology().subscriptions.empty()) {
        m_results.clear();
        setState(State::Empty);
        Q_EMIT evaluated();
        return;
    }
    setState(State::Ready);
    evaluate();
}

void RoutingPreviewWidget::setMessages(std::vector<core::Message> messages)
{
    m_messages = std::move(messages);
    if (m_current >= int(m_messages.size()))
        m_current = 0;
    if (m_evaluator)
        evaluate();
}

void RoutingPreviewWidget::evaluate()
{
    Q_ASSERT(m_evaluator);
    if (!m_evaluator)
        return;
    m_results.clear();
    m_results.reserve(m_messages.size());
    for (const auto &m : m_messages)
        m_results.push_back(m_evaluator->evaluate(m));

    m_messagePicker->blockSignals(true);
    m_messagePicker->clear();
    for (std::size_t i = 0; i < m_messages.size(); ++i)
        m_messagePicker->addItem(messageLabel(m_messages[i], int(i)));
    m_messagePicker->setCurrentIndex(m_current);
    m_messagePicker->blockSignals(false);
    m_multiBar->setVisible(m_messages.size() > 1);

    fillSummary();
    fillTree();
    updateStatus();
    Q_EMIT evaluated();
}

void RoutingPreviewWidget::setCurrentMessage(int index)
{
    if (index < 0 || index >= int(m_messages.size()))
        return;
    m_current = index;
    if (m_messagePicker->currentIndex() != index) {
        m_messagePicker->blockSignals(true);
        m_messagePicker->setCurrentIndex(index);
        m_messagePicker->blockSignals(false);
    }
    fillTree();
    updateStatus();
}

void RoutingPreviewWidget::updateStatus()
{
    const auto *topo = topology();
    if (!topo)
        return;
    int rules = 0;
    for (const auto &s : topo->subscriptions)
        rules += int(s.rules.size());
    QString text = tr("Topic <b>%1</b>: ").arg(m_topic.toHtmlEscaped())
                   + plural(int(topo->subscriptions.size()), tr("%1 subscription"), tr("%1 subscriptions"))
                   + QStringLiteral(", ") + plural(rules, tr("%1 rule."), tr("%1 rules."));
    if (m_messages.empty()) {
        text += QLatin1Char(' ') + tr("No message to route yet.");
    } else if (m_current < int(m_results.size())) {
        const RoutingResult &r = m_results[std::size_t(m_current)];
        int receiving = 0, copies = 0;
        for (const auto &s : r.subscriptions) {
            receiving += s.receives() ? 1 : 0;
            copies += int(s.copies.size());
        }
        if (m_messages.size() > 1)
            text += QLatin1Char(' ') + tr("Message %1 of %2:").arg(m_current + 1).arg(m_messages.size());
        text += QLatin1Char(' ')
                + (r.dropped() ? tr("no subscription receives it: the topic drops it.")
                               : plural(receiving, tr("%1 subscription receives it"), tr("%1 subscriptions receive it"))
                                     + plural(copies, tr(", %1 copy in total."), tr(", %1 copies in total.")));
    }
    m_status->setText(text);
}

void RoutingPreviewWidget::fillSummary()
{
    m_summary->removeRows(0, m_summary->rowCount());
    const auto *topo = topology();
    if (!topo)
        return;
    const QPalette pal = palette();
    for (std::size_t i = 0; i < topo->subscriptions.size(); ++i) {
        const auto &desc = topo->subscriptions[i].description;
        int receiving = 0, copies = 0, dead = 0;
        for (const auto &r : m_results) {
            const auto &s = r.subscriptions[i];
            receiving += s.receives() ? 1 : 0;
            copies += int(s.copies.size()) - s.count(CopyFate::Dropped);
            dead += s.count(CopyFate::DeadLetter);
        }
        QList<QStandardItem *> row;
        auto *name = item(qs(desc.name));
        name->setIcon(icon("subscription"));
        row << name;
        auto *received = item(tr("%1 of %2 messages").arg(receiving).arg(m_results.size()));
        received->setData(receiving, Qt::UserRole);
        received->setForeground(receiving > 0 ? goodColor(pal) : pal.color(QPalette::PlaceholderText));
        row << received;
        auto *copyItem = item(QString::number(copies));
        copyItem->setData(copies, Qt::UserRole);
        row << copyItem;
        auto *deadItem = item(QString::number(dead));
        deadItem->setData(dead, Qt::UserRole);
        if (dead > 0)
            deadItem->setForeground(badColor(pal));
        row << deadItem;
        row << item(desc.forwardTo.empty() ? QString() : QStringLiteral("→ ") + qs(desc.forwardTo));
        m_summary->appendRow(row);
    }
    const int rowsShown = std::min(m_summary->rowCount(), 6);
    m_summaryView->setFixedHeight(m_summaryView->horizontalHeader()->sizeHint().height()
                                  + rowsShown * m_summaryView->verticalHeader()->defaultSectionSize() + 2 * m_summaryView->frameWidth());
}

void RoutingPreviewWidget::fillTree()
{
    const QString selected = m_tree->currentIndex().isValid()
                                 ? m_model->index(m_tree->currentIndex().row(), 0, m_tree->currentIndex().parent()).data().toString()
                                 : QString();
    m_model->removeRows(0, m_model->rowCount());
    const auto *topo = topology();
    if (!topo || m_current >= int(m_results.size())) {
        fillDetail();
        return;
    }
    const QPalette pal = palette();
    const RoutingResult &result = m_results[std::size_t(m_current)];
    for (std::size_t i = 0; i < result.subscriptions.size(); ++i) {
        const SubscriptionRouting &s = result.subscriptions[i];
        const auto &rules = topo->subscriptions[i].rules;
        QList<QStandardItem *> row;
        auto *name = item(qs(s.subscription));
        name->setIcon(icon("subscription"));
        name->setData(QStringLiteral("subscription"), KindRole);
        name->setData(int(s.copies.size()) - s.count(CopyFate::Dropped), CopiesRole);
        QFont bold = name->font();
        bold.setBold(s.receives());
        name->setFont(bold);
        row << name;
        const bool delivered = s.deliveredCount() > 0;
        auto *receives = item(delivered ? tr("✓ yes") : s.receives() ? tr("⚠ dead-letter only") : tr("✗ no"));
        receives->setForeground(delivered ? goodColor(pal) : s.receives() ? warnColor(pal) : badColor(pal));
        if (s.uncertain())
            receives->setToolTip(tr("Some rules cannot be evaluated locally; the prediction may differ."));
        row << receives;
        row << item(matchedRulesText(s));
        row << item(s.receives() ? copiesText(s) : QStringLiteral("0"));
        row << item(s.forwardTo.empty() ? QString() : QStringLiteral("→ ") + qs(s.forwardTo));

        for (std::size_t k = 0; k < s.rules.size(); ++k) {
            const auto &ev = s.rules[k];
            QList<QStandardItem *> ruleRow;
            auto *ruleName = item(qs(ev.ruleName));
            ruleName->setIcon(icon("rule"));
            ruleName->setData(QStringLiteral("rule"), KindRole);
            ruleRow << ruleName;
            auto *outcome = item(outcomeText(ev.outcome));
            outcome->setForeground(ev.outcome == RuleOutcome::Matched       ? goodColor(pal)
                                   : ev.outcome == RuleOutcome::NotMatched ? pal.color(QPalette::PlaceholderText)
                                                                           : warnColor(pal));
            if (!ev.error.empty())
                outcome->setToolTip(qs(ev.error));
            ruleRow << outcome;
            QString filter = k < rules.size() ? qs(core::broker::describeFilter(rules[k].filter)) : QString();
            if (k < rules.size() && rules[k].action)
                filter += tr("  ⟶ action: %1").arg(qs(rules[k].action->expression));
            if (!ev.error.empty())
                filter += QStringLiteral("  — ") + qs(ev.error);
            auto *filterItem = item(filter);
            filterItem->setToolTip(filter);
            ruleRow << filterItem;
            ruleRow << item(QString()) << item(QString());
            name->appendRow(ruleRow);
        }
        for (std::size_t k = 0; k < s.copies.size(); ++k) {
            const RoutedCopy &c = s.copies[k];
            QList<QStandardItem *> copyRow;
            auto *copyName = item(tr("Copy %1").arg(k + 1));
            copyName->setIcon(icon(c.fate == CopyFate::DeadLetter ? "deadletter" : c.fate == CopyFate::Forwarded ? "transfer-deadletter" : "copy"));
            copyName->setData(QStringLiteral("copy"), KindRole);
            copyName->setData(int(k), CopiesRole);
            copyRow << copyName;
            auto *fate = item(fateText(c));
            fate->setForeground(c.fate == CopyFate::Active || (c.fate == CopyFate::Forwarded && c.deadLetterReason.empty())
                                    ? goodColor(pal)
                                    : badColor(pal));
            if (!c.deadLetterDescription.empty())
                fate->setToolTip(qs(c.deadLetterDescription));
            copyRow << fate;
            QString origin;
            if (c.fromAction)
                origin = tr("from %1 (action)").arg(qs(c.ruleName));
            else if (!c.mergedRules.empty())
                origin = tr("from %1").arg(qs(c.mergedRules.front()))
                         + (c.mergedRules.size() > 1 ? tr(" +%1").arg(c.mergedRules.size() - 1) : QString());
            else
                origin = tr("filter error");
            QStringList all;
            for (const auto &r : c.mergedRules)
                all << qs(r);
            if (!all.isEmpty())
                copyName->setToolTip(tr("One unmodified copy for the rules without action: %1").arg(all.join(QStringLiteral(", "))));
            copyRow << item(origin) << item(QString()) << item(c.forwardTo.empty() ? QString() : QStringLiteral("→ ") + qs(c.forwardTo));
            name->appendRow(copyRow);
        }
        m_model->appendRow(row);
    }
    m_tree->expandAll();
    if (!selectSubscription(selected)) {
        // Default: the first receiving subscription, so the detail pane has something to show.
        for (const auto &s : result.subscriptions) {
            if (s.receives()) {
                selectSubscription(qs(s.subscription));
                break;
            }
        }
    }
    fillDetail();
}

bool RoutingPreviewWidget::selectSubscription(const QString &name)
{
    if (name.isEmpty())
        return false;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_model->item(row, 0)->text().compare(name, Qt::CaseInsensitive) == 0) {
            m_tree->setCurrentIndex(m_model->index(row, 0));
            return true;
        }
    }
    return false;
}

void RoutingPreviewWidget::fillDetail()
{
    m_detail->clear();
    QModelIndex index = m_tree->currentIndex();
    if (!index.isValid() || m_current >= int(m_results.size()))
        return;
    while (index.parent().isValid())
        index = index.parent();
    const auto &result = m_results[std::size_t(m_current)];
    if (index.row() >= int(result.subscriptions.size()))
        return;
    const SubscriptionRouting &s = result.subscriptions[std::size_t(index.row())];
    const core::Message &original = m_messages[std::size_t(m_current)];
    const QPalette pal = palette();
    if (s.copies.empty()) {
        auto *none = new QTreeWidgetItem(m_detail, {tr("'%1' gets no copy of this message.").arg(qs(s.subscription))});
        none->setFirstColumnSpanned(true);
        return;
    }
    const auto originalSys = systemFields(original);
    for (std::size_t k = 0; k < s.copies.size(); ++k) {
        const RoutedCopy &c = s.copies[k];
        auto *top = new QTreeWidgetItem(m_detail, {tr("Copy %1 — %2").arg(k + 1).arg(fateText(c))});
        top->setFirstColumnSpanned(true);
        QFont bold = top->font(0);
        bold.setBold(true);
        top->setFont(0, bold);
        const auto copySys = systemFields(c.message);
        for (std::size_t f = 0; f < copySys.size(); ++f) {
            if (copySys[f].second == originalSys[f].second)
                continue;
            auto *changed = new QTreeWidgetItem(top, {copySys[f].first, copySys[f].second, tr("changed")});
            changed->setForeground(1, goodColor(pal));
            changed->setToolTip(1, tr("was: %1").arg(originalSys[f].second));
        }
        for (const auto &[name, value] : c.message.applicationProperties.entries()) {
            const core::Value *before = original.applicationProperties.find(name);
            auto *p = new QTreeWidgetItem(top, {qs(name), qs(value.toDisplayString()), QLatin1String(core::valueTypeName(value.type()))});
            if (!before || !(*before == value)) {
                QFont f = p->font(0);
                f.setBold(true);
                p->setFont(0, f);
                p->setFont(1, f);
                p->setForeground(1, goodColor(pal));
                p->setToolTip(1, before ? tr("was: %1").arg(qs(before->toDisplayString())) : tr("added"));
            }
        }
        for (const auto &[name, value] : original.applicationProperties.entries()) {
            if (c.message.applicationProperties.find(name))
                continue;
            auto *removed = new QTreeWidgetItem(top, {qs(name), tr("(removed)"), QLatin1String(core::valueTypeName(value.type()))});
            QFont f = removed->font(0);
            f.setStrikeOut(true);
            removed->setFont(0, f);
            removed->setForeground(1, badColor(pal));
        }
        if (top->childCount() == 0)
            new QTreeWidgetItem(top, {tr("(no application properties)")});
    }
    m_detail->expandAll();
}

// ---- RoutingPreviewDialog ------------------------------------------------------------------------

RoutingPreviewDialog::RoutingPreviewDialog(client::NamespaceConnection *connection, const QString &topic,
                                           std::vector<core::Message> messages, QWidget *parent)
    : QDialog(parent), m_given(std::move(messages))
{
    setWindowTitle(tr("Routing preview — %1").arg(topic));
    auto *layout = new QVBoxLayout(this);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    layout->addWidget(splitter, 1);

    auto *source = new QWidget(splitter);
    auto *sourceLayout = new QVBoxLayout(source);
    sourceLayout->setContentsMargins(0, 0, 0, 0);
    auto *group = new QButtonGroup(this);
    m_fromMessages = new QRadioButton(tr("From &messages:"), source);
    m_fromMessages->setObjectName(QStringLiteral("fromMessages"));
    group->addButton(m_fromMessages);
    sourceLayout->addWidget(m_fromMessages);
    m_list = new QListWidget(source);
    m_list->setObjectName(QStringLiteral("sourceMessages"));
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    for (std::size_t i = 0; i < m_given.size(); ++i)
        m_list->addItem(messageLabel(m_given[i], int(i)));
    m_list->setMaximumHeight(140);
    sourceLayout->addWidget(m_list);

    m_compose = new QRadioButton(tr("&Compose:"), source);
    m_compose->setObjectName(QStringLiteral("compose"));
    group->addButton(m_compose);
    sourceLayout->addWidget(m_compose);
    m_composePane = new QWidget(source);
    auto *composeLayout = new QVBoxLayout(m_composePane);
    composeLayout->setContentsMargins(0, 0, 0, 0);
    auto *form = new QFormLayout;
    auto lineEdit = [this](const char *objectName) {
        auto *e = new QLineEdit(m_composePane);
        e->setObjectName(QLatin1String(objectName));
        connect(e, &QLineEdit::textChanged, this, &RoutingPreviewDialog::refresh);
        return e;
    };
    m_subject = lineEdit("subject");
    m_correlationId = lineEdit("correlationId");
    m_messageId = lineEdit("messageId");
    m_sessionId = lineEdit("sessionId");
    m_contentType = lineEdit("contentType");
    form->addRow(tr("S&ubject (Label):"), m_subject);
    form->addRow(tr("Co&rrelation id:"), m_correlationId);
    form->addRow(tr("Message &id:"), m_messageId);
    form->addRow(tr("&Session id:"), m_sessionId);
    form->addRow(tr("Content &type:"), m_contentType);
    composeLayout->addLayout(form);
    m_body = new QPlainTextEdit(m_composePane);
    m_body->setObjectName(QStringLiteral("body"));
    m_body->setPlaceholderText(tr("Body (filters never read it)"));
    m_body->setMaximumHeight(70);
    connect(m_body, &QPlainTextEdit::textChanged, this, &RoutingPreviewDialog::refresh);
    composeLayout->addWidget(m_body);
    composeLayout->addWidget(new QLabel(tr("Application properties:"), m_composePane));
    m_properties = new PropertyTable(m_composePane);
    m_properties->setColumnWidth(0, 85);
    m_properties->setColumnWidth(1, 80);
    connect(m_properties, &PropertyTable::propertiesChanged, this, &RoutingPreviewDialog::refresh);
    composeLayout->addWidget(m_properties, 1);
    auto *buttons = new QHBoxLayout;
    auto *add = new QPushButton(tr("&Add"), m_composePane);
    add->setObjectName(QStringLiteral("addProperty"));
    auto *remove = new QPushButton(tr("Remove"), m_composePane);
    connect(add, &QPushButton::clicked, m_properties, [this] { m_properties->addNewProperty(2); });
    connect(remove, &QPushButton::clicked, m_properties, &PropertyTable::removeCurrentProperty);
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch(1);
    composeLayout->addLayout(buttons);
    m_composeError = new QLabel(m_composePane);
    m_composeError->setObjectName(QStringLiteral("composeError"));
    m_composeError->setWordWrap(true);
    QPalette errorPalette = m_composeError->palette();
    errorPalette.setColor(QPalette::WindowText, badColor(errorPalette));
    m_composeError->setPalette(errorPalette);
    composeLayout->addWidget(m_composeError);
    sourceLayout->addWidget(m_composePane, 1);

    m_preview = new RoutingPreviewWidget(connection, topic, splitter);
    splitter->addWidget(source);
    splitter->addWidget(m_preview);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 4);
    splitter->setSizes({270, 1000});

    auto *box = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto *reload = box->addButton(tr("&Reload rules"), QDialogButtonBox::ActionRole);
    reload->setIcon(icon("refresh"));
    connect(reload, &QPushButton::clicked, m_preview, &RoutingPreviewWidget::reload);
    connect(box, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(box);

    connect(m_fromMessages, &QRadioButton::toggled, this, &RoutingPreviewDialog::refresh);
    connect(m_list, &QListWidget::itemSelectionChanged, this, &RoutingPreviewDialog::refresh);
    m_fromMessages->setEnabled(!m_given.empty());
    if (!m_given.empty()) {
        m_list->selectAll();
        // Start composing from the first given message, so "Compose" means "edit this one".
        const core::Message &m = m_given.front();
        m_subject->setText(qs(m.subject.value_or(std::string())));
        m_correlationId->setText(m.correlationId.isNull() ? QString() : qs(m.correlationId.toDisplayString()));
        m_messageId->setText(qs(m.messageIdString()));
        m_sessionId->setText(qs(m.sessionId.value_or(std::string())));
        m_contentType->setText(qs(m.contentType.value_or(std::string())));
        m_body->setPlainText(QString::fromUtf8(m.body.data(), qsizetype(m.body.size())));
        for (const auto &[name, value] : m.applicationProperties.entries()) {
            const QString type = QLatin1String(core::valueTypeName(value.type()));
            addProperty(qs(name), editableValueTypes().contains(type) ? type : QStringLiteral("string"), valueEditText(value));
        }
    }
    setComposeMode(m_given.empty());
    resize(1150, 640);
}

void RoutingPreviewDialog::setComposeMode(bool compose)
{
    (compose ? m_compose : m_fromMessages)->setChecked(true);
    refresh();
}

bool RoutingPreviewDialog::isComposeMode() const
{
    return m_compose->isChecked();
}

QLineEdit *RoutingPreviewDialog::field(const QString &objectName) const
{
    return m_composePane->findChild<QLineEdit *>(objectName);
}

void RoutingPreviewDialog::addProperty(const QString &name, const QString &type, const QString &value)
{
    m_properties->addProperty(name, type, value);
}

core::Result<core::Message> RoutingPreviewDialog::composedMessage() const
{
    core::Message m;
    auto opt = [](const QLineEdit *e) {
        const QString t = e->text();
        return t.isEmpty() ? std::nullopt : std::optional<std::string>(t.toStdString());
    };
    m.subject = opt(m_subject);
    if (!m_correlationId->text().isEmpty())
        m.correlationId = core::Value::string(m_correlationId->text().toStdString());
    if (!m_messageId->text().isEmpty())
        m.messageId = core::Value::string(m_messageId->text().toStdString());
    m.sessionId = opt(m_sessionId);
    m.contentType = opt(m_contentType);
    m.body = m_body->toPlainText().toStdString();
    auto properties = m_properties->properties();
    if (!properties)
        return core::makeError(core::ErrorCode::InvalidArgument,
                               tr("Application properties: %1").arg(qs(properties.error().message)).toStdString());
    m.applicationProperties = std::move(properties.value());
    return m;
}

void RoutingPreviewDialog::refresh()
{
    const bool compose = m_compose->isChecked();
    m_composePane->setEnabled(compose);
    m_list->setEnabled(!compose);
    m_composeError->clear();
    std::vector<core::Message> messages;
    if (compose) {
        auto m = composedMessage();
        if (!m) {
            m_composeError->setText(qs(m.error().message));
            return; // keep showing the last valid message's routing
        }
        messages.push_back(std::move(m.value()));
    } else {
        for (int i = 0; i < m_list->count(); ++i) {
            if (m_list->item(i)->isSelected())
                messages.push_back(m_given[std::size_t(i)]);
        }
    }
    m_preview->setMessages(std::move(messages));
}

} // namespace busyard::widgets
