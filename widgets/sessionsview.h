#pragma once

#include "core/message.h"
#include "core/result.h"

#include <QByteArray>
#include <QStringList>
#include <QString>
#include <QTimer>
#include <QWidget>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

class QAction;
class QButtonGroup;
class QLabel;
class QPlainTextEdit;
class QSpinBox;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTableWidget;
class QToolBar;

namespace busyard::client {
class NamespaceConnection;
}

namespace busyard::widgets {

class EmptyState;

/**
 * The sessions of one session-enabled entity ("queue" or "topic/Subscriptions/sub"):
 *
 * - a table of its sessions (those with messages or state, as get-message-sessions lists them, at
 *   most kMaxSessions) with each session's message count and state size/preview, and an empty state;
 * - for the selected session: its state in an editor with a Text / JSON (pretty-printed, validated) /
 *   Hex (editable as hex pairs) view; invalid JSON or hex shows the error and disables Save. Save
 *   and Clear state take the session lock for the call (acceptSession, setSessionState,
 *   closeSession), or use the lock this view already holds for receiving;
 * - that session's messages (peeked with the session filter, the first kMaxListed);
 * - Receive: locks the session (acceptSession, PeekLock), receives N messages (spin box) and lists
 *   them for Complete / Abandon; the lock is renewed while held and released (closeSession) by
 *   Release session, by receiving from another session, or when the view is destroyed.
 *
 * Message counts: each listed session is peeked with its session filter, page by page, up to
 * kCountCap messages (shown as "≥10,000" beyond), one session at a time in the background so the
 * namespace is never flooded and the GUI stays responsive. Peeked counts include locked, deferred
 * and scheduled messages of the session (everything a peek returns). One pass over the whole
 * entity grouping by session would be cheaper for small entities but is either unbounded or, once
 * capped, wrong for every session past the cap; per-session counting is exact up to its cap.
 *
 * `connection` is not owned and must outlive the view. `readOnly` disables Save, Clear state, Receive,
 * Complete and Abandon (viewing and releasing stay). Runs on the GUI thread; every client call is
 * asynchronous. Shortcuts: F5 refresh, Ctrl+S save state.
 */
class SessionsView : public QWidget
{
    Q_OBJECT

public:
    enum class StateFormat { Text, Json, Hex };
    enum SessionColumn { SessionIdColumn, MessagesColumn, StateColumn, SessionColumnCount };

    static constexpr int kCountCap = 10000;   ///< messages counted per session at most
    static constexpr int kMaxSessions = 5000; ///< sessions listed at most
    static constexpr int kMaxListed = 1000;   ///< messages of the selected session listed at most

    SessionsView(client::NamespaceConnection *connection, const QString &entityPath, bool readOnly,
                 QWidget *parent = nullptr);
    /** Releases a session lock the view holds (fire and forget). */
    ~SessionsView() override;

    QString entityPath() const { return m_entityPath; }
    bool isReadOnly() const { return m_readOnly; }
    void setReadOnly(bool readOnly);

    // ---- state, for the owner and tests ----------------------------------------------------------
    /** The listed session ids, in table order. */
    QStringList sessionIds() const;
    /** The message count of a listed session: ≥ 0 when counted (kCountCap when capped), -1 while
        unknown or on error, -2 for an unlisted session. */
    qint64 messageCount(const QString &sessionId) const;
    /** Every listed session is counted (or failed) and no listing is in flight. */
    bool isIdle() const;
    QString currentSession() const;
    /** Selects the session's row; false when it is not listed. */
    bool selectSession(const QString &sessionId);
    /** The session whose lock this view holds for receiving, empty when none. */
    QString heldSession() const { return m_held; }

    StateFormat stateFormat() const { return m_format; }
    /** Switches the state view; false (and the error shown) when the current text does not convert. */
    bool setStateFormat(StateFormat format);
    /** The state of the selected session as loaded, nullopt when none is set or none is loaded yet. */
    std::optional<QByteArray> loadedState() const { return m_original; }
    /** The selected session's state has been loaded into the editor. */
    bool isStateLoaded() const { return m_stateLoaded; }
    /** The error under the editor (invalid JSON/hex, or the last failed call), empty when none. */
    QString stateError() const;
    bool canSave() const;

    QTableWidget *sessionTable() const { return m_sessions; }
    QTableWidget *messageTable() const { return m_messages; }
    QTableWidget *receivedTable() const { return m_received; }
    QPlainTextEdit *stateEditor() const { return m_editor; }
    QSpinBox *receiveCountBox() const { return m_count; }
    /** Messages of the current session listed so far; the list is complete when !isListing(). */
    bool isListing() const { return m_listing; }

