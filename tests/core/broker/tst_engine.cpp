#include "core/broker/engine.h"

#include <QtTest>

#include <map>
#include <random>

using namespace busyard::core;
using namespace busyard::core::broker;
using namespace std::chrono_literals;

namespace {

Message msg(std::string id, std::string body = "payload")
{
    Message m;
    m.messageId = Value::string(std::move(id));
    m.body = std::move(body);
    return m;
}

Message sessionMsg(std::string id, std::string session)
{
    Message m = msg(std::move(id));
    m.sessionId = std::move(session);
    return m;
}

/** Collects what a receiver's callbacks report. */
struct Sink
{
    std::vector<Message> messages;
    std::vector<Error> closed;
    std::vector<std::pair<std::string, TimePoint>> accepted;

    ReceiverCallbacks callbacks()
    {
        ReceiverCallbacks cb;
        cb.onMessage = [this](Message m) { messages.push_back(std::move(m)); };
        cb.onClosed = [this](const Error &e) { closed.push_back(e); };
        cb.onSessionAccepted = [this](const std::string &id, TimePoint t) { accepted.emplace_back(id, t); };
        return cb;
    }
};

struct Recorder : EngineObserver
{
    std::vector<EngineEvent> events;
    void onEvent(const EngineEvent &e) override { events.push_back(e); }
    std::vector<EngineEventKind> kinds() const
    {
        std::vector<EngineEventKind> k;
        for (const auto &e : events)
            k.push_back(e.kind);
        return k;
    }
};

/** A Store that really keeps everything in memory, to test the durability contract and restarts. */
class KeepingStore final : public Store
{
public:
    struct Data
    {
        std::map<std::string, QueueDescription> queues;
        std::map<std::string, TopicDescription> topics;
        std::map<std::string, SubscriptionDescription> subs;
        std::map<std::pair<std::string, std::string>, StoreSnapshot::Rule> rules;
        std::map<std::string, std::int64_t> counters;
        std::map<std::tuple<std::string, SubQueue, MessageKey>, Message> messages;
        std::map<std::pair<std::string, std::string>, std::pair<std::string, TimePoint>> states;
        int batches = 0;
        bool inBatch = false;
        int callsOutsideBatch = 0;
    };
    explicit KeepingStore(std::shared_ptr<Data> data) : m_data(std::move(data)) {}

    Result<StoreSnapshot> load() override
    {
        StoreSnapshot s;
        for (auto &[k, q] : m_data->queues)
            s.queues.push_back(q);
        for (auto &[k, t] : m_data->topics)
            s.topics.push_back(t);
        for (auto &[k, sd] : m_data->subs)
            s.subscriptions.push_back(sd);
        for (auto &[k, r] : m_data->rules)
            s.rules.push_back(r);
        for (auto &[k, c] : m_data->counters)
            s.sequenceCounters.emplace_back(k, c);
        for (auto &[k, m] : m_data->messages)
            s.messages.push_back(StoredMessageRecord{std::get<0>(k), std::get<1>(k), std::get<2>(k), m});
        for (auto &[k, st] : m_data->states)
            s.sessionStates.push_back(StoredSessionState{k.first, k.second, st.first, st.second});
        return s;
    }
    void beginBatch() override
    {
        QVERIFY(!m_data->inBatch);
        m_data->inBatch = true;
    }
    Result<void> commit() override
    {
        m_data->inBatch = false;
        ++m_data->batches;
        return {};
    }
    void check() { m_data->callsOutsideBatch += m_data->inBatch ? 0 : 1; }
    void putQueue(const QueueDescription &q) override { check(); m_data->queues[toLowerAscii(q.name)] = q; }
    void putTopic(const TopicDescription &t) override { check(); m_data->topics[toLowerAscii(t.name)] = t; }
    void putSubscription(const SubscriptionDescription &s) override
    {
        check();
        m_data->subs[toLowerAscii(s.topicName + "/subscriptions/" + s.name)] = s;
    }
    void putRule(const std::string &topic, const std::string &sub, const RuleDescription &rule) override
    {
        check();
        m_data->rules[{toLowerAscii(topic + "/subscriptions/" + sub), toLowerAscii(rule.name)}] = {topic, sub, rule};
    }
    void removeQueue(const std::string &key) override { check(); m_data->queues.erase(key); eraseMessages(key); }
    void removeTopic(const std::string &key) override { check(); m_data->topics.erase(key); }
    void removeSubscription(const std::string &key) override { check(); m_data->subs.erase(key); eraseMessages(key); }
    void removeRule(const std::string &sub, const std::string &rule) override { check(); m_data->rules.erase({sub, rule}); }
    void putSequenceCounter(const std::string &key, std::int64_t last) override { check(); m_data->counters[key] = last; }
    void putMessage(const std::string &key, SubQueue sq, MessageKey mk, const Message &m) override
    {
        check();
        m_data->messages[{key, sq, mk}] = m;
    }
    void removeMessage(const std::string &key, SubQueue sq, MessageKey mk) override
    {
        check();
        m_data->messages.erase({key, sq, mk});
    }
    void putSessionState(const std::string &key, const std::string &id, const std::optional<std::string> &state,
                         TimePoint t) override
    {
        check();
        if (state)
            m_data->states[{key, id}] = {*state, t};
        else
            m_data->states.erase({key, id});
    }
    void putDuplicateId(const std::string &, const std::string &, TimePoint) override { check(); }
    void pruneDuplicateIds(const std::string &, TimePoint) override { check(); }

private:
    void eraseMessages(const std::string &key)
    {
        for (auto it = m_data->messages.begin(); it != m_data->messages.end();)
            it = std::get<0>(it->first) == key ? m_data->messages.erase(it) : std::next(it);
    }
    std::shared_ptr<Data> m_data;
};

} // namespace

class TestEngine : public QObject
{
    Q_OBJECT

private:
    VirtualClock m_clock;
    std::unique_ptr<Engine> m_engine;
    Engine &engine() { return *m_engine; }

    QueueDescription queue(std::string name)
    {
        QueueDescription q;
        q.name = std::move(name);
        return q;
    }
    void createQueue(QueueDescription q)
    {
        auto r = engine().createQueue(std::move(q));
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    }
    std::vector<std::int64_t> send(const std::string &path, std::vector<Message> batch)
    {
        auto r = engine().send(EntityAddress::queue(path), std::move(batch));
        if (!r) {
            qWarning("send failed: %s", r.error().message.c_str());
            return {};
        }
        return *r;
    }
    /** Opens a receiver, grants `n` credits, closes it; returns what arrived. */
    std::vector<Message> receive(const EntityAddress &a, std::uint32_t n, ReceiveMode mode = ReceiveMode::PeekLock)
    {
        Sink sink;
        auto id = engine().openReceiver(a, mode, SessionSpec::none(), sink.callbacks());
        if (!id) {
            qWarning("open failed: %s", id.error().message.c_str());
            return {};
        }
        engine().addCredit(id->id, n);
        engine().closeReceiver(id->id);
        return sink.messages;
    }
    RuntimeCounts counts(const std::string &path)
    {
        auto r = engine().runtimeCounts(path);
        return r ? *r : RuntimeCounts{-1, -1, -1, -1, -1, -1, -1};
    }
    void advance(Duration d)
    {
        m_clock.advance(d);
        engine().processDue();
    }

private slots:
    void init();
    void sendReceiveComplete();
    void createConflictsAndLookup();
    void immutableProperties();
    void peekShowsEverythingWithoutLocking();
    void abandonIncrementsDeliveryCount();
    void lockExpiryRedelivers();
    void renewLockExtends();
    void releaseKeepsCount();
    void maxDeliveryCountDeadLetters();
    void ttlExpiry_data();
    void ttlExpiry();
    void lockedMessageDoesNotExpireUntilReleased();
    void explicitDeadLetter();
    void deferAndReceiveDeferred();
    void scheduleAndCancel();
    void duplicateDetection();
    void sessionRequirements();
    void sessionNamedAndExclusive();
    void sessionNextAvailableWaitsAndTimesOut();
    void sessionLockExpiryAndRenewal();
    void sessionStateAndList();
    void receiveAndDelete();
    void purgeAndBatchDelete();
    void entityStatus();
    void messageSizeAndQuota();
    void autoForwardChain();
    void forwardHopLimit();
    void forwardDeadLetteredMessages();
    void forwardToDisabledDestination();
    void creditAndDrain();
    void observerEvents();
    void autoDeleteOnIdle();
    void storeBatchesAndRestart();
    void reentrantSettleFromCallback();
    void countsMatchContentsUnderRandomOperations_data();
    void countsMatchContentsUnderRandomOperations();
};

