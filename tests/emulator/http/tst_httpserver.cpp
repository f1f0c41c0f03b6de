#include "emulator/http/httpserver.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>
#include <QNetworkRequest>

#include <memory>
#include <optional>

using namespace busyard::emulator::http;

namespace {

struct ParsedResponse
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
};

/**
 * Splits `data` into complete responses (Content-Length framed). `headRequests` lists which of them
 * answered a HEAD request (no body despite Content-Length). Stops at the first incomplete one.
 */
QList<ParsedResponse> parseResponses(QByteArray data, QList<bool> headRequests = {})
{
    QList<ParsedResponse> out;
    while (true) {
        const qsizetype end = data.indexOf("\r\n\r\n");
        if (end < 0)
            break;
        const QList<QByteArray> lines = data.left(end).split('\n');
        ParsedResponse r;
        const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
        r.status = statusLine.value(1).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            r.headers.append({line.left(colon), line.mid(colon + 1).trimmed()});
        }
        const bool isHead = headRequests.value(out.size(), false);
        const qsizetype length = (isHead || r.status == 100) ? 0 : r.header("Content-Length").toLongLong();
        if (data.size() < end + 4 + length)
            break;
        r.body = data.mid(end + 4, length);
        data.remove(0, end + 4 + length);
        out.append(r);
    }
    return out;
}

/** A plain or TLS client socket that collects everything the server sends. */
class RawClient
{
public:
    explicit RawClient(quint16 port, bool tls = false)
    {
        if (tls) {
            auto *ssl = new QSslSocket;
            ssl->setPeerVerifyMode(QSslSocket::VerifyNone);
            m_socket.reset(ssl);
            QObject::connect(m_socket.get(), &QIODevice::readyRead, m_socket.get(),
                             [this] { m_received += m_socket->readAll(); });
            ssl->connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
        } else {
            m_socket = std::make_unique<QTcpSocket>();
            QObject::connect(m_socket.get(), &QIODevice::readyRead, m_socket.get(),
                             [this] { m_received += m_socket->readAll(); });
            m_socket->connectToHost(QHostAddress::LocalHost, port);
        }
    }

    bool waitConnected()
    {
        return QTest::qWaitFor([this] { return isReady(); }, 5000);
    }

    bool isReady() const
    {
        if (auto *ssl = qobject_cast<QSslSocket *>(m_socket.get()))
            return ssl->isEncrypted();
        return m_socket->state() == QAbstractSocket::ConnectedState;
    }

    void send(const QByteArray &data)
    {
        m_socket->write(data);
        m_socket->flush();
    }

    QList<ParsedResponse> responses(QList<bool> head = {}) const { return parseResponses(m_received, head); }
    bool closed() const { return m_socket->state() == QAbstractSocket::UnconnectedState; }
    QByteArray &received() { return m_received; }
    QTcpSocket *socket() { return m_socket.get(); }

private:
    std::unique_ptr<QTcpSocket> m_socket;
    QByteArray m_received;
};

HttpResponse echo(const HttpRequest &request)
{
    HttpResponse r;
    QByteArray text = request.method + ' ' + request.path.toUtf8();
    for (const auto &q : request.query)
        text += '|' + q.first.toUtf8() + '=' + q.second.toUtf8();
    text += '#' + request.body;
    r.body = text;
    r.setHeader("Content-Type", "text/plain");
    return r;
}

/** A self-signed localhost certificate made with the openssl tool; nullopt when that fails. */
std::optional<QSslConfiguration> testTlsConfiguration()
{
    static QTemporaryDir dir;
    if (!dir.isValid())
        return std::nullopt;
    const QString key = dir.filePath(QStringLiteral("key.pem"));
    const QString cert = dir.filePath(QStringLiteral("cert.pem"));
    if (!QFile::exists(cert)) {
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                       QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-keyout"), key,
                       QStringLiteral("-out"), cert, QStringLiteral("-days"), QStringLiteral("1"),
                       QStringLiteral("-subj"), QStringLiteral("/CN=localhost")});
        if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0)
            return std::nullopt;
    }
    QFile keyFile(key);
    QFile certFile(cert);
    if (!keyFile.open(QIODevice::ReadOnly) || !certFile.open(QIODevice::ReadOnly))
        return std::nullopt;
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setLocalCertificate(QSslCertificate(certFile.readAll()));
    config.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Rsa));
    config.setPeerVerifyMode(QSslSocket::VerifyNone);
    return config;
}

