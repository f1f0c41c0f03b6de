#pragma once

#include "clienttypes.h"

#include "core/auth/connectionstring.h"

#include <QObject>
#include <QPointer>

#include <proton/connection_driver.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

class QAbstractSocket;
class QTimer;
class QWebSocket;

namespace busyard::client {

/**
 * One AMQP 1.0 connection to a Service Bus namespace, in the Service Bus dialect (servicebus-amqp.md):
 * a Proton C connection driver (pn_connection_driver_t, client mode, Proton's built-in SASL ANONYMOUS)
 * fed by a Qt byte stream: QTcpSocket (plain, emulators), QSslSocket (TLS with Qt's TLS backend: the one
 * TLS choice of the client) or QWebSocket (subprotocol AMQPWSB10, path /$servicebus/websocket).
 *
 * - Authorization: CBS put-token on `$cbs`, one SAS token per entity audience (`sb://host/entity`),
 *   put before the entity's first link and again `tokenRefreshMargin` before it expires; a
 *   SharedAccessSignature from the connection string is put as is (it cannot be refreshed).
 * - Links are attached on first use, cached per entity and kind, and detached after `linkIdleTimeout`
 *   without use. One AMQP session carries every link.
 * - Every operation completes exactly once: with its result, with the broker's error (condition and
 *   description, see clienterror.h), with timeoutError() after `operationTimeout`, or with
 *   connectionLostError() when the connection drops. Nothing waits forever.
 * - Connecting is lazy: the first operation connects; after a failure or loss the next attempt waits
 *   for a back-off delay (minReconnectDelay doubling up to maxReconnectDelay; reset once open).
 *
 * Thread: lives on one thread (the NamespaceConnection's worker); call it only there. Callbacks run
 * synchronously on that thread.
 */
class AmqpClientConnection : public QObject
{
    Q_OBJECT

public:
    /** A $management or $cbs response. */
    struct Response
    {
        int status = 0;
        std::string condition;    ///< errorCondition (symbol), may be empty
        std::string description;  ///< statusDescription
        std::string body;         ///< the AMQP encoding of the amqp-value body (usually a map); may be empty
        bool success() const { return status >= 200 && status < 300; }
    };

    AmqpClientConnection(core::ConnectionString connectionString, ConnectionOptions options, QObject *parent = nullptr);
    ~AmqpClientConnection() override;

    /**
     * A request to `<entity>/$management` (§5): `operation` in the application properties, `body` the
     * encoded map of the amqp-value body. A non-2xx response is a Response, not an error.
     */
    void request(const std::string &entity, const std::string &operation, std::string body, Callback<Response> done);

    /** Sends messages to a queue or topic; each is one transfer, all pipelined; done after every
     *  disposition (the first rejection fails the call, earlier messages stay sent). */
    void send(const std::string &entity, std::vector<core::Message> messages, Callback<void> done);

    /**
     * Receives up to `maxCount` messages from a non-session entity: grants that much credit, returns
     * when `maxCount` arrived, when `maxWait` passed, or shortly (kBatchWindow) after the last message
     * arrived, then drains the link's remaining credit (§2.5). Messages carry their lock token
     * (PeekLock). The deadline is `maxWait` + operationTimeout.
     */
    void receive(const std::string &entity, ReceiveMode mode, int maxCount, std::chrono::milliseconds maxWait,
                 Callback<std::vector<core::Message>> done);

    /** Locks a session (`sessionId` empty = next available) and keeps its receiver link open. */
    void acceptSession(const std::string &entity, ReceiveMode mode, const std::optional<std::string> &sessionId,
                       Callback<SessionInfo> done);
    /** Receives from a session accepted with acceptSession(); SessionLockLost if it is not (any more). */
    void receiveFromSession(const std::string &entity, const std::string &sessionId, int maxCount,
                            std::chrono::milliseconds maxWait, Callback<std::vector<core::Message>> done);
    /** Detaches a session receiver (releases the session lock). */
    void closeSession(const std::string &entity, const std::string &sessionId, Callback<void> done);

    /**
     * Settles a message received on a link of this connection that is still attached (the only way
     * for session messages). Returns false, without calling `done`, if the lock token is not known
     * here: the caller then settles through $management update-disposition.
     */
    bool settle(const core::Uuid &lockToken, const Settlement &settlement, Callback<void> done);

    /** True once the AMQP open handshake completed and until the connection is lost. */
    bool isOpen() const { return m_state == State::Open; }
    /** Number of attached (or attaching) links, for tests of idle closing. */
    int linkCount() const;

    /** Closes the connection; in-flight operations fail with connectionLostError("closed"). */
    void close();

    /** Quiet period after the last message of a receive before it drains and returns. */
    static constexpr std::chrono::milliseconds kBatchWindow{100};

Q_SIGNALS:
    /** The AMQP connection opened (after a (re)connect). */
    void opened();
    /** The connection was lost or closed; `reason` is a client error message. */
    void lost(const QString &reason);

private:
    enum class State { Idle, Connecting, Open };
    enum class LinkKind { Sender, Receiver, SessionReceiver, RequestPair };
    enum class LinkState { Attaching, Open, Closing };

