#include "emulator.h"

#include "amqp/amqpserver.h"
#include "amqp/servicebusfrontend.h"
#include "devcertificate.h"
#include "http/httpserver.h"
#include "http/managementapi.h"

#include "core/broker/engine.h"
#include "core/config/emulatorconfig.h"
#include "core/logging.h"
#ifdef BUSYARD_HAVE_SQLITE_STORE
#include "core/broker/sqlitestore.h"
#endif

#include <QDir>
#include <QPointer>
#include <QThread>

#include <atomic>

namespace busyard::emulator {

namespace broker = core::broker;

std::string EmulatorEndpoints::developmentConnectionString() const
{
    if (!amqpPort)
        return {};
    return "Endpoint=sb://localhost:" + std::to_string(*amqpPort) + ";SharedAccessKeyName="
        + std::string(core::kDevelopmentKeyName) + ";SharedAccessKey=" + std::string(core::kDevelopmentKey)
        + ";UseDevelopmentEmulator=true";
}

struct Emulator::Private
{
    core::SystemClock clock;
    std::unique_ptr<broker::Engine> engine;
    std::unique_ptr<amqp::ServiceBusFrontend> frontend;
    std::unique_ptr<amqp::AmqpServer> amqp;
    std::unique_ptr<http::ManagementApi> managementApi;
    std::unique_ptr<http::HttpServer> httpServer;
    std::unique_ptr<http::HttpServer> httpsServer;
};

Emulator::Emulator()
    : d(std::make_unique<Private>())
{
}

Emulator::~Emulator()
{
    stop();
    // Order: listeners and connections first (they call into the front-end), then the engine.
    d->httpsServer.reset();
    d->httpServer.reset();
    d->amqp.reset();
    d->managementApi.reset();
    d->frontend.reset();
    d->engine.reset();
}

broker::Engine &Emulator::engine()
{
    return *d->engine;
}

void Emulator::engineChanged()
{
    if (d->frontend)
        d->frontend->engineChanged();
}

void Emulator::stop()
{
    if (d->httpsServer)
        d->httpsServer->close();
    if (d->httpServer)
        d->httpServer->close();
    if (d->amqp)
        d->amqp->close();
}

void Emulator::createSampleEntities(broker::Engine &engine)
{
    auto log = core::logger("emulator");
    auto report = [&](const std::string &what, const core::Error &e) {
        if (e.code != core::ErrorCode::EntityAlreadyExists)
            log->warn("sample {}: {}", what, e.message);
    };
    broker::QueueDescription orders;
    orders.name = "orders";
    broker::QueueDescription sessions;
    sessions.name = "orders-sessions";
    sessions.requiresSession = true;
    for (const auto &queue : {orders, sessions})
        if (auto r = engine.createQueue(queue); !r)
            report("queue " + queue.name, r.error());
    broker::TopicDescription topic;
    topic.name = "events";
    if (auto r = engine.createTopic(topic); !r)
        report("topic", r.error());
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
        if (auto r = engine.createSubscription(sub, rule); !r)
            report(std::string("subscription ") + name, r.error());
    }
}

