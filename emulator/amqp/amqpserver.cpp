#include "amqpserver.h"

#include "amqpconnection.h"
#include "websocketdevice.h"

#include "core/logging.h"

#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketServer>

#include <algorithm>

namespace busyard::emulator::amqp {

namespace {
auto log() { return core::logger("emulator"); }

QString peerOf(const QAbstractSocket *socket)
{
    return socket->peerAddress().toString() + QLatin1Char(':') + QString::number(socket->peerPort());
}
} // namespace

AmqpServer::AmqpServer(AmqpConnectionHandler *handler, QObject *parent)
    : QObject(parent)
    , m_handler(handler)
{
    Q_ASSERT(handler);
}

AmqpServer::~AmqpServer()
{
    close();
}

core::Result<quint16> AmqpServer::listen(const QHostAddress &address, quint16 port)
{
    auto *server = new QTcpServer(this);
    if (!server->listen(address, port)) {
        const std::string why = server->errorString().toStdString();
        delete server;
        return core::makeError(core::ErrorCode::Internal,
                               "cannot listen on " + address.toString().toStdString() + ":" + std::to_string(port)
                                   + ": " + why);
    }
    connect(server, &QTcpServer::pendingConnectionAvailable, this, [this, server] { onPendingConnection(server); });
    m_servers.push_back(server);
    log()->info("amqp: listening on {}:{}", address.toString().toStdString(), server->serverPort());
    return server->serverPort();
}

core::Result<quint16> AmqpServer::listenTls(const QHostAddress &address, quint16 port, const QSslConfiguration &config)
{
    if (config.localCertificate().isNull() || config.privateKey().isNull())
        return core::makeError(core::ErrorCode::InvalidArgument, "TLS listener needs a certificate and a private key");
    auto *server = new QSslServer(this);
    server->setSslConfiguration(config);
    if (!server->listen(address, port)) {
        const std::string why = server->errorString().toStdString();
        delete server;
        return core::makeError(core::ErrorCode::Internal,
                               "cannot listen (TLS) on " + address.toString().toStdString() + ":"
                                   + std::to_string(port) + ": " + why);
    }
    connect(server, &QSslServer::errorOccurred, this, [](QSslSocket *, QAbstractSocket::SocketError) {
        log()->debug("amqps: a client failed the TLS handshake");
    });
    connect(server, &QTcpServer::pendingConnectionAvailable, this, [this, server] { onPendingConnection(server); });
    m_servers.push_back(server);
    log()->info("amqps: listening on {}:{}", address.toString().toStdString(), server->serverPort());
    return server->serverPort();
}

core::Result<quint16> AmqpServer::listenWebSocket(const QHostAddress &address, quint16 port,
                                                  const QSslConfiguration &config)
{
    const bool secure = !config.localCertificate().isNull();
    auto *server = new QWebSocketServer(QStringLiteral("busyard-emulator"),
                                        secure ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode, this);
    if (secure)
        server->setSslConfiguration(config);
    server->setSupportedSubprotocols({QString::fromLatin1(kWebSocketSubprotocol)});
    if (!server->listen(address, port)) {
        const std::string why = server->errorString().toStdString();
        delete server;
        return core::makeError(core::ErrorCode::Internal, "cannot listen (WebSocket): " + why);
    }
    connect(server, &QWebSocketServer::newConnection, this, [this, server] { onWebSocketConnection(server); });
    m_webSocketServers.push_back(server);
    log()->info("amqp-ws: listening on {}{}:{}{}", secure ? "wss://" : "ws://", address.toString().toStdString(),
                server->serverPort(), kWebSocketPath);
    return server->serverPort();
}

void AmqpServer::acceptWebSocketUpgrade(QTcpSocket *socket)
{
    if (!m_upgradeServer) {
        // Mode does not matter for handleConnection(): the socket arrives connected (and encrypted).
        m_upgradeServer = new QWebSocketServer(QStringLiteral("busyard-emulator"), QWebSocketServer::NonSecureMode, this);
        m_upgradeServer->setSupportedSubprotocols({QString::fromLatin1(kWebSocketSubprotocol)});
        connect(m_upgradeServer, &QWebSocketServer::newConnection, this,
                [this] { onWebSocketConnection(m_upgradeServer); });
    }
    m_upgradeServer->handleConnection(socket);
}

void AmqpServer::onPendingConnection(QTcpServer *server)
{
    while (QTcpSocket *socket = server->nextPendingConnection()) {
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        adopt(new AmqpConnection(socket, m_handler, peerOf(socket), this));
    }
}

void AmqpServer::onWebSocketConnection(QWebSocketServer *server)
{
    while (QWebSocket *socket = server->nextPendingConnection()) {
        QString path = socket->requestUrl().path();
        while (path.size() > 1 && path.endsWith(QLatin1Char('/')))
            path.chop(1);
        if (path.compare(QLatin1String(kWebSocketPath), Qt::CaseInsensitive) != 0) {
            log()->info("amqp-ws: refused WebSocket path {}", socket->requestUrl().path().toStdString());
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated);
            socket->deleteLater();
            continue;
        }
        const QString peer = socket->peerAddress().toString() + QLatin1Char(':') + QString::number(socket->peerPort());
        adopt(new AmqpConnection(new WebSocketDevice(socket), m_handler, peer, this));
    }
}

void AmqpServer::adopt(AmqpConnection *connection)
{
    m_connections.push_back(connection);
    connect(connection, &AmqpConnection::finished, this, [this, connection] {
        m_connections.erase(std::remove(m_connections.begin(), m_connections.end(), connection), m_connections.end());
        Q_EMIT connectionCountChanged(connectionCount());
    });
    Q_EMIT connectionCountChanged(connectionCount());
}

void AmqpServer::close()
{
    for (QTcpServer *server : m_servers)
        server->close();
    for (QWebSocketServer *server : m_webSocketServers)
        server->close();
    // abort() emits finished(), which edits m_connections: iterate over a copy.
    const auto connections = m_connections;
    for (AmqpConnection *connection : connections)
        connection->abort();
    m_connections.clear();
}

} // namespace busyard::emulator::amqp