void TestEngine::init()
{
    m_clock.set(fromMillisSinceEpoch(1'700'000'000'000LL));
    m_engine = std::make_unique<Engine>(m_clock);
}

void TestEngine::sendReceiveComplete()
{
    createQueue(queue("orders"));
    const auto seqs = send("orders", {msg("a"), msg("b"), msg("c")});
    QCOMPARE(seqs, (std::vector<std::int64_t>{1, 2, 3}));
    QCOMPARE(counts("orders").active, 3);
    QCOMPARE(counts("orders").sizeInBytes, 3 * static_cast<std::int64_t>(msg("a").size()));

    const auto got = receive(EntityAddress::queue("ORDERS"), 3);
    QCOMPARE(got.size(), std::size_t(3));
    for (std::size_t i = 0; i < 3; ++i) {
        QCOMPARE(got[i].sequenceNumber, std::int64_t(i + 1));
        QCOMPARE(got[i].deliveryCount, 0u);
        QCOMPARE(got[i].lockedUntil, m_clock.now() + 60s);
        QCOMPARE(got[i].enqueuedTime, m_clock.now());
        QVERIFY(!got[i].lockToken.isNull());
    }
    QCOMPARE(got[0].messageIdString(), std::string("a"));
    QCOMPARE(counts("orders").active, 3); // locked messages are still active
    for (const auto &m : got)
        QVERIFY(engine().complete(EntityAddress::queue("orders"), m.lockToken).ok());
    QCOMPARE(counts("orders").active, 0);
    QCOMPARE(counts("orders").sizeInBytes, 0);
    const auto again = engine().complete(EntityAddress::queue("orders"), got[0].lockToken);
    QVERIFY(!again.ok());
    QCOMPARE(again.error().code, ErrorCode::MessageLockLost);
    QVERIFY(receive(EntityAddress::queue("orders"), 5).empty());
}

void TestEngine::createConflictsAndLookup()
{
    createQueue(queue("Orders"));
    auto dup = engine().createQueue(queue("orders"));
    QVERIFY(!dup.ok());
    QCOMPARE(dup.error().code, ErrorCode::EntityAlreadyExists);
    TopicDescription t;
    t.name = "ORDERS";
    QCOMPARE(engine().createTopic(t).error().code, ErrorCode::EntityAlreadyExists);
    auto got = engine().getQueue("oRdErS");
    QVERIFY(got.ok());
    QCOMPARE(got->name, std::string("Orders"));
    QCOMPARE(got->createdAt, m_clock.now());
    auto missing = engine().getQueue("nope");
    QCOMPARE(missing.error().code, ErrorCode::EntityNotFound);
    QVERIFY(QString::fromStdString(missing.error().message).contains(QStringLiteral("could not be found")));
    auto bad = queue("q2");
    bad.forwardTo = "missing";
    auto fwd = engine().createQueue(bad);
    QVERIFY(!fwd.ok());
    QVERIFY(QString::fromStdString(fwd.error().message).contains(QStringLiteral("SubCode=40400")));
    bad.forwardTo = "q2";
    QCOMPARE(engine().createQueue(bad).error().code, ErrorCode::InvalidArgument);
    auto invalid = queue("q3");
    invalid.lockDuration = 10min;
    QCOMPARE(engine().createQueue(invalid).error().code, ErrorCode::ArgumentOutOfRange);
    QCOMPARE(engine().listQueues().size(), std::size_t(1));
    QVERIFY(engine().deleteQueue("ORDERS").ok());
    QCOMPARE(engine().deleteQueue("orders").error().code, ErrorCode::EntityNotFound);
}

void TestEngine::immutableProperties()
{
    createQueue(queue("q"));
    auto q = *engine().getQueue("q");
    q.requiresSession = true;
    auto r = engine().updateQueue(q);
    QVERIFY(!r.ok());
    QVERIFY(QString::fromStdString(r.error().message).contains(QStringLiteral("cannot be updated")));
    q.requiresSession = false;
    q.maxDeliveryCount = 3;
    m_clock.advance(5s);
    auto u = engine().updateQueue(q);
    QVERIFY(u.ok());
    QCOMPARE(u->maxDeliveryCount, 3);
    QCOMPARE(u->updatedAt, m_clock.now());
    QCOMPARE(u->createdAt, m_clock.now() - 5s);
}

void TestEngine::peekShowsEverythingWithoutLocking()
{
    createQueue(queue("q"));
    Message scheduled = msg("s");
    scheduled.scheduledEnqueueTime = m_clock.now() + 1h;
    send("q", {msg("a"), msg("b"), msg("c"), scheduled});
    auto locked = receive(EntityAddress::queue("q"), 2);
    QCOMPARE(locked.size(), std::size_t(2));
    QVERIFY(engine().defer(EntityAddress::queue("q"), locked[1].lockToken).ok());
    auto peeked = engine().peek(EntityAddress::queue("q"), 1, 10);
    QVERIFY(peeked.ok());
    QCOMPARE(peeked->size(), std::size_t(4));
    QCOMPARE((*peeked)[0].sequenceNumber, 1);
    QVERIFY((*peeked)[0].lockToken.isNull());
    QCOMPARE((*peeked)[0].deliveryCount, 0u);
    QCOMPARE((*peeked)[1].state, MessageState::Deferred);
    QCOMPARE((*peeked)[3].state, MessageState::Scheduled);
    auto from3 = engine().peek(EntityAddress::queue("q"), 3, 1);
    QCOMPARE(from3->size(), std::size_t(1));
    QCOMPARE((*from3)[0].sequenceNumber, 3);
    // Peek changed nothing: the lock is still held, the third message is still receivable.
    QVERIFY(engine().complete(EntityAddress::queue("q"), locked[0].lockToken).ok());
    auto next = receive(EntityAddress::queue("q"), 5);
    QCOMPARE(next.size(), std::size_t(1));
    QCOMPARE(next[0].sequenceNumber, 3);
    QCOMPARE(engine().peek(EntityAddress::queue("q"), 100, 10)->size(), std::size_t(0));
}

void TestEngine::abandonIncrementsDeliveryCount()
{
    createQueue(queue("q"));
    send("q", {msg("a"), msg("b")});
    auto first = receive(EntityAddress::queue("q"), 1);
    PropertyMap props;
    props.set("retry", Value::int32(1));
    QVERIFY(engine().abandon(EntityAddress::queue("q"), first[0].lockToken, props).ok());
    auto again = receive(EntityAddress::queue("q"), 1);
    QCOMPARE(again.size(), std::size_t(1));
    QCOMPARE(again[0].sequenceNumber, 1); // back at its original place
    QCOMPARE(again[0].deliveryCount, 1u);
    QVERIFY(again[0].applicationProperties.find("retry"));
    QCOMPARE(*again[0].applicationProperties.find("retry"), Value::int32(1));
    QCOMPARE(counts("q").active, 2);
}

void TestEngine::lockExpiryRedelivers()
{
    createQueue(queue("q"));
    send("q", {msg("a")});
    auto first = receive(EntityAddress::queue("q"), 1);
    QCOMPARE(engine().nextDeadline(), std::optional<TimePoint>(m_clock.now() + 60s));
    advance(59s);
    QVERIFY(receive(EntityAddress::queue("q"), 1).empty());
    advance(1s);
    auto second = receive(EntityAddress::queue("q"), 1);
    QCOMPARE(second.size(), std::size_t(1));
    QCOMPARE(second[0].deliveryCount, 1u);
    QVERIFY(second[0].lockToken != first[0].lockToken);
    QCOMPARE(engine().complete(EntityAddress::queue("q"), first[0].lockToken).error().code, ErrorCode::MessageLockLost);
    QVERIFY(engine().complete(EntityAddress::queue("q"), second[0].lockToken).ok());
}

