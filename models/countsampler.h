#pragma once

#include "core/result.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace busyard::client {
class NamespaceConnection;
}

namespace busyard::models {

/** One reading of an entity's runtime counts. */
struct CountSample
{
    qint64 timeMs = 0;                 ///< when the answer arrived, ms since the Unix epoch (UTC)
    std::int64_t active = 0;
    std::int64_t deadLetter = 0;
    std::int64_t scheduled = 0;
    std::int64_t transferDeadLetter = 0;

    bool operator==(const CountSample &) const = default;
};

/**
 * A fixed-capacity ring of values, oldest first: push() past capacity() drops the oldest. Plain value
 * type, no allocation after construction (or setCapacity()).
 */
template<typename T>
class RingBuffer
{
public:
    explicit RingBuffer(std::size_t capacity = 1) { setCapacity(capacity); }

    /** Changes the capacity (at least 1), keeping the newest values that fit. */
    void setCapacity(std::size_t capacity)
    {
        capacity = std::max<std::size_t>(1, capacity);
        std::vector<T> kept;
        const std::size_t keep = std::min(m_size, capacity);
        kept.reserve(capacity);
        for (std::size_t i = m_size - keep; i < m_size; ++i)
            kept.push_back(at(i));
        kept.resize(capacity);
        m_items = std::move(kept);
        m_head = 0;
        m_size = keep;
    }
    std::size_t capacity() const { return m_items.size(); }
    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    void clear()
    {
        m_head = 0;
        m_size = 0;
    }
    void push(T value)
    {
        m_items[(m_head + m_size) % m_items.size()] = std::move(value);
        if (m_size < m_items.size())
            ++m_size;
        else
            m_head = (m_head + 1) % m_items.size();
    }
    /** `i`-th value, 0 = oldest. Precondition: i < size(). */
    const T &at(std::size_t i) const { return m_items[(m_head + i) % m_items.size()]; }
    const T &back() const { return at(m_size - 1); }

private:
    std::vector<T> m_items;
    std::size_t m_head = 0;  ///< index of the oldest value
    std::size_t m_size = 0;
};

/**
 * Samples one entity's runtime counts (active, dead-letter, scheduled, transfer dead-letter) every
 * interval() through the management plane (queue: getQueue, subscription: getSubscription, topic:
 * getTopic — a plain path is tried as a queue first and, if there is no such queue, as a topic) into a
 * ring buffer covering window() (default 30 min at 2 s = 900 samples), and emits sampled() per answer.
 *
 * `entityPath`: "queue", "topic" or "topic/Subscriptions/sub"; a "/$DeadLetterQueue" (or
 * "/$Transfer/$DeadLetterQueue") suffix is ignored: the counts cover every sub-queue.
 *
 * At most one request is in flight: a tick while the previous answer is still pending is skipped, so
 * a slow namespace is sampled less often rather than flooded. A failed request emits errorOccurred()
 * and sampling goes on (the entity may come back). Not started by the constructor: call start().
 *
 * Runs on the connection's thread (the GUI thread); never blocks. `connection` is not owned and must
 * outlive the sampler (or the sampler is destroyed first; answers then are dropped).
 */
class CountSampler : public QObject
{
    Q_OBJECT

public:
    CountSampler(client::NamespaceConnection *connection, const QString &entityPath, QObject *parent = nullptr);
    ~CountSampler() override;

    /** The entity whose counts are sampled (sub-queue suffix removed). */
    QString entityPath() const { return m_entityPath; }

    /** Time between samples (at least 100 ms; default 2 s). Takes effect at the next tick. */
    void setInterval(std::chrono::milliseconds interval);
    std::chrono::milliseconds interval() const { return m_interval; }
    /** How much history is kept (default 30 min): capacity = window / interval, at least 2 samples. */
    void setWindow(std::chrono::milliseconds window);
    std::chrono::milliseconds window() const { return m_window; }

    bool isRunning() const { return m_timer.isActive(); }
    /** A request is in flight. */
    bool isBusy() const { return m_busy; }

    const RingBuffer<CountSample> &samples() const { return m_samples; }
    /** The last error text, empty after a successful sample. */
    QString lastError() const { return m_lastError; }

    /** Appends a sample as a poll does and emits sampled() (for replaying history and for tests). */
    void record(const CountSample &sample);
    /** Drops every sample (emits cleared()). */
    void clear();

public Q_SLOTS:
    /** Samples at once, then every interval(). */
    void start();
    void stop();
    /** One sample now, unless one is in flight. */
    void sampleNow();

Q_SIGNALS:
    /** A sample was appended (the newest is samples().back()). */
    void sampled(const busyard::models::CountSample &sample);
    /** clear() dropped every sample. */
    void cleared();
    /** A sample failed (reported once until a sample succeeds or the error code changes);
        `message` is user-visible. */
    void errorOccurred(const QString &message);

private:
    enum class Kind { Unknown, Queue, Topic, Subscription };

    void updateCapacity();
    void request(Kind kind);
    void onCounts(std::int64_t active, std::int64_t deadLetter, std::int64_t scheduled, std::int64_t transferDeadLetter);
    void onError(const core::Error &error);

    client::NamespaceConnection *m_connection = nullptr;
    QString m_entityPath;
    std::string m_topic;         ///< subscription: its topic
    std::string m_name;          ///< queue/topic name or subscription name
    Kind m_kind = Kind::Unknown;
    std::chrono::milliseconds m_interval{2000};
    std::chrono::milliseconds m_window{std::chrono::minutes(30)};
    QTimer m_timer;
    bool m_busy = false;
    RingBuffer<CountSample> m_samples;
    QString m_lastError;
    core::ErrorCode m_lastErrorCode = core::ErrorCode::Internal;
    std::optional<core::Error> m_queueError;  ///< while the kind is unknown
};

} // namespace busyard::models

Q_DECLARE_METATYPE(busyard::models::CountSample)
