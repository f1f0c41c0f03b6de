#include "engine.h"

#include "ruleprogram.h"

#include "core/logging.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <queue>
#include <unordered_map>
#include <unordered_set>

namespace busyard::core::broker {

namespace {

constexpr TimePoint kNever = TimePoint::max();

constexpr const char *kMaxDeliveryReason = "MaxDeliveryCountExceeded";
constexpr const char *kTtlReason = "TTLExpiredException";
constexpr const char *kTtlDescription = "The message expired and was dead lettered.";
constexpr const char *kSessionNullReason = "Session id is null.";
constexpr const char *kSessionNullDescription =
    "Session enabled entity doesn't allow a message whose session identifier is null.";
constexpr const char *kHopReason = "MaxTransferHopCountExceeded";
constexpr const char *kHeaderReason = "HeaderSizeExceeded";
constexpr const char *kHeaderDescription = "The size quota for this stream has been exceeded.";
constexpr const char *kLockLostText =
    "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the "
    "queue, or was received by a different receiver instance.";
constexpr const char *kSessionLockLostText = "The session lock has expired on the MessageSession.";
constexpr const char *kMessageNotFoundText =
    "Failed to lock one or more specified messages. Either the message is already locked or does not exist.";
constexpr const char *kSessionRequiredText =
    "The SessionId was not set on a message, and it cannot be sent to the entity. Entities that have session "
    "support enabled can only receive messages that have the SessionId set to a valid value.";
constexpr std::size_t kMaxIdLength = 128;
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxPropertyBytes = 32 * 1024;

struct UuidHash
{
    std::size_t operator()(const Uuid &u) const noexcept
    {
        std::uint64_t a, b;
        std::memcpy(&a, u.bytes.data(), 8);
        std::memcpy(&b, u.bytes.data() + 8, 8);
        return static_cast<std::size_t>(a ^ (b * 0x9E3779B97F4A7C15ULL));
    }
};

enum class EntityKind : std::uint8_t { Queue, Topic, Subscription };

/** A message stored in a sub-queue, with its lock state. */
struct Entry
{
    Message msg;
    std::size_t size = 0;
    ReceiverId owner = 0;
    bool locked = false;
};

/**
 * Keys of available messages in sequence order. Appends are in increasing order almost always (new
 * sequence numbers), so they go to a deque; keys returning to an earlier place (abandon, lock expiry,
 * dead-lettered keys) go to a min-heap. Entries may be stale (message gone or no longer available):
 * the taker checks each against the message map.
 */
struct AvailableQueue
{
    std::deque<MessageKey> tail;
    std::priority_queue<MessageKey, std::vector<MessageKey>, std::greater<>> returned;

    void push(MessageKey k)
    {
        if (tail.empty() || tail.back() < k)
            tail.push_back(k);
        else
            returned.push(k);
    }
    bool empty() const { return tail.empty() && returned.empty(); }
    MessageKey top() const
    {
        if (tail.empty())
            return returned.top();
        if (returned.empty())
            return tail.front();
        return std::min(tail.front(), returned.top());
    }
    void pop()
    {
        if (tail.empty()) {
            returned.pop();
        } else if (returned.empty() || tail.front() < returned.top()) {
            tail.pop_front();
        } else {
            returned.pop();
        }
    }
    void clear()
    {
        tail.clear();
        returned = {};
    }
};

struct LockRecord
{
    TimePoint until;
    MessageKey key;
    Uuid token;
};

struct TimedKey
{
    TimePoint at;
    MessageKey key;
    bool operator>(const TimedKey &o) const { return at > o.at || (at == o.at && key > o.key); }
};

struct Box
{
    explicit Box(SubQueue w) : which(w) {}
    SubQueue which;
    std::map<MessageKey, Entry> messages;
    AvailableQueue available;
    std::unordered_map<Uuid, MessageKey, UuidHash> locks;
    std::deque<LockRecord> lockOrder;
    std::vector<TimedKey> expiry; // min-heap (std::greater)
    std::vector<ReceiverId> receivers;
    std::size_t rr = 0;
    std::int64_t active = 0;
    std::int64_t scheduled = 0;
    std::int64_t size = 0;
};

struct Session
{
    std::string id;
    AvailableQueue available;
    std::int64_t messageCount = 0;
    ReceiverId holder = 0;
    TimePoint lockedUntil{};
    std::optional<std::string> state;
    TimePoint updatedAt{};
    bool queuedReady = false;
    std::unordered_set<Uuid, UuidHash> lockedTokens;
};

struct Entity;

struct Rule
{
    RuleDescription desc;
    RuleProgram program;
};

struct RuleRef
{
    Entity *sub = nullptr;
    const Rule *rule = nullptr;
};

enum CorrelationField : std::uint8_t {
    FieldCorrelationId, FieldSubject, FieldTo, FieldMessageId, FieldSessionId, FieldReplyTo,
    FieldReplyToSessionId, FieldContentType, FieldCount
};

/** Topic routing index (A.17): correlation filters hashed on one field, the rest scanned. */
struct RoutingIndex
{
    std::array<std::unordered_map<std::string, std::vector<RuleRef>>, FieldCount> system;
    /** lower-case property name -> value key -> rules */
    std::unordered_map<std::string, std::unordered_map<std::string, std::vector<RuleRef>>> properties;
    std::vector<RuleRef> scan;
};

enum TimerKind : std::uint8_t {
    TimerLockMain, TimerLockDlq, TimerLockTdlq, TimerExpiry, TimerScheduled, TimerSessionLock, TimerAutoDelete,
    TimerKindCount,
    TimerAccept = 100, // receivers, keyed by receiver id
};

struct Entity
{
    std::uint64_t id = 0;
    EntityKind kind = EntityKind::Queue;
    std::string key;
    std::string path;
    QueueDescription queue;
    TopicDescription topic;
    SubscriptionDescription sub;

    Box main{SubQueue::None};
    Box dlq{SubQueue::DeadLetter};
    Box tdlq{SubQueue::TransferDeadLetter};
    Box transfer{SubQueue::Transfer}; ///< always empty: forwarding is synchronous

    std::unordered_map<std::string, Session> sessions;
    std::deque<std::string> readySessions;
    std::deque<ReceiverId> waitingAcceptors;
    std::vector<std::pair<TimePoint, std::string>> sessionLocks; // min-heap
    std::int64_t sessionStateSize = 0;

    std::int64_t lastSequence = 0;
    std::unordered_map<std::string, TimePoint> duplicateIds;
    std::deque<std::pair<TimePoint, std::string>> duplicateOrder;
    std::vector<TimedKey> scheduledHeap;

    // topic
    std::map<std::string, Entity *> subscriptions;
    RoutingIndex index;
    bool indexDirty = true;
    std::size_t sqlFilterCount = 0;
    std::size_t correlationFilterCount = 0;
    std::int64_t subscriptionsSize = 0;
    // subscription
    Entity *parent = nullptr;
    std::map<std::string, Rule> rules;

    std::array<TimePoint, TimerKindCount> armed;
    TimePoint lastActivity{};

    Entity() { armed.fill(kNever); }

    Box &box(SubQueue sq)
    {
        switch (sq) {
        case SubQueue::DeadLetter: return dlq;
        case SubQueue::TransferDeadLetter: return tdlq;
        case SubQueue::Transfer: return transfer;
        default: return main;
        }
    }
    bool hasMessages() const { return kind != EntityKind::Topic; }
    Duration lockDuration() const { return kind == EntityKind::Queue ? queue.lockDuration : sub.lockDuration; }
    std::int32_t maxDeliveryCount() const { return kind == EntityKind::Queue ? queue.maxDeliveryCount : sub.maxDeliveryCount; }
    Duration defaultTtl() const
    {
        switch (kind) {
        case EntityKind::Queue: return queue.defaultMessageTimeToLive;
        case EntityKind::Topic: return topic.defaultMessageTimeToLive;
        case EntityKind::Subscription: return sub.defaultMessageTimeToLive;
        }
        return kMaxDuration;
    }
    bool deadLetterOnExpiry() const
    {
        return kind == EntityKind::Queue ? queue.deadLetteringOnMessageExpiration : sub.deadLetteringOnMessageExpiration;
    }
    bool requiresSession() const
    {
        return kind == EntityKind::Queue ? queue.requiresSession : kind == EntityKind::Subscription && sub.requiresSession;
    }
    const std::string &forwardTo() const { return kind == EntityKind::Queue ? queue.forwardTo : sub.forwardTo; }
    const std::string &forwardDeadLetteredTo() const
    {
        return kind == EntityKind::Queue ? queue.forwardDeadLetteredMessagesTo : sub.forwardDeadLetteredMessagesTo;
    }
    EntityStatus status() const
    {
        switch (kind) {
        case EntityKind::Queue: return queue.status;
        case EntityKind::Topic: return topic.status;
        case EntityKind::Subscription: return sub.status;
        }
        return EntityStatus::Active;
    }
    bool sendDisabled() const { return status() == EntityStatus::Disabled || status() == EntityStatus::SendDisabled; }
    bool receiveDisabled() const
    {
        return status() == EntityStatus::Disabled || status() == EntityStatus::ReceiveDisabled;
    }
    Duration autoDeleteOnIdle() const
    {
        switch (kind) {
        case EntityKind::Queue: return queue.autoDeleteOnIdle;
        case EntityKind::Topic: return topic.autoDeleteOnIdle;
        case EntityKind::Subscription: return sub.autoDeleteOnIdle;
        }
        return kMaxDuration;
    }
    bool requiresDuplicateDetection() const
    {
        return kind == EntityKind::Queue ? queue.requiresDuplicateDetection : topic.requiresDuplicateDetection;
    }
    Duration duplicateWindow() const
    {
        return kind == EntityKind::Queue ? queue.duplicateDetectionHistoryTimeWindow : topic.duplicateDetectionHistoryTimeWindow;
    }
    std::int64_t maxMessageBytes() const
    {
        return (kind == EntityKind::Topic ? topic.maxMessageSizeInKilobytes : queue.maxMessageSizeInKilobytes) * 1024;
    }
    std::int64_t maxSizeBytes() const
    {
        return (kind == EntityKind::Topic ? topic.maxSizeInMegabytes : queue.maxSizeInMegabytes) * 1024 * 1024;
    }
    std::int64_t sizeInBytes() const { return main.size + dlq.size + tdlq.size + sessionStateSize + subscriptionsSize; }
    const char *kindName() const
    {
        return kind == EntityKind::Queue ? "queue" : kind == EntityKind::Topic ? "topic" : "subscription";
    }
};

struct Receiver
{
    ReceiverId id = 0;
    Entity *entity = nullptr;
    SubQueue subQueue = SubQueue::None;
    ReceiveMode mode = ReceiveMode::PeekLock;
    bool sessionful = false;
    bool hasSession = false;
    std::string sessionId;
    std::uint32_t credit = 0;
    std::shared_ptr<ReceiverCallbacks> callbacks;
    TimePoint acceptDeadline = kNever;
};

struct Pending
{
    enum class Kind : std::uint8_t { Message, Accepted, Closed } kind = Kind::Message;
    std::shared_ptr<ReceiverCallbacks> callbacks;
    Message message;
    std::string sessionId;
    TimePoint until{};
    Error error;
};

struct Timer
{
    TimePoint due;
    std::uint64_t id;
    std::uint8_t kind;
    bool operator>(const Timer &o) const { return due > o.due; }
};

template<typename T>
void heapPush(std::vector<T> &heap, T value)
{
    heap.push_back(std::move(value));
    std::push_heap(heap.begin(), heap.end(), std::greater<>());
}

template<typename T>
void heapPop(std::vector<T> &heap)
{
    std::pop_heap(heap.begin(), heap.end(), std::greater<>());
    heap.pop_back();
}

std::string subscriptionKey(std::string_view topic, std::string_view sub)
{
    return entityKey(topic) + "/subscriptions/" + entityKey(sub);
}

std::string messageIdKey(const Value &id)
{
    return valueKey(id);
}

void mergeProperties(Message &m, const PropertyMap &props)
{
    for (const auto &[name, value] : props.entries())
        m.applicationProperties.set(name, value);
}

} // namespace

// =================================================================================================

class EnginePrivate
{
public:
    EnginePrivate(Clock &c, std::unique_ptr<Store> s, EngineOptions o)
        : clock(c), store(s ? std::move(s) : std::make_unique<MemoryStore>()), options(std::move(o))
    {
    }

    Clock &clock;
    std::unique_ptr<Store> store;
    EngineOptions options;
    Result<void> loadResult;

    std::unordered_map<std::uint64_t, std::unique_ptr<Entity>> entities;
    std::map<std::string, Entity *> paths; // queues and topics by entityKey
    std::uint64_t nextEntityId = 1;
    std::unordered_map<ReceiverId, Receiver> receivers;
    ReceiverId nextReceiverId = 1;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers;
    std::vector<Pending> pending;
    std::vector<EngineObserver *> observers;
    int depth = 0;
    int userBatch = 0;
    bool flushing = false;
    bool loading = false; ///< load(): rebuild memory state without writing back to the store

    TimePoint now() const { return clock.now(); }

    // ---- operation scope: store batch + deferred callbacks ----------------------------------
    class Scope
    {
    public:
        explicit Scope(EnginePrivate &d) : m_d(d)
        {
            if (m_d.depth++ == 0 && m_d.userBatch == 0)
                m_d.store->beginBatch();
        }
        ~Scope()
        {
            if (--m_d.depth == 0) {
                if (!m_committed && m_d.userBatch == 0) {
                    if (auto r = m_d.store->commit(); !r)
                        logger("core")->error("broker store commit failed: {}", r.error().message);
                }
                m_d.flush();
            }
        }
        /** Commits (outermost scope) and turns a failed commit into StoreError. */
        template<typename T>
        Result<T> done(Result<T> result)
        {
            if (m_d.depth == 1 && m_d.userBatch == 0 && !m_committed) {
                m_committed = true;
                if (auto r = m_d.store->commit(); !r) {
                    logger("core")->error("broker store commit failed: {}", r.error().message);
                    return Error{ErrorCode::StoreError, r.error().message};
                }
            }
            return result;
        }
        Scope(const Scope &) = delete;
        Scope &operator=(const Scope &) = delete;

