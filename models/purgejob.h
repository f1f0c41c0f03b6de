#pragma once

#include <QObject>
#include <QString>

#include <chrono>
#include <cstdint>
#include <string>

namespace busyard::client {
class NamespaceConnection;
}

namespace busyard::models {

/**
 * Purges one entity path ("queue", "topic/Subscriptions/sub", either with "/$DeadLetterQueue" or
 * "/$Transfer/$DeadLetterQueue") by receive-and-delete in batches.
 *
 * start() issues up to pipelineDepth() receives of batchSize() messages (the client queues them on the
 * entity's one receiver link, so the next batch is already asked for when one returns). The job stops
 * when a receive returns no message within emptyWait() (the entity is empty), on the first error, or
 * after cancel(): no new batch is issued, the batches in flight still return (their messages are gone
 * from the broker) and are counted, so finished() reports exactly the messages removed.
 *
 * Scheduled and locked messages are not receivable and stay. Runs on the connection's thread (the GUI
 * thread); never blocks. `connection` is not owned and must outlive the job.
 */
class PurgeJob : public QObject
{
    Q_OBJECT

public:
    /** `expected`: the message count the user confirmed (for progress; < 0 = unknown). */
    PurgeJob(client::NamespaceConnection *connection, QString entityPath, std::int64_t expected,
             QObject *parent = nullptr);

    QString entityPath() const { return m_entityPath; }
    std::int64_t expected() const { return m_expected; }
    std::int64_t removed() const { return m_removed; }
    bool isRunning() const { return m_running; }
    bool isCancelled() const { return m_cancelled; }

    /** Messages per receive call (1..5000; default 500). Set before start(). */
    void setBatchSize(int size);
    int batchSize() const { return m_batchSize; }
    /** Receive calls in flight (1..8; default 2). Set before start(). */
    void setPipelineDepth(int depth);
    int pipelineDepth() const { return m_depth; }
    /** How long an (empty) receive waits before the entity counts as empty (default 1 s). */
    void setEmptyWait(std::chrono::milliseconds wait) { m_emptyWait = wait; }
    std::chrono::milliseconds emptyWait() const { return m_emptyWait; }

public Q_SLOTS:
    /** Starts purging (once; later calls are ignored). */
    void start();
    /** Stops issuing batches; finished() follows when the batches in flight are back. */
    void cancel();

Q_SIGNALS:
    /** After every batch: messages removed so far and the expected total (< 0 = unknown). */
    void progress(qint64 removed, qint64 expected);
    /** Exactly once: the messages removed and an error text (empty on success or cancel). */
    void finished(qint64 removed, const QString &error);

private:
    void issue();
    void finish();

    client::NamespaceConnection *m_connection = nullptr;
    QString m_entityPath;
    std::string m_entity;
    std::int64_t m_expected = -1;
    std::int64_t m_removed = 0;
    int m_batchSize = 500;
    int m_depth = 2;
    std::chrono::milliseconds m_emptyWait{1000};
    int m_inFlight = 0;
    bool m_started = false;
    bool m_running = false;
    bool m_cancelled = false;
    bool m_drained = false; ///< a receive came back empty: issue no more
    bool m_finished = false;
    QString m_error;
};

} // namespace busyard::models
