#include "amqpclientconnection.h"

#include "amqpcodec.h"
#include "amqpdata.h"
#include "clienterror.h"

#include "core/auth/sastoken.h"
#include "core/logging.h"

#include <QNetworkRequest>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/delivery.h>
#include <proton/disposition.h>
#include <proton/event.h>
#include <proton/link.h>
#include <proton/sasl.h>
#include <proton/session.h>
#include <proton/terminus.h>
#include <proton/transport.h>

#include <algorithm>
#include <cstring>

namespace busyard::client {

using namespace std::chrono_literals;
using core::Error;
using core::ErrorCode;
using core::Result;
using amqpdata::bytes;
using amqpdata::text;

namespace {

auto log() { return core::logger("client"); }

constexpr const char *kCbsNode = "$cbs";
constexpr const char *kSasTokenType = "servicebus.windows.net:sastoken";
constexpr const char *kSessionFilter = "com.microsoft:session-filter";
constexpr const char *kLockedUntilUtc = "com.microsoft:locked-until-utc";
constexpr const char *kTimeoutProperty = "com.microsoft:timeout";
constexpr const char *kReceiverName = "com.microsoft:receiver-name";
constexpr const char *kWebSocketPath = "/$servicebus/websocket";
constexpr std::chrono::milliseconds kDrainTimeout = 5s;
constexpr int kResponseCredit = 100;

std::int64_t steadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string conditionName(pn_condition_t *c)
{
    const char *n = c ? pn_condition_get_name(c) : nullptr;
    return n ? std::string(n) : std::string();
}

std::string conditionDescription(pn_condition_t *c)
{
    const char *d = c ? pn_condition_get_description(c) : nullptr;
    return d ? std::string(d) : std::string();
}

std::string lower(const std::string &s) { return core::toLowerAscii(s); }

std::string linkKey(int kind, const std::string &entity, ReceiveMode mode)
{
    return std::to_string(kind) + '|' + std::to_string(int(mode)) + '|' + lower(entity);
}

std::string sessionKey(const std::string &entity, const std::string &sessionId)
{
    return lower(entity) + '\n' + sessionId;
}

std::string readDelivery(pn_link_t *link, pn_delivery_t *delivery)
{
    std::string payload(std::size_t(pn_delivery_pending(delivery)), '\0');
    std::size_t used = 0;
    for (;;) {
        if (used == payload.size())
            payload.resize(std::max<std::size_t>(payload.size() * 2, 1024));
        const ssize_t n = pn_link_recv(link, payload.data() + used, payload.size() - used);
        if (n <= 0)
            break;
        used += std::size_t(n);
    }
    payload.resize(used);
    return payload;
}

/** Writes a property map as a map with symbol keys (annotations, condition info). */
void putSymbolMap(pn_data_t *d, const core::PropertyMap &map)
{
    pn_data_put_map(d);
    pn_data_enter(d);
    for (const auto &[key, value] : map.entries()) {
        pn_data_put_symbol(d, bytes(key));
        codec::putValue(d, value);
    }
    pn_data_exit(d);
}

} // namespace

// ---- internal state ---------------------------------------------------------------------------------

template<typename T>
struct AmqpClientConnection::Completion
{
    Callback<T> callback;
    bool done = false;

    void operator()(Result<T> result)
    {
        if (done)
            return;
        done = true;
        auto cb = std::move(callback);
        callback = nullptr;
        if (cb)
            cb(std::move(result));
    }
};

struct AmqpClientConnection::ReceiveRequest
{
    int maxCount = 1;
    std::chrono::milliseconds maxWait{0};
    std::vector<core::Message> messages;
    std::shared_ptr<Completion<std::vector<core::Message>>> completion;
};

struct AmqpClientConnection::Link
{
    std::uint64_t id = 0;
    LinkKind kind = LinkKind::Sender;
    LinkState state = LinkState::Attaching;
    std::string entity;
    std::string key;                       ///< m_linksByKey / m_sessionLinks key
    ReceiveMode mode = ReceiveMode::PeekLock;
    pn_link_t *link = nullptr;             ///< sender, receiver, or the request sender of a pair
    pn_link_t *reply = nullptr;            ///< RequestPair: the response receiver
    std::string replyTo;
    bool linkOpen = false;
    bool replyOpen = false;
    std::vector<LinkWaiter> waiters;
    std::chrono::steady_clock::time_point lastUsed = std::chrono::steady_clock::now();
    // receivers
    std::deque<std::shared_ptr<ReceiveRequest>> receives;
    std::shared_ptr<ReceiveRequest> active;
    std::deque<core::Message> buffered;
    bool draining = false;
    QTimer *waitTimer = nullptr;
    QTimer *drainTimer = nullptr;
    // session receivers
    SessionInfo session;
    std::optional<std::string> requestedSession;