    private:
        EnginePrivate &m_d;
        bool m_committed = false;
    };

    void flush()
    {
        if (flushing)
            return;
        flushing = true;
        while (!pending.empty()) {
            std::vector<Pending> batch;
            batch.swap(pending);
            for (auto &p : batch) {
                switch (p.kind) {
                case Pending::Kind::Message:
                    if (p.callbacks->onMessage)
                        p.callbacks->onMessage(std::move(p.message));
                    break;
                case Pending::Kind::Accepted:
                    if (p.callbacks->onSessionAccepted)
                        p.callbacks->onSessionAccepted(p.sessionId, p.until);
                    break;
                case Pending::Kind::Closed:
                    if (p.callbacks->onClosed)
                        p.callbacks->onClosed(p.error);
                    break;
                }
            }
        }
        flushing = false;
    }

    // ---- events -------------------------------------------------------------------------------
    void emit(EngineEventKind kind, const Entity &e, SubQueue sq, const Message *m, std::string target = {},
              std::string detail = {})
    {
        if (observers.empty())
            return;
        EngineEvent ev;
        ev.kind = kind;
        ev.time = now();
        ev.entityPath = e.path;
        ev.subQueue = sq;
        if (m) {
            ev.sequenceNumber = m->sequenceNumber;
            ev.messageId = m->messageIdString();
        }
        ev.target = std::move(target);
        ev.detail = std::move(detail);
        for (auto *o : std::vector<EngineObserver *>(observers))
            o->onEvent(ev);
    }

    // ---- errors -------------------------------------------------------------------------------
    Error notFound(std::string_view path) const
    {
        return makeError(ErrorCode::EntityNotFound,
                         "The messaging entity 'sb://" + options.namespaceHost + "/" + std::string(path)
                             + "' could not be found.");
    }

    // ---- timers -------------------------------------------------------------------------------
    void arm(Entity &e, TimerKind kind, TimePoint due)
    {
        if (due >= e.armed[kind])
            return;
        e.armed[kind] = due;
        timers.push(Timer{due, e.id, static_cast<std::uint8_t>(kind)});
    }

    void armAccept(Receiver &r)
    {
        timers.push(Timer{r.acceptDeadline, r.id, TimerAccept});
    }

    static TimerKind lockTimer(SubQueue sq)
    {
        return sq == SubQueue::DeadLetter ? TimerLockDlq : sq == SubQueue::TransferDeadLetter ? TimerLockTdlq : TimerLockMain;
    }

    void touch(Entity &e)
    {
        e.lastActivity = now();
        e.queue.accessedAt = e.topic.accessedAt = e.sub.accessedAt = e.lastActivity;
        if (e.autoDeleteOnIdle() < kMaxDuration)
            arm(e, TimerAutoDelete, addSaturating(e.lastActivity, e.autoDeleteOnIdle()));
    }

    // ---- lookup -------------------------------------------------------------------------------
    Entity *findPath(std::string_view path) const
    {
        auto it = paths.find(entityKey(path));
        return it == paths.end() ? nullptr : it->second;
    }

    Entity *findSubscription(std::string_view topic, std::string_view name) const
    {
        Entity *t = findPath(topic);
        if (!t || t->kind != EntityKind::Topic)
            return nullptr;
        auto it = t->subscriptions.find(entityKey(name));
        return it == t->subscriptions.end() ? nullptr : it->second;
    }

    Result<Entity *> resolve(const EntityAddress &a) const
    {
        Entity *e = a.isSubscription() ? findSubscription(a.topic, a.subscription) : findPath(a.entityPath);
        if (!e)
            return notFound(a.entityPath);
        return e;
    }

    /** A queue or subscription (or sub-queue) that messages can be received from. */
    Result<Entity *> resolveReceivable(const EntityAddress &a) const
    {
        auto e = resolve(a);
        if (!e)
            return e;
        if ((*e)->kind == EntityKind::Topic)
            return makeError(ErrorCode::NotAllowed, "Cannot receive from or settle on a topic; use one of its subscriptions.");
        return e;
    }

    // ---- counters -----------------------------------------------------------------------------
    void addSize(Entity &e, Box &b, std::int64_t delta)
    {
        b.size += delta;
        if (e.parent)
            e.parent->subscriptionsSize += delta;
    }

    Session &sessionFor(Entity &e, const std::string &id)
    {
        auto [it, inserted] = e.sessions.try_emplace(id);
        if (inserted)
            it->second.id = id;
        return it->second;
    }

    bool sessionBox(const Entity &e, const Box &b) const { return b.which == SubQueue::None && e.requiresSession(); }

    void maybeDropSession(Entity &e, const std::string &id)
    {
        auto it = e.sessions.find(id);
        if (it == e.sessions.end())
            return;
        const Session &s = it->second;
        if (s.messageCount == 0 && !s.state && s.holder == 0 && s.lockedTokens.empty())
            e.sessions.erase(it);
    }

    Entry &insertEntry(Entity &e, Box &b, MessageKey key, Message &&m)
    {
        auto it = b.messages.emplace_hint(b.messages.end(), key, Entry{std::move(m)});
        Entry &entry = it->second;
        entry.size = entry.msg.size();
        addSize(e, b, static_cast<std::int64_t>(entry.size));
        if (entry.msg.state == MessageState::Scheduled)
            ++b.scheduled;
        else
            ++b.active;
        if (sessionBox(e, b) && entry.msg.state != MessageState::Scheduled && entry.msg.sessionId) {
            Session &s = sessionFor(e, *entry.msg.sessionId);
            ++s.messageCount;
            s.updatedAt = now();
        }
        if (!loading)
            store->putMessage(e.key, b.which, key, entry.msg);
        return entry;
    }

    Message eraseEntry(Entity &e, Box &b, std::map<MessageKey, Entry>::iterator it)
    {
        Entry entry = std::move(it->second);
        const MessageKey key = it->first;
        b.messages.erase(it);
        addSize(e, b, -static_cast<std::int64_t>(entry.size));
        if (entry.msg.state == MessageState::Scheduled)
            --b.scheduled;
        else
            --b.active;
        if (entry.locked)
            b.locks.erase(entry.msg.lockToken);
        if (sessionBox(e, b) && entry.msg.state != MessageState::Scheduled && entry.msg.sessionId) {
            auto sit = e.sessions.find(*entry.msg.sessionId);
            if (sit != e.sessions.end()) {
                --sit->second.messageCount;
                sit->second.updatedAt = now();
                if (entry.locked)
                    sit->second.lockedTokens.erase(entry.msg.lockToken);
                maybeDropSession(e, *entry.msg.sessionId);
            }
        }
        store->removeMessage(e.key, b.which, key);
        entry.msg.lockToken = Uuid{};
        entry.msg.lockedUntil = TimePoint{};
        return std::move(entry.msg);
    }

    void resize(Entity &e, Box &b, Entry &entry)
    {
        const std::size_t size = entry.msg.size();
        addSize(e, b, static_cast<std::int64_t>(size) - static_cast<std::int64_t>(entry.size));
        entry.size = size;
    }

    // ---- availability and delivery --------------------------------------------------------------
    /** Drops stale keys at the front of `q`; true when a real available message is at the front. */
    bool cleanTop(AvailableQueue &q, Box &b)
    {
        while (!q.empty()) {
            auto it = b.messages.find(q.top());
            if (it != b.messages.end() && !it->second.locked && it->second.msg.state == MessageState::Active)
                return true;
            q.pop();
        }
        return false;
    }

    /** Pops the next deliverable message, expiring expired ones on the way (B.15). */
    std::map<MessageKey, Entry>::iterator takeNext(Entity &e, AvailableQueue &q, Box &b)
    {
        while (cleanTop(q, b)) {
            auto it = b.messages.find(q.top());
            q.pop();
            if (b.which == SubQueue::None && it->second.msg.expiresAt <= now()) {
                expireMessage(e, b, it);
                continue;
            }
            return it;
        }
        return b.messages.end();
    }

    void makeAvailable(Entity &e, Box &b, MessageKey key, const Message &m)
    {
        if (sessionBox(e, b) && m.sessionId) {
            Session &s = sessionFor(e, *m.sessionId);
            s.available.push(key);
            if (s.holder != 0)
                pumpSession(e, s);
            else
                markReady(e, s);
        } else {
            b.available.push(key);
            pump(e, b);
        }
    }

    void markReady(Entity &e, Session &s)
    {
        if (!s.queuedReady && s.holder == 0) {
            s.queuedReady = true;
            e.readySessions.push_back(s.id);
        }
        assignWaiting(e);
    }

    /** Next unlocked session with available messages, or null. */
    Session *popReadySession(Entity &e)
    {
        while (!e.readySessions.empty()) {
            const std::string id = std::move(e.readySessions.front());
            e.readySessions.pop_front();
            auto it = e.sessions.find(id);
            if (it == e.sessions.end())
                continue;
            Session &s = it->second;
            s.queuedReady = false;
            if (s.holder != 0 && s.lockedUntil <= now())
                loseSession(e, s, true);
            if (s.holder == 0 && cleanTop(s.available, e.main))
                return &s;
        }
        return nullptr;
    }

    void lockSession(Entity &e, Session &s, Receiver &r)
    {
        s.holder = r.id;
        s.lockedUntil = addSaturating(now(), e.lockDuration());
        r.hasSession = true;
        r.sessionId = s.id;
        heapPush(e.sessionLocks, std::make_pair(s.lockedUntil, s.id));
        arm(e, TimerSessionLock, e.sessionLocks.front().first);
        compactSessionLocks(e);
    }

    void assignWaiting(Entity &e)
    {
        while (!e.waitingAcceptors.empty()) {
            const ReceiverId rid = e.waitingAcceptors.front();
            auto rit = receivers.find(rid);
            if (rit == receivers.end() || rit->second.hasSession) {
                e.waitingAcceptors.pop_front();
                continue;
            }
            Session *s = popReadySession(e);
            if (!s)
                return;
            e.waitingAcceptors.pop_front();
            Receiver &r = rit->second;
            lockSession(e, *s, r);
            r.acceptDeadline = kNever;
            Pending p;
            p.kind = Pending::Kind::Accepted;
            p.callbacks = r.callbacks;
            p.sessionId = s->id;
            p.until = s->lockedUntil;
            pending.push_back(std::move(p));
            pumpSession(e, *s);
        }
    }

    void deliver(Receiver &r, Entity &e, Box &b, std::map<MessageKey, Entry>::iterator it)
    {
        --r.credit;
        touch(e);
        Pending p;
        p.kind = Pending::Kind::Message;
        p.callbacks = r.callbacks;
        if (r.mode == ReceiveMode::ReceiveAndDelete) {
            p.message = eraseEntry(e, b, it);
            emit(EngineEventKind::Received, e, b.which, &p.message);
        } else {
            lockEntry(e, b, it->first, it->second, r.id);
            p.message = it->second.msg;
            emit(EngineEventKind::Locked, e, b.which, &p.message);
        }
        pending.push_back(std::move(p));
    }

    /** Locks a stored message for `owner` (0 = a management fetch). */
    void lockEntry(Entity &e, Box &b, MessageKey key, Entry &entry, ReceiverId owner)
    {
        entry.locked = true;
        entry.owner = owner;
        entry.msg.lockToken = Uuid::generate();
        b.locks.emplace(entry.msg.lockToken, key);
        if (sessionBox(e, b) && entry.msg.sessionId) {
            Session &s = sessionFor(e, *entry.msg.sessionId);
            entry.msg.lockedUntil = s.lockedUntil;
            s.lockedTokens.insert(entry.msg.lockToken);
            return;
        }
        entry.msg.lockedUntil = addSaturating(now(), e.lockDuration());
        LockRecord rec{entry.msg.lockedUntil, key, entry.msg.lockToken};
        if (b.lockOrder.empty() || b.lockOrder.back().until <= rec.until) {
            b.lockOrder.push_back(rec);
        } else {
            // LockDuration was shortened: keep the deque ordered by expiry.
            auto pos = std::upper_bound(b.lockOrder.begin(), b.lockOrder.end(), rec.until,
                                        [](TimePoint t, const LockRecord &r) { return t < r.until; });
            b.lockOrder.insert(pos, rec);
        }
        arm(e, lockTimer(b.which), b.lockOrder.front().until);
        if (b.lockOrder.size() > 2 * b.locks.size() + 1024)
            compactLocks(b);
    }

    void compactLocks(Box &b)
    {
        std::deque<LockRecord> kept;
        for (const auto &rec : b.lockOrder) {
            auto lit = b.locks.find(rec.token);
            if (lit == b.locks.end())
                continue;
            auto mit = b.messages.find(lit->second);
            if (mit != b.messages.end() && mit->second.msg.lockedUntil == rec.until)
                kept.push_back(rec);
        }
        b.lockOrder.swap(kept);
    }

    void compactSessionLocks(Entity &e)
    {
        if (e.sessionLocks.size() <= 2 * e.sessions.size() + 1024)
            return;
        std::vector<std::pair<TimePoint, std::string>> kept;
        for (auto &rec : e.sessionLocks) {
            auto it = e.sessions.find(rec.second);
            if (it != e.sessions.end() && it->second.holder != 0 && it->second.lockedUntil == rec.first)
                kept.push_back(rec);
        }
        std::make_heap(kept.begin(), kept.end(), std::greater<>());
        e.sessionLocks.swap(kept);
    }

    Receiver *nextReceiverWithCredit(Box &b)
    {
        const std::size_t n = b.receivers.size();
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t idx = (b.rr + i) % n;
            auto it = receivers.find(b.receivers[idx]);
            if (it != receivers.end() && it->second.credit > 0) {
                b.rr = (idx + 1) % n;
                return &it->second;
            }
        }
        return nullptr;
    }

