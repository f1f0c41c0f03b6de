#pragma once

#include "core/broker/address.h"
#include "core/broker/entities.h"
#include "core/message.h"
#include "core/result.h"

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace busyard::core::broker {

/**
 * Identity of a stored message inside one sub-queue of one entity: the sequence number plus a copy
 * ordinal. The ordinal is 0 except where several messages legitimately share a sequence number in one
 * sub-queue (several rule-action copies of one topic message in a subscription, A.16; their
 * dead-lettered forms). Ordered by (sequenceNumber, copy).
 */
struct MessageKey
{
    std::int64_t sequenceNumber = 0;
    std::uint32_t copy = 0;

    auto operator<=>(const MessageKey &) const = default;
};

/** One persisted message: where it lives and its full content (state, delivery count included). */
struct StoredMessageRecord
{
    std::string entityKey;   ///< entityKey() of the queue path, topic path or "topic/subscriptions/sub"
    SubQueue subQueue = SubQueue::None;
    MessageKey key;
    Message message;         ///< lockToken/lockedUntil are not meaningful after a restart
};

/** Persisted session state of one session (B.18). */
struct StoredSessionState
{
    std::string entityKey;
    std::string sessionId;
    std::string state;       ///< opaque bytes
    TimePoint updatedAt{};
};

/** Persisted duplicate-detection record (B.17). */
struct StoredDuplicateId
{
    std::string entityKey;
    std::string idKey;       ///< the engine's typed message-id key
    TimePoint firstSeen{};
};

/** Everything a Store holds, as returned by Store::load(). */
struct StoreSnapshot
{
    std::vector<QueueDescription> queues;
    std::vector<TopicDescription> topics;
    std::vector<SubscriptionDescription> subscriptions;
    /** Rules with the subscription they belong to. */
    struct Rule
    {
        std::string topic;
        std::string subscription;
        RuleDescription rule;
    };
    std::vector<Rule> rules;
    /** Last sequence number issued per queue/topic (entityKey -> number). */
    std::vector<std::pair<std::string, std::int64_t>> sequenceCounters;
    std::vector<StoredMessageRecord> messages;
    std::vector<StoredSessionState> sessionStates;
    std::vector<StoredDuplicateId> duplicateIds;
};

/**
 * The durability seam of the engine: it records every change that must survive a restart.
 *
 * Contract (the engine is the only caller, on its own thread; implementations need no locking):
 * - load() is called once, before anything else, and returns everything stored. An unreadable or
 *   corrupt store returns Error{StoreError, <what and where>}; it must never crash and never silently
 *   start empty over existing data.
 * - All mutations happen between beginBatch() and commit(); batches never nest. The engine opens a
 *   batch for each public operation (or for a group of operations when its owner calls
 *   Engine::beginBatch()/commitBatch(), which is how a front-end gets group commit: one fsync for
 *   everything an event-loop turn did).
 * - commit() returns only when the batch is durable (for SQLite: the WAL is synced). The engine
 *   reports an operation as done to its caller (a send as accepted, a complete as settled) only after
 *   commit() succeeded. When commit() fails the engine reports StoreError; the in-memory state may
 *   then be ahead of the disk until restart (the store must stay consistent: a batch is all or
 *   nothing).
 * - Calls within a batch are applied in order; a later put for the same key replaces an earlier one,
 *   a remove of an absent key is a no-op. Implementations may coalesce within a batch.
 * - Entities are identified by entityKey() of their path ("topic/subscriptions/sub" for
 *   subscriptions). Removing a queue or subscription removes its messages and session states;
 *   removing a topic removes its subscriptions, rules, messages, counters and duplicate ids.
 * - Locks are not persisted: after a restart every message is unlocked (delivery count as last
 *   persisted).
 */
class Store
{
public:
    virtual ~Store() = default;

    virtual Result<StoreSnapshot> load() = 0;

    virtual void beginBatch() = 0;
    virtual Result<void> commit() = 0;

    virtual void putQueue(const QueueDescription &queue) = 0;
    virtual void putTopic(const TopicDescription &topic) = 0;
    virtual void putSubscription(const SubscriptionDescription &subscription) = 0;
    virtual void putRule(const std::string &topic, const std::string &subscription, const RuleDescription &rule) = 0;
    virtual void removeQueue(const std::string &entityKey) = 0;
    virtual void removeTopic(const std::string &entityKey) = 0;
    /** `entityKey` of the subscription ("topic/subscriptions/sub"). */
    virtual void removeSubscription(const std::string &entityKey) = 0;
    virtual void removeRule(const std::string &subscriptionKey, const std::string &ruleKey) = 0;

    /** Last sequence number issued by a queue or topic. */
    virtual void putSequenceCounter(const std::string &entityKey, std::int64_t lastSequenceNumber) = 0;

    /** Inserts or replaces the message at (entityKey, subQueue, key). */
    virtual void putMessage(const std::string &entityKey, SubQueue subQueue, MessageKey key, const Message &message) = 0;
    virtual void removeMessage(const std::string &entityKey, SubQueue subQueue, MessageKey key) = 0;

    /** Empty state removes the record. */
    virtual void putSessionState(const std::string &entityKey, const std::string &sessionId,
                                 const std::optional<std::string> &state, TimePoint updatedAt) = 0;

    virtual void putDuplicateId(const std::string &entityKey, const std::string &idKey, TimePoint firstSeen) = 0;
    /** Forget the duplicate ids of an entity first seen before `before`. */
    virtual void pruneDuplicateIds(const std::string &entityKey, TimePoint before) = 0;
};

/** A Store that keeps nothing: every call is a no-op and load() returns an empty snapshot. */
class MemoryStore final : public Store
{
public:
    Result<StoreSnapshot> load() override { return StoreSnapshot{}; }
    void beginBatch() override {}
    Result<void> commit() override { return {}; }
    void putQueue(const QueueDescription &) override {}
    void putTopic(const TopicDescription &) override {}
    void putSubscription(const SubscriptionDescription &) override {}
    void putRule(const std::string &, const std::string &, const RuleDescription &) override {}
    void removeQueue(const std::string &) override {}
    void removeTopic(const std::string &) override {}
    void removeSubscription(const std::string &) override {}
    void removeRule(const std::string &, const std::string &) override {}
    void putSequenceCounter(const std::string &, std::int64_t) override {}
    void putMessage(const std::string &, SubQueue, MessageKey, const Message &) override {}
    void removeMessage(const std::string &, SubQueue, MessageKey) override {}
    void putSessionState(const std::string &, const std::string &, const std::optional<std::string> &, TimePoint) override {}
    void putDuplicateId(const std::string &, const std::string &, TimePoint) override {}
    void pruneDuplicateIds(const std::string &, TimePoint) override {}
};

} // namespace busyard::core::broker