    bool isOpen() const { return state == LinkState::Open; }
};

struct AmqpClientConnection::Token
{
    enum class State { None, Pending, Valid };
    State state = State::None;
    std::string audience;
    core::TimePoint expiry{};
    std::uint64_t generation = 0;
    std::vector<Waiter> waiters;
};

struct AmqpClientConnection::SendBatch
{
    std::size_t remaining = 0;
    std::shared_ptr<Completion<void>> completion;
};

// ---- construction -----------------------------------------------------------------------------------

AmqpClientConnection::AmqpClientConnection(core::ConnectionString connectionString, ConnectionOptions options,
                                           QObject *parent)
    : QObject(parent)
    , m_cs(std::move(connectionString))
    , m_options(std::move(options))
    , m_containerId("busyard-" + core::Uuid::generate().toString())
    , m_tickTimer(new QTimer(this))
    , m_idleTimer(new QTimer(this))
    , m_deadlineTimer(new QTimer(this))
{
    m_deadlineTimer->setSingleShot(true);
    m_deadlineTimer->setTimerType(Qt::PreciseTimer);
    connect(m_deadlineTimer, &QTimer::timeout, this, &AmqpClientConnection::onDeadlines);
    m_tickTimer->setSingleShot(true);
    connect(m_tickTimer, &QTimer::timeout, this, [this] {
        if (m_driverReady) {
            pn_transport_tick(m_driver.transport, steadyMs());
            process();
        }
    });
    const auto idle = std::max<std::chrono::milliseconds>(m_options.linkIdleTimeout / 2, 50ms);
    m_idleTimer->setInterval(int(std::min<std::chrono::milliseconds>(idle, 60s).count()));
    connect(m_idleTimer, &QTimer::timeout, this, &AmqpClientConnection::closeIdleLinks);
}

AmqpClientConnection::~AmqpClientConnection()
{
    // Callbacks must not run into a half-destroyed object: fail everything first.
    connectionLost(connectionLostError("the connection was closed"));
}

int AmqpClientConnection::linkCount() const { return int(m_links.size()); }

void AmqpClientConnection::close()
{
    if (m_state == State::Idle && !m_driverReady)
        return;
    if (m_driverReady && m_state == State::Open) {
        pn_connection_close(m_driver.connection);
        process();
    }
    connectionLost(connectionLostError("the connection was closed"));
    m_backoff = 0ms;
    m_nextAttempt = {};
}

template<typename T>
std::shared_ptr<AmqpClientConnection::Completion<T>> AmqpClientConnection::track(std::string what, Callback<T> done,
                                                                                 std::chrono::milliseconds extra)
{
    auto completion = std::make_shared<Completion<T>>();
    completion->callback = std::move(done);
    const auto timeout = m_options.operationTimeout + extra;
    addDeadline(std::chrono::steady_clock::now() + timeout, [completion, what = std::move(what), timeout] {
        if (completion->done)
            return;
        log()->debug("client: {} timed out", what);
        (*completion)(timeoutError(what, timeout.count()));
    });
    return completion;
}

void AmqpClientConnection::addDeadline(std::chrono::steady_clock::time_point at, std::function<void()> fire)
{
    const bool earliest = m_deadlines.empty() || at < m_deadlines.begin()->first;
    m_deadlines.emplace_hint(m_deadlines.end(), at, std::move(fire));
    if (earliest || !m_deadlineTimer->isActive()) {
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(at - std::chrono::steady_clock::now());
        m_deadlineTimer->start(int(std::clamp<std::int64_t>(wait.count() + 1, 0, 24 * 3600 * 1000)));
    }
}

void AmqpClientConnection::onDeadlines()
{
    const auto now = std::chrono::steady_clock::now();
    // Fire outside the map: a callback may add deadlines.
    std::vector<std::function<void()>> due;
    while (!m_deadlines.empty() && m_deadlines.begin()->first <= now) {
        due.push_back(std::move(m_deadlines.begin()->second));
        m_deadlines.erase(m_deadlines.begin());
    }
    if (!m_deadlines.empty()) {
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(m_deadlines.begin()->first - now);
        m_deadlineTimer->start(int(std::clamp<std::int64_t>(wait.count() + 1, 0, 24 * 3600 * 1000)));
    }
    for (auto &fire : due)
        fire();
}

// ---- connection -------------------------------------------------------------------------------------

void AmqpClientConnection::withConnection(Waiter next)
{
    if (m_state == State::Open) {
        next({});
        return;
    }
    m_connectWaiters.push_back(std::move(next));
    if (m_state == State::Connecting || m_connectScheduled)
        return;
    const auto now = std::chrono::steady_clock::now();
    if (now < m_nextAttempt) {
        // Back-off after a failure: connect when it has passed (the operations' deadlines still run).
        m_connectScheduled = true;
        const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(m_nextAttempt - now);
        QTimer::singleShot(delay, this, [this] {
            m_connectScheduled = false;
            if (m_state == State::Idle && !m_connectWaiters.empty())
                startConnect();
        });
        return;
    }
    startConnect();
}

void AmqpClientConnection::startConnect()
{
    resetDriver();
    ++m_generation;
    m_state = State::Connecting;
    m_streamReady = false;

    if (pn_connection_driver_init(&m_driver, nullptr, nullptr) != 0) {
        connectionLost(brokerError(kConditionConnectFailed, "cannot create a Proton connection driver"));
        return;
    }
    m_driverReady = true;
    // Proton's client SASL: ANONYMOUS (authorization follows through CBS, as the Azure SDKs do).
    pn_sasl_t *sasl = pn_sasl(m_driver.transport);
    pn_sasl_allowed_mechs(sasl, "ANONYMOUS");
    pn_sasl_set_allow_insecure_mechs(sasl, true);
    pn_transport_set_idle_timeout(m_driver.transport, 60000);
    pn_transport_set_max_frame(m_driver.transport, 262144);
    pn_connection_set_container(m_driver.connection, m_containerId.c_str());
    pn_connection_set_hostname(m_driver.connection, m_cs.host.c_str());
    if (!m_cs.sharedAccessKeyName.empty())
        pn_connection_set_user(m_driver.connection, m_cs.sharedAccessKeyName.c_str());
    pn_connection_driver_bind(&m_driver);
    pn_connection_open(m_driver.connection);
    m_session = pn_session(m_driver.connection);
    pn_session_set_incoming_capacity(m_session, 16 * 1024 * 1024);
    pn_session_open(m_session);

    const QString host = QString::fromStdString(m_cs.host);
    const std::uint64_t generation = m_generation;
    if (m_options.transport == Transport::AmqpWebSockets) {
        auto *ws = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
        m_webSocket = ws;
        QUrl url;
        url.setScheme(m_cs.useTls() ? QStringLiteral("wss") : QStringLiteral("ws"));
        url.setHost(host);
        url.setPort(m_options.webSocketPort ? *m_options.webSocketPort : m_cs.port.value_or(443));
        url.setPath(QString::fromLatin1(kWebSocketPath));
        if (m_cs.useTls() && !m_options.caCertificates.isEmpty()) {
            QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
            tls.addCaCertificates(m_options.caCertificates);
            ws->setSslConfiguration(tls);
        }
        connect(ws, &QWebSocket::connected, this, [this, generation] {
            if (generation == m_generation)
                onStreamReady();
        });
        connect(ws, &QWebSocket::binaryMessageReceived, this, [this, generation](const QByteArray &message) {
            if (generation == m_generation)
                onStreamBytes(message.constData(), message.size());
        });
        connect(ws, &QWebSocket::disconnected, this, [this, generation, ws] {
            if (generation == m_generation)
                onStreamClosed(ws->errorString());
        });
        QWebSocketHandshakeOptions handshake;
        handshake.setSubprotocols({QStringLiteral("AMQPWSB10")});
        ws->open(QNetworkRequest(url), handshake);
        log()->debug("client: connecting to {}", url.toString().toStdString());
        return;
    }

    const quint16 port = quint16(m_cs.amqpPort());
    QAbstractSocket *socket = nullptr;
    if (m_cs.useTls()) {
        auto *ssl = new QSslSocket(this);
        if (!m_options.caCertificates.isEmpty()) {
            QSslConfiguration tls = ssl->sslConfiguration();
            tls.addCaCertificates(m_options.caCertificates);
            ssl->setSslConfiguration(tls);
        }
        connect(ssl, &QSslSocket::encrypted, this, [this, generation] {
            if (generation == m_generation)
                onStreamReady();
        });
        connect(ssl, &QSslSocket::sslErrors, this, [this, generation, ssl](const QList<QSslError> &errors) {
            if (generation != m_generation || errors.isEmpty())
                return;
            onStreamClosed(QStringLiteral("TLS: ") + errors.first().errorString());
            ssl->abort();
        });
        socket = ssl;
        m_socket = socket;
        ssl->connectToHostEncrypted(host, port);
    } else {
        socket = new QTcpSocket(this);
        m_socket = socket;
        connect(socket, &QAbstractSocket::connected, this, [this, generation] {
            if (generation == m_generation)
                onStreamReady();
        });
        socket->connectToHost(host, port);
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(socket, &QIODevice::readyRead, this, [this, generation, socket] {
        if (generation != m_generation)
            return;
        const QByteArray data = socket->readAll();
        onStreamBytes(data.constData(), data.size());
    });
    connect(socket, &QAbstractSocket::disconnected, this, [this, generation, socket] {
        if (generation == m_generation)
            onStreamClosed(socket->errorString());
    });
    connect(socket, &QAbstractSocket::errorOccurred, this, [this, generation, socket](QAbstractSocket::SocketError) {
        if (generation == m_generation)
            onStreamClosed(socket->errorString());
    });
    log()->debug("client: connecting to {}:{} ({})", m_cs.host, port, m_cs.useTls() ? "TLS" : "plain");
}

void AmqpClientConnection::onStreamReady()
{
    m_streamReady = true;
    process();
}

void AmqpClientConnection::onStreamBytes(const char *data, qint64 size)
{
    if (!m_driverReady)
        return;
    std::size_t left = std::size_t(size);
    while (left > 0 && !pn_connection_driver_read_closed(&m_driver)) {
        const pn_rwbytes_t buffer = pn_connection_driver_read_buffer(&m_driver);
        if (buffer.size == 0) {
            process();
            if (!m_driverReady || pn_connection_driver_read_buffer(&m_driver).size == 0)
                break;
            continue;
        }
        const std::size_t n = std::min(left, buffer.size);
        std::memcpy(buffer.start, data, n);
        pn_connection_driver_read_done(&m_driver, n);
        data += n;
        left -= n;
    }
    process();
}

void AmqpClientConnection::onStreamClosed(const QString &reason)
{
    if (m_state == State::Idle)
        return;
    const bool wasOpen = m_state == State::Open;
    const std::string why = reason.isEmpty() ? std::string("the peer closed the connection") : reason.toStdString();
    if (wasOpen)
        connectionLost(connectionLostError("connection to " + m_cs.host + " lost: " + why));
    else
        connectionLost(brokerError(kConditionConnectFailed, "cannot connect to " + m_cs.host + ": " + why));
}

void AmqpClientConnection::connectionLost(const Error &error)
{
    const bool wasActive = m_state != State::Idle || m_driverReady;
    m_state = State::Idle;
    resetDriver();
    if (wasActive) {
        m_backoff = m_backoff.count() == 0 ? m_options.minReconnectDelay
                                           : std::min(m_backoff * 2, m_options.maxReconnectDelay);
        m_nextAttempt = std::chrono::steady_clock::now() + m_backoff;
        log()->info("client: {}", error.message);
    }
    m_idleTimer->stop();

    // Collect every continuation first: failing one may start new work (which waits for a reconnect).
    auto connectWaiters = std::move(m_connectWaiters);
    m_connectWaiters.clear();
    auto tokens = std::move(m_tokens);
    m_tokens.clear();
    auto links = std::move(m_links);
    m_links.clear();
    m_linksByKey.clear();
    m_sessionLinks.clear();
    auto requests = std::move(m_requests);
    m_requests.clear();
    auto sends = std::move(m_sends);
    m_sends.clear();
    m_unsettled.clear();
    auto settling = std::move(m_settling);
    m_settling.clear();

    for (auto &w : connectWaiters)
        w(error);
    for (auto &[audience, token] : tokens)
        for (auto &w : token->waiters)
            w(error);
    for (auto &link : links) {
        for (auto &w : link->waiters)
            w(error);
        if (link->active)
            (*link->active->completion)(error);
        for (auto &r : link->receives)
            (*r->completion)(error);
        delete link->waitTimer;
        delete link->drainTimer;
    }
    for (auto &[id, next] : requests)
        next(error);
    for (auto &[delivery, batch] : sends)
        (*batch->completion)(error);
    for (auto &[delivery, next] : settling)
        next(error);
    if (wasActive)
        Q_EMIT lost(QString::fromStdString(error.message));
}

void AmqpClientConnection::resetDriver()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    if (m_webSocket) {
        m_webSocket->disconnect(this);
        m_webSocket->abort();
        m_webSocket->deleteLater();
        m_webSocket = nullptr;
    }
    if (m_driverReady) {
        m_driverReady = false;
        pn_connection_driver_destroy(&m_driver);
        m_driver = pn_connection_driver_t{};
    }
    m_session = nullptr;
    m_streamReady = false;
    m_tickTimer->stop();
}

void AmqpClientConnection::process()
{
    if (!m_driverReady)
        return;
    if (m_processing) {
        m_again = true;
        return;
    }
    m_processing = true;
    const std::uint64_t generation = m_generation;
    int rounds = 0;
    do {
        m_again = false;
        while (m_driverReady && generation == m_generation) {
            pn_event_t *event = pn_connection_driver_next_event(&m_driver);
            if (!event)
                break;
            handleEvent(event);
        }
        if (m_driverReady && generation == m_generation)
            flushOutput();
    } while (m_again && m_driverReady && generation == m_generation && ++rounds < 1000);
    m_processing = false;
    if (m_driverReady && generation == m_generation) {
        if (pn_connection_driver_finished(&m_driver)) {
            connectionLost(connectionLostError("connection to " + m_cs.host + " closed"));
            return;
        }
        armTickTimer();
    }
}

void AmqpClientConnection::flushOutput()
{
    if (!m_streamReady)
        return; // the driver keeps its output until the stream is up
    for (;;) {
        const pn_bytes_t out = pn_connection_driver_write_buffer(&m_driver);
        if (out.size == 0)
            break;
        if (m_webSocket)
            m_webSocket->sendBinaryMessage(QByteArray(out.start, qsizetype(out.size)));
        else if (m_socket)
            m_socket->write(out.start, qint64(out.size));
        pn_connection_driver_write_done(&m_driver, out.size);
    }
}

void AmqpClientConnection::armTickTimer()
{
    const std::int64_t now = steadyMs();
    const std::int64_t deadline = pn_transport_tick(m_driver.transport, now);
    if (deadline <= 0) {
        m_tickTimer->stop();
        return;
    }
    m_tickTimer->start(int(std::clamp<std::int64_t>(deadline - now, 0, 3600 * 1000)));
}

void AmqpClientConnection::handleEvent(pn_event_t *event)
{
    switch (pn_event_type(event)) {
    case PN_CONNECTION_REMOTE_OPEN: {
        m_state = State::Open;
        m_backoff = 0ms;
        m_nextAttempt = {};
        m_idleTimer->start();
        log()->debug("client: connected to {}", m_cs.host);
        Q_EMIT opened();
        auto waiters = std::move(m_connectWaiters);
        m_connectWaiters.clear();
        for (auto &w : waiters)
            w({});
        break;
    }
    case PN_CONNECTION_REMOTE_CLOSE: {
        pn_condition_t *c = pn_connection_remote_condition(pn_event_connection(event));
        const std::string name = conditionName(c);
        pn_connection_close(pn_event_connection(event));
        connectionLost(name.empty() ? connectionLostError("the broker closed the connection")
                                    : brokerError(name, conditionDescription(c)));
        break;
    }
    case PN_TRANSPORT_ERROR: {
        pn_condition_t *c = pn_transport_condition(pn_event_transport(event));
        const std::string description = conditionDescription(c);
        const std::string name = conditionName(c);
        if (name == "amqp:unauthorized-access")
            connectionLost(brokerError(name, description));
        else if (m_state == State::Open)
            connectionLost(connectionLostError(description.empty() ? name : description));
        else
            connectionLost(brokerError(kConditionConnectFailed, description.empty() ? name : description));
        break;
    }
    case PN_LINK_REMOTE_OPEN:
        onLinkRemoteOpen(pn_event_link(event));
        break;
    case PN_LINK_REMOTE_CLOSE:
    case PN_LINK_REMOTE_DETACH:
        onLinkRemoteClose(pn_event_link(event));
        break;
    case PN_LINK_FLOW: {
        pn_link_t *pl = pn_event_link(event);
        Link *link = linkOf(pl);
        if (link && pn_link_is_receiver(pl) && link->draining && pn_link_credit(pl) == 0) {
            pn_link_set_drain(pl, false);
            link->draining = false;
            finishReceive(link);
        }
        break;
    }
    case PN_DELIVERY: {
        pn_delivery_t *delivery = pn_event_delivery(event);
        pn_link_t *pl = pn_delivery_link(delivery);
        Link *link = linkOf(pl);
        if (pn_link_is_sender(pl)) {
            onSenderUpdate(delivery);
        } else if (m_settling.count(delivery)) {
            onSettlementUpdate(delivery);
        } else if (pn_delivery_readable(delivery) && !pn_delivery_partial(delivery)) {
            if (link && link->kind == LinkKind::RequestPair) {
                const std::string payload = readDelivery(pl, delivery);
                pn_link_advance(pl);
                pn_delivery_update(delivery, PN_ACCEPTED);
                pn_delivery_settle(delivery);
                if (pn_link_credit(pl) < kResponseCredit / 2)
                    pn_link_flow(pl, kResponseCredit - pn_link_credit(pl));
                onResponse(delivery, payload);
            } else if (link) {
                onIncoming(link, delivery);
            } else {
                readDelivery(pl, delivery);
                pn_link_advance(pl);
                pn_delivery_update(delivery, PN_RELEASED);
                pn_delivery_settle(delivery);
            }
        }
        break;
    }
    default:
        break;
    }
}

// ---- authorization -------------------------------------------------------------------------------------

std::string AmqpClientConnection::tokenAudience(const std::string &entity) const
{
    if (!m_cs.usesSharedKey()) {
        auto parsed = core::parseSasToken(m_cs.sharedAccessSignature);
        return parsed ? parsed->resource : m_cs.endpoint;
    }
    return m_cs.audienceFor(entity);
}

void AmqpClientConnection::withToken(const std::string &entity, Waiter next)
{
    const std::string audience = tokenAudience(entity);
    auto &slot = m_tokens[lower(audience)];
    if (!slot) {
        slot = std::make_unique<Token>();
        slot->audience = audience;
    }
    Token &token = *slot;
    // A token that lapsed (refresh disabled or refused) no longer authorises anything: put a new one.
    if (token.state == Token::State::Valid
        && token.expiry <= std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now()))
        token.state = Token::State::None;
    if (token.state == Token::State::Valid) {
        next({});
        return;
    }
    token.waiters.push_back(std::move(next));
    if (token.state == Token::State::Pending)
        return;
    token.state = Token::State::Pending;
    putToken(lower(audience), m_generation);
}

