#pragma once

#include "core/broker/entities.h"
#include "core/client/clienttypes.h"
#include "core/message.h"
#include "core/result.h"

#include <QtCore/QHash>
#include <QtWidgets/QDialog>

#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
class QPushButton;
class QStackedWidget;
class QTableWidget;
class QTimer;
class QToolButton;

namespace busyard::client {
class NamespaceConnection;
} // namespace busyard::client

namespace busyard::widgets {

class DurationEdit;
class SqlEditor;

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
 * plus an optional SQL action. SQL filter and action are typed in SqlEditors (highlighting, live
 * check that underlines the error and says what was expected); OK is disabled while either shows an
 * error. Parameters of an edited rule are kept as they are.
 *
 * A "dry run" box evaluates the rule being edited against one message: a message peeked from this
 * subscription or its sibling subscriptions (the topic's traffic), or one composed in place as
 * `sys.Label = 'x', user.n = 1` (assignments in the action language, separated by commas, semicolons
 * or new lines). It says whether the rule matches (TRUE / FALSE / NULL, or the evaluation error),
 * and lists the properties before and after the action as the subscription would receive them.
 * Evaluation is local (core::sql, core::broker::matchCorrelation); nothing is sent to the broker.
 */
class RuleDialog : public EntityDialog
{
    Q_OBJECT

public:
    enum FilterType { SqlFilterType, CorrelationFilterType, TrueFilterType, FalseFilterType };
    /** What the last dry run found. */
    enum class DryRunOutcome {
        None,        ///< nothing to evaluate yet (no filter, message not parsable, ...)
        Match,       ///< the filter is TRUE: the subscription gets (the action's copy of) the message
        NoMatch,     ///< FALSE
        Unknown,     ///< NULL: no match
        FilterError, ///< evaluating the filter failed (the broker dead-letters with FilterException)
        ActionError, ///< matched, but the action failed (RuleActionException)
    };

    RuleDialog(client::NamespaceConnection *connection, const QString &topic, const QString &subscription,
               const std::optional<core::broker::RuleDescription> &existing, QWidget *parent = nullptr);
    ~RuleDialog() override;

    /** The rule the fields describe; an error names the field when a correlation property is malformed. */
    core::Result<core::broker::RuleDescription> rule() const;

    /**
     * Builds a message from assignments such as `sys.Label = 'x', user.n = 1; sys.To = 'a'` (each is
     * one SET of the action language, so literals have the SQL types). Empty text: an empty message.
     */
    static core::Result<core::Message> composeMessage(const QString &text);

    QLineEdit *nameEdit() const { return m_name; }
    QComboBox *filterTypeCombo() const { return m_filterType; }
    SqlEditor *sqlFilterEdit() const { return m_sqlFilter; }
    QCheckBox *actionCheck() const { return m_hasAction; }
    SqlEditor *actionEdit() const { return m_action; }
    /** Correlation field editor by property name ("CorrelationId", "Subject", ...). */
    QLineEdit *correlationEdit(const QString &property) const { return m_correlation.value(property); }
    QPlainTextEdit *correlationPropertiesEdit() const { return m_correlationProperties; }

    /** Item 0 is the composed message; the others are peeked messages. */
    QComboBox *dryRunMessageCombo() const { return m_dryRunMessage; }
    QLineEdit *dryRunComposeEdit() const { return m_dryRunCompose; }
    QPushButton *evaluateButton() const { return m_evaluate; }
    QLabel *dryRunResultLabel() const { return m_dryRunResult; }
    /** Property | Before | After of the evaluated message. */
    QTableWidget *dryRunTable() const { return m_dryRunTable; }
    DryRunOutcome dryRunOutcome() const { return m_outcome; }
    /** Number of peeked messages offered in the combo. */
    int peekedMessageCount() const { return int(m_peeked.size()); }

public Q_SLOTS:
    /** Evaluates the rule against the chosen message now (it also re-runs ~200 ms after any edit). */
    void evaluateDryRun();
    /** Peeks the subscription's and its sibling subscriptions' messages again. */
    void reloadMessages();

protected:
    void submit() override;

private:
    void updateOkButton();
    void scheduleDryRun();
    void showFilterPage(int index);
    void addPeeked(const std::vector<core::Message> &messages);
    void showDryRun(DryRunOutcome outcome, const QString &text, const core::Message *before,
                    const core::Message *after);
    core::Result<core::Message> dryRunMessage() const;

    QString m_topic;
    QString m_subscription;
    QLineEdit *m_name;
    QComboBox *m_filterType;
    QStackedWidget *m_filterPages;
    SqlEditor *m_sqlFilter;
    QHash<QString, QLineEdit *> m_correlation; ///< by property name: CorrelationId, MessageId, ...
    QPlainTextEdit *m_correlationProperties;
    QCheckBox *m_hasAction;
    SqlEditor *m_action;
    core::broker::SqlParameters m_filterParameters; ///< of the edited rule, kept on save
    core::broker::SqlParameters m_actionParameters;
    bool m_sending = false;

    QComboBox *m_dryRunMessage = nullptr;
    QToolButton *m_reloadMessages = nullptr;
    QLineEdit *m_dryRunCompose = nullptr;
    QPushButton *m_evaluate = nullptr;
    QLabel *m_dryRunResult = nullptr;
    QTableWidget *m_dryRunTable = nullptr;
    QTimer *m_dryRunTimer = nullptr;
    std::vector<core::Message> m_peeked; ///< by sequence number; combo item i+1 is m_peeked[i]
    int m_peekGeneration = 0;
    DryRunOutcome m_outcome = DryRunOutcome::None;
};

} // namespace busyard::widgets
