#include "servicebusfrontend.h"

#include "amqperrors.h"
#include "core/client/messagecodec.h"

#include "core/logging.h"

#include <QTimer>

#include <proton/codec.h>
#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/delivery.h>
#include <proton/disposition.h>
#include <proton/event.h>
#include <proton/link.h>
#include <proton/session.h>
#include <proton/terminus.h>
#include <proton/transport.h>

#include <algorithm>
#include <functional>

namespace busyard::emulator::amqp {

// The AMQP <-> core::Message codec shared with the client.
using namespace client::codec;
namespace broker = core::broker;
using core::AccessRight;

namespace {

auto log() { return core::logger("emulator"); }

constexpr const char *kCbsNode = "$cbs";
constexpr const char *kSessionFilter = "com.microsoft:session-filter";
constexpr const char *kLockedUntilUtc = "com.microsoft:locked-until-utc";
constexpr const char *kTimeoutProperty = "com.microsoft:timeout";
constexpr const char *kSasTokenType = "servicebus.windows.net:sastoken";

std::string text(pn_bytes_t b) { return std::string(b.start ? b.start : "", b.size); }

std::string terminusAddress(pn_terminus_t *t)
{
    const char *a = pn_terminus_get_address(t);
    return a ? std::string(a) : std::string();
}

/** Looks up a symbol/string key in the map at the root of `d`; leaves the cursor on the value. */
bool seekRootMap(pn_data_t *d, std::string_view key)
{
    pn_data_rewind(d);
    if (!pn_data_next(d) || pn_data_type(d) != PN_MAP)
        return false;
    pn_data_enter(d);
    while (pn_data_next(d)) {
        std::optional<std::string> k;
        if (pn_data_type(d) == PN_SYMBOL)
            k = text(pn_data_get_symbol(d));
        else if (pn_data_type(d) == PN_STRING)
            k = text(pn_data_get_string(d));
        if (!pn_data_next(d))
            return false;
        if (k && *k == key)
            return true;
    }
    return false;
}

core::PropertyMap mapOf(pn_data_t *d)
{
    core::PropertyMap map;
    pn_data_rewind(d);
    if (!pn_data_next(d) || pn_data_type(d) != PN_MAP)
        return map;
    pn_data_enter(d);
    while (pn_data_next(d)) {
        std::optional<std::string> k;
        if (pn_data_type(d) == PN_SYMBOL)
            k = text(pn_data_get_symbol(d));
        else if (pn_data_type(d) == PN_STRING)
            k = text(pn_data_get_string(d));
        if (!pn_data_next(d))
            break;
        if (k)
            map.entries().emplace_back(std::move(*k), readValue(d));
    }
    return map;
}

std::optional<std::string> textValue(const core::Value *v)
{
    if (!v || !v->isText())
        return std::nullopt;
    return v->bytes();
}

/** Encodes a request/response reply: properties(correlation-id), application-properties, amqp-value body. */
std::string encodeReply(const core::Value &correlationId, const core::PropertyMap &properties, const std::string &body)
{
    pn_data_t *d = pn_data(16);
    auto flush = [&](std::string &out) {
        std::string chunk(std::size_t(pn_data_encoded_size(d)), '\0');
        const ssize_t n = pn_data_encode(d, chunk.data(), chunk.size());
        chunk.resize(n > 0 ? std::size_t(n) : 0);
        out += chunk;
        pn_data_clear(d);
    };
    std::string out;
    pn_data_put_described(d);
    pn_data_enter(d);
    pn_data_put_ulong(d, 0x73);
    pn_data_put_list(d);
    pn_data_enter(d);
    for (int i = 0; i < 5; ++i)
        pn_data_put_null(d);
    putValue(d, correlationId);
    pn_data_exit(d);
    pn_data_exit(d);
    flush(out);

    pn_data_put_described(d);
    pn_data_enter(d);
    pn_data_put_ulong(d, 0x74);
    pn_data_put_map(d);
    pn_data_enter(d);
    for (const auto &[k, v] : properties.entries()) {
        pn_data_put_string(d, pn_bytes(k.size(), k.data()));
        putValue(d, v);
    }
    pn_data_exit(d);
    pn_data_exit(d);
    flush(out);
    pn_data_free(d);

    out += std::string_view("\x00\x53\x77", 3);
    out += body.empty() ? std::string(1, '\x40') : body;
    return out;
}

std::string readDelivery(pn_link_t *link, pn_delivery_t *delivery)
{
    std::string payload;
    payload.reserve(pn_delivery_pending(delivery));
    char buffer[16384];
    for (int guard = 0; guard < 1'000'000; ++guard) {
        const ssize_t n = pn_link_recv(link, buffer, sizeof buffer);
        if (n <= 0)
            break;
        payload.append(buffer, std::size_t(n));
    }
    return payload;
}

} // namespace

void assignMessageId(core::Message &message)
{
    if (!message.messageId.isNull())
        return;
    // The service gives a message sent without an id a new one (GUID "N" format); the JS SDK keys its
    // lock renewal on it.
    std::string id = core::Uuid::generate().toString();
    std::erase(id, '-');
    message.messageId = core::Value::string(std::move(id));
}

struct ServiceBusFrontend::LinkState
{
    enum class Kind { Cbs, Management, EntitySender, EntityReceiver };
    Kind kind = Kind::Cbs;
    ConnectionState *owner = nullptr;
    pn_link_t *link = nullptr;
    std::string address;              ///< node address exactly as the client sent it
    broker::EntityAddress entity;
    broker::ReceiverId receiver = 0;
    broker::ReceiveMode mode = broker::ReceiveMode::PeekLock;
    bool sessionful = false;
    bool opened = false;              ///< our attach has been sent
    bool failed = false;              ///< we detached it with an error
};

struct ServiceBusFrontend::ConnectionState
{
    AmqpConnection *connection = nullptr;
    std::vector<Grant> grants;
    bool everAuthorized = false;
    std::unordered_map<pn_link_t *, std::unique_ptr<LinkState>> links;
    /** Replies waiting for the next process() round (see handleRequest). */
    std::vector<std::function<void()>> pendingReplies;
};

ServiceBusFrontend::ServiceBusFrontend(broker::Engine &engine, std::vector<core::SharedAccessPolicy> policies,
                                       QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_policies(std::move(policies))
    , m_management(engine)
    , m_engineTimer(new QTimer(this))
    , m_authTimer(new QTimer(this))
{
    m_engineTimer->setSingleShot(true);
    m_authTimer->setSingleShot(true);
    connect(m_engineTimer, &QTimer::timeout, this, &ServiceBusFrontend::onEngineTimer);
    connect(m_authTimer, &QTimer::timeout, this, &ServiceBusFrontend::checkAuthorizations);
    armEngineTimer();
}

ServiceBusFrontend::~ServiceBusFrontend()
{
    for (auto &[connection, state] : m_connections)
        for (auto &[link, linkState] : state->links)
            if (linkState->receiver)
                m_engine.closeReceiver(linkState->receiver);
}

ServiceBusFrontend::ConnectionState *ServiceBusFrontend::stateOf(AmqpConnection &connection)
{
    auto &slot = m_connections[&connection];
    if (!slot) {
        slot = std::make_unique<ConnectionState>();
        slot->connection = &connection;
    }
    return slot.get();
}

void ServiceBusFrontend::engineChanged()
{
    armEngineTimer();
}

void ServiceBusFrontend::onEventsProcessed(AmqpConnection &connection)
{
    auto it = m_connections.find(&connection);
    if (it != m_connections.end() && !it->second->pendingReplies.empty()) {
        auto replies = std::move(it->second->pendingReplies);
        it->second->pendingReplies.clear();
        for (auto &reply : replies)
            reply();
        connection.scheduleProcess();
    }
    armEngineTimer();
}

void ServiceBusFrontend::onRoundStarted(AmqpConnection &)
{
    m_engine.beginBatch();
}

bool ServiceBusFrontend::onRoundFinished(AmqpConnection &connection)
{
    if (auto committed = m_engine.commitBatch(); !committed) {
        log()->error("amqp: connection {}: store commit failed, dropping the connection: {}", connection.id(),
                     committed.error().message);
        return false;
    }
    return true;
}

void ServiceBusFrontend::onConnectionClosed(AmqpConnection &connection)
{
    auto it = m_connections.find(&connection);
    if (it == m_connections.end())
        return;
    for (auto &[link, state] : it->second->links)
        if (state->receiver)
            m_engine.closeReceiver(state->receiver);
    m_connections.erase(it);
    armEngineTimer();
}

void ServiceBusFrontend::onEvent(AmqpConnection &connection, pn_event_t *event)
{
    ConnectionState *conn = stateOf(connection);
    switch (pn_event_type(event)) {
    case PN_CONNECTION_REMOTE_OPEN:
        if (pn_connection_state(pn_event_connection(event)) & PN_LOCAL_UNINIT) {
            pn_connection_open(pn_event_connection(event));
            if (m_requireAuthorization) {
                // DOC-PG: a connection that puts no valid token within 20 s is dropped.
                AmqpConnection *c = &connection;
                QTimer::singleShot(kTokenGracePeriod, c, [this, c] {
                    auto it = m_connections.find(c);
                    if (it != m_connections.end() && !it->second->everAuthorized)
                        c->closeWithError("amqp:unauthorized-access",
                                          "No valid token was put on $cbs within 20 seconds of opening the connection.");
                });
            }
        }
        break;
    case PN_SESSION_REMOTE_OPEN: {
        pn_session_t *session = pn_event_session(event);
        if (pn_session_state(session) & PN_LOCAL_UNINIT)
            pn_session_open(session);
        break;
    }
    case PN_LINK_REMOTE_OPEN:
        onLinkRemoteOpen(*conn, pn_event_link(event));
        break;
    case PN_LINK_REMOTE_CLOSE:
    case PN_LINK_REMOTE_DETACH: {
        pn_link_t *link = pn_event_link(event);
        releaseLink(*conn, link);
        if (!(pn_link_state(link) & PN_LOCAL_CLOSED)) {
            if (pn_event_type(event) == PN_LINK_REMOTE_CLOSE)
                pn_link_close(link);
            else
                pn_link_detach(link);
        }
        break;
    }
    case PN_SESSION_REMOTE_CLOSE: {
        pn_session_t *session = pn_event_session(event);
        std::vector<pn_link_t *> links;
        for (auto &[link, state] : conn->links)
            if (pn_link_session(link) == session)
                links.push_back(link);
        for (pn_link_t *link : links)
            releaseLink(*conn, link);
        if (!(pn_session_state(session) & PN_LOCAL_CLOSED))
            pn_session_close(session);
        break;
    }
    case PN_CONNECTION_REMOTE_CLOSE:
        if (!(pn_connection_state(pn_event_connection(event)) & PN_LOCAL_CLOSED))
            pn_connection_close(pn_event_connection(event));
        break;
    case PN_TRANSPORT_CLOSED: {
        std::vector<pn_link_t *> links;
        for (auto &[link, state] : conn->links)
            links.push_back(link);
        for (pn_link_t *link : links)
            releaseLink(*conn, link);
        break;
    }
    case PN_LINK_FLOW: {
        auto it = conn->links.find(pn_event_link(event));
        if (it != conn->links.end() && it->second->kind == LinkState::Kind::EntityReceiver)
            syncCredit(*it->second);
        break;
    }
    case PN_DELIVERY: {
        pn_delivery_t *delivery = pn_event_delivery(event);
        pn_link_t *link = pn_delivery_link(delivery);
        auto it = conn->links.find(link);
        if (it == conn->links.end()) {
            // A link we refused or already released: settle and forget.
            if (pn_link_is_receiver(link) && pn_delivery_readable(delivery) && !pn_delivery_partial(delivery)) {
                readDelivery(link, delivery);
                pn_link_advance(link);
            }
            if (pn_delivery_settled(delivery) || pn_link_is_receiver(link))
                pn_delivery_settle(delivery);
            break;
        }
        if (pn_link_is_receiver(link))
            onIncomingTransfer(*conn, *it->second, delivery);
        else
            onDispositionUpdate(*conn, *it->second, delivery);
        break;
    }
    default:
        break;
    }
}

// ---- links --------------------------------------------------------------------------------------

void ServiceBusFrontend::refuseAttach(pn_link_t *link, const std::string &condition, const std::string &description)
{
    // DOC-PG: attach reply with null source/target, then detach(closed=true, error).
    log()->debug("amqp: refusing link '{}': {} {}", pn_link_name(link), condition, description);
    pn_link_open(link);
    pn_condition_t *cond = pn_link_condition(link);
    pn_condition_set_name(cond, condition.c_str());
    pn_condition_set_description(cond, description.c_str());
    pn_link_close(link);
}

void ServiceBusFrontend::detachWithError(LinkState &state, const std::string &condition, const std::string &description)
{
    state.failed = true;
    if (state.receiver) {
        m_engine.closeReceiver(state.receiver);
        state.receiver = 0;
    }
    if (pn_link_state(state.link) & PN_LOCAL_CLOSED)
        return;
    if (!state.opened) {
        refuseAttach(state.link, condition, description);
    } else {
        pn_condition_t *cond = pn_link_condition(state.link);
        pn_condition_set_name(cond, condition.c_str());
        pn_condition_set_description(cond, description.c_str());
        pn_link_close(state.link);
    }
    state.owner->connection->scheduleProcess();
}

void ServiceBusFrontend::releaseLink(ConnectionState &conn, pn_link_t *link)
{
    auto it = conn.links.find(link);
    if (it == conn.links.end())
        return;
    if (it->second->receiver)
        m_engine.closeReceiver(it->second->receiver);
    conn.links.erase(it);
}

void ServiceBusFrontend::onLinkRemoteOpen(ConnectionState &conn, pn_link_t *link)
{
    if (!(pn_link_state(link) & PN_LOCAL_UNINIT))
        return;
    const bool clientSends = pn_link_is_receiver(link); // our end receives
    const std::string address = terminusAddress(clientSends ? pn_link_remote_target(link) : pn_link_remote_source(link));

    auto state = std::make_unique<LinkState>();
    state->owner = &conn;
    state->link = link;
    state->address = address;

    if (core::equalsIgnoreCase(address, kCbsNode)) {
        state->kind = LinkState::Kind::Cbs;
    } else {
        auto parsed = broker::EntityAddress::parse(address);
        if (!parsed) {
            refuseAttach(link, "amqp:not-found", "The messaging entity '" + address + "' could not be found.");
            return;
        }
        state->entity = parsed.value();
        state->kind = parsed->management ? LinkState::Kind::Management
                                         : (clientSends ? LinkState::Kind::EntitySender : LinkState::Kind::EntityReceiver);
    }

    if (state->kind != LinkState::Kind::Cbs && m_requireAuthorization) {
        bool ok = false;
        switch (state->kind) {
        case LinkState::Kind::EntitySender: ok = authorized(conn, address, AccessRight::Send); break;
        case LinkState::Kind::EntityReceiver: ok = authorized(conn, address, AccessRight::Listen); break;
        default:
            ok = authorized(conn, address, AccessRight::Listen) || authorized(conn, address, AccessRight::Send)
                || authorized(conn, address, AccessRight::Manage);
            break;
        }
        if (!ok) {
            refuseAttach(link, "amqp:unauthorized-access",
                         "Unauthorized access. A valid token for '" + address + "' must be put on $cbs first.");
            return;
        }
    }

    LinkState &s = *state;
    conn.links[link] = std::move(state);
    switch (s.kind) {
    case LinkState::Kind::Cbs:
    case LinkState::Kind::Management:
        pn_terminus_copy(pn_link_source(link), pn_link_remote_source(link));
        pn_terminus_copy(pn_link_target(link), pn_link_remote_target(link));
        pn_link_set_snd_settle_mode(link, pn_link_remote_snd_settle_mode(link));
        pn_link_set_rcv_settle_mode(link, PN_RCV_FIRST);
        if (clientSends)
            pn_link_set_max_message_size(link, 262144);
        pn_link_open(link);
        s.opened = true;
        if (clientSends)
            pn_link_flow(link, kSenderCredit);
        break;
    case LinkState::Kind::EntitySender:
        openEntitySenderLink(conn, s);
        break;
    case LinkState::Kind::EntityReceiver:
        openEntityReceiverLink(conn, s);
        break;
    }
}

void ServiceBusFrontend::openEntitySenderLink(ConnectionState &conn, LinkState &state)
{
    const broker::EntityAddress &entity = state.entity;
    std::int64_t maxKilobytes = 0;
    if (entity.isSubscription() || entity.subQueue != broker::SubQueue::None) {
        auto error = core::makeError(core::ErrorCode::NotAllowed,
                                     "Cannot send to '" + state.address + "': only queues and topics accept messages.");
        const WireError wire = wireError(error.code);
        pn_link_t *link = state.link;
        conn.links.erase(link); // destroys `state`: refused links are not kept
        refuseAttach(link, wire.condition, error.message);
        return;
    }
    if (auto queue = m_engine.getQueue(entity.entityPath)) {
        maxKilobytes = queue->maxMessageSizeInKilobytes;
    } else if (auto topic = m_engine.getTopic(entity.entityPath)) {
        maxKilobytes = topic->maxMessageSizeInKilobytes;
    } else {
        pn_link_t *link = state.link;
        conn.links.erase(link);
        refuseAttach(link, "amqp:not-found",
                     "The messaging entity 'sb://" + m_engine.options().namespaceHost + "/" + entity.entityPath
                         + "' could not be found.");
        return;
    }
    pn_link_t *link = state.link;
    pn_terminus_copy(pn_link_source(link), pn_link_remote_source(link));
    pn_terminus_copy(pn_link_target(link), pn_link_remote_target(link));
    pn_link_set_snd_settle_mode(link, pn_link_remote_snd_settle_mode(link));
    // Settle every transfer at once (uamqp-c completes a send only on a settled disposition).
    pn_link_set_rcv_settle_mode(link, PN_RCV_FIRST);
    pn_link_set_max_message_size(link, std::uint64_t(std::max<std::int64_t>(maxKilobytes, 1)) * 1024);
    pn_link_open(link);
    state.opened = true;
    pn_link_flow(link, kSenderCredit);
}

void ServiceBusFrontend::openEntityReceiverLink(ConnectionState &conn, LinkState &state)
{
    pn_link_t *link = state.link;
    state.mode = pn_link_remote_snd_settle_mode(link) == PN_SND_SETTLED ? broker::ReceiveMode::ReceiveAndDelete
                                                                       : broker::ReceiveMode::PeekLock;
    broker::SessionSpec session;
    pn_data_t *filter = pn_terminus_filter(pn_link_remote_source(link));
    if (filter && seekRootMap(filter, kSessionFilter)) {
        state.sessionful = true;
        if (pn_data_type(filter) == PN_STRING || pn_data_type(filter) == PN_SYMBOL) {
            const std::string id = pn_data_type(filter) == PN_STRING ? text(pn_data_get_string(filter))
                                                                     : text(pn_data_get_symbol(filter));
            session = broker::SessionSpec::named(id);
        } else {
            std::optional<core::Duration> timeout;
            pn_data_t *properties = pn_link_remote_properties(link);
            if (properties && seekRootMap(properties, kTimeoutProperty)) {
                const core::Value v = readValue(properties);
                if (v.isUnsignedInteger())
                    timeout = core::Duration(std::int64_t(v.toUInt64()));
                else if (v.isSignedInteger() && v.toInt64() > 0)
                    timeout = core::Duration(v.toInt64());
            }
            session = broker::SessionSpec::nextAvailable(timeout);
        }
    }

    LinkState *s = &state;
    broker::ReceiverCallbacks callbacks;
    callbacks.onMessage = [this, s](core::Message message) { deliver(*s, std::move(message)); };
    callbacks.onSessionAccepted = [this, s](const std::string &sessionId, core::TimePoint lockedUntil) {
        completeReceiverAttach(*s, sessionId, lockedUntil);
        s->owner->connection->scheduleProcess();
    };
    callbacks.onClosed = [this, s](const core::Error &error) {
        s->receiver = 0; // the engine already dropped it
        const WireError wire = wireError(error.code);
        detachWithError(*s, wire.condition, error.message);
    };
    auto opened = m_engine.openReceiver(state.entity, state.mode, session, std::move(callbacks));
    if (!opened) {
        const WireError wire = wireError(opened.error().code);
        conn.links.erase(link);
        refuseAttach(link, wire.condition, opened.error().message);
        return;
    }
    state.receiver = opened->id;
    if (!state.sessionful)
        completeReceiverAttach(state, std::nullopt, {});
    else if (opened->sessionId)
        completeReceiverAttach(state, opened->sessionId, opened->sessionLockedUntil);
    // else: accept-next-session is waiting; the attach reply goes out when a session is accepted.
}

void ServiceBusFrontend::completeReceiverAttach(LinkState &state, const std::optional<std::string> &sessionId,
                                                core::TimePoint lockedUntil)
{
    pn_link_t *link = state.link;
    if (state.opened || (pn_link_state(link) & PN_LOCAL_CLOSED))
        return;
    pn_terminus_copy(pn_link_source(link), pn_link_remote_source(link));
    pn_terminus_copy(pn_link_target(link), pn_link_remote_target(link));
    if (sessionId) {
        // Both SDKs read the locked session's id from the reply's filter, and its lock expiry from
        // the link properties as .NET ticks in an AMQP long.
        pn_data_t *filter = pn_terminus_filter(pn_link_source(link));
        pn_data_clear(filter);
        pn_data_put_map(filter);
        pn_data_enter(filter);
        pn_data_put_symbol(filter, pn_bytes(std::strlen(kSessionFilter), kSessionFilter));
        pn_data_put_string(filter, pn_bytes(sessionId->size(), sessionId->data()));
        pn_data_exit(filter);
        pn_data_t *properties = pn_link_properties(link);
        pn_data_clear(properties);
        pn_data_put_map(properties);
        pn_data_enter(properties);
        pn_data_put_symbol(properties, pn_bytes(std::strlen(kLockedUntilUtc), kLockedUntilUtc));
        pn_data_put_long(properties, toDotNetTicks(lockedUntil));
        pn_data_exit(properties);
    }
    pn_link_set_snd_settle_mode(link, pn_link_remote_snd_settle_mode(link));
    pn_link_set_rcv_settle_mode(link, pn_link_remote_rcv_settle_mode(link));
    pn_link_open(link);
    state.opened = true;
    syncCredit(state);
}

void ServiceBusFrontend::syncCredit(LinkState &state)
{
    if (!state.opened || !state.receiver || state.failed)
        return;
    const int linkCredit = std::max(0, pn_link_credit(state.link));
    const auto engineCredit = int(m_engine.credit(state.receiver));
    if (linkCredit > engineCredit) {
        m_engine.addCredit(state.receiver, std::uint32_t(linkCredit - engineCredit));
    } else if (linkCredit < engineCredit) {
        m_engine.drain(state.receiver);
        if (linkCredit > 0)
            m_engine.addCredit(state.receiver, std::uint32_t(linkCredit));
    }
    if (!state.receiver || state.failed)
        return; // a delivery callback closed it
    if (pn_link_get_drain(state.link) && pn_link_credit(state.link) > 0) {
        // Nothing more to send: use up the credit and tell the client (flow with drain=true, credit 0).
        m_engine.drain(state.receiver);
        pn_link_drained(state.link);
    }
}

void ServiceBusFrontend::deliver(LinkState &state, core::Message message)
{
    pn_link_t *link = state.link;
    if (pn_link_state(link) & PN_LOCAL_CLOSED) {
        log()->warn("amqp: delivery for a closed link dropped (sequence number {})", message.sequenceNumber);
        return;
    }
    const bool peekLock = state.mode == broker::ReceiveMode::PeekLock;
    const std::string tag = lockTokenToDeliveryTag(peekLock ? message.lockToken : core::Uuid::generate());
    const std::string bytes = encodeMessage(message, EncodeOptions{peekLock, false});
    pn_delivery_t *delivery = pn_delivery(link, pn_dtag(tag.data(), tag.size()));
    pn_link_send(link, bytes.data(), bytes.size());
    pn_link_advance(link);
    if (!peekLock)
        pn_delivery_settle(delivery);
    state.owner->connection->scheduleProcess();
}

// ---- transfers and dispositions ----------------------------------------------------------------------

void ServiceBusFrontend::onIncomingTransfer(ConnectionState &conn, LinkState &state, pn_delivery_t *delivery)
{
    pn_link_t *link = state.link;
    if (pn_delivery_aborted(delivery)) {
        pn_delivery_settle(delivery);
        return;
    }
    if (!pn_delivery_readable(delivery) || pn_delivery_partial(delivery))
        return; // wait for the last frame
    const std::string payload = readDelivery(link, delivery);
    pn_link_advance(link);

    auto settle = [&](const core::Result<void> &result) {
        if (!pn_delivery_settled(delivery)) {
            if (result) {
                pn_delivery_update(delivery, PN_ACCEPTED);
            } else {
                const WireError wire = wireError(result.error().code);
                pn_condition_t *cond = pn_disposition_condition(pn_delivery_local(delivery));
                pn_condition_set_name(cond, wire.condition);
                pn_condition_set_description(cond, result.error().message.c_str());
                pn_delivery_update(delivery, PN_REJECTED);
            }
        }
        pn_delivery_settle(delivery);
    };

    if (state.kind == LinkState::Kind::Cbs || state.kind == LinkState::Kind::Management) {
        // uamqp-c drops a response that arrives before the disposition of its request ("Did not
        // receive send confirmation"), and Proton writes pending dispositions after transfers of the
        // same round: settle now, answer in the next round.
        settle(core::Result<void>());
        conn.pendingReplies.push_back([this, &conn, link, payload] {
            auto it = conn.links.find(link);
            if (it != conn.links.end())
                handleRequest(conn, *it->second, payload);
        });
    } else {
        auto messages = decodeTransfer(payload, looksLikeBatch(payload) ? kBatchMessageFormat : 0);
        if (!messages) {
            settle(messages.error());
        } else {
            for (core::Message &message : messages.value())
                assignMessageId(message);
            auto sent = m_engine.send(state.entity, std::move(messages.value()));
            settle(sent ? core::Result<void>() : core::Result<void>(sent.error()));
        }
    }
    const int credit = pn_link_credit(link);
    if (credit < kSenderCredit / 2)
        pn_link_flow(link, kSenderCredit - credit);
}

void ServiceBusFrontend::onDispositionUpdate(ConnectionState &, LinkState &state, pn_delivery_t *delivery)
{
    const bool clientSettled = pn_delivery_settled(delivery);
    const std::uint64_t outcome = pn_delivery_remote_state(delivery);
    if (state.kind != LinkState::Kind::EntityReceiver || state.mode == broker::ReceiveMode::ReceiveAndDelete
        || pn_delivery_local_state(delivery) != 0) {
        if (clientSettled)
            pn_delivery_settle(delivery);
        return;
    }
    if (outcome == 0) {
        if (clientSettled)
            pn_delivery_settle(delivery); // settled without an outcome: the lock simply runs out
        return;
    }
    const pn_delivery_tag_t tag = pn_delivery_tag(delivery);
    const auto lockToken = deliveryTagToLockToken(std::string_view(tag.start, tag.size));
    core::Result<void> result = core::makeError(core::ErrorCode::MessageLockLost, "Unknown delivery tag.");
    pn_disposition_t *remote = pn_delivery_remote(delivery);
    if (lockToken) {
        switch (outcome) {
        case PN_ACCEPTED:
            result = m_engine.complete(state.entity, *lockToken);
            break;
        case PN_RELEASED:
            result = m_engine.release(state.entity, *lockToken);
            break;
        case PN_MODIFIED: {
            core::PropertyMap properties;
            if (pn_data_t *annotations = pn_disposition_annotations(remote))
                properties = mapOf(annotations);
            result = pn_disposition_is_undeliverable(remote) ? m_engine.defer(state.entity, *lockToken, properties)
                                                             : m_engine.abandon(state.entity, *lockToken, properties);
            break;
        }
        case PN_REJECTED: {
            pn_condition_t *cond = pn_disposition_condition(remote);
            core::PropertyMap info;
            if (pn_data_t *data = pn_condition_info(cond))
                info = mapOf(data);
            std::optional<std::string> reason = textValue(info.find(core::kDeadLetterReasonProperty));
            std::optional<std::string> description = textValue(info.find(core::kDeadLetterDescriptionProperty));
            if (!description && pn_condition_get_description(cond) && *pn_condition_get_description(cond))
                description = std::string(pn_condition_get_description(cond));
            info.remove(core::kDeadLetterReasonProperty);
            info.remove(core::kDeadLetterDescriptionProperty);
            result = m_engine.deadLetter(state.entity, *lockToken, reason, description, info);
            break;
        }
        default:
            result = core::makeError(core::ErrorCode::InvalidArgument, "Unsupported delivery outcome.");
            break;
        }
    }
    if (!result)
        log()->debug("amqp: settlement on '{}' failed: {}", state.address, result.error().message);
    if (clientSettled) {
        // uamqp settles first: nothing can be reported back.
        pn_delivery_settle(delivery);
        return;
    }
    // rhea (rcv-settle-mode second) waits for our settled disposition; errors go in a rejected state.
    if (result) {
        pn_delivery_update(delivery, outcome);
    } else {
        const WireError wire = wireError(result.error().code);
        pn_condition_t *cond = pn_disposition_condition(pn_delivery_local(delivery));
        pn_condition_set_name(cond, wire.condition);
        pn_condition_set_description(cond, result.error().message.c_str());
        pn_delivery_update(delivery, PN_REJECTED);
    }
    pn_delivery_settle(delivery);
}

// ---- request/response nodes ---------------------------------------------------------------------------

void ServiceBusFrontend::handleRequest(ConnectionState &conn, LinkState &state, const std::string &payload)
{
    auto request = decodeMessage(payload, DecodeMode::ClientSend);
    if (!request) {
        log()->debug("amqp: undecodable request on '{}'", state.address);
        return;
    }
    // The body is an amqp-value: decode it once for the handlers.
    pn_data_t *body = pn_data(16);
    if (request->bodyType == core::BodyType::Value && !request->body.empty())
        pn_data_decode(body, request->body.data(), request->body.size());
    core::PropertyMap reply;
    std::string replyBody;

    const std::string operation = textValue(request->applicationProperties.find("operation")).value_or("");
    if (state.kind == LinkState::Kind::Cbs) {
        std::string token;
        pn_data_rewind(body);
        if (pn_data_next(body) && pn_data_type(body) == PN_STRING)
            token = text(pn_data_get_string(body));
        if (operation == "put-token") {
            handleCbs(conn, *request, token, reply);
        } else {
            reply.set("status-code", core::Value::int32(400));
            reply.set("status-description", core::Value::string("Unsupported CBS operation '" + operation + "'."));
        }
    } else {
        pn_data_rewind(body);
        const ManagementResponse response = m_management.handle(
            state.entity, operation, pn_data_size(body) > 0 ? body : nullptr, [&](AccessRight right) {
                return !m_requireAuthorization || authorized(conn, state.address, right);
            });
        reply.set("statusCode", core::Value::int32(response.status));
        reply.set("statusDescription", core::Value::string(response.description));
        if (!response.condition.empty())
            reply.set("errorCondition", core::Value::symbol(response.condition));
        if (const core::Value *tracking = request->applicationProperties.find("com.microsoft:tracking-id"))
            reply.set("com.microsoft:tracking-id", *tracking);
        replyBody = response.body;
        log()->debug("amqp: {} on '{}' -> {}", operation, state.address, response.status);
        // Management operations change the engine (locks, schedules): re-arm its timer.
        armEngineTimer();
    }
    pn_data_free(body);
    sendResponse(conn, state, *request, reply, replyBody);
}

void ServiceBusFrontend::handleCbs(ConnectionState &conn, const core::Message &request, const std::string &token,
                                   core::PropertyMap &reply)
{
    const std::string type = textValue(request.applicationProperties.find("type")).value_or("");
    const std::string audience = textValue(request.applicationProperties.find("name")).value_or("");
    auto refuse = [&](int status, const std::string &why) {
        reply.set("status-code", core::Value::int32(status));
        reply.set("status-description", core::Value::string(why));
        log()->info("amqp: CBS put-token for '{}' refused: {}", audience, why);
    };
    if (type != kSasTokenType) {
        refuse(type == "jwt" ? 401 : 400, "Token type '" + type + "' is not supported; use a shared access signature.");
        return;
    }
    auto parsed = core::parseSasToken(token);
    if (!parsed) {
        refuse(401, parsed.error().message);
        return;
    }
    auto grant = core::verifySasToken(*parsed, m_policies, m_authClock->now());
    if (!grant) {
        refuse(401, grant.error().message);
        return;
    }
    if (!core::sasAudienceCovers(parsed->resource, audience)) {
        refuse(401, "The token's resource does not cover the audience '" + audience + "'.");
        return;
    }
    // An entity-level policy only covers its own entity.
    for (const core::SharedAccessPolicy &policy : m_policies) {
        if (policy.keyName == grant->keyName && !policy.entityPath.empty()
            && !core::sasAudienceCovers(policy.entityPath, audience)) {
            refuse(401, "The key '" + policy.keyName + "' is not valid for '" + audience + "'.");
            return;
        }
    }
    conn.grants.push_back(Grant{audience, grant->rights, grant->expiry});
    conn.everAuthorized = true;
    reply.set("status-code", core::Value::int32(202));
    reply.set("status-description", core::Value::string("Accepted"));
    log()->debug("amqp: CBS token accepted for '{}'", audience);
    armAuthTimer();
}

void ServiceBusFrontend::sendResponse(ConnectionState &conn, LinkState &requestLink, const core::Message &request,
                                      const core::PropertyMap &properties, const std::string &body)
{
    const std::string replyTo = request.replyTo.value_or("");
    pn_link_t *target = nullptr;
    auto candidates = [&](auto predicate) {
        for (auto &[link, state] : conn.links)
            if (pn_link_is_sender(link) && state->kind == requestLink.kind && state->opened
                && !(pn_link_state(link) & PN_LOCAL_CLOSED) && predicate(link, *state))
                return link;
        return static_cast<pn_link_t *>(nullptr);
    };
    // Routing rules of servicebus-amqp.md §1.4: reply-to = target address, = link name, then the
    // node's reply link on the same session.
    if (!replyTo.empty()) {
        target = candidates([&](pn_link_t *l, LinkState &) { return terminusAddress(pn_link_remote_target(l)) == replyTo; });
        if (!target)
            target = candidates([&](pn_link_t *l, LinkState &) { return replyTo == pn_link_name(l); });
    }
    if (!target)
        target = candidates([&](pn_link_t *l, LinkState &s) {
            return pn_link_session(l) == pn_link_session(requestLink.link)
                && core::equalsIgnoreCase(s.address, requestLink.address);
        });
    if (!target)
        target = candidates([&](pn_link_t *, LinkState &s) { return core::equalsIgnoreCase(s.address, requestLink.address); });
    if (!target) {
        log()->info("amqp: no reply link for a request on '{}'", requestLink.address);
        return;
    }
    const std::string bytes = encodeReply(request.messageId, properties, body);
    const std::uint64_t tagValue = ++m_responseTag;
    pn_delivery_t *delivery = pn_delivery(target, pn_dtag(reinterpret_cast<const char *>(&tagValue), sizeof tagValue));
    pn_link_send(target, bytes.data(), bytes.size());
    pn_link_advance(target);
    pn_delivery_settle(delivery); // pre-settled: rhea and uamqp accept both
}

// ---- authorization and timers -----------------------------------------------------------------------

bool ServiceBusFrontend::authorized(const ConnectionState &conn, const std::string &address, AccessRight right) const
{
    if (!m_requireAuthorization)
        return true;
    const core::TimePoint now = m_authClock->now();
    return std::any_of(conn.grants.begin(), conn.grants.end(), [&](const Grant &g) {
        return g.expiry > now && g.rights.grants(right) && core::sasAudienceCovers(g.audience, address);
    });
}

void ServiceBusFrontend::checkAuthorizations()
{
    const core::TimePoint now = m_authClock->now();
    for (auto &[connection, conn] : m_connections) {
        std::erase_if(conn->grants, [&](const Grant &g) { return g.expiry <= now; });
        for (auto &[link, state] : conn->links) {
            if (state->kind == LinkState::Kind::Cbs || !state->opened || state->failed)
                continue;
            const AccessRight right = state->kind == LinkState::Kind::EntitySender ? AccessRight::Send : AccessRight::Listen;
            const bool ok = state->kind == LinkState::Kind::Management
                ? authorized(*conn, state->address, AccessRight::Listen) || authorized(*conn, state->address, AccessRight::Send)
                    || authorized(*conn, state->address, AccessRight::Manage)
                : authorized(*conn, state->address, right);
            if (!ok)
                detachWithError(*state, "amqp:unauthorized-access", "The token for '" + state->address + "' has expired.");
        }
    }
    armAuthTimer();
}

void ServiceBusFrontend::armAuthTimer()
{
    std::optional<core::TimePoint> earliest;
    for (auto &[connection, conn] : m_connections)
        for (const Grant &g : conn->grants)
            if (!earliest || g.expiry < *earliest)
                earliest = g.expiry;
    if (!earliest) {
        m_authTimer->stop();
        return;
    }
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*earliest - m_authClock->now()).count();
    m_authTimer->start(int(std::clamp<std::int64_t>(wait + 1, 0, 24LL * 3600 * 1000)));
}

void ServiceBusFrontend::armEngineTimer()
{
    const auto deadline = m_engine.nextDeadline();
    if (!deadline) {
        m_engineTimer->stop();
        return;
    }
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - m_engine.clock().now()).count();
    const int ms = int(std::clamp<std::int64_t>(wait, 0, 24LL * 3600 * 1000));
    if (!m_engineTimer->isActive() || m_engineTimer->remainingTime() > ms)
        m_engineTimer->start(ms);
}

void ServiceBusFrontend::onEngineTimer()
{
    m_engine.processDue();
    m_engineTimer->stop();
    armEngineTimer();
}

} // namespace busyard::emulator::amqp
