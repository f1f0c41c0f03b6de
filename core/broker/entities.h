#pragma once

#include "core/clock.h"
#include "core/duration.h"
#include "core/result.h"
#include "core/value.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

/**
 * Entity descriptions of the Service Bus broker engine: queues, topics, subscriptions and rules with
 * Azure's property names, defaults and ranges (servicebus-semantics.md B.1-B.6, A.1, A.13, A.16, A.17).
 *
 * Plain value types: they cross threads by copy and never point into engine state. The engine fills
 * the read-only fields (createdAt, updatedAt, accessedAt) and keeps the spelling of names as created;
 * lookups are case-insensitive.
 */
namespace busyard::core::broker {

using namespace std::chrono_literals;

/** Messaging tier of the emulated namespace; decides a few ranges (B.5). */
enum class Tier : std::uint8_t { Basic, Standard, Premium };

/**
 * Entity status (B.6). Queues accept all four values, topics Active/Disabled/SendDisabled,
 * subscriptions Active/Disabled/ReceiveDisabled. Disabled = SendDisabled + ReceiveDisabled.
 */
enum class EntityStatus : std::uint8_t { Active, Disabled, SendDisabled, ReceiveDisabled };

/** "Active", "Disabled", "SendDisabled", "ReceiveDisabled" (the ATOM spelling). */
const char *entityStatusName(EntityStatus status);
/** Parses the ATOM spelling, case-insensitively. */
std::optional<EntityStatus> entityStatusFromName(std::string_view name);

/** Ranges and defaults shared by the descriptions (B.2-B.4, B.24). */
inline constexpr Duration kDefaultLockDuration = 60s;
inline constexpr Duration kMinLockDuration = 5s;   ///< [U] B.2: SDK constant; enforced
inline constexpr Duration kMaxLockDuration = 5min;
inline constexpr Duration kDefaultDuplicateDetectionWindow = 10min;
inline constexpr Duration kMinDuplicateDetectionWindow = 20s;
inline constexpr Duration kMaxDuplicateDetectionWindow = std::chrono::hours(24 * 7);
inline constexpr Duration kMinMessageTimeToLive = 1s;
inline constexpr Duration kBasicMaxMessageTimeToLive = std::chrono::hours(24 * 14);
inline constexpr Duration kMinAutoDeleteOnIdle = 5min;
inline constexpr std::int32_t kDefaultMaxDeliveryCount = 10;
inline constexpr std::int64_t kDefaultMaxSizeInMegabytes = 1024;
inline constexpr std::int64_t kStandardMaxMessageSizeInKilobytes = 256;
inline constexpr std::int64_t kPremiumDefaultMaxMessageSizeInKilobytes = 1024;
inline constexpr std::int64_t kPremiumMaxMessageSizeInKilobytesLimit = 102400;
inline constexpr std::size_t kMaxUserMetadataLength = 1024;
inline constexpr std::size_t kMaxEntityPathLength = 260;
inline constexpr std::size_t kMaxSubscriptionNameLength = 50;
inline constexpr std::size_t kMaxRuleNameLength = 50;
inline constexpr std::size_t kMaxSqlExpressionLength = 1024;
/** Name of the rule every new subscription gets unless a default rule is supplied (A.16). */
inline constexpr const char *kDefaultRuleName = "$Default";

/**
 * A queue (B.2). Defaults are the service's. `forwardTo`/`forwardDeadLetteredMessagesTo` empty =
 * none. `requiresSession`, `requiresDuplicateDetection` and `enablePartitioning` are immutable after
 * creation (B.5). `maxMessageSizeInKilobytes` is 256 on Basic/Standard (fixed) and 1024 ... 102400 on
 * Premium.
 */
struct QueueDescription
{
    std::string name;                                   ///< path, 1-260 chars (B.1)
    Duration lockDuration = kDefaultLockDuration;       ///< 5 s ... 5 min
    std::int64_t maxSizeInMegabytes = kDefaultMaxSizeInMegabytes; ///< 1024/2048/3072/4096/5120 (Premium 1024 ... 81920)
    std::int64_t maxMessageSizeInKilobytes = kStandardMaxMessageSizeInKilobytes;
    bool requiresDuplicateDetection = false;
    Duration duplicateDetectionHistoryTimeWindow = kDefaultDuplicateDetectionWindow; ///< 20 s ... 7 days
    bool requiresSession = false;
    Duration defaultMessageTimeToLive = kMaxDuration;   ///< >= 1 s (Basic <= 14 days)
    bool deadLetteringOnMessageExpiration = false;
    std::int32_t maxDeliveryCount = kDefaultMaxDeliveryCount; ///< >= 1
    bool enableBatchedOperations = true;                ///< informational
    Duration autoDeleteOnIdle = kMaxDuration;           ///< >= 5 min; kMaxDuration = never
    std::string forwardTo;                              ///< queue or topic; empty = none
    std::string forwardDeadLetteredMessagesTo;          ///< queue or topic; empty = none
    bool enablePartitioning = false;                    ///< informational; immutable
    bool enableExpress = false;                         ///< informational
    bool supportOrdering = true;                        ///< informational, always true
    EntityStatus status = EntityStatus::Active;
    std::string userMetadata;                           ///< <= 1024 chars