    void pump(Entity &e, Box &b)
    {
        if (b.receivers.empty() || e.receiveDisabled())
            return;
        while (Receiver *r = nextReceiverWithCredit(b)) {
            auto it = takeNext(e, b.available, b);
            if (it == b.messages.end())
                return;
            deliver(*r, e, b, it);
        }
    }

    void pumpSession(Entity &e, Session &s)
    {
        if (s.holder == 0 || e.receiveDisabled())
            return;
        auto rit = receivers.find(s.holder);
        if (rit == receivers.end())
            return;
        Receiver &r = rit->second;
        while (r.credit > 0 && s.lockedUntil > now()) {
            auto it = takeNext(e, s.available, e.main);
            if (it == e.main.messages.end())
                return;
            deliver(r, e, e.main, it);
        }
    }

    // ---- message state transitions --------------------------------------------------------------
    void expireMessage(Entity &e, Box &b, std::map<MessageKey, Entry>::iterator it)
    {
        if (e.deadLetterOnExpiry()) {
            moveToDeadLetter(e, b, it, kTtlReason, kTtlDescription, nullptr);
        } else {
            Message m = eraseEntry(e, b, it);
            emit(EngineEventKind::Expired, e, b.which, &m);
        }
    }

    /** Moves a stored message from `b` to the entity's DLQ (or TDLQ by option for forwarding). */
    void moveToDeadLetter(Entity &e, Box &b, std::map<MessageKey, Entry>::iterator it, std::optional<std::string> reason,
                          std::optional<std::string> description, const PropertyMap *props)
    {
        const MessageKey key = it->first;
        Message m = eraseEntry(e, b, it);
        addDeadLetter(e, SubQueue::DeadLetter, std::move(m), key, std::move(reason), std::move(description), props, 0);
    }

    /** Places a message into `target` (DLQ or TDLQ) of `e`, or forwards it (ForwardDeadLetteredMessagesTo). */
    void addDeadLetter(Entity &e, SubQueue target, Message m, MessageKey key, std::optional<std::string> reason,
                       std::optional<std::string> description, const PropertyMap *props, int hops)
    {
        if (reason)
            m.applicationProperties.set(kDeadLetterReasonProperty, Value::string(*reason));
        if (description)
            m.applicationProperties.set(kDeadLetterDescriptionProperty, Value::string(*description));
        if (props)
            mergeProperties(m, *props);
        m.state = MessageState::Active;
        m.lockToken = Uuid{};
        m.lockedUntil = TimePoint{};
        emit(EngineEventKind::DeadLettered, e, target, &m, {}, reason.value_or(std::string()));
        if (target == SubQueue::DeadLetter && !e.forwardDeadLetteredTo().empty()) {
            m.deadLetterSource = e.path;
            forward(e, SubQueue::DeadLetter, std::move(m), hops);
            return;
        }
        Box &b = e.box(target);
        while (b.messages.count(key))
            ++key.copy;
        insertEntry(e, b, key, std::move(m));
        b.available.push(key);
        pump(e, b);
    }

    /**
     * Releases a lock: increments the delivery count when asked (abandon, lock expiry), applies
     * properties, then dead-letters (MaxDeliveryCount), expires, keeps it deferred or makes it
     * available again.
     */
    void unlock(Entity &e, Box &b, std::map<MessageKey, Entry>::iterator it, bool increment, const PropertyMap *props,
                EngineEventKind kind)
    {
        Entry &entry = it->second;
        const MessageKey key = it->first;
        b.locks.erase(entry.msg.lockToken);
        if (sessionBox(e, b) && entry.msg.sessionId) {
            auto sit = e.sessions.find(*entry.msg.sessionId);
            if (sit != e.sessions.end())
                sit->second.lockedTokens.erase(entry.msg.lockToken);
        }
        entry.locked = false;
        entry.owner = 0;
        entry.msg.lockToken = Uuid{};
        entry.msg.lockedUntil = TimePoint{};
        if (props && !props->empty()) {
            mergeProperties(entry.msg, *props);
            resize(e, b, entry);
        }
        if (increment)
            ++entry.msg.deliveryCount;
        emit(kind, e, b.which, &entry.msg);
        if (increment && b.which == SubQueue::None
            && entry.msg.deliveryCount >= static_cast<std::uint32_t>(e.maxDeliveryCount())) {
            moveToDeadLetter(e, b, it, kMaxDeliveryReason,
                             "Message could not be consumed after " + std::to_string(e.maxDeliveryCount())
                                 + " delivery attempts.",
                             nullptr);
            return;
        }
        store->putMessage(e.key, b.which, key, entry.msg);
        if (entry.msg.state == MessageState::Deferred)
            return;
        if (b.which == SubQueue::None && entry.msg.expiresAt <= now()) {
            expireMessage(e, b, it);
            return;
        }
        if ((b.which == SubQueue::None && !e.forwardTo().empty())
            || (b.which == SubQueue::DeadLetter && !e.forwardDeadLetteredTo().empty())) {
            // Forwarding was enabled while this message was locked: it leaves now.
            Message m = eraseEntry(e, b, it);
            if (b.which == SubQueue::DeadLetter)
                m.deadLetterSource = e.path;
            forward(e, b.which, std::move(m), 0);
            return;
        }
        const Message &m = entry.msg;
        makeAvailable(e, b, key, m);
    }

    /** Session lock lost or released: unlock its messages, free the session, close the holder. */
    void loseSession(Entity &e, Session &s, bool lost)
    {
        const ReceiverId holder = s.holder;
        s.holder = 0;
        const std::vector<Uuid> tokens(s.lockedTokens.begin(), s.lockedTokens.end());
        const std::string id = s.id;
        for (const Uuid &t : tokens) {
            auto lit = e.main.locks.find(t);
            if (lit == e.main.locks.end())
                continue;
            auto mit = e.main.messages.find(lit->second);
            if (mit != e.main.messages.end())
                unlock(e, e.main, mit, lost, nullptr, lost ? EngineEventKind::LockExpired : EngineEventKind::Released);
        }
        auto rit = receivers.find(holder);
        if (lost && rit != receivers.end()) {
            Pending p;
            p.kind = Pending::Kind::Closed;
            p.callbacks = rit->second.callbacks;
            p.error = makeError(ErrorCode::SessionLockLost, kSessionLockLostText);
            pending.push_back(std::move(p));
            receivers.erase(rit);
        } else if (rit != receivers.end()) {
            rit->second.hasSession = false;
        }
        auto sit = e.sessions.find(id);
        if (sit == e.sessions.end())
            return;
        if (cleanTop(sit->second.available, e.main))
            markReady(e, sit->second);
        else
            maybeDropSession(e, id);
    }

    // ---- send path ------------------------------------------------------------------------------
    /** Checks that `m` may enter `e` (a queue or topic): status, size, quota, session (B.9). */
    Result<void> checkAccept(const Entity &e, const Message &m, std::int64_t extraBytes) const
    {
        if (e.sendDisabled())
            return makeError(ErrorCode::EntityDisabled,
                             std::string("Sending to ") + e.kindName() + " '" + e.path + "' is disabled.");
        const auto size = static_cast<std::int64_t>(m.size());
        if (size > e.maxMessageBytes())
            return makeError(ErrorCode::MessageSizeExceeded,
                             "The received message (size:" + std::to_string(size) + " bytes) exceeds the limit ("
                                 + std::to_string(e.maxMessageBytes()) + " bytes) currently allowed on the link.");
        if (e.sizeInBytes() + extraBytes + size > e.maxSizeBytes())
            return makeError(ErrorCode::QuotaExceeded,
                             std::string("The maximum entity size has been reached or exceeded for ")
                                 + (e.kind == EntityKind::Topic ? "Topic" : "Queue") + ": '" + e.path
                                 + "'. Size of entity in bytes:" + std::to_string(e.sizeInBytes())
                                 + ", Max entity size in bytes:" + std::to_string(e.maxSizeBytes()) + ".");
        if (e.kind == EntityKind::Queue && e.queue.requiresSession && !m.sessionId)
            return makeError(ErrorCode::NotAllowed, kSessionRequiredText);
        return {};
    }

    static Result<void> checkClientMessage(const Message &m)
    {
        if (m.messageIdString().size() > kMaxIdLength)
            return makeError(ErrorCode::InvalidArgument, "MessageId: longer than 128 characters.");
        if (m.messageId.isText() && m.messageId.bytes().empty())
            return makeError(ErrorCode::InvalidArgument, "MessageId: must not be empty.");
        if (m.sessionId && m.sessionId->size() > kMaxIdLength)
            return makeError(ErrorCode::InvalidArgument, "SessionId: longer than 128 characters.");
        if (m.replyToSessionId && m.replyToSessionId->size() > kMaxIdLength)
            return makeError(ErrorCode::InvalidArgument, "ReplyToSessionId: longer than 128 characters.");
        if (m.partitionKey && m.partitionKey->size() > kMaxIdLength)
            return makeError(ErrorCode::InvalidArgument, "PartitionKey: longer than 128 characters.");
        if (m.partitionKey && m.sessionId && *m.partitionKey != *m.sessionId)
            return makeError(ErrorCode::InvalidArgument, "PartitionKey: must equal SessionId when both are set.");
        if (m.applicationProperties.byteSize() + m.annotations.byteSize() > kMaxHeaderBytes)
            return makeError(ErrorCode::QuotaExceeded, "The message header exceeds the limit of 65536 bytes.");
        for (const auto &[name, value] : m.applicationProperties.entries()) {
            if (value.byteSize() > kMaxPropertyBytes)
                return makeError(ErrorCode::InvalidArgument,
                                 "Property '" + name + "': the value exceeds the limit of 32768 bytes.");
        }
        return {};
    }

    /** Duplicate detection (B.17). True when `m` is a duplicate to drop. */
    bool isDuplicate(Entity &e, const Message &m)
    {
        if (!e.requiresDuplicateDetection() || m.messageId.isNull())
            return false;
        const TimePoint t = now();
        const Duration window = e.duplicateWindow();
        bool pruned = false;
        while (!e.duplicateOrder.empty() && e.duplicateOrder.front().first + window <= t) {
            auto it = e.duplicateIds.find(e.duplicateOrder.front().second);
            if (it != e.duplicateIds.end() && it->second == e.duplicateOrder.front().first)
                e.duplicateIds.erase(it);
            e.duplicateOrder.pop_front();
            pruned = true;
        }
        if (pruned)
            store->pruneDuplicateIds(e.key, t - window);
        std::string key = messageIdKey(m.messageId);
        auto it = e.duplicateIds.find(key);
        if (it != e.duplicateIds.end() && it->second + window > t)
            return true;
        e.duplicateIds[key] = t;
        store->putDuplicateId(e.key, key, t);
        e.duplicateOrder.emplace_back(t, std::move(key));
        return false;
    }

    std::int64_t nextSequence(Entity &e)
    {
        if (e.lastSequence == std::numeric_limits<std::int64_t>::max())
            e.lastSequence = 0; // B.8: rolls over
        ++e.lastSequence;
        store->putSequenceCounter(e.key, e.lastSequence);
        return e.lastSequence;
    }

    /**
     * A message arriving at a queue or topic (client send or forward): duplicate detection, schedule
     * or activate. Returns the sequence number (0 for a dropped duplicate).
     */
    std::int64_t arrive(Entity &e, Message m, int hops)
    {
        touch(e);
        if (isDuplicate(e, m)) {
            emit(EngineEventKind::DuplicateDropped, e, SubQueue::None, &m);
            return 0;
        }
        m.deliveryCount = 0;
        m.lockToken = Uuid{};
        m.lockedUntil = TimePoint{};
        if (m.scheduledEnqueueTime && *m.scheduledEnqueueTime > now()) {
            const std::int64_t seq = nextSequence(e);
            m.sequenceNumber = seq;
            m.state = MessageState::Scheduled;
            const TimePoint due = *m.scheduledEnqueueTime;
            emit(EngineEventKind::Scheduled, e, SubQueue::None, &m);
            insertEntry(e, e.main, MessageKey{seq, 0}, std::move(m));
            heapPush(e.scheduledHeap, TimedKey{due, MessageKey{seq, 0}});
            arm(e, TimerScheduled, e.scheduledHeap.front().at);
            return seq;
        }
        return activate(e, std::move(m), hops);
    }

    /** Assigns the sequence number and enqueue time, then stores, forwards or routes. */
    std::int64_t activate(Entity &e, Message m, int hops)
    {
        const std::int64_t seq = nextSequence(e);
        const TimePoint t = now();
        m.sequenceNumber = seq;
        if (m.enqueuedSequenceNumber == 0)
            m.enqueuedSequenceNumber = seq;
        m.enqueuedTime = t;
        m.state = MessageState::Active;
        const Duration ttl = m.effectiveTimeToLive(e.defaultTtl());
        if (ttl < kMaxDuration)
            m.timeToLive = ttl;
        m.expiresAt = addSaturating(t, ttl);
        if (e.kind == EntityKind::Topic)
            route(e, std::move(m), hops);
        else
            enqueue(e, std::move(m), MessageKey{seq, 0}, hops);
        return seq;
    }

    /** Stores an active message in a queue or subscription, or forwards it (ForwardTo). */
    void enqueue(Entity &e, Message m, MessageKey key, int hops)
    {
        if (!e.forwardTo().empty()) {
            forward(e, SubQueue::None, std::move(m), hops);
            return;
        }
        if (e.requiresSession() && !m.sessionId) {
            addDeadLetter(e, SubQueue::DeadLetter, std::move(m), key, kSessionNullReason, kSessionNullDescription,
                          nullptr, hops);
            return;
        }
        const TimePoint expiresAt = m.expiresAt;
        emit(EngineEventKind::Enqueued, e, SubQueue::None, &m);
        Entry &entry = insertEntry(e, e.main, key, std::move(m));
        if (options.expirySweep && expiresAt < kMaxTime) {
            heapPush(e.main.expiry, TimedKey{expiresAt, key});
            arm(e, TimerExpiry, e.main.expiry.front().at);
            if (e.main.expiry.size() > 2 * e.main.messages.size() + 1024)
                compactExpiry(e);
        }
        makeAvailable(e, e.main, key, entry.msg);
    }