void AmqpClientConnection::putToken(const std::string &key, std::uint64_t generation)
{
    if (generation != m_generation || m_state != State::Open)
        return;
    auto it = m_tokens.find(key);
    if (it == m_tokens.end())
        return;
    const std::string audience = it->second->audience;
    std::string token;
    core::TimePoint expiry;
    if (m_cs.usesSharedKey()) {
        // Whole seconds, as the token's se= carries it (createSasToken rounds down).
        expiry = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()
                                                                    + m_options.tokenLifetime);
        token = core::createSasToken(audience, m_cs.sharedAccessKeyName, m_cs.sharedAccessKey, expiry);
    } else {
        token = m_cs.sharedAccessSignature;
        auto parsed = core::parseSasToken(token);
        expiry = parsed ? parsed->expiry : core::TimePoint{};
    }
    cbsRequest(audience, token, [this, key, generation, expiry](Result<Response> response) {
        if (generation != m_generation)
            return;
        auto it = m_tokens.find(key);
        if (it == m_tokens.end())
            return;
        Token &t = *it->second;
        Result<void> outcome;
        if (!response)
            outcome = response.error();
        else if (!response->success())
            outcome = managementError(response->status, response->condition.empty() && response->status == 401
                                                            ? "amqp:unauthorized-access"
                                                            : response->condition,
                                      response->description);
        if (!outcome) {
            log()->info("client: CBS put-token refused: {}", outcome.error().message);
            if (t.state == Token::State::Valid)
                return; // a failed refresh: the current token stays until it expires
            t.state = Token::State::None;
        } else {
            t.state = Token::State::Valid;
            t.expiry = expiry;
            if (m_cs.usesSharedKey() && m_options.tokenRefreshMargin > 0ms) {
                const auto refreshIn = std::max<std::chrono::milliseconds>(
                    m_options.tokenLifetime - m_options.tokenRefreshMargin, 1000ms);
                QTimer::singleShot(refreshIn, this, [this, key, generation] {
                    log()->debug("client: refreshing a CBS token");
                    putToken(key, generation);
                });
            }
        }
        auto waiters = std::move(t.waiters);
        t.waiters.clear();
        for (auto &w : waiters)
            w(outcome);
    });
}

