#pragma once

#include <QPointer>
#include <QString>
#include <QWidget>

#include "core/message.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

class QLabel;
class QLineEdit;
class QSplitter;
class QToolBar;
class QAction;
class QSpinBox;

namespace busyard::client {
class NamespaceConnection;
}

namespace busyard::models {
class MessageListModel;
class CountSampler;
}

namespace busyard::widgets {

class MessageTable;
class MessageDetail;
class CountChart;

/**
 * The message browser of one entity: a lazily loaded table of its messages (peeked 250 at a time,
 * up to a million rows), the selected message's detail (body, system and application properties),
 * an SQL/body-text filter over the loaded messages, and the receive / settle / send / resend / export
 * actions on the selection.
 *
 * `entityPath`: "queue", "topic/Subscriptions/sub", either with "/$DeadLetterQueue" or
 * "/$Transfer/$DeadLetterQueue". A plain topic has no messages to browse: the browser shows the
 * send action only.
 *
 * `connection` is not owned and must outlive the browser (MainWindow closes the tab before it drops
 * the connection). `readOnly` disables every action that changes the entity (receive, settle, send,
 * resend, import); peek, filter and export stay available.
 *
 * Runs on the GUI thread; never blocks it (every client call is asynchronous).
 */
class MessageBrowser : public QWidget
{
    Q_OBJECT

public:
    MessageBrowser(client::NamespaceConnection *connection, const QString &entityPath, bool readOnly,
                   QWidget *parent = nullptr);
    ~MessageBrowser() override;

    QString entityPath() const { return m_entityPath; }
    bool isReadOnly() const { return m_readOnly; }
    /** Follows the connection's read-only switch: disables (or re-enables) every changing action. */
    void setReadOnly(bool readOnly);

    /** The model (for tests and the status bar). */
    models::MessageListModel *model() const { return m_model; }
    MessageTable *table() const { return m_table; }
    MessageDetail *detail() const { return m_detail; }

public Q_SLOTS:
    /** Drops what is loaded and peeks again from the first sequence number. */
    void refresh();
    /** Opens the send dialog (non-modal; no-op when read-only). */
    void openSendDialog();
    /** Writes the selected messages (full bodies, re-peeked when not cached) to `path` in the
        messages JSON format (messageexport.h). Finishes asynchronously: operationFinished(). */
    void exportSelection(const QString &path);
    /** Sends the messages of a messages JSON file to the entity (no-op when read-only). */
    void sendFromFile(const QString &path);
    /** Runs `sql` / `bodyText` as the row filter (empty both = show all); bad SQL shows its position. */
    void applyFilter(const QString &sql, const QString &bodyText);

Q_SIGNALS:
    /** setReadOnly() changed the state (open dialogs of this browser follow it). */
    void readOnlyChanged(bool readOnly);
    /** A user-visible failure of an operation (the main window may show it in its status bar). */
    void errorOccurred(const QString &message);
    /** The status line changed ("N loaded · more available"). */
    void statusChanged(const QString &text);
    /** An operation (receive, settle, send, export, filter) finished; `summary` is user-visible text. */
    void operationFinished(const QString &summary);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    enum class SettleKind { Complete, Abandon, DeadLetter, Defer };

    void buildUi();
    void buildActions();
    void updateActions();
    void updateStatus();
    void onCurrentRowChanged();
    void onApplyFilter();
    void onClearFilter();
    void onReceiveLocked();
    void onDeadLetter();
    void onReceiveAndDelete();
    void onResend();
    void onExport();
    void onImport();
    /** Confirms (entity and its runtime message count), then purges with a progress dialog (purgeflow.h). */
    void onPurge();
    /** Replay (dead-letter browsers) or move: the replay dialog for the selection, or the whole entity. */
    void onReplay(bool move);
    /** The routing preview of the subscription's topic for the selected messages. */
    void onRoutingPreview();
    void onChartToggled(bool on);
    /** Starts or stops the count sampler: it polls only while the chart is on and the browser shown. */
    void updateSampling();
    /** The full selected messages (bodies re-peeked when not cached), in selection order. */
    void loadSelection(std::function<void(std::vector<core::Message>, QString error)> done);
    void settleSelection(SettleKind kind, QString reason = {}, QString description = {});
    /** Gets locks on these messages (held tokens, receiveDeferred, or a bounded peek-lock scan that
        abandons the others at the end) and calls `done` with the locked ones. */
    void lockMessages(std::vector<std::int64_t> sequenceNumbers,
                      std::function<void(std::vector<core::Message>, QString error)> done);
    void sendMessages(std::vector<core::Message> messages);
    void confirm(const QString &text, std::function<void()> onYes);
    void finishOperation(const QString &summary);
    /** Where sends go: the queue or topic behind a subscription / dead-letter path. */
    std::string sendEntity() const;
    void saveState() const;
    /** Settings key of the column layout (dead-letter browsers keep their own). */
    QString columnsKey() const;
    void restoreState();
    void showError(const QString &message);

    client::NamespaceConnection *m_connection = nullptr;
    QString m_entityPath;
    bool m_readOnly = false;
    bool m_browsable = true;

    models::MessageListModel *m_model = nullptr;
    MessageTable *m_table = nullptr;
    MessageDetail *m_detail = nullptr;
    QSplitter *m_splitter = nullptr;
    QToolBar *m_toolBar = nullptr;
    QLineEdit *m_sqlEdit = nullptr;
    QLineEdit *m_textEdit = nullptr;
    QLabel *m_filterError = nullptr;
    QLabel *m_status = nullptr;
    QString m_lastError;
    QString m_lastSummary;
    QSpinBox *m_count = nullptr;
    QPointer<QObject> m_filterJob;
    std::int64_t m_detailSequence = -1;
    int m_busy = 0;

    QAction *m_refreshAction = nullptr;
    QAction *m_sendAction = nullptr;
    QAction *m_resendAction = nullptr;
    QAction *m_receiveLockAction = nullptr;
    QAction *m_completeAction = nullptr;
    QAction *m_abandonAction = nullptr;
    QAction *m_deadLetterAction = nullptr;
    QAction *m_deferAction = nullptr;
    QAction *m_receiveDeleteAction = nullptr;
    QAction *m_exportAction = nullptr;
    QAction *m_importAction = nullptr;
    QAction *m_purgeAction = nullptr;
    QAction *m_replayAction = nullptr;
    QAction *m_moveAction = nullptr;
    QAction *m_routingAction = nullptr;
    QAction *m_chartAction = nullptr;
    CountChart *m_chart = nullptr;
    models::CountSampler *m_sampler = nullptr;
    QAction *m_applyFilterAction = nullptr;
    QAction *m_clearFilterAction = nullptr;
};

} // namespace busyard::widgets
