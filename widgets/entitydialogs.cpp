#include "entitydialogs.h"

#include "durationedit.h"
#include "sqleditor.h"

#include "core/client/namespaceconnection.h"
#include "core/broker/ruleprogram.h"
#include "core/sql/filter.h"
#include "core/sql/tokenizer.h"

#include <QtCore/QPointer>
#include <QtCore/QSignalBlocker>
#include <QtCore/QTimer>
#include <QtGui/QFontDatabase>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QToolButton>
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

const char *const CorrelationFields[] = {"CorrelationId", "MessageId",        "To",         "ReplyTo",
                                         "Subject",       "SessionId",        "ReplyToSessionId", "ContentType"};

QString quotedText(const std::string &s)
{
    QString text = QString::fromStdString(s);
    text.replace(QLatin1Char('\''), QStringLiteral("''"));
    return QLatin1Char('\'') + text + QLatin1Char('\'');
}

/** A value as SQL would write it: strings quoted, the rest as displayed. */
QString sqlValueText(const core::Value &v)
{
    if (v.isNull())
        return QString();
    return v.isText() ? quotedText(v.bytes()) : QString::fromStdString(v.toDisplayString());
}

QString optionalText(const std::optional<std::string> &s)
{
    return s ? quotedText(*s) : QString();
}

/** The system properties the dry run lists (the ones a client sets and an action may change). */
struct SysRow
{
    const char *name;
    QString (*read)(const core::Message &);
};

const SysRow SysRows[] = {
    {"sys.MessageId", [](const core::Message &m) { return sqlValueText(m.messageId); }},
    {"sys.CorrelationId", [](const core::Message &m) { return sqlValueText(m.correlationId); }},
    {"sys.Label", [](const core::Message &m) { return optionalText(m.subject); }},
    {"sys.To", [](const core::Message &m) { return optionalText(m.to); }},
    {"sys.ReplyTo", [](const core::Message &m) { return optionalText(m.replyTo); }},
    {"sys.SessionId", [](const core::Message &m) { return optionalText(m.sessionId); }},
    {"sys.ReplyToSessionId", [](const core::Message &m) { return optionalText(m.replyToSessionId); }},
    {"sys.ContentType", [](const core::Message &m) { return optionalText(m.contentType); }},
    {"sys.PartitionKey", [](const core::Message &m) { return optionalText(m.partitionKey); }},
    {"sys.TimeToLive",
     [](const core::Message &m) {
         return m.timeToLive ? QObject::tr("%1 ms").arg(qlonglong(m.timeToLive->count())) : QString();
     }},
};

/** Why a correlation filter does not match `m`: one line per failing condition. */
QStringList correlationMismatches(const broker::CorrelationFilter &f, const core::Message &m)
{
    QStringList out;
    const auto has = [](const std::optional<std::string> &s) { return s ? quotedText(*s) : QObject::tr("none"); };
    const auto check = [&](const char *name, const std::optional<std::string> &want,
                           const std::optional<std::string> &got) {
        if (want && (!got || *got != *want))
            out << QObject::tr("%1 is %2, not %3").arg(QLatin1String(name), has(got), quotedText(*want));
    };
    check("CorrelationId", f.correlationId, broker::idText(m.correlationId));
    check("MessageId", f.messageId, broker::idText(m.messageId));
    check("To", f.to, m.to);
    check("ReplyTo", f.replyTo, m.replyTo);
    check("Subject", f.subject, m.subject);
    check("SessionId", f.sessionId, m.sessionId);
    check("ReplyToSessionId", f.replyToSessionId, m.replyToSessionId);
    check("ContentType", f.contentType, m.contentType);
    for (const auto &[name, value] : f.properties.entries()) {
        broker::CorrelationFilter single;
        single.properties.set(name, value);
        if (broker::matchCorrelation(single, m))
            continue;
        const core::Value *got = m.applicationProperties.find(name);
        QString gotText = got ? sqlValueText(*got) : QObject::tr("none");
        if (got && got->type() != value.type())
            gotText += QObject::tr(" (%1)").arg(QLatin1String(core::valueTypeName(got->type())));
        out << QObject::tr("user.%1 is %2, not %3")
                   .arg(QString::fromStdString(name), gotText, sqlValueText(value));
    }
    return out;
}

