#include "messagelistmodel.h"

#include "core/client/namespaceconnection.h"

#include <QDateTime>
#include <QPointer>

#include <algorithm>

namespace busyard::models {

// ---- StringInterner ----------------------------------------------------------------------------------

StringInterner::StringInterner()
{
    clear();
}

std::uint32_t StringInterner::intern(std::string_view text)
{
    if (text.empty())
        return 0;
    // Heterogeneous lookup needs C++20 transparent hashing on unordered_map, which libstdc++ 12 lacks:
    // one temporary std::string per lookup is the price (only on page arrival, never in data()).
    std::string key(text);
    if (const auto it = m_index.find(key); it != m_index.end())
        return it->second;
    const auto index = std::uint32_t(m_strings.size());
    m_strings.push_back(QString::fromUtf8(text.data(), qsizetype(text.size())));
    m_textBytes += text.size();
    m_index.emplace(std::move(key), index);
    return index;
}

std::size_t StringInterner::memoryUsage() const
{
    // QString: UTF-16 payload + header; map node: key + bucket + node overhead (~64 bytes).
    return m_strings.capacity() * sizeof(QString) + m_textBytes * 3 + m_index.size() * 64;
}

void StringInterner::clear()
{
    m_strings.clear();
    m_index.clear();
    m_textBytes = 0;
    m_strings.emplace_back();
}

// ---- MessageListModel ----------------------------------------------------------------------------------

MessageListModel::MessageListModel(client::NamespaceConnection *connection, std::string entityPath, QObject *parent)
    : QAbstractTableModel(parent)
    , m_connection(connection)
    , m_entity(std::move(entityPath))
{
    Q_ASSERT(m_connection);
}

MessageListModel::~MessageListModel() = default;

int MessageListModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid())
        return 0;
    return m_filtered ? int(m_visible.size()) : int(m_rows.size());
}

int MessageListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

const MessageListModel::Row &MessageListModel::rowAt(int row) const
{
    return m_filtered ? m_rows[std::size_t(m_visible[std::size_t(row)])] : m_rows[std::size_t(row)];
}

QString MessageListModel::messageIdText(const Row &row) const
{
    return QString::fromUtf8(m_arena.data() + row.messageIdOffset, row.messageIdLength);
}

static QString stateText(const MessageListModel::Row &row)
{
    QString text;
    switch (row.state) {
    case core::MessageState::Active: text = QObject::tr("Active"); break;
    case core::MessageState::Deferred: text = QObject::tr("Deferred"); break;
    case core::MessageState::Scheduled: text = QObject::tr("Scheduled"); break;
    }
    if (row.locked)
        text += QObject::tr(" (locked)");
    return text;
}

QVariant MessageListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = rowAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case SequenceNumberColumn: return QString::number(row.sequenceNumber);
        case MessageIdColumn: return messageIdText(row);
        case EnqueuedTimeColumn:
            return QDateTime::fromMSecsSinceEpoch(row.enqueuedTimeMs, Qt::UTC)
                .toLocalTime()
                .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
        case SubjectColumn: return m_strings.at(row.subject);
        case SessionIdColumn: return m_strings.at(row.sessionId);
        case SizeColumn: return QString::number(row.size);
        case DeliveryCountColumn: return QString::number(row.deliveryCount);
        case StateColumn: return stateText(row);
        case DeadLetterReasonColumn: return m_strings.at(row.deadLetterReason);
        default: return {};
        }
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case SequenceNumberColumn:
        case SizeColumn:
        case DeliveryCountColumn: return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default: return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
        }
    case SequenceNumberRole: return QVariant::fromValue<qint64>(row.sequenceNumber);
    case LockedRole: return row.locked;
    default: return {};
    }
}

QVariant MessageListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case SequenceNumberColumn: return tr("Sequence #");
    case MessageIdColumn: return tr("Message ID");
    case EnqueuedTimeColumn: return tr("Enqueued");
    case SubjectColumn: return tr("Subject");
    case SessionIdColumn: return tr("Session");
    case SizeColumn: return tr("Size");
    case DeliveryCountColumn: return tr("Deliveries");
    case StateColumn: return tr("State");
    case DeadLetterReasonColumn: return tr("Dead-letter reason");
    default: return {};
    }
}

