#pragma once

// A busyard-emulator process for GUI/model tests: started on free loopback ports with --in-memory
// --sample (queue 'orders', session queue 'orders-sessions', topic 'events' with subscriptions 'all'
// and 'high-priority'), endpoints parsed from its banner, killed in the destructor whatever happened.
// Header-only; the test target defines BUSYARD_EMULATOR_PATH="$<TARGET_FILE:busyard-emulator>".

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QUrl>

#include <memory>
#include <string>

namespace busyard::testing {

class EmulatorProcess
{
public:
    ~EmulatorProcess() { stop(); }

    /** Starts on a free port and waits (bounded, ~20 s) for its "connection string:" banner. */
    bool start()
    {
        m_process = std::make_unique<QProcess>();
        m_process->setProcessChannelMode(QProcess::SeparateChannels);
        m_process->setProgram(QStringLiteral(BUSYARD_EMULATOR_PATH));
        m_process->setArguments({QStringLiteral("--in-memory"), QStringLiteral("--sample"), QStringLiteral("--bind"),
                                 QStringLiteral("127.0.0.1"), QStringLiteral("--amqp-port"), QStringLiteral("0"),
                                 QStringLiteral("--amqps-port"), QStringLiteral("-1"), QStringLiteral("--ws-port"),
                                 QStringLiteral("-1"), QStringLiteral("--http-port"), QStringLiteral("0"),
                                 QStringLiteral("--https-port"), QStringLiteral("-1"), QStringLiteral("--log-level"), QStringLiteral("warn"),
                                 QStringLiteral("--data-dir"), m_dataDir.path()});
        m_process->start();
        if (!m_process->waitForStarted(10000))
            return false;
        QByteArray out;
        for (int i = 0; i < 200 && !out.contains("connection string:"); ++i) {
            if (!m_process->waitForReadyRead(100) && m_process->state() != QProcess::Running)
                return false;
            out += m_process->readAllStandardOutput();
        }
        static const QRegularExpression amqp(QStringLiteral("amqp:\\s+amqp://[^:]+:(\\d+)"));
        const auto match = amqp.match(QString::fromUtf8(out));
        if (!match.hasMatch())
            return false;
        m_port = quint16(match.captured(1).toUInt());
        static const QRegularExpression http(QStringLiteral("http:\\s+(http://[^\\s]+)"));
        if (const auto m = http.match(QString::fromUtf8(out)); m.hasMatch())
            m_managementUrl = QUrl(m.captured(1));
        return true;
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

    /** The ATOM management base URL (http://127.0.0.1:<port>), empty if HTTP is not served. */
    QUrl managementUrl() const { return m_managementUrl; }

    /** The development connection string (public, as Microsoft's emulator documents it). */
    QString connectionString() const { return QString::fromStdString(connectionStringUtf8()); }

    std::string connectionStringUtf8() const
    {
        return "Endpoint=sb://localhost:" + std::to_string(m_port)
               + ";SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true";
    }

private:
    std::unique_ptr<QProcess> m_process;
    QTemporaryDir m_dataDir;
    quint16 m_port = 0;
    QUrl m_managementUrl;
};

} // namespace busyard::testing
