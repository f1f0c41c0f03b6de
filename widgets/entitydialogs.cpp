#include "entitydialogs.h"

#include "durationedit.h"

#include "core/client/namespaceconnection.h"
#include "core/sql/filter.h"

#include <QtCore/QPointer>
#include <QtGui/QTextBlock>
#include <QtGui/QTextCursor>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QVBoxLayout>

#include <climits>

namespace busyard::widgets {

namespace broker = core::broker;

namespace {

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

std::string ss(const QString &s)
{
    return s.trimmed().toStdString();
}

QLabel *makeErrorLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #C62828;"));
    label->setVisible(false);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

QComboBox *statusCombo(std::initializer_list<broker::EntityStatus> statuses, broker::EntityStatus current, QWidget *parent)
{
    auto *combo = new QComboBox(parent);
    for (const auto status : statuses)
        combo->addItem(QString::fromLatin1(broker::entityStatusName(status)), int(status));
    combo->setCurrentIndex(std::max(0, combo->findData(int(current))));
    return combo;
}

broker::EntityStatus statusOf(const QComboBox *combo)
{
    return broker::EntityStatus(combo->currentData().toInt());
}

QComboBox *sizeCombo(std::int64_t current, QWidget *parent)
{
    auto *combo = new QComboBox(parent);
    combo->setEditable(true);
    for (const int mb : {1024, 2048, 3072, 4096, 5120})
        combo->addItem(QString::number(mb));
    combo->setCurrentText(QString::number(current));
    return combo;
}

std::int64_t sizeOf(const QComboBox *combo)
{
    bool ok = false;
    const qlonglong mb = combo->currentText().trimmed().toLongLong(&ok);
    return ok ? mb : -1;
}

QSpinBox *deliveryCountSpin(int current, QWidget *parent)
{
    auto *spin = new QSpinBox(parent);
    spin->setRange(0, INT_MAX);
    spin->setValue(current);
    return spin;
}

DurationEdit *durationEdit(core::Duration value, bool allowNever, QWidget *parent)
{
    auto *edit = new DurationEdit(parent);
    edit->setAllowNever(allowNever);
    edit->setValue(value);
    return edit;
}

} // namespace

// ---- EntityDialog ----------------------------------------------------------------------------------

EntityDialog::EntityDialog(client::NamespaceConnection *connection, bool editing, QWidget *parent)
    : QDialog(parent)
    , m_connection(connection)
    , m_editing(editing)
{
    Q_ASSERT(connection);
    auto *layout = new QVBoxLayout(this);
    m_form = new QFormLayout;
    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_form->setRowWrapPolicy(QFormLayout::DontWrapRows);
    m_form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    layout->addLayout(m_form);
    layout->addStretch(1);
    m_generalError = makeErrorLabel(this);
    m_generalError->setObjectName(QStringLiteral("generalError"));
    layout->addWidget(m_generalError);
    m_busy = new QLabel(this);
    m_busy->setForegroundRole(QPalette::PlaceholderText);
    m_busy->setVisible(false);
    layout->addWidget(m_busy);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(editing ? tr("Save") : tr("Create"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        clearErrors();
        submit();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    setMinimumWidth(460);
}

void EntityDialog::addField(const QString &property, const QString &label, QWidget *field, const QString &toolTip)
{
    field->setObjectName(property);
    if (!toolTip.isEmpty())
        field->setToolTip(toolTip);
    auto *column = new QWidget(this);
    auto *v = new QVBoxLayout(column);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(2);
    v->addWidget(field);
    QLabel *error = makeErrorLabel(column);
    error->setObjectName(property + QStringLiteral("Error"));
    v->addWidget(error);
    m_errors.insert(property, error);
    m_form->addRow(label, column);
}

QLabel *EntityDialog::fieldError(const QString &property) const
{
    return m_errors.value(property);
}

void EntityDialog::clearErrors()
{
    for (QLabel *label : m_errors) {
        label->clear();
        label->setVisible(false);
    }
    m_generalError->clear();
    m_generalError->setVisible(false);
}

void EntityDialog::setFieldError(const QString &property, const QString &message)
{
    QLabel *label = m_errors.value(property, m_generalError);
    label->setText(message);
    label->setVisible(true);
    if (label != m_generalError) {
        if (auto *field = findChild<QWidget *>(property))
            field->setFocus();
    }
}

bool EntityDialog::showValidation(const core::Result<void> &result, const QString &fallbackProperty)
{
    if (result)
        return true;
    const QString message = qs(result.error().message);
    // Azure's messages start with the property name: "LockDuration: 00:06:00 is outside ...".
    const int colon = message.indexOf(QLatin1Char(':'));
    const QString property = colon > 0 ? message.left(colon) : QString();
    if (!property.isEmpty() && m_errors.contains(property))
        setFieldError(property, message);
    else if (property == QLatin1String("SubscriptionName") || property == QLatin1String("RuleName"))
        setFieldError(QStringLiteral("Name"), message);
    else
        setFieldError(fallbackProperty, message);
    return false;
}

void EntityDialog::setBusy(bool busy, const QString &text)
{
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!busy);
    m_busy->setText(text);
    m_busy->setVisible(busy && !text.isEmpty());
}

void EntityDialog::finish(const core::Result<void> &result, const QString &entityPath)
{
    setBusy(false);
    if (!result) {
        showValidation(result);
        return;
    }
    Q_EMIT saved(entityPath);
    accept();
}

// ---- QueueDialog -----------------------------------------------------------------------------------

QueueDialog::QueueDialog(client::NamespaceConnection *connection, const std::optional<client::QueueInfo> &existing,
                         QWidget *parent)
    : EntityDialog(connection, existing.has_value(), parent)
{
    if (existing)
        m_base = existing->description;
    const auto &q = m_base;
    setWindowTitle(m_editing ? tr("Edit Queue %1").arg(qs(q.name)) : tr("New Queue"));
    setObjectName(QStringLiteral("queueDialog"));

    m_name = new QLineEdit(qs(q.name), this);
    m_name->setReadOnly(m_editing);
    m_name->setPlaceholderText(tr("orders, billing/invoices, ..."));
    addField(QStringLiteral("Name"), tr("&Name:"), m_name, tr("1-260 characters: letters, digits, '.', '-', '_' and '/'"));
    m_lockDuration = durationEdit(q.lockDuration, false, this);
    addField(QStringLiteral("LockDuration"), tr("&Lock duration:"), m_lockDuration,
             tr("How long a received message stays locked: 5s ... 5m"));
    m_maxDeliveryCount = deliveryCountSpin(q.maxDeliveryCount, this);
    addField(QStringLiteral("MaxDeliveryCount"), tr("Max &delivery count:"), m_maxDeliveryCount,
             tr("Deliveries before a message is dead-lettered (at least 1)"));
    m_ttl = durationEdit(q.defaultMessageTimeToLive, true, this);
    addField(QStringLiteral("DefaultMessageTimeToLive"), tr("Message &time to live:"), m_ttl);
    m_deadLetterOnExpiration = new QCheckBox(tr("Dead-letter expired messages"), this);
    m_deadLetterOnExpiration->setChecked(q.deadLetteringOnMessageExpiration);
    addField(QStringLiteral("DeadLetteringOnMessageExpiration"), QString(), m_deadLetterOnExpiration);
    m_maxSize = sizeCombo(q.maxSizeInMegabytes, this);
    addField(QStringLiteral("MaxSizeInMegabytes"), tr("Max &size (MB):"), m_maxSize);
    m_autoDelete = durationEdit(q.autoDeleteOnIdle, true, this);
    addField(QStringLiteral("AutoDeleteOnIdle"), tr("&Auto-delete on idle:"), m_autoDelete, tr("never, or at least 5m"));
    m_duplicateDetection = new QCheckBox(tr("Detect duplicate messages"), this);
    m_duplicateDetection->setChecked(q.requiresDuplicateDetection);
    m_duplicateDetection->setEnabled(!m_editing);
    addField(QStringLiteral("RequiresDuplicateDetection"), QString(), m_duplicateDetection);
    m_duplicateWindow = durationEdit(q.duplicateDetectionHistoryTimeWindow, false, this);
    addField(QStringLiteral("DuplicateDetectionHistoryTimeWindow"), tr("Duplicate &window:"), m_duplicateWindow,
             tr("20s ... 7d"));
    m_requiresSession = new QCheckBox(tr("Requires sessions"), this);
    m_requiresSession->setChecked(q.requiresSession);
    m_requiresSession->setEnabled(!m_editing);
    addField(QStringLiteral("RequiresSession"), QString(), m_requiresSession);
    m_partitioning = new QCheckBox(tr("Partitioned"), this);
    m_partitioning->setChecked(q.enablePartitioning);
    m_partitioning->setEnabled(!m_editing);
    addField(QStringLiteral("EnablePartitioning"), QString(), m_partitioning);
    m_batched = new QCheckBox(tr("Batched operations"), this);
    m_batched->setChecked(q.enableBatchedOperations);
    addField(QStringLiteral("EnableBatchedOperations"), QString(), m_batched);
    m_forwardTo = new QLineEdit(qs(q.forwardTo), this);
    m_forwardTo->setPlaceholderText(tr("none"));
    addField(QStringLiteral("ForwardTo"), tr("&Forward to:"), m_forwardTo);
    m_forwardDeadLetteredTo = new QLineEdit(qs(q.forwardDeadLetteredMessagesTo), this);
    m_forwardDeadLetteredTo->setPlaceholderText(tr("none"));
    addField(QStringLiteral("ForwardDeadLetteredMessagesTo"), tr("Forward dead &letters to:"), m_forwardDeadLetteredTo);
    m_status = statusCombo({broker::EntityStatus::Active, broker::EntityStatus::Disabled,
                            broker::EntityStatus::SendDisabled, broker::EntityStatus::ReceiveDisabled},
                           q.status, this);
    addField(QStringLiteral("Status"), tr("S&tatus:"), m_status);
    m_userMetadata = new QLineEdit(qs(q.userMetadata), this);
    addField(QStringLiteral("UserMetadata"), tr("&User metadata:"), m_userMetadata);
}

broker::QueueDescription QueueDialog::description() const
{
    broker::QueueDescription q = m_base;
    q.name = ss(m_name->text());
    q.lockDuration = m_lockDuration->value().value_or(core::Duration(-1));
    q.maxDeliveryCount = m_maxDeliveryCount->value();
    q.defaultMessageTimeToLive = m_ttl->value().value_or(core::Duration(-1));
    q.deadLetteringOnMessageExpiration = m_deadLetterOnExpiration->isChecked();
    q.maxSizeInMegabytes = sizeOf(m_maxSize);
    q.autoDeleteOnIdle = m_autoDelete->value().value_or(core::Duration(-1));
    q.requiresDuplicateDetection = m_duplicateDetection->isChecked();
    q.duplicateDetectionHistoryTimeWindow = m_duplicateWindow->value().value_or(core::Duration(-1));
    q.requiresSession = m_requiresSession->isChecked();
    q.enablePartitioning = m_partitioning->isChecked();
    q.enableBatchedOperations = m_batched->isChecked();
    q.forwardTo = ss(m_forwardTo->text());
    q.forwardDeadLetteredMessagesTo = ss(m_forwardDeadLetteredTo->text());
    q.status = statusOf(m_status);
    q.userMetadata = m_userMetadata->text().toStdString();
    return q;
}

namespace {

/** Durations the user typed that do not parse: reported before Azure's range checks. */
bool checkDurations(EntityDialog *, const std::initializer_list<std::pair<const char *, DurationEdit *>> &fields,
                    const std::function<void(const QString &, const QString &)> &setError)
{
    bool ok = true;
    for (const auto &[property, edit] : fields) {
        if (!edit->isValid()) {
            setError(QString::fromLatin1(property),
                     QObject::tr("%1: '%2' is not a duration (examples: 30s, 5m, 1h, 14d, PT1M).")
                         .arg(QString::fromLatin1(property), edit->text()));
            ok = false;
        }
    }
    return ok;
}

} // namespace

void QueueDialog::submit()
{
    const auto setError = [this](const QString &p, const QString &m) { setFieldError(p, m); };
    if (!checkDurations(this, {{"LockDuration", m_lockDuration}, {"DefaultMessageTimeToLive", m_ttl},
                               {"AutoDeleteOnIdle", m_autoDelete},
                               {"DuplicateDetectionHistoryTimeWindow", m_duplicateWindow}},
                        setError))
        return;
    const broker::QueueDescription q = description();
    if (!showValidation(broker::validateEntityPath(q.name), QStringLiteral("Name")))
        return;
    if (!showValidation(broker::validate(q)))
        return;
    setBusy(true, m_editing ? tr("Saving…") : tr("Creating…"));
    const QString path = qs(q.name);
    auto done = [this, path](core::Result<client::QueueInfo> r) {
        finish(r ? core::Result<void>() : core::Result<void>(r.error()), path);
    };
    if (m_editing)
        m_connection->updateQueue(q, this, done);
    else
        m_connection->createQueue(q, this, done);
}

// ---- TopicDialog -----------------------------------------------------------------------------------

TopicDialog::TopicDialog(client::NamespaceConnection *connection, const std::optional<client::TopicInfo> &existing,
                         QWidget *parent)
    : EntityDialog(connection, existing.has_value(), parent)
{
    if (existing)
        m_base = existing->description;
    const auto &t = m_base;
    setWindowTitle(m_editing ? tr("Edit Topic %1").arg(qs(t.name)) : tr("New Topic"));
    setObjectName(QStringLiteral("topicDialog"));
    m_name = new QLineEdit(qs(t.name), this);
    m_name->setReadOnly(m_editing);
    addField(QStringLiteral("Name"), tr("&Name:"), m_name);
    m_ttl = durationEdit(t.defaultMessageTimeToLive, true, this);
    addField(QStringLiteral("DefaultMessageTimeToLive"), tr("Message &time to live:"), m_ttl);
    m_maxSize = sizeCombo(t.maxSizeInMegabytes, this);
    addField(QStringLiteral("MaxSizeInMegabytes"), tr("Max &size (MB):"), m_maxSize);
    m_autoDelete = durationEdit(t.autoDeleteOnIdle, true, this);
    addField(QStringLiteral("AutoDeleteOnIdle"), tr("&Auto-delete on idle:"), m_autoDelete);
    m_duplicateDetection = new QCheckBox(tr("Detect duplicate messages"), this);
    m_duplicateDetection->setChecked(t.requiresDuplicateDetection);
    m_duplicateDetection->setEnabled(!m_editing);
    addField(QStringLiteral("RequiresDuplicateDetection"), QString(), m_duplicateDetection);
    m_duplicateWindow = durationEdit(t.duplicateDetectionHistoryTimeWindow, false, this);
    addField(QStringLiteral("DuplicateDetectionHistoryTimeWindow"), tr("Duplicate &window:"), m_duplicateWindow);
    m_partitioning = new QCheckBox(tr("Partitioned"), this);
    m_partitioning->setChecked(t.enablePartitioning);
    m_partitioning->setEnabled(!m_editing);
    addField(QStringLiteral("EnablePartitioning"), QString(), m_partitioning);
    m_batched = new QCheckBox(tr("Batched operations"), this);
    m_batched->setChecked(t.enableBatchedOperations);
    addField(QStringLiteral("EnableBatchedOperations"), QString(), m_batched);
    m_status = statusCombo({broker::EntityStatus::Active, broker::EntityStatus::Disabled,
                            broker::EntityStatus::SendDisabled},
                           t.status, this);
    addField(QStringLiteral("Status"), tr("S&tatus:"), m_status);
    m_userMetadata = new QLineEdit(qs(t.userMetadata), this);
    addField(QStringLiteral("UserMetadata"), tr("&User metadata:"), m_userMetadata);
}

broker::TopicDescription TopicDialog::description() const
{
    broker::TopicDescription t = m_base;
    t.name = ss(m_name->text());
    t.defaultMessageTimeToLive = m_ttl->value().value_or(core::Duration(-1));
    t.maxSizeInMegabytes = sizeOf(m_maxSize);
    t.autoDeleteOnIdle = m_autoDelete->value().value_or(core::Duration(-1));
    t.requiresDuplicateDetection = m_duplicateDetection->isChecked();
    t.duplicateDetectionHistoryTimeWindow = m_duplicateWindow->value().value_or(core::Duration(-1));
    t.enablePartitioning = m_partitioning->isChecked();
    t.enableBatchedOperations = m_batched->isChecked();
    t.status = statusOf(m_status);
    t.userMetadata = m_userMetadata->text().toStdString();
    return t;
}

void TopicDialog::submit()
{
    const auto setError = [this](const QString &p, const QString &m) { setFieldError(p, m); };
    if (!checkDurations(this, {{"DefaultMessageTimeToLive", m_ttl}, {"AutoDeleteOnIdle", m_autoDelete},
                               {"DuplicateDetectionHistoryTimeWindow", m_duplicateWindow}},
                        setError))
        return;
    const broker::TopicDescription t = description();
    if (!showValidation(broker::validateEntityPath(t.name), QStringLiteral("Name")) || !showValidation(broker::validate(t)))
        return;
    setBusy(true, m_editing ? tr("Saving…") : tr("Creating…"));
    const QString path = qs(t.name);
    auto done = [this, path](core::Result<client::TopicInfo> r) {
        finish(r ? core::Result<void>() : core::Result<void>(r.error()), path);
    };
    if (m_editing)
        m_connection->updateTopic(t, this, done);
    else
        m_connection->createTopic(t, this, done);
}

// ---- SubscriptionDialog ----------------------------------------------------------------------------

SubscriptionDialog::SubscriptionDialog(client::NamespaceConnection *connection, const QString &topic,
                                       const std::optional<client::SubscriptionInfo> &existing, QWidget *parent)
    : EntityDialog(connection, existing.has_value(), parent)
{
    if (existing)
        m_base = existing->description;
    m_base.topicName = ss(topic);
    const auto &s = m_base;
    setWindowTitle(m_editing ? tr("Edit Subscription %1/%2").arg(topic, qs(s.name))
                             : tr("New Subscription of %1").arg(topic));
    setObjectName(QStringLiteral("subscriptionDialog"));
    m_name = new QLineEdit(qs(s.name), this);
    m_name->setReadOnly(m_editing);
    addField(QStringLiteral("Name"), tr("&Name:"), m_name, tr("1-50 characters: letters, digits, '.', '-', '_'"));
    m_lockDuration = durationEdit(s.lockDuration, false, this);
    addField(QStringLiteral("LockDuration"), tr("&Lock duration:"), m_lockDuration, tr("5s ... 5m"));
    m_maxDeliveryCount = deliveryCountSpin(s.maxDeliveryCount, this);
    addField(QStringLiteral("MaxDeliveryCount"), tr("Max &delivery count:"), m_maxDeliveryCount);
    m_ttl = durationEdit(s.defaultMessageTimeToLive, true, this);
    addField(QStringLiteral("DefaultMessageTimeToLive"), tr("Message &time to live:"), m_ttl);
    m_deadLetterOnExpiration = new QCheckBox(tr("Dead-letter expired messages"), this);
    m_deadLetterOnExpiration->setChecked(s.deadLetteringOnMessageExpiration);
    addField(QStringLiteral("DeadLetteringOnMessageExpiration"), QString(), m_deadLetterOnExpiration);
    m_deadLetterOnFilterError = new QCheckBox(tr("Dead-letter on filter evaluation errors"), this);
    m_deadLetterOnFilterError->setChecked(s.deadLetteringOnFilterEvaluationExceptions);
    addField(QStringLiteral("DeadLetteringOnFilterEvaluationExceptions"), QString(), m_deadLetterOnFilterError);
    m_autoDelete = durationEdit(s.autoDeleteOnIdle, true, this);
    addField(QStringLiteral("AutoDeleteOnIdle"), tr("&Auto-delete on idle:"), m_autoDelete);
    m_requiresSession = new QCheckBox(tr("Requires sessions"), this);
    m_requiresSession->setChecked(s.requiresSession);
    m_requiresSession->setEnabled(!m_editing);
    addField(QStringLiteral("RequiresSession"), QString(), m_requiresSession);
    m_batched = new QCheckBox(tr("Batched operations"), this);
    m_batched->setChecked(s.enableBatchedOperations);
    addField(QStringLiteral("EnableBatchedOperations"), QString(), m_batched);
    m_forwardTo = new QLineEdit(qs(s.forwardTo), this);
    m_forwardTo->setPlaceholderText(tr("none"));
    addField(QStringLiteral("ForwardTo"), tr("&Forward to:"), m_forwardTo);
    m_forwardDeadLetteredTo = new QLineEdit(qs(s.forwardDeadLetteredMessagesTo), this);
    m_forwardDeadLetteredTo->setPlaceholderText(tr("none"));
    addField(QStringLiteral("ForwardDeadLetteredMessagesTo"), tr("Forward dead &letters to:"), m_forwardDeadLetteredTo);
    m_status = statusCombo({broker::EntityStatus::Active, broker::EntityStatus::Disabled,
                            broker::EntityStatus::ReceiveDisabled},
                           s.status, this);
    addField(QStringLiteral("Status"), tr("S&tatus:"), m_status);
    m_userMetadata = new QLineEdit(qs(s.userMetadata), this);
    addField(QStringLiteral("UserMetadata"), tr("&User metadata:"), m_userMetadata);
}

broker::SubscriptionDescription SubscriptionDialog::description() const
{
    broker::SubscriptionDescription s = m_base;
    s.name = ss(m_name->text());
    s.lockDuration = m_lockDuration->value().value_or(core::Duration(-1));
    s.maxDeliveryCount = m_maxDeliveryCount->value();
    s.defaultMessageTimeToLive = m_ttl->value().value_or(core::Duration(-1));
    s.deadLetteringOnMessageExpiration = m_deadLetterOnExpiration->isChecked();
    s.deadLetteringOnFilterEvaluationExceptions = m_deadLetterOnFilterError->isChecked();
    s.autoDeleteOnIdle = m_autoDelete->value().value_or(core::Duration(-1));
    s.requiresSession = m_requiresSession->isChecked();
    s.enableBatchedOperations = m_batched->isChecked();
    s.forwardTo = ss(m_forwardTo->text());
    s.forwardDeadLetteredMessagesTo = ss(m_forwardDeadLetteredTo->text());
    s.status = statusOf(m_status);
    s.userMetadata = m_userMetadata->text().toStdString();
    return s;
}

void SubscriptionDialog::submit()
{
    const auto setError = [this](const QString &p, const QString &m) { setFieldError(p, m); };
    if (!checkDurations(this, {{"LockDuration", m_lockDuration}, {"DefaultMessageTimeToLive", m_ttl},
                               {"AutoDeleteOnIdle", m_autoDelete}},
                        setError))
        return;
    const broker::SubscriptionDescription s = description();
    if (!showValidation(broker::validateSubscriptionName(s.name), QStringLiteral("Name"))
        || !showValidation(broker::validate(s)))
        return;
    setBusy(true, m_editing ? tr("Saving…") : tr("Creating…"));
    const QString path = qs(s.topicName) + QStringLiteral("/Subscriptions/") + qs(s.name);
    auto done = [this, path](core::Result<client::SubscriptionInfo> r) {
        finish(r ? core::Result<void>() : core::Result<void>(r.error()), path);
    };
    if (m_editing)
        m_connection->updateSubscription(s, this, done);
    else
        m_connection->createSubscription(s, this, done);
}

// ---- RuleDialog ------------------------------------------------------------------------------------

namespace {

/** Underlines the diagnostic's text (or the character at its position) in `edit`. */
void markDiagnostic(QPlainTextEdit *edit, const std::optional<core::sql::Diagnostic> &diagnostic)
{
    QList<QTextEdit::ExtraSelection> selections;
    if (diagnostic) {
        QTextEdit::ExtraSelection selection;
        const QTextBlock block = edit->document()->findBlockByNumber(std::max(0, diagnostic->line - 1));
        QTextCursor cursor(block.isValid() ? block : edit->document()->lastBlock());
        cursor.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor,
                            std::min(std::max(0, diagnostic->column - 1), std::max(0, cursor.block().length() - 1)));
        if (!cursor.movePosition(QTextCursor::Right, QTextCursor::KeepAnchor, std::max(1, diagnostic->length)))
            cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
        selection.cursor = cursor;
        selection.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
        selection.format.setUnderlineColor(QColor(0xC6, 0x28, 0x28));
        selection.format.setBackground(QColor(0xC6, 0x28, 0x28, 40));
        selections << selection;
    }
    edit->setExtraSelections(selections);
}

QString diagnosticText(const core::sql::Diagnostic &d)
{
    return QObject::tr("Line %1, column %2: %3").arg(d.line).arg(d.column).arg(QString::fromStdString(d.message));
}

const char *const CorrelationFields[] = {"CorrelationId", "MessageId",        "To",         "ReplyTo",
                                         "Subject",       "SessionId",        "ReplyToSessionId", "ContentType"};

} // namespace

RuleDialog::RuleDialog(client::NamespaceConnection *connection, const QString &topic, const QString &subscription,
                       const std::optional<broker::RuleDescription> &existing, QWidget *parent)
    : EntityDialog(connection, existing.has_value(), parent)
    , m_topic(topic)
    , m_subscription(subscription)
{
    setObjectName(QStringLiteral("ruleDialog"));
    const broker::RuleDescription rule = existing.value_or(broker::RuleDescription{.name = {}, .filter = broker::SqlFilter{}, .action = {}, .createdAt = {}});
    setWindowTitle(m_editing ? tr("Edit Rule %1").arg(QString::fromStdString(rule.name))
                             : tr("New Rule on %1/%2").arg(topic, subscription));

    m_name = new QLineEdit(QString::fromStdString(rule.name), this);
    m_name->setReadOnly(m_editing);
    addField(QStringLiteral("Name"), tr("&Name:"), m_name);

    m_filterType = new QComboBox(this);
    m_filterType->addItems({tr("SQL filter"), tr("Correlation filter"), tr("True (every message)"),
                            tr("False (no message)")});
    addField(QStringLiteral("FilterType"), tr("&Filter:"), m_filterType);

    m_filterPages = new QStackedWidget(this);
    m_sqlFilter = new QPlainTextEdit(this);
    m_sqlFilter->setObjectName(QStringLiteral("sqlFilterEdit"));
    m_sqlFilter->setPlaceholderText(tr("e.g. priority = 'high' AND sys.Label LIKE 'order%'"));
    m_sqlFilter->setTabChangesFocus(true);
    m_filterPages->addWidget(m_sqlFilter);

    auto *correlationPage = new QWidget(this);
    auto *correlationForm = new QFormLayout(correlationPage);
    correlationForm->setContentsMargins(0, 0, 0, 0);
    for (const char *field : CorrelationFields) {
        auto *edit = new QLineEdit(correlationPage);
        edit->setObjectName(QString::fromLatin1(field));
        m_correlation.insert(QString::fromLatin1(field), edit);
        correlationForm->addRow(QString::fromLatin1(field) + QLatin1Char(':'), edit);
    }
    m_correlationProperties = new QPlainTextEdit(correlationPage);
    m_correlationProperties->setPlaceholderText(tr("one per line: name=value (text values)"));
    m_correlationProperties->setTabChangesFocus(true);
    m_correlationProperties->setMaximumHeight(80);
    correlationForm->addRow(tr("Properties:"), m_correlationProperties);
    m_filterPages->addWidget(correlationPage);
    m_filterPages->addWidget(new QWidget(this));
    m_filterPages->addWidget(new QWidget(this));
    addField(QStringLiteral("SqlFilter"), QString(), m_filterPages);
    // Correlation errors show under the same page.
    connect(m_filterType, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_filterPages->setCurrentIndex(index);
        checkSql();
    });