    void compactExpiry(Entity &e)
    {
        std::vector<TimedKey> kept;
        for (const auto &rec : e.main.expiry) {
            auto it = e.main.messages.find(rec.key);
            if (it != e.main.messages.end() && it->second.msg.expiresAt == rec.at)
                kept.push_back(rec);
        }
        std::make_heap(kept.begin(), kept.end(), std::greater<>());
        e.main.expiry.swap(kept);
    }

    /** Auto-forwarding (B.19) of a message leaving `src` (its main queue or its DLQ). */
    void forward(Entity &src, SubQueue from, Message m, int hops)
    {
        const std::string &destPath = from == SubQueue::DeadLetter ? src.forwardDeadLetteredTo() : src.forwardTo();
        touch(src);
        const MessageKey key{m.sequenceNumber, 0};
        auto fail = [&](const char *reason, std::string description) {
            const SubQueue target = from == SubQueue::DeadLetter || options.forwardFailuresToTransferDeadLetter
                ? SubQueue::TransferDeadLetter
                : SubQueue::DeadLetter;
            addDeadLetter(src, target, std::move(m), key, std::string(reason), std::move(description), nullptr, hops);
        };
        if (hops >= options.maxForwardHops) {
            fail(kHopReason, "The message exceeded the maximum number of allowed hops ("
                                 + std::to_string(options.maxForwardHops) + ") when forwarding between entities.");
            return;
        }
        Entity *dest = findPath(destPath);
        if (!dest) {
            fail("MessagingEntityNotFoundException", notFound(destPath).message);
            return;
        }
        if (auto ok = checkAccept(*dest, m, 0); !ok) {
            const char *reason = "InvalidOperationException";
            switch (ok.error().code) {
            case ErrorCode::EntityDisabled: reason = "MessagingEntityDisabledException"; break;
            case ErrorCode::QuotaExceeded: reason = "QuotaExceededException"; break;
            case ErrorCode::MessageSizeExceeded: reason = "MessageSizeExceededException"; break;
            default: break;
            }
            fail(reason, ok.error().message);
            return;
        }
        emit(EngineEventKind::Forwarded, src, from, &m, dest->path);
        m.state = MessageState::Active;
        arrive(*dest, std::move(m), hops + 1);
    }

    // ---- topic routing (A.16, A.17, B.10) -------------------------------------------------------
    static std::optional<std::string> fieldText(const Message &m, CorrelationField f)
    {
        switch (f) {
        case FieldCorrelationId: return idText(m.correlationId);
        case FieldMessageId: return idText(m.messageId);
        case FieldSubject: return m.subject;
        case FieldTo: return m.to;
        case FieldSessionId: return m.sessionId;
        case FieldReplyTo: return m.replyTo;
        case FieldReplyToSessionId: return m.replyToSessionId;
        case FieldContentType: return m.contentType;
        default: return std::nullopt;
        }
    }

    static const std::optional<std::string> &filterField(const CorrelationFilter &c, CorrelationField f)
    {
        switch (f) {
        case FieldCorrelationId: return c.correlationId;
        case FieldMessageId: return c.messageId;
        case FieldSubject: return c.subject;
        case FieldTo: return c.to;
        case FieldSessionId: return c.sessionId;
        case FieldReplyTo: return c.replyTo;
        case FieldReplyToSessionId: return c.replyToSessionId;
        default: return c.contentType;
        }
    }

    void rebuildIndex(Entity &topic)
    {
        RoutingIndex idx;
        for (auto &[subKey, sub] : topic.subscriptions) {
            for (auto &[ruleKey, rule] : sub->rules) {
                const RuleRef ref{sub, &rule};
                if (std::holds_alternative<FalseFilter>(rule.desc.filter) && !rule.desc.action)
                    continue;
                if (const auto *c = std::get_if<CorrelationFilter>(&rule.desc.filter)) {
                    bool placed = false;
                    for (int f = 0; f < FieldCount && !placed; ++f) {
                        if (const auto &v = filterField(*c, static_cast<CorrelationField>(f))) {
                            idx.system[f][*v].push_back(ref);
                            placed = true;
                        }
                    }
                    if (!placed && !c->properties.empty()) {
                        const auto &[name, value] = c->properties.entries().front();
                        idx.properties[toLowerAscii(name)][valueKey(value)].push_back(ref);
                        placed = true;
                    }
                    if (placed)
                        continue;
                }
                idx.scan.push_back(ref);
            }
        }
        topic.index = std::move(idx);
        topic.indexDirty = false;
    }

    struct Match
    {
        Entity *sub;
        const Rule *rule;
    };

    void route(Entity &topic, Message m, int hops)
    {
        if (topic.indexDirty)
            rebuildIndex(topic);
        std::vector<Match> matches;
        std::vector<std::pair<Entity *, std::string>> failures;

        auto consider = [&](const RuleRef &ref, bool preMatched) {
            if (preMatched) {
                matches.push_back({ref.sub, ref.rule});
                return;
            }
            auto r = ref.rule->program.matches(m);
            if (!r) {
                if (ref.sub->sub.deadLetteringOnFilterEvaluationExceptions)
                    failures.emplace_back(ref.sub, r.error().message);
            } else if (*r) {
                matches.push_back({ref.sub, ref.rule});
            }
        };

        for (int f = 0; f < FieldCount; ++f) {
            const auto &map = topic.index.system[f];
            if (map.empty())
                continue;
            const auto text = fieldText(m, static_cast<CorrelationField>(f));
            if (!text)
                continue;
            auto it = map.find(*text);
            if (it == map.end())
                continue;
            for (const RuleRef &ref : it->second) {
                if (matchCorrelation(std::get<CorrelationFilter>(ref.rule->desc.filter), m))
                    consider(ref, true);
            }
        }
        if (!topic.index.properties.empty()) {
            for (const auto &[name, value] : m.applicationProperties.entries()) {
                auto pit = topic.index.properties.find(toLowerAscii(name));
                if (pit == topic.index.properties.end())
                    continue;
                // Only the first case-insensitive match of a name counts (PropertyMap::find semantics).
                if (m.applicationProperties.find(name) != &value)
                    continue;
                auto vit = pit->second.find(valueKey(value));
                if (vit == pit->second.end())
                    continue;
                for (const RuleRef &ref : vit->second) {
                    if (matchCorrelation(std::get<CorrelationFilter>(ref.rule->desc.filter), m))
                        consider(ref, true);
                }
            }
        }
        for (const RuleRef &ref : topic.index.scan)
            consider(ref, false);

        if (matches.empty() && failures.empty()) {
            emit(EngineEventKind::Dropped, topic, SubQueue::None, &m);
            return;
        }

        // Group by subscription, deterministic order: subscription key, then no-action rules first,
        // then action rules by name (A.16 [U] default).
        std::sort(matches.begin(), matches.end(), [](const Match &a, const Match &b) {
            if (a.sub != b.sub)
                return a.sub->key < b.sub->key;
            const bool aa = a.rule->program.hasAction(), ba = b.rule->program.hasAction();
            if (aa != ba)
                return !aa;
            return a.rule->desc.name < b.rule->desc.name;
        });

        struct Copy
        {
            Entity *sub;
            const Rule *rule; // null: unmodified copy
            std::string ruleName;
        };
        std::vector<Copy> copies;
        std::vector<std::pair<Entity *, std::string>> errorCopies; // (sub, description) FilterException
        for (const auto &[sub, text] : failures) {
            if (std::none_of(errorCopies.begin(), errorCopies.end(), [s = sub](const auto &p) { return p.first == s; }))
                errorCopies.emplace_back(sub, text);
        }
        for (std::size_t i = 0; i < matches.size();) {
            Entity *sub = matches[i].sub;
            std::size_t j = i;
            bool plain = false;
            while (j < matches.size() && matches[j].sub == sub) {
                if (!matches[j].rule->program.hasAction()) {
                    if (!plain)
                        copies.push_back({sub, nullptr, matches[j].rule->desc.name});
                    plain = true;
                } else {
                    copies.push_back({sub, matches[j].rule, matches[j].rule->desc.name});
                }
                ++j;
            }
            i = j;
        }
        // A failing rule wins for its subscription (A.14 [U] default): no normal copy there.
        if (!errorCopies.empty()) {
            copies.erase(std::remove_if(copies.begin(), copies.end(),
                                        [&](const Copy &c) {
                                            return std::any_of(errorCopies.begin(), errorCopies.end(),
                                                               [&](const auto &p) { return p.first == c.sub; });
                                        }),
                         copies.end());
        }

        for (const auto &[sub, text] : errorCopies) {
            Message copy = m;
            emit(EngineEventKind::Routed, topic, SubQueue::None, &copy, sub->path, "FilterException");
            addDeadLetter(*sub, SubQueue::DeadLetter, std::move(copy), MessageKey{m.sequenceNumber, 0},
                          std::string("FilterException"), text, nullptr, hops);
        }

        Entity *lastSub = nullptr;
        std::uint32_t ordinal = 0;
        for (std::size_t i = 0; i < copies.size(); ++i) {
            const Copy &c = copies[i];
            if (c.sub != lastSub) {
                lastSub = c.sub;
                ordinal = 0;
            }
            Message copy = (i + 1 == copies.size()) ? std::move(m) : m;
            const MessageKey key{copy.sequenceNumber, ordinal++};
            emit(EngineEventKind::Routed, topic, SubQueue::None, &copy, c.sub->path, c.ruleName);
            if (c.rule) {
                copy.applicationProperties.set("RuleName", Value::string(c.rule->desc.name));
                if (auto r = c.rule->program.applyAction(copy); !r) {
                    if (c.sub->sub.deadLetteringOnFilterEvaluationExceptions)
                        addDeadLetter(*c.sub, SubQueue::DeadLetter, std::move(copy), key,
                                      std::string("RuleActionException"), r.error().message, nullptr, hops);
                    continue;
                }
                if (copy.applicationProperties.byteSize() + copy.annotations.byteSize() > kMaxHeaderBytes) {
                    addDeadLetter(*c.sub, SubQueue::DeadLetter, std::move(copy), key, std::string(kHeaderReason),
                                  std::string(kHeaderDescription), nullptr, hops);
                    continue;
                }
            }
            // Copy TTL = min(message, topic default, subscription default) from the topic's enqueue (B.15).
            const Duration subTtl = c.sub->defaultTtl();
            if (subTtl < kMaxDuration) {
                const TimePoint cap = addSaturating(copy.enqueuedTime, subTtl);
                if (cap < copy.expiresAt) {
                    copy.expiresAt = cap;
                    copy.timeToLive = subTtl;
                }
            }
            enqueue(*c.sub, std::move(copy), key, hops);
        }
    }

    // ---- timers: processing ---------------------------------------------------------------------
    void processLocks(Entity &e, Box &b)
    {
        const TimePoint t = now();
        while (!b.lockOrder.empty() && b.lockOrder.front().until <= t) {
            const LockRecord rec = b.lockOrder.front();
            b.lockOrder.pop_front();
            auto lit = b.locks.find(rec.token);
            if (lit == b.locks.end())
                continue;
            auto mit = b.messages.find(lit->second);
            if (mit == b.messages.end() || !mit->second.locked || mit->second.msg.lockedUntil != rec.until)
                continue;
            unlock(e, b, mit, true, nullptr, EngineEventKind::LockExpired);
        }
        if (!b.lockOrder.empty())
            arm(e, lockTimer(b.which), b.lockOrder.front().until);
    }

    void processExpiry(Entity &e)
    {
        const TimePoint t = now();
        Box &b = e.main;
        while (!b.expiry.empty() && b.expiry.front().at <= t) {
            const TimedKey rec = b.expiry.front();
            heapPop(b.expiry);
            auto it = b.messages.find(rec.key);
            if (it == b.messages.end() || it->second.locked || it->second.msg.state != MessageState::Active
                || it->second.msg.expiresAt != rec.at)
                continue;
            expireMessage(e, b, it);
        }
        if (!b.expiry.empty())
            arm(e, TimerExpiry, b.expiry.front().at);
    }

    void processScheduled(Entity &e)
    {
        const TimePoint t = now();
        while (!e.scheduledHeap.empty() && e.scheduledHeap.front().at <= t) {
            const TimedKey rec = e.scheduledHeap.front();
            heapPop(e.scheduledHeap);
            auto it = e.main.messages.find(rec.key);
            if (it == e.main.messages.end() || it->second.msg.state != MessageState::Scheduled)
                continue;
            Message m = eraseEntry(e, e.main, it);
            touch(e);
            activate(e, std::move(m), 0);
        }
        if (!e.scheduledHeap.empty())
            arm(e, TimerScheduled, e.scheduledHeap.front().at);
    }

    void processSessionLocks(Entity &e)
    {
        const TimePoint t = now();
        while (!e.sessionLocks.empty() && e.sessionLocks.front().first <= t) {
            const auto rec = e.sessionLocks.front();
            heapPop(e.sessionLocks);
            auto it = e.sessions.find(rec.second);
            if (it == e.sessions.end() || it->second.holder == 0 || it->second.lockedUntil != rec.first)
                continue;
            loseSession(e, it->second, true);
        }
        if (!e.sessionLocks.empty())
            arm(e, TimerSessionLock, e.sessionLocks.front().first);
    }

    void processAutoDelete(Entity &e)
    {
        const TimePoint due = addSaturating(e.lastActivity, e.autoDeleteOnIdle());
        if (e.autoDeleteOnIdle() >= kMaxDuration)
            return;
        if (due > now()) {
            arm(e, TimerAutoDelete, due);
            return;
        }
        logger("core")->info("auto-deleting idle {} '{}'", e.kindName(), e.path);
        removeEntity(e);
    }

