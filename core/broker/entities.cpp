#include "entities.h"


namespace busyard::core::broker {

namespace {

bool isAlnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isSegmentChar(char c)
{
    return isAlnum(c) || c == '.' || c == '-' || c == '_';
}

Error invalidCharacters(std::string_view path)
{
    return makeError(ErrorCode::InvalidArgument,
                     "SubCode=40000. '" + std::string(path)
                         + "' contains character(s) that is not allowed by Service Bus. Entity segments can contain "
                           "only letters, numbers, periods(.), hyphens(-), and underscores(_).");
}

Result<void> validateSegment(std::string_view whole, std::string_view segment)
{
    if (segment.empty())
        return invalidCharacters(whole);
    for (char c : segment) {
        if (!isSegmentChar(c))
            return invalidCharacters(whole);
    }
    if (!isAlnum(segment.front()) || !isAlnum(segment.back()))
        return makeError(ErrorCode::InvalidArgument,
                         "SubCode=40000. '" + std::string(whole)
                             + "' is not valid: each segment must start and end with a letter or number.");
    return {};
}

Error outOfRange(const char *property, const std::string &value, const std::string &range)
{
    return makeError(ErrorCode::ArgumentOutOfRange,
                     std::string(property) + ": " + value + " is outside the allowed range " + range + ".");
}

Result<void> checkDuration(const char *property, Duration value, Duration min, Duration max)
{
    if (value < min || value > max) {
        const std::string maxText = max >= kMaxDuration ? std::string("TimeSpan.MaxValue") : formatTimeSpan(max);
        return outOfRange(property, formatTimeSpan(value), formatTimeSpan(min) + " ... " + maxText);
    }
    return {};
}

Result<void> checkLockDuration(Duration d)
{
    if (d > kMaxLockDuration)
        return makeError(ErrorCode::ArgumentOutOfRange,
                         "LockDuration: SubCode=40000. The supplied lock time exceeds the allowed maximum of '5' minutes.");
    return checkDuration("LockDuration", d, kMinLockDuration, kMaxLockDuration);
}

Result<void> checkTimeToLive(Duration d, Tier tier)
{
    if (d == kMaxDuration)
        return {}; // "the service default": 14 days on Basic, never elsewhere
    return checkDuration("DefaultMessageTimeToLive", d, kMinMessageTimeToLive,
                         tier == Tier::Basic ? kBasicMaxMessageTimeToLive : kMaxDuration);
}

Result<void> checkMaxDeliveryCount(std::int32_t n)
{
    if (n < 1)
        return outOfRange("MaxDeliveryCount", std::to_string(n), "1 ... 2147483647");
    return {};
}

Result<void> checkUserMetadata(const std::string &s)
{
    if (s.size() > kMaxUserMetadataLength)
        return outOfRange("UserMetadata", std::to_string(s.size()) + " characters", "0 ... 1024 characters");
    return {};
}

Result<void> checkStatus(EntityStatus status, bool allowSendDisabled, bool allowReceiveDisabled, const char *kind)
{
    if ((status == EntityStatus::SendDisabled && !allowSendDisabled)
        || (status == EntityStatus::ReceiveDisabled && !allowReceiveDisabled))
        return makeError(ErrorCode::InvalidArgument, std::string("Status: '") + entityStatusName(status)
                                                         + "' is not a valid status for a " + kind + ".");
    return {};
}

Result<void> checkMaxSize(std::int64_t mb, Tier tier)
{
    if (tier == Tier::Premium) {
        if (mb < 1024 || mb > 81920)
            return outOfRange("MaxSizeInMegabytes", std::to_string(mb), "1024 ... 81920");
        return {};
    }
    if (mb != 1024 && mb != 2048 && mb != 3072 && mb != 4096 && mb != 5120)
        return makeError(ErrorCode::ArgumentOutOfRange,
                         "MaxSizeInMegabytes: " + std::to_string(mb)
                             + " is not a valid value. Valid values are 1024;2048;3072;4096;5120.");
    return {};
}

Result<void> checkMaxMessageSize(std::int64_t kb, Tier tier)
{
    if (tier == Tier::Premium) {
        if (kb < kPremiumDefaultMaxMessageSizeInKilobytes || kb > kPremiumMaxMessageSizeInKilobytesLimit)
            return outOfRange("MaxMessageSizeInKilobytes", std::to_string(kb), "1024 ... 102400");
        return {};
    }
    if (kb != kStandardMaxMessageSizeInKilobytes)
        return outOfRange("MaxMessageSizeInKilobytes", std::to_string(kb), "256 ... 256 (settable on Premium only)");
    return {};
}

Result<void> checkStandardOnly(Tier tier, bool used, const char *property)
{
    if (tier == Tier::Basic && used)
        return makeError(ErrorCode::InvalidArgument,
                         std::string(property) + ": not supported in the Basic tier (Standard or Premium required).");
    return {};
}

Result<void> checkAutoDelete(Duration d)
{
    return checkDuration("AutoDeleteOnIdle", d, kMinAutoDeleteOnIdle, kMaxDuration);
}

#define BUSYARD_CHECK(expr)                                                                                  \
    do {                                                                                                     \
        if (auto r_ = (expr); !r_)                                                                           \
            return r_;                                                                                       \
    } while (false)

} // namespace

const char *entityStatusName(EntityStatus status)
{
    switch (status) {
    case EntityStatus::Active: return "Active";
    case EntityStatus::Disabled: return "Disabled";
    case EntityStatus::SendDisabled: return "SendDisabled";
    case EntityStatus::ReceiveDisabled: return "ReceiveDisabled";
    }
    return "Active";
}

std::optional<EntityStatus> entityStatusFromName(std::string_view name)
{
    for (auto s : {EntityStatus::Active, EntityStatus::Disabled, EntityStatus::SendDisabled, EntityStatus::ReceiveDisabled}) {
        if (equalsIgnoreCase(name, entityStatusName(s)))
            return s;
    }
    return std::nullopt;
}

std::string entityKey(std::string_view name)
{
    return toLowerAscii(name);
}

Result<void> validateEntityPath(std::string_view path)
{
    if (path.empty() || path.size() > kMaxEntityPathLength)
        return outOfRange("Name", "'" + std::string(path) + "' (" + std::to_string(path.size()) + " characters)",
                          "1 ... 260 characters");
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = path.find('/', start);
        const std::string_view segment = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        BUSYARD_CHECK(validateSegment(path, segment));
        if (equalsIgnoreCase(segment, "Subscriptions") || equalsIgnoreCase(segment, "Rules"))
            return invalidCharacters(path);
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    return {};
}

Result<void> validateSubscriptionName(std::string_view name)
{
    if (name.empty() || name.size() > kMaxSubscriptionNameLength)
        return outOfRange("SubscriptionName", "'" + std::string(name) + "' (" + std::to_string(name.size()) + " characters)",
                          "1 ... 50 characters");
    return validateSegment(name, name);
}

Result<void> validateRuleName(std::string_view name)
{
    if (name.empty())
        return makeError(ErrorCode::InvalidArgument, "The specified name (\"\") is not valid.");
    if (name == kDefaultRuleName)
        return {};
    if (name.size() > kMaxRuleNameLength)
        return outOfRange("RuleName", "'" + std::string(name) + "' (" + std::to_string(name.size()) + " characters)",
                          "1 ... 50 characters");
    return validateSegment(name, name);
}

Result<void> validate(const QueueDescription &q, Tier tier)
{
    BUSYARD_CHECK(validateEntityPath(q.name));
    BUSYARD_CHECK(checkLockDuration(q.lockDuration));
    BUSYARD_CHECK(checkMaxSize(q.maxSizeInMegabytes, tier));
    BUSYARD_CHECK(checkMaxMessageSize(q.maxMessageSizeInKilobytes, tier));
    BUSYARD_CHECK(checkDuration("DuplicateDetectionHistoryTimeWindow", q.duplicateDetectionHistoryTimeWindow,
                                kMinDuplicateDetectionWindow, kMaxDuplicateDetectionWindow));
    BUSYARD_CHECK(checkTimeToLive(q.defaultMessageTimeToLive, tier));
    BUSYARD_CHECK(checkMaxDeliveryCount(q.maxDeliveryCount));
    BUSYARD_CHECK(checkAutoDelete(q.autoDeleteOnIdle));
    BUSYARD_CHECK(checkUserMetadata(q.userMetadata));
    BUSYARD_CHECK(checkStatus(q.status, true, true, "queue"));
    BUSYARD_CHECK(checkStandardOnly(tier, q.requiresSession, "RequiresSession"));
    BUSYARD_CHECK(checkStandardOnly(tier, q.requiresDuplicateDetection, "RequiresDuplicateDetection"));
    BUSYARD_CHECK(checkStandardOnly(tier, q.autoDeleteOnIdle != kMaxDuration, "AutoDeleteOnIdle"));
    BUSYARD_CHECK(checkStandardOnly(tier, !q.forwardTo.empty(), "ForwardTo"));
    BUSYARD_CHECK(checkStandardOnly(tier, !q.forwardDeadLetteredMessagesTo.empty(), "ForwardDeadLetteredMessagesTo"));
    BUSYARD_CHECK(checkStandardOnly(tier, q.enableExpress, "EnableExpress"));
    if (!q.forwardTo.empty())
        BUSYARD_CHECK(validateEntityPath(q.forwardTo));
    if (!q.forwardDeadLetteredMessagesTo.empty())
        BUSYARD_CHECK(validateEntityPath(q.forwardDeadLetteredMessagesTo));
    return {};
}

Result<void> validate(const TopicDescription &t, Tier tier)
{
    if (tier == Tier::Basic)
        return makeError(ErrorCode::InvalidArgument, "Topics are not supported in the Basic tier.");
    BUSYARD_CHECK(validateEntityPath(t.name));
    BUSYARD_CHECK(checkTimeToLive(t.defaultMessageTimeToLive, tier));
    BUSYARD_CHECK(checkMaxSize(t.maxSizeInMegabytes, tier));
    BUSYARD_CHECK(checkMaxMessageSize(t.maxMessageSizeInKilobytes, tier));
    BUSYARD_CHECK(checkDuration("DuplicateDetectionHistoryTimeWindow", t.duplicateDetectionHistoryTimeWindow,
                                kMinDuplicateDetectionWindow, kMaxDuplicateDetectionWindow));
    BUSYARD_CHECK(checkAutoDelete(t.autoDeleteOnIdle));
    BUSYARD_CHECK(checkUserMetadata(t.userMetadata));
    BUSYARD_CHECK(checkStatus(t.status, true, false, "topic"));
    return {};
}

Result<void> validate(const SubscriptionDescription &s, Tier tier)
{
    if (tier == Tier::Basic)
        return makeError(ErrorCode::InvalidArgument, "Subscriptions are not supported in the Basic tier.");
    BUSYARD_CHECK(validateEntityPath(s.topicName));
    BUSYARD_CHECK(validateSubscriptionName(s.name));
    BUSYARD_CHECK(checkLockDuration(s.lockDuration));
    BUSYARD_CHECK(checkTimeToLive(s.defaultMessageTimeToLive, tier));
    BUSYARD_CHECK(checkMaxDeliveryCount(s.maxDeliveryCount));
    BUSYARD_CHECK(checkAutoDelete(s.autoDeleteOnIdle));
    BUSYARD_CHECK(checkUserMetadata(s.userMetadata));
    BUSYARD_CHECK(checkStatus(s.status, false, true, "subscription"));
    if (!s.forwardTo.empty())
        BUSYARD_CHECK(validateEntityPath(s.forwardTo));
    if (!s.forwardDeadLetteredMessagesTo.empty())
        BUSYARD_CHECK(validateEntityPath(s.forwardDeadLetteredMessagesTo));
    return {};
}

Result<void> validate(const RuleDescription &rule)
{
    BUSYARD_CHECK(validateRuleName(rule.name));
    if (const auto *sql = std::get_if<SqlFilter>(&rule.filter)) {
        if (sql->expression.empty())
            return makeError(ErrorCode::InvalidArgument, "SqlFilter: the expression must not be empty.");
        if (sql->expression.size() > kMaxSqlExpressionLength)
            return outOfRange("SqlFilter", std::to_string(sql->expression.size()) + " characters", "1 ... 1024 characters");
    } else if (const auto *c = std::get_if<CorrelationFilter>(&rule.filter)) {
        if (!c->correlationId && !c->messageId && !c->to && !c->replyTo && !c->subject && !c->sessionId
            && !c->replyToSessionId && !c->contentType && c->properties.empty())
            return makeError(ErrorCode::InvalidArgument,
                             "CorrelationFilter: empty correlation filter; at least one property must be set.");
    }
    if (rule.action) {
        if (rule.action->expression.empty())
            return makeError(ErrorCode::InvalidArgument, "SqlRuleAction: the expression must not be empty.");
        if (rule.action->expression.size() > kMaxSqlExpressionLength)
            return outOfRange("SqlRuleAction", std::to_string(rule.action->expression.size()) + " characters",
                              "1 ... 1024 characters");
    }
    return {};
}

} // namespace busyard::core::broker
