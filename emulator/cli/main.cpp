// busyard-emulator: the headless Service Bus emulator (AMQP 1.0 + HTTP management around the engine).
#include "emulator/amqp/amqpserver.h"
#include "emulator/emulator.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QSocketNotifier>
#include <QStandardPaths>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

using namespace busyard;

namespace {

int s_signalFds[2] = {-1, -1};

void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] auto n = ::write(s_signalFds[1], &c, 1);
}

bool parsePort(const QCommandLineParser &parser, const QCommandLineOption &option, bool allowOff, int &out)
{
    bool ok = false;
    out = parser.value(option).toInt(&ok);
    if (!ok || out < (allowOff ? -1 : 0) || out > 65535) {
        std::fprintf(stderr, "invalid --%s\n", qPrintable(option.names().constFirst()));
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("busyard-emulator"));
    QCoreApplication::setOrganizationName(QStringLiteral("Busyard"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Headless Azure Service Bus emulator (AMQP 1.0, ATOM management)."));
    parser.addHelpOption();
    const QCommandLineOption configOption(QStringLiteral("config"), QStringLiteral("Microsoft's Service Bus emulator Config.json (or Busyard's superset) to load."),
                                          QStringLiteral("file"));
    const QCommandLineOption dataDirOption(QStringLiteral("data-dir"),
                                           QStringLiteral("Directory for the message store and the TLS certificates."),
                                           QStringLiteral("dir"));
    const QCommandLineOption inMemoryOption(QStringLiteral("in-memory"), QStringLiteral("Keep messages in memory only."));
    const QCommandLineOption amqpPortOption(QStringLiteral("amqp-port"), QStringLiteral("Plain AMQP port (default 5672, 0 = any)."),
                                            QStringLiteral("port"), QStringLiteral("5672"));
    const QCommandLineOption amqpsPortOption(QStringLiteral("amqps-port"),
                                             QStringLiteral("AMQP over TLS port (default 5671, 0 = any, -1 = off)."),
                                             QStringLiteral("port"), QStringLiteral("5671"));
    const QCommandLineOption wsPortOption(QStringLiteral("ws-port"),
                                          QStringLiteral("Dedicated AMQP over secure WebSockets port (default -1 = off)."),
                                          QStringLiteral("port"), QStringLiteral("-1"));
    const QCommandLineOption httpPortOption(QStringLiteral("http-port"),
                                            QStringLiteral("Plain HTTP management (ATOM) and /health port, like Microsoft's "
                                                           "emulator (default 5300, 0 = any, -1 = off)."),
                                            QStringLiteral("port"), QStringLiteral("5300"));
    const QCommandLineOption httpsPortOption(QStringLiteral("https-port"),
                                             QStringLiteral("HTTPS management port, also serving AMQP over WebSockets at "
                                                            "/$servicebus/websocket (default -1 = off, 0 = any)."),
                                             QStringLiteral("port"), QStringLiteral("-1"));
    const QCommandLineOption bindOption(QStringLiteral("bind"), QStringLiteral("Address to listen on (default 127.0.0.1)."),
                                        QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption logLevelOption(QStringLiteral("log-level"),
                                            QStringLiteral("trace, debug, info, warn, error (default info)."),
                                            QStringLiteral("level"), QStringLiteral("info"));
    const QCommandLineOption sampleOption(QStringLiteral("sample"),
                                          QStringLiteral("Create sample entities: queue 'orders', session queue "
                                                         "'orders-sessions', topic 'events' with subscriptions."));
    parser.addOptions({configOption, dataDirOption, inMemoryOption, amqpPortOption, amqpsPortOption, wsPortOption,
                       httpPortOption, httpsPortOption, bindOption, logLevelOption, sampleOption});
    parser.process(app);

    // Library loggers ("emulator", "core") on stderr; libraries never add sinks themselves.
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    const auto level = spdlog::level::from_str(parser.value(logLevelOption).toStdString());
    for (const char *name : {"emulator", "core"}) {
        auto logger = std::make_shared<spdlog::logger>(name, sink);
        logger->set_level(level);
        spdlog::register_logger(logger);
    }

    emulator::EmulatorOptions options;
    options.bind = QHostAddress(parser.value(bindOption));
    if (options.bind.isNull()) {
        std::fprintf(stderr, "invalid --bind address\n");
        return 2;
    }
    if (!parsePort(parser, amqpPortOption, false, options.amqpPort) || !parsePort(parser, amqpsPortOption, true, options.amqpsPort)
        || !parsePort(parser, wsPortOption, true, options.webSocketPort) || !parsePort(parser, httpPortOption, true, options.httpPort)
        || !parsePort(parser, httpsPortOption, true, options.httpsPort))
        return 2;
    options.dataDir = parser.value(dataDirOption);
    if (options.dataDir.isEmpty())
        options.dataDir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
    options.inMemory = parser.isSet(inMemoryOption);
    options.sample = parser.isSet(sampleOption);
    options.configFile = parser.value(configOption);

    auto started = emulator::Emulator::start(options);
    if (!started) {
        std::fprintf(stderr, "cannot start: %s\n", started.error().message.c_str());
        return 1;
    }
    std::unique_ptr<emulator::Emulator> running = std::move(started.value());
    const emulator::EmulatorEndpoints &e = running->endpoints();
    const QByteArray host = e.bind.toString().toLatin1();

    // The development connection string is public (Microsoft's emulator documents it); print it.
    std::printf("busyard-emulator ready\n");
    if (e.amqpPort)
        std::printf("  amqp:  amqp://%s:%u\n", host.constData(), unsigned(*e.amqpPort));
    if (e.amqpsPort)
        std::printf("  amqps: amqps://%s:%u (CA certificate: %s)\n", host.constData(), unsigned(*e.amqpsPort),
                    qPrintable(e.caCertificatePath));
    if (e.webSocketPort)
        std::printf("  wss:   wss://%s:%u%s\n", host.constData(), unsigned(*e.webSocketPort),
                    emulator::amqp::AmqpServer::kWebSocketPath);
    if (e.httpPort)
        std::printf("  http:  http://%s:%u (management, /health)\n", host.constData(), unsigned(*e.httpPort));
    if (e.httpsPort)
        std::printf("  https: https://%s:%u (management, /health, AMQP over WebSockets)\n", host.constData(),
                    unsigned(*e.httpsPort));
    std::printf("  connection string: %s\n", e.developmentConnectionString().c_str());
    std::fflush(stdout);

    // SIGINT/SIGTERM: a self-pipe turns the signal into an event-loop event for a clean shutdown.
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, s_signalFds) == 0) {
        auto *notifier = new QSocketNotifier(s_signalFds[0], QSocketNotifier::Read, &app);
        QObject::connect(notifier, &QSocketNotifier::activated, &app, [&] {
            char c;
            [[maybe_unused]] auto n = ::read(s_signalFds[0], &c, 1);
            spdlog::get("emulator")->info("shutting down");
            running->stop();
            QCoreApplication::quit();
        });
        struct sigaction action {};
        action.sa_handler = onSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        sigaction(SIGINT, &action, nullptr);
        sigaction(SIGTERM, &action, nullptr);
    }
    const int rc = app.exec();
    running.reset(); // store committed and closed before exit
    return rc;
}