bool isDarkPalette(const QPalette &p)
{
    return p.color(QPalette::Base).lightness() < 128;
}

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
    m_sqlFilter = new SqlEditor(SqlEditor::Mode::Filter, this);
    m_sqlFilter->setObjectName(QStringLiteral("sqlFilterEdit"));
    m_sqlFilter->setPlaceholderText(tr("e.g. priority = 'high' AND sys.Label LIKE 'order%'"));
    m_filterPages->addWidget(m_sqlFilter);

    auto *correlationPage = new QWidget(this);
    auto *correlationForm = new QFormLayout(correlationPage);
    correlationForm->setContentsMargins(0, 0, 0, 0);
    for (const char *field : CorrelationFields) {
        auto *edit = new QLineEdit(correlationPage);
        edit->setObjectName(QString::fromLatin1(field));
        m_correlation.insert(QString::fromLatin1(field), edit);
        correlationForm->addRow(QString::fromLatin1(field) + QLatin1Char(':'), edit);
        connect(edit, &QLineEdit::textChanged, this, &RuleDialog::scheduleDryRun);
    }
    m_correlationProperties = new QPlainTextEdit(correlationPage);
    m_correlationProperties->setObjectName(QStringLiteral("correlationProperties"));
    m_correlationProperties->setPlaceholderText(tr("one per line: name=value (text values)"));
    m_correlationProperties->setTabChangesFocus(true);
    m_correlationProperties->setMaximumHeight(80);
    correlationForm->addRow(tr("Properties:"), m_correlationProperties);
    connect(m_correlationProperties, &QPlainTextEdit::textChanged, this, &RuleDialog::scheduleDryRun);
    m_filterPages->addWidget(correlationPage);
    m_filterPages->addWidget(new QWidget(this));
    m_filterPages->addWidget(new QWidget(this));
    addField(QStringLiteral("SqlFilter"), QString(), m_filterPages);
    // Correlation errors show under the same page.
    connect(m_filterType, &QComboBox::currentIndexChanged, this, &RuleDialog::showFilterPage);

    m_hasAction = new QCheckBox(tr("Apply an SQL action to matching messages"), this);
    m_hasAction->setObjectName(QStringLiteral("hasAction"));
    m_hasAction->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed); // clickable where its text is
    m_action = new SqlEditor(SqlEditor::Mode::Action, this);
    m_action->setPlaceholderText(tr("e.g. SET sys.Label = 'routed'; REMOVE temp"));
    m_action->setVisibleLines(2);
    m_action->setEnabled(false);
    m_form->addRow(QString(), m_hasAction);
    addField(QStringLiteral("SqlRuleAction"), tr("&Action:"), m_action);
    connect(m_hasAction, &QCheckBox::toggled, m_action, &QWidget::setEnabled);
    connect(m_hasAction, &QCheckBox::toggled, this, &RuleDialog::updateOkButton);
    connect(m_hasAction, &QCheckBox::toggled, this, &RuleDialog::scheduleDryRun);
    for (SqlEditor *editor : {m_sqlFilter, m_action}) {
        connect(editor, &SqlEditor::validated, this, &RuleDialog::updateOkButton);
        connect(editor, &SqlEditor::validated, this, &RuleDialog::scheduleDryRun);
    }

    // ---- dry run
    auto *dryRun = new QGroupBox(tr("Try the rule on a message"), this);
    dryRun->setObjectName(QStringLiteral("dryRunBox"));
    auto *dryForm = new QFormLayout(dryRun);
    dryForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    dryForm->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    auto *sourceRow = new QHBoxLayout;
    m_dryRunMessage = new QComboBox(dryRun);
    m_dryRunMessage->setObjectName(QStringLiteral("dryRunMessage"));
    m_dryRunMessage->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_dryRunMessage->setMinimumContentsLength(24);
    m_dryRunMessage->addItem(tr("Composed message (below)"));
    sourceRow->addWidget(m_dryRunMessage, 1);
    m_reloadMessages = new QToolButton(dryRun);
    m_reloadMessages->setObjectName(QStringLiteral("reloadMessages"));
    m_reloadMessages->setIcon(QIcon(QStringLiteral(":/busyard/icons/refresh.svg")));
    m_reloadMessages->setToolTip(tr("Peek the messages of %1's subscriptions again").arg(topic));
    sourceRow->addWidget(m_reloadMessages);
    auto *messageLabel = new QLabel(tr("&Message:"), dryRun);
    messageLabel->setBuddy(m_dryRunMessage);
    dryForm->addRow(messageLabel, sourceRow);
    m_dryRunCompose = new QLineEdit(dryRun);
    m_dryRunCompose->setObjectName(QStringLiteral("dryRunCompose"));
    m_dryRunCompose->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_dryRunCompose->setPlaceholderText(QStringLiteral("sys.Label = 'order', user.priority = 'high', user.n = 7"));
    m_dryRunCompose->setToolTip(tr("Properties of the composed message: assignments as in SET, separated by commas, "
                                   "e.g. sys.Label = 'x', sys.CorrelationId = 'c-1', user.amount = 12.5"));
    dryForm->addRow(tr("&Properties:"), m_dryRunCompose);
    auto *resultRow = new QHBoxLayout;
    m_evaluate = new QPushButton(tr("&Evaluate"), dryRun);
    m_evaluate->setObjectName(QStringLiteral("evaluate"));
    m_evaluate->setAutoDefault(false);
    resultRow->addWidget(m_evaluate, 0, Qt::AlignTop);
    m_dryRunResult = new QLabel(dryRun);
    m_dryRunResult->setObjectName(QStringLiteral("dryRunResult"));
    m_dryRunResult->setWordWrap(true);
    m_dryRunResult->setTextFormat(Qt::PlainText);
    m_dryRunResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_dryRunResult->setMinimumHeight(m_evaluate->sizeHint().height());
    resultRow->addWidget(m_dryRunResult, 1);
    dryForm->addRow(resultRow);
    m_dryRunTable = new QTableWidget(0, 3, dryRun);
    m_dryRunTable->setObjectName(QStringLiteral("dryRunTable"));
    m_dryRunTable->setHorizontalHeaderLabels({tr("Property"), tr("Before"), tr("After")});
    m_dryRunTable->verticalHeader()->hide();
    m_dryRunTable->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_dryRunTable->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_dryRunTable->horizontalHeader()->setStretchLastSection(true);
    m_dryRunTable->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_dryRunTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_dryRunTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_dryRunTable->setAlternatingRowColors(true);
    m_dryRunTable->setShowGrid(false);
    m_dryRunTable->setWordWrap(false);
    m_dryRunTable->setColumnWidth(0, 170);
    m_dryRunTable->setColumnWidth(1, 180);
    m_dryRunTable->setFixedHeight(m_dryRunTable->horizontalHeader()->sizeHint().height()
                                  + 6 * m_dryRunTable->verticalHeader()->defaultSectionSize() + 4);
    dryForm->addRow(m_dryRunTable);
    if (auto *box = qobject_cast<QVBoxLayout *>(layout()))
        box->insertWidget(1, dryRun);

    m_dryRunTimer = new QTimer(this);
    m_dryRunTimer->setSingleShot(true);
    m_dryRunTimer->setInterval(200);
    connect(m_dryRunTimer, &QTimer::timeout, this, &RuleDialog::evaluateDryRun);
    connect(m_evaluate, &QPushButton::clicked, this, &RuleDialog::evaluateDryRun);
    connect(m_reloadMessages, &QToolButton::clicked, this, &RuleDialog::reloadMessages);
    connect(m_dryRunCompose, &QLineEdit::textChanged, this, &RuleDialog::scheduleDryRun);
    connect(m_dryRunMessage, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_dryRunCompose->setEnabled(index <= 0);
        evaluateDryRun();
    });

    struct Loader
    {
        RuleDialog *d;
        void operator()(const broker::SqlFilter &f) const
        {
            d->m_filterType->setCurrentIndex(SqlFilterType);
            d->m_sqlFilter->setText(QString::fromStdString(f.expression));
            d->m_filterParameters = f.parameters;
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
        m_action->setText(QString::fromStdString(rule.action->expression));
        m_actionParameters = rule.action->parameters;
    }
    showFilterPage(m_filterType->currentIndex());
    updateOkButton();
    evaluateDryRun();
    reloadMessages();
    resize(640, sizeHint().height());
}

