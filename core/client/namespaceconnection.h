#pragma once

#include "clienttypes.h"

#include "core/auth/connectionstring.h"

#include <QObject>
#include <QThread>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace busyard::client {

class NamespaceWorker;

/**
 * A connection to one Service Bus namespace (Azure, Microsoft's emulator or Busyard's emulator): the
 * AMQP 1.0 data plane (one AMQP connection, see AmqpClientConnection) and the ATOM/HTTP management
 * plane (ManagementClient).
 *
 * Asynchronous API, one convention everywhere: every call takes a `context` QObject and a
 * Callback<T>, returns at once (never blocks, never touches the network on the calling thread), and
 * the callback runs exactly once on this object's thread (normally the GUI thread) with the value or a
 * core::Error — unless `context` was destroyed meanwhile, in which case it is dropped. `context` must
 * live on this object's thread. Results are values; nothing points into client state.
 *
 * Errors (clienterror.h): the broker's AMQP condition and description ("amqp:not-found: The messaging
 * entity ... could not be found.") with the matching core::ErrorCode; timeouts after
 * ConnectionOptions::operationTimeout (ErrorCode::Timeout); a lost connection fails every operation in
 * flight with ErrorCode::ServerBusy / busyard:connection-lost, and the next call reconnects (with
 * back-off).
 *
 * Work runs on a worker thread owned by this object. Destroying it closes the connection and drops
 * pending callbacks.
 *
 * Entity paths: "queue", "topic", "topic/Subscriptions/sub", with an optional "/$DeadLetterQueue".
 */
class NamespaceConnection : public QObject
{
    Q_OBJECT

public:
    /** Parses the connection string (core::parseConnectionString); InvalidArgument if it is malformed. */
    static core::Result<std::unique_ptr<NamespaceConnection>> create(std::string_view connectionString,
                                                                     ConnectionOptions options = {},
                                                                     QObject *parent = nullptr);
    ~NamespaceConnection() override;

    /** Holds secrets: never log it (use core::toString(cs, true)). */
    const core::ConnectionString &connectionString() const { return m_cs; }
    const ConnectionOptions &options() const { return m_options; }

    // ---- data plane: send ----------------------------------------------------------------------------

    void send(const std::string &entity, core::Message message, QObject *context, Callback<void> done);
    /** Sends several messages (pipelined transfers, one disposition each; not atomic). */
    void sendBatch(const std::string &entity, std::vector<core::Message> messages, QObject *context, Callback<void> done);
    /** Schedules messages for `enqueueTime`; returns their sequence numbers. */
    void schedule(const std::string &entity, std::vector<core::Message> messages, core::TimePoint enqueueTime,
                  QObject *context, Callback<std::vector<std::int64_t>> done);
    void cancelScheduled(const std::string &entity, std::vector<std::int64_t> sequenceNumbers, QObject *context,
                         Callback<void> done);

    // ---- data plane: browse and receive --------------------------------------------------------------

    /** Up to `maxCount` messages from sequence number `fromSequenceNumber` on, without locking them
     *  (active, locked, deferred and scheduled). `sessionId`: only that session's messages. */
    void peek(const std::string &entity, std::int64_t fromSequenceNumber, int maxCount, QObject *context,
              Callback<std::vector<core::Message>> done, const std::optional<std::string> &sessionId = std::nullopt);
    /**
     * Receives up to `maxCount` messages, waiting at most `maxWait` for them (returns early once
     * messages stop arriving). PeekLock messages carry Message::lockToken for the settle calls.
     */
    void receive(const std::string &entity, ReceiveMode mode, int maxCount, std::chrono::milliseconds maxWait,
                 QObject *context, Callback<std::vector<core::Message>> done);
    /** Deferred messages by sequence number (settle PeekLock ones with the calls below). */
    void receiveDeferred(const std::string &entity, std::vector<std::int64_t> sequenceNumbers, ReceiveMode mode,
                         QObject *context, Callback<std::vector<core::Message>> done);

    // ---- data plane: settlement ----------------------------------------------------------------------

    /** Settles over the receiving link when it is still attached, else through $management. */
    void settle(const std::string &entity, const core::Uuid &lockToken, Settlement settlement, QObject *context,
                Callback<void> done);
    void complete(const std::string &entity, const core::Uuid &lockToken, QObject *context, Callback<void> done);
    void abandon(const std::string &entity, const core::Uuid &lockToken, core::PropertyMap propertiesToModify,
                 QObject *context, Callback<void> done);
    void deadLetter(const std::string &entity, const core::Uuid &lockToken, std::optional<std::string> reason,
                    std::optional<std::string> description, QObject *context, Callback<void> done);
    void defer(const std::string &entity, const core::Uuid &lockToken, QObject *context, Callback<void> done);
    /** New lock expiry. */
    void renewLock(const std::string &entity, const core::Uuid &lockToken, QObject *context,
                   Callback<core::TimePoint> done);

