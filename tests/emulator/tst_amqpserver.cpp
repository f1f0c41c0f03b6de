// Transport tests: real Proton C++ clients and raw sockets against AmqpServer over loopback.
#include "emulator/amqp/amqpconnection.h"
#include "emulator/amqp/amqpserver.h"
#include "emulator/amqp/sasl.h"
#include "emulator/devcertificate.h"

#include <QScopeGuard>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>
#include <QNetworkRequest>
#include <QTcpSocket>
#include <QTest>

#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/delivery.h>
#include <proton/delivery.hpp>
#include <proton/event.h>
#include <proton/link.h>
#include <proton/message.hpp>
#include <proton/message_id.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender.hpp>
#include <proton/session.h>
#include <proton/terminus.h>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>
#include <proton/error_condition.hpp>

#include <atomic>
#include <thread>

using namespace busyard::emulator::amqp;

namespace {

/** Minimal server logic: opens everything, grants credit, accepts every transfer. */
class AcceptingHandler : public AmqpConnectionHandler
{
public:
    void onEvent(AmqpConnection &, pn_event_t *event) override
    {
        switch (pn_event_type(event)) {
        case PN_CONNECTION_REMOTE_OPEN:
            pn_connection_open(pn_event_connection(event));
            break;
        case PN_SESSION_REMOTE_OPEN:
            pn_session_open(pn_event_session(event));
            break;
        case PN_LINK_REMOTE_OPEN: {
            pn_link_t *link = pn_event_link(event);
            pn_terminus_copy(pn_link_source(link), pn_link_remote_source(link));
            pn_terminus_copy(pn_link_target(link), pn_link_remote_target(link));
            pn_link_open(link);
            if (pn_link_is_receiver(link))
                pn_link_flow(link, 10);
            break;
        }
        case PN_DELIVERY: {
            pn_delivery_t *d = pn_event_delivery(event);
            if (pn_link_is_receiver(pn_delivery_link(d)) && !pn_delivery_partial(d)) {
                std::string body(std::size_t(pn_delivery_pending(d)), '\0');
                pn_link_recv(pn_delivery_link(d), body.data(), body.size());
                received.push_back(body);
                pn_delivery_update(d, PN_ACCEPTED);
                pn_link_advance(pn_delivery_link(d));
                pn_delivery_settle(d);
                pn_link_flow(pn_event_link(event), 1); // keep the credit topped up
            }
            break;
        }
        case PN_LINK_REMOTE_CLOSE:
            pn_link_close(pn_event_link(event));
            break;
        case PN_SESSION_REMOTE_CLOSE:
            pn_session_close(pn_event_session(event));
            break;
        case PN_CONNECTION_REMOTE_CLOSE:
            pn_connection_close(pn_event_connection(event));
            break;
        default:
            break;
        }
    }
    void onConnectionClosed(AmqpConnection &) override { ++closed; }

    std::vector<std::string> received;
    int closed = 0;
};

/** Proton C++ client: sends `count` messages to `address` and records the outcomes. */
class SendingClient : public proton::messaging_handler
{
public:
    SendingClient(std::string url, int count, bool sasl) : m_url(std::move(url)), m_count(count), m_sasl(sasl) {}

    void on_container_start(proton::container &c) override
    {
        proton::connection_options options;
        options.sasl_enabled(m_sasl);
        if (m_sasl)
            options.sasl_allowed_mechs("ANONYMOUS");
        c.open_sender(m_url, options);
    }
    void on_sendable(proton::sender &s) override
    {
        while (s.credit() > 0 && m_sent < m_count) {
            proton::message m(std::string("hello ") + std::to_string(m_sent));
            m.id(proton::message_id(std::to_string(m_sent)));
            s.send(m);
            ++m_sent;
        }
    }
    void on_tracker_accept(proton::tracker &t) override
    {
        if (++accepted == m_count)
            t.connection().close();
    }
    void on_transport_error(proton::transport &t) override { error = t.error().what(); }
    void on_error(const proton::error_condition &e) override { error = e.what(); }