RuleDialog::~RuleDialog() = default;

void RuleDialog::showFilterPage(int index)
{
    // Only the current page counts for the size, so the short SQL page leaves no gap.
    for (int i = 0; i < m_filterPages->count(); ++i)
        m_filterPages->widget(i)->setSizePolicy(i == index ? QSizePolicy::Preferred : QSizePolicy::Ignored,
                                                i == index ? QSizePolicy::Preferred : QSizePolicy::Ignored);
    m_filterPages->setCurrentIndex(index);
    m_filterPages->setVisible(index == SqlFilterType || index == CorrelationFilterType);
    m_filterPages->updateGeometry();
    updateOkButton();
    scheduleDryRun();
    if (isVisible())
        resize(width(), sizeHint().height());
}

void RuleDialog::updateOkButton()
{
    if (m_sending)
        return;
    // A syntax error disables OK; empty text does not (OK then says what is missing).
    bool ok = true;
    if (m_filterType->currentIndex() == SqlFilterType && !m_sqlFilter->errorText().isEmpty())
        ok = false;
    if (m_hasAction->isChecked() && !m_action->errorText().isEmpty())
        ok = false;
    buttonBox()->button(QDialogButtonBox::Ok)->setEnabled(ok);
}

void RuleDialog::scheduleDryRun()
{
    if (m_dryRunTimer)
        m_dryRunTimer->start();
}

