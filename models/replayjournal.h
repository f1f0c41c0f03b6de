#pragma once

#include "core/result.h"

#include <QFile>
#include <QString>
#include <QThreadPool>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace busyard::models {

/**
 * The progress journal of a ReplayJob: an append-only UTF-8 text file, one record per line.
 *
 *     BUSYARD-REPLAY-JOURNAL 1 <tab> <journal id (UUID)> <tab> <source entity>
 *     I <tab> <seq> <tab> <target entity> <tab> <copy message id>   copy built, about to be sent
 *     A <tab> <seq>                                                 copy accepted by the target
 *     C <tab> <seq>                                                 original completed
 *     F <tab> <seq> <tab> <reason>                                  copy refused; original left in the source
 *
 * Text fields are percent-encoded (tab, newline, '%' and control characters), so a record never
 * spans lines. The last record of a sequence number wins. Records are buffered by the record*()
 * calls and reach the disk with flush() (write + fsync), which the job calls once per batch.
 *
 * Crash tolerance: a last line that is incomplete or does not parse (a write torn by a crash) is
 * dropped and cut off the file when it is opened again; a bad line before the last one is a corrupt
 * journal (open() fails with the line number). A file that does not start with the header is refused
 * as a foreign file, one written for another source entity as foreign journal.
 *
 * Not thread-safe: one owner (the ReplayJob, GUI thread). Disk I/O is synchronous and small.
 */
class ReplayJournal
{
public:
    enum class State : std::uint8_t { Intent, Accepted, Completed, Failed };

    struct Entry
    {
        State state = State::Intent;
        std::string target;        ///< from the last intent record
        std::string copyMessageId; ///< from the last intent record
        std::string reason;        ///< Failed only
        bool fromEarlierRun = false; ///< the state was read from the file when it was opened
    };

    static constexpr int kFormatVersion = 1;

    /**
     * Opens `path` for `sourceEntity`: creates it (and its folder) with a new random journal id when it
     * does not exist or is empty, else reads it back (resumed() is then true). Errors: StoreError for
     * I/O failures, InvalidArgument for a foreign, corrupt or other-source journal (text says which).
     */
    static core::Result<std::unique_ptr<ReplayJournal>> open(const QString &path, const QString &sourceEntity);

    /** Reads a journal without opening it for writing (for ReplayJob::hasUnfinishedJournal and tests). */
    static core::Result<std::unique_ptr<ReplayJournal>> read(const QString &path);

    ~ReplayJournal();
    ReplayJournal(const ReplayJournal &) = delete;
    ReplayJournal &operator=(const ReplayJournal &) = delete;

    const QString &path() const { return m_path; }
    const std::string &journalId() const { return m_journalId; }
    const QString &sourceEntity() const { return m_source; }
    /** The file existed with records or a header before open(). */
    bool resumed() const { return m_resumed; }
    /** A torn last line was dropped when the file was opened. */
    bool repaired() const { return m_repaired; }

    const Entry *find(std::int64_t sequenceNumber) const;
    const std::unordered_map<std::int64_t, Entry> &entries() const { return m_entries; }
    /** Entries whose last state is Intent or Accepted: work an interrupted run left unfinished. */
    std::size_t pendingCount() const;

    void recordIntent(std::int64_t sequenceNumber, const std::string &target, const std::string &copyMessageId);
    void recordAccepted(std::int64_t sequenceNumber);
    void recordCompleted(std::int64_t sequenceNumber);
    void recordFailed(std::int64_t sequenceNumber, const std::string &reason);

    /** Writes the buffered records and fsyncs the file, on the calling thread (after any asynchronous
        flush has finished). StoreError on failure (the buffer is kept). */
    core::Result<void> flush();
    /**
     * As flush(), on the journal's own worker thread, so that the GUI thread never waits for a disk:
     * `done` runs on `context`'s thread once every record buffered up to this call is on disk (or with
     * StoreError). Flushes complete in call order. After a failed asynchronous flush its records are
     * lost from the buffer and every later flush fails too (the job stops; nothing is completed
     * without its record on disk). `done` is dropped if `context` is destroyed first.
     */
    void flushAsync(QObject *context, std::function<void(core::Result<void>)> done);
    /** Bytes buffered by record*() and not yet flushed. */
    std::size_t buffered() const { return std::size_t(m_buffer.size()); }

    /** Closes and deletes the file (after a successful job). */
    core::Result<void> remove();

    static std::string encodeField(const std::string &text);
    static std::string decodeField(const std::string &text);

private:
    ReplayJournal() = default;
    static core::Result<std::unique_ptr<ReplayJournal>> load(const QString &path, bool forWriting);
    void append(std::string line);

    QString m_path;
    QString m_source;
    std::string m_journalId;
    bool m_resumed = false;
    bool m_repaired = false;
    std::unordered_map<std::int64_t, Entry> m_entries;
    /** Worker: writes `data` through m_file and fsyncs. Only one runs at a time (one pool thread, or the
        caller after waitForDone()), so m_file is never used by two threads at once. */
    core::Result<void> writeOut(const QByteArray &data);

    QByteArray m_buffer;
    std::unique_ptr<QFile> m_file;
    /** One thread: asynchronous flushes run one after the other, in call order. Declared after m_file so
        that it is destroyed (waiting for running flushes) first. */
    std::unique_ptr<QThreadPool> m_pool;
    std::shared_ptr<bool> m_asyncFailed = std::make_shared<bool>(false);
};

} // namespace busyard::models
