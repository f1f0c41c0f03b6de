#include "replayjournal.h"

#include "core/value.h"

#include <QDir>
#include <QFuture>
#include <QtConcurrent/QtConcurrentRun>
#include <QFileInfo>

#include <algorithm>
#include <charconv>
#include <optional>

#ifdef Q_OS_WIN
#include <io.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

namespace busyard::models {

namespace {

constexpr std::string_view kMagic = "BUSYARD-REPLAY-JOURNAL";

core::Error storeError(const QString &path, const QString &what)
{
    return core::makeError(core::ErrorCode::StoreError,
                           QStringLiteral("replay journal %1: %2").arg(QDir::toNativeSeparators(path), what).toStdString());
}

core::Error badJournal(const QString &path, const std::string &what)
{
    return core::makeError(core::ErrorCode::InvalidArgument,
                           "replay journal " + QDir::toNativeSeparators(path).toStdString() + ": " + what);
}

bool syncHandle(int handle)
{
    if (handle < 0)
        return false;
#ifdef Q_OS_WIN
    return ::_commit(handle) == 0;
#else
    return ::fsync(handle) == 0;
#endif
}

// A new file's directory entry must be durable too, else a crash can lose the whole journal.
void syncDirectory(const QString &dir)
{
#ifndef Q_OS_WIN
    const QByteArray native = QFile::encodeName(dir);
    const int fd = ::open(native.constData(), O_RDONLY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
#else
    Q_UNUSED(dir);
#endif
}

std::vector<std::string_view> splitTabs(std::string_view line)
{
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t tab = line.find('\t', start);
        out.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
        if (tab == std::string_view::npos)
            return out;
        start = tab + 1;
    }
}

std::optional<std::int64_t> parseInt(std::string_view text)
{
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.empty())
        return std::nullopt;
    return v;
}

/** Applies one record line to `entries`; false when it does not parse. */
bool applyRecord(std::string_view line, std::unordered_map<std::int64_t, ReplayJournal::Entry> &entries)
{
    const auto f = splitTabs(line);
    if (f.size() < 2 || f[0].size() != 1)
        return false;
    const auto seq = parseInt(f[1]);
    if (!seq)
        return false;
    ReplayJournal::Entry &e = entries[*seq];
    e.fromEarlierRun = true;
    switch (f[0][0]) {
    case 'I':
        if (f.size() != 4)
            return false;
        e.state = ReplayJournal::State::Intent;
        e.target = ReplayJournal::decodeField(std::string(f[2]));
        e.copyMessageId = ReplayJournal::decodeField(std::string(f[3]));
        e.reason.clear();
        return true;
    case 'A':
        if (f.size() != 2)
            return false;
        e.state = ReplayJournal::State::Accepted;
        return true;
    case 'C':
        if (f.size() != 2)
            return false;
        e.state = ReplayJournal::State::Completed;
        return true;
    case 'F':
        if (f.size() != 3)
            return false;
        e.state = ReplayJournal::State::Failed;
        e.reason = ReplayJournal::decodeField(std::string(f[2]));
        return true;
    default:
        return false;
    }
}

} // namespace

std::string ReplayJournal::encodeField(const std::string &text)
{
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f || c == '%') {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xf]);
        } else {
            out.push_back(ch);
        }
    }
    return out;
}

std::string ReplayJournal::decodeField(const std::string &text)
{
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        return -1;
    };
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && nibble(text[i + 1]) >= 0 && nibble(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(nibble(text[i + 1]) * 16 + nibble(text[i + 2])));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

ReplayJournal::~ReplayJournal() = default;

core::Result<std::unique_ptr<ReplayJournal>> ReplayJournal::read(const QString &path)
{
    return load(path, false);
}

