// NamespaceConnection against the real busyard-emulator executable, started per test on free loopback
// ports (--in-memory --sample: queue 'orders', session queue 'orders-sessions', topic 'events' with
// subscriptions 'all' and 'high-priority').
#include "core/client/clienterror.h"
#include "core/client/namespaceconnection.h"

#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QElapsedTimer>
#include <QTcpServer>
#include <QTest>

#include <memory>
#include <optional>

using namespace busyard;
using namespace std::chrono_literals;
using client::NamespaceConnection;
using client::ReceiveMode;
using core::ErrorCode;

namespace {

/** The emulator process; killed in the destructor whatever happened. */
class Emulator
{
public:
    ~Emulator() { stop(); }

    /** Starts on `port` (0 = any free port) and waits for its "ready" banner. */
    bool start(quint16 port = 0, bool secure = false)
    {
        m_process = std::make_unique<QProcess>();
        m_process->setProcessChannelMode(QProcess::SeparateChannels);
        m_process->setProgram(QStringLiteral(BUSYARD_EMULATOR_PATH));
        m_process->setArguments({QStringLiteral("--in-memory"), QStringLiteral("--sample"), QStringLiteral("--bind"),
                                 QStringLiteral("127.0.0.1"), QStringLiteral("--amqp-port"), QString::number(port),
                                 QStringLiteral("--amqps-port"), secure ? QStringLiteral("0") : QStringLiteral("-1"),
                                 QStringLiteral("--ws-port"), secure ? QStringLiteral("0") : QStringLiteral("-1"),
                                 // Every port explicit: the defaults (5300, 5671) may be taken by a
                                 // test running in parallel.
                                 QStringLiteral("--http-port"), QStringLiteral("-1"), QStringLiteral("--https-port"),
                                 QStringLiteral("-1"), QStringLiteral("--log-level"), QStringLiteral("warn"), QStringLiteral("--data-dir"),
                                 m_dataDir.path()});
        m_process->start();
        if (!m_process->waitForStarted(10000))
            return false;
        QByteArray out;
        static const QRegularExpression amqp(QStringLiteral("amqp:\\s+amqp://[^:]+:(\\d+)"));
        for (int i = 0; i < 200 && !out.contains("connection string:"); ++i) {
            if (!m_process->waitForReadyRead(100) && m_process->state() != QProcess::Running)
                return false;
            out += m_process->readAllStandardOutput();
        }
        const auto match = amqp.match(QString::fromUtf8(out));
        if (!match.hasMatch())
            return false;
        m_port = quint16(match.captured(1).toUInt());
        static const QRegularExpression amqps(QStringLiteral("amqps:\\s+amqps://[^:]+:(\\d+) \\(CA certificate: ([^)]+)\\)"));
        static const QRegularExpression wss(QStringLiteral("wss:\\s+wss://[^:]+:(\\d+)"));
        if (const auto m = amqps.match(QString::fromUtf8(out)); m.hasMatch()) {
            m_tlsPort = quint16(m.captured(1).toUInt());
            m_caPath = m.captured(2);
        }
        if (const auto m = wss.match(QString::fromUtf8(out)); m.hasMatch())
            m_webSocketPort = quint16(m.captured(1).toUInt());
        return !secure || (m_tlsPort != 0 && m_webSocketPort != 0);
    }

    void stop()
    {
        if (!m_process)
            return;
        m_process->kill();
        m_process->waitForFinished(5000);
        m_process.reset();
    }

    quint16 port() const { return m_port; }
    quint16 tlsPort() const { return m_tlsPort; }
    quint16 webSocketPort() const { return m_webSocketPort; }
    const QString &caPath() const { return m_caPath; }

    std::string connectionString(const char *key = "SAS_KEY_VALUE") const
    {
        return "Endpoint=sb://localhost:" + std::to_string(m_port)
               + ";SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + key + ";UseDevelopmentEmulator=true";
    }

private:
    std::unique_ptr<QProcess> m_process;
    QTemporaryDir m_dataDir;
    quint16 m_port = 0;
    quint16 m_tlsPort = 0;
    quint16 m_webSocketPort = 0;
    QString m_caPath;
};

core::Message textMessage(const std::string &body, const std::string &id = {})
{
    core::Message m;
    m.body = body;
    if (!id.empty())
        m.messageId = core::Value::string(id);
    m.applicationProperties.set("kind", core::Value::string("test"));
    m.subject = "label-" + body;
    return m;
}

} // namespace

