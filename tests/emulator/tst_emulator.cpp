// Emulator / EmulatorHost: listeners from options, the emulator thread, durability across restarts.
#include "emulator/emulator.h"

#include "core/broker/engine.h"

#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace busyard;
using namespace busyard::emulator;

class TestEmulator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startsListenersFromOptions()
    {
        QTemporaryDir dir;
        EmulatorOptions options;
        options.amqpPort = 0;
        options.amqpsPort = 0;
        options.httpPort = 0;
        options.httpsPort = 0;
        options.dataDir = dir.path();
        options.sample = true;
        auto started = Emulator::start(options);
        QVERIFY2(started.ok(), started.ok() ? "" : started.error().message.c_str());
        const EmulatorEndpoints &e = (*started)->endpoints();
        QVERIFY(e.amqpPort && e.amqpsPort && e.httpPort && e.httpsPort);
        QVERIFY(!e.webSocketPort);
        QVERIFY(QFile::exists(e.caCertificatePath));
        QVERIFY(QString::fromStdString(e.developmentConnectionString())
                    .startsWith(QStringLiteral("Endpoint=sb://localhost:%1;").arg(*e.amqpPort)));
        QVERIFY((*started)->engine().getQueue("orders").ok());
        QVERIFY((*started)->engine().getSubscription("events", "high-priority").ok());

        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, *e.httpPort);
        QTRY_COMPARE(socket.state(), QAbstractSocket::ConnectedState);
        socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
        QByteArray reply;
        QTRY_VERIFY((reply += socket.readAll()).contains("healthy"));
        QVERIFY(reply.startsWith("HTTP/1.1 200"));
    }

    void loadsMicrosoftConfigFile()
    {
        EmulatorOptions options;
        options.amqpPort = 0;
        options.configFile = QStringLiteral(BUSYARD_SOURCE_DIR "/tests/core/config/data/microsoft-sample.json");
        auto started = Emulator::start(options);
        QVERIFY2(started.ok(), started.ok() ? "" : started.error().message.c_str());
        core::broker::Engine &engine = (*started)->engine();
        QCOMPARE(engine.getQueue("queue.1")->maxDeliveryCount, 3);
        QVERIFY(engine.getSubscription("topic.1", "subscription.4").ok());
        QCOMPARE(engine.listRules("topic.1", "subscription.4")->front().name, std::string("sql-filter-1"));
    }

    void reportsConfigProblemsWithTheirPath()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("Config.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"UserConfig": {"Namespaces": [{"Name": "sbemulatorns", "Queues": [{"Name": "q", "Properties": {"LockDuration": "PT99M"}}], "Topics": []}], "Logging": {"Type": "File"}}})");
        file.close();
        EmulatorOptions options;
        options.amqpPort = 0;
        options.configFile = path;
        auto started = Emulator::start(options);
        QVERIFY(!started.ok());
        const QString message = QString::fromStdString(started.error().message);
        QVERIFY2(message.contains(QStringLiteral("UserConfig.Namespaces[0].Queues[0].Properties")), qPrintable(message));
        QVERIFY2(message.contains(path), qPrintable(message));
    }

    void refusesTlsWithoutDataDir()
    {
        EmulatorOptions options;
        options.amqpPort = 0;
        options.amqpsPort = 0;
        auto started = Emulator::start(options);
        QVERIFY(!started.ok());
        QCOMPARE(started.error().code, core::ErrorCode::InvalidArgument);
    }

    void hostRunsOnItsOwnThread()
    {
        EmulatorHost host;
        EmulatorOptions options;
        options.amqpPort = 0;
        options.sample = true;
        std::optional<core::Result<EmulatorEndpoints>> result;
        host.start(options, this, [&](core::Result<EmulatorEndpoints> r) { result = std::move(r); });
        QTRY_VERIFY(result.has_value());
        QVERIFY(result->ok());
        QVERIFY((*result)->amqpPort.has_value());
        QVERIFY(host.isRunning());

        std::atomic<int> queues{-1};
        std::atomic<bool> otherThread{false};
        QThread *testThread = QThread::currentThread();
        host.post([&](Emulator &emulator) {
            otherThread = QThread::currentThread() != testThread;
            queues = int(emulator.engine().listQueues().size());
        });
        QTRY_COMPARE(queues.load(), 2);
        QVERIFY(otherThread.load());
        host.stop();
        QTRY_VERIFY(!host.isRunning());
    }

    void durableStoreSurvivesRestart()
    {
        QTemporaryDir dir;
        EmulatorOptions options;
        options.amqpPort = 0;
        options.inMemory = false;
        options.dataDir = dir.path();
        options.sample = true;
        {
            auto started = Emulator::start(options);
            if (!started && started.error().code == core::ErrorCode::StoreError)
                QSKIP("no durable store in this build");
            QVERIFY2(started.ok(), started.ok() ? "" : started.error().message.c_str());
            core::Message m;
            m.messageId = core::Value::string("kept");
            m.body = "x";
            QVERIFY((*started)->engine().send(core::broker::EntityAddress::queue("orders"), {m}).ok());
        }
        auto restarted = Emulator::start(options);
        QVERIFY(restarted.ok());
        auto peeked = (*restarted)->engine().peek(core::broker::EntityAddress::queue("orders"), 1, 10);
        QVERIFY(peeked.ok());
        QCOMPARE(int(peeked->size()), 1);
        QCOMPARE(peeked->front().messageId, core::Value::string("kept"));
    }
};

QTEST_GUILESS_MAIN(TestEmulator)
#include "tst_emulator.moc"