core::Result<std::unique_ptr<ReplayJournal>> ReplayJournal::open(const QString &path, const QString &sourceEntity)
{
    auto loaded = load(path, true);
    if (!loaded)
        return loaded.error();
    std::unique_ptr<ReplayJournal> journal = std::move(loaded.value());
    if (journal->m_journalId.empty()) {
        // New (or empty, or only a torn header): write the header now, durably.
        journal->m_journalId = core::Uuid::generate().toString();
        journal->m_source = sourceEntity;
        journal->m_resumed = false;
        std::string header = std::string(kMagic) + ' ' + std::to_string(kFormatVersion) + '\t' + journal->m_journalId
            + '\t' + encodeField(sourceEntity.toStdString()) + '\n';
        journal->m_buffer = QByteArray::fromStdString(header);
        if (auto flushed = journal->flush(); !flushed)
            return flushed.error();
        syncDirectory(QFileInfo(path).absolutePath());
        return journal;
    }
    if (journal->m_source.compare(sourceEntity, Qt::CaseInsensitive) != 0)
        return badJournal(path, "it belongs to a replay of '" + journal->m_source.toStdString() + "', not of '"
                                    + sourceEntity.toStdString() + "'");
    return journal;
}

core::Result<std::unique_ptr<ReplayJournal>> ReplayJournal::load(const QString &path, bool forWriting)
{
    std::unique_ptr<ReplayJournal> journal(new ReplayJournal);
    journal->m_path = path;
    QByteArray data;
    {
        QFile in(path);
        if (in.exists()) {
            if (!in.open(QIODevice::ReadOnly))
                return storeError(path, in.errorString());
            data = in.readAll();
            if (in.error() != QFileDevice::NoError)
                return storeError(path, in.errorString());
        } else if (!forWriting) {
            return badJournal(path, "the file does not exist");
        }
    }

    // Parse line by line; `good` is the end of the last line that parsed.
    qsizetype good = 0;
    qsizetype pos = 0;
    int lineNo = 0;
    bool haveHeader = false;
    while (pos < data.size()) {
        const qsizetype nl = data.indexOf('\n', pos);
        const bool complete = nl >= 0;
        const qsizetype end = complete ? nl : data.size();
        const std::string_view line(data.constData() + pos, std::size_t(end - pos));
        ++lineNo;
        const qsizetype next = complete ? nl + 1 : data.size();
        const bool last = next >= data.size()
            || std::all_of(data.constBegin() + next, data.constEnd(), [](char c) { return c == '\0'; });
        bool parsed = false;
        if (!haveHeader) {
            if (complete && line.substr(0, kMagic.size()) == kMagic && line.size() > kMagic.size()
                && line[kMagic.size()] == ' ') {
                const auto f = splitTabs(line.substr(kMagic.size() + 1));
                const auto version = f.empty() ? std::nullopt : parseInt(f[0]);
                if (!version || f.size() != 3)
                    return badJournal(path, "the header line is damaged");
                if (*version != kFormatVersion)
                    return badJournal(path, "format version " + std::to_string(*version)
                                                + " is not supported (this Busyard reads version "
                                                + std::to_string(kFormatVersion) + ")");
                journal->m_journalId = std::string(f[1]);
                journal->m_source = QString::fromStdString(decodeField(std::string(f[2])));
                if (!core::Uuid::fromString(journal->m_journalId))
                    return badJournal(path, "the header line is damaged (journal id)");
                haveHeader = true;
                parsed = true;
            } else if (last && kMagic.substr(0, std::min(kMagic.size(), line.size())) == line.substr(0, kMagic.size())) {
                // Torn header of a journal that never got further: start afresh.
                journal->m_repaired = true;
                break;
            } else {
                return badJournal(path, "not a Busyard replay journal");
            }
        } else {
            parsed = complete && applyRecord(line, journal->m_entries);
            if (!parsed) {
                if (!last)
                    return badJournal(path, "corrupt record at line " + std::to_string(lineNo));
                journal->m_repaired = true; // torn by a crash: drop it
                break;
            }
        }
        good = next;
        pos = next;
        if (last && next < data.size()) {
            journal->m_repaired = true; // trailing zero bytes
            break;
        }
    }
    journal->m_resumed = haveHeader;
    if (!haveHeader)
        journal->m_entries.clear();

    if (!forWriting)
        return journal;

    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return storeError(path, QStringLiteral("cannot create the folder"));
    journal->m_file = std::make_unique<QFile>(path);
    if (!journal->m_file->open(QIODevice::ReadWrite))
        return storeError(path, journal->m_file->errorString());
    const qsizetype keep = haveHeader ? good : 0;
    if (journal->m_file->size() != keep) {
        if (!journal->m_file->resize(keep))
            return storeError(path, journal->m_file->errorString());
        syncHandle(journal->m_file->handle());
    }
    if (!journal->m_file->seek(keep))
        return storeError(path, journal->m_file->errorString());
    return journal;
}