    m_hasAction = new QCheckBox(tr("Apply an SQL action to matching messages"), this);
    m_hasAction->setObjectName(QStringLiteral("hasAction"));
    m_action = new QPlainTextEdit(this);
    m_action->setPlaceholderText(tr("e.g. SET sys.Label = 'routed'; REMOVE temp"));
    m_action->setTabChangesFocus(true);
    m_action->setMaximumHeight(80);
    m_action->setEnabled(false);
    m_form->addRow(QString(), m_hasAction);
    addField(QStringLiteral("SqlRuleAction"), tr("&Action:"), m_action);
    connect(m_hasAction, &QCheckBox::toggled, m_action, &QWidget::setEnabled);
    connect(m_hasAction, &QCheckBox::toggled, this, &RuleDialog::checkSql);
    connect(m_sqlFilter, &QPlainTextEdit::textChanged, this, &RuleDialog::checkSql);
    connect(m_action, &QPlainTextEdit::textChanged, this, &RuleDialog::checkSql);

    struct Loader
    {
        RuleDialog *d;
        void operator()(const broker::SqlFilter &f) const
        {
            d->m_filterType->setCurrentIndex(SqlFilterType);
            d->m_sqlFilter->setPlainText(QString::fromStdString(f.expression));
        }
        void operator()(const broker::CorrelationFilter &f) const
        {
            d->m_filterType->setCurrentIndex(CorrelationFilterType);
            const std::optional<std::string> *values[] = {&f.correlationId, &f.messageId, &f.to, &f.replyTo,
                                                          &f.subject, &f.sessionId, &f.replyToSessionId, &f.contentType};
            for (std::size_t i = 0; i < std::size(CorrelationFields); ++i) {
                if (*values[i])
                    d->m_correlation.value(QString::fromLatin1(CorrelationFields[i]))->setText(QString::fromStdString(**values[i]));
            }
            QStringList lines;
            for (const auto &[name, value] : f.properties.entries())
                lines << QString::fromStdString(name) + QLatin1Char('=') + QString::fromStdString(value.toDisplayString());
            d->m_correlationProperties->setPlainText(lines.join(QLatin1Char('\n')));
        }
        void operator()(const broker::TrueFilter &) const { d->m_filterType->setCurrentIndex(TrueFilterType); }
        void operator()(const broker::FalseFilter &) const { d->m_filterType->setCurrentIndex(FalseFilterType); }
    };
    std::visit(Loader{this}, rule.filter);
    if (rule.action) {
        m_hasAction->setChecked(true);
        m_action->setPlainText(QString::fromStdString(rule.action->expression));
    }
    checkSql();
    resize(560, sizeHint().height());
}