void TestEngine::renewLockExtends()
{
    createQueue(queue("q"));
    send("q", {msg("a")});
    auto first = receive(EntityAddress::queue("q"), 1);
    advance(50s);
    auto renewed = engine().renewLock(EntityAddress::queue("q"), first[0].lockToken);
    QVERIFY(renewed.ok());
    QCOMPARE(*renewed, m_clock.now() + 60s);
    advance(30s); // past the original expiry
    QVERIFY(receive(EntityAddress::queue("q"), 1).empty());
    QVERIFY(engine().complete(EntityAddress::queue("q"), first[0].lockToken).ok());
    QCOMPARE(counts("q").active, 0);
    QCOMPARE(engine().renewLock(EntityAddress::queue("q"), first[0].lockToken).error().code, ErrorCode::MessageLockLost);
}

void TestEngine::releaseKeepsCount()
{
    createQueue(queue("q"));
    send("q", {msg("a")});
    auto first = receive(EntityAddress::queue("q"), 1);
    QVERIFY(engine().release(EntityAddress::queue("q"), first[0].lockToken).ok());
    auto second = receive(EntityAddress::queue("q"), 1);
    QCOMPARE(second[0].deliveryCount, 0u);
}

void TestEngine::maxDeliveryCountDeadLetters()
{
    auto q = queue("q");
    q.maxDeliveryCount = 3;
    createQueue(q);
    send("q", {msg("a")});
    for (int i = 0; i < 3; ++i) {
        auto got = receive(EntityAddress::queue("q"), 1);
        QCOMPARE(got.size(), std::size_t(1));
        QCOMPARE(got[0].deliveryCount, std::uint32_t(i));
        QVERIFY(engine().abandon(EntityAddress::queue("q"), got[0].lockToken).ok());
    }
    QVERIFY(receive(EntityAddress::queue("q"), 1).empty());
    QCOMPARE(counts("q").active, 0);
    QCOMPARE(counts("q").deadLetter, 1);
    auto dlq = receive(EntityAddress::queue("q", SubQueue::DeadLetter), 1);
    QCOMPARE(dlq.size(), std::size_t(1));
    QCOMPARE(dlq[0].deliveryCount, 3u);
    QCOMPARE(dlq[0].sequenceNumber, 1);
    QCOMPARE(*dlq[0].applicationProperties.find(kDeadLetterReasonProperty), Value::string("MaxDeliveryCountExceeded"));
    QCOMPARE(*dlq[0].applicationProperties.find(kDeadLetterDescriptionProperty),
             Value::string("Message could not be consumed after 3 delivery attempts."));
    // DLQ messages are never dead-lettered again by the count.
    QVERIFY(engine().abandon(EntityAddress::queue("q", SubQueue::DeadLetter), dlq[0].lockToken).ok());
    for (int i = 0; i < 5; ++i) {
        auto again = receive(EntityAddress::queue("q", SubQueue::DeadLetter), 1);
        QCOMPARE(again.size(), std::size_t(1));
        QVERIFY(engine().abandon(EntityAddress::queue("q", SubQueue::DeadLetter), again[0].lockToken).ok());
    }
    QCOMPARE(counts("q").deadLetter, 1);
}

void TestEngine::ttlExpiry_data()
{
    QTest::addColumn<bool>("deadLettering");
    QTest::addColumn<bool>("sweep");
    QTest::newRow("dead-letter, sweep") << true << true;
    QTest::newRow("drop, sweep") << false << true;
    QTest::newRow("dead-letter, lazy") << true << false;
    QTest::newRow("drop, lazy") << false << false;
}

void TestEngine::ttlExpiry()
{
    QFETCH(bool, deadLettering);
    QFETCH(bool, sweep);
    EngineOptions options;
    options.expirySweep = sweep;
    m_engine = std::make_unique<Engine>(m_clock, nullptr, options);
    auto q = queue("q");
    q.deadLetteringOnMessageExpiration = deadLettering;
    q.defaultMessageTimeToLive = 1h;
    createQueue(q);
    Message shortLived = msg("short");
    shortLived.timeToLive = 10s;
    Message longLived = msg("long");
    longLived.timeToLive = 100h; // capped at the entity default
    send("q", {shortLived, longLived});
    auto peeked = engine().peek(EntityAddress::queue("q"), 1, 10);
    QCOMPARE((*peeked)[0].expiresAt, m_clock.now() + 10s);
    QCOMPARE((*peeked)[1].expiresAt, m_clock.now() + 1h);
    QCOMPARE((*peeked)[1].timeToLive, std::optional<Duration>(1h));
    advance(11s);
    if (sweep)
        QCOMPARE(counts("q").active, 1);
    else
        QCOMPARE(counts("q").active, 2); // lazy: still counted until a receive reaches it
    auto got = receive(EntityAddress::queue("q"), 1);
    QCOMPARE(got.size(), std::size_t(1));
    QCOMPARE(got[0].messageIdString(), std::string("long"));
    QVERIFY(engine().complete(EntityAddress::queue("q"), got[0].lockToken).ok());
    QCOMPARE(counts("q").deadLetter, deadLettering ? 1 : 0);
    if (deadLettering) {
        auto dlq = receive(EntityAddress::queue("q", SubQueue::DeadLetter), 1);
        QCOMPARE(*dlq[0].applicationProperties.find(kDeadLetterReasonProperty), Value::string("TTLExpiredException"));
        QCOMPARE(*dlq[0].applicationProperties.find(kDeadLetterDescriptionProperty),
                 Value::string("The message expired and was dead lettered."));
        // DLQ messages never expire.
        advance(10h);
        QCOMPARE(counts("q").deadLetter, 1);
    }
}

void TestEngine::lockedMessageDoesNotExpireUntilReleased()
{
    auto q = queue("q");
    q.deadLetteringOnMessageExpiration = true;
    createQueue(q);
    Message m = msg("a");
    m.timeToLive = 10s;
    send("q", {m});
    auto got = receive(EntityAddress::queue("q"), 1);
    advance(20s);
    QCOMPARE(counts("q").active, 1);
    QCOMPARE(counts("q").deadLetter, 0);
    QVERIFY(engine().abandon(EntityAddress::queue("q"), got[0].lockToken).ok());
    QCOMPARE(counts("q").active, 0);
    QCOMPARE(counts("q").deadLetter, 1);
}

void TestEngine::explicitDeadLetter()
{
    createQueue(queue("q"));
    send("q", {msg("a")});
    auto got = receive(EntityAddress::queue("q"), 1);
    PropertyMap props;
    props.set("extra", Value::string("x"));
    QVERIFY(engine().deadLetter(EntityAddress::queue("q"), got[0].lockToken, "BadOrder", "Quantity missing", props).ok());
    QCOMPARE(counts("q").active, 0);
    QCOMPARE(counts("q").deadLetter, 1);
    auto dlq = receive(EntityAddress::queue("q", SubQueue::DeadLetter), 1);
    QCOMPARE(dlq.size(), std::size_t(1));
    QCOMPARE(*dlq[0].applicationProperties.find(kDeadLetterReasonProperty), Value::string("BadOrder"));
    QCOMPARE(*dlq[0].applicationProperties.find(kDeadLetterDescriptionProperty), Value::string("Quantity missing"));
    QCOMPARE(*dlq[0].applicationProperties.find("extra"), Value::string("x"));
    QCOMPARE(dlq[0].sequenceNumber, got[0].sequenceNumber);
    QCOMPARE(dlq[0].body, got[0].body);
    auto again = engine().deadLetter(EntityAddress::queue("q", SubQueue::DeadLetter), dlq[0].lockToken, "x", "y");
    QCOMPARE(again.error().code, ErrorCode::NotAllowed);
    // Without reason/description the properties stay absent.
    send("q", {msg("b")});
    auto b = receive(EntityAddress::queue("q"), 1);
    QVERIFY(engine().deadLetter(EntityAddress::queue("q"), b[0].lockToken, std::nullopt, std::nullopt).ok());
    auto peeked = engine().peek(EntityAddress::queue("q", SubQueue::DeadLetter), 0, 10);
    QCOMPARE(peeked->size(), std::size_t(2));
    QVERIFY(!(*peeked)[1].applicationProperties.contains(kDeadLetterReasonProperty));
}

