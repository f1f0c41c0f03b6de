#include "purgejob.h"

#include "core/client/namespaceconnection.h"
#include "core/logging.h"

#include <algorithm>

namespace busyard::models {

PurgeJob::PurgeJob(client::NamespaceConnection *connection, QString entityPath, std::int64_t expected, QObject *parent)
    : QObject(parent)
    , m_connection(connection)
    , m_entityPath(std::move(entityPath))
    , m_entity(m_entityPath.toStdString())
    , m_expected(expected)
{
    Q_ASSERT(connection);
}

void PurgeJob::setBatchSize(int size)
{
    m_batchSize = std::clamp(size, 1, 5000);
}

void PurgeJob::setPipelineDepth(int depth)
{
    m_depth = std::clamp(depth, 1, 8);
}

void PurgeJob::start()
{
    if (m_started)
        return;
    m_started = true;
    m_running = true;
    core::logger("models")->info("purge of '{}' started (expected {})", m_entity, m_expected);
    for (int i = 0; i < m_depth; ++i)
        issue();
}

void PurgeJob::cancel()
{
    if (!m_running || m_cancelled)
        return;
    m_cancelled = true;
    if (m_inFlight == 0)
        finish();
}

void PurgeJob::issue()
{
    if (m_cancelled || m_drained || !m_error.isEmpty() || m_finished)
        return;
    ++m_inFlight;
    m_connection->receive(m_entity, client::ReceiveMode::ReceiveAndDelete, m_batchSize, m_emptyWait, this,
                          [this](core::Result<std::vector<core::Message>> result) {
                              --m_inFlight;
                              if (!result) {
                                  if (m_error.isEmpty())
                                      m_error = QString::fromStdString(result.error().message);
                              } else if (result.value().empty()) {
                                  m_drained = true;
                              } else {
                                  m_removed += std::int64_t(result.value().size());
                                  Q_EMIT progress(m_removed, m_expected);
                              }
                              issue();
                              if (m_inFlight == 0)
                                  finish();
                          });
}

void PurgeJob::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_running = false;
    core::logger("models")->info("purge of '{}' finished: {} removed{}{}", m_entity, m_removed,
                                 m_cancelled ? " (cancelled)" : "", m_error.isEmpty() ? "" : " with an error");
    Q_EMIT finished(m_removed, m_error);
}

} // namespace busyard::models
