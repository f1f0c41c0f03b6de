#pragma once

#include "sasl.h"

#include <QObject>
#include <QPointer>
#include <QString>

#include <proton/connection_driver.h>

#include <cstdint>
#include <string>

class QIODevice;
class QTimer;

namespace busyard::emulator::amqp {

class AmqpConnection;

/**
 * Receives the Proton events of every connection of a server. Called on the emulator thread (the
 * thread that owns the connection), never concurrently.
 */
class AmqpConnectionHandler
{
public:
    virtual ~AmqpConnectionHandler() = default;
    /** One Proton event; the pn_* objects it refers to are valid only during the call. */
    virtual void onEvent(AmqpConnection &connection, pn_event_t *event) = 0;
    /** The connection is gone (socket closed or driver finished); drop every state kept for it. */
    virtual void onConnectionClosed(AmqpConnection &connection) = 0;
    /** A batch of events of `connection` has been handled and its output written. */
    virtual void onEventsProcessed(AmqpConnection &connection) { (void)connection; }
    /**
     * Around each round of events, before its output is written: a front-end opens one store batch
     * in onRoundStarted() and commits it in onRoundFinished(), so that one durable commit covers every
     * send and settlement of the round and nothing is acknowledged before it is saved (group commit).
     * Returning false (the commit failed) aborts the connection without writing the round's output.
     */
    virtual void onRoundStarted(AmqpConnection &connection) { (void)connection; }
    virtual bool onRoundFinished(AmqpConnection &connection)
    {
        (void)connection;
        return true;
    }
};

/**
 * One AMQP connection: a byte stream (QTcpSocket, QSslSocket or a WebSocketDevice), our own SASL layer
 * (SaslNegotiator), then a Proton C connection driver (pn_connection_driver_t) in server mode without
 * Proton SASL. Everything runs on the thread that owns this object; Proton is never called from
 * anywhere else.
 *
 * Proton state changed from outside an event callback (for example a message the engine made
 * available) must be followed by process(), or scheduleProcess() to coalesce many changes.
 *
 * Owns the device. Deletes itself (deleteLater) once the connection is finished.
 */
class AmqpConnection : public QObject
{
    Q_OBJECT

public:
    /** Takes ownership of `device`, which must already be open (for TLS: the handshake may still run). */
    AmqpConnection(QIODevice *device, AmqpConnectionHandler *handler, QString peer, QObject *parent = nullptr);
    ~AmqpConnection() override;

    /** Process-wide unique id, for logs and handler maps. */
    std::uint64_t id() const { return m_id; }
    const QString &peer() const { return m_peer; }
    /** The SASL mechanism the client used; empty if it skipped SASL. */
    const std::string &saslMechanism() const { return m_sasl.mechanism(); }

    pn_connection_t *pnConnection() const { return m_driver.connection; }
    pn_transport_t *pnTransport() const { return m_driver.transport; }

    /** Dispatches pending Proton events to the handler, writes the output, re-arms the tick timer. */
    void process();
    /** process() on the next event-loop turn; many calls coalesce into one. */
    void scheduleProcess();

    /** Closes the connection with an AMQP error (condition empty: a clean close). */
    void closeWithError(const std::string &condition, const std::string &description);
    /** Drops the connection at once (no AMQP close), e.g. when the server stops. */
    void abort();

    /** Local idle time-out the server advertises, in ms (half of it is the client's heartbeat). */
    static constexpr std::uint32_t kIdleTimeoutMs = 240000;
    static constexpr std::uint32_t kMaxFrameSize = 262144;
    static constexpr std::uint16_t kChannelMax = 8191;

Q_SIGNALS:
    /** Emitted once, when the connection is gone. */
    void finished();

private:
    void onReadyRead();
    void onDisconnected();
    void onTimer();
    void feedDriver(const char *data, std::size_t size);
    void flushOutput();
    void armTimer();
    void finish();

    static std::int64_t nowMs();

    std::uint64_t m_id;
    QPointer<QIODevice> m_device;
    AmqpConnectionHandler *m_handler;
    QString m_peer;
    SaslNegotiator m_sasl;
    pn_connection_driver_t m_driver{};
    bool m_driverReady = false;
    QTimer *m_timer = nullptr;
    bool m_processing = false;
    bool m_again = false;
    bool m_scheduled = false;
    bool m_finished = false;
};

} // namespace busyard::emulator::amqp