bool MessageListModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_atEnd && !m_fetching && !m_filtered;
}

void MessageListModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    m_fetching = true;
    const auto generation = m_generation;
    m_connection->peek(m_entity, m_nextSequenceNumber, m_pageSize, this,
                       [this, generation](core::Result<std::vector<core::Message>> result) {
                           if (generation != m_generation)
                               return; // reload() happened meanwhile; it started its own fetch state
                           if (!result) {
                               m_fetching = false;
                               Q_EMIT errorOccurred(QString::fromStdString(result.error().message));
                               Q_EMIT loadingChanged();
                               return;
                           }
                           appendPage(std::move(result.value()));
                       });
    Q_EMIT loadingChanged();
}

void MessageListModel::appendPage(std::vector<core::Message> page)
{
    const bool short_ = int(page.size()) < m_pageSize;
    // Peek returns sequence numbers >= the one asked for; drop anything already loaded (a row inserted
    // by setLocked() may be ahead of the peek cursor).
    std::vector<core::Message> fresh;
    fresh.reserve(page.size());
    for (auto &m : page) {
        m_nextSequenceNumber = std::max(m_nextSequenceNumber, m.sequenceNumber + 1);
        const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), m.sequenceNumber,
                                         [](const Row &r, std::int64_t v) { return r.sequenceNumber < v; });
        const bool known = it != m_rows.end() && it->sequenceNumber == m.sequenceNumber;
        if (!known)
            fresh.push_back(std::move(m));
    }
    if (!fresh.empty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(fresh.size()) - 1);
        // No exact reserve(size + page) here: it defeats geometric growth, so every page reallocated and
        // copied all rows so far (quadratic; ~1 GB of copies and a growing GUI stall at 100k rows).
        if (m_rows.capacity() < m_rows.size() + fresh.size())
            m_rows.reserve(std::max(m_rows.size() + fresh.size(), m_rows.capacity() + m_rows.capacity() / 2));
        for (auto &m : fresh) {
            m_rows.push_back(makeRow(m));
            cache(std::move(m));
        }
        endInsertRows();
    }
    m_atEnd = short_;
    // Only now: views and QAbstractItemModelTester call fetchMore() from the insert signals.
    m_fetching = false;
    Q_EMIT loadingChanged();
}

MessageListModel::Row MessageListModel::makeRow(const core::Message &m)
{
    Row row;
    row.sequenceNumber = m.sequenceNumber;
    const std::string id = m.messageIdString();
    const auto length = std::min<std::size_t>(id.size(), 0xffff);
    row.messageIdOffset = std::uint32_t(m_arena.size());
    row.messageIdLength = std::uint16_t(length);
    m_arena.append(id, 0, length);
    updateRow(row, m);
    return row;
}

void MessageListModel::updateRow(Row &row, const core::Message &m)
{
    row.enqueuedTimeMs = core::toMillisSinceEpoch(m.enqueuedTime);
    row.subject = m_strings.intern(m.subject.value_or(std::string()));
    row.sessionId = m_strings.intern(m.sessionId.value_or(std::string()));
    const core::Value *reason = m.applicationProperties.find(core::kDeadLetterReasonProperty);
    row.deadLetterReason = m_strings.intern(reason ? reason->toDisplayString() : std::string());
    row.size = std::uint32_t(m.size());
    row.deliveryCount = m.deliveryCount;
    row.state = m.state;
    row.locked = m_locks.contains(m.sequenceNumber);
}

void MessageListModel::setCacheCapacity(std::size_t capacity)
{
    m_cacheCapacity = std::max<std::size_t>(capacity, 1);
    while (m_lru.size() > m_cacheCapacity) {
        m_cacheIndex.erase(m_lru.back().sequenceNumber);
        m_lru.pop_back();
    }
}

void MessageListModel::cache(core::Message message)
{
    const auto seq = message.sequenceNumber;
    if (const auto it = m_cacheIndex.find(seq); it != m_cacheIndex.end()) {
        *it->second = std::move(message);
        m_lru.splice(m_lru.begin(), m_lru, it->second);
        return;
    }
    m_lru.push_front(std::move(message));
    m_cacheIndex[seq] = m_lru.begin();
    if (m_lru.size() > m_cacheCapacity) {
        m_cacheIndex.erase(m_lru.back().sequenceNumber);
        m_lru.pop_back();
    }
}

