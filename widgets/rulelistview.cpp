#include "rulelistview.h"

#include "emptystate.h"
#include "entitydialogs.h"

#include "core/client/namespaceconnection.h"

#include <QtGui/QAction>
#include <QtGui/QFontDatabase>
#include <QtGui/QIcon>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QVBoxLayout>

namespace busyard::widgets {

namespace broker = core::broker;

namespace {

QIcon icon(const char *name)
{
    return QIcon(QStringLiteral(":/busyard/icons/%1.svg").arg(QLatin1String(name)));
}

QString quoted(const std::string &s)
{
    QString text = QString::fromStdString(s);
    text.replace(QLatin1Char('\''), QStringLiteral("''"));
    return QLatin1Char('\'') + text + QLatin1Char('\'');
}

QString valueText(const core::Value &v)
{
    return v.isText() ? quoted(v.bytes()) : QString::fromStdString(v.toDisplayString());
}

QString oneLine(QString text)
{
    return text.replace(QLatin1Char('\n'), QLatin1Char(' ')).replace(QLatin1Char('\r'), QLatin1Char(' '));
}

} // namespace

QString RuleListView::filterKind(const broker::RuleFilter &filter)
{
    switch (filter.index()) {
    case 0: return tr("SQL");
    case 1: return tr("Correlation");
    case 2: return tr("True");
    default: return tr("False");
    }
}

QString RuleListView::filterText(const broker::RuleFilter &filter)
{
    if (const auto *sql = std::get_if<broker::SqlFilter>(&filter))
        return oneLine(QString::fromStdString(sql->expression));
    if (const auto *c = std::get_if<broker::CorrelationFilter>(&filter)) {
        QStringList parts;
        const auto add = [&](const char *name, const std::optional<std::string> &value) {
            if (value)
                parts << QLatin1String(name) + QStringLiteral(" = ") + quoted(*value);
        };
        add("CorrelationId", c->correlationId);
        add("MessageId", c->messageId);
        add("To", c->to);
        add("ReplyTo", c->replyTo);
        add("Subject", c->subject);
        add("SessionId", c->sessionId);
        add("ReplyToSessionId", c->replyToSessionId);
        add("ContentType", c->contentType);
        for (const auto &[name, value] : c->properties.entries())
            parts << QStringLiteral("user.") + QString::fromStdString(name) + QStringLiteral(" = ") + valueText(value);
        return parts.join(QStringLiteral(", "));
    }
    if (std::holds_alternative<broker::TrueFilter>(filter))
        return QStringLiteral("1=1");
    return QStringLiteral("1=0");
}

RuleListView::RuleListView(client::NamespaceConnection *connection, QString topic, QString subscription, bool readOnly,
                           QWidget *parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_topic(std::move(topic))
    , m_subscription(std::move(subscription))
    , m_readOnly(readOnly)
{
    Q_ASSERT(connection);
    setObjectName(QStringLiteral("ruleListView"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    auto *toolbar = new QToolBar(this);
    toolbar->setObjectName(QStringLiteral("ruleToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->setIconSize(QSize(16, 16));
    m_add = toolbar->addAction(icon("add"), tr("&Add Rule…"), this, &RuleListView::addRule);
    m_add->setObjectName(QStringLiteral("addRule"));
    m_edit = toolbar->addAction(icon("edit"), tr("&Edit…"), this, &RuleListView::editRule);
    m_edit->setObjectName(QStringLiteral("editRule"));
    m_delete = toolbar->addAction(icon("delete"), tr("&Delete"), this, &RuleListView::deleteRule);
    m_delete->setObjectName(QStringLiteral("deleteRule"));
    m_delete->setShortcut(QKeySequence::Delete);
    m_delete->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    toolbar->addSeparator();
    m_refresh = toolbar->addAction(icon("refresh"), tr("&Refresh"), this, &RuleListView::refresh);
    m_refresh->setObjectName(QStringLiteral("refreshRules"));
    m_refresh->setShortcut(QKeySequence::Refresh);
    m_refresh->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    for (QAction *a : {m_add, m_edit, m_delete})
        a->setVisible(!m_readOnly);
    auto *spacer = new QWidget(toolbar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    toolbar->addWidget(spacer);
    auto *title = new QLabel(tr("Rules of %1/%2").arg(m_topic, m_subscription), toolbar);
    title->setForegroundRole(QPalette::PlaceholderText);
    title->setContentsMargins(0, 0, 6, 0);
    toolbar->addWidget(title);
    layout->addWidget(toolbar);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("ruleStatus"));
    m_status->setWordWrap(true);
    m_status->setContentsMargins(6, 4, 6, 4);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setVisible(false);
    layout->addWidget(m_status);

    m_pages = new QStackedWidget(this);
    m_table = new QTableWidget(0, ColumnCount, m_pages);
    m_table->setObjectName(QStringLiteral("ruleTable"));
    m_table->setHorizontalHeaderLabels({tr("Name"), tr("Filter kind"), tr("Filter"), tr("Action")});
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setColumnWidth(NameColumn, 160);
    m_table->setColumnWidth(KindColumn, 100);
    m_table->setColumnWidth(FilterColumn, 380);
    m_pages->addWidget(m_table);
    m_empty = new EmptyState(icon("rule"), tr("No rules"),
                             tr("This subscription receives no messages until it has a rule. Add one with a SQL "
                                "or correlation filter, or a TRUE filter to receive everything."),
                             m_pages);
    m_empty->setObjectName(QStringLiteral("ruleEmptyState"));
    m_pages->addWidget(m_empty);
    layout->addWidget(m_pages, 1);

    connect(m_table, &QTableWidget::itemSelectionChanged, this, &RuleListView::updateActions);
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int, int) {
        if (!m_readOnly)
            editRule();
    });
    updateActions();
    refresh();
}

RuleListView::~RuleListView() = default;

QString RuleListView::currentRuleName() const
{
    const int row = m_table->currentRow();
    if (row < 0 || !m_table->item(row, NameColumn) || !m_table->item(row, NameColumn)->isSelected())
        return {};
    return m_table->item(row, NameColumn)->text();
}

bool RuleListView::selectRule(const QString &name)
{
    for (int row = 0; row < m_table->rowCount(); ++row) {
        if (m_table->item(row, NameColumn)->text() == name) {
            m_table->selectRow(row);
            m_table->setCurrentCell(row, NameColumn);
            return true;
        }
    }
    return false;
}

void RuleListView::refresh()
{
    m_loading = true;
    setStatus(tr("Loading rules…"), false);
    m_refresh->setEnabled(false);
    m_connection->listRules(m_topic.toStdString(), m_subscription.toStdString(), this,
                            [this](core::Result<std::vector<broker::RuleDescription>> result) {
                                m_loading = false;
                                m_refresh->setEnabled(true);
                                if (!result) {
                                    setStatus(tr("Could not load the rules: %1")
                                                  .arg(QString::fromStdString(result.error().message)),
                                              true);
                                    Q_EMIT loaded();
                                    return;
                                }
                                setStatus(QString(), false);
                                onLoaded(std::move(result.value()));
                                Q_EMIT loaded();
                            });
}

void RuleListView::onLoaded(std::vector<broker::RuleDescription> rules)
{
    const QString keep = m_pendingSelect.isEmpty() ? currentRuleName() : m_pendingSelect;
    m_pendingSelect.clear();
    m_rules = std::move(rules);
    showRules();
    if (!keep.isEmpty())
        selectRule(keep);
    updateActions();
}

void RuleListView::showRules()
{
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_table->clearContents();
    m_table->setRowCount(int(m_rules.size()));
    for (int row = 0; row < int(m_rules.size()); ++row) {
        const broker::RuleDescription &rule = m_rules[std::size_t(row)];
        const auto cell = [&](int column, const QString &text, bool code) {
            auto *item = new QTableWidgetItem(text);
            item->setToolTip(text);
            if (code)
                item->setFont(mono);
            m_table->setItem(row, column, item);
            return item;
        };
        cell(NameColumn, QString::fromStdString(rule.name), false);
        cell(KindColumn, filterKind(rule.filter), false);
        cell(FilterColumn, filterText(rule.filter), true);
        QTableWidgetItem *action = cell(ActionColumn,
                                        rule.action ? oneLine(QString::fromStdString(rule.action->expression))
                                                    : tr("—"),
                                        rule.action.has_value());
        if (!rule.action)
            action->setForeground(palette().color(QPalette::PlaceholderText));
    }
    m_pages->setCurrentWidget(m_rules.empty() ? static_cast<QWidget *>(m_empty) : m_table);
}

void RuleListView::setReadOnly(bool readOnly)
{
    if (m_readOnly == readOnly)
        return;
    m_readOnly = readOnly;
    for (QAction *a : {m_add, m_edit, m_delete})
        a->setVisible(!m_readOnly);
    updateActions();
}

void RuleListView::updateActions()
{
    const bool selected = !currentRuleName().isEmpty();
    m_add->setEnabled(!m_readOnly);
    m_edit->setEnabled(!m_readOnly && selected);
    m_delete->setEnabled(!m_readOnly && selected);
}

void RuleListView::setStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
    QPalette p = m_status->palette();
    p.setColor(QPalette::WindowText, error ? QColor(0xC6, 0x28, 0x28) : palette().color(QPalette::PlaceholderText));
    m_status->setPalette(p);
}

void RuleListView::afterChange(const QString &selectName)
{
    m_pendingSelect = selectName;
    refresh();
    Q_EMIT rulesChanged();
}

void RuleListView::addRule()
{
    if (m_readOnly)
        return;
    auto *dialog = new RuleDialog(m_connection, m_topic, m_subscription, std::nullopt, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &EntityDialog::saved, this, [this, dialog](const QString &) {
        afterChange(dialog->nameEdit()->text().trimmed());
    });
    dialog->open();
}

void RuleListView::editRule()
{
    const QString name = currentRuleName();
    if (m_readOnly || name.isEmpty())
        return;
    const auto it = std::find_if(m_rules.begin(), m_rules.end(),
                                 [&](const broker::RuleDescription &r) { return QString::fromStdString(r.name) == name; });
    if (it == m_rules.end())
        return;
    auto *dialog = new RuleDialog(m_connection, m_topic, m_subscription, *it, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &EntityDialog::saved, this, [this, name](const QString &) { afterChange(name); });
    dialog->open();
}

void RuleListView::deleteRule()
{
    const QString name = currentRuleName();
    if (m_readOnly || name.isEmpty())
        return;
    QString text = tr("Delete the rule “%1” of %2/%3?").arg(name, m_topic, m_subscription);
    if (m_rules.size() == 1)
        text += QStringLiteral("\n\n") + tr("It is the only rule: the subscription will receive no messages until a "
                                           "rule is added.");
    auto *box = new QMessageBox(QMessageBox::Question, tr("Delete Rule"), text, QMessageBox::Yes | QMessageBox::Cancel,
                                this);
    box->setObjectName(QStringLiteral("deleteRuleConfirmation"));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, name](int) {
        if (box->standardButton(box->clickedButton()) != QMessageBox::Yes)
            return;
        setStatus(tr("Deleting “%1”…").arg(name), false);
        m_connection->deleteRule(m_topic.toStdString(), m_subscription.toStdString(), name.toStdString(), this,
                                 [this, name](core::Result<void> r) {
                                     if (!r) {
                                         setStatus(tr("Could not delete “%1”: %2")
                                                       .arg(name, QString::fromStdString(r.error().message)),
                                                   true);
                                         return;
                                     }
                                     afterChange(QString());
                                 });
    });
    box->open();
}

} // namespace busyard::widgets
