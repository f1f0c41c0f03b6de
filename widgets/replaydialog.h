#pragma once

#include "core/message.h"
#include "models/replayjob.h"

#include <QDialog>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QFrame;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QStackedWidget;
class QTabWidget;
class QTableWidget;
class QTimer;

namespace busyard::client {
class NamespaceConnection;
}

namespace busyard::widgets {

class SqlEditor;

/**
 * Replays dead-lettered messages (or moves messages between entities) with models::ReplayJob.
 *
 * Page 1 (options): the source and its count, the target (the original entity — the message's
 * dead-letter source or the dead-letter queue's parent — or a chosen queue or topic, listed
 * asynchronously from the namespace), renew message id, strip the dead-letter properties, a replay
 * count property, an SQL rule-action transform (a SqlEditor in Action mode: the Service Bus SQL lexer,
 * checked as typed, the error underlined and described with its line and column; empty = no transform)
 * and a before/after preview of the first 5 messages (the selection, or
 * peeked from the source) recomputed on every change with models::makeReplayCopy. When a copy goes to
 * a topic, a "Routing" tab shows the widget of the routing preview factory (or a plain note without
 * one). A journal left by an interrupted run of the same source shows a Resume / Discard banner.
 *
 * Page 2 (running): progress bar (busy when the total is unknown), counts and rate, Cancel (asks the
 * job to stop after the batch in flight), the failed messages as they arrive, and at the end a summary
 * and Close; replayFinished() lets the browser refresh. Esc on page 2 asks whether to cancel the job
 * instead of closing the dialog mid-run.
 *
 * Mode::Move: the target must be a chosen queue or topic; strip and replay count default to off.
 * Settings: QSettings group "replayDialog" (dialog size, and the options last started per mode).
 *
 * `connection` is not owned and must outlive the dialog. The dialog owns the job it starts.
 * GUI thread only; never blocks it (every client call and the job are asynchronous).
 */
class ReplayDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Mode { Replay, Move };

    /** Builds the routing preview of `copies` (the preview's copies going to `topic`); the widget is
        parented to `parent` and deleted by the dialog when the preview is recomputed. */
    using RoutingPreviewFactory =
        std::function<QWidget *(QWidget *parent, const QString &topic, const std::vector<core::Message> &copies)>;

    /**
     * `sourceEntity`: an entity path ("orders/$DeadLetterQueue", "t/Subscriptions/s/$DeadLetterQueue",
     * "orders"). `selection`: the messages to replay (their sequence numbers limit the job); empty = the
     * whole source. `sourceCount`: the source's message count for the header and the progress (< 0 =
     * unknown; ignored with a selection).
     */
    ReplayDialog(client::NamespaceConnection *connection, QString sourceEntity, Mode mode,
                 std::vector<core::Message> selection, std::int64_t sourceCount, QWidget *parent = nullptr);
    ~ReplayDialog() override;

    Mode mode() const { return m_mode; }
    QString sourceEntity() const { return m_source; }

    /** Used for topic targets; rebuilt (debounced) whenever the preview changes. */
    void setRoutingPreviewFactory(RoutingPreviewFactory factory);

    /** The journal file (default: models::ReplayJob::defaultJournalPath(namespace host[:port], source)).
        Setting it re-checks for an unfinished run. Before start only. */
    void setJournalPath(const QString &path);
    QString journalPath() const { return m_journalPath; }

    /** Messages per receive for the job (default: the job's). Before start only. */
    void setBatchSize(int size) { m_batchSize = size; }

    /** The options as currently entered (what start would use). */
    models::ReplayOptions options() const;
    /** Why start is disabled; empty when it is enabled. */
    QString blockedReason() const { return m_blockedReason; }
    /** Follows the connection's read-only switch: while read-only, Start and Resume are blocked. A job
        already running is the user's earlier decision and goes on (Cancel stops it). */
    void setReadOnly(bool readOnly);
    bool isReadOnly() const { return m_readOnly; }

    /** The job once started (owned by the dialog), else null. */
    models::ReplayJob *job() const { return m_job.get(); }
    bool isRunning() const;
    /** The summary once the job finished. */
    const std::optional<models::ReplaySummary> &summary() const { return m_summary; }