class TestNamespaceConnection : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Emulator> m_emulator;
    std::unique_ptr<NamespaceConnection> m_connection;

    /** Calls `start` with a callback and waits for the result (the callback runs on this thread). */
    template<typename T, typename Start>
    core::Result<T> await(Start start, int timeoutMs = 30000)
    {
        auto result = std::make_shared<std::optional<core::Result<T>>>();
        start([result](core::Result<T> r) { result->emplace(std::move(r)); });
        if (!QTest::qWaitFor([&] { return result->has_value(); }, timeoutMs))
            return core::Error{ErrorCode::Internal, "test: no callback within the time limit"};
        return std::move(**result);
    }

    NamespaceConnection &connection() { return *m_connection; }

    /** A second connection to the emulator with 3 s tokens put again `refreshMargin` before expiry. */
    std::unique_ptr<NamespaceConnection> shortTokenConnection(std::chrono::milliseconds refreshMargin)
    {
        client::ConnectionOptions options;
        options.operationTimeout = 10s;
        options.tokenLifetime = 3s;
        options.tokenRefreshMargin = refreshMargin;
        auto created = NamespaceConnection::create(m_emulator->connectionString(), options);
        return created.ok() ? std::move(created.value()) : nullptr;
    }

    std::vector<core::Message> receive(const std::string &entity, ReceiveMode mode, int count,
                                       std::chrono::milliseconds wait = 2s)
    {
        auto r = await<std::vector<core::Message>>(
            [&](auto cb) { connection().receive(entity, mode, count, wait, this, std::move(cb)); });
        if (!r)
            qWarning("receive failed: %s", r.error().message.c_str());
        return r ? r.value() : std::vector<core::Message>{};
    }

    std::vector<core::Message> peek(const std::string &entity, std::int64_t from = 1, int count = 100,
                                    std::optional<std::string> session = std::nullopt)
    {
        auto r = await<std::vector<core::Message>>(
            [&](auto cb) { connection().peek(entity, from, count, this, std::move(cb), session); });
        if (!r)
            qWarning("peek failed: %s", r.error().message.c_str());
        return r ? r.value() : std::vector<core::Message>{};
    }

    core::Result<void> send(const std::string &entity, core::Message m)
    {
        return await<void>([&](auto cb) { connection().send(entity, std::move(m), this, std::move(cb)); });
    }

