// The official SDKs' administration clients, unmodified, against the management API over HTTPS:
// @azure/service-bus 7.9.5 (tests/sdk/node_modules) and azure-servicebus 7.8.2 (Debian python3-azure).
// Each script (data/atom_admin_*.{js,py}) exercises create/get/update/delete/list/paging of queues,
// topics, subscriptions and rules, runtime properties, namespace info and error mapping. Skipped when the
// SDK or the openssl tool is not installed.

#include "core/broker/engine.h"
#include "emulator/http/httpserver.h"
#include "emulator/http/managementapi.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSslCertificate>
#include <QSslKey>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace busyard;
using namespace busyard::emulator::http;

class TestSdkConformance : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_certificate = m_dir.filePath(QStringLiteral("cert.pem"));
        m_key = m_dir.filePath(QStringLiteral("key.pem"));
        QProcess openssl;
        // Node checks the subject alternative name, so the certificate names localhost and 127.0.0.1.
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                       QStringLiteral("-nodes"), QStringLiteral("-keyout"), m_key, QStringLiteral("-out"), m_certificate,
                       QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
                       QStringLiteral("-addext"), QStringLiteral("subjectAltName=DNS:localhost,IP:127.0.0.1")});
        m_haveCertificate = openssl.waitForFinished(60000) && openssl.exitCode() == 0;
    }

    void adminClient_data()
    {
        QTest::addColumn<QString>("sdk");
        QTest::newRow("javascript") << QStringLiteral("js");
        QTest::newRow("python") << QStringLiteral("py");
    }

    void adminClient()
    {
        QFETCH(QString, sdk);
        if (!m_haveCertificate)
            QSKIP("openssl could not create a test certificate");
        const QString dataDir = QStringLiteral(TEST_DATA_DIR);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        QString program;
        QStringList arguments;
        if (sdk == QLatin1String("js")) {
            program = QStandardPaths::findExecutable(QStringLiteral("node"));
            const QString modules = QDir(dataDir).absoluteFilePath(QStringLiteral("../../../sdk/node_modules"));
            if (program.isEmpty() || !QFile::exists(modules + QStringLiteral("/@azure/service-bus/package.json")))
                QSKIP("node or @azure/service-bus (tests/sdk: npm install) is not available");
            environment.insert(QStringLiteral("NODE_PATH"), modules);
            environment.insert(QStringLiteral("NODE_EXTRA_CA_CERTS"), m_certificate);
            arguments << dataDir + QStringLiteral("/atom_admin_js.js");
        } else {
            // Debian's python3-azure lives in the system interpreter's dist-packages.
            program = QStringLiteral("/usr/bin/python3");
            QProcess probe;
            probe.start(program, {QStringLiteral("-c"), QStringLiteral("import azure.servicebus.management")});
            if (!probe.waitForFinished(60000) || probe.exitCode() != 0)
                QSKIP("azure-servicebus for /usr/bin/python3 (apt-get install python3-azure) is not available");
            environment.insert(QStringLiteral("REQUESTS_CA_BUNDLE"), m_certificate);
            arguments << dataDir + QStringLiteral("/atom_admin_py.py");
        }

        QFile certFile(m_certificate);
        QFile keyFile(m_key);
        QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(QSslCertificate(certFile.readAll()));
        tls.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Rsa));
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);

        core::SystemClock clock; // the SDKs compare timestamps with their own wall clock
        core::broker::Engine engine(clock);
        ManagementApi api(engine);
        HttpServer server;
        api.attach(server);
        server.setTlsConfiguration(tls);
        QVERIFY(server.listen().ok());

        QProcess client;
        client.setProcessEnvironment(environment);
        client.setProcessChannelMode(QProcess::MergedChannels);
        client.start(program, arguments << QString::number(server.serverPort()));
        // The server runs on this thread: wait with the event loop spinning, never with waitForFinished().
        const bool finished = QTest::qWaitFor([&] { return client.state() == QProcess::NotRunning; }, 240000);
        if (!finished)
            client.kill();
        const QByteArray output = client.readAll();
        QVERIFY2(finished, output.constData());
        QVERIFY2(client.exitStatus() == QProcess::NormalExit && client.exitCode() == 0, output.constData());
        QVERIFY2(output.contains("ok: ") && !output.contains("FAIL:"), output.constData());
    }

private:
    QTemporaryDir m_dir;
    QString m_certificate;
    QString m_key;
    bool m_haveCertificate = false;
};

QTEST_GUILESS_MAIN(TestSdkConformance)
#include "tst_sdkconformance.moc"