    void processTimer(const Timer &t)
    {
        if (t.kind == TimerAccept) {
            auto it = receivers.find(t.id);
            if (it == receivers.end() || it->second.hasSession || it->second.acceptDeadline != t.due)
                return;
            Pending p;
            p.kind = Pending::Kind::Closed;
            p.callbacks = it->second.callbacks;
            p.error = makeError(ErrorCode::Timeout, "The operation did not complete within the allotted timeout. "
                                                    "No unlocked session became available.");
            pending.push_back(std::move(p));
            receivers.erase(it);
            return;
        }
        auto eit = entities.find(t.id);
        if (eit == entities.end())
            return;
        Entity &e = *eit->second;
        if (t.kind >= TimerKindCount || e.armed[t.kind] != t.due)
            return;
        e.armed[t.kind] = kNever;
        switch (static_cast<TimerKind>(t.kind)) {
        case TimerLockMain: processLocks(e, e.main); break;
        case TimerLockDlq: processLocks(e, e.dlq); break;
        case TimerLockTdlq: processLocks(e, e.tdlq); break;
        case TimerExpiry: processExpiry(e); break;
        case TimerScheduled: processScheduled(e); break;
        case TimerSessionLock: processSessionLocks(e); break;
        case TimerAutoDelete: processAutoDelete(e); break;
        default: break;
        }
    }

    // ---- receivers ------------------------------------------------------------------------------
    void closeReceiverWith(ReceiverId id, const Error &error)
    {
        auto it = receivers.find(id);
        if (it == receivers.end())
            return;
        Pending p;
        p.kind = Pending::Kind::Closed;
        p.callbacks = it->second.callbacks;
        p.error = error;
        detachReceiver(it->second);
        receivers.erase(id);
        pending.push_back(std::move(p));
    }

    /** Removes the receiver from its entity (session released without count increments). */
    void detachReceiver(Receiver &r)
    {
        Entity *e = r.entity;
        if (!e)
            return;
        Box &b = e->box(r.subQueue);
        auto pos = std::find(b.receivers.begin(), b.receivers.end(), r.id);
        if (pos != b.receivers.end())
            b.receivers.erase(pos);
        if (r.hasSession) {
            auto sit = e->sessions.find(r.sessionId);
            if (sit != e->sessions.end() && sit->second.holder == r.id)
                loseSession(*e, sit->second, false);
        }
        r.entity = nullptr;
    }

    void closeReceiversOf(Entity &e, const Error &error)
    {
        std::vector<ReceiverId> ids;
        for (auto &[id, r] : receivers) {
            if (r.entity == &e)
                ids.push_back(id);
        }
        std::sort(ids.begin(), ids.end());
        for (ReceiverId id : ids)
            closeReceiverWith(id, error);
    }

    /** After ForwardTo / ForwardDeadLetteredMessagesTo was set: move what is stored and unlocked. */
    void forwardStored(Entity &e)
    {
        auto drainBox = [&](Box &b, SubQueue from, bool enabled) {
            if (!enabled)
                return;
            std::vector<MessageKey> keys;
            for (const auto &[k, entry] : b.messages) {
                if (!entry.locked && entry.msg.state != MessageState::Scheduled)
                    keys.push_back(k);
            }
            for (const MessageKey &k : keys) {
                auto it = b.messages.find(k);
                if (it == b.messages.end())
                    continue;
                Message m = eraseEntry(e, b, it);
                if (from == SubQueue::DeadLetter)
                    m.deadLetterSource = e.path;
                forward(e, from, std::move(m), 0);
            }
        };
        drainBox(e.main, SubQueue::None, !e.forwardTo().empty());
        drainBox(e.dlq, SubQueue::DeadLetter, !e.forwardDeadLetteredTo().empty());
    }

    // ---- management helpers ---------------------------------------------------------------------
    Result<void> checkForwardTarget(const std::string &target, const std::string &selfPath)
    {
        if (target.empty())
            return {};
        if (equalsIgnoreCase(target, selfPath))
            return makeError(ErrorCode::InvalidArgument, "Entity cannot have auto-forwarding policy to itself.");
        if (!findPath(target))
            return makeError(ErrorCode::EntityNotFound,
                             "SubCode=40400. The auto forwarding destination entity does not exist.");
        return {};
    }

    Entity &newEntity(EntityKind kind, std::string key, std::string path)
    {
        auto e = std::make_unique<Entity>();
        e->id = nextEntityId++;
        e->kind = kind;
        e->key = std::move(key);
        e->path = std::move(path);
        Entity &ref = *e;
        entities.emplace(ref.id, std::move(e));
        return ref;
    }

    void removeEntity(Entity &e)
    {
        if (e.kind == EntityKind::Topic) {
            std::vector<Entity *> subs;
            for (auto &[k, s] : e.subscriptions)
                subs.push_back(s);
            for (Entity *s : subs)
                removeEntity(*s);
        }
        closeReceiversOf(e, notFound(e.path));
        emit(EngineEventKind::EntityDeleted, e, SubQueue::None, nullptr);
        switch (e.kind) {
        case EntityKind::Queue:
            store->removeQueue(e.key);
            paths.erase(e.key);
            break;
        case EntityKind::Topic:
            store->removeTopic(e.key);
            paths.erase(e.key);
            break;
        case EntityKind::Subscription:
            store->removeSubscription(e.key);
            if (e.parent) {
                e.parent->subscriptionsSize -= e.main.size + e.dlq.size + e.tdlq.size + e.sessionStateSize;
                e.parent->subscriptions.erase(entityKey(e.sub.name));
                e.parent->indexDirty = true;
                for (const auto &[k, rule] : e.rules)
                    countRule(*e.parent, rule, -1);
            }
            break;
        }
        entities.erase(e.id);
    }

    void countRule(Entity &topic, const Rule &rule, int delta)
    {
        if (std::holds_alternative<CorrelationFilter>(rule.desc.filter))
            topic.correlationFilterCount += delta;
        else
            topic.sqlFilterCount += delta;
    }

    Result<void> checkRuleQuota(const Entity &topic, const RuleDescription &rule) const
    {
        if (std::holds_alternative<CorrelationFilter>(rule.filter)) {
            if (topic.correlationFilterCount + 1 > options.maxCorrelationFiltersPerTopic)
                return makeError(ErrorCode::QuotaExceeded,
                                 "SubCode=40502. The maximum number of correlation filters per topic ("
                                     + std::to_string(options.maxCorrelationFiltersPerTopic) + ") has been reached.");
        } else if (topic.sqlFilterCount + 1 > options.maxSqlFiltersPerTopic) {
            return makeError(ErrorCode::QuotaExceeded, "SubCode=40501. The maximum number of SQL filters per topic ("
                                                           + std::to_string(options.maxSqlFiltersPerTopic)
                                                           + ") has been reached.");
        }
        return {};
    }

    Result<Rule> compileRule(RuleDescription desc)
    {
        if (auto v = validate(desc); !v)
            return v.error();
        auto program = RuleProgram::compile(desc);
        if (!program)
            return program.error();
        if (desc.createdAt == TimePoint{})
            desc.createdAt = now();
        return Rule{std::move(desc), std::move(*program)};
    }

    Result<void> settleCheck(Entity &e, Box &b, const Uuid &token, std::map<MessageKey, Entry>::iterator &out)
    {
        if (e.receiveDisabled())
            return makeError(ErrorCode::EntityDisabled,
                             std::string("Receiving from ") + e.kindName() + " '" + e.path + "' is disabled.");
        auto lit = b.locks.find(token);
        if (lit == b.locks.end()) {
            if (sessionBox(e, b))
                return makeError(ErrorCode::SessionLockLost, kSessionLockLostText);
            return makeError(ErrorCode::MessageLockLost, kLockLostText);
        }
        auto mit = b.messages.find(lit->second);
        if (mit == b.messages.end() || !mit->second.locked)
            return makeError(ErrorCode::MessageLockLost, kLockLostText);
        Entry &entry = mit->second;
        if (sessionBox(e, b) && entry.msg.sessionId) {
            auto sit = e.sessions.find(*entry.msg.sessionId);
            if (sit == e.sessions.end() || sit->second.holder == 0 || sit->second.lockedUntil <= now())
                return makeError(ErrorCode::SessionLockLost, kSessionLockLostText);
        } else if (entry.msg.lockedUntil <= now()) {
            // Expired but not yet processed: process it now, as the timer would have.
            unlock(e, b, mit, true, nullptr, EngineEventKind::LockExpired);
            return makeError(ErrorCode::MessageLockLost, kLockLostText);
        }
        out = mit;
        return {};
    }

    RuntimeCounts counts(const Entity &e) const
    {
        RuntimeCounts c;
        if (e.kind == EntityKind::Topic) {
            c.scheduled = e.main.scheduled;
            c.sizeInBytes = e.sizeInBytes();
            c.subscriptionCount = static_cast<std::int64_t>(e.subscriptions.size());
            return c;
        }
        c.active = e.main.active;
        c.scheduled = e.main.scheduled;
        c.deadLetter = e.dlq.active;
        c.transferDeadLetter = e.tdlq.active;
        c.sizeInBytes = e.sizeInBytes();
        return c;
    }

    // ---- loading --------------------------------------------------------------------------------
    Result<void> load();
};

// =================================================================================================

Result<void> EnginePrivate::load()
{
    auto snapshot = store->load();
    if (!snapshot)
        return snapshot.error();
    loading = true;
    struct Reset
    {
        bool &flag;
        ~Reset() { flag = false; }
    } reset{loading};
    StoreSnapshot &s = *snapshot;
    for (auto &q : s.queues) {
        Entity &e = newEntity(EntityKind::Queue, entityKey(q.name), q.name);
        e.queue = std::move(q);
        e.lastActivity = now();
        paths[e.key] = &e;
    }
    for (auto &t : s.topics) {
        Entity &e = newEntity(EntityKind::Topic, entityKey(t.name), t.name);
        e.topic = std::move(t);
        e.lastActivity = now();
        paths[e.key] = &e;
    }
    for (auto &sd : s.subscriptions) {
        Entity *topic = findPath(sd.topicName);
        if (!topic || topic->kind != EntityKind::Topic)
            return makeError(ErrorCode::StoreError, "Stored subscription '" + sd.name + "' names a missing topic '"
                                                        + sd.topicName + "'.");
        Entity &e = newEntity(EntityKind::Subscription, subscriptionKey(sd.topicName, sd.name),
                              topic->topic.name + "/Subscriptions/" + sd.name);
        e.sub = std::move(sd);
        e.parent = topic;
        e.lastActivity = now();
        topic->subscriptions[entityKey(e.sub.name)] = &e;
    }
    for (auto &r : s.rules) {
        Entity *sub = findSubscription(r.topic, r.subscription);
        if (!sub)
            return makeError(ErrorCode::StoreError, "Stored rule '" + r.rule.name + "' names a missing subscription.");
        auto rule = compileRule(std::move(r.rule));
        if (!rule)
            return makeError(ErrorCode::StoreError, "Stored rule cannot be compiled: " + rule.error().message);
        const std::string key = entityKey(rule->desc.name);
        countRule(*sub->parent, *rule, +1);
        sub->rules.emplace(key, std::move(*rule));
    }
    std::unordered_map<std::string, Entity *> byKey;
    for (auto &[id, e] : entities)
        byKey[e->key] = e.get();
    for (const auto &[key, last] : s.sequenceCounters) {
        if (auto it = byKey.find(key); it != byKey.end())
            it->second->lastSequence = last;
    }
    std::sort(s.messages.begin(), s.messages.end(), [](const StoredMessageRecord &a, const StoredMessageRecord &b) {
        return std::tie(a.entityKey, a.subQueue, a.key) < std::tie(b.entityKey, b.subQueue, b.key);
    });
    for (auto &rec : s.messages) {
        auto it = byKey.find(rec.entityKey);
        if (it == byKey.end())
            continue; // orphan of a deleted entity
        Entity &e = *it->second;
        Box &b = e.box(rec.subQueue);
        Message m = std::move(rec.message);
        m.lockToken = Uuid{};
        m.lockedUntil = TimePoint{};
        const MessageState state = m.state;
        const TimePoint expiresAt = m.expiresAt;
        const std::optional<TimePoint> due = m.scheduledEnqueueTime;
        Entry &entry = insertEntry(e, b, rec.key, std::move(m));
        if (state == MessageState::Scheduled) {
            heapPush(e.scheduledHeap, TimedKey{due.value_or(now()), rec.key});
            arm(e, TimerScheduled, e.scheduledHeap.front().at);
        } else if (state == MessageState::Active) {
            if (sessionBox(e, b) && entry.msg.sessionId) {
                Session &sess = sessionFor(e, *entry.msg.sessionId);
                sess.available.push(rec.key);
                if (!sess.queuedReady) {
                    sess.queuedReady = true;
                    e.readySessions.push_back(sess.id);
                }
            } else {
                b.available.push(rec.key);
            }
            if (b.which == SubQueue::None && options.expirySweep && expiresAt < kMaxTime) {
                heapPush(b.expiry, TimedKey{expiresAt, rec.key});
                arm(e, TimerExpiry, b.expiry.front().at);
            }
        }
    }
    for (auto &st : s.sessionStates) {
        auto it = byKey.find(st.entityKey);
        if (it == byKey.end())
            continue;
        Session &sess = sessionFor(*it->second, st.sessionId);
        sess.state = std::move(st.state);
        sess.updatedAt = st.updatedAt;
        it->second->sessionStateSize += static_cast<std::int64_t>(sess.state->size());
    }
    for (auto &d : s.duplicateIds) {
        auto it = byKey.find(d.entityKey);
        if (it == byKey.end())
            continue;
        it->second->duplicateIds[d.idKey] = d.firstSeen;
        it->second->duplicateOrder.emplace_back(d.firstSeen, d.idKey);
    }
    for (auto &[id, e] : entities) {
        std::sort(e->duplicateOrder.begin(), e->duplicateOrder.end());
        if (e->autoDeleteOnIdle() < kMaxDuration)
            arm(*e, TimerAutoDelete, addSaturating(e->lastActivity, e->autoDeleteOnIdle()));
    }
    return {};
}

