#pragma once

#include "core/message.h"
#include "core/result.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace busyard::client {
class NamespaceConnection;
}

namespace busyard::models {

class ReplayJournal;

/** What a replay (or move) does to each message. Plain value; the dialog fills it in. */
struct ReplayOptions
{
    enum class Target {
        Original, ///< the message's x-opt-deadletter-source if set, else the parent of the dead-letter queue
        Entity,   ///< `targetEntity` (a queue or topic name)
    };
    Target target = Target::Original;
    /** Target::Entity: queue or topic name ("orders", not a subscription). */
    QString targetEntity;

    /** New message id (a UUID derived from the journal id and the source sequence number, so a resumed
        replay gives the same id again) instead of keeping the original one. */
    bool renewMessageId = false;
    /** Removes DeadLetterReason / DeadLetterErrorDescription from the copy's application properties. */
    bool stripDeadLetterProperties = true;
    /** Application property incremented on the copy (absent = 0, so the first replay sets 1); empty = none. */
    QString replayCountProperty = QStringLiteral("BusyardReplayCount");
    /** SQL rule-action text (SET / REMOVE, servicebus-semantics.md A.15) run on each copy; empty = none. */
    QString transform;

    /** Only these source sequence numbers (a selection); empty = every message of the source. */
    std::set<std::int64_t> sequenceNumbers;
    /** Stop after this many messages have been replayed; < 0 = no limit. */
    std::int64_t maxMessages = -1;
    /** false = copy only: the original stays in the source (nothing is completed). */
    bool completeOriginal = true;
};

/**
 * Builds the copy that a replay sends for `original` (pure function; Qt-free apart from the
 * QString options; also the dialog's before/after preview): body, body type, content type and
 * encoding, correlation id, session ids, subject, to, reply-to, partition keys, TTL, annotations and
 * application properties are kept; broker-set fields (sequence number, enqueued time, lock token,
 * delivery count, state, dead-letter source, scheduled time) are cleared. Then the options apply in
 * this order: message id, strip dead-letter properties, replay count, transform.
 *
 * `journalId` seeds renewed message ids. Errors: SyntaxError when the transform does not compile,
 * FilterEvaluation when it fails on this message (the text says which statement).
 */
core::Result<core::Message> makeReplayCopy(const core::Message &original, const ReplayOptions &options,
                                           const std::string &journalId);

/** Where Target::Original sends a message received from `sourceEntity` (a DLQ path or any entity path):
    the message's deadLetterSource when set, else the queue or topic owning `sourceEntity`
    ("orders/$DeadLetterQueue" -> "orders", "t/Subscriptions/s/$DeadLetterQueue" -> "t"). */
std::string originalTarget(const core::Message &message, const std::string &sourceEntity);

/** One message that could not be replayed; its original stays in the source. */
struct ReplayFailure
{
    std::int64_t sequenceNumber = 0;
    QString messageId;
    QString reason;
};

/** The end state of a job. */
struct ReplaySummary
{
    std::int64_t replayed = 0;   ///< copies accepted by the target (and originals completed if asked)
    std::int64_t resumed = 0;    ///< of those, finished from a journal of an earlier run without sending again
    std::int64_t failed = 0;     ///< messages left in the source, see failures
    std::vector<ReplayFailure> failures;
    bool cancelled = false;
    QString error;               ///< a job-level error (source unreachable, journal unwritable); empty if none
    double seconds = 0;
};

/**
 * Replays dead-lettered messages (or moves messages between entities) without losing or duplicating any.
 *
 * Per batch: peek-lock receive from `sourceEntity` (messages outside options.sequenceNumbers, and those
 * that failed, stay locked by the job until it ends and are abandoned then: abandoned at once they would
 * come back first in the next receive; the job stops early once every selected message is done),
 * build each copy (makeReplayCopy), write "intent" records to the journal and
 * flush it, send the copies to their targets and wait for each to be accepted, write "accepted"
 * records and flush, complete the originals, write "completed" records. A copy that is rejected leaves
 * its original in the source (abandoned) and is listed in the summary with the broker's reason.
 *
 * Resuming (same journal file, a later run): a message whose journal says "accepted" is completed
 * without sending again; one with only "intent" (the process died between the send and the journal
 * flush) is looked for by its copy's message id before the first receive:
 *  - queue target: the target queue is peeked;
 *  - topic target: the copy is rebuilt from the original (peeked in the source; makeReplayCopy is
 *    deterministic, renewed ids included) and routed with core::broker::RoutingEvaluator through the
 *    topic's subscriptions and rules (listed once per topic per resume); every place the prediction
 *    puts it is peeked: the subscription (Active), its dead-letter queue (DeadLetter), the forward target
 *    (Forwarded; a topic there cannot be peeked, see below). A subscription with a rule that does not
 *    compile here is searched in all three places.
 * Found anywhere = completed without a second copy; predicted to reach no subscription (the topic drops
 * it, so a second send duplicates nothing visible) or not found where it should be = sent again. A
 * management or peek error, a copy that cannot be rebuilt with the journalled id (the options changed
 * since that run), or a place not searched to its end leaves the original in the source as a failure
 * ("uncertain after an interrupted run"). At most 10,000 messages are peeked per entity; a copy not
 * seen within them is uncertain, never missing. A copy a consumer already took from the target cannot
 * be seen and is sent again.
 *
 * Locks: the job renews every lock it holds and has not settled (messages kept locked outside the
 * selection or after a failure, and those of batches in flight) on a timer at about half the source's
 * lock duration (judged from the first message received: lockedUntil minus now, at least 1 s), with at
 * most 16 renewals in flight; a MessageLockLost for a message settled meanwhile is ignored. The timer
 * stops when the job starts abandoning its held messages at the end. Messages locked by a run that died
 * come back after the source's lock duration.
 *
 * Thread: the connection's (GUI) thread; never waits for the disk: the journal's writes and fsyncs run on its
 * own worker thread (ReplayJournal::flushAsync), except one final flush when the job ends.
 * `connection` is not owned and must outlive the job.
 */
class ReplayJob : public QObject
{
    Q_OBJECT

public:
    /** `journalPath`: the journal file (created if missing; an existing one is resumed when it belongs to
        the same source entity, else start() fails with a clear error). */
    ReplayJob(client::NamespaceConnection *connection, QString sourceEntity, ReplayOptions options,
              QString journalPath, QObject *parent = nullptr);
    ~ReplayJob() override;

