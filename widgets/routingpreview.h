#pragma once

#include "propertytable.h"

#include "core/broker/routing.h"
#include "core/message.h"
#include "core/result.h"

#include <QDialog>
#include <QPointer>
#include <QWidget>

#include <functional>
#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QRadioButton;
class QStackedWidget;
class QStandardItemModel;
class QTableView;
class QTableWidget;
class QTreeView;
class QTreeWidget;

namespace busyard::client {
class NamespaceConnection;
}

namespace busyard::widgets {

class EmptyState;

/**
 * Which subscriptions of a topic receive a message, and why: the topic's subscriptions and rules are
 * listed once (asynchronously, through the connection) and every message given to setMessages() is
 * routed in core (core::broker::RoutingEvaluator, the engine's routing rules) — nothing is sent.
 *
 * The tree (model()) has one row per subscription of the current message: Subscription | Receives
 * (✓/✗) | Rule (the matched rules) | Copies | Forward to, with child rows per rule (outcome, filter,
 * action) and per copy (fate, producing rule). The detail pane lists, for the selected subscription,
 * every copy's application and changed system properties after the actions. With several messages
 * (a replay preview) a summary per subscription ("412 of 500 messages", summaryModel()) and a message
 * picker are shown above.
 *
 * Thread: GUI. The connection must outlive the widget; callbacks use the widget as context.
 * Evaluation runs on the GUI thread (rules are compiled once; microseconds per message).
 */
class RoutingPreviewWidget : public QWidget
{
    Q_OBJECT

public:
    enum class State { Loading, Ready, Empty, Error };
    enum Column { NameColumn, ReceivesColumn, RuleColumn, CopiesColumn, ForwardColumn, ColumnCount };
    enum SummaryColumn { SummaryName, SummaryMessages, SummaryCopies, SummaryDeadLetter, SummaryForward, SummaryColumnCount };
    /** Item data of column 0 in model(): "subscription", "rule" or "copy". */
    static constexpr int KindRole = Qt::UserRole + 1;
    /** Column 0 of subscription rows: number of copies (int); of copy rows: the copy index. */
    static constexpr int CopiesRole = Qt::UserRole + 2;

    RoutingPreviewWidget(client::NamespaceConnection *connection, QString topic, QWidget *parent = nullptr);
    ~RoutingPreviewWidget() override;

    /** What the replay dialog calls: (parent, topic, messages) -> a preview widget owned by `parent`. */
    using Factory = std::function<QWidget *(QWidget *parent, const QString &topic, const std::vector<core::Message> &copies)>;
    /** A Factory creating RoutingPreviewWidgets on `connection` (which must outlive them). */
    static Factory factory(client::NamespaceConnection *connection);

    /** The messages to route; evaluated at once, or when the topology has loaded. */
    void setMessages(std::vector<core::Message> messages);
    const std::vector<core::Message> &messages() const { return m_messages; }
    /** Lists subscriptions and rules again and re-evaluates. */
    void reload();

    QString topic() const { return m_topic; }
    State state() const { return m_state; }
    /** Error text of State::Error. */
    QString errorText() const { return m_error; }
    /** The loaded topology (valid in State::Ready and Empty). */
    const core::broker::RoutingTopology *topology() const;
    /** One result per message, in order (empty until the topology has loaded). */
    const std::vector<core::broker::RoutingResult> &results() const { return m_results; }

    /** Index of the message shown in the tree (0 when there is one). */
    int currentMessage() const { return m_current; }
    void setCurrentMessage(int index);

    QStandardItemModel *model() const { return m_model; }
    QStandardItemModel *summaryModel() const { return m_summary; }
    QTreeView *tree() const { return m_tree; }
    QTreeWidget *detail() const { return m_detail; }
    /** Selects the subscription row `name` in the tree (and shows its copies in the detail pane). */
    bool selectSubscription(const QString &name);

Q_SIGNALS:
    void stateChanged(busyard::widgets::RoutingPreviewWidget::State state);
    /** The results were recomputed (new messages or a reload). */
    void evaluated();

private:
    void setState(State state, const QString &error = QString());
    void onRulesListed();
    void evaluate();
    void fillTree();
    void fillSummary();
    void fillDetail();
    void updateStatus();

    QPointer<client::NamespaceConnection> m_connection;
    QString m_topic;
    State m_state = State::Loading;
    QString m_error;
    quint64 m_generation = 0;
    int m_pendingRules = 0;
    core::broker::RoutingTopology m_loading;
    std::optional<core::broker::RoutingEvaluator> m_evaluator;
    std::vector<core::Message> m_messages;
    std::vector<core::broker::RoutingResult> m_results;
    int m_current = 0;

    QStackedWidget *m_stack = nullptr;
    QWidget *m_page = nullptr;
    QLabel *m_loadingLabel = nullptr;
    EmptyState *m_empty = nullptr;
    EmptyState *m_errorState = nullptr;
    QLabel *m_status = nullptr;
    QWidget *m_multiBar = nullptr;
    QComboBox *m_messagePicker = nullptr;
    QTableView *m_summaryView = nullptr;
    QStandardItemModel *m_summary = nullptr;
    QTreeView *m_tree = nullptr;
    QStandardItemModel *m_model = nullptr;
    QTreeWidget *m_detail = nullptr;
};

/**
 * "Routing preview…" for a topic: a message source on the left and a RoutingPreviewWidget on the right.
 * Source "From messages:" lists the messages given by the caller (e.g. the message browser's selection;
 * picking one or "All" previews those), "Compose:" edits subject, correlation id, message id, session
 * id, content type, body and typed application properties; every edit re-evaluates at once.
 * Non-modal friendly (deletes nothing itself); GUI thread.
 */
class RoutingPreviewDialog : public QDialog
{
    Q_OBJECT

public:
    RoutingPreviewDialog(client::NamespaceConnection *connection, const QString &topic,
                         std::vector<core::Message> messages = {}, QWidget *parent = nullptr);

    RoutingPreviewWidget *preview() const { return m_preview; }

    /** Switches the source (Compose when no messages were given). */
    void setComposeMode(bool compose);
    bool isComposeMode() const;
    /** The composed message; InvalidArgument naming the first invalid property. */
    core::Result<core::Message> composedMessage() const;

    // Compose widgets, for tests: objectNames "subject", "correlationId", "messageId", "sessionId",
    // "contentType".
    QLineEdit *field(const QString &objectName) const;
    QPlainTextEdit *bodyEdit() const { return m_body; }
    PropertyTable *propertiesTable() const { return m_properties; }
    QListWidget *messageList() const { return m_list; }
    /** Appends an application property row (type as widgets::editableValueTypes() names it). */
    void addProperty(const QString &name, const QString &type, const QString &value);

private:
    void refresh();

    std::vector<core::Message> m_given;
    RoutingPreviewWidget *m_preview = nullptr;
    QRadioButton *m_fromMessages = nullptr;
    QRadioButton *m_compose = nullptr;
    QListWidget *m_list = nullptr;
    QWidget *m_composePane = nullptr;
    QLineEdit *m_subject = nullptr;
    QLineEdit *m_correlationId = nullptr;
    QLineEdit *m_messageId = nullptr;
    QLineEdit *m_sessionId = nullptr;
    QLineEdit *m_contentType = nullptr;
    QPlainTextEdit *m_body = nullptr;
    PropertyTable *m_properties = nullptr;
    QLabel *m_composeError = nullptr;
};

} // namespace busyard::widgets