void RuleDialog::checkSql()
{
    // Live syntax check; parameters are not entered here, so they are not required.
    core::sql::CompileOptions options;
    options.checkParameters = false;
    QLabel *filterError = fieldError(QStringLiteral("SqlFilter"));
    std::optional<core::sql::Diagnostic> filterDiagnostic;
    if (m_filterType->currentIndex() == SqlFilterType && !m_sqlFilter->toPlainText().trimmed().isEmpty())
        filterDiagnostic = core::sql::checkFilter(m_sqlFilter->toPlainText().toStdString(), {}, options);
    markDiagnostic(m_sqlFilter, filterDiagnostic);
    filterError->setText(filterDiagnostic ? diagnosticText(*filterDiagnostic) : QString());
    filterError->setVisible(filterDiagnostic.has_value());

    QLabel *actionError = fieldError(QStringLiteral("SqlRuleAction"));
    std::optional<core::sql::Diagnostic> actionDiagnostic;
    if (m_hasAction->isChecked() && !m_action->toPlainText().trimmed().isEmpty())
        actionDiagnostic = core::sql::checkAction(m_action->toPlainText().toStdString(), {}, options);
    markDiagnostic(m_action, actionDiagnostic);
    actionError->setText(actionDiagnostic ? diagnosticText(*actionDiagnostic) : QString());
    actionError->setVisible(actionDiagnostic.has_value());
}

