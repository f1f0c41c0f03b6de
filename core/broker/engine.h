#pragma once

#include "core/broker/address.h"
#include "core/broker/entities.h"
#include "core/broker/store.h"
#include "core/clock.h"
#include "core/message.h"
#include "core/result.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace busyard::core::broker {

/** Engine-wide settings; the defaults are Azure Standard (B.24) and the [U] defaults of B.26. */
struct EngineOptions
{
    Tier tier = Tier::Standard;
    /** Host used in "The messaging entity 'sb://<host>/<path>' could not be found." texts. */
    std::string namespaceHost = "localhost";
    /** Expire messages on a timer at ExpiresAtUtc (true) or only lazily when a receive reaches them
     *  (false, closer to the service, B.15). */
    bool expirySweep = true;
    /** Forwarding hops a message may make (B.19); the next hop dead-letters it. */
    int maxForwardHops = 4;
    /** Where failed auto-forwards go (B.19, B.26 #8): false = the source's DLQ, true = its transfer DLQ. */
    bool forwardFailuresToTransferDeadLetter = false;
    /** Wait of an accept-next-session receiver when SessionSpec::acceptTimeout is unset (amqp §2.4). */
    Duration defaultAcceptSessionTimeout = 65s;
    std::size_t maxEntities = 10000;
    std::size_t maxSubscriptionsPerTopic = 2000;
    std::size_t maxSqlFiltersPerTopic = 2000;
    std::size_t maxCorrelationFiltersPerTopic = 100000;
    /** batch-delete-messages limit per call (B.21). */
    std::size_t maxBatchDeleteCount = 4000;
};

enum class ReceiveMode : std::uint8_t { PeekLock, ReceiveAndDelete };

/** Which session a receiver wants (B.18). */
struct SessionSpec
{
    enum class Kind : std::uint8_t { None, Named, NextAvailable };
    Kind kind = Kind::None;
    std::string sessionId;                 ///< Kind::Named only
    /** Kind::NextAvailable: how long to wait for a session (default EngineOptions). */
    std::optional<Duration> acceptTimeout;

    static SessionSpec none() { return {}; }
    static SessionSpec named(std::string id) { return {Kind::Named, std::move(id), std::nullopt}; }
    static SessionSpec nextAvailable(std::optional<Duration> timeout = std::nullopt)
    {
        return {Kind::NextAvailable, {}, timeout};
    }
};

using ReceiverId = std::uint64_t;

/**
 * Callbacks of a receiver. They run on the engine's (caller's) thread after the engine has finished
 * the change that caused them, just before the public call that caused them returns (or from
 * processDue()). They may call back into the engine (settle, add credit, close, ...).
 */
struct ReceiverCallbacks
{
    /** A delivery. PeekLock: message.lockToken/lockedUntil are set and the message stays locked until
     *  settled or expired. ReceiveAndDelete: the message is already removed. One credit is used. */
    std::function<void(Message message)> onMessage;
    /** An accept-next-session receiver got its session later than openReceiver() returned. */
    std::function<void(const std::string &sessionId, TimePoint lockedUntil)> onSessionAccepted;
    /** The engine closed the receiver: Timeout (no session in time), SessionLockLost, EntityNotFound
     *  (entity deleted), EntityDisabled (receive disabled), NotAllowed (forwarding enabled). The id is
     *  invalid afterwards. Not called for closeReceiver(). */
    std::function<void(const Error &error)> onClosed;
};

/** What openReceiver() reports. */
struct ReceiverOpened
{
    ReceiverId id = 0;
    /** Set when the receiver holds a session lock already (named session, or a next-available session
     *  that was free). Empty for non-session receivers and for next-available receivers still waiting. */
    std::optional<std::string> sessionId;
    TimePoint sessionLockedUntil{};
};

/** A session as listed by listSessions(). */
struct SessionInfo
{
    std::string sessionId;
    TimePoint updatedAt{};
};