void TestEngine::deferAndReceiveDeferred()
{
    createQueue(queue("q"));
    send("q", {msg("a"), msg("b")});
    auto got = receive(EntityAddress::queue("q"), 1);
    QVERIFY(engine().defer(EntityAddress::queue("q"), got[0].lockToken).ok());
    QCOMPARE(counts("q").active, 2); // deferred counts as active (B.26 #7)
    auto next = receive(EntityAddress::queue("q"), 5);
    QCOMPARE(next.size(), std::size_t(1));
    QCOMPARE(next[0].sequenceNumber, 2);
    auto missing = engine().receiveDeferred(EntityAddress::queue("q"), {1, 99}, ReceiveMode::PeekLock);
    QCOMPARE(missing.error().code, ErrorCode::MessageNotFound);
    auto notDeferred = engine().receiveDeferred(EntityAddress::queue("q"), {2}, ReceiveMode::PeekLock);
    QCOMPARE(notDeferred.error().code, ErrorCode::MessageNotFound);
    auto deferred = engine().receiveDeferred(EntityAddress::queue("q"), {1}, ReceiveMode::PeekLock);
    QVERIFY(deferred.ok());
    QCOMPARE(deferred->size(), std::size_t(1));
    QCOMPARE((*deferred)[0].state, MessageState::Deferred);
    QVERIFY(!(*deferred)[0].lockToken.isNull());
    // Locked now: a second fetch fails.
    QCOMPARE(engine().receiveDeferred(EntityAddress::queue("q"), {1}, ReceiveMode::PeekLock).error().code,
             ErrorCode::MessageNotFound);
    // Abandon keeps it deferred with count + 1.
    QVERIFY(engine().abandon(EntityAddress::queue("q"), (*deferred)[0].lockToken).ok());
    auto again = engine().receiveDeferred(EntityAddress::queue("q"), {1}, ReceiveMode::PeekLock);
    QCOMPARE((*again)[0].deliveryCount, 1u);
    QVERIFY(engine().complete(EntityAddress::queue("q"), (*again)[0].lockToken).ok());
    QVERIFY(engine().complete(EntityAddress::queue("q"), next[0].lockToken).ok());
    QCOMPARE(counts("q").active, 0);
}

void TestEngine::scheduleAndCancel()
{
    createQueue(queue("q"));
    Message a = msg("a");
    a.scheduledEnqueueTime = m_clock.now() + 10min;
    Message b = msg("b");
    b.scheduledEnqueueTime = m_clock.now() + 20min;
    auto seqs = engine().scheduleMessages(EntityAddress::queue("q"), {a, b});
    QVERIFY(seqs.ok());
    QCOMPARE(*seqs, (std::vector<std::int64_t>{1, 2}));
    QCOMPARE(counts("q").scheduled, 2);
    QCOMPARE(counts("q").active, 0);
    QVERIFY(engine().scheduleMessages(EntityAddress::queue("q"), {msg("plain")}).error().code == ErrorCode::InvalidArgument);
    QVERIFY(receive(EntityAddress::queue("q"), 5).empty());
    QVERIFY(engine().cancelScheduled(EntityAddress::queue("q"), {2, 12345}).ok());
    QCOMPARE(counts("q").scheduled, 1);
    QCOMPARE(engine().nextDeadline(), std::optional<TimePoint>(m_clock.now() + 10min));
    advance(10min);
    QCOMPARE(counts("q").scheduled, 0);
    QCOMPARE(counts("q").active, 1);
    auto got = receive(EntityAddress::queue("q"), 5);
    QCOMPARE(got.size(), std::size_t(1));
    QCOMPARE(got[0].messageIdString(), std::string("a"));
    QCOMPARE(got[0].sequenceNumber, 3); // a new number at activation
    QCOMPARE(got[0].enqueuedTime, m_clock.now());
    QVERIFY(engine().complete(EntityAddress::queue("q"), got[0].lockToken).ok());
    advance(20min);
    QVERIFY(receive(EntityAddress::queue("q"), 5).empty());
    // A schedule time in the past is active at once.
    Message past = msg("p");
    past.scheduledEnqueueTime = m_clock.now() - 1s;
    send("q", {past});
    QCOMPARE(counts("q").active, 1);
    QCOMPARE(counts("q").scheduled, 0);
}

void TestEngine::duplicateDetection()
{
    auto q = queue("q");
    q.requiresDuplicateDetection = true;
    q.duplicateDetectionHistoryTimeWindow = 1min;
    createQueue(q);
    QCOMPARE(send("q", {msg("x")}), (std::vector<std::int64_t>{1}));
    m_clock.advance(30s);
    QCOMPARE(send("q", {msg("x"), msg("y")}), (std::vector<std::int64_t>{0, 2}));
    Message scheduledDup = msg("y");
    scheduledDup.scheduledEnqueueTime = m_clock.now() + 1h;
    QCOMPARE(send("q", {scheduledDup}), (std::vector<std::int64_t>{0}));
    QCOMPARE(counts("q").active, 2);
    m_clock.advance(31s); // the record of "x" is 61 s old now
    QCOMPARE(send("q", {msg("x")}), (std::vector<std::int64_t>{3}));
    QCOMPARE(send("q", {msg("y")}), (std::vector<std::int64_t>{0})); // "y" is 31 s old
    QCOMPARE(counts("q").active, 3);
    // A message without id is never a duplicate.
    Message noId;
    noId.body = "z";
    QCOMPARE(send("q", {noId, noId}), (std::vector<std::int64_t>{4, 5}));
}

void TestEngine::sessionRequirements()
{
    auto q = queue("sq");
    q.requiresSession = true;
    createQueue(q);
    auto r = engine().send(EntityAddress::queue("sq"), {msg("a")});
    QCOMPARE(r.error().code, ErrorCode::NotAllowed);
    QVERIFY(QString::fromStdString(r.error().message).contains(QStringLiteral("SessionId was not set")));
    Sink sink;
    auto plain = engine().openReceiver(EntityAddress::queue("sq"), ReceiveMode::PeekLock, SessionSpec::none(), sink.callbacks());
    QCOMPARE(plain.error().code, ErrorCode::NotAllowed);
    createQueue(queue("plain"));
    auto sessionOnPlain = engine().openReceiver(EntityAddress::queue("plain"), ReceiveMode::PeekLock,
                                                SessionSpec::named("s"), sink.callbacks());
    QCOMPARE(sessionOnPlain.error().code, ErrorCode::NotAllowed);
    // The DLQ of a session queue is not session-ful.
    auto dlq = engine().openReceiver(EntityAddress::queue("sq", SubQueue::DeadLetter), ReceiveMode::PeekLock,
                                     SessionSpec::none(), sink.callbacks());
    QVERIFY(dlq.ok());
    // A batch with one bad message is refused as a whole.
    auto batch = engine().send(EntityAddress::queue("sq"), {sessionMsg("ok", "s1"), msg("bad")});
    QVERIFY(!batch.ok());
    QCOMPARE(counts("sq").active, 0);
}