core::Result<broker::RuleDescription> RuleDialog::rule() const
{
    broker::RuleDescription rule;
    rule.name = ss(m_name->text());
    switch (m_filterType->currentIndex()) {
    case SqlFilterType:
        rule.filter = broker::SqlFilter{m_sqlFilter->toPlainText().trimmed().toStdString(), {}};
        break;
    case CorrelationFilterType: {
        broker::CorrelationFilter f;
        std::optional<std::string> *values[] = {&f.correlationId, &f.messageId, &f.to, &f.replyTo,
                                                &f.subject, &f.sessionId, &f.replyToSessionId, &f.contentType};
        for (std::size_t i = 0; i < std::size(CorrelationFields); ++i) {
            const QString text = m_correlation.value(QString::fromLatin1(CorrelationFields[i]))->text();
            if (!text.isEmpty())
                *values[i] = text.toStdString();
        }
        int lineNumber = 0;
        for (const QString &line : m_correlationProperties->toPlainText().split(QLatin1Char('\n'))) {
            ++lineNumber;
            if (line.trimmed().isEmpty())
                continue;
            const int eq = line.indexOf(QLatin1Char('='));
            if (eq <= 0) {
                return core::Error{core::ErrorCode::InvalidArgument,
                                   tr("CorrelationFilter: line %1 of the properties is not name=value.")
                                       .arg(lineNumber)
                                       .toStdString()};
            }
            f.properties.set(line.left(eq).trimmed().toStdString(), core::Value::string(line.mid(eq + 1).toStdString()));
        }
        rule.filter = std::move(f);
        break;
    }
    case TrueFilterType:
        rule.filter = broker::TrueFilter{};
        break;
    default:
        rule.filter = broker::FalseFilter{};
        break;
    }
    if (m_hasAction->isChecked())
        rule.action = broker::SqlRuleAction{m_action->toPlainText().trimmed().toStdString(), {}};
    return rule;
}