    // Widgets, for tests and screenshots.
    QComboBox *targetCombo() const { return m_targetCombo; }
    QRadioButton *originalRadio() const { return m_originalRadio; }
    QRadioButton *entityRadio() const { return m_entityRadio; }
    QCheckBox *renewCheck() const { return m_renewCheck; }
    QCheckBox *stripCheck() const { return m_stripCheck; }
    QCheckBox *replayCountCheck() const { return m_replayCountCheck; }
    QLineEdit *replayCountEdit() const { return m_replayCountEdit; }
    /** The transform; its messageLabel() shows the hint, "valid" or the error. */
    SqlEditor *transformEditor() const { return m_transform; }
    QTableWidget *previewTable() const { return m_preview; }
    QTabWidget *previewTabs() const { return m_previewTabs; }
    QWidget *routingPage() const { return m_routingPage; }
    QFrame *resumeBanner() const { return m_resumeBanner; }
    QPushButton *resumeButton() const { return m_resumeButton; }
    QPushButton *discardButton() const { return m_discardButton; }
    QPushButton *startButton() const { return m_startButton; }
    /** Page 1: closes the dialog; page 2: cancels the job (then "Cancelling…", disabled). */
    QPushButton *cancelButton() const;
    QPushButton *closeButton() const { return m_closeButton; }
    QProgressBar *progressBar() const { return m_progress; }
    QLabel *countsLabel() const { return m_countsLabel; }
    QLabel *summaryLabel() const { return m_summaryLabel; }
    QTableWidget *failuresTable() const { return m_failures; }
    /** True once the preview shows computed rows (after the source was peeked). */
    bool isPreviewReady() const { return m_previewLoaded; }

public Q_SLOTS:
    /** Starts the job with options() (no-op when blocked or already started). */
    void start();
    /** Page 1: closes. Page 2 while running: asks to cancel the job (the dialog stays open). */
    void reject() override;

Q_SIGNALS:
    /** The job finished (also cancelled or failed): the browser may refresh the source and target. */
    void replayFinished(const busyard::models::ReplaySummary &summary);

protected:
    void done(int result) override;
    /** Esc in the transform editor (QScintilla keeps it) rejects like anywhere else in the dialog. */
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void buildOptionsPage();
    void buildRunningPage();
    void loadEntities();
    void loadPreviewMessages();
    void scheduleUpdate();
    void updateAll();
    void updateTransformDiagnostic();
    /** After the editor's check: a transform the job would still refuse (e.g. an @parameter, which
        replay cannot supply) is shown as the editor's error. */
    void onTransformValidated();
    void updatePreview();
    void updateRouting(const std::vector<std::pair<QString, core::Message>> &copies);
    void updateStartButton();
    void updateResumeBanner();
    /** Asks the source's runtime count when the caller passed none (header and progress). */
    void fetchSourceCount();
    void onDiscardJournal();
    void onCancelJob();
    void onProgress(qint64 replayed, qint64 failed, qint64 expected, double rate);
    void onMessageFailed(const models::ReplayFailure &failure);
    void onFinished(const models::ReplaySummary &summary);
    void restoreSettings();
    void saveOptions() const;
    /** The entity Target::Original sends `message` to. */
    QString targetOf(const core::Message &message, const models::ReplayOptions &options) const;
    bool isTopic(const QString &entity) const;
    std::int64_t expectedCount() const;
    QString verbPast() const;

    client::NamespaceConnection *m_connection = nullptr;
    QString m_source;
    Mode m_mode = Mode::Replay;
    std::vector<core::Message> m_selection;
    std::int64_t m_sourceCount = -1;
    QString m_parentEntity;
    QString m_journalPath;
    int m_batchSize = 0;
    RoutingPreviewFactory m_routingFactory;

    std::vector<core::Message> m_previewMessages;
    bool m_previewLoaded = false;
    QString m_previewError;
    QStringList m_queues;
    QStringList m_topics;
    bool m_entitiesLoaded = false;
    bool m_transformValid = true;
    QString m_transformError; ///< why the transform does not compile; empty when valid or empty
    QString m_blockedReason;

    std::unique_ptr<models::ReplayJob> m_job;
    bool m_readOnly = false;
    std::optional<models::ReplaySummary> m_summary;
    QPointer<QWidget> m_confirmCancel;

    QTimer *m_updateTimer = nullptr;
    QStackedWidget *m_pages = nullptr;
    // page 1
    QLabel *m_sourceLabel = nullptr;
    QFrame *m_resumeBanner = nullptr;
    QPushButton *m_resumeButton = nullptr;
    QPushButton *m_discardButton = nullptr;
    QRadioButton *m_originalRadio = nullptr;
    QRadioButton *m_entityRadio = nullptr;
    QComboBox *m_targetCombo = nullptr;
    QLabel *m_targetHint = nullptr;
    QCheckBox *m_renewCheck = nullptr;
    QCheckBox *m_stripCheck = nullptr;
    QCheckBox *m_replayCountCheck = nullptr;
    QLineEdit *m_replayCountEdit = nullptr;
    QCheckBox *m_copyOnlyCheck = nullptr;
    SqlEditor *m_transform = nullptr;
    QTabWidget *m_previewTabs = nullptr;
    QLabel *m_previewNote = nullptr;
    QTableWidget *m_preview = nullptr;
    QWidget *m_routingPage = nullptr;
    QPointer<QWidget> m_routingWidget;
    QLabel *m_blockedLabel = nullptr;
    QPushButton *m_startButton = nullptr;
    QPushButton *m_closeOptionsButton = nullptr;
    // page 2
    QString m_runDescription; ///< "12 messages from A to B", for the page 2 title
    QLabel *m_runTitle = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_countsLabel = nullptr;
    QLabel *m_summaryLabel = nullptr;
    QLabel *m_failuresTitle = nullptr;
    QTableWidget *m_failures = nullptr;
    QPushButton *m_cancelJobButton = nullptr;
    QPushButton *m_closeButton = nullptr;
};

} // namespace busyard::widgets