void TestEngine::sessionNamedAndExclusive()
{
    auto q = queue("sq");
    q.requiresSession = true;
    createQueue(q);
    send("sq", {sessionMsg("a1", "A"), sessionMsg("b1", "B"), sessionMsg("a2", "A"), sessionMsg("a3", "A")});
    Sink sinkA;
    auto a = engine().openReceiver(EntityAddress::queue("sq"), ReceiveMode::PeekLock, SessionSpec::named("A"), sinkA.callbacks());
    QVERIFY(a.ok());
    QCOMPARE(a->sessionId, std::optional<std::string>("A"));
    QCOMPARE(a->sessionLockedUntil, m_clock.now() + 60s);
    Sink other;
    auto again = engine().openReceiver(EntityAddress::queue("sq"), ReceiveMode::PeekLock, SessionSpec::named("A"), other.callbacks());
    QCOMPARE(again.error().code, ErrorCode::SessionCannotBeLocked);
    engine().addCredit(a->id, 10);
    QCOMPARE(sinkA.messages.size(), std::size_t(3));
    QCOMPARE(sinkA.messages[0].messageIdString(), std::string("a1"));
    QCOMPARE(sinkA.messages[1].messageIdString(), std::string("a2"));
    QCOMPARE(sinkA.messages[2].messageIdString(), std::string("a3"));
    QCOMPARE(sinkA.messages[0].lockedUntil, a->sessionLockedUntil);
    // Abandon redelivers before later ones, in order.
    QVERIFY(engine().abandon(EntityAddress::queue("sq"), sinkA.messages[0].lockToken).ok());
    QCOMPARE(sinkA.messages.size(), std::size_t(4));
    QCOMPARE(sinkA.messages[3].messageIdString(), std::string("a1"));
    QCOMPARE(sinkA.messages[3].deliveryCount, 1u);
    // New messages of the session arrive on the open receiver.
    send("sq", {sessionMsg("a4", "A")});
    QCOMPARE(sinkA.messages.size(), std::size_t(5));
    // Next-available picks B (A is locked).
    Sink sinkB;
    auto b = engine().openReceiver(EntityAddress::queue("sq"), ReceiveMode::PeekLock, SessionSpec::nextAvailable(),
                                   sinkB.callbacks());
    QVERIFY(b.ok());
    QCOMPARE(b->sessionId, std::optional<std::string>("B"));
    engine().addCredit(b->id, 10);
    QCOMPARE(sinkB.messages.size(), std::size_t(1));
    // A named session without messages can be accepted.
    Sink sinkC;
    auto c = engine().openReceiver(EntityAddress::queue("sq"), ReceiveMode::PeekLock, SessionSpec::named("C"), sinkC.callbacks());
    QVERIFY(c.ok());
    // Closing releases the session: another receiver gets it, unsettled messages come back uncounted.
    engine().closeReceiver(a->id);
    Sink sinkA2;
    auto a2 = engine().openReceiver(EntityAddress::queue("sq"), ReceiveMode::PeekLock, SessionSpec::named("A"), sinkA2.callbacks());
    QVERIFY(a2.ok());
    engine().addCredit(a2->id, 10);
    QCOMPARE(sinkA2.messages.size(), std::size_t(4));
    QCOMPARE(sinkA2.messages[0].messageIdString(), std::string("a1"));
    QCOMPARE(sinkA2.messages[0].deliveryCount, 1u);
    // Tokens of the old receiver are void.
    QCOMPARE(engine().complete(EntityAddress::queue("sq"), sinkA.messages[1].lockToken).error().code,
             ErrorCode::SessionLockLost);
    for (const auto &m : sinkA2.messages)
        QVERIFY(engine().complete(EntityAddress::queue("sq"), m.lockToken).ok());
    QCOMPARE(counts("sq").active, 1);
}

void TestEngine::sessionNextAvailableWaitsAndTimesOut()
{
    auto q = queue("sq");
    q.requiresSession = true;
    createQueue(q);
    Sink waiting;
    auto w = engine().openReceiver(EntityAddress::queue("sq"), ReceiveMode::PeekLock, SessionSpec::nextAvailable(30s),
                                   waiting.callbacks());
    QVERIFY(w.ok());
    QVERIFY(!w->sessionId);
    engine().addCredit(w->id, 5);
    advance(10s);
    send("sq", {sessionMsg("x", "S1")});
    QCOMPARE(waiting.accepted.size(), std::size_t(1));
    QCOMPARE(waiting.accepted[0].first, std::string("S1"));
    QCOMPARE(waiting.accepted[0].second, m_clock.now() + 60s);
    QCOMPARE(waiting.messages.size(), std::size_t(1));
    advance(25s);
    QVERIFY(waiting.closed.empty()); // accepted: the accept timeout no longer applies

    Sink timingOut;
    auto t = engine().openReceiver(EntityAddress::queue("sq"), ReceiveMode::PeekLock, SessionSpec::nextAvailable(30s),
                                   timingOut.callbacks());
    QVERIFY(t.ok());
    advance(29s);
    QVERIFY(timingOut.closed.empty());
    advance(1s);
    QCOMPARE(timingOut.closed.size(), std::size_t(1));
    QCOMPARE(timingOut.closed[0].code, ErrorCode::Timeout);
}

void TestEngine::sessionLockExpiryAndRenewal()
{
    auto q = queue("sq");
    q.requiresSession = true;
    q.lockDuration = 30s;
    createQueue(q);
    send("sq", {sessionMsg("a1", "A"), sessionMsg("a2", "A")});
    Sink sink;
    auto r = engine().openReceiver(EntityAddress::queue("sq"), ReceiveMode::PeekLock, SessionSpec::named("A"), sink.callbacks());
    engine().addCredit(r->id, 1);
    advance(20s);
    auto renewed = engine().renewSessionLock(EntityAddress::queue("sq"), "A");
    QVERIFY(renewed.ok());
    QCOMPARE(*renewed, m_clock.now() + 30s);
    advance(20s); // 40 s after the accept: alive thanks to the renewal
    QVERIFY(sink.closed.empty());
    auto viaMessage = engine().renewLock(EntityAddress::queue("sq"), sink.messages[0].lockToken);
    QCOMPARE(*viaMessage, m_clock.now() + 30s);
    advance(30s);
    QCOMPARE(sink.closed.size(), std::size_t(1));
    QCOMPARE(sink.closed[0].code, ErrorCode::SessionLockLost);
    QCOMPARE(engine().complete(EntityAddress::queue("sq"), sink.messages[0].lockToken).error().code,
             ErrorCode::SessionLockLost);
    QCOMPARE(engine().renewSessionLock(EntityAddress::queue("sq"), "A").error().code, ErrorCode::SessionLockLost);
    Sink next;
    auto n = engine().openReceiver(EntityAddress::queue("sq"), ReceiveMode::PeekLock, SessionSpec::nextAvailable(), next.callbacks());
    QCOMPARE(n->sessionId, std::optional<std::string>("A"));
    engine().addCredit(n->id, 5);
    QCOMPARE(next.messages.size(), std::size_t(2));
    QCOMPARE(next.messages[0].messageIdString(), std::string("a1"));
    QCOMPARE(next.messages[0].deliveryCount, 1u); // lost with the session lock
    QCOMPARE(next.messages[1].deliveryCount, 0u);
}

void TestEngine::sessionStateAndList()
{
    auto q = queue("sq");
    q.requiresSession = true;
    createQueue(q);
    send("sq", {sessionMsg("a", "A"), sessionMsg("b", "B")});
    const auto addr = EntityAddress::queue("sq");
    QVERIFY(engine().setSessionState(addr, "C", std::string("state-c")).ok());
    QCOMPARE(*engine().getSessionState(addr, "C"), std::optional<std::string>("state-c"));
    QCOMPARE(*engine().getSessionState(addr, "A"), std::optional<std::string>());
    auto list = engine().listSessions(addr, std::nullopt, 0, 100);
    QCOMPARE(*list, (std::vector<std::string>{"A", "B", "C"}));
    QCOMPARE(*engine().listSessions(addr, std::nullopt, 1, 1), (std::vector<std::string>{"B"}));
    const auto sizeWithState = counts("sq").sizeInBytes;
    QVERIFY(engine().setSessionState(addr, "C", std::nullopt).ok());
    QCOMPARE(counts("sq").sizeInBytes, sizeWithState - 7);
    QCOMPARE(*engine().listSessions(addr, std::nullopt, 0, 100), (std::vector<std::string>{"A", "B"}));
    m_clock.advance(1h);
    QVERIFY(engine().setSessionState(addr, "B", std::string("x")).ok());
    QCOMPARE(*engine().listSessions(addr, m_clock.now() - 1min, 0, 100), (std::vector<std::string>{"B"}));
    QCOMPARE(engine().setSessionState(addr, "B", std::string(300 * 1024, 'x')).error().code, ErrorCode::QuotaExceeded);
    // Deferred messages of a session are fetched through the session.
    Sink sink;
    auto r = engine().openReceiver(addr, ReceiveMode::PeekLock, SessionSpec::named("A"), sink.callbacks());
    engine().addCredit(r->id, 1);
    QVERIFY(engine().defer(addr, sink.messages[0].lockToken).ok());
    QCOMPARE(engine().receiveDeferred(addr, {sink.messages[0].sequenceNumber}, ReceiveMode::PeekLock).error().code,
             ErrorCode::NotAllowed);
    QCOMPARE(engine().receiveDeferred(addr, {sink.messages[0].sequenceNumber}, ReceiveMode::PeekLock, "B").error().code,
             ErrorCode::SessionLockLost);
    auto d = engine().receiveDeferred(addr, {sink.messages[0].sequenceNumber}, ReceiveMode::ReceiveAndDelete, "A");
    QVERIFY(d.ok());
    QCOMPARE(d->size(), std::size_t(1));
    QCOMPARE(*engine().listSessions(addr, std::nullopt, 0, 100), (std::vector<std::string>{"B"}));
}

