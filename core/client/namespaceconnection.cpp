#include "namespaceconnection.h"

#include "amqpclientconnection.h"
#include "amqpcodec.h"
#include "amqpdata.h"
#include "clienterror.h"
#include "managementclient.h"

#include <QPointer>

#include <algorithm>

namespace busyard::client {

using core::Result;
using amqpdata::MapReader;
using amqpdata::MapWriter;
namespace broker = core::broker;

/**
 * Owns the AMQP connection and the management client on the worker thread and turns the
 * $management operations into request maps (servicebus-amqp.md §5.2).
 */
class NamespaceWorker : public QObject
{
public:
    /** Call on the worker thread: sockets, timers and the network manager are created there. */
    void init(const core::ConnectionString &cs, const ConnectionOptions &options, NamespaceConnection *owner)
    {
        m_amqp = new AmqpClientConnection(cs, options, this);
        m_management = new ManagementClient(cs, options, this);
        connect(m_amqp, &AmqpClientConnection::opened, owner, &NamespaceConnection::connected, Qt::QueuedConnection);
        connect(m_amqp, &AmqpClientConnection::lost, owner, &NamespaceConnection::connectionLost, Qt::QueuedConnection);
    }

    AmqpClientConnection &amqp() { return *m_amqp; }
    ManagementClient &management() { return *m_management; }

    /** A $management request whose non-2xx answer becomes the broker's error; 204 gives an empty map. */
    void call(const std::string &entity, const std::string &operation, std::string body,
              std::function<void(Result<std::string>)> done)
    {
        m_amqp->request(entity, operation, std::move(body), [done = std::move(done)](Result<AmqpClientConnection::Response> r) {
            if (!r) {
                done(r.error());
                return;
            }
            if (!r->success()) {
                done(managementError(r->status, r->condition, r->description));
                return;
            }
            done(r->status == 204 ? std::string() : r->body);
        });
    }