void AmqpClientConnection::cbsRequest(const std::string &audience, const std::string &token,
                                      std::function<void(Result<Response>)> next)
{
    withLink(LinkKind::RequestPair, kCbsNode, ReceiveMode::PeekLock,
             [this, audience, token, next = std::move(next)](Result<Link *> link) mutable {
                 if (!link) {
                     next(link.error());
                     return;
                 }
                 core::PropertyMap props;
                 props.set("name", core::Value::string(audience));
                 props.set("type", core::Value::string(kSasTokenType));
                 std::string body;
                 {
                     auto d = amqpdata::newData();
                     pn_data_put_string(d.get(), bytes(token));
                     body = amqpdata::encode(d.get());
                 }
                 sendRequest(*link, "put-token", std::move(body), props, std::move(next));
             });
}

// ---- links ---------------------------------------------------------------------------------------------

AmqpClientConnection::Link *AmqpClientConnection::linkOf(pn_link_t *link) const
{
    for (const auto &l : m_links)
        if (l->link == link || l->reply == link)
            return l.get();
    return nullptr;
}

void AmqpClientConnection::withLink(LinkKind kind, const std::string &entity, ReceiveMode mode, LinkWaiter next)
{
    withConnection([this, kind, entity, mode, next = std::move(next)](Result<void> connected) mutable {
        if (!connected) {
            next(connected.error());
            return;
        }
        const std::string key = linkKey(int(kind), entity, mode);
        if (auto it = m_linksByKey.find(key); it != m_linksByKey.end()) {
            Link *link = it->second;
            link->lastUsed = std::chrono::steady_clock::now();
            if (link->isOpen())
                next(link);
            else
                link->waiters.push_back(std::move(next));
            return;
        }
        const bool isCbs = entity == kCbsNode;
        auto attachNow = [this, kind, entity, mode, key, next = std::move(next)](Result<void> authorized) mutable {
            if (!authorized) {
                next(authorized.error());
                return;
            }
            if (auto it = m_linksByKey.find(key); it != m_linksByKey.end()) {
                if (it->second->isOpen())
                    next(it->second);
                else
                    it->second->waiters.push_back(std::move(next));
                return;
            }
            Link *link = attach(kind, entity, mode, std::nullopt, false);
            link->key = key;
            m_linksByKey[key] = link;
            link->waiters.push_back(std::move(next));
            process();
        };
        if (isCbs)
            attachNow({});
        else
            withToken(entity, std::move(attachNow));
    });
}

