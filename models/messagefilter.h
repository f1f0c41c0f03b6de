#pragma once

#include "core/message.h"
#include "core/sql/filter.h"

#include <QObject>
#include <QPointer>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace busyard::client {
class NamespaceConnection;
}

namespace busyard::models {

class MessageListModel;

/** What to keep: messages matching the SQL filter (if valid) AND containing the body text (if not empty). */
struct MessageFilterCriteria
{
    core::sql::Filter sql;  ///< invalid = no SQL condition
    QString bodyText;       ///< case-insensitive substring of the UTF-8 body; empty = no condition

    bool isEmpty() const { return !sql.isValid() && bodyText.isEmpty(); }
};

/** Sequence numbers of the messages in `messages` that match. Pure; safe on any thread. */
std::vector<std::int64_t> matchMessages(const std::vector<core::Message> &messages,
                                        const MessageFilterCriteria &criteria);

/**
 * Filters the rows a MessageListModel has loaded. The SQL filter needs full messages, which the model
 * does not keep for a million rows, so the job re-peeks the loaded sequence-number range page by page
 * (one peek in flight), evaluates each page off the GUI thread (QtConcurrent::run over the page,
 * returning matching sequence numbers), and at the end maps them to source rows and calls
 * MessageListModel::setRowFilter() once (one reset).
 *
 * GUI thread. The job deletes itself after finished()/failed() (deleteLater); destroying the model
 * or the job's parent cancels it.
 */
class MessageFilterJob : public QObject
{
    Q_OBJECT

public:
    MessageFilterJob(client::NamespaceConnection *connection, MessageListModel *model, MessageFilterCriteria criteria,
                     QObject *parent = nullptr);

    void start();
    void cancel();

Q_SIGNALS:
    /** `matched` rows are now the model's visible rows. */
    void finished(int matched);
    void failed(const QString &message);

private:
    void peekNext();
    void finish();

    client::NamespaceConnection *m_connection = nullptr;
    QPointer<MessageListModel> m_model;
    MessageFilterCriteria m_criteria;
    std::int64_t m_cursor = 0;
    std::int64_t m_last = 0;
    std::vector<std::int64_t> m_matches;
    bool m_cancelled = false;
};

} // namespace busyard::models