core::Result<std::unique_ptr<Emulator>> Emulator::start(const EmulatorOptions &options)
{
    using core::ErrorCode;
    std::unique_ptr<Emulator> emulator(new Emulator());
    Private &p = *emulator->d;
    EmulatorEndpoints &endpoints = emulator->m_endpoints;
    endpoints.bind = options.bind;

    const bool needsDataDir = !options.inMemory || options.amqpsPort >= 0 || options.webSocketPort >= 0
        || options.httpsPort >= 0;
    if (needsDataDir) {
        if (options.dataDir.isEmpty())
            return core::makeError(ErrorCode::InvalidArgument, "a data directory is needed for TLS or a durable store");
        if (!QDir().mkpath(options.dataDir))
            return core::makeError(ErrorCode::StoreError, "cannot create " + options.dataDir.toStdString());
    }

    std::unique_ptr<broker::Store> store;
    if (!options.inMemory) {
#ifdef BUSYARD_HAVE_SQLITE_STORE
        auto opened = broker::SqliteStore::open(QDir(options.dataDir).filePath(QStringLiteral("messages.db")).toStdString());
        if (!opened)
            return opened.error();
        store = std::move(opened.value());
#else
        return core::makeError(ErrorCode::StoreError, "this build has no durable store; use in-memory mode");
#endif
    }
    p.engine = std::make_unique<broker::Engine>(p.clock, std::move(store));
    if (!p.engine->loadResult())
        return p.engine->loadResult().error();
    if (options.sample)
        createSampleEntities(*p.engine);
    if (!options.configFile.isEmpty()) {
        auto config = core::config::loadEmulatorConfigFile(options.configFile.toStdString());
        if (!config)
            return config.error();
        // One emulator serves one namespace (as Microsoft's does): the first one of the file.
        if (config->namespaces.size() > 1)
            core::logger("emulator")->warn("{}: only the first of {} namespaces is served", options.configFile.toStdString(),
                        config->namespaces.size());
        if (auto applied = core::config::applyToEngine(config->namespaces.front(), *p.engine); !applied)
            return core::makeError(applied.error().code,
                                   options.configFile.toStdString() + ": " + applied.error().message);
    }

    p.frontend = std::make_unique<amqp::ServiceBusFrontend>(*p.engine, options.policies);
    p.amqp = std::make_unique<amqp::AmqpServer>(p.frontend.get());

    auto port = [](int value) { return quint16(value); };
    if (options.amqpPort >= 0) {
        auto bound = p.amqp->listen(options.bind, port(options.amqpPort));
        if (!bound)
            return bound.error();
        endpoints.amqpPort = *bound;
    }
    std::optional<DevCertificate> certificate;
    if (options.amqpsPort >= 0 || options.webSocketPort >= 0 || options.httpsPort >= 0) {
        auto loaded = DevCertificate::loadOrCreate(options.dataDir);
        if (!loaded)
            return loaded.error();
        certificate = std::move(loaded.value());
        endpoints.caCertificatePath = certificate->caCertificatePath;
    }
    if (options.amqpsPort >= 0) {
        auto bound = p.amqp->listenTls(options.bind, port(options.amqpsPort), certificate->sslConfiguration());
        if (!bound)
            return bound.error();
        endpoints.amqpsPort = *bound;
    }
    if (options.webSocketPort >= 0) {
        auto bound = p.amqp->listenWebSocket(options.bind, port(options.webSocketPort), certificate->sslConfiguration());
        if (!bound)
            return bound.error();
        endpoints.webSocketPort = *bound;
    }

    if (options.httpPort >= 0 || options.httpsPort >= 0) {
        http::ManagementOptions managementOptions;
        managementOptions.policies = options.policies;
        p.managementApi = std::make_unique<http::ManagementApi>(*p.engine, managementOptions);
        Emulator *self = emulator.get();
        auto handler = [self](const http::HttpRequest &request) {
            auto response = self->d->managementApi->handle(request);
            self->engineChanged(); // entities or messages may have changed: engine timers follow
            return response;
        };
        if (options.httpPort >= 0) {
            p.httpServer = std::make_unique<http::HttpServer>();
            p.httpServer->setHandler(handler);
            if (auto r = p.httpServer->listen(options.bind, port(options.httpPort)); !r)
                return r.error();
            endpoints.httpPort = p.httpServer->serverPort();
        }
        if (options.httpsPort >= 0) {
            p.httpsServer = std::make_unique<http::HttpServer>();
            p.httpsServer->setHandler(handler);
            p.httpsServer->setTlsConfiguration(certificate->sslConfiguration());
            amqp::AmqpServer *amqpServer = p.amqp.get();
            p.httpsServer->setWebSocketHandoff([amqpServer](QTcpSocket *socket) { amqpServer->acceptWebSocketUpgrade(socket); });
            if (auto r = p.httpsServer->listen(options.bind, port(options.httpsPort)); !r)
                return r.error();
            endpoints.httpsPort = p.httpsServer->serverPort();
        }
    }
    return emulator;
}

// ---- EmulatorHost -----------------------------------------------------------------------------------

namespace {

/** Lives on the host's thread and owns the Emulator there. */
class HostWorker : public QObject
{
public:
    std::unique_ptr<Emulator> emulator;
    std::atomic<bool> running{false};
};

} // namespace

EmulatorHost::EmulatorHost(QObject *parent)
    : QObject(parent)
    , m_thread(new QThread(this))
    , m_worker(new HostWorker)
{
    m_thread->setObjectName(QStringLiteral("busyard-emulator"));
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
}

EmulatorHost::~EmulatorHost()
{
    // Destroy the emulator on its own thread, then stop the thread.
    auto *worker = static_cast<HostWorker *>(m_worker);
    QMetaObject::invokeMethod(worker, [worker] {
        worker->emulator.reset();
        worker->running = false;
    }, Qt::BlockingQueuedConnection);
    m_thread->requestInterruption();
    m_thread->quit();
    m_thread->wait();
}

void EmulatorHost::start(EmulatorOptions options, QObject *context,
                         std::function<void(core::Result<EmulatorEndpoints>)> done)
{
    auto *worker = static_cast<HostWorker *>(m_worker);
    QPointer<QObject> target(context);
    QMetaObject::invokeMethod(worker, [worker, options = std::move(options), target, done = std::move(done)] {
        worker->emulator.reset();
        auto started = Emulator::start(options);
        core::Result<EmulatorEndpoints> result = started ? core::Result<EmulatorEndpoints>((*started)->endpoints())
                                                         : core::Result<EmulatorEndpoints>(started.error());
        if (started)
            worker->emulator = std::move(started.value());
        worker->running = bool(worker->emulator);
        if (target && done)
            QMetaObject::invokeMethod(target, [done, result] { done(result); }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
}

void EmulatorHost::post(std::function<void(Emulator &)> work)
{
    auto *worker = static_cast<HostWorker *>(m_worker);
    QMetaObject::invokeMethod(worker, [worker, work = std::move(work)] {
        if (worker->emulator) {
            work(*worker->emulator);
            worker->emulator->engineChanged();
        }
    }, Qt::QueuedConnection);
}

void EmulatorHost::stop()
{
    auto *worker = static_cast<HostWorker *>(m_worker);
    QMetaObject::invokeMethod(worker, [worker] {
        worker->emulator.reset();
        worker->running = false;
    }, Qt::QueuedConnection);
}

bool EmulatorHost::isRunning() const
{
    return static_cast<HostWorker *>(m_worker)->running.load();
}

} // namespace busyard::emulator