/** Lets the event loop run for a short, bounded time so that split writes arrive separately. */
void spin()
{
    for (int i = 0; i < 5; ++i)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
}

} // namespace

class TestHttpServer : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_server = std::make_unique<HttpServer>();
        m_server->setHandler(&echo);
        QVERIFY(m_server->listen().ok());
        QCOMPARE(m_server->serverAddress(), QHostAddress(QHostAddress::LocalHost));
        QVERIFY(m_server->serverPort() != 0);
    }

    void cleanup() { m_server.reset(); }

    void simpleGet()
    {
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("GET /queue1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 1);
        const auto r = c.responses().front();
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("GET /queue1#"));
        QCOMPARE(r.header("Content-Type"), QByteArray("text/plain"));
        QVERIFY(!r.header("Date").isEmpty());
        QVERIFY(!c.closed());
    }

    void keepAliveAndPipelining()
    {
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        // Three requests in one write, the second with a body: answered in order on one connection.
        c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
               "PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
               "DELETE /c HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 3);
        const auto rs = c.responses();
        QCOMPARE(rs[0].body, QByteArray("GET /a#"));
        QCOMPARE(rs[1].body, QByteArray("PUT /b#hello"));
        QCOMPARE(rs[2].body, QByteArray("DELETE /c#"));
        c.send("GET /d HTTP/1.1\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 4);
        QCOMPARE(m_server->connectionCount(), 1);
    }

    void manyPipelinedRequests()
    {
        // More than one batch (maxRequestsPerBatch) in a single write.
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        QByteArray all;
        for (int i = 0; i < 100; ++i)
            all += "GET /n" + QByteArray::number(i) + " HTTP/1.1\r\n\r\n";
        c.send(all);
        QTRY_COMPARE(c.responses().size(), 100);
        const auto rs = c.responses();
        for (int i = 0; i < 100; ++i)
            QCOMPARE(rs[i].body, "GET /n" + QByteArray::number(i) + '#');
    }

    void splitArrival()
    {
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        const QByteArray request = "PUT /split HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789";
        for (char ch : request) {
            c.send(QByteArray(1, ch));
            QCoreApplication::processEvents();
        }
        QTRY_COMPARE(c.responses().size(), 1);
        QCOMPARE(c.responses().front().body, QByteArray("PUT /split#0123456789"));
    }

    void chunkedBody()
    {
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("PUT /chunked HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n");
        spin();
        c.send("5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 1);
        QCOMPARE(c.responses().front().body, QByteArray("PUT /chunked#Wikipedia in\r\n\r\nchunks."));
        // The connection stays usable.
        c.send("GET /after HTTP/1.1\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 2);
        QCOMPARE(c.responses()[1].body, QByteArray("GET /after#"));
    }

    void pathAndQueryDecoding()
    {
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("GET /a%20b/%24Resources/caf%C3%A9+x?%24skip=5&x=a+b%26c&flag&=v HTTP/1.1\r\n\r\n"
               "GET http://localhost:5300/abs/path?q=1 HTTP/1.1\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 2);
        QCOMPARE(QString::fromUtf8(c.responses()[0].body),
                 QString::fromUtf8("GET /a b/$Resources/caf\xC3\xA9+x|$skip=5|x=a b&c|flag=|=v#"));
        QCOMPARE(c.responses()[1].body, QByteArray("GET /abs/path|q=1#"));
    }

    void leadingEmptyLinesIgnored()
    {
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("\r\n\r\nGET /x HTTP/1.1\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 1);
        QCOMPARE(c.responses().front().status, 200);
    }

    void badRequests_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        // Not HTTP: an AMQP protocol header without any CRLF must be refused at once, not after the timeout.
        QTest::newRow("amqp header") << QByteArray("AMQP\x00\x01\x00\x00", 8) << 400;
        QTest::newRow("garbage") << QByteArray("GARBAGE\r\n\r\n") << 400;
        QTest::newRow("no version") << QByteArray("GET /\r\n\r\n") << 400;
        QTest::newRow("double space") << QByteArray("GET  / HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("bad method") << QByteArray("G(T / HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("bad version") << QByteArray("GET / FOO/1.1\r\n\r\n") << 400;
        QTest::newRow("http/2") << QByteArray("GET / HTTP/2.0\r\n\r\n") << 505;
        QTest::newRow("relative target") << QByteArray("GET queue HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("header without colon") << QByteArray("GET / HTTP/1.1\r\nBad Header\r\n\r\n") << 400;
        QTest::newRow("space before colon") << QByteArray("GET / HTTP/1.1\r\nHost : x\r\n\r\n") << 400;
        QTest::newRow("obs-fold") << QByteArray("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n") << 400;
        QTest::newRow("control char in value") << QByteArray("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n") << 400;
        QTest::newRow("bare LF") << QByteArray("GET / HTTP/1.1\nHost: x\n\n") << 400;
        QTest::newRow("stray CR") << QByteArray("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n") << 400;
        QTest::newRow("broken escape") << QByteArray("GET /%zz HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("truncated escape") << QByteArray("GET /a% HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("NUL escape") << QByteArray("GET /a%00 HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("invalid UTF-8") << QByteArray("GET /%C3%28 HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("bad query escape") << QByteArray("GET /?a=%G1 HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("TE and CL") << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n") << 400;
        QTest::newRow("CL not a number") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: abc\r\n\r\n") << 400;
        QTest::newRow("CL negative") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") << 400;
        QTest::newRow("CL huge") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n") << 400;
        QTest::newRow("CL conflicting") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") << 400;
        QTest::newRow("CL list conflicting") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n") << 400;
        QTest::newRow("unknown coding") << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") << 501;
        QTest::newRow("gzip then chunked") << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") << 501;
        QTest::newRow("bad chunk size") << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") << 400;
        QTest::newRow("chunk size overflow") << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n") << 400;
        QTest::newRow("chunk without CRLF") << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY") << 400;
        QTest::newRow("unknown expectation") << QByteArray("PUT / HTTP/1.1\r\nExpect: magic\r\nContent-Length: 1\r\n\r\n") << 417;
    }

    void badRequests()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send(request);
        QTRY_COMPARE(c.responses().size(), 1);
        QCOMPARE(c.responses().front().status, status);
        QCOMPARE(c.responses().front().header("Connection"), QByteArray("close"));
        QTRY_VERIFY(c.closed());
        QTRY_COMPARE(m_server->connectionCount(), 0);
    }

    void headTooLarge()
    {
        HttpLimits limits;
        limits.maxHeaderBytes = 1024;
        m_server->setLimits(limits);
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("GET / HTTP/1.1\r\nX-Big: " + QByteArray(4096, 'a'));
        QTRY_COMPARE(c.responses().size(), 1);
        QCOMPARE(c.responses().front().status, 431);
        QTRY_VERIFY(c.closed());
    }

    void tooManyHeaders()
    {
        QByteArray request = "GET / HTTP/1.1\r\n";
        for (int i = 0; i < 150; ++i)
            request += "X-" + QByteArray::number(i) + ": v\r\n";
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send(request + "\r\n");
        QTRY_COMPARE(c.responses().size(), 1);
        QCOMPARE(c.responses().front().status, 431);
    }

    void bodyTooLarge_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::newRow("content-length") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n");
        QTest::newRow("chunked") << (QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n")
                                     + QByteArray(0x200, 'x') + "\r\n200\r\n" + QByteArray(0x200, 'x') + "\r\n");
    }

    void bodyTooLarge()
    {
        QFETCH(QByteArray, request);
        HttpLimits limits;
        limits.maxBodyBytes = 1000;
        m_server->setLimits(limits);
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send(request);
        QTRY_COMPARE(c.responses().size(), 1);
        QCOMPARE(c.responses().front().status, 413);
        QTRY_VERIFY(c.closed());
    }

    void http10ClosesUnlessKeepAlive()
    {
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 1);
        QCOMPARE(c.responses().front().header("Connection"), QByteArray("keep-alive"));
        QVERIFY(!c.closed());
        c.send("GET /two HTTP/1.0\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 2);
        QTRY_VERIFY(c.closed());
    }

    void connectionClose()
    {
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("GET /bye HTTP/1.1\r\nConnection: close\r\n\r\nGET /ignored HTTP/1.1\r\n\r\n");
        QTRY_VERIFY(c.closed());
        QCOMPARE(c.responses().size(), 1);
    }

    void headHasNoBody()
    {
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("HEAD /h HTTP/1.1\r\n\r\nGET /g HTTP/1.1\r\n\r\n");
        QTRY_COMPARE(c.responses({true, false}).size(), 2);
        const auto rs = c.responses({true, false});
        QCOMPARE(rs[0].header("Content-Length"), QByteArray::number(QByteArray("HEAD /h#").size()));
        QCOMPARE(rs[1].body, QByteArray("GET /g#"));
    }

    void expectContinue()
    {
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("PUT /e HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        QTRY_VERIFY(c.received().startsWith("HTTP/1.1 100 Continue\r\n\r\n"));
        c.send("abc");
        QTRY_COMPARE(c.responses().size(), 2);
        QCOMPARE(c.responses()[1].status, 200);
        QCOMPARE(c.responses()[1].body, QByteArray("PUT /e#abc"));
    }

    void handlerCanCloseConnection()
    {
        m_server->setHandler([](const HttpRequest &) {
            HttpResponse r = HttpResponse::plain(503, "busy");
            r.closeConnection = true;
            return r;
        });
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("GET / HTTP/1.1\r\n\r\n");
        QTRY_VERIFY(c.closed());
        QCOMPARE(c.responses().front().status, 503);
    }

    void webSocketHandoff()
    {
        QTcpSocket *handed = nullptr;
        m_server->setWebSocketHandoff([&](QTcpSocket *socket) { handed = socket; });
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        // A keep-alive request first: the upgrade may follow a completed request on the same connection.
        c.send("GET /plain HTTP/1.1\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 1);
        const QByteArray upgrade = "GET /$servicebus/websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                                   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                   "Sec-WebSocket-Protocol: AMQPWSB10\r\nSec-WebSocket-Version: 13\r\n\r\n";
        c.send(upgrade + "AMQP");
        QTRY_VERIFY(handed != nullptr);
        std::unique_ptr<QTcpSocket> owned(handed);
        QCOMPARE(handed->parent(), nullptr);
        QCOMPARE(m_server->connectionCount(), 0);
        // Every byte of the upgrade request, and what followed it, is still unread.
        QTRY_COMPARE(handed->bytesAvailable(), qint64(upgrade.size() + 4));
        QCOMPARE(handed->peek(upgrade.size() + 4), upgrade + "AMQP");
        // The server no longer reacts to the socket: nothing is answered, and the new owner can use it.
        handed->write("HTTP/1.1 101 Switching Protocols\r\n\r\n");
        QTRY_VERIFY(c.received().contains("101 Switching Protocols"));
        const auto rs = c.responses();
        QCOMPARE(rs.size(), 2); // the plain response, then only what the new owner wrote
        QCOMPARE(rs[1].status, 101);
    }

    void webSocketHandoffToQWebSocketServer_data()
    {
        QTest::addColumn<bool>("tls");
        QTest::newRow("ws") << false;
        QTest::newRow("wss") << true;
    }

    void webSocketHandoffToQWebSocketServer()
    {
        // The contract the AMQP front-end relies on: QWebSocketServer::handleConnection() completes the
        // handshake from the bytes we left unread.
        QFETCH(bool, tls);
        HttpServer server;
        server.setHandler(&echo);
        if (tls) {
            const auto config = testTlsConfiguration();
            if (!config)
                QSKIP("openssl could not create a test certificate");
            server.setTlsConfiguration(*config);
        }
        QWebSocketServer webSockets(QStringLiteral("test"), QWebSocketServer::NonSecureMode);
        webSockets.setSupportedSubprotocols({QStringLiteral("AMQPWSB10")});
        std::unique_ptr<QWebSocket> accepted;
        connect(&webSockets, &QWebSocketServer::newConnection, this, [&] {
            accepted.reset(webSockets.nextPendingConnection());
            connect(accepted.get(), &QWebSocket::binaryMessageReceived, accepted.get(),
                    [&](const QByteArray &m) { accepted->sendBinaryMessage("echo:" + m); });
        });
        server.setWebSocketHandoff([&](QTcpSocket *socket) { webSockets.handleConnection(socket); });
        QVERIFY(server.listen().ok());

        QWebSocket client;
        if (tls) {
            QSslConfiguration clientConfig = QSslConfiguration::defaultConfiguration();
            clientConfig.setPeerVerifyMode(QSslSocket::VerifyNone);
            client.setSslConfiguration(clientConfig);
        }
        QByteArray reply;
        connect(&client, &QWebSocket::binaryMessageReceived, this, [&](const QByteArray &m) { reply = m; });
        QNetworkRequest request(QUrl(QStringLiteral("%1://127.0.0.1:%2/$servicebus/websocket")
                                         .arg(tls ? QStringLiteral("wss") : QStringLiteral("ws"))
                                         .arg(server.serverPort())));
        request.setRawHeader("Sec-WebSocket-Protocol", "AMQPWSB10");
        client.open(request);
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, 10000);
        QVERIFY(accepted != nullptr);
        QCOMPARE(accepted->requestUrl().path(), QStringLiteral("/$servicebus/websocket"));
        client.sendBinaryMessage(QByteArray("AMQP\x00\x01\x00\x00", 8));
        QTRY_COMPARE(reply, QByteArray("echo:AMQP\x00\x01\x00\x00", 13));
        QCOMPARE(server.connectionCount(), 0);
    }

    void webSocketPathCaseAndSlash()
    {
        QTcpSocket *handed = nullptr;
        m_server->setWebSocketHandoff([&](QTcpSocket *socket) { handed = socket; });
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("GET /$ServiceBus/WebSocket/?x=1 HTTP/1.1\r\nUpgrade: WebSocket\r\n\r\n");
        QTRY_VERIFY(handed != nullptr);
        delete handed;
    }

    void webSocketWithoutHandoffIs404()
    {
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("GET /$servicebus/websocket HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 1);
        QCOMPARE(c.responses().front().status, 404);
    }

    void upgradeElsewhereIsPlainRequest()
    {
        bool handedOff = false;
        m_server->setWebSocketHandoff([&](QTcpSocket *socket) {
            handedOff = true;
            delete socket;
        });
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("GET /other HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 1);
        QCOMPARE(c.responses().front().body, QByteArray("GET /other#"));
        QVERIFY(!handedOff);
    }

    void keepAliveTimeout()
    {
        HttpLimits limits;
        limits.keepAliveTimeoutMs = 50;
        m_server->setLimits(limits);
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("GET / HTTP/1.1\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(c.closed(), 5000);
        QTRY_COMPARE(m_server->connectionCount(), 0);
    }

    void slowHeadTimesOut()
    {
        HttpLimits limits;
        limits.requestTimeoutMs = 50;
        m_server->setLimits(limits);
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send("GET / HTTP/1.1\r\nHost: slow");
        QTRY_COMPARE_WITH_TIMEOUT(c.responses().size(), 1, 5000);
        QCOMPARE(c.responses().front().status, 408);
        QTRY_VERIFY(c.closed());
    }

    void connectionLimit()
    {
        HttpLimits limits;
        limits.maxConnections = 1;
        m_server->setLimits(limits);
        RawClient first(m_server->serverPort());
        QVERIFY(first.waitConnected());
        QTRY_COMPARE(m_server->connectionCount(), 1);
        RawClient second(m_server->serverPort());
        QTRY_VERIFY(second.closed());
        first.send("GET / HTTP/1.1\r\n\r\n");
        QTRY_COMPARE(first.responses().size(), 1);
    }

    void randomGarbageNeverCrashes()
    {
        HttpLimits limits;
        limits.maxHeaderBytes = 2048;
        limits.requestTimeoutMs = 200;
        m_server->setLimits(limits);
        QRandomGenerator rng(20241127);
        QByteArray alphabet = "GETPUT /HTP1.0\r\n:;%$?&=+-chunkedContent-Length0123456789aF";
        alphabet.append('\0').append('\xff');
        for (int round = 0; round < 60; ++round) {
            RawClient c(m_server->serverPort());
            QVERIFY(c.waitConnected());
            QByteArray junk;
            const int length = int(rng.bounded(1, 600));
            for (int i = 0; i < length; ++i)
                junk += alphabet.at(int(rng.bounded(alphabet.size())));
            // Half of the rounds start like a real request so the parser gets further.
            if (round % 2)
                junk.prepend("PUT /x HTTP/1.1\r\n");
            c.send(junk + "\r\n\r\n");
            // Either answered or still waiting for more: the server must survive and stay responsive.
            spin();
        }
        RawClient ok(m_server->serverPort());
        QVERIFY(ok.waitConnected());
        ok.send("GET /alive HTTP/1.1\r\n\r\n");
        QTRY_COMPARE(ok.responses().size(), 1);
        QCOMPARE(ok.responses().front().body, QByteArray("GET /alive#"));
    }

    void tls()
    {
        if (!QSslSocket::supportsSsl())
            QSKIP("No TLS backend");
        const auto config = testTlsConfiguration();
        if (!config)
            QSKIP("openssl could not create a test certificate");

        HttpServer server;
        server.setHandler([](const HttpRequest &request) {
            HttpResponse r = echo(request);
            r.body += request.secure ? " secure" : " plain";
            return r;
        });
        QTcpSocket *handed = nullptr;
        server.setWebSocketHandoff([&](QTcpSocket *socket) { handed = socket; });
        server.setTlsConfiguration(*config);
        QVERIFY(server.isTls());
        QVERIFY(server.listen().ok());

        RawClient c(server.serverPort(), true);
        QVERIFY(c.waitConnected());
        c.send("GET /tls HTTP/1.1\r\n\r\n");
        QTRY_COMPARE(c.responses().size(), 1);
        QCOMPARE(c.responses().front().body, QByteArray("GET /tls# secure"));

        c.send("GET /$servicebus/websocket HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
        QTRY_VERIFY(handed != nullptr);
        std::unique_ptr<QTcpSocket> owned(handed);
        auto *ssl = qobject_cast<QSslSocket *>(handed);
        QVERIFY(ssl != nullptr);
        QVERIFY(ssl->isEncrypted());
        QTRY_VERIFY(handed->peek(4096).startsWith("GET /$servicebus/websocket HTTP/1.1\r\n"));
    }

    void listenTwiceFails()
    {
        QVERIFY(!m_server->listen().ok());
        HttpServer other;
        QVERIFY(!other.listen(QHostAddress::LocalHost, m_server->serverPort()).ok());
    }

private:
    std::unique_ptr<HttpServer> m_server;
};

QTEST_GUILESS_MAIN(TestHttpServer)
#include "tst_httpserver.moc"