void RuleDialog::reloadMessages()
{
    const int generation = ++m_peekGeneration;
    m_reloadMessages->setEnabled(false);
    const std::string topic = m_topic.toStdString();
    const auto own = topic + "/Subscriptions/" + m_subscription.toStdString();
    const auto received = [this, generation](core::Result<std::vector<core::Message>> result) {
        if (generation != m_peekGeneration || !result)
            return;
        addPeeked(result.value());
    };
    m_connection->peek(own, 0, 25, this, [this, generation, received](core::Result<std::vector<core::Message>> result) {
        if (generation == m_peekGeneration)
            m_reloadMessages->setEnabled(true);
        received(std::move(result));
    });
    // The topic's traffic: what its other subscriptions hold (a few each), for filters this
    // subscription does not receive yet.
    m_connection->listSubscriptions(
        topic, this, [this, generation, topic, received](core::Result<std::vector<client::SubscriptionInfo>> result) {
            if (generation != m_peekGeneration || !result)
                return;
            int asked = 0;
            for (const auto &sub : result.value()) {
                if (QString::fromStdString(sub.description.name) == m_subscription || asked == 5)
                    continue;
                ++asked;
                m_connection->peek(topic + "/Subscriptions/" + sub.description.name, 0, 10, this, received);
            }
        });
}

void RuleDialog::addPeeked(const std::vector<core::Message> &messages)
{
    const qint64 selected = m_dryRunMessage->currentIndex() > 0 ? m_dryRunMessage->currentData().toLongLong() : -1;
    for (const core::Message &m : messages) {
        const auto it = std::lower_bound(m_peeked.begin(), m_peeked.end(), m.sequenceNumber,
                                         [](const core::Message &a, std::int64_t seq) { return a.sequenceNumber < seq; });
        if (it != m_peeked.end() && it->sequenceNumber == m.sequenceNumber)
            continue; // the same topic message copied to several subscriptions
        m_peeked.insert(it, m);
    }
    const QSignalBlocker blocker(m_dryRunMessage);
    while (m_dryRunMessage->count() > 1)
        m_dryRunMessage->removeItem(1);
    int select = 0;
    for (const core::Message &m : m_peeked) {
        const std::string id = m.messageIdString();
        const QString text = tr("#%1 — %2 — %3")
                                 .arg(m.sequenceNumber)
                                 .arg(id.empty() ? tr("(no id)") : QString::fromStdString(id),
                                      m.subject ? QString::fromStdString(*m.subject) : tr("(no subject)"));
        m_dryRunMessage->addItem(text, qint64(m.sequenceNumber));
        if (m.sequenceNumber == selected)
            select = m_dryRunMessage->count() - 1;
    }
    m_dryRunMessage->setCurrentIndex(select);
    m_dryRunMessage->setItemText(0, m_peeked.empty() ? tr("Composed message (no messages to peek)")
                                                     : tr("Composed message (below)"));
}

