#pragma once

#include "core/result.h"

#include <QHostAddress>
#include <QObject>
#include <QSslConfiguration>

#include <memory>
#include <vector>

class QTcpServer;
class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace busyard::emulator::amqp {

class AmqpConnection;
class AmqpConnectionHandler;

/**
 * The AMQP listeners of the emulator: plain TCP (5672 style), TLS (AMQPS, 5671 style) and AMQP over
 * WebSockets (subprotocol AMQPWSB10, path /$servicebus/websocket). Every accepted stream becomes an
 * AmqpConnection on this object's thread, reporting to the one handler.
 *
 * WebSockets: listenWebSocket() opens a dedicated port. An HTTP(S) front that owns the HTTPS port can
 * instead hand upgrade requests for /$servicebus/websocket to acceptWebSocketUpgrade(), so that
 * AMQP-over-WebSockets and the ATOM API share one port as on Azure.
 *
 * Thread: create, use and destroy on the emulator thread. Does not own the handler.
 */
class AmqpServer : public QObject
{
    Q_OBJECT

public:
    explicit AmqpServer(AmqpConnectionHandler *handler, QObject *parent = nullptr);
    ~AmqpServer() override;

    /** Plain AMQP on `address`:`port` (0 = any free port). Returns the bound port. */
    core::Result<quint16> listen(const QHostAddress &address, quint16 port);
    /** AMQPS: TLS with `config` (local certificate + key set). Returns the bound port. */
    core::Result<quint16> listenTls(const QHostAddress &address, quint16 port, const QSslConfiguration &config);
    /** AMQP over WebSockets on its own port; TLS (wss) when `config` has a certificate. */
    core::Result<quint16> listenWebSocket(const QHostAddress &address, quint16 port,
                                          const QSslConfiguration &config = QSslConfiguration());

    /**
     * Takes a TCP (or already encrypted TLS) socket whose unread input starts with an HTTP upgrade
     * request for /$servicebus/websocket, completes the WebSocket handshake and serves AMQP on it.
     * Takes ownership of the socket.
     */
    void acceptWebSocketUpgrade(QTcpSocket *socket);

    /** Stops listening and drops every connection. */
    void close();

    int connectionCount() const { return int(m_connections.size()); }

    static constexpr const char *kWebSocketPath = "/$servicebus/websocket";
    static constexpr const char *kWebSocketSubprotocol = "AMQPWSB10";

Q_SIGNALS:
    void connectionCountChanged(int count);

private:
    void onPendingConnection(QTcpServer *server);
    void onWebSocketConnection(QWebSocketServer *server);
    void adopt(AmqpConnection *connection);

    AmqpConnectionHandler *m_handler;
    std::vector<QTcpServer *> m_servers;
    std::vector<QWebSocketServer *> m_webSocketServers;
    QWebSocketServer *m_upgradeServer = nullptr; ///< handles upgrades passed in by the HTTP front
    std::vector<AmqpConnection *> m_connections;
};

} // namespace busyard::emulator::amqp