    // ---- read-only, set by the engine ------------------------------------------------------
    TimePoint createdAt{};
    TimePoint updatedAt{};
    TimePoint accessedAt{};
};

/** A topic (B.3). Topics hold no messages of their own except scheduled ones (B.11). */
struct TopicDescription
{
    std::string name;                                   ///< path, 1-260 chars (B.1)
    Duration defaultMessageTimeToLive = kMaxDuration;   ///< >= 1 s; caps every message (B.15)
    std::int64_t maxSizeInMegabytes = kDefaultMaxSizeInMegabytes;
    std::int64_t maxMessageSizeInKilobytes = kStandardMaxMessageSizeInKilobytes;
    bool requiresDuplicateDetection = false;            ///< immutable; detection happens here (B.17)
    Duration duplicateDetectionHistoryTimeWindow = kDefaultDuplicateDetectionWindow;
    bool enableBatchedOperations = true;
    Duration autoDeleteOnIdle = kMaxDuration;
    bool enablePartitioning = false;                    ///< immutable
    bool enableExpress = false;
    bool supportOrdering = true;
    EntityStatus status = EntityStatus::Active;         ///< Active, Disabled, SendDisabled
    std::string userMetadata;

    TimePoint createdAt{};
    TimePoint updatedAt{};
    TimePoint accessedAt{};
};

/** A subscription of a topic (B.4). */
struct SubscriptionDescription
{
    std::string topicName;
    std::string name;                                   ///< 1-50 chars, no '/' (B.1)
    Duration lockDuration = kDefaultLockDuration;
    bool requiresSession = false;                       ///< immutable
    Duration defaultMessageTimeToLive = kMaxDuration;   ///< caps copies (B.15)
    bool deadLetteringOnMessageExpiration = false;
    bool deadLetteringOnFilterEvaluationExceptions = true; ///< A.14
    std::int32_t maxDeliveryCount = kDefaultMaxDeliveryCount;
    bool enableBatchedOperations = true;
    Duration autoDeleteOnIdle = kMaxDuration;
    std::string forwardTo;
    std::string forwardDeadLetteredMessagesTo;
    EntityStatus status = EntityStatus::Active;         ///< Active, Disabled, ReceiveDisabled
    std::string userMetadata;