private Q_SLOTS:
    void init()
    {
        m_emulator = std::make_unique<Emulator>();
        QVERIFY2(m_emulator->start(), "busyard-emulator did not start");
        client::ConnectionOptions options;
        options.operationTimeout = 10s;
        auto created = NamespaceConnection::create(m_emulator->connectionString(), options);
        QVERIFY(created.ok());
        m_connection = std::move(created.value());
    }

    void cleanup()
    {
        m_connection.reset();
        m_emulator.reset(); // kills the process even when the test failed
    }

    void malformedConnectionString_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << QString();
        QTest::newRow("no endpoint") << QStringLiteral("SharedAccessKeyName=a;SharedAccessKey=b");
        QTest::newRow("no credentials") << QStringLiteral("Endpoint=sb://localhost/");
        QTest::newRow("garbage") << QStringLiteral("this is not a connection string");
    }

    void malformedConnectionString()
    {
        QFETCH(QString, text);
        auto created = NamespaceConnection::create(text.toStdString());
        QVERIFY(!created.ok());
        QCOMPARE(created.error().code, ErrorCode::InvalidArgument);
    }

    void sendPeekReceiveComplete()
    {
        for (const char *body : {"one", "two", "three"})
            QVERIFY(send("orders", textMessage(body, std::string("id-") + body)).ok());

        const auto peeked = peek("orders");
        QCOMPARE(peeked.size(), std::size_t(3));
        QCOMPARE(peeked[0].body, std::string("one"));
        QCOMPARE(peeked[2].body, std::string("three"));
        QVERIFY(peeked[0].sequenceNumber > 0);
        QVERIFY(peeked[1].sequenceNumber > peeked[0].sequenceNumber);
        QCOMPARE(peeked[0].messageIdString(), std::string("id-one"));
        QCOMPARE(peeked[0].subject, std::optional<std::string>("label-one"));
        QVERIFY(peeked[0].applicationProperties.find("kind") != nullptr);
        // Peek from a sequence number skips the earlier ones.
        const auto later = peek("orders", peeked[1].sequenceNumber);
        QCOMPARE(later.size(), std::size_t(2));
        QCOMPARE(later[0].body, std::string("two"));

        auto received = receive("orders", ReceiveMode::PeekLock, 3);
        QCOMPARE(received.size(), std::size_t(3));
        for (const auto &m : received) {
            QVERIFY(!m.lockToken.isNull());
            auto done = await<void>([&](auto cb) { connection().complete("orders", m.lockToken, this, std::move(cb)); });
            QVERIFY2(done.ok(), done.ok() ? "" : done.error().message.c_str());
        }
        QVERIFY(peek("orders").empty());
        // Completing twice: the lock is gone.
        auto again = await<void>([&](auto cb) { connection().complete("orders", received[0].lockToken, this, std::move(cb)); });
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, ErrorCode::MessageLockLost);
    }
    void receiveAndDelete()
    {
        QVERIFY(send("orders", textMessage("gone")).ok());
        const auto received = receive("orders", ReceiveMode::ReceiveAndDelete, 5);
        QCOMPARE(received.size(), std::size_t(1));
        QCOMPARE(received[0].body, std::string("gone"));
        QVERIFY(peek("orders").empty());
    }

    void receiveReturnsEarlyWhenEmpty()
    {
        // Nothing to receive: the call returns an empty list after maxWait, not an error.
        QElapsedTimer timer;
        timer.start();
        const auto received = receive("orders", ReceiveMode::PeekLock, 10, 300ms);
        QVERIFY(received.empty());
        QVERIFY(timer.elapsed() < 5000);
    }

    void abandonIncrementsDeliveryCount()
    {
        QVERIFY(send("orders", textMessage("again")).ok());
        auto first = receive("orders", ReceiveMode::PeekLock, 1);
        QCOMPARE(first.size(), std::size_t(1));
        QCOMPARE(first[0].deliveryCount, 0u);
        core::PropertyMap changes;
        changes.set("retried", core::Value::boolean(true));
        auto abandoned = await<void>(
            [&](auto cb) { connection().abandon("orders", first[0].lockToken, changes, this, std::move(cb)); });
        QVERIFY2(abandoned.ok(), abandoned.ok() ? "" : abandoned.error().message.c_str());
        auto second = receive("orders", ReceiveMode::PeekLock, 1);
        QCOMPARE(second.size(), std::size_t(1));
        QCOMPARE(second[0].deliveryCount, 1u);
        QVERIFY(second[0].applicationProperties.find("retried") != nullptr);
        QVERIFY(second[0].lockToken != first[0].lockToken);
    }

    void deadLetter()
    {
        QVERIFY(send("orders", textMessage("poison")).ok());
        auto received = receive("orders", ReceiveMode::PeekLock, 1);
        QCOMPARE(received.size(), std::size_t(1));
        auto dead = await<void>([&](auto cb) {
            connection().deadLetter("orders", received[0].lockToken, std::string("BadFormat"),
                                    std::string("cannot parse"), this, std::move(cb));
        });
        QVERIFY2(dead.ok(), dead.ok() ? "" : dead.error().message.c_str());
        QVERIFY(peek("orders").empty());
        const auto dlq = receive("orders/$DeadLetterQueue", ReceiveMode::ReceiveAndDelete, 1);
        QCOMPARE(dlq.size(), std::size_t(1));
        QCOMPARE(dlq[0].body, std::string("poison"));
        const core::Value *reason = dlq[0].applicationProperties.find(core::kDeadLetterReasonProperty);
        QVERIFY(reason);
        QCOMPARE(reason->bytes(), std::string("BadFormat"));
    }

    void deferAndReceiveDeferred()
    {
        QVERIFY(send("orders", textMessage("later")).ok());
        auto received = receive("orders", ReceiveMode::PeekLock, 1);
        QCOMPARE(received.size(), std::size_t(1));
        const std::int64_t seq = received[0].sequenceNumber;
        auto deferred = await<void>([&](auto cb) { connection().defer("orders", received[0].lockToken, this, std::move(cb)); });
        QVERIFY2(deferred.ok(), deferred.ok() ? "" : deferred.error().message.c_str());
        const auto peeked = peek("orders");
        QCOMPARE(peeked.size(), std::size_t(1));
        QCOMPARE(peeked[0].state, core::MessageState::Deferred);
        // A deferred message is not received normally.
        QVERIFY(receive("orders", ReceiveMode::PeekLock, 1, 300ms).empty());

        auto back = await<std::vector<core::Message>>([&](auto cb) {
            connection().receiveDeferred("orders", {seq}, ReceiveMode::PeekLock, this, std::move(cb));
        });
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
        QCOMPARE(back->size(), std::size_t(1));
        QCOMPARE(back->front().body, std::string("later"));
        QVERIFY(!back->front().lockToken.isNull());
        // Received through $management: settled through $management as well.
        auto done = await<void>([&](auto cb) { connection().complete("orders", back->front().lockToken, this, std::move(cb)); });
        QVERIFY2(done.ok(), done.ok() ? "" : done.error().message.c_str());
        QVERIFY(peek("orders").empty());

        auto missing = await<std::vector<core::Message>>([&](auto cb) {
            connection().receiveDeferred("orders", {seq}, ReceiveMode::PeekLock, this, std::move(cb));
        });
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::MessageNotFound);
    }

    void renewLock()
    {
        QVERIFY(send("orders", textMessage("slow")).ok());
        auto received = receive("orders", ReceiveMode::PeekLock, 1);
        QCOMPARE(received.size(), std::size_t(1));
        auto until = await<core::TimePoint>(
            [&](auto cb) { connection().renewLock("orders", received[0].lockToken, this, std::move(cb)); });
        QVERIFY2(until.ok(), until.ok() ? "" : until.error().message.c_str());
        QVERIFY(*until >= received[0].lockedUntil);
        QVERIFY(*until > std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now()));

        auto lost = await<core::TimePoint>(
            [&](auto cb) { connection().renewLock("orders", core::Uuid::generate(), this, std::move(cb)); });
        QVERIFY(!lost.ok());
        QCOMPARE(lost.error().code, ErrorCode::MessageLockLost);
        QCOMPARE(client::errorCondition(lost.error()), std::string("com.microsoft:message-lock-lost"));
    }

    void sendBatch()
    {
        std::vector<core::Message> batch;
        for (int i = 0; i < 5; ++i)
            batch.push_back(textMessage("b" + std::to_string(i)));
        auto sent = await<void>([&](auto cb) { connection().sendBatch("orders", batch, this, std::move(cb)); });
        QVERIFY2(sent.ok(), sent.ok() ? "" : sent.error().message.c_str());
        const auto received = receive("orders", ReceiveMode::ReceiveAndDelete, 5);
        QCOMPARE(received.size(), std::size_t(5));
        for (int i = 0; i < 5; ++i)
            QCOMPARE(received[std::size_t(i)].body, "b" + std::to_string(i));
    }

    void sendToTopicReachesSubscriptions()
    {
        core::Message m = textMessage("event");
        m.applicationProperties.set("priority", core::Value::string("high"));
        QVERIFY(send("events", m).ok());
        QVERIFY(send("events", textMessage("normal")).ok());
        QCOMPARE(peek("events/Subscriptions/all").size(), std::size_t(2));
        const auto high = peek("events/Subscriptions/high-priority");
        QCOMPARE(high.size(), std::size_t(1));
        QCOMPARE(high[0].body, std::string("event"));
    }

    void scheduleAndCancel()
    {
        const auto at = std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now()) + 1h;
        auto numbers = await<std::vector<std::int64_t>>([&](auto cb) {
            connection().schedule("orders", {textMessage("s1"), textMessage("s2")}, at, this, std::move(cb));
        });
        QVERIFY2(numbers.ok(), numbers.ok() ? "" : numbers.error().message.c_str());
        QCOMPARE(numbers->size(), std::size_t(2));
        auto peeked = peek("orders");
        QCOMPARE(peeked.size(), std::size_t(2));
        QCOMPARE(peeked[0].state, core::MessageState::Scheduled);
        QVERIFY(peeked[0].scheduledEnqueueTime.has_value());
        // Scheduled messages are not received before their time.
        QVERIFY(receive("orders", ReceiveMode::ReceiveAndDelete, 1, 300ms).empty());

        auto cancelled = await<void>(
            [&](auto cb) { connection().cancelScheduled("orders", {numbers->front()}, this, std::move(cb)); });
        QVERIFY2(cancelled.ok(), cancelled.ok() ? "" : cancelled.error().message.c_str());
        peeked = peek("orders");
        QCOMPARE(peeked.size(), std::size_t(1));
        QCOMPARE(peeked[0].sequenceNumber, numbers->back());
    }

    void sessions()
    {
        for (const char *session : {"alpha", "beta"}) {
            for (int i = 0; i < 2; ++i) {
                core::Message m = textMessage(std::string(session) + std::to_string(i));
                m.sessionId = session;
                QVERIFY(send("orders-sessions", m).ok());
            }
        }
        auto page = await<client::SessionPage>(
            [&](auto cb) { connection().listSessions("orders-sessions", 0, 100, this, std::move(cb)); });
        QVERIFY2(page.ok(), page.ok() ? "" : page.error().message.c_str());
        QCOMPARE(page->sessionIds.size(), std::size_t(2));

        // Peek one session only.
        const auto betaPeek = peek("orders-sessions", 1, 10, std::string("beta"));
        QCOMPARE(betaPeek.size(), std::size_t(2));
        QCOMPARE(betaPeek[0].sessionId, std::optional<std::string>("beta"));

        auto accepted = await<client::SessionInfo>([&](auto cb) {
            connection().acceptSession("orders-sessions", std::string("alpha"), ReceiveMode::PeekLock, this, std::move(cb));
        });
        QVERIFY2(accepted.ok(), accepted.ok() ? "" : accepted.error().message.c_str());
        QCOMPARE(accepted->sessionId, std::string("alpha"));
        QVERIFY(accepted->lockedUntil > std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now()));

        auto messages = await<std::vector<core::Message>>([&](auto cb) {
            connection().receiveFromSession("orders-sessions", "alpha", 5, 1s, this, std::move(cb));
        });
        QVERIFY2(messages.ok(), messages.ok() ? "" : messages.error().message.c_str());
        QCOMPARE(messages->size(), std::size_t(2));
        for (const auto &m : *messages) {
            QCOMPARE(m.sessionId, std::optional<std::string>("alpha"));
            auto done = await<void>(
                [&](auto cb) { connection().complete("orders-sessions", m.lockToken, this, std::move(cb)); });
            QVERIFY2(done.ok(), done.ok() ? "" : done.error().message.c_str());
        }

        auto set = await<void>([&](auto cb) {
            connection().setSessionState("orders-sessions", "alpha", std::string("step-2"), this, std::move(cb));
        });
        QVERIFY2(set.ok(), set.ok() ? "" : set.error().message.c_str());
        auto state = await<std::optional<std::string>>(
            [&](auto cb) { connection().getSessionState("orders-sessions", "alpha", this, std::move(cb)); });
        QVERIFY2(state.ok(), state.ok() ? "" : state.error().message.c_str());
        QCOMPARE(*state, std::optional<std::string>("step-2"));
        auto renewed = await<core::TimePoint>(
            [&](auto cb) { connection().renewSessionLock("orders-sessions", "alpha", this, std::move(cb)); });
        QVERIFY2(renewed.ok(), renewed.ok() ? "" : renewed.error().message.c_str());
        QVERIFY(*renewed >= accepted->lockedUntil);

        // A second receiver cannot lock the same session.
        auto other = NamespaceConnection::create(m_emulator->connectionString());
        QVERIFY(other.ok());
        auto refused = await<client::SessionInfo>([&](auto cb) {
            other.value()->acceptSession("orders-sessions", std::string("alpha"), ReceiveMode::PeekLock, this, std::move(cb));
        });
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, ErrorCode::SessionCannotBeLocked);

        auto closed = await<void>([&](auto cb) { connection().closeSession("orders-sessions", "alpha", this, std::move(cb)); });
        QVERIFY(closed.ok());
        auto gone = await<std::vector<core::Message>>([&](auto cb) {
            connection().receiveFromSession("orders-sessions", "alpha", 1, 100ms, this, std::move(cb));
        });
        QVERIFY(!gone.ok());
        QCOMPARE(gone.error().code, ErrorCode::SessionLockLost);

        // Next available session: only beta has messages.
        auto next = await<client::SessionInfo>([&](auto cb) {
            connection().acceptSession("orders-sessions", std::nullopt, ReceiveMode::ReceiveAndDelete, this, std::move(cb));
        });
        QVERIFY2(next.ok(), next.ok() ? "" : next.error().message.c_str());
        QCOMPARE(next->sessionId, std::string("beta"));
        auto beta = await<std::vector<core::Message>>([&](auto cb) {
            connection().receiveFromSession("orders-sessions", "beta", 5, 1s, this, std::move(cb));
        });
        QVERIFY(beta.ok());
        QCOMPARE(beta->size(), std::size_t(2));
    }

    void entityNotFound()
    {
        auto sent = send("no-such-queue", textMessage("x"));
        QVERIFY(!sent.ok());
        QCOMPARE(sent.error().code, ErrorCode::EntityNotFound);
        QCOMPARE(client::errorCondition(sent.error()), std::string("amqp:not-found"));
        auto peeked = await<std::vector<core::Message>>(
            [&](auto cb) { connection().peek("no-such-queue", 1, 1, this, std::move(cb)); });
        QVERIFY(!peeked.ok());
        QCOMPARE(peeked.error().code, ErrorCode::EntityNotFound);
        // The connection is still usable.
        QVERIFY(send("orders", textMessage("fine")).ok());
    }

    void wrongKeyRefused()
    {
        auto wrong = NamespaceConnection::create(m_emulator->connectionString("not-the-key"));
        QVERIFY(wrong.ok());
        auto sent = await<void>([&](auto cb) { wrong.value()->send("orders", textMessage("x"), this, std::move(cb)); });
        QVERIFY(!sent.ok());
        QCOMPARE(sent.error().code, ErrorCode::Unauthorized);
        QVERIFY(peek("orders").empty());
    }

    void unreachableBrokerFailsFast()
    {
        // Nothing listens on this port any more: the connect fails at once, with a clear error.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 port = probe.serverPort();
        probe.close();
        auto conn = NamespaceConnection::create("Endpoint=sb://localhost:" + std::to_string(port)
                                                + ";SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true");
        QVERIFY(conn.ok());
        auto sent = await<void>([&](auto cb) { conn.value()->send("orders", textMessage("x"), this, std::move(cb)); });
        QVERIFY(!sent.ok());
        QCOMPARE(client::errorCondition(sent.error()), std::string(client::kConditionConnectFailed));
    }

    void silentBrokerTimesOut()
    {
        // A server that accepts the TCP connection and never answers: the operation fails at its deadline.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        client::ConnectionOptions options;
        options.operationTimeout = 500ms;
        auto conn = NamespaceConnection::create("Endpoint=sb://localhost:" + std::to_string(silent.serverPort())
                                                    + ";SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true",
                                                options);
        QVERIFY(conn.ok());
        QElapsedTimer timer;
        timer.start();
        auto sent = await<void>([&](auto cb) { conn.value()->send("orders", textMessage("x"), this, std::move(cb)); }, 10000);
        QVERIFY(!sent.ok());
        QCOMPARE(sent.error().code, ErrorCode::Timeout);
        QVERIFY(timer.elapsed() < 5000);
    }

    void brokerRestart()
    {
        QSignalSpy lost(m_connection.get(), &NamespaceConnection::connectionLost);
        QVERIFY(send("orders", textMessage("before")).ok());
        QCOMPARE(receive("orders", ReceiveMode::ReceiveAndDelete, 1).size(), std::size_t(1));

        // An operation in flight (a long receive) when the broker dies fails promptly and clearly.
        auto pending = std::make_shared<std::optional<core::Result<std::vector<core::Message>>>>();
        connection().receive("orders", ReceiveMode::PeekLock, 1, 30s, this,
                             [pending](core::Result<std::vector<core::Message>> r) { pending->emplace(std::move(r)); });
        const quint16 port = m_emulator->port();
        m_emulator->stop();
        QTRY_VERIFY_WITH_TIMEOUT(pending->has_value(), 10000);
        QVERIFY(!pending->value().ok());
        QCOMPARE(pending->value().error().code, ErrorCode::ServerBusy);
        QCOMPARE(client::errorCondition(pending->value().error()), std::string(client::kConditionConnectionLost));
        QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, 5000);

        // While it is down, calls fail (connect refused) instead of hanging.
        auto down = send("orders", textMessage("lost"));
        QVERIFY(!down.ok());

        // Same port again: the next call reconnects (after the back-off) and succeeds.
        QVERIFY(m_emulator->start(port));
        QCOMPARE(m_emulator->port(), port);
        auto after = send("orders", textMessage("after"));
        QVERIFY2(after.ok(), after.ok() ? "" : after.error().message.c_str());
        const auto peeked = peek("orders");
        QCOMPARE(peeked.size(), std::size_t(1)); // --in-memory: the new broker starts empty
        QCOMPARE(peeked[0].body, std::string("after"));
    }

    void tlsAndWebSockets()
    {
        Emulator secure;
        QVERIFY2(secure.start(0, true), "busyard-emulator with TLS did not start");
        const auto ca = QSslCertificate::fromPath(secure.caPath());
        QVERIFY(!ca.isEmpty());
        // Without UseDevelopmentEmulator the client speaks TLS (Qt's QSslSocket), here on the emulator's port.
        const std::string cs = "Endpoint=sb://localhost:" + std::to_string(secure.tlsPort())
                               + ";SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE";
        client::ConnectionOptions options;
        options.operationTimeout = 10s;
        options.caCertificates = ca;
        auto tls = NamespaceConnection::create(cs, options);
        QVERIFY(tls.ok());
        auto sent = await<void>([&](auto cb) { tls.value()->send("orders", textMessage("over tls"), this, std::move(cb)); });
        QVERIFY2(sent.ok(), sent.ok() ? "" : sent.error().message.c_str());

        // AMQP over WebSockets (wss, subprotocol AMQPWSB10) on the same broker.
        options.transport = client::Transport::AmqpWebSockets;
        options.webSocketPort = secure.webSocketPort();
        auto ws = NamespaceConnection::create(cs, options);
        QVERIFY(ws.ok());
        auto received = await<std::vector<core::Message>>([&](auto cb) {
            ws.value()->receive("orders", ReceiveMode::ReceiveAndDelete, 1, 2s, this, std::move(cb));
        });
        QVERIFY2(received.ok(), received.ok() ? "" : received.error().message.c_str());
        QCOMPARE(received->size(), std::size_t(1));
        QCOMPARE(received->front().body, std::string("over tls"));

        // An untrusted certificate is refused.
        client::ConnectionOptions untrusted;
        untrusted.operationTimeout = 10s;
        auto refused = NamespaceConnection::create(cs, untrusted);
        QVERIFY(refused.ok());
        auto failed = await<void>([&](auto cb) { refused.value()->send("orders", textMessage("x"), this, std::move(cb)); });
        QVERIFY(!failed.ok());
        QCOMPARE(client::errorCondition(failed.error()), std::string(client::kConditionConnectFailed));
    }

    void idleLinksAreClosed()
    {
        client::ConnectionOptions options;
        options.linkIdleTimeout = 200ms;
        auto conn = NamespaceConnection::create(m_emulator->connectionString(), options);
        QVERIFY(conn.ok());
        QSignalSpy lost(conn.value().get(), &NamespaceConnection::connectionLost);
        auto sent = await<void>([&](auto cb) { conn.value()->send("orders", textMessage("x"), this, std::move(cb)); });
        QVERIFY(sent.ok());
        auto links = [&] {
            auto s = await<client::ConnectionStatus>([&](auto cb) { conn.value()->status(this, std::move(cb)); });
            return s.ok() ? s->links : -1;
        };
        QCOMPARE(links(), 2); // $cbs request/response pair + the sender
        // After the idle time the sender is detached ($cbs stays); using it again attaches a new one.
        QTRY_COMPARE_WITH_TIMEOUT(links(), 1, 5000);
        sent = await<void>([&](auto cb) { conn.value()->send("orders", textMessage("y"), this, std::move(cb)); });
        QVERIFY2(sent.ok(), sent.ok() ? "" : sent.error().message.c_str());
        QCOMPARE(peek("orders").size(), std::size_t(2));
        QCOMPARE(lost.count(), 0);
    }

    void tokenRefreshedBeforeExpiry()
    {
        // 3 s tokens (se= in whole seconds: they really last 2-3 s), put again 2 s before expiry.
        auto conn = shortTokenConnection(2s);
        QSignalSpy lost(conn.get(), &NamespaceConnection::connectionLost);
        QSignalSpy connected(conn.get(), &NamespaceConnection::connected);
        // A receiver attached now stays open, waiting, for the whole test.
        auto pending = std::make_shared<std::optional<core::Result<std::vector<core::Message>>>>();
        conn->receive("events/Subscriptions/all", ReceiveMode::ReceiveAndDelete, 1, 40s, this,
                      [pending](core::Result<std::vector<core::Message>> r) { pending->emplace(std::move(r)); });
        // Send and peek over one entity about once a second for more than 3 token lifetimes.
        QElapsedTimer timer;
        timer.start();
        int sent = 0;
        while (timer.elapsed() < 10500 && sent < 30) {
            auto s = await<void>([&](auto cb) { conn->send("orders", textMessage("m" + std::to_string(sent)), this, std::move(cb)); });
            QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
            ++sent;
            auto p = await<std::vector<core::Message>>([&](auto cb) { conn->peek("orders", 1, 100, this, std::move(cb)); });
            QVERIFY2(p.ok(), p.ok() ? "" : p.error().message.c_str());
            QCOMPARE(p->size(), std::size_t(sent));
            QVERIFY2(!pending->has_value(), "the receiver attached at the start was detached");
            QTest::qWait(1000);
        }
        QVERIFY(sent >= 8);
        // The receiver attached at the start still receives, over its original link.
        auto s = await<void>([&](auto cb) { conn->send("events", textMessage("late"), this, std::move(cb)); });
        QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
        QTRY_VERIFY_WITH_TIMEOUT(pending->has_value(), 10000);
        QVERIFY2(pending->value().ok(), pending->value().ok() ? "" : pending->value().error().message.c_str());
        QCOMPARE(pending->value()->size(), std::size_t(1));
        QCOMPARE(pending->value()->front().body, std::string("late"));
        QCOMPARE(lost.count(), 0);
        QCOMPARE(connected.count(), 1);
    }

    void tokenLapsesWithoutRefresh()
    {
        // Negative control of tokenRefreshedBeforeExpiry: refresh disabled (margin 0).
        auto conn = shortTokenConnection(0ms);
        QSignalSpy lost(conn.get(), &NamespaceConnection::connectionLost);
        auto pending = std::make_shared<std::optional<core::Result<std::vector<core::Message>>>>();
        conn->receive("events/Subscriptions/all", ReceiveMode::ReceiveAndDelete, 1, 40s, this,
                      [pending](core::Result<std::vector<core::Message>> r) { pending->emplace(std::move(r)); });
        auto s = await<void>([&](auto cb) { conn->send("orders", textMessage("early"), this, std::move(cb)); });
        QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
        QElapsedTimer timer;
        timer.start();
        // The broker detaches the receiver when its token expires (within 3 s).
        QTRY_VERIFY_WITH_TIMEOUT(pending->has_value(), 8000);
        QVERIFY(!pending->value().ok());
        QCOMPARE(pending->value().error().code, ErrorCode::Unauthorized);
        QCOMPARE(client::errorCondition(pending->value().error()), std::string("amqp:unauthorized-access"));
        QVERIFY(timer.elapsed() >= 500); // at expiry, not at attach
        QCOMPARE(lost.count(), 0);        // links are detached, the connection stays
        // The lapsed tokens are not reused: the next operation puts a new one and attaches new links.
        // ('orders' got its token a moment later: it may lapse up to 1 s after the receiver's.)
        QTest::qWait(1500);
        s = await<void>([&](auto cb) { conn->send("orders", textMessage("after"), this, std::move(cb)); });
        QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
        QCOMPARE(peek("orders").size(), std::size_t(2));
    }

};

QTEST_GUILESS_MAIN(TestNamespaceConnection)
#include "tst_namespaceconnection.moc"