const core::Message *MessageListModel::fullMessage(std::int64_t sequenceNumber)
{
    const auto it = m_cacheIndex.find(sequenceNumber);
    if (it == m_cacheIndex.end())
        return nullptr;
    m_lru.splice(m_lru.begin(), m_lru, it->second);
    return &*it->second;
}

void MessageListModel::loadFullMessage(std::int64_t sequenceNumber, QObject *context,
                                       std::function<void(std::optional<core::Message>, QString)> done)
{
    if (const core::Message *m = fullMessage(sequenceNumber)) {
        done(*m, {});
        return;
    }
    QPointer<QObject> guard(context);
    m_connection->peek(m_entity, sequenceNumber, 1, this,
                       [this, guard, sequenceNumber, done = std::move(done)](
                           core::Result<std::vector<core::Message>> result) {
                           if (!guard)
                               return;
                           if (!result) {
                               done(std::nullopt, QString::fromStdString(result.error().message));
                               return;
                           }
                           auto &page = result.value();
                           if (page.empty() || page.front().sequenceNumber != sequenceNumber) {
                               done(std::nullopt, tr("Message %1 is no longer in the entity.").arg(sequenceNumber));
                               return;
                           }
                           cache(page.front());
                           done(std::move(page.front()), {});
                       });
}

int MessageListModel::rowOfSequenceNumber(std::int64_t sequenceNumber) const
{
    const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), sequenceNumber,
                                     [](const Row &r, std::int64_t s) { return r.sequenceNumber < s; });
    if (it == m_rows.end() || it->sequenceNumber != sequenceNumber)
        return -1;
    const int source = int(it - m_rows.begin());
    if (!m_filtered)
        return source;
    const auto v = std::lower_bound(m_visible.begin(), m_visible.end(), source);
    return (v != m_visible.end() && *v == source) ? int(v - m_visible.begin()) : -1;
}

void MessageListModel::refreshRows(std::vector<std::int64_t> sequenceNumbers)
{
    for (const auto seq : sequenceNumbers) {
        m_connection->peek(m_entity, seq, 1, this, [this, seq](core::Result<std::vector<core::Message>> result) {
            if (!result) {
                Q_EMIT errorOccurred(QString::fromStdString(result.error().message));
                return;
            }
            auto &page = result.value();
            if (page.empty() || page.front().sequenceNumber != seq) {
                removeSequenceNumbers({seq});
                return;
            }
            const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), seq,
                                             [](const Row &r, std::int64_t s) { return r.sequenceNumber < s; });
            if (it == m_rows.end() || it->sequenceNumber != seq)
                return;
            updateRow(*it, page.front());
            cache(std::move(page.front()));
            if (const int row = rowOfSequenceNumber(seq); row >= 0)
                Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        });
    }
}

void MessageListModel::removeSequenceNumbers(std::vector<std::int64_t> sequenceNumbers)
{
    std::sort(sequenceNumbers.begin(), sequenceNumbers.end());
    // Walk from the end so earlier row numbers stay valid; one remove per contiguous visible range.
    std::vector<int> sources;
    for (const auto seq : sequenceNumbers) {
        m_locks.erase(seq);
        if (const auto it = m_cacheIndex.find(seq); it != m_cacheIndex.end()) {
            m_lru.erase(it->second);
            m_cacheIndex.erase(it);
        }
        const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), seq,
                                         [](const Row &r, std::int64_t s) { return r.sequenceNumber < s; });
        if (it != m_rows.end() && it->sequenceNumber == seq)
            sources.push_back(int(it - m_rows.begin()));
    }
    if (sources.empty())
        return;
    if (m_filtered) {
        // Rare (an operation on a filtered view): drop from both and reset once.
        beginResetModel();
        std::vector<int> remap(m_rows.size(), 0);
        std::vector<bool> gone(m_rows.size(), false);
        for (int s : sources)
            gone[std::size_t(s)] = true;
        std::vector<Row> kept;
        kept.reserve(m_rows.size() - sources.size());
        for (std::size_t i = 0; i < m_rows.size(); ++i) {
            remap[i] = int(kept.size());
            if (!gone[i])
                kept.push_back(m_rows[i]);
        }
        std::vector<int> visible;
        for (int v : m_visible)
            if (!gone[std::size_t(v)])
                visible.push_back(remap[std::size_t(v)]);
        m_rows = std::move(kept);
        m_visible = std::move(visible);
        endResetModel();
        Q_EMIT loadingChanged();
        return;
    }
    int end = int(sources.size()) - 1;
    while (end >= 0) {
        int begin = end;
        while (begin > 0 && sources[std::size_t(begin - 1)] == sources[std::size_t(begin)] - 1)
            --begin;
        const int first = sources[std::size_t(begin)];
        const int last = sources[std::size_t(end)];
        beginRemoveRows({}, first, last);
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
        endRemoveRows();
        end = begin - 1;
    }
    Q_EMIT loadingChanged();
}

