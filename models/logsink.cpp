#include "logsink.h"

#include <QtCore/QMetaObject>

#include <chrono>

namespace busyard::models {

LogSink::LogSink(LogModel *model)
    : m_model(model)
{
}

void LogSink::detach()
{
    std::lock_guard<std::mutex> lock(mutex_);
    m_model = nullptr;
}

void LogSink::sink_it_(const spdlog::details::log_msg &msg)
{
    if (!m_model)
        return;
    LogRecord record;
    record.timeMs = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    record.level = static_cast<int>(msg.level);
    record.logger = QString::fromUtf8(msg.logger_name.data(), static_cast<qsizetype>(msg.logger_name.size()));
    record.message = QString::fromUtf8(msg.payload.data(), static_cast<qsizetype>(msg.payload.size()));
    LogModel *model = m_model;
    // The model is the context object: if it is destroyed before the call runs, the call is dropped.
    QMetaObject::invokeMethod(
        model, [model, record = std::move(record)]() mutable { model->append(std::move(record)); },
        Qt::QueuedConnection);
}

} // namespace busyard::models
