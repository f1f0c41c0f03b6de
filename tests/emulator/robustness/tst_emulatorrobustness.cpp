// Robustness of busyard-emulator on the wire: many connections and receiver links that hold locked
// messages and then vanish without an AMQP close. The emulator must keep serving and must give the
// locked messages back (lock expiry) to a fresh client.
//
// The test drives real processes: busyard-emulator (--in-memory --sample, free ports) and this
// executable again in a client role ("--hold": 500 connections x 10 peek-lock receivers holding
// messages; "--drain": a fresh client that sends one message and receives everything). Killing the
// "--hold" process with SIGKILL makes the kernel close its 500 sockets with no AMQP close or detach.
#include "core/auth/sastoken.h"
#include "core/clock.h"

#include <proton/connection.hpp>
#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/message.hpp>
#include <proton/message_id.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/receiver_options.hpp>
#include <proton/scalar.hpp>
#include <proton/sender.hpp>
#include <proton/sender_options.hpp>
#include <proton/source.hpp>
#include <proton/target.hpp>
#include <proton/target_options.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>
#include <proton/work_queue.hpp>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <set>
#include <string>
#include <sys/resource.h>

using namespace busyard;

namespace {

constexpr int kConnections = 500;
constexpr int kLinksPerConnection = 10;
constexpr int kLockedMessages = 300;
constexpr const char *kQueue = "robust";

/** Raises the soft open-file limit to the hard limit (children inherit it). */
void raiseFileLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

std::string sasToken(const std::string &audience)
{
    return core::createSasToken(audience, core::kDevelopmentKeyName, core::kDevelopmentKey,
                                core::SystemClock().now() + std::chrono::hours(1));
}

/**
 * Client role shared by "--hold" and "--drain": every connection authenticates on $cbs, then opens
 * its links. Results are printed on stdout as "KEY value" lines for the parent test.
 */
class ClientRole : public proton::messaging_handler
{
public:
    std::string url;
    int connections = 1;
    int linksPerConnection = 1;
    int sendCount = 0;
    /** --hold: wait until this many messages are delivered (and leave them locked), then idle. */
    int holdMessages = 0;
    /** --drain: receive and accept this many messages, then exit. */
    int drainMessages = 0;
    int timeLimitMs = 45000;
    int exitCode = 1;

    void on_container_start(proton::container &c) override
    {
        m_container = &c;
        proton::connection_options options;
        options.sasl_enabled(true).sasl_allowed_mechs("ANONYMOUS").idle_timeout(proton::duration(0));
        for (int i = 0; i < connections; ++i)
            c.connect(url, options);
        m_senderConnection = c.connect(url, options);
        m_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeLimitMs);
        watchdog();
    }

    void on_connection_open(proton::connection &c) override
    {
        c.open_sender("$cbs", proton::sender_options().name("cbs-" + std::to_string(m_nextCbs++)));
        c.open_receiver("$cbs", proton::receiver_options().name("cbs-reply").target(
                                    proton::target_options().address("cbs-reply")));
    }

    void on_sendable(proton::sender &s) override
    {
        if (s.target().address() == "$cbs") {
            if (!m_tokenSent.insert(s.name()).second)
                return; // one put-token per connection
            const std::string audience = std::string("sb://localhost/") + kQueue;
            proton::message m;
            m.id(proton::message_id("cbs-1"));
            m.reply_to("cbs-reply");
            m.to("$cbs");
            m.properties().put("operation", "put-token");
            m.properties().put("name", audience);
            m.properties().put("type", "servicebus.windows.net:sastoken");
            m.body(sasToken(audience));
            s.send(m);
            return;
        }
        if (s == m_sender)
            pump();
    }