core::Result<core::Message> RuleDialog::composeMessage(const QString &text)
{
    core::Message message;
    core::sql::CompileOptions options;
    options.checkParameters = false;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        // Split at top-level commas and semicolons; the tokenizer knows which ones are inside strings.
        const std::string utf8 = line.toStdString();
        std::vector<std::string> items;
        int depth = 0;
        std::size_t from = 0;
        for (const core::sql::Token &t : core::sql::tokenize(utf8)) {
            if (t.kind == core::sql::TokenKind::LParen)
                ++depth;
            else if (t.kind == core::sql::TokenKind::RParen)
                --depth;
            const bool separator = depth == 0
                && (t.kind == core::sql::TokenKind::Comma || t.kind == core::sql::TokenKind::Semicolon);
            if (separator || t.kind == core::sql::TokenKind::End) {
                items.push_back(utf8.substr(from, std::size_t(t.offset) - from));
                from = std::size_t(t.offset + t.length);
            }
        }
        for (const std::string &item : items) {
            if (QString::fromStdString(item).trimmed().isEmpty())
                continue;
            const std::string statement = "SET " + item;
            auto action = core::sql::Action::compile(statement, {}, options);
            if (!action) {
                const auto diagnostic = core::sql::checkAction(statement, {}, options);
                const QString detail = diagnostic ? QString::fromStdString(diagnostic->message)
                                                  : QString::fromStdString(action.error().message);
                return core::Error{core::ErrorCode::InvalidArgument,
                                   tr("“%1” is not an assignment like user.n = 1 or sys.Label = 'x': %2")
                                       .arg(QString::fromStdString(item).trimmed(), detail)
                                       .toStdString()};
            }
            if (auto applied = action->apply(message); !applied)
                return core::Error{core::ErrorCode::InvalidArgument,
                                   tr("“%1”: %2")
                                       .arg(QString::fromStdString(item).trimmed(),
                                            QString::fromStdString(applied.error().message))
                                       .toStdString()};
        }
    }
    return message;
}

core::Result<core::Message> RuleDialog::dryRunMessage() const
{
    const int index = m_dryRunMessage->currentIndex();
    if (index > 0 && index - 1 < int(m_peeked.size()))
        return m_peeked[std::size_t(index - 1)];
    return composeMessage(m_dryRunCompose->text());
}