AmqpClientConnection::Link *AmqpClientConnection::attach(LinkKind kind, const std::string &entity, ReceiveMode mode,
                                                         const std::optional<std::string> &sessionFilter,
                                                         bool sessionFilterSet)
{
    auto owned = std::make_unique<Link>();
    Link *link = owned.get();
    link->id = m_nextLinkId++;
    link->kind = kind;
    link->entity = entity;
    link->mode = mode;
    link->requestedSession = sessionFilter;
    const std::string name = entity + "-" + m_containerId.substr(8, 8) + "-" + std::to_string(link->id);

    auto settleModes = [mode](pn_link_t *l) {
        if (mode == ReceiveMode::ReceiveAndDelete) {
            pn_link_set_snd_settle_mode(l, PN_SND_SETTLED);
            pn_link_set_rcv_settle_mode(l, PN_RCV_FIRST);
        } else {
            pn_link_set_snd_settle_mode(l, PN_SND_UNSETTLED);
            pn_link_set_rcv_settle_mode(l, PN_RCV_SECOND);
        }
    };

    switch (kind) {
    case LinkKind::Sender: {
        pn_link_t *l = pn_sender(m_session, name.c_str());
        pn_terminus_set_address(pn_link_source(l), m_containerId.c_str());
        pn_terminus_set_address(pn_link_target(l), entity.c_str());
        pn_link_set_snd_settle_mode(l, PN_SND_UNSETTLED);
        pn_link_set_rcv_settle_mode(l, PN_RCV_FIRST);
        link->link = l;
        pn_link_open(l);
        break;
    }
    case LinkKind::Receiver:
    case LinkKind::SessionReceiver: {
        pn_link_t *l = pn_receiver(m_session, name.c_str());
        pn_terminus_set_address(pn_link_source(l), entity.c_str());
        pn_terminus_set_address(pn_link_target(l), name.c_str());
        settleModes(l);
        pn_data_t *props = pn_link_properties(l);
        pn_data_put_map(props);
        pn_data_enter(props);
        pn_data_put_symbol(props, bytes(kReceiverName));
        pn_data_put_string(props, bytes(name));
        if (kind == LinkKind::SessionReceiver) {
            pn_data_put_symbol(props, bytes(kTimeoutProperty));
            pn_data_put_uint(props, std::uint32_t(std::max<std::int64_t>(m_options.operationTimeout.count() - 1000, 1000)));
        }
        pn_data_exit(props);
        if (kind == LinkKind::SessionReceiver && sessionFilterSet) {
            pn_data_t *filter = pn_terminus_filter(pn_link_source(l));
            pn_data_put_map(filter);
            pn_data_enter(filter);
            pn_data_put_symbol(filter, bytes(kSessionFilter));
            if (sessionFilter)
                pn_data_put_string(filter, bytes(*sessionFilter));
            else
                pn_data_put_null(filter);
            pn_data_exit(filter);
        }
        link->link = l;
        pn_link_open(l);
        break;
    }
    case LinkKind::RequestPair: {
        const std::string node = entity == kCbsNode ? entity : entity + "/$management";
        pn_link_t *s = pn_sender(m_session, (name + "-request").c_str());
        pn_terminus_set_address(pn_link_source(s), m_containerId.c_str());
        pn_terminus_set_address(pn_link_target(s), node.c_str());
        pn_link_set_snd_settle_mode(s, PN_SND_SETTLED);
        pn_link_set_rcv_settle_mode(s, PN_RCV_FIRST);
        link->replyTo = name + "-reply";
        pn_link_t *r = pn_receiver(m_session, link->replyTo.c_str());
        pn_terminus_set_address(pn_link_source(r), node.c_str());
        pn_terminus_set_address(pn_link_target(r), link->replyTo.c_str());
        pn_link_set_snd_settle_mode(r, PN_SND_UNSETTLED);
        pn_link_set_rcv_settle_mode(r, PN_RCV_FIRST);
        link->link = s;
        link->reply = r;
        pn_link_open(s);
        pn_link_open(r);
        pn_link_flow(r, kResponseCredit);
        break;
    }
    }
    m_links.push_back(std::move(owned));
    return link;
}

void AmqpClientConnection::onLinkRemoteOpen(pn_link_t *pl)
{
    Link *link = linkOf(pl);
    if (!link || link->state != LinkState::Attaching)
        return;
    // A refused attach comes back with a null terminus, followed by a detach carrying the error (§2.2).
    const bool refused = pn_link_is_sender(pl) ? pn_terminus_get_type(pn_link_remote_target(pl)) == PN_UNSPECIFIED
                                               : pn_terminus_get_type(pn_link_remote_source(pl)) == PN_UNSPECIFIED;
    if (refused)
        return;
    if (pl == link->reply)
        link->replyOpen = true;
    else
        link->linkOpen = true;
    if (!link->linkOpen || (link->kind == LinkKind::RequestPair && !link->replyOpen))
        return;

    if (link->kind == LinkKind::SessionReceiver) {
        pn_data_t *filter = pn_terminus_filter(pn_link_remote_source(pl));
        pn_data_rewind(filter);
        std::optional<std::string> sessionId;
        if (pn_data_next(filter) && amqpdata::seekInMap(filter, kSessionFilter))
            sessionId = amqpdata::textAt(filter);
        if (!sessionId) {
            // No session in the reply: the broker found none; its detach brings the reason.
            return;
        }
        link->session.sessionId = *sessionId;
        pn_data_t *props = pn_link_remote_properties(pl);
        pn_data_rewind(props);
        if (pn_data_next(props) && amqpdata::seekInMap(props, kLockedUntilUtc))
            if (auto ticks = amqpdata::integerAt(props))
                link->session.lockedUntil = codec::fromDotNetTicks(*ticks);
        link->key = sessionKey(link->entity, *sessionId);
        if (auto old = m_sessionLinks.find(link->key); old != m_sessionLinks.end() && old->second != link)
            failLink(old->second, brokerError("com.microsoft:session-lock-lost", "the session was accepted again"));
        m_sessionLinks[link->key] = link;
    }
    link->state = LinkState::Open;
    link->lastUsed = std::chrono::steady_clock::now();
    auto waiters = std::move(link->waiters);
    link->waiters.clear();
    for (auto &w : waiters)
        w(link);
}