    void on_message(proton::delivery &d, proton::message &m) override
    {
        if (d.receiver().source().address() == "$cbs") {
            const auto status = proton::coerce<std::int64_t>(m.properties().get("status-code"));
            if (status != 202) {
                std::printf("CBS_REFUSED %lld\n", static_cast<long long>(status));
                std::fflush(stdout);
                stop();
                return;
            }
            authorized(d.connection());
            return;
        }
        ++m_delivered;
        if (drainMessages > 0) {
            d.accept();
            if (m_delivered == drainMessages) {
                std::printf("RECEIVED %d\n", m_delivered);
                std::fflush(stdout);
                exitCode = 0;
                stop();
            }
        } else {
            // Peek-lock: never settle; the message stays locked by this link.
            reportIfHeld();
        }
    }

    void on_receiver_open(proton::receiver &r) override
    {
        if (r.source().address() == "$cbs")
            return;
        if (++m_attached == connections * linksPerConnection && m_senderReady)
            openSender();
    }

    void on_tracker_accept(proton::tracker &t) override
    {
        if (t.sender() != m_sender)
            return;
        ++m_accepted;
        if (drainMessages == 0)
            reportIfHeld();
        pump();
    }
    void on_tracker_reject(proton::tracker &) override { failed("send rejected"); }
    void on_receiver_error(proton::receiver &r) override { failed("receiver: " + r.error().what()); }
    void on_sender_error(proton::sender &s) override { failed("sender: " + s.error().what()); }
    void on_transport_error(proton::transport &t) override { failed("transport: " + t.error().what()); }

private:
    void authorized(proton::connection c)
    {
        if (c == m_senderConnection) {
            m_senderReady = true;
            if (m_attached == connections * linksPerConnection)
                openSender();
            return;
        }
        for (int i = 0; i < linksPerConnection; ++i)
            c.open_receiver(kQueue, proton::receiver_options().credit_window(2).auto_accept(false).delivery_mode(
                                        proton::delivery_mode::AT_LEAST_ONCE));
    }

    void openSender()
    {
        // Through the sender connection's work queue: actions on another connection than the one of
        // the current event are only written out once that connection wakes up.
        m_senderConnection.work_queue().add([this] {
            if (!m_sender)
                m_sender = m_senderConnection.open_sender(
                    kQueue, proton::sender_options().delivery_mode(proton::delivery_mode::AT_LEAST_ONCE));
        });
    }

    void pump()
    {
        while (m_sender.credit() > 0 && m_sent < sendCount) {
            proton::message m;
            m.id(proton::message_id("m-" + std::to_string(m_sent)));
            m.body(proton::binary(std::string(256, 'r')));
            m_sender.send(m);
            ++m_sent;
        }
    }

    void reportIfHeld()
    {
        if (!m_reported && m_accepted == sendCount && m_delivered == holdMessages) {
            m_reported = true;
            std::printf("ATTACHED %d\nLOCKED %d\n", m_attached, m_delivered);
            std::fflush(stdout);
            exitCode = 0; // keep running: the parent kills this process
        }
    }

    /** Time limit in 100 ms steps: container::stop() does not return run() while a long timer is pending. */
    void watchdog()
    {
        if (m_stopped)
            return;
        if (std::chrono::steady_clock::now() >= m_deadline) {
            std::printf("TIMEOUT attached=%d delivered=%d accepted=%d\n", m_attached, m_delivered, m_accepted);
            std::fflush(stdout);
            stop();
            return;
        }
        m_container->schedule(proton::duration(100), [this] { watchdog(); });
    }

    void stop()
    {
        m_stopped = true;
        m_container->stop();
    }

    void failed(const std::string &why)
    {
        std::printf("ERROR %s\n", why.c_str());
        std::fflush(stdout);
        stop();
    }

    proton::container *m_container = nullptr;
    proton::connection m_senderConnection;
    proton::sender m_sender;
    std::set<std::string> m_tokenSent;
    int m_nextCbs = 0;
    int m_attached = 0;
    int m_delivered = 0;
    int m_accepted = 0;
    int m_sent = 0;
    bool m_senderReady = false;
    bool m_reported = false;
    bool m_stopped = false;
    std::chrono::steady_clock::time_point m_deadline;
};

