#pragma once

#include "logmodel.h"

#include <spdlog/sinks/base_sink.h>

#include <mutex>

namespace busyard::models {

/**
 * spdlog sink feeding a LogModel. sink_it_() runs on the logging thread (any thread) and posts each
 * record to the model's thread with a queued invocation; the model then batches them.
 *
 * Lifetime: the model must outlive the sink or be detached first with detach(), which waits for a
 * record being posted to finish (it takes the sink's mutex). Records posted before the model is
 * destroyed are dropped with the model's pending events.
 */
class LogSink final : public spdlog::sinks::base_sink<std::mutex>
{
public:
    explicit LogSink(LogModel *model);

    /** Stops posting; later records are discarded. Thread-safe. */
    void detach();

protected:
    void sink_it_(const spdlog::details::log_msg &msg) override;
    void flush_() override {}

private:
    LogModel *m_model; // guarded by base_sink::mutex_
};

} // namespace busyard::models