/** Lifecycle events reported to observers (designer traces, Explorer live views, metrics). */
enum class EngineEventKind : std::uint8_t {
    Enqueued,          ///< stored and available in entityPath (queue or subscription)
    Routed,            ///< topic message copied to `target` (subscription path) by rule `detail`
    Dropped,           ///< topic message matched no subscription
    Locked,            ///< delivered under peek-lock
    Received,          ///< delivered in receive-and-delete mode (removed)
    Completed,
    Abandoned,         ///< lock released by abandon; delivery count incremented
    Released,          ///< lock released without count increment
    LockExpired,       ///< lock expired; delivery count incremented
    DeadLettered,      ///< moved to the DLQ (or TDLQ); detail = reason
    Deferred,
    Expired,           ///< TTL passed and the message was removed (not dead-lettered)
    Forwarded,         ///< auto-forwarded from entityPath to `target`
    Scheduled,         ///< stored as scheduled
    ScheduleCancelled,
    DuplicateDropped,
    Deleted,           ///< removed by batch delete / purge
    EntityCreated,
    EntityUpdated,
    EntityDeleted,
};

const char *engineEventKindName(EngineEventKind kind);

struct EngineEvent
{
    EngineEventKind kind = EngineEventKind::Enqueued;
    TimePoint time{};
    std::string entityPath;   ///< queue, topic or "topic/Subscriptions/sub" (spelling as created)
    SubQueue subQueue = SubQueue::None;
    std::int64_t sequenceNumber = 0;
    std::string messageId;
    std::string target;       ///< Routed: subscription path; Forwarded: destination path
    std::string detail;       ///< Routed: rule name; DeadLettered: reason
};

/**
 * Receives every lifecycle event synchronously, on the engine's thread, while the engine is inside an
 * operation: it must not call into the engine. Keep it cheap (copy what you need and return).
 */
class EngineObserver
{
public:
    virtual ~EngineObserver() = default;
    virtual void onEvent(const EngineEvent &event) = 0;
};

class EnginePrivate;

/**
 * The Service Bus broker engine: entities, messages, locks, sessions, routing, forwarding and time
 * (servicebus-semantics.md Part B, A.14-A.17).
 *
 * Threading: single-threaded and not thread-safe. Every call, and every callback, happens on the
 * thread that owns the engine. Time comes from the Clock; nothing happens by itself: the owner calls
 * processDue() when nextDeadline() is reached (and after advancing a VirtualClock).
 *
 * Addresses: every message operation takes an EntityAddress (queue, subscription, or their DLQ /
 * transfer DLQ). Entity names are matched case-insensitively.
 *
 * Errors (B.25): EntityNotFound ("The messaging entity '<path>' could not be found."), EntityDisabled,
 * NotAllowed, MessageSizeExceeded, QuotaExceeded, MessageLockLost, SessionLockLost,
 * SessionCannotBeLocked, MessageNotFound, InvalidArgument/ArgumentOutOfRange, StoreError. *
 * Choices where the reference is unconfirmed (B.26), as implemented:
 * - sequence numbers start at 1; dead-lettered messages keep their number and enqueue time;
 * - several rule-action copies in one subscription share the topic's number; order: the unmodified
 *   copy first, then action copies by rule name; a failing filter wins for its subscription (one DLQ
 *   entry, no copy); DeadLetteringOnFilterEvaluationExceptions = false: the failing rule does not match;
 * - deferred messages count as active; abandoning a fetched deferred message increments the count and
 *   can reach MaxDeliveryCount; deferred messages expire only when fetched;
 * - cancelScheduled ignores unknown numbers; batch delete removes active and deferred, never locked or
 *   scheduled messages;
 * - failed auto-forwards (destination missing, disabled, full, too large, session rules) go to the
 *   source's DLQ with DeadLetterReason = the .NET exception name ("MessagingEntityDisabledException",
 *   "MessagingEntityNotFoundException", "QuotaExceededException", "MessageSizeExceededException",
 *   "InvalidOperationException"), or to its transfer DLQ with forwardFailuresToTransferDeadLetter; a
 *   dead-lettered message whose ForwardDeadLetteredMessagesTo fails lands in the transfer DLQ;
 * - setting ForwardTo (ForwardDeadLetteredMessagesTo) on an update forwards what the entity (its DLQ)
 *   holds; locked messages follow when their lock ends, deferred ones are forwarded too;
 * - closing a session receiver releases the session; its unsettled messages return uncounted;
 * - topic quota: only the topic's total size is checked (B.10).
 */