void MessageListModel::setLocked(const std::vector<core::Message> &messages)
{
    for (const auto &m : messages) {
        m_locks[m.sequenceNumber] = m.lockToken;
        const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), m.sequenceNumber,
                                         [](const Row &r, std::int64_t s) { return r.sequenceNumber < s; });
        if (it != m_rows.end() && it->sequenceNumber == m.sequenceNumber) {
            updateRow(*it, m);
            if (const int row = rowOfSequenceNumber(m.sequenceNumber); row >= 0)
                Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        } else if (!m_filtered && (m_atEnd || m.sequenceNumber < m_nextSequenceNumber)) {
            // Inside the loaded range (or everything is loaded): insert in order. Beyond the loaded range
            // the row appears when its page is peeked.
            const int at = int(it - m_rows.begin());
            beginInsertRows({}, at, at);
            m_rows.insert(m_rows.begin() + at, makeRow(m));
            endInsertRows();
        }
        cache(m);
    }
    Q_EMIT loadingChanged();
}

std::optional<core::Uuid> MessageListModel::lockToken(std::int64_t sequenceNumber) const
{
    const auto it = m_locks.find(sequenceNumber);
    return it == m_locks.end() ? std::nullopt : std::optional<core::Uuid>(it->second);
}

void MessageListModel::clearLock(std::int64_t sequenceNumber)
{
    if (!m_locks.erase(sequenceNumber))
        return;
    const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), sequenceNumber,
                                     [](const Row &r, std::int64_t s) { return r.sequenceNumber < s; });
    if (it != m_rows.end() && it->sequenceNumber == sequenceNumber) {
        it->locked = false;
        if (const int row = rowOfSequenceNumber(sequenceNumber); row >= 0)
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
}

void MessageListModel::setRowFilter(std::vector<int> sourceRows)
{
    beginResetModel();
    std::sort(sourceRows.begin(), sourceRows.end());
    sourceRows.erase(std::unique(sourceRows.begin(), sourceRows.end()), sourceRows.end());
    std::erase_if(sourceRows, [this](int r) { return r < 0 || r >= int(m_rows.size()); });
    m_visible = std::move(sourceRows);
    m_filtered = true;
    endResetModel();
    Q_EMIT loadingChanged();
}

void MessageListModel::clearRowFilter()
{
    if (!m_filtered)
        return;
    beginResetModel();
    m_visible.clear();
    m_filtered = false;
    endResetModel();
    Q_EMIT loadingChanged();
}

void MessageListModel::fetchNewer()
{
    if (m_filtered || m_fetching)
        return;
    m_atEnd = false;
    fetchMore();
}

void MessageListModel::reload()
{
    beginResetModel();
    ++m_generation;
    m_rows.clear();
    m_rows.shrink_to_fit();
    m_visible.clear();
    m_filtered = false;
    m_arena.clear();
    m_arena.shrink_to_fit();
    m_strings.clear();
    m_locks.clear();
    m_lru.clear();
    m_cacheIndex.clear();
    m_nextSequenceNumber = 0;
    m_atEnd = false;
    m_fetching = false;
    endResetModel();
    Q_EMIT loadingChanged();
}

double MessageListModel::memoryPerRow() const
{
    if (m_rows.empty())
        return 0;
    const std::size_t bytes = m_rows.capacity() * sizeof(Row) + m_arena.capacity() + m_strings.memoryUsage()
                              + m_locks.size() * 48;
    return double(bytes) / double(m_rows.size());
}

} // namespace busyard::models