int runClientRole(int argc, char **argv)
{
    // argv: <exe> --hold|--drain <host:port> <count>
    if (argc < 4)
        return 2;
    raiseFileLimit();
    ClientRole role;
    role.url = argv[2];
    const int count = std::atoi(argv[3]);
    if (std::strcmp(argv[1], "--hold") == 0) {
        role.connections = kConnections;
        role.linksPerConnection = kLinksPerConnection;
        role.sendCount = count;
        role.holdMessages = count;
    } else {
        role.connections = 1;
        role.linksPerConnection = 1;
        role.sendCount = 1; // a fresh message, sent after the receiver attached
        role.drainMessages = count + 1;
        role.timeLimitMs = 30000;
    }
    try {
        proton::container container(role);
        container.run();
    } catch (const std::exception &e) {
        std::printf("ERROR %s\n", e.what());
        return 1;
    }
    return role.exitCode;
}

/** busyard-emulator on free loopback ports; killed by the destructor whatever happens. */
class EmulatorProcess
{
public:
    ~EmulatorProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    bool start(const QString &dataDir)
    {
        m_process.setProgram(QStringLiteral(BUSYARD_EMULATOR_PATH));
        m_process.setArguments({QStringLiteral("--in-memory"), QStringLiteral("--sample"), QStringLiteral("--data-dir"), dataDir,
                                QStringLiteral("--amqp-port"), QStringLiteral("0"), QStringLiteral("--amqps-port"),
                                QStringLiteral("-1"), QStringLiteral("--http-port"), QStringLiteral("0"),
                                QStringLiteral("--log-level"), QStringLiteral("warn")});
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start();
        if (!m_process.waitForStarted(10000))
            return false;
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 20000 && m_process.state() == QProcess::Running) {
            m_process.waitForReadyRead(200);
            m_output += m_process.readAllStandardOutput();
            if (m_output.contains("connection string:")) {
                const auto amqp = QRegularExpression(QStringLiteral("amqp://[^:]+:(\\d+)")).match(QString::fromUtf8(m_output));
                const auto http = QRegularExpression(QStringLiteral("http://[^:]+:(\\d+)")).match(QString::fromUtf8(m_output));
                amqpPort = amqp.captured(1).toInt();
                httpPort = http.captured(1).toInt();
                return amqpPort > 0 && httpPort > 0;
            }
        }
        return false;
    }

    bool running() const { return m_process.state() == QProcess::Running; }
    QByteArray errors() { return m_process.readAllStandardError(); }

    int amqpPort = 0;
    int httpPort = 0;

private:
    QProcess m_process;
    QByteArray m_output;
};

/** Runs this executable in a client role; killed by the destructor. */
class ClientProcess
{
public:
    ~ClientProcess()
    {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished(5000);
        }
    }
    void start(const QStringList &args)
    {
        process.setProgram(QCoreApplication::applicationFilePath());
        process.setArguments(args);
        process.start();
    }
    /** Waits (bounded) for a stdout line starting with `key`; returns its value, or "" on timeout/exit. */
    QString waitFor(const QByteArray &key, int timeoutMs)
    {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < timeoutMs) {
            while (process.canReadLine()) {
                const QByteArray line = process.readLine().trimmed();
                lines += line + '\n';
                if (line.startsWith(QByteArray(key).append(' ')))
                    return QString::fromUtf8(line.mid(key.size() + 1));
            }
            if (process.state() == QProcess::NotRunning && !process.canReadLine())
                return {};
            process.waitForReadyRead(200);
        }
        return {};
    }
    QProcess process;
    QByteArray lines;
};