class Engine
{
public:
    /** `store` null = MemoryStore. The store is loaded here; check loadResult() afterwards. */
    explicit Engine(Clock &clock, std::unique_ptr<Store> store = nullptr, EngineOptions options = {});
    ~Engine();
    Engine(const Engine &) = delete;
    Engine &operator=(const Engine &) = delete;

    /** Result of loading the store at construction. On error the engine starts empty and keeps
     *  everything in memory only (it never writes into a store it could not read); the owner reports
     *  the error and should not offer the engine as durable. */
    const Result<void> &loadResult() const;
    const EngineOptions &options() const;
    Clock &clock() const;

    // ---- group commit -----------------------------------------------------------------------
    /** Open a store batch spanning several operations (nesting counted). Callbacks still run at the
     *  end of each operation inside the batch; a front-end acknowledges sends and settlements to its
     *  clients only after commitBatch() succeeded. */
    void beginBatch();
    /** Close the batch opened by beginBatch(); the outermost call commits (durable on success). */
    Result<void> commitBatch();

    // ---- management ---------------------------------------------------------------------------
    /** Creates a queue. Validates (B.2), refuses a clash with any queue or topic (EntityAlreadyExists),
     *  a missing/self forward target (EntityNotFound / InvalidArgument) and the entity quota. Returns
     *  the stored description with timestamps. */
    Result<QueueDescription> createQueue(QueueDescription queue);
    /** Replaces the mutable properties; immutable changes -> InvalidArgument ("cannot be updated"). */
    Result<QueueDescription> updateQueue(QueueDescription queue);
    Result<QueueDescription> getQueue(std::string_view name) const;
    Result<void> deleteQueue(std::string_view name);
    std::vector<QueueDescription> listQueues() const;

    Result<TopicDescription> createTopic(TopicDescription topic);
    Result<TopicDescription> updateTopic(TopicDescription topic);
    Result<TopicDescription> getTopic(std::string_view name) const;
    /** Deletes the topic with its subscriptions, rules and messages. */
    Result<void> deleteTopic(std::string_view name);
    std::vector<TopicDescription> listTopics() const;

    /** Creates a subscription with rule `defaultRule` (default: "$Default" TrueFilter). */
    Result<SubscriptionDescription> createSubscription(SubscriptionDescription subscription,
                                                       std::optional<RuleDescription> defaultRule = std::nullopt);
    Result<SubscriptionDescription> updateSubscription(SubscriptionDescription subscription);
    Result<SubscriptionDescription> getSubscription(std::string_view topic, std::string_view name) const;
    Result<void> deleteSubscription(std::string_view topic, std::string_view name);
    Result<std::vector<SubscriptionDescription>> listSubscriptions(std::string_view topic) const;

    /** Adds a rule (A.13): compiles SQL, checks quotas, refuses a duplicate name (EntityAlreadyExists)
     *  and a disabled subscription/topic (EntityDisabled). */
    Result<RuleDescription> createRule(std::string_view topic, std::string_view subscription, RuleDescription rule);
    Result<RuleDescription> updateRule(std::string_view topic, std::string_view subscription, RuleDescription rule);
    Result<RuleDescription> getRule(std::string_view topic, std::string_view subscription, std::string_view name) const;
    Result<void> deleteRule(std::string_view topic, std::string_view subscription, std::string_view name);
    Result<std::vector<RuleDescription>> listRules(std::string_view topic, std::string_view subscription) const;