void AmqpClientConnection::onLinkRemoteClose(pn_link_t *pl)
{
    Link *link = linkOf(pl);
    pn_condition_t *c = pn_link_remote_condition(pl);
    std::string name = conditionName(c);
    std::string description = conditionDescription(c);
    if (pn_link_state(pl) & PN_LOCAL_ACTIVE)
        pn_link_close(pl);
    if (!link)
        return;
    if (name.empty()) {
        if (link->state == LinkState::Attaching)
            name = link->kind == LinkKind::SessionReceiver ? "com.microsoft:session-cannot-be-locked" : "amqp:not-found";
        else
            name = "amqp:link:detach-forced";
        if (description.empty())
            description = "the broker detached the link to '" + link->entity + "'";
    }
    failLink(link, brokerError(name, description));
}

void AmqpClientConnection::failLink(Link *link, const Error &error)
{
    auto waiters = std::move(link->waiters);
    link->waiters.clear();
    auto active = std::move(link->active);
    auto receives = std::move(link->receives);
    // Deliveries still unsettled on this link can no longer be settled through it.
    for (auto it = m_unsettled.begin(); it != m_unsettled.end();)
        it = it->second.link == link ? m_unsettled.erase(it) : std::next(it);
    std::vector<std::function<void(Result<void>)>> settles;
    for (auto it = m_settling.begin(); it != m_settling.end();) {
        if (pn_delivery_link(it->first) == link->link) {
            settles.push_back(std::move(it->second));
            it = m_settling.erase(it);
        } else {
            ++it;
        }
    }
    std::vector<std::shared_ptr<SendBatch>> sends;
    for (auto it = m_sends.begin(); it != m_sends.end();) {
        if (pn_delivery_link(it->first) == link->link) {
            sends.push_back(it->second);
            it = m_sends.erase(it);
        } else {
            ++it;
        }
    }
    destroyLink(link);
    for (auto &w : waiters)
        w(error);
    if (active)
        (*active->completion)(error);
    for (auto &r : receives)
        (*r->completion)(error);
    for (auto &s : settles)
        s(error);
    for (auto &s : sends)
        (*s->completion)(error);
}

void AmqpClientConnection::destroyLink(Link *link)
{
    if (!link->key.empty()) {
        auto it = m_linksByKey.find(link->key);
        if (it != m_linksByKey.end() && it->second == link)
            m_linksByKey.erase(it);
        auto st = m_sessionLinks.find(link->key);
        if (st != m_sessionLinks.end() && st->second == link)
            m_sessionLinks.erase(st);
    }
    for (pn_link_t *pl : {link->link, link->reply}) {
        if (pl && m_driverReady) {
            if (pn_link_state(pl) & PN_LOCAL_ACTIVE)
                pn_link_close(pl);
        }
    }
    delete link->waitTimer;
    delete link->drainTimer;
    link->waitTimer = nullptr;
    link->drainTimer = nullptr;
    auto it = std::find_if(m_links.begin(), m_links.end(), [link](const auto &l) { return l.get() == link; });
    if (it != m_links.end()) {
        // Proton frees the pn_link_t later; forget it now so late events find no owner.
        std::unique_ptr<Link> dead = std::move(*it);
        m_links.erase(it);
    }
    process();
}

void AmqpClientConnection::closeIdleLinks()
{
    const auto now = std::chrono::steady_clock::now();
    std::vector<Link *> idle;
    for (const auto &l : m_links) {
        if (l->entity == kCbsNode || !l->isOpen() || l->active || !l->receives.empty() || !l->waiters.empty())
            continue;
        if (l->kind == LinkKind::SessionReceiver)
            continue; // session locks are released only by closeSession() or their expiry
        if (now - l->lastUsed < m_options.linkIdleTimeout)
            continue;
        const bool busy = std::any_of(m_unsettled.begin(), m_unsettled.end(),
                                      [&](const auto &u) { return u.second.link == l.get(); })
                          || std::any_of(m_sends.begin(), m_sends.end(),
                                         [&](const auto &s) { return pn_delivery_link(s.first) == l->link; });
        if (!busy)
            idle.push_back(l.get());
    }
    for (Link *l : idle) {
        log()->debug("client: closing idle link to '{}'", l->entity);
        destroyLink(l);
    }
}

// ---- request / response --------------------------------------------------------------------------------

void AmqpClientConnection::sendRequest(Link *pair, const std::string &operation, std::string body,
                                       const core::PropertyMap &extraProperties,
                                       std::function<void(Result<Response>)> next)
{
    core::Message request;
    const std::uint64_t id = m_nextMessageId++;
    request.messageId = core::Value::ulong(id);
    request.replyTo = pair->replyTo;
    request.applicationProperties.set("operation", core::Value::string(operation));
    for (const auto &[k, v] : extraProperties.entries())
        request.applicationProperties.set(k, v);
    request.bodyType = core::BodyType::Value;
    request.body = std::move(body);
    codec::EncodeOptions options;
    options.brokerAnnotations = false;
    const std::string payload = codec::encodeMessage(request, options);

    const std::uint64_t tag = m_nextTag++;
    pn_delivery_t *delivery = pn_delivery(pair->link, pn_dtag(reinterpret_cast<const char *>(&tag), sizeof tag));
    pn_link_send(pair->link, payload.data(), payload.size());
    pn_link_advance(pair->link);
    pn_delivery_settle(delivery); // requests are sent pre-settled; the response is the answer
    pair->lastUsed = std::chrono::steady_clock::now();
    m_requests[id] = std::move(next);
    process();
}

void AmqpClientConnection::onResponse(pn_delivery_t *, const std::string &payload)
{
    auto message = codec::decodeMessage(payload, codec::DecodeMode::BrokerEncoded);
    if (!message) {
        log()->warn("client: undecodable management response: {}", message.error().message);
        return;
    }
    const core::Value &correlation = message->correlationId;
    std::uint64_t id = 0;
    if (correlation.isUnsignedInteger())
        id = correlation.toUInt64();
    else if (correlation.isSignedInteger())
        id = std::uint64_t(correlation.toInt64());
    auto it = m_requests.find(id);
    if (it == m_requests.end())
        return; // a response to a request that timed out
    auto next = std::move(it->second);
    m_requests.erase(it);

    Response response;
    const auto &props = message->applicationProperties;
    auto integer = [&](const char *a, const char *b) -> int {
        const core::Value *v = props.find(a);
        if (!v)
            v = props.find(b);
        if (v && v->isSignedInteger())
            return int(v->toInt64());
        if (v && v->isUnsignedInteger())
            return int(v->toUInt64());
        return 0;
    };
    auto textOf = [&](const char *a, const char *b) -> std::string {
        const core::Value *v = props.find(a);
        if (!v)
            v = props.find(b);
        return v && v->isText() ? v->bytes() : std::string();
    };
    response.status = integer("statusCode", "status-code");
    response.description = textOf("statusDescription", "status-description");
    response.condition = textOf("errorCondition", "error-condition");
    if (message->bodyType == core::BodyType::Value)
        response.body = message->body;
    next(std::move(response));
}

void AmqpClientConnection::request(const std::string &entity, const std::string &operation, std::string body,
                                   Callback<Response> done)
{
    auto completion = track<Response>("$management " + operation, std::move(done));
    withLink(LinkKind::RequestPair, entity, ReceiveMode::PeekLock,
             [this, completion, operation, body = std::move(body)](Result<Link *> link) mutable {
                 if (completion->done)
                     return;
                 if (!link) {
                     (*completion)(link.error());
                     return;
                 }
                 sendRequest(*link, "com.microsoft:" + operation, std::move(body), {},
                             [completion](Result<Response> r) { (*completion)(std::move(r)); });
             });
}

