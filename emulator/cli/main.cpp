// busyard-emulator: the headless Service Bus emulator (AMQP front-end around the broker engine).
#include "emulator/amqp/amqpserver.h"
#include "emulator/amqp/servicebusfrontend.h"
#include "emulator/devcertificate.h"

#include "core/auth/sastoken.h"
#include "core/broker/engine.h"
#include "core/logging.h"
#ifdef BUSYARD_HAVE_SQLITE_STORE
#include "core/broker/sqlitestore.h"
#endif

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
namespace broker = busyard::core::broker;

namespace {

int s_signalFds[2] = {-1, -1};

void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] auto n = ::write(s_signalFds[1], &c, 1);
}

/** A few entities for trying the emulator out before a Config.json loader exists. */
void createSample(broker::Engine &engine)
{
    broker::QueueDescription orders;
    orders.name = "orders";
    broker::QueueDescription sessions;
    sessions.name = "orders-sessions";
    sessions.requiresSession = true;
    broker::TopicDescription topic;
    topic.name = "events";
    for (const auto &queue : {orders, sessions})
        if (auto r = engine.createQueue(queue); !r && r.error().code != core::ErrorCode::EntityAlreadyExists)
            std::fprintf(stderr, "sample queue %s: %s\n", queue.name.c_str(), r.error().message.c_str());
    if (auto r = engine.createTopic(topic); !r && r.error().code != core::ErrorCode::EntityAlreadyExists)
        std::fprintf(stderr, "sample topic: %s\n", r.error().message.c_str());
    for (const char *name : {"all", "high-priority"}) {
        broker::SubscriptionDescription sub;
        sub.topicName = "events";
        sub.name = name;
        std::optional<broker::RuleDescription> rule;
        if (std::string_view(name) == "high-priority") {
            rule = broker::RuleDescription{};
            rule->name = "high";
            rule->filter = broker::SqlFilter{"priority = 'high'", {}};
        }
        if (auto r = engine.createSubscription(sub, rule); !r && r.error().code != core::ErrorCode::EntityAlreadyExists)
            std::fprintf(stderr, "sample subscription %s: %s\n", name, r.error().message.c_str());
    }
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("busyard-emulator"));
    QCoreApplication::setOrganizationName(QStringLiteral("Busyard"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Headless Azure Service Bus emulator (AMQP 1.0)."));
    parser.addHelpOption();
    const QCommandLineOption configOption(QStringLiteral("config"), QStringLiteral("Emulator Config.json (not yet supported)."),
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
                                          QStringLiteral("AMQP over secure WebSockets port (default -1 = off)."),
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
                       bindOption, logLevelOption, sampleOption});
    parser.process(app);

    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto logger = std::make_shared<spdlog::logger>("emulator", sink);
    logger->set_level(spdlog::level::from_str(parser.value(logLevelOption).toStdString()));
    spdlog::register_logger(logger);
    auto coreLogger = std::make_shared<spdlog::logger>("core", sink);
    coreLogger->set_level(logger->level());
    spdlog::register_logger(coreLogger);

    if (parser.isSet(configOption)) {
        std::fprintf(stderr, "--config is not supported yet; use --sample\n");
        return 2;
    }
    const QHostAddress bind(parser.value(bindOption));
    if (bind.isNull()) {
        std::fprintf(stderr, "invalid --bind address\n");
        return 2;
    }
    bool ok = false;
    const int amqpPort = parser.value(amqpPortOption).toInt(&ok);
    if (!ok || amqpPort < 0 || amqpPort > 65535) {
        std::fprintf(stderr, "invalid --amqp-port\n");
        return 2;
    }
    const int amqpsPort = parser.value(amqpsPortOption).toInt(&ok);
    if (!ok || amqpsPort < -1 || amqpsPort > 65535) {
        std::fprintf(stderr, "invalid --amqps-port\n");
        return 2;
    }
    const int wsPort = parser.value(wsPortOption).toInt(&ok);
    if (!ok || wsPort < -1 || wsPort > 65535) {
        std::fprintf(stderr, "invalid --ws-port\n");
        return 2;
    }
    QString dataDir = parser.value(dataDirOption);
    if (dataDir.isEmpty())
        dataDir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
    if (!QDir().mkpath(dataDir)) {
        std::fprintf(stderr, "cannot create the data directory %s\n", qPrintable(dataDir));
        return 1;
    }

    std::unique_ptr<broker::Store> store;
#ifdef BUSYARD_HAVE_SQLITE_STORE
    if (!parser.isSet(inMemoryOption)) {
        auto opened = broker::SqliteStore::open(QDir(dataDir).filePath(QStringLiteral("messages.db")).toStdString());
        if (!opened) {
            std::fprintf(stderr, "cannot open the message store: %s\n", opened.error().message.c_str());
            return 1;
        }
        store = std::move(opened.value());
    }
#endif
    core::SystemClock clock;
    broker::Engine engine(clock, std::move(store));
    if (!engine.loadResult()) {
        std::fprintf(stderr, "cannot load the message store: %s\n", engine.loadResult().error().message.c_str());
        return 1;
    }
    if (parser.isSet(sampleOption))
        createSample(engine);

    emulator::amqp::ServiceBusFrontend frontend(engine, {core::developmentPolicy()});
    emulator::amqp::AmqpServer server(&frontend);
    auto plain = server.listen(bind, quint16(amqpPort));
    if (!plain) {
        std::fprintf(stderr, "%s\n", plain.error().message.c_str());
        return 1;
    }
    std::optional<quint16> tlsPort;
    std::optional<quint16> webSocketPort;
    QString caPath;
    if (amqpsPort >= 0 || wsPort >= 0) {
        auto certificate = emulator::DevCertificate::loadOrCreate(dataDir);
        if (!certificate) {
            std::fprintf(stderr, "TLS disabled: %s\n", certificate.error().message.c_str());
        } else {
            caPath = certificate->caCertificatePath;
            if (amqpsPort >= 0) {
                auto tls = server.listenTls(bind, quint16(amqpsPort), certificate->sslConfiguration());
                if (!tls) {
                    std::fprintf(stderr, "%s\n", tls.error().message.c_str());
                    return 1;
                }
                tlsPort = *tls;
            }
            if (wsPort >= 0) {
                auto ws = server.listenWebSocket(bind, quint16(wsPort), certificate->sslConfiguration());
                if (!ws) {
                    std::fprintf(stderr, "%s\n", ws.error().message.c_str());
                    return 1;
                }
                webSocketPort = *ws;
            }
        }
    }

    // The development connection string is public (Microsoft's emulator documents it); print it.
    std::printf("busyard-emulator ready\n");
    std::printf("  amqp:  amqp://%s:%u\n", qPrintable(bind.toString()), unsigned(*plain));
    if (tlsPort)
        std::printf("  amqps: amqps://%s:%u (CA certificate: %s)\n", qPrintable(bind.toString()), unsigned(*tlsPort),
                    qPrintable(caPath));
    if (webSocketPort)
        std::printf("  wss:   wss://%s:%u%s\n", qPrintable(bind.toString()), unsigned(*webSocketPort),
                    emulator::amqp::AmqpServer::kWebSocketPath);
    std::printf("  connection string: Endpoint=sb://localhost:%u;SharedAccessKeyName=%s;SharedAccessKey=%s;"
                "UseDevelopmentEmulator=true\n",
                unsigned(*plain), std::string(core::kDevelopmentKeyName).c_str(), std::string(core::kDevelopmentKey).c_str());
    std::fflush(stdout);

    // SIGINT/SIGTERM: a self-pipe turns the signal into an event-loop event for a clean shutdown.
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, s_signalFds) == 0) {
        auto *notifier = new QSocketNotifier(s_signalFds[0], QSocketNotifier::Read, &app);
        QObject::connect(notifier, &QSocketNotifier::activated, &app, [&] {
            char c;
            [[maybe_unused]] auto n = ::read(s_signalFds[0], &c, 1);
            logger->info("shutting down");
            server.close();
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
    server.close();
    return rc;
}