// =================================================================================================

const char *engineEventKindName(EngineEventKind kind)
{
    switch (kind) {
    case EngineEventKind::Enqueued: return "Enqueued";
    case EngineEventKind::Routed: return "Routed";
    case EngineEventKind::Dropped: return "Dropped";
    case EngineEventKind::Locked: return "Locked";
    case EngineEventKind::Received: return "Received";
    case EngineEventKind::Completed: return "Completed";
    case EngineEventKind::Abandoned: return "Abandoned";
    case EngineEventKind::Released: return "Released";
    case EngineEventKind::LockExpired: return "LockExpired";
    case EngineEventKind::DeadLettered: return "DeadLettered";
    case EngineEventKind::Deferred: return "Deferred";
    case EngineEventKind::Expired: return "Expired";
    case EngineEventKind::Forwarded: return "Forwarded";
    case EngineEventKind::Scheduled: return "Scheduled";
    case EngineEventKind::ScheduleCancelled: return "ScheduleCancelled";
    case EngineEventKind::DuplicateDropped: return "DuplicateDropped";
    case EngineEventKind::Deleted: return "Deleted";
    case EngineEventKind::EntityCreated: return "EntityCreated";
    case EngineEventKind::EntityUpdated: return "EntityUpdated";
    case EngineEventKind::EntityDeleted: return "EntityDeleted";
    }
    return "Unknown";
}

Engine::Engine(Clock &clock, std::unique_ptr<Store> store, EngineOptions options)
    : d(std::make_unique<EnginePrivate>(clock, std::move(store), std::move(options)))
{
    d->loadResult = d->load();
    if (!d->loadResult) {
        logger("core")->error("broker store could not be loaded: {}", d->loadResult.error().message);
        d->entities.clear();
        d->paths.clear();
        d->timers = {};
        // Never write into a store that could not be read: the engine continues in memory only.
        d->store = std::make_unique<MemoryStore>();
    }
}

Engine::~Engine() = default;

const Result<void> &Engine::loadResult() const { return d->loadResult; }
const EngineOptions &Engine::options() const { return d->options; }
Clock &Engine::clock() const { return d->clock; }

void Engine::beginBatch()
{
    if (d->userBatch++ == 0 && d->depth == 0)
        d->store->beginBatch();
}

Result<void> Engine::commitBatch()
{
    if (d->userBatch == 0)
        return makeError(ErrorCode::Internal, "commitBatch() without beginBatch().");
    if (--d->userBatch == 0 && d->depth == 0) {
        auto r = d->store->commit();
        if (!r)
            return Error{ErrorCode::StoreError, r.error().message};
    }
    return {};
}

// ---- queues ------------------------------------------------------------------------------------

Result<QueueDescription> Engine::createQueue(QueueDescription q)
{
    EnginePrivate::Scope scope(*d);
    if (auto v = validate(q, d->options.tier); !v)
        return v.error();
    const std::string key = entityKey(q.name);
    if (d->paths.count(key))
        return makeError(ErrorCode::EntityAlreadyExists, "The messaging entity '" + q.name + "' already exists.");
    if (d->paths.size() >= d->options.maxEntities)
        return makeError(ErrorCode::QuotaExceeded, "The maximum number of queues and topics ("
                                                       + std::to_string(d->options.maxEntities) + ") has been reached.");
    if (auto r = d->checkForwardTarget(q.forwardTo, q.name); !r)
        return r.error();
    if (auto r = d->checkForwardTarget(q.forwardDeadLetteredMessagesTo, q.name); !r)
        return r.error();
    if (d->options.tier == Tier::Basic && q.defaultMessageTimeToLive == kMaxDuration)
        q.defaultMessageTimeToLive = kBasicMaxMessageTimeToLive;
    q.createdAt = q.updatedAt = q.accessedAt = d->now();
    Entity &e = d->newEntity(EntityKind::Queue, key, q.name);
    e.queue = q;
    d->paths[key] = &e;
    d->touch(e);
    d->store->putQueue(e.queue);
    d->emit(EngineEventKind::EntityCreated, e, SubQueue::None, nullptr);
    return scope.done(Result<QueueDescription>(e.queue));
}

Result<QueueDescription> Engine::updateQueue(QueueDescription q)
{
    EnginePrivate::Scope scope(*d);
    Entity *e = d->findPath(q.name);
    if (!e || e->kind != EntityKind::Queue)
        return d->notFound(q.name);
    if (auto v = validate(q, d->options.tier); !v)
        return v.error();
    const QueueDescription &old = e->queue;
    if (q.requiresSession != old.requiresSession)
        return makeError(ErrorCode::InvalidArgument, "RequiresSession: the property cannot be updated.");
    if (q.requiresDuplicateDetection != old.requiresDuplicateDetection)
        return makeError(ErrorCode::InvalidArgument, "RequiresDuplicateDetection: the property cannot be updated.");
    if (q.enablePartitioning != old.enablePartitioning)
        return makeError(ErrorCode::InvalidArgument, "EnablePartitioning: the property cannot be updated.");
    if (auto r = d->checkForwardTarget(q.forwardTo, old.name); !r)
        return r.error();
    if (auto r = d->checkForwardTarget(q.forwardDeadLetteredMessagesTo, old.name); !r)
        return r.error();
    q.name = old.name;
    q.createdAt = old.createdAt;
    q.accessedAt = old.accessedAt;
    q.updatedAt = d->now();
    e->queue = q;
    d->touch(*e);
    d->store->putQueue(e->queue);
    if (e->receiveDisabled())
        d->closeReceiversOf(*e, makeError(ErrorCode::EntityDisabled, "Receiving from queue '" + e->path + "' is disabled."));
    else if (!e->queue.forwardTo.empty())
        d->closeReceiversOf(*e, makeError(ErrorCode::NotAllowed,
                                          "Cannot create a message receiver on an entity with auto-forwarding enabled."));
    d->emit(EngineEventKind::EntityUpdated, *e, SubQueue::None, nullptr);
    d->forwardStored(*e);
    return scope.done(Result<QueueDescription>(e->queue));
}

Result<QueueDescription> Engine::getQueue(std::string_view name) const
{
    Entity *e = d->findPath(name);
    if (!e || e->kind != EntityKind::Queue)
        return d->notFound(name);
    return e->queue;
}

Result<void> Engine::deleteQueue(std::string_view name)
{
    EnginePrivate::Scope scope(*d);
    Entity *e = d->findPath(name);
    if (!e || e->kind != EntityKind::Queue)
        return d->notFound(name);
    d->removeEntity(*e);
    return scope.done(Result<void>());
}

std::vector<QueueDescription> Engine::listQueues() const
{
    std::vector<QueueDescription> out;
    for (const auto &[k, e] : d->paths) {
        if (e->kind == EntityKind::Queue)
            out.push_back(e->queue);
    }
    return out;
}

// ---- topics ------------------------------------------------------------------------------------

Result<TopicDescription> Engine::createTopic(TopicDescription t)
{
    EnginePrivate::Scope scope(*d);
    if (auto v = validate(t, d->options.tier); !v)
        return v.error();
    const std::string key = entityKey(t.name);
    if (d->paths.count(key))
        return makeError(ErrorCode::EntityAlreadyExists, "The messaging entity '" + t.name + "' already exists.");
    if (d->paths.size() >= d->options.maxEntities)
        return makeError(ErrorCode::QuotaExceeded, "The maximum number of queues and topics ("
                                                       + std::to_string(d->options.maxEntities) + ") has been reached.");
    t.createdAt = t.updatedAt = t.accessedAt = d->now();
    Entity &e = d->newEntity(EntityKind::Topic, key, t.name);
    e.topic = t;
    d->paths[key] = &e;
    d->touch(e);
    d->store->putTopic(e.topic);
    d->emit(EngineEventKind::EntityCreated, e, SubQueue::None, nullptr);
    return scope.done(Result<TopicDescription>(e.topic));
}

Result<TopicDescription> Engine::updateTopic(TopicDescription t)
{
    EnginePrivate::Scope scope(*d);
    Entity *e = d->findPath(t.name);
    if (!e || e->kind != EntityKind::Topic)
        return d->notFound(t.name);
    if (auto v = validate(t, d->options.tier); !v)
        return v.error();
    const TopicDescription &old = e->topic;
    if (t.requiresDuplicateDetection != old.requiresDuplicateDetection)
        return makeError(ErrorCode::InvalidArgument, "RequiresDuplicateDetection: the property cannot be updated.");
    if (t.enablePartitioning != old.enablePartitioning)
        return makeError(ErrorCode::InvalidArgument, "EnablePartitioning: the property cannot be updated.");
    t.name = old.name;
    t.createdAt = old.createdAt;
    t.accessedAt = old.accessedAt;
    t.updatedAt = d->now();
    e->topic = t;
    d->touch(*e);
    d->store->putTopic(e->topic);
    d->emit(EngineEventKind::EntityUpdated, *e, SubQueue::None, nullptr);
    return scope.done(Result<TopicDescription>(e->topic));
}

Result<TopicDescription> Engine::getTopic(std::string_view name) const
{
    Entity *e = d->findPath(name);
    if (!e || e->kind != EntityKind::Topic)
        return d->notFound(name);
    return e->topic;
}

Result<void> Engine::deleteTopic(std::string_view name)
{
    EnginePrivate::Scope scope(*d);
    Entity *e = d->findPath(name);
    if (!e || e->kind != EntityKind::Topic)
        return d->notFound(name);
    d->removeEntity(*e);
    return scope.done(Result<void>());
}

std::vector<TopicDescription> Engine::listTopics() const
{
    std::vector<TopicDescription> out;
    for (const auto &[k, e] : d->paths) {
        if (e->kind == EntityKind::Topic)
            out.push_back(e->topic);
    }
    return out;
}

// ---- subscriptions -----------------------------------------------------------------------------

Result<SubscriptionDescription> Engine::createSubscription(SubscriptionDescription s, std::optional<RuleDescription> defaultRule)
{
    EnginePrivate::Scope scope(*d);
    Entity *topic = d->findPath(s.topicName);
    if (!topic || topic->kind != EntityKind::Topic)
        return d->notFound(s.topicName);
    if (auto v = validate(s, d->options.tier); !v)
        return v.error();
    const std::string subKey = entityKey(s.name);
    if (topic->subscriptions.count(subKey))
        return makeError(ErrorCode::EntityAlreadyExists, "The messaging entity '" + topic->path + "/Subscriptions/"
                                                             + s.name + "' already exists.");
    if (topic->subscriptions.size() >= d->options.maxSubscriptionsPerTopic)
        return makeError(ErrorCode::QuotaExceeded, "SubCode=40503. The maximum number of subscriptions per topic ("
                                                       + std::to_string(d->options.maxSubscriptionsPerTopic)
                                                       + ") has been reached.");
    const std::string path = topic->topic.name + "/Subscriptions/" + s.name;
    if (auto r = d->checkForwardTarget(s.forwardTo, path); !r)
        return r.error();
    if (auto r = d->checkForwardTarget(s.forwardDeadLetteredMessagesTo, path); !r)
        return r.error();
    RuleDescription ruleDesc = defaultRule.value_or(RuleDescription{});
    if (!defaultRule)
        ruleDesc.name = kDefaultRuleName;
    if (auto q = d->checkRuleQuota(*topic, ruleDesc); !q)
        return q.error();
    auto rule = d->compileRule(std::move(ruleDesc));
    if (!rule)
        return rule.error();
    s.topicName = topic->topic.name;
    s.createdAt = s.updatedAt = s.accessedAt = d->now();
    Entity &e = d->newEntity(EntityKind::Subscription, subscriptionKey(s.topicName, s.name), path);
    e.sub = s;
    e.parent = topic;
    topic->subscriptions[subKey] = &e;
    topic->indexDirty = true;
    d->countRule(*topic, *rule, +1);
    d->store->putSubscription(e.sub);
    d->store->putRule(s.topicName, s.name, rule->desc);
    e.rules.emplace(entityKey(rule->desc.name), std::move(*rule));
    d->touch(e);
    d->touch(*topic);
    d->emit(EngineEventKind::EntityCreated, e, SubQueue::None, nullptr);
    return scope.done(Result<SubscriptionDescription>(e.sub));
}

Result<SubscriptionDescription> Engine::updateSubscription(SubscriptionDescription s)
{
    EnginePrivate::Scope scope(*d);
    Entity *e = d->findSubscription(s.topicName, s.name);
    if (!e)
        return d->notFound(s.topicName + "/Subscriptions/" + s.name);
    if (auto v = validate(s, d->options.tier); !v)
        return v.error();
    const SubscriptionDescription &old = e->sub;
    if (s.requiresSession != old.requiresSession)
        return makeError(ErrorCode::InvalidArgument, "RequiresSession: the property cannot be updated.");
    if (auto r = d->checkForwardTarget(s.forwardTo, e->path); !r)
        return r.error();
    if (auto r = d->checkForwardTarget(s.forwardDeadLetteredMessagesTo, e->path); !r)
        return r.error();
    s.topicName = old.topicName;
    s.name = old.name;
    s.createdAt = old.createdAt;
    s.accessedAt = old.accessedAt;
    s.updatedAt = d->now();
    e->sub = s;
    d->touch(*e);
    d->store->putSubscription(e->sub);
    if (e->receiveDisabled())
        d->closeReceiversOf(*e, makeError(ErrorCode::EntityDisabled,
                                          "Receiving from subscription '" + e->path + "' is disabled."));
    else if (!e->sub.forwardTo.empty())
        d->closeReceiversOf(*e, makeError(ErrorCode::NotAllowed,
                                          "Cannot create a message receiver on an entity with auto-forwarding enabled."));
    d->emit(EngineEventKind::EntityUpdated, *e, SubQueue::None, nullptr);
    d->forwardStored(*e);
    return scope.done(Result<SubscriptionDescription>(e->sub));
}