// ---- send ----------------------------------------------------------------------------------------------

void AmqpClientConnection::send(const std::string &entity, std::vector<core::Message> messages, Callback<void> done)
{
    auto completion = track<void>("send to '" + entity + "'", std::move(done));
    if (messages.empty()) {
        (*completion)({});
        return;
    }
    withLink(LinkKind::Sender, entity, ReceiveMode::PeekLock,
             [this, completion, messages = std::move(messages)](Result<Link *> link) mutable {
                 if (completion->done)
                     return;
                 if (!link) {
                     (*completion)(link.error());
                     return;
                 }
                 auto batch = std::make_shared<SendBatch>();
                 batch->remaining = messages.size();
                 batch->completion = completion;
                 codec::EncodeOptions options;
                 options.brokerAnnotations = false;
                 for (const core::Message &m : messages) {
                     const std::string payload = codec::encodeMessage(m, options);
                     const std::uint64_t tag = m_nextTag++;
                     pn_delivery_t *d = pn_delivery((*link)->link, pn_dtag(reinterpret_cast<const char *>(&tag), sizeof tag));
                     pn_link_send((*link)->link, payload.data(), payload.size());
                     pn_link_advance((*link)->link);
                     m_sends[d] = batch;
                 }
                 (*link)->lastUsed = std::chrono::steady_clock::now();
                 process();
             });
}

void AmqpClientConnection::onSenderUpdate(pn_delivery_t *delivery)
{
    auto it = m_sends.find(delivery);
    if (it == m_sends.end()) {
        if (pn_delivery_settled(delivery))
            pn_delivery_settle(delivery);
        return;
    }
    const std::uint64_t state = pn_delivery_remote_state(delivery);
    if (state == 0 && !pn_delivery_settled(delivery))
        return;
    auto batch = it->second;
    m_sends.erase(it);
    Result<void> outcome;
    if (state == PN_REJECTED || state == PN_MODIFIED || state == PN_RELEASED || state == 0) {
        pn_condition_t *c = pn_disposition_condition(pn_delivery_remote(delivery));
        std::string name = conditionName(c);
        std::string description = conditionDescription(c);
        if (name.empty())
            name = state == PN_RELEASED ? "com.microsoft:server-busy" : "amqp:internal-error";
        if (description.empty())
            description = "the broker did not accept the message";
        outcome = brokerError(name, description);
    }
    pn_delivery_settle(delivery);
    if (!outcome) {
        (*batch->completion)(outcome.error());
        // The rest of the batch still settles; drop their bookkeeping.
        for (auto s = m_sends.begin(); s != m_sends.end();)
            s = s->second == batch ? m_sends.erase(s) : std::next(s);
        return;
    }
    if (--batch->remaining == 0)
        (*batch->completion)({});
}

// ---- receive -------------------------------------------------------------------------------------------

void AmqpClientConnection::receive(const std::string &entity, ReceiveMode mode, int maxCount,
                                   std::chrono::milliseconds maxWait, Callback<std::vector<core::Message>> done)
{
    auto request = std::make_shared<ReceiveRequest>();
    request->maxCount = std::max(1, maxCount);
    request->maxWait = maxWait;
    request->completion = track<std::vector<core::Message>>("receive from '" + entity + "'", std::move(done), maxWait);
    withLink(LinkKind::Receiver, entity, mode, [this, request](Result<Link *> link) {
        if (request->completion->done)
            return;
        if (!link) {
            (*request->completion)(link.error());
            return;
        }
        enqueueReceive(*link, request);
    });
}

void AmqpClientConnection::receiveFromSession(const std::string &entity, const std::string &sessionId, int maxCount,
                                              std::chrono::milliseconds maxWait,
                                              Callback<std::vector<core::Message>> done)
{
    auto request = std::make_shared<ReceiveRequest>();
    request->maxCount = std::max(1, maxCount);
    request->maxWait = maxWait;
    request->completion = track<std::vector<core::Message>>("receive from session '" + sessionId + "'", std::move(done),
                                                            maxWait);
    auto it = m_sessionLinks.find(sessionKey(entity, sessionId));
    if (it == m_sessionLinks.end() || !it->second->isOpen()) {
        (*request->completion)(brokerError("com.microsoft:session-lock-lost",
                                           "session '" + sessionId + "' of '" + entity + "' is not accepted on this connection"));
        return;
    }
    enqueueReceive(it->second, request);
}

void AmqpClientConnection::enqueueReceive(Link *link, std::shared_ptr<ReceiveRequest> request)
{
    link->receives.push_back(std::move(request));
    pumpReceive(link);
}

void AmqpClientConnection::pumpReceive(Link *link)
{
    if (link->active && !link->active->completion->done)
        return;
    link->active.reset();
    while (!link->receives.empty() && link->receives.front()->completion->done)
        link->receives.pop_front();
    if (link->receives.empty())
        return;
    link->active = link->receives.front();
    link->receives.pop_front();
    link->lastUsed = std::chrono::steady_clock::now();
    ReceiveRequest &r = *link->active;
    while (!link->buffered.empty() && int(r.messages.size()) < r.maxCount) {
        r.messages.push_back(std::move(link->buffered.front()));
        link->buffered.pop_front();
    }
    if (int(r.messages.size()) >= r.maxCount) {
        finishReceive(link);
        return;
    }
    const int need = r.maxCount - int(r.messages.size()) - pn_link_credit(link->link);
    if (need > 0)
        pn_link_flow(link->link, need);
    if (!link->waitTimer) {
        link->waitTimer = new QTimer(this);
        link->waitTimer->setSingleShot(true);
        const std::uint64_t id = link->id;
        connect(link->waitTimer, &QTimer::timeout, this, [this, id] {
            for (const auto &l : m_links)
                if (l->id == id) {
                    startDrain(l.get());
                    return;
                }
        });
    }
    link->waitTimer->start(int(std::max<std::chrono::milliseconds>(r.maxWait, 0ms).count()));
    process();
}

void AmqpClientConnection::startDrain(Link *link)
{
    if (!link->active || link->draining)
        return;
    if (link->active->completion->done) {
        // Timed out meanwhile: keep the credit for the next receive.
        link->active.reset();
        pumpReceive(link);
        return;
    }
    if (pn_link_credit(link->link) == 0) {
        finishReceive(link);
        return;
    }
    link->draining = true;
    pn_link_drain(link->link, 0);
    if (!link->drainTimer) {
        link->drainTimer = new QTimer(this);
        link->drainTimer->setSingleShot(true);
        const std::uint64_t id = link->id;
        connect(link->drainTimer, &QTimer::timeout, this, [this, id] {
            for (const auto &l : m_links)
                if (l->id == id && l->draining) {
                    // The broker did not answer the drain: return what we have, keep the link.
                    pn_link_set_drain(l->link, false);
                    l->draining = false;
                    finishReceive(l.get());
                    return;
                }
        });
    }
    link->drainTimer->start(int(kDrainTimeout.count()));
    process();
}