    QString sourceEntity() const { return m_sourceEntity; }
    const ReplayOptions &options() const { return m_options; }
    QString journalPath() const { return m_journalPath; }
    /** Expected total for progress (the source's message count or the selection size; < 0 = unknown). */
    void setExpected(std::int64_t expected) { m_expected = expected; }

    /** Messages per receive (1..1000; default 250). Set before start(). */
    void setBatchSize(int size);
    /** How long an empty receive waits before the source counts as drained (default 1 s). */
    void setEmptyWait(std::chrono::milliseconds wait) { m_emptyWait = wait; }

    bool isRunning() const { return m_running; }
    const ReplaySummary &summary() const { return m_summary; }

    /** True when `journalPath` holds unfinished work of an earlier run for `sourceEntity`. */
    static bool hasUnfinishedJournal(const QString &journalPath, const QString &sourceEntity);
    /** The default journal location for a source: <AppDataLocation>/replay/<hash of namespace+entity>.journal. */
    static QString defaultJournalPath(const QString &namespaceHost, const QString &sourceEntity);

public Q_SLOTS:
    void start();
    /** Stops taking new batches; the batch in flight finishes (copies accepted are completed). */
    void cancel();

Q_SIGNALS:
    /** After each batch: replayed and failed so far, expected total (< 0 unknown), messages per second. */
    void progress(qint64 replayed, qint64 failed, qint64 expected, double ratePerSecond);
    /** One message could not be replayed (its original stays in the source). */
    void messageFailed(const busyard::models::ReplayFailure &failure);
    /** Exactly once. On success the journal file is removed; on error or cancel it is kept for resuming. */
    void finished(const busyard::models::ReplaySummary &summary);

private:
    client::NamespaceConnection *m_connection = nullptr;
    QString m_sourceEntity;
    ReplayOptions m_options;
    QString m_journalPath;
    std::unique_ptr<ReplayJournal> m_journal;
    std::int64_t m_expected = -1;
    int m_batchSize = 250;
    std::chrono::milliseconds m_emptyWait{1000};
    bool m_running = false;
    bool m_cancelled = false;
    ReplaySummary m_summary;
    QElapsedTimer m_clock;
    /** Batches in flight, held locks and their renewal, resume checks (replayjob.cpp). */
    struct Private;
    friend struct Private;
    std::unique_ptr<Private> d;
};

} // namespace busyard::models

Q_DECLARE_METATYPE(busyard::models::ReplayFailure)
Q_DECLARE_METATYPE(busyard::models::ReplaySummary)
