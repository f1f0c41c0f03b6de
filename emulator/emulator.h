#pragma once

#include "core/auth/sastoken.h"
#include "core/result.h"

#include <QHostAddress>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class QThread;

namespace busyard::core {
class Clock;
namespace broker {
class Engine;
}
} // namespace busyard::core

namespace busyard::emulator {

/** How to run an emulator. Ports: 0 = any free port, -1 = off. */
struct EmulatorOptions
{
    QHostAddress bind = QHostAddress::LocalHost;
    int amqpPort = 5672;
    int amqpsPort = -1;
    int webSocketPort = -1;   ///< dedicated wss:// port for AMQP over WebSockets
    int httpPort = -1;        ///< plain HTTP management + /health (Microsoft's emulator: 5300)
    int httpsPort = -1;       ///< HTTPS management + AMQP over WebSockets on /$servicebus/websocket
    QString dataDir;          ///< TLS certificates and (unless inMemory) messages.db; required for TLS or durability
    bool inMemory = true;
    bool sample = false;      ///< create the sample entities (queue 'orders', ...)
    /** Microsoft's emulator Config.json (or Busyard's superset, core/config/emulatorconfig.h) whose
     *  entities are created (or updated) at start; every problem in it fails start() with its JSON path. */
    QString configFile;
    std::vector<core::SharedAccessPolicy> policies{core::developmentPolicy()};
};

/** Where a started emulator listens. Absent = not listening. */
struct EmulatorEndpoints
{
    QHostAddress bind;
    std::optional<quint16> amqpPort;
    std::optional<quint16> amqpsPort;
    std::optional<quint16> webSocketPort;
    std::optional<quint16> httpPort;
    std::optional<quint16> httpsPort;
    QString caCertificatePath; ///< the development CA clients must trust for TLS; empty without TLS

    /** "Endpoint=sb://localhost:<amqp>;SharedAccessKeyName=...;SharedAccessKey=...;UseDevelopmentEmulator=true"
     *  with the development key (public, documented by Microsoft). Empty without a plain AMQP port. */
    std::string developmentConnectionString() const;
};

/**
 * One running emulator: engine (memory or SQLite store), AMQP front-end (plain, TLS, WebSockets) and
 * HTTP management front-end, all on the thread that creates it (the "emulator thread"; see
 * emulator/NOTES.md). Not thread-safe: use it from that thread only, or through EmulatorHost.
 */
class Emulator : public QObject
{
    Q_OBJECT

public:
    ~Emulator() override;

    /** Creates the engine and starts every listener the options ask for. */
    static core::Result<std::unique_ptr<Emulator>> start(const EmulatorOptions &options);

    const EmulatorEndpoints &endpoints() const { return m_endpoints; }
    core::broker::Engine &engine();
    /** Call after changing the engine directly, so that its timers follow. */
    void engineChanged();
    /** Stops listening and drops every connection (also done by the destructor). */
    void stop();

    /** The sample entities of --sample: queue 'orders', session queue 'orders-sessions', topic
     *  'events' with subscriptions 'all' and 'high-priority' (SQL filter priority = 'high'). */
    static void createSampleEntities(core::broker::Engine &engine);

private:
    Emulator();
    struct Private;
    std::unique_ptr<Private> d;
    EmulatorEndpoints m_endpoints;
};

/**
 * Runs an Emulator on its own thread for the GUI: start() and stop() return at once; results come
 * back through callbacks invoked on the thread of `context` (queued). Work for the engine goes through
 * post(), which runs on the emulator thread; pass values back, never pointers into engine state.
 */
class EmulatorHost : public QObject
{
    Q_OBJECT

public:
    explicit EmulatorHost(QObject *parent = nullptr);
    /** Stops the emulator and joins its thread. */
    ~EmulatorHost() override;

    /** Starts (or restarts) the emulator; `done` runs on `context`'s thread. */
    void start(EmulatorOptions options, QObject *context,
               std::function<void(core::Result<EmulatorEndpoints>)> done);
    /** Runs `work` on the emulator thread (dropped when no emulator runs). */
    void post(std::function<void(Emulator &)> work);
    /** Stops the emulator (asynchronously); the thread keeps running for a later start(). */
    void stop();
    bool isRunning() const;

private:
    QThread *m_thread;
    QObject *m_worker; ///< lives on m_thread; owns the Emulator
};

} // namespace busyard::emulator
