#pragma once

#include "core/broker/entities.h"
#include "core/client/clienttypes.h"
#include "core/result.h"

#include <QtCore/QHash>
#include <QtWidgets/QDialog>

#include <optional>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
class QStackedWidget;

namespace busyard::client {
class NamespaceConnection;
} // namespace busyard::client

namespace busyard::widgets {

class DurationEdit;

/**
 * Base of the create/edit dialogs: a form whose fields are named after Azure's property names
 * ("LockDuration", "MaxDeliveryCount", ...). OK validates exactly as Azure does (core::broker
 * validate()), shows the message under the offending field and sends nothing while anything is
 * wrong; then it sends the create/update through the NamespaceConnection, stays open (busy) until
 * the answer arrives, and either accepts (emitting saved()) or shows the broker's error.
 *
 * `connection` is not owned and must outlive the dialog.
 */
class EntityDialog : public QDialog
{
    Q_OBJECT

public:
    bool isEditing() const { return m_editing; }
    /** The error label shown under the field of `property` (for tests); null if no such field. */
    QLabel *fieldError(const QString &property) const;
    /** The error label at the bottom (broker errors, messages naming no field). */
    QLabel *generalError() const { return m_generalError; }
    QDialogButtonBox *buttonBox() const { return m_buttons; }

Q_SIGNALS:
    /** The broker accepted the create/update of the entity at `entityPath`. */
    void saved(const QString &entityPath);

protected:
    EntityDialog(client::NamespaceConnection *connection, bool editing, QWidget *parent);

    /** Adds a labelled field with an (initially hidden) error label under it. */
    void addField(const QString &property, const QString &label, QWidget *field, const QString &toolTip = {});
    /** Shows `result`'s message under the field its "Property:" prefix names (else at the bottom). */
    bool showValidation(const core::Result<void> &result, const QString &fallbackProperty = {});
    void clearErrors();
    void setFieldError(const QString &property, const QString &message);
    void setBusy(bool busy, const QString &text = {});
    /** Handles the broker's answer of a submit(): accept + saved(), or the error. */
    void finish(const core::Result<void> &result, const QString &entityPath);

    /** Validates and sends; called by OK. */
    virtual void submit() = 0;

    client::NamespaceConnection *m_connection;
    bool m_editing;
    QFormLayout *m_form = nullptr;

private:
    QDialogButtonBox *m_buttons = nullptr;
    QLabel *m_generalError = nullptr;
    QLabel *m_busy = nullptr;
    QHash<QString, QLabel *> m_errors;
};

/** Create (no `existing`) or edit a queue. */
class QueueDialog : public EntityDialog
{
    Q_OBJECT

public:
    QueueDialog(client::NamespaceConnection *connection, const std::optional<client::QueueInfo> &existing,
                QWidget *parent = nullptr);

    /** The description the fields describe (the edited entity's with the fields applied). */
    core::broker::QueueDescription description() const;

    QLineEdit *nameEdit() const { return m_name; }
    DurationEdit *lockDurationEdit() const { return m_lockDuration; }
    QSpinBox *maxDeliveryCountEdit() const { return m_maxDeliveryCount; }

protected:
    void submit() override;

private:
    core::broker::QueueDescription m_base;
    QLineEdit *m_name;
    DurationEdit *m_lockDuration;
    QSpinBox *m_maxDeliveryCount;
    QComboBox *m_maxSize;
    DurationEdit *m_ttl;
    DurationEdit *m_autoDelete;
    QCheckBox *m_duplicateDetection;
    DurationEdit *m_duplicateWindow;
    QCheckBox *m_requiresSession;
    QCheckBox *m_deadLetterOnExpiration;
    QCheckBox *m_batched;
    QCheckBox *m_partitioning;
    QLineEdit *m_forwardTo;
    QLineEdit *m_forwardDeadLetteredTo;
    QComboBox *m_status;
    QLineEdit *m_userMetadata;
};

/** Create or edit a topic. */
class TopicDialog : public EntityDialog
{
    Q_OBJECT

public:
    TopicDialog(client::NamespaceConnection *connection, const std::optional<client::TopicInfo> &existing,
                QWidget *parent = nullptr);

    core::broker::TopicDescription description() const;
    QLineEdit *nameEdit() const { return m_name; }

protected:
    void submit() override;

private:
    core::broker::TopicDescription m_base;
    QLineEdit *m_name;
    QComboBox *m_maxSize;
    DurationEdit *m_ttl;
    DurationEdit *m_autoDelete;
    QCheckBox *m_duplicateDetection;
    DurationEdit *m_duplicateWindow;
    QCheckBox *m_batched;
    QCheckBox *m_partitioning;
    QComboBox *m_status;
    QLineEdit *m_userMetadata;
};

/** Create or edit a subscription of `topic`. */
class SubscriptionDialog : public EntityDialog
{
    Q_OBJECT

public:
    SubscriptionDialog(client::NamespaceConnection *connection, const QString &topic,
                       const std::optional<client::SubscriptionInfo> &existing, QWidget *parent = nullptr);

    core::broker::SubscriptionDescription description() const;
    QLineEdit *nameEdit() const { return m_name; }
    DurationEdit *lockDurationEdit() const { return m_lockDuration; }

protected:
    void submit() override;

private:
    core::broker::SubscriptionDescription m_base;
    QLineEdit *m_name;
    DurationEdit *m_lockDuration;
    QSpinBox *m_maxDeliveryCount;
    DurationEdit *m_ttl;
    DurationEdit *m_autoDelete;
    QCheckBox *m_requiresSession;
    QCheckBox *m_deadLetterOnExpiration;
    QCheckBox *m_deadLetterOnFilterError;
    QCheckBox *m_batched;
    QLineEdit *m_forwardTo;
    QLineEdit *m_forwardDeadLetteredTo;
    QComboBox *m_status;
    QLineEdit *m_userMetadata;
};

/**
 * Create or edit a rule of `topic`/`subscription`: SQL filter, correlation filter, true or false,
 * plus an optional SQL action. SQL text is checked live (core::sql::checkFilter / checkAction): the
 * error shows its line and column and the offending text is underlined.
 */
class RuleDialog : public EntityDialog
{
    Q_OBJECT

public:
    enum FilterType { SqlFilterType, CorrelationFilterType, TrueFilterType, FalseFilterType };

    RuleDialog(client::NamespaceConnection *connection, const QString &topic, const QString &subscription,
               const std::optional<core::broker::RuleDescription> &existing, QWidget *parent = nullptr);

    /** The rule the fields describe; an error names the field when a correlation property is malformed. */
    core::Result<core::broker::RuleDescription> rule() const;

    QLineEdit *nameEdit() const { return m_name; }
    QComboBox *filterTypeCombo() const { return m_filterType; }
    QPlainTextEdit *sqlFilterEdit() const { return m_sqlFilter; }
    QCheckBox *actionCheck() const { return m_hasAction; }
    QPlainTextEdit *actionEdit() const { return m_action; }

protected:
    void submit() override;

private:
    void checkSql();

    QString m_topic;
    QString m_subscription;
    QLineEdit *m_name;
    QComboBox *m_filterType;
    QStackedWidget *m_filterPages;
    QPlainTextEdit *m_sqlFilter;
    QHash<QString, QLineEdit *> m_correlation; ///< by property name: CorrelationId, MessageId, ...
    QPlainTextEdit *m_correlationProperties;
    QCheckBox *m_hasAction;
    QPlainTextEdit *m_action;
};

} // namespace busyard::widgets
