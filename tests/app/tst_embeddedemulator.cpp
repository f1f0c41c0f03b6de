// The app's embedded emulator: starts on its own thread, prefers the configured ports and falls back
// to free ones, reports its endpoints and connection string, shows them in the status indicator.
#include "embeddedemulator.h"

#include "core/auth/sastoken.h"

#include <QSettings>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

using namespace busyard;
using namespace busyard::app;

class TestEmbeddedEmulator : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void startsAndServes();
    void fallsBackToFreePortsWhenTaken();
    void sampleNamespaceIsReachable();

private:
    QTemporaryDir m_settingsDir;
};

void TestEmbeddedEmulator::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_settingsDir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
}

void TestEmbeddedEmulator::init()
{
    QSettings settings;
    settings.clear();
    settings.setValue(QStringLiteral("embeddedEmulator/inMemory"), true);
    settings.setValue(QStringLiteral("embeddedEmulator/amqpPort"), 0);
    settings.setValue(QStringLiteral("embeddedEmulator/httpPort"), 0);
}

void TestEmbeddedEmulator::startsAndServes()
{
    EmbeddedEmulator emulator;
    EmbeddedEmulatorStatus status(&emulator);
    QCOMPARE(emulator.state(), EmbeddedEmulator::State::Stopped);
    QVERIFY(emulator.connectionString().isEmpty());
    emulator.start(false);
    QCOMPARE(emulator.state(), EmbeddedEmulator::State::Starting);
    QTRY_COMPARE(emulator.state(), EmbeddedEmulator::State::Running);
    QVERIFY(emulator.endpoints().amqpPort.has_value());
    QVERIFY(emulator.endpoints().httpPort.has_value());
    const QString cs = emulator.connectionString();
    QVERIFY2(cs.startsWith(QStringLiteral("Endpoint=sb://localhost:%1;").arg(*emulator.endpoints().amqpPort)), qPrintable(cs));
    QVERIFY(cs.contains(QStringLiteral("UseDevelopmentEmulator=true")));
    QVERIFY(status.text().contains(QString::number(*emulator.endpoints().amqpPort)));
    QVERIFY(status.toolTip().contains(cs));

    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, *emulator.endpoints().httpPort);
    QTRY_COMPARE(socket.state(), QAbstractSocket::ConnectedState);
    socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    QByteArray reply;
    QTRY_VERIFY((reply += socket.readAll()).contains("healthy"));

    emulator.stop();
    QCOMPARE(emulator.state(), EmbeddedEmulator::State::Stopped);
    QVERIFY(emulator.connectionString().isEmpty());
    QVERIFY(status.text().contains(QStringLiteral("stopped")));
}

void TestEmbeddedEmulator::fallsBackToFreePortsWhenTaken()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    QSettings().setValue(QStringLiteral("embeddedEmulator/amqpPort"), squatter.serverPort());
    EmbeddedEmulator emulator;
    emulator.start(false);
    QTRY_COMPARE(emulator.state(), EmbeddedEmulator::State::Running);
    QVERIFY(emulator.endpoints().amqpPort.has_value());
    QVERIFY(*emulator.endpoints().amqpPort != squatter.serverPort());
}

void TestEmbeddedEmulator::sampleNamespaceIsReachable()
{
    EmbeddedEmulator emulator;
    emulator.start(true);
    QTRY_COMPARE(emulator.state(), EmbeddedEmulator::State::Running);
    // The ATOM API lists the sample queue.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, *emulator.endpoints().httpPort);
    QTRY_COMPARE(socket.state(), QAbstractSocket::ConnectedState);
    const std::string token = core::createSasToken("sb://localhost/orders", core::kDevelopmentKeyName, core::kDevelopmentKey,
                                                   core::SystemClock().now() + std::chrono::minutes(5));
    socket.write("GET /orders?api-version=2021-05 HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
                 + QByteArray::fromStdString(token) + "\r\n\r\n");
    QByteArray reply;
    QTRY_VERIFY((reply += socket.readAll()).contains("</entry>"));
    QVERIFY2(reply.contains("<title type=\"text\">orders</title>") || reply.contains(">orders</title>"), reply.constData());
}

QTEST_MAIN(TestEmbeddedEmulator)
#include "tst_embeddedemulator.moc"
