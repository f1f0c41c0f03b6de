#pragma once

#include "core/message.h"

#include <QAbstractTableModel>
#include <QString>

#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace busyard::client {
class NamespaceConnection;
}

namespace busyard::models {

/**
 * Interns strings that repeat across messages (subjects, session ids, dead-letter reasons): each
 * distinct text is stored once as a QString (so data() returns it without conversion) and rows keep
 * a 32-bit index. Index 0 is the empty string / unset.
 */
class StringInterner
{
public:
    StringInterner();
    std::uint32_t intern(std::string_view text);
    const QString &at(std::uint32_t index) const { return m_strings[index]; }
    std::size_t size() const { return m_strings.size(); }
    /** Approximate heap bytes held (strings + index). */
    std::size_t memoryUsage() const;
    void clear();

private:
    std::vector<QString> m_strings;
    std::unordered_map<std::string, std::uint32_t> m_index;
    std::size_t m_textBytes = 0;
};

/**
 * The messages of one entity, loaded lazily: rowCount() is what has been peeked so far, fetchMore()
 * peeks the next page (pageSize(), default 250) from the sequence number after the last loaded one,
 * appending it with one beginInsertRows()/endInsertRows(). Built for a million rows: each row is a
 * compact Row (sizeof(Row) bytes, strings interned or in one shared arena); bodies and full
 * properties are not kept per row but in a bounded LRU cache of full messages (fullMessage(),
 * loadFullMessage() re-peeks one message by sequence number). data() does no I/O and no parsing.
 *
 * Row filter: setRowFilter() restricts the visible rows to a set of loaded rows (sorted source
 * indices; one model reset); clearRowFilter() shows all again. While a filter is set, fetchMore()
 * is off (canFetchMore() false).
 *
 * Lock tokens: messages received in PeekLock mode are recorded with their tokens (setLocked());
 * lockToken() returns the one of a row, if any.
 *
 * GUI thread only. `connection` is not owned and must outlive the model.
 */
class MessageListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        SequenceNumberColumn,
        MessageIdColumn,
        EnqueuedTimeColumn,
        SubjectColumn,
        SessionIdColumn,
        SizeColumn,
        DeliveryCountColumn,
        StateColumn,
        DeadLetterReasonColumn,
        ColumnCount
    };
    enum Role {
        SequenceNumberRole = Qt::UserRole + 1, ///< qint64
        LockedRole,                            ///< bool: a lock token is held
    };

    /** Compact per-row record; strings are interner indices or arena slices. */
    struct Row
    {
        std::int64_t sequenceNumber = 0;
        std::int64_t enqueuedTimeMs = 0;
        std::uint32_t messageIdOffset = 0; ///< into the arena
        std::uint32_t subject = 0;         ///< interner index
        std::uint32_t sessionId = 0;       ///< interner index
        std::uint32_t deadLetterReason = 0;///< interner index
        std::uint32_t size = 0;
        std::uint32_t deliveryCount = 0;
        std::uint16_t messageIdLength = 0;
        core::MessageState state = core::MessageState::Active;
        bool locked = false;
    };

    MessageListModel(client::NamespaceConnection *connection, std::string entityPath, QObject *parent = nullptr);
    ~MessageListModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent = {}) const override;
    void fetchMore(const QModelIndex &parent = {}) override;

    const std::string &entityPath() const { return m_entity; }
    void setPageSize(int size) { m_pageSize = size; }
    int pageSize() const { return m_pageSize; }
    /** Capacity of the full-message LRU cache (default 1000). */
    void setCacheCapacity(std::size_t capacity);

    /** Loaded rows (ignores the row filter). */
    int loadedCount() const { return int(m_rows.size()); }
    /** true until a peek returned fewer messages than asked. */
    bool hasMore() const { return !m_atEnd; }
    bool isFetching() const { return m_fetching; }
    /** After the end was reached: looks for messages that arrived since (peek from the next sequence
        number); no-op while filtered or fetching. */
    void fetchNewer();
    /** Drops everything and starts again from the first sequence number (one reset). */
    void reload();

    /** The row behind a visible row (respects the row filter). */
    const Row &rowAt(int row) const;
    std::int64_t sequenceNumber(int row) const { return rowAt(row).sequenceNumber; }
    /** Visible row of a sequence number, -1 if not visible. */
    int rowOfSequenceNumber(std::int64_t sequenceNumber) const;
    /** Loaded (unfiltered) rows; index = source row. */
    const std::vector<Row> &loadedRows() const { return m_rows; }

    /** The cached full message (body and properties), or nullptr. Refreshes its LRU position. */
    const core::Message *fullMessage(std::int64_t sequenceNumber);
    /** Gets the full message (from the cache, else one peek) and calls `done` on the GUI thread. */
    void loadFullMessage(std::int64_t sequenceNumber, QObject *context,
                         std::function<void(std::optional<core::Message>, QString error)> done);
    /** Re-peeks these messages and updates their rows (state, delivery count); rows no longer
        there are removed. */
    void refreshRows(std::vector<std::int64_t> sequenceNumbers);
    /** Removes the rows of these sequence numbers (completed, dead-lettered, deleted). */
    void removeSequenceNumbers(std::vector<std::int64_t> sequenceNumbers);
    /** Records messages received in PeekLock mode: updates or inserts their rows with their lock token. */
    void setLocked(const std::vector<core::Message> &messages);
    std::optional<core::Uuid> lockToken(std::int64_t sequenceNumber) const;
    void clearLock(std::int64_t sequenceNumber);

    /** Shows only these source rows (sorted ascending, deduplicated); one reset. */
    void setRowFilter(std::vector<int> sourceRows);
    void clearRowFilter();
    bool hasRowFilter() const { return m_filtered; }

    /** Heap bytes held per loaded row, without cached bodies (rows + arena + interned strings) / rows. */
    double memoryPerRow() const;

Q_SIGNALS:
    /** A page arrived (after endInsertRows) or loading ended. */
    void loadingChanged();
    void errorOccurred(const QString &message);

private:
    void appendPage(std::vector<core::Message> page);
    Row makeRow(const core::Message &m);
    void updateRow(Row &row, const core::Message &m);
    void cache(core::Message message);
    QString messageIdText(const Row &row) const;

    client::NamespaceConnection *m_connection = nullptr;
    std::string m_entity;
    int m_pageSize = 250;
    bool m_fetching = false;
    bool m_atEnd = false;
    bool m_filtered = false;
    std::int64_t m_nextSequenceNumber = 0;
    std::uint64_t m_generation = 0; ///< bumped by reload(): stale pages are dropped

    std::vector<Row> m_rows;
    std::vector<int> m_visible; ///< source rows when filtered
    std::string m_arena;        ///< message id bytes, appended
    StringInterner m_strings;
    std::unordered_map<std::int64_t, core::Uuid> m_locks;

    std::size_t m_cacheCapacity = 1000;
    std::list<core::Message> m_lru; ///< most recent first
    std::unordered_map<std::int64_t, std::list<core::Message>::iterator> m_cacheIndex;
};

} // namespace busyard::models
