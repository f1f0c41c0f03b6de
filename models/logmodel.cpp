#include "logmodel.h"

#include <QtCore/QDateTime>
#include <QtGui/QColor>
#include <QtGui/QFontDatabase>

#include <algorithm>

namespace busyard::models {

namespace {

// spdlog::level values, without pulling spdlog into the model.
constexpr int Debug = 1, Warn = 3, Error = 4;

} // namespace

LogModel::LogModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(FlushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &LogModel::flush);
}

void LogModel::setCapacity(int capacity)
{
    Q_ASSERT(capacity > 0);
    if (capacity <= 0)
        return;
    m_capacity = capacity;
    const int excess = static_cast<int>(m_rows.size()) - m_capacity;
    if (excess > 0) {
        beginRemoveRows({}, 0, excess - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + excess);
        endRemoveRows();
    }
}

void LogModel::append(LogRecord record)
{
    m_pending.push_back(std::move(record));
    // A burst larger than the capacity would only be trimmed again: keep the queue bounded too.
    if (m_pending.size() > static_cast<std::size_t>(2 * m_capacity))
        m_pending.erase(m_pending.begin(), m_pending.end() - m_capacity);
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void LogModel::flush()
{
    m_flushTimer.stop();
    if (m_pending.empty())
        return;

    // Only the newest `capacity` queued records can survive this flush.
    auto first = m_pending.begin();
    if (m_pending.size() > static_cast<std::size_t>(m_capacity))
        first = m_pending.end() - m_capacity;
    const int incoming = static_cast<int>(m_pending.end() - first);

    const int excess = static_cast<int>(m_rows.size()) + incoming - m_capacity;
    if (excess > 0) {
        beginRemoveRows({}, 0, excess - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + excess);
        endRemoveRows();
    }

    const int firstRow = static_cast<int>(m_rows.size());
    beginInsertRows({}, firstRow, firstRow + incoming - 1);
    for (auto it = first; it != m_pending.end(); ++it) {
        QString timeText = QDateTime::fromMSecsSinceEpoch(it->timeMs).toString(QStringLiteral("HH:mm:ss.zzz"));
        m_rows.push_back(Row{std::move(*it), std::move(timeText)});
    }
    m_pending.clear();
    endInsertRows();
}

void LogModel::clear()
{
    m_flushTimer.stop();
    m_pending.clear();
    if (m_rows.empty())
        return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

const LogRecord &LogModel::record(int row) const
{
    Q_ASSERT(row >= 0 && row < rowCount());
    return m_rows[static_cast<std::size_t>(row)].record;
}

QString LogModel::levelName(int level)
{
    switch (level) {
    case 0: return tr("trace");
    case 1: return tr("debug");
    case 2: return tr("info");
    case 3: return tr("warning");
    case 4: return tr("error");
    case 5: return tr("critical");
    default: return tr("off");
    }
}

int LogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int LogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[static_cast<std::size_t>(index.row())];
    const int level = row.record.level;

    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        switch (index.column()) {
        case TimeColumn: return row.timeText;
        case LevelColumn: return levelName(level);
        case LoggerColumn: return row.record.logger;
        case MessageColumn: return row.record.message;
        }
        break;
    case Qt::ForegroundRole:
        if (index.column() != LevelColumn && index.column() != MessageColumn)
            break;
        // Mid-saturation colours that stay readable on both the light and the dark palette.
        if (level >= Error)
            return QColor(0xE5, 0x48, 0x4D);
        if (level == Warn)
            return QColor(0xD9, 0x8E, 0x04);
        if (level <= Debug && index.column() == LevelColumn)
            return QColor(0x8A, 0x94, 0xA6);
        break;
    case Qt::FontRole:
        if (index.column() == TimeColumn)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    case LevelRole:
        return level;
    }
    return {};
}

QVariant LogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn: return tr("Time");
    case LevelColumn: return tr("Level");
    case LoggerColumn: return tr("Source");
    case MessageColumn: return tr("Message");
    }
    return {};
}

} // namespace busyard::models