void RuleDialog::submit()
{
    auto built = rule();
    if (!built) {
        showValidation(core::Result<void>(built.error()), QStringLiteral("SqlFilter"));
        return;
    }
    const broker::RuleDescription r = *built;
    if (!showValidation(broker::validateRuleName(r.name), QStringLiteral("Name")))
        return;
    // Correlation errors belong under the filter page.
    auto valid = broker::validate(r);
    if (!valid && QString::fromStdString(valid.error().message).startsWith(QLatin1String("CorrelationFilter"))) {
        setFieldError(QStringLiteral("SqlFilter"), QString::fromStdString(valid.error().message));
        return;
    }
    if (!showValidation(valid))
        return;
    checkSql();
    if (fieldError(QStringLiteral("SqlFilter"))->isVisible() || fieldError(QStringLiteral("SqlRuleAction"))->isVisible())
        return;
    setBusy(true, m_editing ? tr("Saving…") : tr("Creating…"));
    auto done = [this](core::Result<broker::RuleDescription> result) {
        finish(result ? core::Result<void>() : core::Result<void>(result.error()),
               m_topic + QStringLiteral("/Subscriptions/") + m_subscription);
    };
    if (m_editing)
        m_connection->updateRule(ss(m_topic), ss(m_subscription), r, this, done);
    else
        m_connection->createRule(ss(m_topic), ss(m_subscription), r, this, done);
}

} // namespace busyard::widgets
