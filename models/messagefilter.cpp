#include "messagefilter.h"

#include "messagelistmodel.h"

#include "core/client/namespaceconnection.h"

#include <QFuture>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace busyard::models {

std::vector<std::int64_t> matchMessages(const std::vector<core::Message> &messages,
                                        const MessageFilterCriteria &criteria)
{
    std::vector<std::int64_t> out;
    const QByteArray needle = criteria.bodyText.toUtf8().toLower();
    for (const auto &m : messages) {
        if (criteria.sql.isValid()) {
            const auto match = criteria.sql.evaluate(m);
            if (!match || !match.value()) // an evaluation error does not match, as in the broker
                continue;
        }
        if (!needle.isEmpty()) {
            const QByteArray body = QByteArray::fromRawData(m.body.data(), qsizetype(m.body.size())).toLower();
            if (!body.contains(needle))
                continue;
        }
        out.push_back(m.sequenceNumber);
    }
    return out;
}

MessageFilterJob::MessageFilterJob(client::NamespaceConnection *connection, MessageListModel *model,
                                   MessageFilterCriteria criteria, QObject *parent)
    : QObject(parent)
    , m_connection(connection)
    , m_model(model)
    , m_criteria(std::move(criteria))
{
}

void MessageFilterJob::start()
{
    if (!m_model)
        return;
    m_model->clearRowFilter();
    const auto &rows = m_model->loadedRows();
    if (rows.empty() || m_criteria.isEmpty()) {
        finish();
        return;
    }
    m_cursor = rows.front().sequenceNumber;
    m_last = rows.back().sequenceNumber;
    peekNext();
}

void MessageFilterJob::cancel()
{
    m_cancelled = true;
    deleteLater();
}

void MessageFilterJob::peekNext()
{
    if (m_cancelled || !m_model)
        return;
    const int pageSize = std::max(m_model->pageSize(), 250);
    m_connection->peek(m_model->entityPath(), m_cursor, pageSize, this,
                       [this, pageSize](core::Result<std::vector<core::Message>> result) {
                           if (m_cancelled)
                               return;
                           if (!result) {
                               Q_EMIT failed(QString::fromStdString(result.error().message));
                               deleteLater();
                               return;
                           }
                           auto page = std::move(result.value());
                           const bool last = int(page.size()) < pageSize || page.empty()
                                             || page.back().sequenceNumber >= m_last;
                           if (!page.empty())
                               m_cursor = page.back().sequenceNumber + 1;
                           const auto limit = m_last;
                           std::erase_if(page, [limit](const core::Message &m) { return m.sequenceNumber > limit; });
                           // Evaluate off the GUI thread; the page is moved into the task, the criteria copied
                           // (compiled filters share their immutable program and are thread-safe).
                           QtConcurrent::run([page = std::move(page), criteria = m_criteria] {
                               return matchMessages(page, criteria);
                           }).then(this, [this, last](std::vector<std::int64_t> matches) {
                               if (m_cancelled)
                                   return;
                               m_matches.insert(m_matches.end(), matches.begin(), matches.end());
                               if (last)
                                   finish();
                               else
                                   peekNext();
                           });
                       });
}

void MessageFilterJob::finish()
{
    if (!m_model) {
        deleteLater();
        return;
    }
    if (m_criteria.isEmpty()) {
        m_model->clearRowFilter();
        Q_EMIT finished(m_model->rowCount());
        deleteLater();
        return;
    }
    std::sort(m_matches.begin(), m_matches.end());
    const auto &rows = m_model->loadedRows();
    std::vector<int> sourceRows;
    sourceRows.reserve(m_matches.size());
    auto it = rows.begin();
    for (const auto seq : m_matches) {
        it = std::lower_bound(it, rows.end(), seq,
                              [](const MessageListModel::Row &r, std::int64_t s) { return r.sequenceNumber < s; });
        if (it != rows.end() && it->sequenceNumber == seq)
            sourceRows.push_back(int(it - rows.begin()));
    }
    const int matched = int(sourceRows.size());
    m_model->setRowFilter(std::move(sourceRows));
    Q_EMIT finished(matched);
    deleteLater();
}

} // namespace busyard::models