void TestEngine::receiveAndDelete()
{
    createQueue(queue("q"));
    send("q", {msg("a"), msg("b")});
    auto got = receive(EntityAddress::queue("q"), 1, ReceiveMode::ReceiveAndDelete);
    QCOMPARE(got.size(), std::size_t(1));
    QVERIFY(got[0].lockToken.isNull());
    QCOMPARE(counts("q").active, 1);
    QCOMPARE(engine().complete(EntityAddress::queue("q"), got[0].lockToken).error().code, ErrorCode::MessageLockLost);
}

void TestEngine::purgeAndBatchDelete()
{
    createQueue(queue("q"));
    std::vector<Message> batch;
    for (int i = 0; i < 10; ++i)
        batch.push_back(msg("m" + std::to_string(i)));
    send("q", batch);
    m_clock.advance(1s);
    send("q", {msg("late")});
    auto locked = receive(EntityAddress::queue("q"), 1);
    auto deleted = engine().deleteMessages(EntityAddress::queue("q"), 4, m_clock.now());
    QCOMPARE(*deleted, std::size_t(4));
    auto peeked = engine().peek(EntityAddress::queue("q"), 0, 100);
    QCOMPARE(peeked->size(), std::size_t(7));
    QCOMPARE((*peeked)[0].sequenceNumber, 1); // locked: not deleted
    QCOMPARE((*peeked)[1].sequenceNumber, 6);
    QCOMPARE(engine().deleteMessages(EntityAddress::queue("q"), 4001, m_clock.now()).error().code,
             ErrorCode::ArgumentOutOfRange);
    // "late" was enqueued at now: not before now.
    QCOMPARE(*engine().deleteMessages(EntityAddress::queue("q"), 100, m_clock.now()), std::size_t(5));
    QCOMPARE(*engine().purge(EntityAddress::queue("q")), std::size_t(1));
    QCOMPARE(counts("q").active, 1);
    QVERIFY(engine().complete(EntityAddress::queue("q"), locked[0].lockToken).ok());
    QCOMPARE(counts("q").active, 0);
    QCOMPARE(counts("q").sizeInBytes, 0);
}

void TestEngine::entityStatus()
{
    auto q = queue("q");
    q.status = EntityStatus::SendDisabled;
    createQueue(q);
    auto r = engine().send(EntityAddress::queue("q"), {msg("a")});
    QCOMPARE(r.error().code, ErrorCode::EntityDisabled);
    q = *engine().getQueue("q");
    q.status = EntityStatus::Active;
    QVERIFY(engine().updateQueue(q).ok());
    send("q", {msg("a")});
    Sink sink;
    auto open = engine().openReceiver(EntityAddress::queue("q"), ReceiveMode::PeekLock, SessionSpec::none(), sink.callbacks());
    engine().addCredit(open->id, 1);
    q.status = EntityStatus::ReceiveDisabled;
    QVERIFY(engine().updateQueue(q).ok());
    QCOMPARE(sink.closed.size(), std::size_t(1));
    QCOMPARE(sink.closed[0].code, ErrorCode::EntityDisabled);
    QCOMPARE(engine().complete(EntityAddress::queue("q"), sink.messages[0].lockToken).error().code, ErrorCode::EntityDisabled);
    QCOMPARE(engine().openReceiver(EntityAddress::queue("q"), ReceiveMode::PeekLock, SessionSpec::none(), sink.callbacks())
                 .error().code,
             ErrorCode::EntityDisabled);
    QVERIFY(engine().send(EntityAddress::queue("q"), {msg("b")}).ok()); // sending still works
    q.status = EntityStatus::Disabled;
    QVERIFY(engine().updateQueue(q).ok());
    QCOMPARE(engine().send(EntityAddress::queue("q"), {msg("c")}).error().code, ErrorCode::EntityDisabled);

    // Topic disabled, subscription active: no sends, but receives work (B.6).
    TopicDescription t;
    t.name = "t";
    QVERIFY(engine().createTopic(t).ok());
    SubscriptionDescription s;
    s.topicName = "t";
    s.name = "s";
    QVERIFY(engine().createSubscription(s).ok());
    QVERIFY(engine().send(EntityAddress::queue("t"), {msg("x")}).ok());
    t.status = EntityStatus::Disabled;
    QVERIFY(engine().updateTopic(t).ok());
    QCOMPARE(engine().send(EntityAddress::queue("t"), {msg("y")}).error().code, ErrorCode::EntityDisabled);
    QCOMPARE(receive(EntityAddress::subscriptionOf("t", "s"), 1).size(), std::size_t(1));
    // Sending to a subscription or a DLQ is not allowed.
    QCOMPARE(engine().send(EntityAddress::subscriptionOf("t", "s"), {msg("z")}).error().code, ErrorCode::NotAllowed);
    QCOMPARE(engine().send(EntityAddress::queue("q", SubQueue::DeadLetter), {msg("z")}).error().code, ErrorCode::NotAllowed);
}

void TestEngine::messageSizeAndQuota()
{
    createQueue(queue("q"));
    auto big = engine().send(EntityAddress::queue("q"), {msg("big", std::string(300000, 'x'))});
    QCOMPARE(big.error().code, ErrorCode::MessageSizeExceeded);
    QVERIFY(QString::fromStdString(big.error().message).contains(QStringLiteral("262144")));
    QVERIFY(engine().send(EntityAddress::queue("q"), {msg("ok", std::string(200000, 'x'))}).ok());
    auto batch = engine().send(EntityAddress::queue("q"), {msg("1", std::string(200000, 'x')), msg("2", std::string(200000, 'x'))});
    QCOMPARE(batch.error().code, ErrorCode::MessageSizeExceeded);
    Message longId = msg(std::string(129, 'i'));
    QCOMPARE(engine().send(EntityAddress::queue("q"), {longId}).error().code, ErrorCode::InvalidArgument);
    Message bigProp = msg("p");
    bigProp.applicationProperties.set("blob", Value::string(std::string(40 * 1024, 'b')));
    QCOMPARE(engine().send(EntityAddress::queue("q"), {bigProp}).error().code, ErrorCode::InvalidArgument);
    QCOMPARE(counts("q").active, 1);
}

void TestEngine::autoForwardChain()
{
    createQueue(queue("q3"));
    auto q2 = queue("q2");
    q2.forwardTo = "q3";
    createQueue(q2);
    auto q1 = queue("q1");
    q1.forwardTo = "Q2";
    createQueue(q1);
    const auto seqs = send("q1", {msg("a")});
    QCOMPARE(seqs, (std::vector<std::int64_t>{1}));
    QCOMPARE(counts("q1").active, 0);
    QCOMPARE(counts("q2").active, 0);
    QCOMPARE(counts("q3").active, 1);
    auto got = receive(EntityAddress::queue("q3"), 1);
    QCOMPARE(got[0].sequenceNumber, 1);          // q3's own number
    QCOMPARE(got[0].enqueuedSequenceNumber, 1);  // q1's number
    Sink sink;
    auto r = engine().openReceiver(EntityAddress::queue("q1"), ReceiveMode::PeekLock, SessionSpec::none(), sink.callbacks());
    QCOMPARE(r.error().code, ErrorCode::NotAllowed);
    QVERIFY(engine().peek(EntityAddress::queue("q1"), 0, 10).ok());

    // Enabling forwarding later moves what is stored; a locked message follows when its lock ends.
    createQueue(queue("late"));
    send("late", {msg("x"), msg("y")});
    auto locked = receive(EntityAddress::queue("late"), 1);
    auto late = *engine().getQueue("late");
    late.forwardTo = "q3";
    QVERIFY(engine().updateQueue(late).ok());
    QCOMPARE(counts("late").active, 1); // the locked one
    QCOMPARE(counts("q3").active, 2);    // "a" (still locked there) and "y"
    QVERIFY(engine().abandon(EntityAddress::queue("late"), locked[0].lockToken).ok());
    QCOMPARE(counts("late").active, 0);
    QCOMPARE(counts("q3").active, 3);
}

void TestEngine::forwardHopLimit()
{
    createQueue(queue("a"));
    createQueue(queue("b"));
    auto a = *engine().getQueue("a");
    a.forwardTo = "b";
    QVERIFY(engine().updateQueue(a).ok());
    auto b = *engine().getQueue("b");
    b.forwardTo = "a";
    QVERIFY(engine().updateQueue(b).ok());
    send("a", {msg("loop")});
    // a->b (1) ->a (2) ->b (3) ->a (4); the fifth hop from a is refused: the message lands in a's DLQ.
    QCOMPARE(counts("a").deadLetter, 1);
    QCOMPARE(counts("b").deadLetter, 0);
    auto dlq = receive(EntityAddress::queue("a", SubQueue::DeadLetter), 1);
    QCOMPARE(*dlq[0].applicationProperties.find(kDeadLetterReasonProperty), Value::string("MaxTransferHopCountExceeded"));
}