void RuleDialog::evaluateDryRun()
{
    m_dryRunTimer->stop();
    const auto message = dryRunMessage();
    if (!message) {
        showDryRun(DryRunOutcome::None, tr("Message: %1").arg(QString::fromStdString(message.error().message)),
                   nullptr, nullptr);
        return;
    }
    core::sql::CompileOptions options;
    options.checkParameters = false; // missing @parameters read as NULL here

    QString verdict;
    bool matched = false;
    switch (m_filterType->currentIndex()) {
    case SqlFilterType: {
        if (m_sqlFilter->text().trimmed().isEmpty()) {
            showDryRun(DryRunOutcome::None, tr("Write a filter to see whether this message matches."), &*message, nullptr);
            return;
        }
        if (!m_sqlFilter->isValid()) {
            showDryRun(DryRunOutcome::None, tr("The filter has an error (see above)."), &*message, nullptr);
            return;
        }
        auto filter = core::sql::Filter::compile(m_sqlFilter->text().toStdString(), m_filterParameters, options);
        if (!filter) {
            showDryRun(DryRunOutcome::None, QString::fromStdString(filter.error().message), &*message, nullptr);
            return;
        }
        const auto truth = filter->evaluateTruth(*message);
        if (!truth) {
            showDryRun(DryRunOutcome::FilterError,
                       tr("\u26A0 Evaluation error: %1 (the broker dead-letters such a message with FilterException "
                          "when the subscription asks for it)")
                           .arg(QString::fromStdString(truth.error().message)),
                       &*message, nullptr);
            return;
        }
        if (*truth == core::sql::Truth::False) {
            showDryRun(DryRunOutcome::NoMatch, tr("\u2718 Does not match (FALSE)"), &*message, nullptr);
            return;
        }
        if (*truth == core::sql::Truth::Unknown) {
            showDryRun(DryRunOutcome::Unknown,
                       tr("\u2718 Unknown (NULL) — no match (a property the filter reads is missing)"), &*message,
                       nullptr);
            return;
        }
        verdict = tr("\u2714 Matches (filter is TRUE)");
        matched = true;
        break;
    }
    case CorrelationFilterType: {
        const auto built = rule();
        if (!built) {
            showDryRun(DryRunOutcome::None, QString::fromStdString(built.error().message), &*message, nullptr);
            return;
        }
        const auto &f = std::get<broker::CorrelationFilter>(built->filter);
        if (f == broker::CorrelationFilter{}) {
            showDryRun(DryRunOutcome::None, tr("Fill in at least one correlation field or property."), &*message,
                       nullptr);
            return;
        }
        if (!broker::matchCorrelation(f, *message)) {
            showDryRun(DryRunOutcome::NoMatch,
                       tr("\u2718 Does not match: %1").arg(correlationMismatches(f, *message).join(QStringLiteral("; "))),
                       &*message, nullptr);
            return;
        }
        verdict = tr("\u2714 Matches (every correlation condition holds)");
        matched = true;
        break;
    }
    case TrueFilterType:
        verdict = tr("\u2714 Matches (TRUE filter: every message)");
        matched = true;
        break;
    default:
        showDryRun(DryRunOutcome::NoMatch, tr("\u2718 Does not match (FALSE filter: no message)"), &*message, nullptr);
        return;
    }
    Q_ASSERT(matched);

    core::Message after = *message;
    if (m_hasAction->isChecked() && !m_action->text().trimmed().isEmpty()) {
        if (!m_action->isValid()) {
            showDryRun(DryRunOutcome::Match, verdict + tr(" — the action has an error (see above)"), &*message, &after);
            return;
        }
        auto action = core::sql::Action::compile(m_action->text().toStdString(), m_actionParameters, options);
        if (!action) {
            showDryRun(DryRunOutcome::Match, verdict + QStringLiteral(" — ") + QString::fromStdString(action.error().message),
                       &*message, &after);
            return;
        }
        // What the engine does for a rule with an action: stamp RuleName, then run the statements.
        const QString name = m_name->text().trimmed();
        if (!name.isEmpty())
            after.applicationProperties.set("RuleName", core::Value::string(name.toStdString()));
        if (auto applied = action->apply(after); !applied) {
            showDryRun(DryRunOutcome::ActionError,
                       tr("\u26A0 Matches, but the action fails: %1 (RuleActionException)")
                           .arg(QString::fromStdString(applied.error().message)),
                       &*message, nullptr);
            return;
        }
        verdict += tr(" — the subscription gets the action's copy");
    }
    showDryRun(DryRunOutcome::Match, verdict, &*message, &after);
}

