#pragma once

#include <QtCore/QAbstractTableModel>
#include <QtCore/QString>
#include <QtCore/QTimer>

#include <deque>
#include <vector>

namespace busyard::models {

/** One log record as the log pane shows it. Plain value, safe to copy across threads. */
struct LogRecord
{
    qint64 timeMs = 0; ///< wall-clock time, milliseconds since the Unix epoch
    int level = 0;     ///< spdlog::level::level_enum value (0 = trace ... 5 = critical)
    QString logger;    ///< name of the spdlog logger ("core", "app", ...)
    QString message;   ///< the formatted payload, without time/level decoration
};

/**
 * Ring buffer of the most recent log records, as a table (time, level, logger, message).
 *
 * GUI thread only. append() buffers; the buffer is flushed about every 100 ms (or on flush()) with at
 * most ONE beginRemoveRows (oldest rows, when over capacity) and ONE beginInsertRows per flush, so a
 * burst of records costs the views one update. Records from other threads arrive through LogSink.
 */
class LogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, LevelColumn, LoggerColumn, MessageColumn, ColumnCount };
    enum Role { LevelRole = Qt::UserRole + 1 };

    static constexpr int DefaultCapacity = 10'000;
    static constexpr int FlushIntervalMs = 100;

    explicit LogModel(QObject *parent = nullptr);

    /** Maximum number of rows kept; the oldest are removed first. Shrinking trims at once. */
    int capacity() const { return m_capacity; }
    void setCapacity(int capacity);

    /** Queues a record; it becomes a row at the next flush. */
    void append(LogRecord record);
    /** Turns the queued records into rows now. */
    void flush();
    /** Records queued but not yet rows. */
    int pendingCount() const { return static_cast<int>(m_pending.size()); }
    /** Removes all rows and queued records. */
    void clear();

    const LogRecord &record(int row) const;
    /** "level" name as shown in the level column ("trace", "debug", "info", "warning", "error", "critical"). */
    static QString levelName(int level);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        LogRecord record;
        QString timeText; // formatted once at flush, not in data()
    };

    std::deque<Row> m_rows;
    std::vector<LogRecord> m_pending;
    QTimer m_flushTimer;
    int m_capacity = DefaultCapacity;
};

} // namespace busyard::models