Result<SubscriptionDescription> Engine::getSubscription(std::string_view topic, std::string_view name) const
{
    Entity *e = d->findSubscription(topic, name);
    if (!e)
        return d->notFound(std::string(topic) + "/Subscriptions/" + std::string(name));
    return e->sub;
}

Result<void> Engine::deleteSubscription(std::string_view topic, std::string_view name)
{
    EnginePrivate::Scope scope(*d);
    Entity *e = d->findSubscription(topic, name);
    if (!e)
        return d->notFound(std::string(topic) + "/Subscriptions/" + std::string(name));
    d->touch(*e->parent);
    d->removeEntity(*e);
    return scope.done(Result<void>());
}

Result<std::vector<SubscriptionDescription>> Engine::listSubscriptions(std::string_view topic) const
{
    Entity *t = d->findPath(topic);
    if (!t || t->kind != EntityKind::Topic)
        return d->notFound(topic);
    std::vector<SubscriptionDescription> out;
    for (const auto &[k, s] : t->subscriptions)
        out.push_back(s->sub);
    return out;
}

// ---- rules -------------------------------------------------------------------------------------

Result<RuleDescription> Engine::createRule(std::string_view topic, std::string_view subscription, RuleDescription rule)
{
    EnginePrivate::Scope scope(*d);
    Entity *e = d->findSubscription(topic, subscription);
    if (!e)
        return d->notFound(std::string(topic) + "/Subscriptions/" + std::string(subscription));
    if (e->sub.status == EntityStatus::Disabled || e->parent->topic.status == EntityStatus::Disabled)
        return makeError(ErrorCode::EntityDisabled, "Rules cannot be added to a disabled subscription or topic.");
    if (auto v = validate(rule); !v)
        return v.error();
    const std::string key = entityKey(rule.name);
    if (e->rules.count(key))
        return makeError(ErrorCode::EntityAlreadyExists, "The rule '" + rule.name + "' already exists in '" + e->path + "'.");
    if (auto q = d->checkRuleQuota(*e->parent, rule); !q)
        return q.error();
    rule.createdAt = TimePoint{};
    auto compiled = d->compileRule(std::move(rule));
    if (!compiled)
        return compiled.error();
    d->countRule(*e->parent, *compiled, +1);
    d->store->putRule(e->parent->topic.name, e->sub.name, compiled->desc);
    RuleDescription out = compiled->desc;
    e->rules.emplace(key, std::move(*compiled));
    e->parent->indexDirty = true;
    d->touch(*e);
    return scope.done(Result<RuleDescription>(std::move(out)));
}

Result<RuleDescription> Engine::updateRule(std::string_view topic, std::string_view subscription, RuleDescription rule)
{
    EnginePrivate::Scope scope(*d);
    Entity *e = d->findSubscription(topic, subscription);
    if (!e)
        return d->notFound(std::string(topic) + "/Subscriptions/" + std::string(subscription));
    auto it = e->rules.find(entityKey(rule.name));
    if (it == e->rules.end())
        return d->notFound(e->path + "/Rules/" + rule.name);
    rule.name = it->second.desc.name;
    rule.createdAt = it->second.desc.createdAt;
    auto compiled = d->compileRule(std::move(rule));
    if (!compiled)
        return compiled.error();
    d->countRule(*e->parent, it->second, -1);
    if (auto q = d->checkRuleQuota(*e->parent, compiled->desc); !q) {
        d->countRule(*e->parent, it->second, +1);
        return q.error();
    }
    d->countRule(*e->parent, *compiled, +1);
    d->store->putRule(e->parent->topic.name, e->sub.name, compiled->desc);
    it->second = std::move(*compiled);
    e->parent->indexDirty = true;
    d->touch(*e);
    return scope.done(Result<RuleDescription>(it->second.desc));
}

Result<RuleDescription> Engine::getRule(std::string_view topic, std::string_view subscription, std::string_view name) const
{
    Entity *e = d->findSubscription(topic, subscription);
    if (!e)
        return d->notFound(std::string(topic) + "/Subscriptions/" + std::string(subscription));
    auto it = e->rules.find(entityKey(name));
    if (it == e->rules.end())
        return d->notFound(e->path + "/Rules/" + std::string(name));
    return it->second.desc;
}

Result<void> Engine::deleteRule(std::string_view topic, std::string_view subscription, std::string_view name)
{
    EnginePrivate::Scope scope(*d);
    Entity *e = d->findSubscription(topic, subscription);
    if (!e)
        return d->notFound(std::string(topic) + "/Subscriptions/" + std::string(subscription));
    if (e->sub.status == EntityStatus::Disabled || e->parent->topic.status == EntityStatus::Disabled)
        return makeError(ErrorCode::EntityDisabled, "Rules cannot be removed from a disabled subscription or topic.");
    auto it = e->rules.find(entityKey(name));
    if (it == e->rules.end())
        return d->notFound(e->path + "/Rules/" + std::string(name));
    d->countRule(*e->parent, it->second, -1);
    d->store->removeRule(e->key, it->first);
    e->rules.erase(it);
    e->parent->indexDirty = true;
    d->touch(*e);
    return scope.done(Result<void>());
}

Result<std::vector<RuleDescription>> Engine::listRules(std::string_view topic, std::string_view subscription) const
{
    Entity *e = d->findSubscription(topic, subscription);
    if (!e)
        return d->notFound(std::string(topic) + "/Subscriptions/" + std::string(subscription));
    std::vector<RuleDescription> out;
    for (const auto &[k, r] : e->rules)
        out.push_back(r.desc);
    return out;
}

Result<RuntimeCounts> Engine::runtimeCounts(std::string_view entityPath) const
{
    auto a = EntityAddress::parse(entityPath);
    if (!a)
        return a.error();
    auto e = d->resolve(*a);
    if (!e)
        return e.error();
    return d->counts(**e);
}

// ---- sending -----------------------------------------------------------------------------------

Result<std::vector<std::int64_t>> Engine::send(const EntityAddress &address, std::vector<Message> batch)
{
    EnginePrivate::Scope scope(*d);
    if (address.isSubscription() || address.subQueue != SubQueue::None)
        return makeError(ErrorCode::NotAllowed,
                         "Cannot send to '" + address.toString() + "': only queues and topics accept messages.");
    Entity *e = d->findPath(address.entityPath);
    if (!e)
        return d->notFound(address.entityPath);
    std::int64_t batchBytes = 0;
    for (const Message &m : batch) {
        if (auto r = EnginePrivate::checkClientMessage(m); !r)
            return r.error();
        if (auto r = d->checkAccept(*e, m, batchBytes); !r)
            return r.error();
        batchBytes += static_cast<std::int64_t>(m.size());
    }
    if (batch.size() > 1 && batchBytes > e->maxMessageBytes())
        return makeError(ErrorCode::MessageSizeExceeded,
                         "The batch (size:" + std::to_string(batchBytes) + " bytes) exceeds the limit ("
                             + std::to_string(e->maxMessageBytes()) + " bytes) currently allowed on the link.");
    std::vector<std::int64_t> out;
    out.reserve(batch.size());
    for (Message &m : batch) {
        m.sequenceNumber = 0;
        m.enqueuedSequenceNumber = 0;
        m.deadLetterSource.reset();
        out.push_back(d->arrive(*e, std::move(m), 0));
    }
    return scope.done(Result<std::vector<std::int64_t>>(std::move(out)));
}

Result<std::vector<std::int64_t>> Engine::scheduleMessages(const EntityAddress &address, std::vector<Message> messages)
{
    for (const Message &m : messages) {
        if (!m.scheduledEnqueueTime)
            return makeError(ErrorCode::InvalidArgument, "ScheduledEnqueueTimeUtc: required for a scheduled message.");
    }
    return send(address, std::move(messages));
}

Result<void> Engine::cancelScheduled(const EntityAddress &address, const std::vector<std::int64_t> &sequenceNumbers)
{
    EnginePrivate::Scope scope(*d);
    if (address.isSubscription() || address.subQueue != SubQueue::None)
        return makeError(ErrorCode::NotAllowed, "Scheduled messages live in queues and topics.");
    Entity *e = d->findPath(address.entityPath);
    if (!e)
        return d->notFound(address.entityPath);
    for (std::int64_t seq : sequenceNumbers) {
        auto it = e->main.messages.find(MessageKey{seq, 0});
        if (it == e->main.messages.end() || it->second.msg.state != MessageState::Scheduled)
            continue;
        Message m = d->eraseEntry(*e, e->main, it);
        d->emit(EngineEventKind::ScheduleCancelled, *e, SubQueue::None, &m);
    }
    d->touch(*e);
    return scope.done(Result<void>());
}

// ---- peek --------------------------------------------------------------------------------------

