#pragma once

#include "amqpconnection.h"
#include "managementnode.h"

#include "core/auth/sastoken.h"
#include "core/broker/engine.h"

#include <QObject>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

class QTimer;

namespace busyard::emulator::amqp {

/** Gives a message without a message-id a new one, as the service does (32 hex digits). */
void assignMessageId(core::Message &message);

/**
 * The Service Bus dialect of AMQP on top of the engine (servicebus-amqp.md §1-§6): CBS put-token with
 * SAS validation, entity sender and receiver links (peek-lock / receive-and-delete, credit and drain,
 * .NET-order lock-token delivery tags, session receivers), dispositions with the settlement handshake,
 * the $management request/response node, and the engine's timers.
 *
 * Thread: lives on the emulator thread that owns the engine and every AmqpConnection. Engine callbacks
 * (deliveries caused by another connection's send, timers) write to Proton and schedule the affected
 * connection's processing on the same thread.
 *
 * Does not own the engine. Outlives the AmqpServer that reports to it (destroy the server first).
 */
class ServiceBusFrontend : public QObject, public AmqpConnectionHandler
{
    Q_OBJECT

public:
    ServiceBusFrontend(core::broker::Engine &engine, std::vector<core::SharedAccessPolicy> policies,
                       QObject *parent = nullptr);
    ~ServiceBusFrontend() override;

    /** When false, links need no CBS token (for tests and trusted local use). Default true. */
    void setRequireAuthorization(bool require) { m_requireAuthorization = require; }

    /** Clock for SAS expiry (tokens carry real Unix times even when the engine runs on a virtual clock).
     *  Null = wall clock. Not owned. */
    void setAuthClock(const core::Clock *clock) { m_authClock = clock ? clock : &m_systemClock; }

    /** Call after using the engine directly (e.g. from the HTTP front-end) so that timers follow. */
    void engineChanged();

    void onEvent(AmqpConnection &connection, pn_event_t *event) override;
    void onConnectionClosed(AmqpConnection &connection) override;
    void onEventsProcessed(AmqpConnection &connection) override;
    void onRoundStarted(AmqpConnection &connection) override;
    bool onRoundFinished(AmqpConnection &connection) override;

    /** Default accept-next-session wait when the link carries no com.microsoft:timeout (§2.4). */
    static constexpr std::chrono::milliseconds kDefaultSessionTimeout{65000};
    /** A connection that has not put a valid token on $cbs by then is closed (DOC-PG). */
    static constexpr std::chrono::milliseconds kTokenGracePeriod{20000};
    /** Credit granted to client sender links, request links and CBS (the real service grants 1000). */
    static constexpr int kSenderCredit = 1000;

private:
    struct Grant
    {
        std::string audience;
        core::AccessRights rights;
        core::TimePoint expiry;
    };
    struct ConnectionState;
    struct LinkState;

    ConnectionState *stateOf(AmqpConnection &connection);
    void onLinkRemoteOpen(ConnectionState &conn, pn_link_t *link);
    void openEntitySenderLink(ConnectionState &conn, LinkState &state);
    void openEntityReceiverLink(ConnectionState &conn, LinkState &state);
    void completeReceiverAttach(LinkState &state, const std::optional<std::string> &sessionId, core::TimePoint lockedUntil);
    void refuseAttach(pn_link_t *link, const std::string &condition, const std::string &description);
    void detachWithError(LinkState &state, const std::string &condition, const std::string &description);
    void releaseLink(ConnectionState &conn, pn_link_t *link);

    void onIncomingTransfer(ConnectionState &conn, LinkState &state, pn_delivery_t *delivery);
    void onDispositionUpdate(ConnectionState &conn, LinkState &state, pn_delivery_t *delivery);
    void syncCredit(LinkState &state);
    void deliver(LinkState &state, core::Message message);

    void handleRequest(ConnectionState &conn, LinkState &state, const std::string &payload);
    void handleCbs(ConnectionState &conn, const core::Message &request, const std::string &token,
                   core::PropertyMap &responseProperties);
    void sendResponse(ConnectionState &conn, LinkState &requestLink, const core::Message &request,
                      const core::PropertyMap &properties, const std::string &body);

    bool authorized(const ConnectionState &conn, const std::string &address, core::AccessRight right) const;
    void checkAuthorizations();
    void armAuthTimer();
    void armEngineTimer();
    void onEngineTimer();

    core::broker::Engine &m_engine;
    core::SystemClock m_systemClock;
    const core::Clock *m_authClock = &m_systemClock;
    std::vector<core::SharedAccessPolicy> m_policies;
    ManagementNode m_management;
    bool m_requireAuthorization = true;
    std::unordered_map<AmqpConnection *, std::unique_ptr<ConnectionState>> m_connections;
    QTimer *m_engineTimer;
    QTimer *m_authTimer;
    std::uint64_t m_responseTag = 0;
};

} // namespace busyard::emulator::amqp