/** PUT of an ATOM entry on the emulator's HTTP management, with a SAS Authorization header. */
int httpPut(int port, const QString &path, const QByteArray &body)
{
    QNetworkAccessManager manager;
    const QString url = QStringLiteral("http://127.0.0.1:%1/%2").arg(port).arg(path);
    QNetworkRequest request{QUrl(url)};
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/atom+xml;type=entry;charset=utf-8"));
    const std::string audience = "https://127.0.0.1:" + std::to_string(port) + "/" + path.toStdString();
    request.setRawHeader("Authorization", QByteArray::fromStdString(sasToken(audience)));
    QNetworkReply *reply = manager.put(request, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    loop.exec();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    reply->deleteLater();
    return status;
}

QByteArray queueEntry(const QByteArray &elements)
{
    return R"(<?xml version="1.0" encoding="utf-8"?><entry xmlns="http://www.w3.org/2005/Atom"><content type="application/xml">)"
           R"(<QueueDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">)"
        + elements + "</QueueDescription></content></entry>";
}

} // namespace

class TestEmulatorRobustness : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { raiseFileLimit(); }

    void abruptlyDroppedConnectionsReleaseTheirLocks()
    {
        rlimit limit{};
        QVERIFY(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
        if (limit.rlim_cur < rlim_t(kConnections + 200))
            QSKIP("the open-file limit is too low for 500 connections");

        QTemporaryDir dataDir;
        QVERIFY(dataDir.isValid());
        EmulatorProcess emulator;
        QVERIFY2(emulator.start(dataDir.path()), emulator.errors().constData());
        const QString url = QStringLiteral("127.0.0.1:%1").arg(emulator.amqpPort);

        // A queue with the shortest lock Service Bus allows, so expired locks come back quickly.
        QCOMPARE(httpPut(emulator.httpPort, QString::fromLatin1(kQueue),
                         queueEntry("<LockDuration>PT5S</LockDuration><MaxDeliveryCount>10</MaxDeliveryCount>")),
                 201);

        // 500 connections x 10 receivers with credit; 300 messages get delivered and stay locked.
        {
            ClientProcess hold;
            hold.start({QStringLiteral("--hold"), url, QString::number(kLockedMessages)});
            const QString locked = hold.waitFor("LOCKED", 50000);
            QVERIFY2(locked == QString::number(kLockedMessages), hold.lines.constData());
            QVERIFY(hold.lines.contains(QByteArray("ATTACHED ").append(QByteArray::number(kConnections * kLinksPerConnection))));
            // Abrupt drop: the kernel closes all sockets; no AMQP detach/end/close reaches the emulator.
            hold.process.kill();
            QVERIFY(hold.process.waitForFinished(10000));
        }
        QVERIFY2(emulator.running(), emulator.errors().constData());

        // A fresh client is served, and gets all 300 formerly locked messages back plus its own.
        QElapsedTimer sinceDrop;
        sinceDrop.start();
        ClientProcess drain;
        drain.start({QStringLiteral("--drain"), url, QString::number(kLockedMessages)});
        const QString received = drain.waitFor("RECEIVED", 35000);
        QVERIFY2(received == QString::number(kLockedMessages + 1), drain.lines.constData());
        QVERIFY(drain.process.waitForFinished(10000));
        QCOMPARE(drain.process.exitCode(), 0);
        // 5 s locks: everything is back well before twice the lock duration plus start-up slack.
        QVERIFY2(sinceDrop.elapsed() < 25000, qPrintable(QString::number(sinceDrop.elapsed())));
        qInfo("locked messages redelivered %lld ms after the drop", static_cast<long long>(sinceDrop.elapsed()));

        QVERIFY2(emulator.running(), emulator.errors().constData());
    }
};

int main(int argc, char **argv)
{
    if (argc > 1 && (std::strcmp(argv[1], "--hold") == 0 || std::strcmp(argv[1], "--drain") == 0))
        return runClientRole(argc, argv);
    QCoreApplication app(argc, argv);
    TestEmulatorRobustness test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_emulatorrobustness.moc"