Result<std::vector<Message>> Engine::peek(const EntityAddress &address, std::int64_t fromSequenceNumber,
                                          std::size_t maxCount, const std::optional<std::string> &sessionId)
{
    auto er = d->resolve(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    Box &b = e.box(address.subQueue);
    std::vector<Message> out;
    for (auto it = b.messages.lower_bound(MessageKey{fromSequenceNumber, 0});
         it != b.messages.end() && out.size() < maxCount; ++it) {
        const Message &m = it->second.msg;
        if (sessionId && m.sessionId != sessionId)
            continue;
        Message copy = m;
        copy.lockToken = Uuid{};
        copy.lockedUntil = TimePoint{};
        out.push_back(std::move(copy));
    }
    d->touch(e);
    return out;
}

// ---- receivers ---------------------------------------------------------------------------------

Result<ReceiverOpened> Engine::openReceiver(const EntityAddress &address, ReceiveMode mode, SessionSpec session,
                                            ReceiverCallbacks callbacks)
{
    EnginePrivate::Scope scope(*d);
    auto er = d->resolveReceivable(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    if (e.receiveDisabled())
        return makeError(ErrorCode::EntityDisabled,
                         std::string("Receiving from ") + e.kindName() + " '" + e.path + "' is disabled.");
    if (address.subQueue == SubQueue::None && !e.forwardTo().empty())
        return makeError(ErrorCode::NotAllowed, "Cannot create a message receiver on an entity with auto-forwarding enabled.");
    if (address.subQueue == SubQueue::DeadLetter && !e.forwardDeadLetteredTo().empty())
        return makeError(ErrorCode::NotAllowed,
                         "Cannot create a message receiver on a dead-letter queue with auto-forwarding enabled.");
    const bool sessionEntity = e.requiresSession() && address.subQueue == SubQueue::None;
    const bool sessionReceiver = session.kind != SessionSpec::Kind::None;
    if (sessionEntity && !sessionReceiver)
        return makeError(ErrorCode::NotAllowed,
                         "It is not possible for an entity that requires sessions to create a non-sessionful message receiver.");
    if (!sessionEntity && sessionReceiver)
        return makeError(ErrorCode::NotAllowed,
                         "It is not possible for an entity that does not require sessions to create a sessionful message receiver.");

    Session *named = nullptr;
    if (session.kind == SessionSpec::Kind::Named) {
        if (session.sessionId.empty() || session.sessionId.size() > kMaxIdLength)
            return makeError(ErrorCode::InvalidArgument, "SessionId: must be 1-128 characters.");
        named = &d->sessionFor(e, session.sessionId);
        if (named->holder != 0 && named->lockedUntil <= d->now())
            d->loseSession(e, *named, true);
        named = &d->sessionFor(e, session.sessionId);
        if (named->holder != 0)
            return makeError(ErrorCode::SessionCannotBeLocked,
                             "The requested session '" + session.sessionId
                                 + "' cannot be accepted. It may be locked by another receiver.");
    }

    Receiver r;
    r.id = d->nextReceiverId++;
    r.entity = &e;
    r.subQueue = address.subQueue;
    r.mode = mode;
    r.sessionful = sessionReceiver;
    r.callbacks = std::make_shared<ReceiverCallbacks>(std::move(callbacks));
    auto &rr = d->receivers.emplace(r.id, std::move(r)).first->second;
    ReceiverOpened out;
    out.id = rr.id;
    d->touch(e);
    if (!sessionReceiver) {
        e.box(address.subQueue).receivers.push_back(rr.id);
    } else if (named) {
        d->lockSession(e, *named, rr);
        out.sessionId = named->id;
        out.sessionLockedUntil = named->lockedUntil;
    } else if (Session *s = d->popReadySession(e)) {
        d->lockSession(e, *s, rr);
        out.sessionId = s->id;
        out.sessionLockedUntil = s->lockedUntil;
    } else {
        rr.acceptDeadline = addSaturating(d->now(), session.acceptTimeout.value_or(d->options.defaultAcceptSessionTimeout));
        d->armAccept(rr);
        e.waitingAcceptors.push_back(rr.id);
    }
    return scope.done(Result<ReceiverOpened>(std::move(out)));
}

void Engine::addCredit(ReceiverId id, std::uint32_t credit)
{
    EnginePrivate::Scope scope(*d);
    auto it = d->receivers.find(id);
    if (it == d->receivers.end() || !it->second.entity)
        return;
    Receiver &r = it->second;
    r.credit += credit;
    Entity &e = *r.entity;
    if (!r.sessionful) {
        d->pump(e, e.box(r.subQueue));
    } else if (r.hasSession) {
        auto sit = e.sessions.find(r.sessionId);
        if (sit != e.sessions.end())
            d->pumpSession(e, sit->second);
    }
}

std::uint32_t Engine::drain(ReceiverId id)
{
    auto it = d->receivers.find(id);
    if (it == d->receivers.end())
        return 0;
    return std::exchange(it->second.credit, 0);
}

std::uint32_t Engine::credit(ReceiverId id) const
{
    auto it = d->receivers.find(id);
    return it == d->receivers.end() ? 0 : it->second.credit;
}

void Engine::closeReceiver(ReceiverId id)
{
    EnginePrivate::Scope scope(*d);
    auto it = d->receivers.find(id);
    if (it == d->receivers.end())
        return;
    d->detachReceiver(it->second);
    d->receivers.erase(id);
}

// ---- settlement --------------------------------------------------------------------------------

Result<void> Engine::complete(const EntityAddress &address, const Uuid &lockToken)
{
    EnginePrivate::Scope scope(*d);
    auto er = d->resolveReceivable(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    Box &b = e.box(address.subQueue);
    std::map<MessageKey, Entry>::iterator it;
    if (auto r = d->settleCheck(e, b, lockToken, it); !r)
        return scope.done(r);
    Message m = d->eraseEntry(e, b, it);
    d->emit(EngineEventKind::Completed, e, b.which, &m);
    d->touch(e);
    return scope.done(Result<void>());
}

Result<void> Engine::abandon(const EntityAddress &address, const Uuid &lockToken, const PropertyMap &propertiesToModify)
{
    EnginePrivate::Scope scope(*d);
    auto er = d->resolveReceivable(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    Box &b = e.box(address.subQueue);
    std::map<MessageKey, Entry>::iterator it;
    if (auto r = d->settleCheck(e, b, lockToken, it); !r)
        return scope.done(r);
    d->touch(e);
    d->unlock(e, b, it, true, &propertiesToModify, EngineEventKind::Abandoned);
    return scope.done(Result<void>());
}

Result<void> Engine::release(const EntityAddress &address, const Uuid &lockToken)
{
    EnginePrivate::Scope scope(*d);
    auto er = d->resolveReceivable(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    Box &b = e.box(address.subQueue);
    std::map<MessageKey, Entry>::iterator it;
    if (auto r = d->settleCheck(e, b, lockToken, it); !r)
        return scope.done(r);
    d->unlock(e, b, it, false, nullptr, EngineEventKind::Released);
    return scope.done(Result<void>());
}

Result<void> Engine::deadLetter(const EntityAddress &address, const Uuid &lockToken, std::optional<std::string> reason,
                                std::optional<std::string> description, const PropertyMap &propertiesToModify)
{
    EnginePrivate::Scope scope(*d);
    auto er = d->resolveReceivable(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    if (address.subQueue != SubQueue::None)
        return makeError(ErrorCode::NotAllowed, "A message received from a dead-letter queue cannot be dead-lettered again.");
    Box &b = e.box(address.subQueue);
    std::map<MessageKey, Entry>::iterator it;
    if (auto r = d->settleCheck(e, b, lockToken, it); !r)
        return scope.done(r);
    d->touch(e);
    d->moveToDeadLetter(e, b, it, std::move(reason), std::move(description), &propertiesToModify);
    return scope.done(Result<void>());
}

Result<void> Engine::defer(const EntityAddress &address, const Uuid &lockToken, const PropertyMap &propertiesToModify)
{
    EnginePrivate::Scope scope(*d);
    auto er = d->resolveReceivable(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    Box &b = e.box(address.subQueue);
    std::map<MessageKey, Entry>::iterator it;
    if (auto r = d->settleCheck(e, b, lockToken, it); !r)
        return scope.done(r);
    d->touch(e);
    it->second.msg.state = MessageState::Deferred;
    // unlock() leaves deferred messages out of the available queue.
    d->unlock(e, b, it, false, &propertiesToModify, EngineEventKind::Deferred);
    return scope.done(Result<void>());
}

Result<TimePoint> Engine::renewLock(const EntityAddress &address, const Uuid &lockToken)
{
    EnginePrivate::Scope scope(*d);
    auto er = d->resolveReceivable(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    Box &b = e.box(address.subQueue);
    std::map<MessageKey, Entry>::iterator it;
    if (auto r = d->settleCheck(e, b, lockToken, it); !r)
        return scope.done(Result<TimePoint>(r.error()));
    d->touch(e);
    Entry &entry = it->second;
    if (d->sessionBox(e, b) && entry.msg.sessionId) {
        auto renewed = renewSessionLock(address, *entry.msg.sessionId);
        return scope.done(std::move(renewed));
    }
    entry.msg.lockedUntil = addSaturating(d->now(), e.lockDuration());
    b.lockOrder.push_back(LockRecord{entry.msg.lockedUntil, it->first, entry.msg.lockToken});
    d->arm(e, EnginePrivate::lockTimer(b.which), b.lockOrder.front().until);
    return scope.done(Result<TimePoint>(entry.msg.lockedUntil));
}

Result<std::vector<Message>> Engine::receiveDeferred(const EntityAddress &address,
                                                     const std::vector<std::int64_t> &sequenceNumbers, ReceiveMode mode,
                                                     const std::optional<std::string> &sessionId)
{
    EnginePrivate::Scope scope(*d);
    auto er = d->resolveReceivable(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    if (e.receiveDisabled())
        return makeError(ErrorCode::EntityDisabled,
                         std::string("Receiving from ") + e.kindName() + " '" + e.path + "' is disabled.");
    Box &b = e.box(address.subQueue);
    const bool sessionful = d->sessionBox(e, b);
    Session *session = nullptr;
    if (sessionful) {
        if (!sessionId)
            return makeError(ErrorCode::NotAllowed, "A session id is required to receive deferred messages from a session entity.");
        auto sit = e.sessions.find(*sessionId);
        if (sit == e.sessions.end() || sit->second.holder == 0 || sit->second.lockedUntil <= d->now())
            return makeError(ErrorCode::SessionLockLost, kSessionLockLostText);
        session = &sit->second;
    }
    d->touch(e);
    std::vector<std::map<MessageKey, Entry>::iterator> found;
    for (std::int64_t seq : sequenceNumbers) {
        auto it = b.messages.lower_bound(MessageKey{seq, 0});
        bool ok = false;
        for (; it != b.messages.end() && it->first.sequenceNumber == seq; ++it) {
            const Entry &entry = it->second;
            if (entry.locked || entry.msg.state != MessageState::Deferred)
                continue;
            if (session && entry.msg.sessionId != session->id)
                continue;
            if (std::find(found.begin(), found.end(), it) != found.end())
                continue;
            ok = true;
            break;
        }
        if (!ok)
            return makeError(ErrorCode::MessageNotFound, kMessageNotFoundText);
        found.push_back(it);
    }
    // Deferred messages expire only when fetched (B.14).
    bool expired = false;
    for (auto it : found) {
        if (it->second.msg.expiresAt <= d->now())
            expired = true;
    }
    if (expired) {
        for (auto it : found) {
            if (it->second.msg.expiresAt <= d->now())
                d->expireMessage(e, b, it);
        }
        return scope.done(Result<std::vector<Message>>(makeError(ErrorCode::MessageNotFound, kMessageNotFoundText)));
    }
    std::vector<Message> out;
    for (auto it : found) {
        if (mode == ReceiveMode::ReceiveAndDelete) {
            out.push_back(d->eraseEntry(e, b, it));
            d->emit(EngineEventKind::Received, e, b.which, &out.back());
        } else {
            d->lockEntry(e, b, it->first, it->second, session ? session->holder : 0);
            out.push_back(it->second.msg);
            d->emit(EngineEventKind::Locked, e, b.which, &out.back());
        }
    }
    return scope.done(Result<std::vector<Message>>(std::move(out)));
}

// ---- sessions ----------------------------------------------------------------------------------

Result<TimePoint> Engine::renewSessionLock(const EntityAddress &address, const std::string &sessionId)
{
    EnginePrivate::Scope scope(*d);
    auto er = d->resolveReceivable(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    auto sit = e.sessions.find(sessionId);
    if (sit == e.sessions.end() || sit->second.holder == 0 || sit->second.lockedUntil <= d->now())
        return makeError(ErrorCode::SessionLockLost, kSessionLockLostText);
    Session &s = sit->second;
    s.lockedUntil = addSaturating(d->now(), e.lockDuration());
    heapPush(e.sessionLocks, std::make_pair(s.lockedUntil, s.id));
    d->arm(e, TimerSessionLock, e.sessionLocks.front().first);
    d->compactSessionLocks(e);
    for (const Uuid &t : s.lockedTokens) {
        auto lit = e.main.locks.find(t);
        if (lit == e.main.locks.end())
            continue;
        auto mit = e.main.messages.find(lit->second);
        if (mit != e.main.messages.end())
            mit->second.msg.lockedUntil = s.lockedUntil;
    }
    d->touch(e);
    return scope.done(Result<TimePoint>(s.lockedUntil));
}

Result<std::optional<std::string>> Engine::getSessionState(const EntityAddress &address, const std::string &sessionId) const
{
    auto er = d->resolveReceivable(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    if (!e.requiresSession())
        return makeError(ErrorCode::NotAllowed, "The entity does not require sessions.");
    auto sit = e.sessions.find(sessionId);
    if (sit == e.sessions.end())
        return std::optional<std::string>();
    return sit->second.state;
}

Result<void> Engine::setSessionState(const EntityAddress &address, const std::string &sessionId,
                                     std::optional<std::string> state)
{
    EnginePrivate::Scope scope(*d);
    auto er = d->resolveReceivable(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    if (!e.requiresSession())
        return makeError(ErrorCode::NotAllowed, "The entity does not require sessions.");
    const std::int64_t limit = e.maxMessageBytes();
    if (state && static_cast<std::int64_t>(state->size()) > limit)
        return makeError(ErrorCode::QuotaExceeded, "The session state (" + std::to_string(state->size())
                                                       + " bytes) exceeds the limit of " + std::to_string(limit)
                                                       + " bytes.");
    Session &s = d->sessionFor(e, sessionId);
    const std::int64_t before = s.state ? static_cast<std::int64_t>(s.state->size()) : 0;
    const std::int64_t after = state ? static_cast<std::int64_t>(state->size()) : 0;
    e.sessionStateSize += after - before;
    if (e.parent)
        e.parent->subscriptionsSize += after - before;
    s.state = std::move(state);
    s.updatedAt = d->now();
    d->store->putSessionState(e.key, sessionId, s.state, s.updatedAt);
    d->maybeDropSession(e, sessionId);
    d->touch(e);
    return scope.done(Result<void>());
}

Result<std::vector<std::string>> Engine::listSessions(const EntityAddress &address, std::optional<TimePoint> updatedAfter,
                                                      std::size_t skip, std::size_t top) const
{
    auto er = d->resolveReceivable(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    std::vector<std::string> ids;
    for (const auto &[id, s] : e.sessions) {
        if (s.messageCount == 0 && !s.state)
            continue;
        if (updatedAfter && s.updatedAt < *updatedAfter)
            continue;
        ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    if (skip >= ids.size())
        return std::vector<std::string>();
    ids.erase(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(skip));
    if (ids.size() > top)
        ids.resize(top);
    return ids;
}

// ---- deletion ----------------------------------------------------------------------------------

Result<std::size_t> Engine::deleteMessages(const EntityAddress &address, std::size_t maxCount, TimePoint enqueuedBefore,
                                           const std::optional<std::string> &sessionId)
{
    EnginePrivate::Scope scope(*d);
    if (maxCount > d->options.maxBatchDeleteCount)
        return makeError(ErrorCode::ArgumentOutOfRange, "message-count: " + std::to_string(maxCount)
                                                            + " is outside the allowed range 1 ... "
                                                            + std::to_string(d->options.maxBatchDeleteCount) + ".");
    auto er = d->resolveReceivable(address);
    if (!er)
        return er.error();
    Entity &e = **er;
    Box &b = e.box(address.subQueue);
    std::size_t deleted = 0;
    for (auto it = b.messages.begin(); it != b.messages.end() && deleted < maxCount;) {
        const Entry &entry = it->second;
        if (entry.locked || entry.msg.state == MessageState::Scheduled || entry.msg.enqueuedTime >= enqueuedBefore
            || (sessionId && entry.msg.sessionId != sessionId)) {
            ++it;
            continue;
        }
        auto next = std::next(it);
        Message m = d->eraseEntry(e, b, it);
        d->emit(EngineEventKind::Deleted, e, b.which, &m);
        ++deleted;
        it = next;
    }
    d->touch(e);
    return scope.done(Result<std::size_t>(deleted));
}

Result<std::size_t> Engine::purge(const EntityAddress &address)
{
    std::size_t total = 0;
    while (true) {
        auto r = deleteMessages(address, d->options.maxBatchDeleteCount, kMaxTime);
        if (!r)
            return r.error();
        total += *r;
        if (*r == 0)
            return total;
    }
}

// ---- time --------------------------------------------------------------------------------------

std::optional<TimePoint> Engine::nextDeadline() const
{
    auto &timers = d->timers;
    while (!timers.empty()) {
        const Timer &t = timers.top();
        bool live = false;
        if (t.kind == TimerAccept) {
            auto it = d->receivers.find(t.id);
            live = it != d->receivers.end() && !it->second.hasSession && it->second.acceptDeadline == t.due;
        } else {
            auto it = d->entities.find(t.id);
            live = it != d->entities.end() && t.kind < TimerKindCount && it->second->armed[t.kind] == t.due;
        }
        if (live)
            return t.due;
        timers.pop();
    }
    return std::nullopt;
}

void Engine::processDue()
{
    EnginePrivate::Scope scope(*d);
    const TimePoint t = d->now();
    while (!d->timers.empty() && d->timers.top().due <= t) {
        const Timer timer = d->timers.top();
        d->timers.pop();
        d->processTimer(timer);
    }
}

void Engine::addObserver(EngineObserver *observer)
{
    if (observer && std::find(d->observers.begin(), d->observers.end(), observer) == d->observers.end())
        d->observers.push_back(observer);
}

void Engine::removeObserver(EngineObserver *observer)
{
    d->observers.erase(std::remove(d->observers.begin(), d->observers.end(), observer), d->observers.end());
}

} // namespace busyard::core::broker