    /** Counters of a queue, topic or subscription path ("topic/Subscriptions/sub"). O(1). */
    Result<RuntimeCounts> runtimeCounts(std::string_view entityPath) const;

    // ---- sending ------------------------------------------------------------------------------
    /**
     * Sends a batch to a queue or topic (B.9), atomically: every message is validated first (status,
     * size, quota, session id, property limits); one failure refuses the whole batch. Then each is
     * de-duplicated, scheduled (scheduledEnqueueTime > now) or stored/routed/forwarded.
     * Returns one sequence number per message: the number assigned (for scheduled messages the
     * scheduling number used by cancelScheduled), or 0 for a dropped duplicate.
     */
    Result<std::vector<std::int64_t>> send(const EntityAddress &address, std::vector<Message> batch);
    /** schedule-message: as send(); every message must carry scheduledEnqueueTime (InvalidArgument). */
    Result<std::vector<std::int64_t>> scheduleMessages(const EntityAddress &address, std::vector<Message> messages);
    /** cancel-scheduled-message: removes scheduled messages; unknown numbers are ignored (B.11 [U]). */
    Result<void> cancelScheduled(const EntityAddress &address, const std::vector<std::int64_t> &sequenceNumbers);

    // ---- browsing -----------------------------------------------------------------------------
    /**
     * Peek (B.20): up to maxCount messages with sequence number >= fromSequenceNumber in order, without
     * locks or count changes. Includes locked, deferred and (on queues and topics) scheduled messages,
     * and expired ones not yet collected. `sessionId` restricts to one session; without it a session
     * entity shows every session (an Explorer convenience: the AMQP front-end refuses plain receivers
     * on session entities itself). Returned messages carry no lock token.
     */
    Result<std::vector<Message>> peek(const EntityAddress &address, std::int64_t fromSequenceNumber,
                                      std::size_t maxCount, const std::optional<std::string> &sessionId = std::nullopt);

    // ---- receivers ----------------------------------------------------------------------------
    /**
     * Opens a receiver on a queue, subscription or sub-queue. Errors: EntityNotFound; EntityDisabled
     * (ReceiveDisabled/Disabled); NotAllowed (forwarding enabled; plain receiver on a session entity or
     * session receiver on a non-session entity); SessionCannotBeLocked (named session held).
     * A next-available receiver with no free session waits: onSessionAccepted() when one becomes
     * available, onClosed(Timeout) after the accept timeout. Starts with no credit.
     */
    Result<ReceiverOpened> openReceiver(const EntityAddress &address, ReceiveMode mode, SessionSpec session,
                                        ReceiverCallbacks callbacks);
    /** Adds credit; available messages are delivered at once (before this returns), later ones as they
     *  arrive. Unknown ids are ignored. */
    void addCredit(ReceiverId id, std::uint32_t credit);
    /** Sets the credit to 0 and returns how much was outstanding (for the AMQP drain reply). Since
     *  deliveries are synchronous nothing else is pending. */
    std::uint32_t drain(ReceiverId id);
    std::uint32_t credit(ReceiverId id) const;
    /** Closes a receiver. Its peek-locked messages stay locked until their locks expire (B.12); a
     *  session receiver releases its session lock and its locked messages return without a delivery
     *  count increment. */
    void closeReceiver(ReceiverId id);