void RuleDialog::showDryRun(DryRunOutcome outcome, const QString &text, const core::Message *before,
                            const core::Message *after)
{
    m_outcome = outcome;
    m_dryRunResult->setText(text);
    const bool dark = isDarkPalette(palette());
    QColor color = palette().color(QPalette::PlaceholderText);
    switch (outcome) {
    case DryRunOutcome::Match: color = dark ? QColor(0x81, 0xC7, 0x84) : QColor(0x2E, 0x7D, 0x32); break;
    case DryRunOutcome::NoMatch:
    case DryRunOutcome::Unknown: color = dark ? QColor(0xFF, 0x8A, 0x80) : QColor(0xC6, 0x28, 0x28); break;
    case DryRunOutcome::FilterError:
    case DryRunOutcome::ActionError: color = dark ? QColor(0xFF, 0xB7, 0x4D) : QColor(0xB2, 0x6A, 0x00); break;
    case DryRunOutcome::None: break;
    }
    QPalette p = m_dryRunResult->palette();
    p.setColor(QPalette::WindowText, color);
    m_dryRunResult->setPalette(p);

    m_dryRunTable->setHorizontalHeaderLabels(
        {tr("Property"), tr("Before"), after ? tr("After") : tr("After (not delivered)")});
    m_dryRunTable->setRowCount(0);
    if (!before)
        return;
    struct Row
    {
        QString name, before, after;
    };
    std::vector<Row> rows;
    for (const SysRow &sys : SysRows) {
        Row row{QLatin1String(sys.name), sys.read(*before), after ? sys.read(*after) : QString()};
        if (!row.before.isEmpty() || !row.after.isEmpty())
            rows.push_back(std::move(row));
    }
    const auto userRow = [&](const std::string &name) {
        const core::Value *b = before->applicationProperties.find(name);
        const core::Value *a = after ? after->applicationProperties.find(name) : nullptr;
        return Row{QStringLiteral("user.") + QString::fromStdString(name), b ? sqlValueText(*b) : QString(),
                   a ? sqlValueText(*a) : QString()};
    };
    for (const auto &[name, value] : before->applicationProperties.entries())
        rows.push_back(userRow(name));
    if (after) {
        for (const auto &[name, value] : after->applicationProperties.entries()) {
            if (!before->applicationProperties.contains(name))
                rows.push_back(userRow(name));
        }
    }
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    QFont changedFont = mono;
    changedFont.setBold(true);
    const QColor changedColor = dark ? QColor(0x6C, 0xA6, 0xFF) : QColor(0x1F, 0x4F, 0xBF);
    m_dryRunTable->setRowCount(int(rows.size()));
    for (int r = 0; r < int(rows.size()); ++r) {
        const Row &row = rows[std::size_t(r)];
        const bool changed = after && row.before != row.after;
        auto *name = new QTableWidgetItem(row.name);
        auto *b = new QTableWidgetItem(row.before);
        QString afterText = row.after;
        if (changed && afterText.isEmpty())
            afterText = tr("(removed)");
        auto *a = new QTableWidgetItem(after ? afterText : QString());
        b->setFont(mono);
        a->setFont(changed ? changedFont : mono);
        if (changed) {
            a->setForeground(changedColor);
            name->setFont([&] { QFont f = name->font(); f.setBold(true); return f; }());
        }
        for (auto *item : {name, b, a})
            item->setToolTip(item->text());
        m_dryRunTable->setItem(r, 0, name);
        m_dryRunTable->setItem(r, 1, b);
        m_dryRunTable->setItem(r, 2, a);
    }
}

core::Result<broker::RuleDescription> RuleDialog::rule() const
{
    broker::RuleDescription rule;
    rule.name = ss(m_name->text());
    switch (m_filterType->currentIndex()) {
    case SqlFilterType:
        rule.filter = broker::SqlFilter{m_sqlFilter->text().trimmed().toStdString(), m_filterParameters};
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
        rule.action = broker::SqlRuleAction{m_action->text().trimmed().toStdString(), m_actionParameters};
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
    // Syntax errors are shown by the editors (and OK is disabled meanwhile); refuse before sending.
    if ((m_filterType->currentIndex() == SqlFilterType && !m_sqlFilter->errorText().isEmpty())
        || (m_hasAction->isChecked() && !m_action->errorText().isEmpty())) {
        updateOkButton();
        return;
    }
    // Correlation errors belong under the filter page.
    auto valid = broker::validate(r);
    if (!valid && QString::fromStdString(valid.error().message).startsWith(QLatin1String("CorrelationFilter"))) {
        setFieldError(QStringLiteral("SqlFilter"), QString::fromStdString(valid.error().message));
        return;
    }
    if (!showValidation(valid))
        return;
    setBusy(true, m_editing ? tr("Saving…") : tr("Creating…"));
    m_sending = true;
    auto done = [this](core::Result<broker::RuleDescription> result) {
        m_sending = false;
        finish(result ? core::Result<void>() : core::Result<void>(result.error()),
               m_topic + QStringLiteral("/Subscriptions/") + m_subscription);
        updateOkButton();
    };
    if (m_editing)
        m_connection->updateRule(ss(m_topic), ss(m_subscription), r, this, done);
    else
        m_connection->createRule(ss(m_topic), ss(m_subscription), r, this, done);
}

} // namespace busyard::widgets