void TestEngine::forwardDeadLetteredMessages()
{
    createQueue(queue("dead"));
    auto q = queue("q");
    q.forwardDeadLetteredMessagesTo = "dead";
    createQueue(q);
    send("q", {msg("a")});
    auto got = receive(EntityAddress::queue("q"), 1);
    QVERIFY(engine().deadLetter(EntityAddress::queue("q"), got[0].lockToken, "why", "because").ok());
    QCOMPARE(counts("q").deadLetter, 0);
    QCOMPARE(counts("dead").active, 1);
    auto fwd = receive(EntityAddress::queue("dead"), 1);
    QCOMPARE(fwd[0].deadLetterSource, std::optional<std::string>("q"));
    QCOMPARE(*fwd[0].applicationProperties.find(kDeadLetterReasonProperty), Value::string("why"));
    Sink sink;
    QCOMPARE(engine().openReceiver(EntityAddress::queue("q", SubQueue::DeadLetter), ReceiveMode::PeekLock,
                                   SessionSpec::none(), sink.callbacks()).error().code,
             ErrorCode::NotAllowed);
}

void TestEngine::forwardToDisabledDestination()
{
    auto dest = queue("dest");
    createQueue(dest);
    auto q = queue("src");
    q.forwardTo = "dest";
    createQueue(q);
    dest.status = EntityStatus::SendDisabled;
    QVERIFY(engine().updateQueue(dest).ok());
    QVERIFY(engine().send(EntityAddress::queue("src"), {msg("a")}).ok());
    QCOMPARE(counts("src").deadLetter, 1);
    auto dlq = receive(EntityAddress::queue("src", SubQueue::DeadLetter), 1);
    QCOMPARE(*dlq[0].applicationProperties.find(kDeadLetterReasonProperty), Value::string("MessagingEntityDisabledException"));
    // The transfer-DLQ option routes failures there instead.
    EngineOptions options;
    options.forwardFailuresToTransferDeadLetter = true;
    m_engine = std::make_unique<Engine>(m_clock, nullptr, options);
    createQueue(queue("dest"));
    createQueue(q);
    QVERIFY(engine().deleteQueue("dest").ok());
    QVERIFY(engine().send(EntityAddress::queue("src"), {msg("b")}).ok());
    QCOMPARE(counts("src").transferDeadLetter, 1);
    QCOMPARE(counts("src").deadLetter, 0);
    auto tdlq = receive(EntityAddress::queue("src", SubQueue::TransferDeadLetter), 1);
    QCOMPARE(*tdlq[0].applicationProperties.find(kDeadLetterReasonProperty), Value::string("MessagingEntityNotFoundException"));
}

void TestEngine::creditAndDrain()
{
    createQueue(queue("q"));
    Sink sink;
    auto r = engine().openReceiver(EntityAddress::queue("q"), ReceiveMode::PeekLock, SessionSpec::none(), sink.callbacks());
    engine().addCredit(r->id, 2);
    QCOMPARE(engine().credit(r->id), 2u);
    send("q", {msg("a")});
    QCOMPARE(sink.messages.size(), std::size_t(1)); // pending credit served on arrival
    QCOMPARE(engine().credit(r->id), 1u);
    QCOMPARE(engine().drain(r->id), 1u);
    send("q", {msg("b")});
    QCOMPARE(sink.messages.size(), std::size_t(1));
    // Two receivers share the queue.
    Sink second;
    auto r2 = engine().openReceiver(EntityAddress::queue("q"), ReceiveMode::PeekLock, SessionSpec::none(), second.callbacks());
    engine().addCredit(r2->id, 5);
    QCOMPARE(second.messages.size(), std::size_t(1));
    QCOMPARE(second.messages[0].messageIdString(), std::string("b"));
    engine().addCredit(r->id, 1);
    send("q", {msg("c"), msg("d")});
    QCOMPARE(sink.messages.size() + second.messages.size(), std::size_t(4));
    // Deleting the queue closes its receivers.
    QVERIFY(engine().deleteQueue("q").ok());
    QCOMPARE(sink.closed.size(), std::size_t(1));
    QCOMPARE(sink.closed[0].code, ErrorCode::EntityNotFound);
    QCOMPARE(second.closed.size(), std::size_t(1));
}

void TestEngine::observerEvents()
{
    Recorder rec;
    engine().addObserver(&rec);
    auto q = queue("q");
    q.maxDeliveryCount = 1;
    createQueue(q);
    send("q", {msg("a"), msg("b")});
    auto got = receive(EntityAddress::queue("q"), 2);
    QVERIFY(engine().complete(EntityAddress::queue("q"), got[0].lockToken).ok());
    QVERIFY(engine().abandon(EntityAddress::queue("q"), got[1].lockToken).ok());
    const std::vector<EngineEventKind> expected{EngineEventKind::EntityCreated, EngineEventKind::Enqueued,
                                                EngineEventKind::Enqueued,      EngineEventKind::Locked,
                                                EngineEventKind::Locked,        EngineEventKind::Completed,
                                                EngineEventKind::Abandoned,     EngineEventKind::DeadLettered};
    QCOMPARE(rec.kinds(), expected);
    QCOMPARE(rec.events.back().detail, std::string("MaxDeliveryCountExceeded"));
    QCOMPARE(rec.events.back().subQueue, SubQueue::DeadLetter);
    QCOMPARE(rec.events[1].sequenceNumber, 1);
    QCOMPARE(rec.events[1].messageId, std::string("a"));
    QCOMPARE(rec.events[1].entityPath, std::string("q"));
    engine().removeObserver(&rec);
    send("q", {msg("c")});
    QCOMPARE(rec.events.size(), expected.size());
}

void TestEngine::autoDeleteOnIdle()
{
    auto q = queue("idle");
    q.autoDeleteOnIdle = 5min;
    createQueue(q);
    advance(4min);
    send("idle", {msg("a")});
    advance(4min);
    QVERIFY(engine().getQueue("idle").ok());
    advance(1min);
    QCOMPARE(engine().getQueue("idle").error().code, ErrorCode::EntityNotFound);
}

void TestEngine::storeBatchesAndRestart()
{
    auto data = std::make_shared<KeepingStore::Data>();
    m_engine = std::make_unique<Engine>(m_clock, std::make_unique<KeepingStore>(data));
    QVERIFY(engine().loadResult().ok());
    auto q = queue("q");
    q.requiresSession = true;
    createQueue(q);
    TopicDescription t;
    t.name = "t";
    QVERIFY(engine().createTopic(t).ok());
    SubscriptionDescription s;
    s.topicName = "t";
    s.name = "s";
    RuleDescription rule;
    rule.name = "red";
    CorrelationFilter cf;
    cf.subject = "red";
    rule.filter = cf;
    QVERIFY(engine().createSubscription(s, rule).ok());
    send("q", {sessionMsg("a", "S"), sessionMsg("b", "S"), sessionMsg("c", "S")});
    Message red = msg("r");
    red.subject = "red";
    QVERIFY(engine().send(EntityAddress::queue("t"), {red, msg("other")}).ok());
    QVERIFY(engine().setSessionState(EntityAddress::queue("q"), "S", std::string("st")).ok());
    Sink sink;
    auto r = engine().openReceiver(EntityAddress::queue("q"), ReceiveMode::PeekLock, SessionSpec::named("S"), sink.callbacks());
    engine().addCredit(r->id, 2);
    QVERIFY(engine().complete(EntityAddress::queue("q"), sink.messages[0].lockToken).ok());
    QCOMPARE(data->callsOutsideBatch, 0);
    QVERIFY(data->batches > 5);

    // Group commit: several operations, one batch.
    const int before = data->batches;
    engine().beginBatch();
    send("q", {sessionMsg("d", "S")});
    send("q", {sessionMsg("e", "S")});
    QCOMPARE(data->batches, before);
    QVERIFY(engine().commitBatch().ok());
    QCOMPARE(data->batches, before + 1);

    // Restart: everything comes back, locks are gone, the sequence continues.
    m_engine.reset();
    m_engine = std::make_unique<Engine>(m_clock, std::make_unique<KeepingStore>(data));
    QVERIFY(engine().loadResult().ok());
    QCOMPARE(counts("q").active, 4);
    QCOMPARE(counts("t/Subscriptions/s").active, 1);
    QCOMPARE(*engine().getSessionState(EntityAddress::queue("q"), "S"), std::optional<std::string>("st"));
    QCOMPARE(engine().getRule("t", "s", "RED")->name, std::string("red"));
    Sink after;
    auto r2 = engine().openReceiver(EntityAddress::queue("q"), ReceiveMode::PeekLock, SessionSpec::nextAvailable(), after.callbacks());
    QCOMPARE(r2->sessionId, std::optional<std::string>("S"));
    engine().addCredit(r2->id, 10);
    QCOMPARE(after.messages.size(), std::size_t(4));
    QCOMPARE(after.messages[0].messageIdString(), std::string("b"));
    QCOMPARE(send("q", {sessionMsg("f", "S")}), (std::vector<std::int64_t>{6}));
    Message red2 = msg("r2");
    red2.subject = "red";
    QVERIFY(engine().send(EntityAddress::queue("t"), {red2}).ok());
    QCOMPARE(counts("t/Subscriptions/s").active, 2);
    QVERIFY(engine().deleteTopic("t").ok());
    QVERIFY(data->subs.empty());
    QCOMPARE(data->callsOutsideBatch, 0); // loading wrote nothing back
}