    /** "messages": list of {message: binary[, lock-token: uuid]}. */
    static Result<std::vector<core::Message>> readMessages(const std::string &body)
    {
        std::vector<core::Message> out;
        std::optional<core::Error> error;
        MapReader reader(body);
        reader.forEach("messages", [&](pn_data_t *d) {
            if (error)
                return;
            const pn_handle_t entry = pn_data_point(d);
            std::optional<core::Uuid> lockToken;
            if (amqpdata::seekInMap(d, "lock-token") && pn_data_type(d) == PN_UUID)
                lockToken = codec::readValue(d).toUuid();
            pn_data_restore(d, entry);
            if (!amqpdata::seekInMap(d, "message") || pn_data_type(d) != PN_BINARY) {
                error = brokerError(kConditionProtocol, "a management response entry has no message");
                return;
            }
            auto message = codec::decodeMessage(amqpdata::text(pn_data_get_binary(d)), codec::DecodeMode::BrokerEncoded);
            if (!message) {
                error = message.error();
                return;
            }
            if (lockToken)
                message->lockToken = *lockToken;
            out.push_back(std::move(message.value()));
        });
        if (error)
            return *error;
        return out;
    }

private:
    AmqpClientConnection *m_amqp = nullptr;
    ManagementClient *m_management = nullptr;
};

// ---- lifetime -------------------------------------------------------------------------------------------

core::Result<std::unique_ptr<NamespaceConnection>> NamespaceConnection::create(std::string_view connectionString,
                                                                               ConnectionOptions options, QObject *parent)
{
    auto cs = core::parseConnectionString(connectionString);
    if (!cs)
        return cs.error();
    return std::unique_ptr<NamespaceConnection>(new NamespaceConnection(std::move(cs.value()), std::move(options), parent));
}

NamespaceConnection::NamespaceConnection(core::ConnectionString cs, ConnectionOptions options, QObject *parent)
    : QObject(parent)
    , m_cs(std::move(cs))
    , m_options(std::move(options))
{
    m_thread.setObjectName(QStringLiteral("busyard-client"));
    m_worker = new NamespaceWorker;
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
    // Posted first, so it runs before any work posted later.
    post([cs = m_cs, options = m_options, this](NamespaceWorker &w) { w.init(cs, options, this); });
}

NamespaceConnection::~NamespaceConnection()
{
    // The worker is deleted on its own thread when the thread finishes; pending callbacks to this
    // object are discarded with it.
    m_thread.requestInterruption();
    m_thread.quit();
    m_thread.wait();
}

void NamespaceConnection::post(std::function<void(NamespaceWorker &)> work)
{
    NamespaceWorker *worker = m_worker;
    QMetaObject::invokeMethod(worker, [worker, work = std::move(work)] { work(*worker); }, Qt::QueuedConnection);
}

template<typename T>
Callback<T> NamespaceConnection::deliver(QObject *context, Callback<T> done)
{
    Q_ASSERT(!context || context->thread() == thread());
    QPointer<QObject> guard(context);
    const bool hasContext = context != nullptr;
    return [this, guard, hasContext, done = std::move(done)](Result<T> result) mutable {
        // Posted to this object (alive until the worker thread has ended), checked there.
        QMetaObject::invokeMethod(
            this,
            [guard, hasContext, done = std::move(done), result = std::move(result)]() mutable {
                if (hasContext && !guard)
                    return;
                if (done)
                    done(std::move(result));
            },
            Qt::QueuedConnection);
    };
}

// ---- send -----------------------------------------------------------------------------------------------

void NamespaceConnection::send(const std::string &entity, core::Message message, QObject *context, Callback<void> done)
{
    std::vector<core::Message> messages;
    messages.push_back(std::move(message));
    sendBatch(entity, std::move(messages), context, std::move(done));
}

void NamespaceConnection::sendBatch(const std::string &entity, std::vector<core::Message> messages, QObject *context,
                                    Callback<void> done)
{
    auto cb = deliver(context, std::move(done));
    post([entity, messages = std::move(messages), cb = std::move(cb)](NamespaceWorker &w) mutable {
        w.amqp().send(entity, std::move(messages), std::move(cb));
    });
}

void NamespaceConnection::schedule(const std::string &entity, std::vector<core::Message> messages,
                                   core::TimePoint enqueueTime, QObject *context,
                                   Callback<std::vector<std::int64_t>> done)
{
    auto cb = deliver(context, std::move(done));
    MapWriter w;
    w.key("messages");
    pn_data_put_list(w.d());
    pn_data_enter(w.d());
    codec::EncodeOptions options;
    options.brokerAnnotations = false;
    for (core::Message &m : messages) {
        m.scheduledEnqueueTime = enqueueTime;
        if (m.messageId.isNull()) {
            std::string id = core::Uuid::generate().toString();
            id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
            m.messageId = core::Value::string(id);
        }
        pn_data_put_map(w.d());
        pn_data_enter(w.d());
        const std::string encoded = codec::encodeMessage(m, options);
        w.key("message");
        pn_data_put_binary(w.d(), amqpdata::bytes(encoded));
        w.string("message-id", m.messageIdString());
        if (m.sessionId)
            w.string("session-id", *m.sessionId);
        if (m.partitionKey)
            w.string("partition-key", *m.partitionKey);
        pn_data_exit(w.d());
    }
    pn_data_exit(w.d());
    post([entity, body = w.finish(), cb = std::move(cb)](NamespaceWorker &worker) mutable {
        worker.call(entity, "schedule-message", std::move(body), [cb = std::move(cb)](Result<std::string> r) {
            if (!r) {
                cb(r.error());
                return;
            }
            std::vector<std::int64_t> numbers;
            MapReader(*r).forEach("sequence-numbers", [&](pn_data_t *d) {
                if (auto n = amqpdata::integerAt(d))
                    numbers.push_back(*n);
            });
            cb(std::move(numbers));
        });
    });
}

void NamespaceConnection::cancelScheduled(const std::string &entity, std::vector<std::int64_t> sequenceNumbers,
                                          QObject *context, Callback<void> done)
{
    auto cb = deliver(context, std::move(done));
    MapWriter w;
    w.longArray("sequence-numbers", sequenceNumbers);
    post([entity, body = w.finish(), cb = std::move(cb)](NamespaceWorker &worker) mutable {
        worker.call(entity, "cancel-scheduled-message", std::move(body), [cb = std::move(cb)](Result<std::string> r) {
            cb(r ? Result<void>() : Result<void>(r.error()));
        });
    });
}

// ---- browse and receive -----------------------------------------------------------------------------------

void NamespaceConnection::peek(const std::string &entity, std::int64_t fromSequenceNumber, int maxCount,
                               QObject *context, Callback<std::vector<core::Message>> done,
                               const std::optional<std::string> &sessionId)
{
    auto cb = deliver(context, std::move(done));
    MapWriter w;
    w.value("from-sequence-number", core::Value::int64(fromSequenceNumber));
    w.value("message-count", core::Value::int32(std::max(1, maxCount)));
    if (sessionId)
        w.string("session-id", *sessionId);
    post([entity, body = w.finish(), cb = std::move(cb)](NamespaceWorker &worker) mutable {
        worker.call(entity, "peek-message", std::move(body), [cb = std::move(cb)](Result<std::string> r) {
            if (!r) {
                // Like the SDKs: "no message at or after that number" is an empty page.
                if (r.error().code == core::ErrorCode::MessageNotFound)
                    cb(std::vector<core::Message>{});
                else
                    cb(r.error());
                return;
            }
            cb(NamespaceWorker::readMessages(*r));
        });
    });
}

void NamespaceConnection::receive(const std::string &entity, ReceiveMode mode, int maxCount,
                                  std::chrono::milliseconds maxWait, QObject *context,
                                  Callback<std::vector<core::Message>> done)
{
    auto cb = deliver(context, std::move(done));
    post([entity, mode, maxCount, maxWait, cb = std::move(cb)](NamespaceWorker &w) mutable {
        w.amqp().receive(entity, mode, maxCount, maxWait, std::move(cb));
    });
}

void NamespaceConnection::receiveDeferred(const std::string &entity, std::vector<std::int64_t> sequenceNumbers,
                                          ReceiveMode mode, QObject *context, Callback<std::vector<core::Message>> done)
{
    auto cb = deliver(context, std::move(done));
    MapWriter w;
    w.longArray("sequence-numbers", sequenceNumbers);
    w.value("receiver-settle-mode", core::Value::uint(mode == ReceiveMode::PeekLock ? 1 : 0));
    post([entity, body = w.finish(), cb = std::move(cb)](NamespaceWorker &worker) mutable {
        worker.call(entity, "receive-by-sequence-number", std::move(body), [cb = std::move(cb)](Result<std::string> r) {
            if (!r)
                cb(r.error());
            else
                cb(NamespaceWorker::readMessages(*r));
        });
    });
}

// ---- settlement -------------------------------------------------------------------------------------------

void NamespaceConnection::settle(const std::string &entity, const core::Uuid &lockToken, Settlement settlement,
                                 QObject *context, Callback<void> done)
{
    auto cb = deliver(context, std::move(done));
    post([entity, lockToken, settlement = std::move(settlement), cb = std::move(cb)](NamespaceWorker &worker) mutable {
        if (worker.amqp().settle(lockToken, settlement, cb))
            return;
        // Not received on a link of this connection (deferred message, closed link): $management.
        MapWriter w;
        const char *status = "completed";
        switch (settlement.kind) {
        case Settlement::Kind::Complete: status = "completed"; break;
        case Settlement::Kind::Abandon: status = "abandoned"; break;
        case Settlement::Kind::DeadLetter: status = "suspended"; break;
        case Settlement::Kind::Defer: status = "defered"; break; // sic: the spelling the service expects
        }
        w.string("disposition-status", status);
        w.uuidArray("lock-tokens", {lockToken});
        if (settlement.kind == Settlement::Kind::DeadLetter) {
            w.string("deadletter-reason", settlement.deadLetterReason.value_or(""));
            w.string("deadletter-description", settlement.deadLetterDescription.value_or(""));
        }
        if (!settlement.propertiesToModify.empty()) {
            w.key("properties-to-modify");
            pn_data_put_map(w.d());
            pn_data_enter(w.d());
            for (const auto &[k, v] : settlement.propertiesToModify.entries()) {
                pn_data_put_string(w.d(), amqpdata::bytes(k));
                codec::putValue(w.d(), v);
            }
            pn_data_exit(w.d());
        }
        worker.call(entity, "update-disposition", w.finish(), [cb = std::move(cb)](Result<std::string> r) {
            cb(r ? Result<void>() : Result<void>(r.error()));
        });
    });
}

void NamespaceConnection::complete(const std::string &entity, const core::Uuid &lockToken, QObject *context,
                                   Callback<void> done)
{
    settle(entity, lockToken, Settlement{}, context, std::move(done));
}

void NamespaceConnection::abandon(const std::string &entity, const core::Uuid &lockToken,
                                  core::PropertyMap propertiesToModify, QObject *context, Callback<void> done)
{
    Settlement s;
    s.kind = Settlement::Kind::Abandon;
    s.propertiesToModify = std::move(propertiesToModify);
    settle(entity, lockToken, std::move(s), context, std::move(done));
}

void NamespaceConnection::deadLetter(const std::string &entity, const core::Uuid &lockToken,
                                     std::optional<std::string> reason, std::optional<std::string> description,
                                     QObject *context, Callback<void> done)
{
    Settlement s;
    s.kind = Settlement::Kind::DeadLetter;
    s.deadLetterReason = std::move(reason);
    s.deadLetterDescription = std::move(description);
    settle(entity, lockToken, std::move(s), context, std::move(done));
}

void NamespaceConnection::defer(const std::string &entity, const core::Uuid &lockToken, QObject *context,
                                Callback<void> done)
{
    Settlement s;
    s.kind = Settlement::Kind::Defer;
    settle(entity, lockToken, std::move(s), context, std::move(done));
}

void NamespaceConnection::renewLock(const std::string &entity, const core::Uuid &lockToken, QObject *context,
                                    Callback<core::TimePoint> done)
{
    auto cb = deliver(context, std::move(done));
    MapWriter w;
    w.uuidArray("lock-tokens", {lockToken});
    post([entity, body = w.finish(), cb = std::move(cb)](NamespaceWorker &worker) mutable {
        worker.call(entity, "renew-lock", std::move(body), [cb = std::move(cb)](Result<std::string> r) {
            if (!r) {
                cb(r.error());
                return;
            }
            std::optional<core::TimePoint> until;
            MapReader(*r).forEach("expirations", [&](pn_data_t *d) {
                if (!until)
                    if (auto ms = amqpdata::integerAt(d))
                        until = core::fromMillisSinceEpoch(*ms);
            });
            if (!until)
                cb(brokerError(kConditionProtocol, "renew-lock response without expirations"));
            else
                cb(*until);
        });
    });
}

// ---- sessions ---------------------------------------------------------------------------------------------

void NamespaceConnection::listSessions(const std::string &entity, int skip, int top, QObject *context,
                                       Callback<SessionPage> done)
{
    auto cb = deliver(context, std::move(done));
    MapWriter w;
    // Sessions updated since the epoch: every session that holds messages or state.
    w.value("last-updated-time", core::Value::timestamp(core::fromMillisSinceEpoch(0)));
    w.value("skip", core::Value::int32(std::max(0, skip)));
    w.value("top", core::Value::int32(std::max(1, top)));
    post([entity, skip, body = w.finish(), cb = std::move(cb)](NamespaceWorker &worker) mutable {
        worker.call(entity, "get-message-sessions", std::move(body), [skip, cb = std::move(cb)](Result<std::string> r) {
            if (!r) {
                cb(r.error());
                return;
            }
            SessionPage page;
            MapReader reader(*r);
            reader.forEach("sessions-ids", [&](pn_data_t *d) {
                if (auto id = amqpdata::textAt(d))
                    page.sessionIds.push_back(*id);
            });
            page.nextSkip = int(reader.integer("skip").value_or(skip + std::int64_t(page.sessionIds.size())));
            cb(std::move(page));
        });
    });
}

void NamespaceConnection::acceptSession(const std::string &entity, const std::optional<std::string> &sessionId,
                                        ReceiveMode mode, QObject *context, Callback<SessionInfo> done)
{
    auto cb = deliver(context, std::move(done));
    post([entity, sessionId, mode, cb = std::move(cb)](NamespaceWorker &w) mutable {
        w.amqp().acceptSession(entity, mode, sessionId, std::move(cb));
    });
}

void NamespaceConnection::receiveFromSession(const std::string &entity, const std::string &sessionId, int maxCount,
                                             std::chrono::milliseconds maxWait, QObject *context,
                                             Callback<std::vector<core::Message>> done)
{
    auto cb = deliver(context, std::move(done));
    post([entity, sessionId, maxCount, maxWait, cb = std::move(cb)](NamespaceWorker &w) mutable {
        w.amqp().receiveFromSession(entity, sessionId, maxCount, maxWait, std::move(cb));
    });
}

void NamespaceConnection::closeSession(const std::string &entity, const std::string &sessionId, QObject *context,
                                       Callback<void> done)
{
    auto cb = deliver(context, std::move(done));
    post([entity, sessionId, cb = std::move(cb)](NamespaceWorker &w) mutable {
        w.amqp().closeSession(entity, sessionId, std::move(cb));
    });
}

void NamespaceConnection::getSessionState(const std::string &entity, const std::string &sessionId, QObject *context,
                                          Callback<std::optional<std::string>> done)
{
    auto cb = deliver(context, std::move(done));
    MapWriter w;
    w.string("session-id", sessionId);
    post([entity, body = w.finish(), cb = std::move(cb)](NamespaceWorker &worker) mutable {
        worker.call(entity, "get-session-state", std::move(body), [cb = std::move(cb)](Result<std::string> r) {
            if (!r) {
                cb(r.error());
                return;
            }
            cb(MapReader(*r).binary("session-state"));
        });
    });
}

void NamespaceConnection::setSessionState(const std::string &entity, const std::string &sessionId,
                                          std::optional<std::string> state, QObject *context, Callback<void> done)
{
    auto cb = deliver(context, std::move(done));
    MapWriter w;
    w.string("session-id", sessionId);
    w.key("session-state");
    if (state)
        pn_data_put_binary(w.d(), amqpdata::bytes(*state));
    else
        pn_data_put_null(w.d());
    post([entity, body = w.finish(), cb = std::move(cb)](NamespaceWorker &worker) mutable {
        worker.call(entity, "set-session-state", std::move(body), [cb = std::move(cb)](Result<std::string> r) {
            cb(r ? Result<void>() : Result<void>(r.error()));
        });
    });
}

void NamespaceConnection::renewSessionLock(const std::string &entity, const std::string &sessionId, QObject *context,
                                           Callback<core::TimePoint> done)
{
    auto cb = deliver(context, std::move(done));
    MapWriter w;
    w.string("session-id", sessionId);
    post([entity, body = w.finish(), cb = std::move(cb)](NamespaceWorker &worker) mutable {
        worker.call(entity, "renew-session-lock", std::move(body), [cb = std::move(cb)](Result<std::string> r) {
            if (!r) {
                cb(r.error());
                return;
            }
            auto ms = MapReader(*r).integer("expiration");
            if (!ms)
                cb(brokerError(kConditionProtocol, "renew-session-lock response without expiration"));
            else
                cb(core::fromMillisSinceEpoch(*ms));
        });
    });
}

void NamespaceConnection::status(QObject *context, Callback<ConnectionStatus> done)
{
    post([cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        cb(ConnectionStatus{w.amqp().isOpen(), w.amqp().linkCount()});
    });
}

// ---- management plane -------------------------------------------------------------------------------------

void NamespaceConnection::listQueues(QObject *context, Callback<std::vector<QueueInfo>> done)
{
    post([cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable { w.management().listQueues(std::move(cb)); });
}

void NamespaceConnection::getQueue(const std::string &name, QObject *context, Callback<QueueInfo> done)
{
    post([name, cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable { w.management().getQueue(name, std::move(cb)); });
}

void NamespaceConnection::createQueue(broker::QueueDescription queue, QObject *context, Callback<QueueInfo> done)
{
    post([queue = std::move(queue), cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().putQueue(queue, false, std::move(cb));
    });
}

void NamespaceConnection::updateQueue(broker::QueueDescription queue, QObject *context, Callback<QueueInfo> done)
{
    post([queue = std::move(queue), cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().putQueue(queue, true, std::move(cb));
    });
}

void NamespaceConnection::deleteQueue(const std::string &name, QObject *context, Callback<void> done)
{
    post([name, cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable { w.management().deleteEntity(name, std::move(cb)); });
}

void NamespaceConnection::listTopics(QObject *context, Callback<std::vector<TopicInfo>> done)
{
    post([cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable { w.management().listTopics(std::move(cb)); });
}

void NamespaceConnection::getTopic(const std::string &name, QObject *context, Callback<TopicInfo> done)
{
    post([name, cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable { w.management().getTopic(name, std::move(cb)); });
}

void NamespaceConnection::createTopic(broker::TopicDescription topic, QObject *context, Callback<TopicInfo> done)
{
    post([topic = std::move(topic), cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().putTopic(topic, false, std::move(cb));
    });
}

void NamespaceConnection::updateTopic(broker::TopicDescription topic, QObject *context, Callback<TopicInfo> done)
{
    post([topic = std::move(topic), cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().putTopic(topic, true, std::move(cb));
    });
}

void NamespaceConnection::deleteTopic(const std::string &name, QObject *context, Callback<void> done)
{
    post([name, cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable { w.management().deleteEntity(name, std::move(cb)); });
}

void NamespaceConnection::listSubscriptions(const std::string &topic, QObject *context,
                                            Callback<std::vector<SubscriptionInfo>> done)
{
    post([topic, cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().listSubscriptions(topic, std::move(cb));
    });
}

void NamespaceConnection::getSubscription(const std::string &topic, const std::string &name, QObject *context,
                                          Callback<SubscriptionInfo> done)
{
    post([topic, name, cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().getSubscription(topic, name, std::move(cb));
    });
}

void NamespaceConnection::createSubscription(broker::SubscriptionDescription subscription, QObject *context,
                                             Callback<SubscriptionInfo> done)
{
    post([s = std::move(subscription), cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().putSubscription(s, false, std::move(cb));
    });
}

void NamespaceConnection::updateSubscription(broker::SubscriptionDescription subscription, QObject *context,
                                             Callback<SubscriptionInfo> done)
{
    post([s = std::move(subscription), cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().putSubscription(s, true, std::move(cb));
    });
}

void NamespaceConnection::deleteSubscription(const std::string &topic, const std::string &name, QObject *context,
                                             Callback<void> done)
{
    post([path = topic + "/Subscriptions/" + name, cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().deleteEntity(path, std::move(cb));
    });
}

void NamespaceConnection::listRules(const std::string &topic, const std::string &subscription, QObject *context,
                                    Callback<std::vector<broker::RuleDescription>> done)
{
    post([topic, subscription, cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().listRules(topic, subscription, std::move(cb));
    });
}

void NamespaceConnection::getRule(const std::string &topic, const std::string &subscription, const std::string &name,
                                  QObject *context, Callback<broker::RuleDescription> done)
{
    post([topic, subscription, name, cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().getRule(topic, subscription, name, std::move(cb));
    });
}

void NamespaceConnection::createRule(const std::string &topic, const std::string &subscription,
                                     broker::RuleDescription rule, QObject *context,
                                     Callback<broker::RuleDescription> done)
{
    post([topic, subscription, rule = std::move(rule), cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().putRule(topic, subscription, rule, false, std::move(cb));
    });
}

void NamespaceConnection::updateRule(const std::string &topic, const std::string &subscription,
                                     broker::RuleDescription rule, QObject *context,
                                     Callback<broker::RuleDescription> done)
{
    post([topic, subscription, rule = std::move(rule), cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().putRule(topic, subscription, rule, true, std::move(cb));
    });
}

void NamespaceConnection::deleteRule(const std::string &topic, const std::string &subscription, const std::string &name,
                                     QObject *context, Callback<void> done)
{
    post([path = topic + "/Subscriptions/" + subscription + "/Rules/" + name,
          cb = deliver(context, std::move(done))](NamespaceWorker &w) mutable {
        w.management().deleteEntity(path, std::move(cb));
    });
}

} // namespace busyard::client