    std::atomic<int> accepted{0};
    std::string error;

private:
    std::string m_url;
    int m_count;
    bool m_sasl;
    int m_sent = 0;
};

} // namespace

class TestAmqpServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void protonClientSends_data()
    {
        QTest::addColumn<bool>("sasl");
        QTest::newRow("SASL ANONYMOUS") << true;
        QTest::newRow("no SASL") << false;
    }

    void protonClientSends()
    {
        QFETCH(bool, sasl);
        AcceptingHandler handler;
        AmqpServer server(&handler);
        auto port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY2(port.ok(), port.ok() ? "" : port.error().message.c_str());

        SendingClient client("127.0.0.1:" + std::to_string(*port) + "/orders", 25, sasl);
        proton::container container(client);
        std::atomic<bool> done{false};
        std::thread thread([&] {
            try {
                container.run();
            } catch (const std::exception &e) {
                client.error = e.what();
            }
            done = true;
        });
        // Stop and join the client thread however the test ends.
        auto joiner = qScopeGuard([&] {
            container.stop();
            thread.join();
        });
        QTRY_VERIFY_WITH_TIMEOUT(done.load(), 20000);
        QVERIFY2(client.error.empty(), client.error.c_str());
        QCOMPARE(client.accepted.load(), 25);
        QCOMPARE(int(handler.received.size()), 25);
        QTRY_COMPARE(handler.closed, 1);
        QTRY_COMPARE(server.connectionCount(), 0);
    }

    void rawSaslExchangeWithMssbcbs()
    {
        AcceptingHandler handler;
        AmqpServer server(&handler);
        auto port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port.ok());

        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, *port);
        QVERIFY(socket.waitForConnected(5000));
        socket.write(SaslNegotiator::kSaslHeader.data(), 8);
        const std::string expected = std::string(SaslNegotiator::kSaslHeader) + SaslNegotiator::mechanismsFrame();
        QByteArray reply;
        QTRY_VERIFY_WITH_TIMEOUT((reply += socket.readAll()).size() >= qsizetype(expected.size()), 5000);
        QCOMPARE(reply.toStdString(), expected);

        // uamqp: sasl-init(MSSBCBS) without initial-response or hostname.
        const QByteArray init = QByteArray::fromHex("0000001702010000" "005341c00a01a3074d535342434253");
        QCOMPARE(init.size(), 0x17);
        socket.write(init);
        reply.clear();
        const std::string outcome = SaslNegotiator::outcomeFrame();
        QTRY_VERIFY_WITH_TIMEOUT((reply += socket.readAll()).size() >= qsizetype(outcome.size()), 5000);
        QCOMPARE(reply.toStdString(), outcome);

        // Then plain AMQP: the driver answers with its own protocol header (and an open after ours).
        socket.write(SaslNegotiator::kAmqpHeader.data(), 8);
        reply.clear();
        QTRY_VERIFY_WITH_TIMEOUT((reply += socket.readAll()).size() >= 8, 5000);
        QCOMPARE(reply.left(8).toStdString(), std::string(SaslNegotiator::kAmqpHeader));
    }

    void devCertificateIsCreatedOnceAndValidForLocalhost()
    {
        QTemporaryDir dir;
        auto first = busyard::emulator::DevCertificate::loadOrCreate(dir.path());
        QVERIFY2(first.ok(), first.ok() ? "" : first.error().message.c_str());
        QVERIFY(QFile::exists(first->caCertificatePath));
        QVERIFY(QFile::exists(first->keyPath));
        QCOMPARE(QFile::permissions(first->keyPath) & (QFileDevice::ReadOther | QFileDevice::ReadGroup),
                 QFileDevice::Permissions());
        const auto errors = QSslCertificate::verify({first->certificate, first->caCertificate}, QStringLiteral("localhost"));
        // The CA is not in the system store; everything else must verify.
        for (const QSslError &e : errors)
            QVERIFY2(e.error() == QSslError::UnableToGetLocalIssuerCertificate || e.error() == QSslError::SelfSignedCertificateInChain
                         || e.error() == QSslError::UnableToVerifyFirstCertificate,
                     qPrintable(e.errorString()));
        auto second = busyard::emulator::DevCertificate::loadOrCreate(dir.path());
        QVERIFY(second.ok());
        QCOMPARE(second->certificate, first->certificate); // reused, not re-issued
    }

    void amqpsSaslOverTls()
    {
        QTemporaryDir dir;
        auto certificate = busyard::emulator::DevCertificate::loadOrCreate(dir.path());
        QVERIFY(certificate.ok());
        AcceptingHandler handler;
        AmqpServer server(&handler);
        auto port = server.listenTls(QHostAddress::LocalHost, 0, certificate->sslConfiguration());
        QVERIFY(port.ok());

        QSslSocket socket;
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setCaCertificates({certificate->caCertificate}); // only our CA: verification must succeed
        socket.setSslConfiguration(config);
        socket.connectToHostEncrypted(QStringLiteral("localhost"), *port);
        // Server and client share this thread: wait with the event loop running.
        QTRY_VERIFY2_WITH_TIMEOUT(socket.isEncrypted(), qPrintable(socket.errorString()), 10000);
        socket.write(SaslNegotiator::kSaslHeader.data(), 8);
        const std::string expected = std::string(SaslNegotiator::kSaslHeader) + SaslNegotiator::mechanismsFrame();
        QByteArray reply;
        QTRY_VERIFY_WITH_TIMEOUT((reply += socket.readAll()).size() >= qsizetype(expected.size()), 5000);
        QCOMPARE(reply.toStdString(), expected);
    }

    void amqpOverSecureWebSocket()
    {
        QTemporaryDir dir;
        auto certificate = busyard::emulator::DevCertificate::loadOrCreate(dir.path());
        QVERIFY(certificate.ok());
        AcceptingHandler handler;
        AmqpServer server(&handler);
        auto port = server.listenWebSocket(QHostAddress::LocalHost, 0, certificate->sslConfiguration());
        QVERIFY(port.ok());

        QWebSocket socket;
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setCaCertificates({certificate->caCertificate});
        socket.setSslConfiguration(config);
        QByteArray reply;
        connect(&socket, &QWebSocket::binaryMessageReceived, this, [&](const QByteArray &m) { reply += m; });
        QWebSocketHandshakeOptions options;
        options.setSubprotocols({QStringLiteral("AMQPWSB10")});
        socket.open(QNetworkRequest(QUrl(QStringLiteral("wss://localhost:%1/$servicebus/websocket").arg(*port))), options);
        QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::ConnectedState, 10000);
        QCOMPARE(socket.subprotocol(), QStringLiteral("AMQPWSB10"));
        socket.sendBinaryMessage(QByteArray(SaslNegotiator::kSaslHeader.data(), 8));
        const std::string expected = std::string(SaslNegotiator::kSaslHeader) + SaslNegotiator::mechanismsFrame();
        QTRY_VERIFY_WITH_TIMEOUT(reply.size() >= qsizetype(expected.size()), 5000);
        QCOMPARE(reply.toStdString(), expected);
        QCOMPARE(server.connectionCount(), 1);
        socket.close();
        QTRY_COMPARE(server.connectionCount(), 0);
    }

    void refusesNonAmqpClient()
    {
        AcceptingHandler handler;
        AmqpServer server(&handler);
        auto port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port.ok());
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, *port);
        QVERIFY(socket.waitForConnected(5000));
        socket.write("GET / HTTP/1.1\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 5000);
        QTRY_COMPARE(server.connectionCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestAmqpServer)
#include "tst_amqpserver.moc"