void TestEngine::reentrantSettleFromCallback()
{
    createQueue(queue("q"));
    int completed = 0;
    ReceiverCallbacks cb;
    cb.onMessage = [&](Message m) {
        QVERIFY(engine().complete(EntityAddress::queue("q"), m.lockToken).ok());
        ++completed;
    };
    auto r = engine().openReceiver(EntityAddress::queue("q"), ReceiveMode::PeekLock, SessionSpec::none(), cb);
    engine().addCredit(r->id, 100);
    std::vector<Message> batch;
    for (int i = 0; i < 50; ++i)
        batch.push_back(msg(std::to_string(i)));
    send("q", batch);
    QCOMPARE(completed, 50);
    QCOMPARE(counts("q").active, 0);
}

void TestEngine::countsMatchContentsUnderRandomOperations_data()
{
    QTest::addColumn<bool>("sessions");
    QTest::addColumn<unsigned>("seed");
    for (unsigned seed : {1u, 2u, 3u}) {
        QTest::newRow(qPrintable(QStringLiteral("plain %1").arg(seed))) << false << seed;
        QTest::newRow(qPrintable(QStringLiteral("sessions %1").arg(seed))) << true << seed;
    }
}

void TestEngine::countsMatchContentsUnderRandomOperations()
{
    QFETCH(bool, sessions);
    QFETCH(unsigned, seed);
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    auto q = queue("q");
    q.requiresSession = sessions;
    q.maxDeliveryCount = 3;
    q.deadLetteringOnMessageExpiration = true;
    q.lockDuration = 10s;
    createQueue(q);
    const auto addr = EntityAddress::queue("q");
    const auto dlqAddr = EntityAddress::queue("q", SubQueue::DeadLetter);
    std::vector<Message> held;
    std::map<ReceiverId, std::unique_ptr<Sink>> sinks;
    std::vector<ReceiverId> receivers;
    std::size_t delivered = 0, settled = 0;
    auto open = [&] {
        const SessionSpec spec = sessions ? SessionSpec::nextAvailable(5s) : SessionSpec::none();
        auto sink = std::make_unique<Sink>();
        auto r = engine().openReceiver(addr, ReceiveMode::PeekLock, spec, sink->callbacks());
        if (r) {
            receivers.push_back(r->id);
            sinks[r->id] = std::move(sink);
        }
    };
    auto collect = [&] {
        for (auto it = sinks.begin(); it != sinks.end();) {
            delivered += it->second->messages.size();
            held.insert(held.end(), it->second->messages.begin(), it->second->messages.end());
            it->second->messages.clear();
            if (!it->second->closed.empty()) {
                receivers.erase(std::remove(receivers.begin(), receivers.end(), it->first), receivers.end());
                it = sinks.erase(it);
            } else {
                ++it;
            }
        }
    };
    open();
    std::vector<std::int64_t> deferred;
    int id = 0;
    for (int step = 0; step < 3000; ++step) {
        switch (pick(10)) {
        case 0:
        case 1: {
            Message m = msg(std::to_string(id++), std::string(static_cast<std::size_t>(pick(50)), 'x'));
            if (sessions)
                m.sessionId = "s" + std::to_string(pick(4));
            if (pick(4) == 0)
                m.timeToLive = Duration(1000 * (1 + pick(30)));
            if (pick(6) == 0)
                m.scheduledEnqueueTime = m_clock.now() + Duration(1000 * pick(20));
            QVERIFY(engine().send(addr, {m}).ok());
            break;
        }
        case 2:
            if (!receivers.empty())
                engine().addCredit(receivers[static_cast<std::size_t>(pick(static_cast<int>(receivers.size())))],
                                   static_cast<std::uint32_t>(1 + pick(3)));
            break;
        case 3:
        case 4: {
            collect();
            if (held.empty())
                break;
            const std::size_t i = static_cast<std::size_t>(pick(static_cast<int>(held.size())));
            const Message m = held[i];
            held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
            PropertyMap props;
            props.set("p", Value::string(std::string(static_cast<std::size_t>(pick(20)), 'p')));
            Result<void> r;
            switch (pick(5)) {
            case 0: r = engine().complete(addr, m.lockToken); break;
            case 1: r = engine().abandon(addr, m.lockToken, props); break;
            case 2: r = engine().deadLetter(addr, m.lockToken, "r", "d", props); break;
            case 3:
                r = engine().defer(addr, m.lockToken);
                if (r)
                    deferred.push_back(m.sequenceNumber);
                break;
            default: r = engine().release(addr, m.lockToken); break;
            }
            if (!r)
                QVERIFY(r.error().code == ErrorCode::MessageLockLost || r.error().code == ErrorCode::SessionLockLost);
            else
                ++settled;
            break;
        }
        case 5:
            advance(Duration(200 * pick(30)));
            break;
        case 6:
            if (!deferred.empty() && !sessions) {
                const auto seq = deferred.back();
                deferred.pop_back();
                auto got = engine().receiveDeferred(addr, {seq}, pick(2) ? ReceiveMode::PeekLock : ReceiveMode::ReceiveAndDelete);
                if (got && !got->empty() && !(*got)[0].lockToken.isNull())
                    held.push_back((*got)[0]);
            }
            break;
        case 7:
            if (pick(20) == 0)
                QVERIFY(engine().deleteMessages(addr, static_cast<std::size_t>(pick(5)), m_clock.now()).ok());
            else if (pick(3) == 0)
                (void)receive(dlqAddr, 1, ReceiveMode::ReceiveAndDelete);
            break;
        case 8:
            collect();
            if (pick(5) == 0 && !receivers.empty()) {
                engine().closeReceiver(receivers.back());
                sinks.erase(receivers.back());
                receivers.pop_back();
            }
            if (receivers.size() < 3)
                open();
            break;
        default:
            engine().processDue();
            break;
        }
        // The incremental counters must equal what the sub-queues hold.
        const auto c = counts("q");
        const auto main = *engine().peek(addr, 0, 100000);
        const auto dlq = *engine().peek(dlqAddr, 0, 100000);
        std::int64_t active = 0, scheduled = 0, size = 0;
        for (const auto &m : main) {
            (m.state == MessageState::Scheduled ? scheduled : active) += 1;
            size += static_cast<std::int64_t>(m.size());
        }
        for (const auto &m : dlq)
            size += static_cast<std::int64_t>(m.size());
        QCOMPARE(c.active, active);
        QCOMPARE(c.scheduled, scheduled);
        QCOMPARE(c.deadLetter, static_cast<std::int64_t>(dlq.size()));
        QCOMPARE(c.sizeInBytes, size);
        for (const auto &m : dlq)
            QVERIFY(m.applicationProperties.contains(kDeadLetterReasonProperty));
    }
    collect();
    QVERIFY2(delivered > 300 && settled > 100, qPrintable(QStringLiteral("only %1 deliveries, %2 settlements")
                                                              .arg(delivered).arg(settled)));
}

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
