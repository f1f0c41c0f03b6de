#include "amqpconnection.h"

#include "core/logging.h"

#include <QAbstractSocket>
#include <QIODevice>
#include <QTimer>

#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/transport.h>

#include <atomic>
#include <chrono>
#include <cstring>

namespace busyard::emulator::amqp {

namespace {
std::atomic<std::uint64_t> s_nextId{1};

auto log() { return core::logger("emulator"); }
} // namespace

AmqpConnection::AmqpConnection(QIODevice *device, AmqpConnectionHandler *handler, QString peer, QObject *parent)
    : QObject(parent)
    , m_id(s_nextId.fetch_add(1))
    , m_device(device)
    , m_handler(handler)
    , m_peer(std::move(peer))
    , m_timer(new QTimer(this))
{
    Q_ASSERT(device && handler);
    device->setParent(this);
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &AmqpConnection::onTimer);
    connect(device, &QIODevice::readyRead, this, &AmqpConnection::onReadyRead);
    if (auto *socket = qobject_cast<QAbstractSocket *>(device))
        connect(socket, &QAbstractSocket::disconnected, this, &AmqpConnection::onDisconnected);
    else
        connect(device, &QIODevice::aboutToClose, this, &AmqpConnection::onDisconnected);

    // The driver exists from the start (so that pnConnection() is always valid) but is fed only
    // after our SASL layer is done.
    if (pn_connection_driver_init(&m_driver, nullptr, nullptr) != 0) {
        log()->error("amqp: cannot create a Proton connection driver");
        QTimer::singleShot(0, this, &AmqpConnection::abort);
        return;
    }
    pn_transport_set_server(m_driver.transport);
    pn_transport_require_auth(m_driver.transport, false);
    pn_transport_set_idle_timeout(m_driver.transport, kIdleTimeoutMs);
    pn_transport_set_max_frame(m_driver.transport, kMaxFrameSize);
    pn_transport_set_channel_max(m_driver.transport, kChannelMax);
    pn_connection_set_container(m_driver.connection, "busyard-emulator");
    pn_connection_driver_bind(&m_driver);
    m_driverReady = true;
    log()->debug("amqp: connection {} from {}", m_id, m_peer.toStdString());

    if (device->bytesAvailable() > 0)
        QTimer::singleShot(0, this, &AmqpConnection::onReadyRead);
}

AmqpConnection::~AmqpConnection()
{
    if (m_driverReady)
        pn_connection_driver_destroy(&m_driver);
}

std::int64_t AmqpConnection::nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void AmqpConnection::onReadyRead()
{
    if (!m_device || m_finished || !m_driverReady)
        return;
    const QByteArray bytes = m_device->readAll();
    if (bytes.isEmpty())
        return;
    if (m_sasl.state() != SaslNegotiator::State::Done) {
        std::string reply;
        const auto state = m_sasl.feed(std::string_view(bytes.constData(), std::size_t(bytes.size())), reply);
        if (!reply.empty())
            m_device->write(reply.data(), qint64(reply.size()));
        if (state == SaslNegotiator::State::Failed) {
            log()->info("amqp: connection {} refused: {}", m_id, m_sasl.errorText());
            abort();
            return;
        }
        if (state != SaslNegotiator::State::Done)
            return;
        log()->debug("amqp: connection {} SASL done (mechanism '{}')", m_id,
                     m_sasl.skippedSasl() ? std::string("none") : m_sasl.mechanism());
        const std::string rest = m_sasl.takeRemainder();
        feedDriver(rest.data(), rest.size());
    } else {
        feedDriver(bytes.constData(), std::size_t(bytes.size()));
    }
    process();
}

void AmqpConnection::feedDriver(const char *data, std::size_t size)
{
    while (size > 0 && !pn_connection_driver_read_closed(&m_driver)) {
        const pn_rwbytes_t buffer = pn_connection_driver_read_buffer(&m_driver);
        if (buffer.size == 0) {
            // The driver cannot take more input until it has processed what it has.
            process();
            if (pn_connection_driver_read_buffer(&m_driver).size == 0)
                break;
            continue;
        }
        const std::size_t n = std::min(size, buffer.size);
        std::memcpy(buffer.start, data, n);
        pn_connection_driver_read_done(&m_driver, n);
        data += n;
        size -= n;
    }
}