const ReplayJournal::Entry *ReplayJournal::find(std::int64_t sequenceNumber) const
{
    const auto it = m_entries.find(sequenceNumber);
    return it == m_entries.end() ? nullptr : &it->second;
}

std::size_t ReplayJournal::pendingCount() const
{
    std::size_t n = 0;
    for (const auto &[seq, e] : m_entries)
        n += e.state == State::Intent || e.state == State::Accepted ? 1 : 0;
    return n;
}

void ReplayJournal::append(std::string line)
{
    line.push_back('\n');
    m_buffer.append(line.data(), qsizetype(line.size()));
}

void ReplayJournal::recordIntent(std::int64_t sequenceNumber, const std::string &target, const std::string &copyMessageId)
{
    Entry &e = m_entries[sequenceNumber];
    e.state = State::Intent;
    e.target = target;
    e.copyMessageId = copyMessageId;
    e.reason.clear();
    e.fromEarlierRun = false;
    append("I\t" + std::to_string(sequenceNumber) + '\t' + encodeField(target) + '\t' + encodeField(copyMessageId));
}

void ReplayJournal::recordAccepted(std::int64_t sequenceNumber)
{
    Entry &e = m_entries[sequenceNumber];
    e.state = State::Accepted;
    append("A\t" + std::to_string(sequenceNumber));
}

void ReplayJournal::recordCompleted(std::int64_t sequenceNumber)
{
    Entry &e = m_entries[sequenceNumber];
    e.state = State::Completed;
    append("C\t" + std::to_string(sequenceNumber));
}

void ReplayJournal::recordFailed(std::int64_t sequenceNumber, const std::string &reason)
{
    Entry &e = m_entries[sequenceNumber];
    e.state = State::Failed;
    e.reason = reason;
    e.fromEarlierRun = false;
    append("F\t" + std::to_string(sequenceNumber) + '\t' + encodeField(reason));
}

core::Result<void> ReplayJournal::writeOut(const QByteArray &data)
{
    if (data.isEmpty())
        return {};
    if (m_file->write(data) != data.size() || !m_file->flush())
        return storeError(m_path, m_file->errorString());
    if (!syncHandle(m_file->handle()))
        return storeError(m_path, QStringLiteral("fsync failed"));
    return {};
}

core::Result<void> ReplayJournal::flush()
{
    if (!m_file)
        return storeError(m_path, QStringLiteral("not open for writing"));
    if (m_pool)
        m_pool->waitForDone();
    if (*m_asyncFailed)
        return storeError(m_path, QStringLiteral("an earlier write failed"));
    if (m_buffer.isEmpty())
        return {};
    if (auto written = writeOut(m_buffer); !written)
        return written;
    m_buffer.clear();
    return {};
}

void ReplayJournal::flushAsync(QObject *context, std::function<void(core::Result<void>)> done)
{
    Q_ASSERT(context && done);
    if (!m_file) {
        QMetaObject::invokeMethod(context, [done, path = m_path] { done(storeError(path, QStringLiteral("not open for writing"))); },
                                  Qt::QueuedConnection);
        return;
    }
    if (!m_pool) {
        m_pool = std::make_unique<QThreadPool>();
        m_pool->setMaxThreadCount(1);
        m_pool->setExpiryTimeout(-1);
    }
    // Even an empty flush goes through the pool: `done` must not overtake the flushes before it.
    QByteArray data = std::exchange(m_buffer, QByteArray());
    QtConcurrent::run(m_pool.get(), [this, data = std::move(data), failed = m_asyncFailed]() -> core::Result<void> {
        if (*failed)
            return storeError(m_path, QStringLiteral("an earlier write failed"));
        auto written = writeOut(data);
        if (!written)
            *failed = true;
        return written;
    }).then(context, [done = std::move(done)](core::Result<void> result) { done(std::move(result)); });
}

core::Result<void> ReplayJournal::remove()
{
    if (m_pool)
        m_pool->waitForDone();
    if (m_file)
        m_file->close();
    m_file.reset();
    m_buffer.clear();
    if (QFile::exists(m_path) && !QFile::remove(m_path))
        return storeError(m_path, QStringLiteral("cannot remove the file"));
    return {};
}

} // namespace busyard::models