void AmqpClientConnection::finishReceive(Link *link)
{
    if (link->waitTimer)
        link->waitTimer->stop();
    if (link->drainTimer)
        link->drainTimer->stop();
    link->draining = false;
    auto active = std::move(link->active);
    link->active.reset();
    if (active) {
        if (active->completion->done) {
            // The caller gave up; keep the messages for the next receive on this link.
            for (auto &m : active->messages)
                link->buffered.push_back(std::move(m));
        } else {
            (*active->completion)(std::move(active->messages));
        }
    }
    link->lastUsed = std::chrono::steady_clock::now();
    pumpReceive(link);
}

void AmqpClientConnection::onIncoming(Link *link, pn_delivery_t *delivery)
{
    pn_link_t *pl = link->link;
    const std::string payload = readDelivery(pl, delivery);
    pn_link_advance(pl);
    auto message = codec::decodeMessage(payload, codec::DecodeMode::BrokerEncoded);
    if (!message) {
        log()->warn("client: undecodable message on '{}': {}", link->entity, message.error().message);
        pn_delivery_update(delivery, PN_RELEASED);
        pn_delivery_settle(delivery);
        return;
    }
    const pn_delivery_tag_t tag = pn_delivery_tag(delivery);
    if (auto token = codec::deliveryTagToLockToken(std::string_view(tag.start, tag.size)))
        message->lockToken = *token;
    if (link->mode == ReceiveMode::PeekLock && !pn_delivery_settled(delivery)) {
        m_unsettled[message->lockToken] = Unsettled{link, delivery};
    } else {
        pn_delivery_settle(delivery);
    }
    link->lastUsed = std::chrono::steady_clock::now();
    if (link->active && !link->active->completion->done) {
        link->active->messages.push_back(std::move(message.value()));
        if (int(link->active->messages.size()) >= link->active->maxCount) {
            if (!link->draining)
                finishReceive(link);
        } else if (!link->draining && link->waitTimer) {
            // More may be on the way: wait a short quiet period, not the whole maxWait.
            link->waitTimer->start(int(kBatchWindow.count()));
        }
    } else {
        link->buffered.push_back(std::move(message.value()));
    }
}

void AmqpClientConnection::acceptSession(const std::string &entity, ReceiveMode mode,
                                         const std::optional<std::string> &sessionId, Callback<SessionInfo> done)
{
    auto completion = track<SessionInfo>("accept session on '" + entity + "'", std::move(done));
    withConnection([this, completion, entity, mode, sessionId](Result<void> connected) {
        if (completion->done)
            return;
        if (!connected) {
            (*completion)(connected.error());
            return;
        }
        withToken(entity, [this, completion, entity, mode, sessionId](Result<void> authorized) {
            if (completion->done)
                return;
            if (!authorized) {
                (*completion)(authorized.error());
                return;
            }
            Link *link = attach(LinkKind::SessionReceiver, entity, mode, sessionId, true);
            const std::uint64_t id = link->id;
            link->waiters.push_back([this, completion, id](Result<Link *> opened) {
                if (!opened) {
                    (*completion)(opened.error());
                    return;
                }
                if (completion->done) {
                    // Nobody waits for this session any more: release its lock.
                    for (const auto &l : m_links)
                        if (l->id == id) {
                            destroyLink(l.get());
                            break;
                        }
                    return;
                }
                (*completion)((*opened)->session);
            });
            process();
        });
    });
}

void AmqpClientConnection::closeSession(const std::string &entity, const std::string &sessionId, Callback<void> done)
{
    auto it = m_sessionLinks.find(sessionKey(entity, sessionId));
    if (it == m_sessionLinks.end()) {
        done({});
        return;
    }
    Link *link = it->second;
    failLink(link, brokerError("com.microsoft:session-lock-lost", "the session was closed"));
    done({});
}

// ---- settlement ----------------------------------------------------------------------------------------

bool AmqpClientConnection::settle(const core::Uuid &lockToken, const Settlement &settlement, Callback<void> done)
{
    auto it = m_unsettled.find(lockToken);
    if (it == m_unsettled.end() || !m_driverReady)
        return false;
    Link *link = it->second.link;
    pn_delivery_t *delivery = it->second.delivery;
    m_unsettled.erase(it);
    auto completion = track<void>("settle", std::move(done));

    pn_disposition_t *local = pn_delivery_local(delivery);
    std::uint64_t outcome = PN_ACCEPTED;
    switch (settlement.kind) {
    case Settlement::Kind::Complete:
        break;
    case Settlement::Kind::Abandon:
    case Settlement::Kind::Defer:
        outcome = PN_MODIFIED;
        pn_disposition_set_failed(local, false);
        pn_disposition_set_undeliverable(local, settlement.kind == Settlement::Kind::Defer);
        if (!settlement.propertiesToModify.empty())
            putSymbolMap(pn_disposition_annotations(local), settlement.propertiesToModify);
        break;
    case Settlement::Kind::DeadLetter: {
        outcome = PN_REJECTED;
        pn_condition_t *c = pn_disposition_condition(local);
        pn_condition_set_name(c, "com.microsoft:dead-letter");
        if (settlement.deadLetterDescription)
            pn_condition_set_description(c, settlement.deadLetterDescription->c_str());
        core::PropertyMap info = settlement.propertiesToModify;
        if (settlement.deadLetterReason)
            info.set(core::kDeadLetterReasonProperty, core::Value::string(*settlement.deadLetterReason));
        if (settlement.deadLetterDescription)
            info.set(core::kDeadLetterDescriptionProperty, core::Value::string(*settlement.deadLetterDescription));
        putSymbolMap(pn_condition_info(c), info);
        break;
    }
    }
    pn_delivery_update(delivery, outcome);
    link->lastUsed = std::chrono::steady_clock::now();
    if (link->mode == ReceiveMode::PeekLock && pn_link_rcv_settle_mode(link->link) == PN_RCV_SECOND) {
        // Mode second: the broker settles first; its disposition says whether the lock was still valid.
        m_settling[delivery] = [completion](Result<void> r) { (*completion)(std::move(r)); };
    } else {
        pn_delivery_settle(delivery);
        (*completion)({});
    }
    process();
    return true;
}

void AmqpClientConnection::onSettlementUpdate(pn_delivery_t *delivery)
{
    if (!pn_delivery_settled(delivery))
        return;
    auto it = m_settling.find(delivery);
    auto next = std::move(it->second);
    m_settling.erase(it);
    Result<void> outcome;
    const std::uint64_t state = pn_delivery_remote_state(delivery);
    pn_condition_t *c = pn_disposition_condition(pn_delivery_remote(delivery));
    (void)state;
    // Success echoes the outcome (a dead-letter comes back as rejected without an error of its own);
    // a failure is a rejected state carrying the broker's condition (§4.2).
    const std::string name = conditionName(c);
    if (!name.empty() && name != "com.microsoft:dead-letter")
        outcome = brokerError(name, conditionDescription(c));
    pn_delivery_settle(delivery);
    next(outcome);
}

} // namespace busyard::client
