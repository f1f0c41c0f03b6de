#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QSslConfiguration>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

class QTcpServer;
class QTcpSocket;

namespace busyard::emulator::http {

/** Header list in arrival order; names compare case-insensitively. */
using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

/**
 * One parsed HTTP/1.x request, handed to the handler after the whole body has arrived.
 *
 * `path` is the request-target's path, percent-decoded as UTF-8 (a '+' stays a '+'); `rawPath` is the
 * same before decoding. `query` holds the query items in order, decoded form-style ("%24skip" -> "$skip",
 * '+' -> ' '). The body is de-chunked.
 */
struct HttpRequest
{
    QByteArray method;   ///< as sent ("GET", "PUT", ...), case-sensitive per RFC 9110
    QByteArray target;   ///< the raw request-target
    QByteArray rawPath;  ///< path part of target, still percent-encoded
    QString path;        ///< decoded path, always starting with '/'
    QList<QPair<QString, QString>> query;
    int versionMinor = 1; ///< HTTP/1.<versionMinor>
    HttpHeaders headers;
    QByteArray body;
    QHostAddress peerAddress;
    bool secure = false; ///< arrived over TLS

    /** First header value with this name (case-insensitive), or a null QByteArray. */
    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
    /** First query value with this key (case-sensitive), or a null QString. */
    QString queryValue(QStringView key) const;
    bool hasQueryValue(QStringView key) const;
};

/** Response built by the handler. The server adds Content-Length, Date and Connection itself. */
struct HttpResponse
{
    int status = 200;
    HttpHeaders headers;
    QByteArray body;
    /** Close the connection after this response (errors that leave the stream out of sync). */
    bool closeConnection = false;

    /** Replaces every header with this name (case-insensitive) by one with the given value. */
    void setHeader(QByteArrayView name, const QByteArray &value);
    QByteArray header(QByteArrayView name) const;

    static HttpResponse plain(int status, const QByteArray &text);
};

/** Standard reason phrase for a status code ("Not Found"); "Unknown" when there is none. */
QByteArray reasonPhrase(int status);

/**
 * Synchronous request handler. It runs on the server's thread, inside the socket's readyRead handling,
 * and must not re-enter the event loop. Responses are written in request order (pipelining).
 */
using HttpHandler = std::function<HttpResponse(const HttpRequest &)>;

/**
 * Receives a connection whose next request is a WebSocket upgrade on /$servicebus/websocket.
 *
 * Contract (for the AMQP front-end, which passes the socket to QWebSocketServer::handleConnection):
 * - The server only PEEKS the request head before deciding: when the callback is invoked every byte of
 *   the upgrade request (and anything the client sent after it) is still unread in the socket. For TLS
 *   listeners the socket is a QSslSocket whose handshake has completed.
 * - The socket is connected, open ReadWrite, has no parent, its read buffer is unlimited again
 *   (setReadBufferSize(0)), and the server has disconnected all of its own signal connections and timers
 *   from it; it no longer counts in connectionCount(). Ownership passes to the callee, which must delete
 *   it eventually (QWebSocket takes it over on a successful upgrade). Typical wiring:
 *   `http.setWebSocketHandoff([&amqp](QTcpSocket *s) { amqp.acceptWebSocketUpgrade(s); });`
 * - The callback runs on the server's thread, from the server's handling of that socket (a readyRead
 *   emission or a queued continuation), never re-entrantly from another callback.
 * - Detection: method GET, decoded path equal to "/$servicebus/websocket" (case-insensitive, trailing
 *   '/' tolerated, query ignored), an `Upgrade` header containing the token "websocket". Without a
 *   callback such requests get 404. Only a request at the start of a connection or after a completed
 *   keep-alive request is considered (the server never buffers bytes of a following request).
 */
using WebSocketHandoff = std::function<void(QTcpSocket *socket)>;

/** Bounds that keep a misbehaving client from exhausting memory or connections. */
struct HttpLimits
{
    qsizetype maxHeaderBytes = 64 * 1024;        ///< request line + headers; over it -> 431 and close
    int maxHeaderCount = 100;                     ///< over it -> 431 and close
    qsizetype maxBodyBytes = 16 * 1024 * 1024;    ///< Content-Length or de-chunked size; over it -> 413 and close
    int maxConnections = 256;                     ///< further connections are closed at once
    int requestTimeoutMs = 30'000;                ///< from a request's first byte until its body is complete
    int keepAliveTimeoutMs = 120'000;             ///< idle time between requests before the server closes
    int tlsHandshakeTimeoutMs = 10'000;
    int maxRequestsPerBatch = 32;                 ///< pipelined requests served per event-loop turn
    qsizetype maxPendingWriteBytes = 4 * 1024 * 1024; ///< stop reading while this much response is unsent
};

/**
 * A small HTTP/1.1 server for the emulator's management API (ATOM) and health endpoint.
 *
 * - Plain TCP (QTcpServer) or TLS (QSslServer with the caller's QSslConfiguration, e.g. the emulator's
 *   self-signed certificate). Binds 127.0.0.1 unless told otherwise.
 * - Request parsing with limits (HttpLimits), Content-Length and chunked request bodies,
 *   `Expect: 100-continue`, keep-alive (HTTP/1.1 default, HTTP/1.0 with `Connection: keep-alive`),
 *   pipelining (requests are read exactly, one at a time, and answered in order), HEAD.
 * - Malformed input is answered with 400 (or 413/431/501/505) and the connection is closed; the parser
 *   never trusts a length it has not checked.
 *
 * Threading: a QObject living on the emulator (engine) thread; create, listen and destroy it there. The
 * handler is called on that thread, so it may call the single-threaded engine directly.
 */
class HttpServer : public QObject
{
    Q_OBJECT

public:
    explicit HttpServer(QObject *parent = nullptr);
    ~HttpServer() override;

    void setHandler(HttpHandler handler);
    void setWebSocketHandoff(WebSocketHandoff handoff);
    void setLimits(const HttpLimits &limits);
    const HttpLimits &limits() const { return m_limits; }
    /** Serve HTTPS with this configuration (local certificate and private key set). Call before listen(). */
    void setTlsConfiguration(const QSslConfiguration &configuration);
    bool isTls() const { return m_tls.has_value(); }

    /**
     * Starts listening. Port 0 picks a free port (see serverPort()). Fails with InvalidArgument when the
     * address/port cannot be bound or the server already listens.
     */
    core::Result<void> listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    bool isListening() const;
    quint16 serverPort() const;
    QHostAddress serverAddress() const;
    /** Stops listening and closes every open connection. */
    void close();

    /** Open (not handed-off) connections, for tests and diagnostics. */
    int connectionCount() const { return int(m_connections.size()); }

private:
    class Connection;
    friend class Connection;

    void onPendingConnection();
    void connectionClosed(Connection *connection);

    HttpHandler m_handler;
    WebSocketHandoff m_webSocketHandoff;
    HttpLimits m_limits;
    std::optional<QSslConfiguration> m_tls;
    QTcpServer *m_server = nullptr;
    QList<Connection *> m_connections; ///< owned (children); removed when they close
};

} // namespace busyard::emulator::http