    // ---- pure helpers ----------------------------------------------------------------------------
    /** "7b 22 61 …", 16 pairs a line. */
    static QString toHex(const QByteArray &bytes);
    /** Hex pairs, whitespace ignored; InvalidArgument naming the position of a bad character. */
    static core::Result<QByteArray> fromHex(const QString &text);
    /** Pretty JSON (2 spaces, key order kept) of `bytes`, or InvalidArgument with line and column. */
    static core::Result<QString> prettyJson(const QByteArray &bytes);
    /** "—", "12 B · {"a":1}", "4 B · binary", "1.2 KB · …" */
    static QString statePreview(const std::optional<QByteArray> &state);

public Q_SLOTS:
    /** Lists the sessions again and recounts them (keeps the selection when the session is still there). */
    void refresh();
    /** Sets the edited bytes as the selected session's state (no-op unless canSave()). */
    void saveState();
    /** Removes the selected session's state. */
    void clearState();
    /** Locks the selected session and receives receiveCountBox() messages in PeekLock mode. */
    void receive();
    /** Completes the selected received messages (all of them when none is selected). */
    void completeReceived();
    /** Abandons the selected received messages (all of them when none is selected). */
    void abandonReceived();
    /** Releases the held session lock; unsettled received messages return to the session. */
    void releaseSession();

Q_SIGNALS:
    /** A user-visible failure. */
    void errorOccurred(const QString &message);
    /** An operation finished (save, clear, receive, settle, release); `summary` is user-visible. */
    void operationFinished(const QString &summary);
    /** The session list was (re)loaded; counts may still be coming. */
    void sessionsListed(int count);

private:
    struct SessionRow
    {
        QString id;
        qint64 count = -1;
        bool capped = false;
        bool stateKnown = false;
        std::optional<QByteArray> state;
        QString error;
    };

    void buildActions();
    void buildUi();
    void updateActions();
    void updateStatus();
    void showError(const QString &message);
    void finish(const QString &summary);

    void listPage(int skip, quint64 generation);
    void finishListing(quint64 generation);
    void enqueueDetail(const QString &id, bool urgent);
    void processNextDetail();
    void countPage(const QString &id, std::int64_t from, qint64 counted, quint64 generation);
    void finishDetail(const QString &id, quint64 generation);
    SessionRow *row(const QString &id);
    int rowIndex(const QString &id) const;
    void updateRow(const QString &id);

    void onCurrentSessionChanged();
    void loadState(const QString &id);
    void showState(const std::optional<QByteArray> &state);
    void onEditorChanged();
    void onFormatClicked(int id);
    /** The editor's bytes in the current view; `validateJson`: invalid JSON is an error. */
    core::Result<QByteArray> parseEditor(bool validateJson) const;
    void setEditorText(const QString &text);
    void setStateError(const QString &message);
    void listMessages(const QString &id, std::int64_t from, quint64 generation);
    void writeState(const QString &id, std::optional<QByteArray> state);

    void lockAndReceive(const QString &id, int count);
    void receiveFromHeld(int count);
    void settleReceived(bool complete);
    void startRenewal(core::TimePoint lockedUntil);
    void onRenew();
    /** Closes the held session and forgets the received messages; `then` runs after the close. */
    void release(std::function<void()> then);

    client::NamespaceConnection *m_connection = nullptr;
    QString m_entityPath;
    std::string m_entity;
    bool m_readOnly = false;

    // session list
    std::vector<SessionRow> m_rows;
    quint64 m_generation = 0;
    bool m_listingSessions = false;
    bool m_listTruncated = false;
    QStringList m_listed;       ///< ids of the listing in flight
    std::deque<QString> m_detailQueue;
    bool m_detailRunning = false;

    // selected session
    QString m_current;
    quint64 m_selection = 0;   ///< bumps on every selection change: drops stale answers
    std::optional<QByteArray> m_original;
    bool m_stateLoaded = false;
    QByteArray m_edited;        ///< the bytes the editor holds, as of the last valid edit
    bool m_editValid = true;
    bool m_settingText = false;
    bool m_textEdited = false;  ///< the user typed since the editor text was last set
    StateFormat m_format = StateFormat::Text;
    QString m_stateErrorText;
    bool m_listing = false;
    bool m_listTruncatedMessages = false;
    int m_busy = 0;

    // received messages and the session lock they belong to
    QString m_held;
    QString m_writing;          ///< a session locked just to write its state
    std::vector<core::Message> m_receivedMessages;
    QTimer m_renewTimer;

    QToolBar *m_toolBar = nullptr;
    QStackedWidget *m_listStack = nullptr;
    QTableWidget *m_sessions = nullptr;
    EmptyState *m_empty = nullptr;
    QStackedWidget *m_detailStack = nullptr;
    QLabel *m_sessionTitle = nullptr;
    QLabel *m_lockLabel = nullptr;
    QButtonGroup *m_formatGroup = nullptr;
    QLabel *m_stateSize = nullptr;
    QPlainTextEdit *m_editor = nullptr;
    QLabel *m_stateErrorLabel = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTableWidget *m_messages = nullptr;
    QTableWidget *m_received = nullptr;
    QLabel *m_messagesNote = nullptr;
    QSpinBox *m_count = nullptr;
    QLabel *m_status = nullptr;
    QString m_lastSummary;
    QString m_lastError;

    QAction *m_refreshAction = nullptr;
    QAction *m_saveAction = nullptr;
    QAction *m_clearAction = nullptr;
    QAction *m_receiveAction = nullptr;
    QAction *m_completeAction = nullptr;
    QAction *m_abandonAction = nullptr;
    QAction *m_releaseAction = nullptr;
};

} // namespace busyard::widgets