    // ---- settlement (B.12-B.16) ------------------------------------------------------------------
    /** Settle by lock token, on the address the message was received from. Unknown/expired token ->
     *  MessageLockLost; session entity whose session lock was lost -> SessionLockLost; receive disabled
     *  -> EntityDisabled. */
    Result<void> complete(const EntityAddress &address, const Uuid &lockToken);
    /** Unlock, delivery count + 1, apply properties; MaxDeliveryCount -> DLQ (B.13). */
    Result<void> abandon(const EntityAddress &address, const Uuid &lockToken, const PropertyMap &propertiesToModify = {});
    /** AMQP `released`: unlock without a delivery count increment. */
    Result<void> release(const EntityAddress &address, const Uuid &lockToken);
    /** Move to the DLQ with DeadLetterReason/DeadLetterErrorDescription (when given) and properties.
     *  On a DLQ itself: NotAllowed (B.16 [U]). */
    Result<void> deadLetter(const EntityAddress &address, const Uuid &lockToken, std::optional<std::string> reason,
                            std::optional<std::string> description, const PropertyMap &propertiesToModify = {});
    /** State Deferred; only receiveDeferred() can fetch it again (B.14). */
    Result<void> defer(const EntityAddress &address, const Uuid &lockToken, const PropertyMap &propertiesToModify = {});
    /** New LockedUntilUtc = now + LockDuration. On session entities the session lock is renewed. */
    Result<TimePoint> renewLock(const EntityAddress &address, const Uuid &lockToken);

    /**
     * receive-by-sequence-number (B.14): fetches deferred messages. One number that is missing, not
     * deferred or locked fails the whole call with MessageNotFound. PeekLock: locked (state stays
     * Deferred); ReceiveAndDelete: removed. On session entities `sessionId` is required and the session
     * must be locked (SessionLockLost otherwise). Expired deferred messages expire here.
     */
    Result<std::vector<Message>> receiveDeferred(const EntityAddress &address, const std::vector<std::int64_t> &sequenceNumbers,
                                                 ReceiveMode mode, const std::optional<std::string> &sessionId = std::nullopt);

    // ---- sessions (B.18) ------------------------------------------------------------------------
    /** Extends a held session lock; SessionLockLost when not held. */
    Result<TimePoint> renewSessionLock(const EntityAddress &address, const std::string &sessionId);
    /** State of a session (empty optional = none). */
    Result<std::optional<std::string>> getSessionState(const EntityAddress &address, const std::string &sessionId) const;
    /** Sets (or with nullopt clears) the state; larger than the entity's max message size ->
     *  QuotaExceeded. */
    Result<void> setSessionState(const EntityAddress &address, const std::string &sessionId,
                                 std::optional<std::string> state);
    /** Sessions with messages or state, optionally updated at/after `updatedAfter`, ordered by id. */
    Result<std::vector<std::string>> listSessions(const EntityAddress &address, std::optional<TimePoint> updatedAfter,
                                                  std::size_t skip, std::size_t top) const;

    // ---- deletion (B.21) -------------------------------------------------------------------------
    /** batch-delete-messages: up to maxCount (<= 4000) unlocked active/deferred messages enqueued before
     *  `enqueuedBefore`, in sequence order, optionally of one session. Returns how many were deleted. */
    Result<std::size_t> deleteMessages(const EntityAddress &address, std::size_t maxCount, TimePoint enqueuedBefore,
                                       const std::optional<std::string> &sessionId = std::nullopt);
    /** Deletes every unlocked message of the sub-queue (repeated batch delete); returns the count. */
    Result<std::size_t> purge(const EntityAddress &address);

    // ---- time -----------------------------------------------------------------------------------
    /** Earliest instant at which processDue() has work, if any. */
    std::optional<TimePoint> nextDeadline() const;
    /** Runs everything due at clock.now(): lock and session-lock expiry, scheduled activation, TTL
     *  expiry (when the sweep is on), accept timeouts, auto-delete on idle. */
    void processDue();

    // ---- observers --------------------------------------------------------------------------------
    /** Not owned; must outlive its registration. */
    void addObserver(EngineObserver *observer);
    void removeObserver(EngineObserver *observer);

private:
    std::unique_ptr<EnginePrivate> d;
};

} // namespace busyard::core::broker