    TimePoint createdAt{};
    TimePoint updatedAt{};
    TimePoint accessedAt{};
};

/** Named parameters of an SQL filter or action (A.12): `@name` -> value. */
using SqlParameters = std::vector<std::pair<std::string, Value>>;

/** SqlFilter (A.1): expression text of at most 1024 characters; compatibility level is always 20. */
struct SqlFilter
{
    std::string expression;
    SqlParameters parameters;
    bool operator==(const SqlFilter &) const = default;
};

/**
 * CorrelationFilter (A.17). Every set field is a condition; all must hold. System fields compare
 * ordinally (case-sensitive) and never match a message lacking the field; `properties` match when the
 * message has the property (name case-insensitive) with an equal value of the same type. A filter
 * without any condition is refused at creation.
 */
struct CorrelationFilter
{
    std::optional<std::string> correlationId;
    std::optional<std::string> messageId;
    std::optional<std::string> to;
    std::optional<std::string> replyTo;
    std::optional<std::string> subject;                 ///< "Label" on the wire
    std::optional<std::string> sessionId;
    std::optional<std::string> replyToSessionId;
    std::optional<std::string> contentType;
    PropertyMap properties;
    bool operator==(const CorrelationFilter &) const = default;
};

/** Matches every message (SQL text "1=1"). */
struct TrueFilter
{
    bool operator==(const TrueFilter &) const = default;
};

/** Matches no message (SQL text "1=0"). */
struct FalseFilter
{
    bool operator==(const FalseFilter &) const = default;
};

using RuleFilter = std::variant<SqlFilter, CorrelationFilter, TrueFilter, FalseFilter>;

/** SqlRuleAction (A.15): SET/REMOVE statements applied to a subscription's private copy. */
struct SqlRuleAction
{
    std::string expression;
    SqlParameters parameters;
    bool operator==(const SqlRuleAction &) const = default;
};

/** A rule of a subscription: filter plus optional action (A.1, A.16). */
struct RuleDescription
{
    std::string name = kDefaultRuleName;                ///< 1-50 chars; "$Default" is the only '$' name
    RuleFilter filter = TrueFilter{};
    std::optional<SqlRuleAction> action;
    TimePoint createdAt{};                              ///< set by the engine
};

/**
 * Message counters of an entity (B.22), kept incrementally by the engine. For queues and
 * subscriptions `active` includes locked and deferred messages; for topics only `scheduled`,
 * `sizeInBytes` (the topic's scheduled messages plus what its subscriptions store) and
 * `subscriptionCount` are meaningful.
 */
struct RuntimeCounts
{
    std::int64_t active = 0;
    std::int64_t deadLetter = 0;
    std::int64_t scheduled = 0;
    std::int64_t transfer = 0;               ///< always 0: forwarding is synchronous
    std::int64_t transferDeadLetter = 0;
    std::int64_t sizeInBytes = 0;
    std::int64_t subscriptionCount = 0;      ///< topics only

    /** MessageCount: the total of all sub-queues. */
    std::int64_t messageCount() const { return active + deadLetter + scheduled + transfer + transferDeadLetter; }
    bool operator==(const RuntimeCounts &) const = default;
};

// ---- validation ------------------------------------------------------------------------------
// Each returns ArgumentOutOfRange (value outside its range) or InvalidArgument (malformed), with a
// message naming the property and the allowed range, e.g.
// "LockDuration: 00:06:00 is outside the allowed range 00:00:05 ... 00:05:00.".
// Cross-entity checks (forward target exists, not itself, immutability) are the engine's.

/**
 * Queue or topic path (B.1): 1-260 chars of letters, digits, '.', '-', '_' and '/', every segment
 * starting and ending with a letter or digit, no leading/trailing/double '/', and no segment spelled
 * "Subscriptions" or "Rules" (case-insensitive; ambiguous with subscription paths).
 */
Result<void> validateEntityPath(std::string_view path);
/** Subscription name (B.1): 1-50 chars of letters, digits, '.', '-', '_', starting/ending alphanumeric. */
Result<void> validateSubscriptionName(std::string_view name);
/** Rule name (B.1): as a subscription name, or exactly "$Default". */
Result<void> validateRuleName(std::string_view name);

Result<void> validate(const QueueDescription &queue, Tier tier = Tier::Standard);
Result<void> validate(const TopicDescription &topic, Tier tier = Tier::Standard);
Result<void> validate(const SubscriptionDescription &subscription, Tier tier = Tier::Standard);
/**
 * Static checks of a rule (A.13): name, non-empty SQL text <= 1024 chars, non-empty correlation
 * filter. SQL syntax is checked by the engine when it compiles the rule.
 */
Result<void> validate(const RuleDescription &rule);

/** Canonical case-insensitive lookup key of a name or path (ASCII lower case). */
std::string entityKey(std::string_view name);

/** .NET TimeSpan-style text "d.hh:mm:ss.fff" used in error messages (core/duration.h). */
using core::formatTimeSpan;

} // namespace busyard::core::broker