    template<typename T>
    struct Completion;
    struct ReceiveRequest;
    struct Link;
    struct Token;
    struct SendBatch;
    using LinkWaiter = std::function<void(core::Result<Link *>)>;
    using Waiter = std::function<void(core::Result<void>)>;

    template<typename T>
    std::shared_ptr<Completion<T>> track(std::string what, Callback<T> done,
                                         std::chrono::milliseconds extra = std::chrono::milliseconds(0));
    /** Runs `fire` at `at` (or later). One QTimer serves every operation deadline: a Qt timer per
        operation made each timer (re)start scan thousands of pending timers. */
    void addDeadline(std::chrono::steady_clock::time_point at, std::function<void()> fire);
    void onDeadlines();

    // connection
    void withConnection(Waiter next);
    void startConnect();
    void onStreamReady();
    void onStreamBytes(const char *data, qint64 size);
    void onStreamClosed(const QString &reason);
    void connectionLost(const core::Error &error);
    void resetDriver();
    void process();
    void flushOutput();
    void armTickTimer();
    void handleEvent(pn_event_t *event);

    // authorization
    void withToken(const std::string &entity, Waiter next);
    void putToken(const std::string &audience, std::uint64_t generation);
    std::string tokenAudience(const std::string &entity) const;

    // links
    void withLink(LinkKind kind, const std::string &entity, ReceiveMode mode, LinkWaiter next);
    Link *attach(LinkKind kind, const std::string &entity, ReceiveMode mode, const std::optional<std::string> &sessionFilter,
                 bool sessionFilterSet);
    void onLinkRemoteOpen(pn_link_t *link);
    void onLinkRemoteClose(pn_link_t *link);
    void failLink(Link *link, const core::Error &error);
    void destroyLink(Link *link);
    Link *linkOf(pn_link_t *link) const;
    void closeIdleLinks();

    // request / response
    void sendRequest(Link *pair, const std::string &operation, std::string body, const core::PropertyMap &extraProperties,
                     std::function<void(core::Result<Response>)> next);
    void cbsRequest(const std::string &audience, const std::string &token, std::function<void(core::Result<Response>)> next);
    void onResponse(pn_delivery_t *delivery, const std::string &payload);

    // data
    void onIncoming(Link *link, pn_delivery_t *delivery);
    void onSenderUpdate(pn_delivery_t *delivery);
    void onSettlementUpdate(pn_delivery_t *delivery);
    void enqueueReceive(Link *link, std::shared_ptr<ReceiveRequest> request);
    void pumpReceive(Link *link);
    void startDrain(Link *link);
    void finishReceive(Link *link);

    core::ConnectionString m_cs;
    ConnectionOptions m_options;
    std::string m_containerId;

    State m_state = State::Idle;
    std::uint64_t m_generation = 0;  ///< bumped on every connect; stale timers check it
    pn_connection_driver_t m_driver{};
    bool m_driverReady = false;
    pn_session_t *m_session = nullptr;
    QPointer<QAbstractSocket> m_socket;
    QPointer<QWebSocket> m_webSocket;
    bool m_streamReady = false;
    bool m_processing = false;
    bool m_again = false;
    QTimer *m_tickTimer = nullptr;
    QTimer *m_idleTimer = nullptr;
    QTimer *m_deadlineTimer = nullptr;
    /** Operation deadlines in time order; entries of finished operations fire as no-ops. */
    std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> m_deadlines;
    std::vector<Waiter> m_connectWaiters;
    std::chrono::steady_clock::time_point m_nextAttempt{};
    std::chrono::milliseconds m_backoff{0};
    bool m_connectScheduled = false;

    std::map<std::string, std::unique_ptr<Token>> m_tokens;        ///< by audience
    std::vector<std::unique_ptr<Link>> m_links;
    std::map<std::string, Link *> m_linksByKey;                    ///< shared links (not session receivers)
    std::map<std::string, Link *> m_sessionLinks;                  ///< "entity\nsessionId" (lower-case entity)
    std::uint64_t m_nextLinkId = 1;
    std::uint64_t m_nextMessageId = 1;
    std::uint64_t m_nextTag = 1;
    std::unordered_map<std::uint64_t, std::function<void(core::Result<Response>)>> m_requests; ///< by message-id
    std::unordered_map<pn_delivery_t *, std::shared_ptr<SendBatch>> m_sends;
    struct Unsettled
    {
        Link *link;
        pn_delivery_t *delivery;
    };
    std::map<core::Uuid, Unsettled> m_unsettled;                   ///< peek-locked deliveries by lock token
    std::unordered_map<pn_delivery_t *, std::function<void(core::Result<void>)>> m_settling;
};

} // namespace busyard::client