void AmqpConnection::process()
{
    if (!m_driverReady || m_finished)
        return;
    if (m_processing) {
        m_again = true;
        return;
    }
    m_processing = true;
    int rounds = 0;
    do {
        m_again = false;
        m_handler->onRoundStarted(*this);
        while (pn_event_t *event = pn_connection_driver_next_event(&m_driver))
            m_handler->onEvent(*this, event);
        if (!m_handler->onRoundFinished(*this)) {
            // The round's changes are not durable: acknowledge none of them. Drop the socket
            // without writing; clients see a broken connection and retry.
            m_processing = false;
            if (auto *socket = qobject_cast<QAbstractSocket *>(m_device.data()))
                socket->abort();
            else if (m_device)
                m_device->close();
            finish();
            return;
        }
        flushOutput();
    } while ((m_again || pn_connection_driver_has_event(&m_driver)) && ++rounds < 1000);
    m_processing = false;
    m_handler->onEventsProcessed(*this);

    if (pn_connection_driver_finished(&m_driver)) {
        finish();
        return;
    }
    armTimer();
}

void AmqpConnection::scheduleProcess()
{
    if (m_scheduled || m_finished)
        return;
    m_scheduled = true;
    QMetaObject::invokeMethod(this, [this] {
        m_scheduled = false;
        process();
    }, Qt::QueuedConnection);
}

void AmqpConnection::flushOutput()
{
    for (;;) {
        const pn_bytes_t out = pn_connection_driver_write_buffer(&m_driver);
        if (out.size == 0)
            break;
        if (m_device && m_device->isOpen())
            m_device->write(out.start, qint64(out.size));
        pn_connection_driver_write_done(&m_driver, out.size);
    }
    if (pn_connection_driver_write_closed(&m_driver) && m_device && m_device->isOpen()) {
        if (auto *socket = qobject_cast<QAbstractSocket *>(m_device.data()))
            socket->disconnectFromHost(); // sends what is buffered first
        else
            m_device->close();
    }
}

void AmqpConnection::armTimer()
{
    const std::int64_t now = nowMs();
    const std::int64_t deadline = pn_transport_tick(m_driver.transport, now);
    if (deadline <= 0) {
        m_timer->stop();
        return;
    }
    m_timer->start(int(std::clamp<std::int64_t>(deadline - now, 0, 3600 * 1000)));
}

void AmqpConnection::onTimer()
{
    if (m_finished)
        return;
    // tick() sends heartbeats and detects a silent peer; process() re-arms the timer.
    pn_transport_tick(m_driver.transport, nowMs());
    process();
}

void AmqpConnection::onDisconnected()
{
    if (m_finished || !m_driverReady)
        return;
    if (!pn_connection_driver_finished(&m_driver)) {
        pn_connection_driver_close(&m_driver);
        process(); // lets the handler see the transport-closed events and clean up
    }
    finish();
}

void AmqpConnection::closeWithError(const std::string &condition, const std::string &description)
{
    if (m_finished || !m_driverReady)
        return;
    if (!condition.empty()) {
        pn_condition_t *cond = pn_connection_condition(m_driver.connection);
        pn_condition_set_name(cond, condition.c_str());
        pn_condition_set_description(cond, description.c_str());
    }
    pn_connection_close(m_driver.connection);
    process();
}

void AmqpConnection::abort()
{
    if (m_finished)
        return;
    if (m_driverReady && !pn_connection_driver_finished(&m_driver)) {
        pn_connection_driver_close(&m_driver);
        // Deliver the closing events so that the handler releases links and locks.
        while (pn_event_t *event = pn_connection_driver_next_event(&m_driver))
            m_handler->onEvent(*this, event);
    }
    if (m_device && m_device->isOpen()) {
        if (auto *socket = qobject_cast<QAbstractSocket *>(m_device.data()))
            socket->disconnectFromHost();
        else
            m_device->close();
    }
    finish();
}

void AmqpConnection::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_timer->stop();
    log()->debug("amqp: connection {} closed", m_id);
    m_handler->onConnectionClosed(*this);
    Q_EMIT finished();
    // Deleting the socket now would discard the last frames (our close) still in its write buffer:
    // let it drain first, bounded by a grace period.
    auto *socket = qobject_cast<QAbstractSocket *>(m_device.data());
    if (socket && socket->state() != QAbstractSocket::UnconnectedState && socket->bytesToWrite() > 0) {
        connect(socket, &QAbstractSocket::disconnected, this, &QObject::deleteLater);
        QTimer::singleShot(5000, this, &QObject::deleteLater);
        socket->disconnectFromHost();
        return;
    }
    deleteLater();
}

} // namespace busyard::emulator::amqp