    // ---- sessions ------------------------------------------------------------------------------------

    void listSessions(const std::string &entity, int skip, int top, QObject *context, Callback<SessionPage> done);
    /** Locks a session (`sessionId` empty = the next available one) for receiveFromSession(). */
    void acceptSession(const std::string &entity, const std::optional<std::string> &sessionId, ReceiveMode mode,
                       QObject *context, Callback<SessionInfo> done);
    void receiveFromSession(const std::string &entity, const std::string &sessionId, int maxCount,
                            std::chrono::milliseconds maxWait, QObject *context, Callback<std::vector<core::Message>> done);
    /** Releases the session lock. */
    void closeSession(const std::string &entity, const std::string &sessionId, QObject *context, Callback<void> done);
    /** Session state bytes; nullopt when none is set. */
    void getSessionState(const std::string &entity, const std::string &sessionId, QObject *context,
                         Callback<std::optional<std::string>> done);
    void setSessionState(const std::string &entity, const std::string &sessionId, std::optional<std::string> state,
                         QObject *context, Callback<void> done);
    void renewSessionLock(const std::string &entity, const std::string &sessionId, QObject *context,
                          Callback<core::TimePoint> done);

    /** State of the AMQP connection (does not connect). */
    void status(QObject *context, Callback<ConnectionStatus> done);

    // ---- management plane (ATOM over HTTP) -------------------------------------------------------------

    void listQueues(QObject *context, Callback<std::vector<QueueInfo>> done);
    void getQueue(const std::string &name, QObject *context, Callback<QueueInfo> done);
    void createQueue(core::broker::QueueDescription queue, QObject *context, Callback<QueueInfo> done);
    void updateQueue(core::broker::QueueDescription queue, QObject *context, Callback<QueueInfo> done);
    void deleteQueue(const std::string &name, QObject *context, Callback<void> done);

    void listTopics(QObject *context, Callback<std::vector<TopicInfo>> done);
    void getTopic(const std::string &name, QObject *context, Callback<TopicInfo> done);
    void createTopic(core::broker::TopicDescription topic, QObject *context, Callback<TopicInfo> done);
    void updateTopic(core::broker::TopicDescription topic, QObject *context, Callback<TopicInfo> done);
    void deleteTopic(const std::string &name, QObject *context, Callback<void> done);

    void listSubscriptions(const std::string &topic, QObject *context, Callback<std::vector<SubscriptionInfo>> done);
    void getSubscription(const std::string &topic, const std::string &name, QObject *context,
                         Callback<SubscriptionInfo> done);
    void createSubscription(core::broker::SubscriptionDescription subscription, QObject *context,
                            Callback<SubscriptionInfo> done);
    void updateSubscription(core::broker::SubscriptionDescription subscription, QObject *context,
                            Callback<SubscriptionInfo> done);
    void deleteSubscription(const std::string &topic, const std::string &name, QObject *context, Callback<void> done);

    void listRules(const std::string &topic, const std::string &subscription, QObject *context,
                   Callback<std::vector<core::broker::RuleDescription>> done);
    void getRule(const std::string &topic, const std::string &subscription, const std::string &name, QObject *context,
                 Callback<core::broker::RuleDescription> done);
    void createRule(const std::string &topic, const std::string &subscription, core::broker::RuleDescription rule,
                    QObject *context, Callback<core::broker::RuleDescription> done);
    void updateRule(const std::string &topic, const std::string &subscription, core::broker::RuleDescription rule,
                    QObject *context, Callback<core::broker::RuleDescription> done);
    void deleteRule(const std::string &topic, const std::string &subscription, const std::string &name,
                    QObject *context, Callback<void> done);

Q_SIGNALS:
    /** The AMQP connection opened (first use or after a reconnect). */
    void connected();
    /** The AMQP connection was lost; operations in flight failed with `reason`. */
    void connectionLost(const QString &reason);

private:
    NamespaceConnection(core::ConnectionString cs, ConnectionOptions options, QObject *parent);

    /** Runs `work` on the worker thread. */
    void post(std::function<void(NamespaceWorker &)> work);
    /** Wraps `done` so that, called on the worker thread, it runs on this object's thread if `context` lives. */
    template<typename T>
    Callback<T> deliver(QObject *context, Callback<T> done);

    core::ConnectionString m_cs;
    ConnectionOptions m_options;
    QThread m_thread;
    NamespaceWorker *m_worker = nullptr;
};

} // namespace busyard::client
