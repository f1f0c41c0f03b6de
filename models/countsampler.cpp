#include "countsampler.h"

#include "core/broker/address.h"
#include "core/client/namespaceconnection.h"

#include <QDateTime>

namespace busyard::models {

namespace {

const QString kSubscriptions = QStringLiteral("/Subscriptions/");

/** "x/$DeadLetterQueue", "x/$Transfer/$DeadLetterQueue" -> "x"; not an entity address: unchanged. */
QString withoutSubQueue(const QString &path)
{
    const auto address = core::broker::EntityAddress::parse(path.toStdString());
    return address ? QString::fromStdString(address->entityPath) : path;
}

} // namespace

CountSampler::CountSampler(client::NamespaceConnection *connection, const QString &entityPath, QObject *parent)
    : QObject(parent)
    , m_connection(connection)
    , m_entityPath(withoutSubQueue(entityPath))
{
    Q_ASSERT(connection);
    qRegisterMetaType<busyard::models::CountSample>();
    const qsizetype sub = m_entityPath.indexOf(kSubscriptions, 0, Qt::CaseInsensitive);
    if (sub > 0) {
        m_kind = Kind::Subscription;
        m_topic = m_entityPath.left(sub).toStdString();
        m_name = m_entityPath.mid(sub + kSubscriptions.size()).toStdString();
    } else {
        m_name = m_entityPath.toStdString();
    }
    m_timer.setTimerType(Qt::CoarseTimer);
    m_timer.setInterval(m_interval);
    connect(&m_timer, &QTimer::timeout, this, &CountSampler::sampleNow);
    updateCapacity();
}

CountSampler::~CountSampler() = default;

void CountSampler::setInterval(std::chrono::milliseconds interval)
{
    m_interval = std::max<std::chrono::milliseconds>(interval, std::chrono::milliseconds(100));
    m_timer.setInterval(m_interval);
    updateCapacity();
}

void CountSampler::setWindow(std::chrono::milliseconds window)
{
    m_window = std::max<std::chrono::milliseconds>(window, std::chrono::milliseconds(0));
    updateCapacity();
}

void CountSampler::updateCapacity()
{
    const auto n = static_cast<std::size_t>(m_window.count() / std::max<std::int64_t>(1, m_interval.count()));
    m_samples.setCapacity(std::max<std::size_t>(2, n));
}

void CountSampler::start()
{
    if (!m_timer.isActive())
        m_timer.start();
    sampleNow();
}

void CountSampler::stop()
{
    m_timer.stop();
}

void CountSampler::sampleNow()
{
    // Never overlapping: a tick while an answer is pending is skipped.
    if (m_busy)
        return;
    m_busy = true;
    request(m_kind == Kind::Unknown ? Kind::Queue : m_kind);
}

void CountSampler::request(Kind kind)
{
    const auto fail = [this](const core::Error &e) { onError(e); };
    switch (kind) {
    case Kind::Unknown:
    case Kind::Queue:
        m_connection->getQueue(m_name, this, [this, fail](core::Result<client::QueueInfo> r) {
            if (!r) {
                // A plain path that is no queue may be a topic (the broker then answers 404, or
                // a TopicDescription the queue parser rejects): ask for a topic, then remember.
                if (m_kind == Kind::Unknown) {
                    m_queueError = r.error();
                    request(Kind::Topic);
                    return;
                }
                fail(r.error());
                return;
            }
            m_kind = Kind::Queue;
            const auto &c = r.value().counts;
            onCounts(c.active, c.deadLetter, c.scheduled, c.transferDeadLetter);
        });
        break;
    case Kind::Topic:
        m_connection->getTopic(m_name, this, [this, fail](core::Result<client::TopicInfo> r) {
            if (!r) {
                // Neither a queue nor a topic: the queue's answer says more ("could not be found").
                fail(m_kind == Kind::Unknown && m_queueError ? *m_queueError : r.error());
                return;
            }
            m_kind = Kind::Topic;
            const auto &c = r.value().counts;
            onCounts(c.active, c.deadLetter, c.scheduled, c.transferDeadLetter);
        });
        break;
    case Kind::Subscription:
        m_connection->getSubscription(m_topic, m_name, this, [this, fail](core::Result<client::SubscriptionInfo> r) {
            if (!r) {
                fail(r.error());
                return;
            }
            const auto &c = r.value().counts;
            onCounts(c.active, c.deadLetter, c.scheduled, c.transferDeadLetter);
        });
        break;
    }
}

void CountSampler::onCounts(std::int64_t active, std::int64_t deadLetter, std::int64_t scheduled,
                            std::int64_t transferDeadLetter)
{
    m_busy = false;
    m_lastError.clear();
    CountSample s;
    s.timeMs = QDateTime::currentMSecsSinceEpoch();
    s.active = active;
    s.deadLetter = deadLetter;
    s.scheduled = scheduled;
    s.transferDeadLetter = transferDeadLetter;
    record(s);
}

void CountSampler::onError(const core::Error &error)
{
    m_busy = false;
    // Report a failure once, not on every tick of an entity that stays missing (the texts differ by
    // tracking ids and timestamps): again only after a success or when the error code changes.
    const bool report = m_lastError.isEmpty() || error.code != m_lastErrorCode;
    m_lastError = QString::fromStdString(error.message);
    m_lastErrorCode = error.code;
    if (report)
        Q_EMIT errorOccurred(m_lastError);
}

void CountSampler::record(const CountSample &sample)
{
    m_samples.push(sample);
    Q_EMIT sampled(sample);
}

void CountSampler::clear()
{
    m_samples.clear();
    Q_EMIT cleared();
}

} // namespace busyard::models
