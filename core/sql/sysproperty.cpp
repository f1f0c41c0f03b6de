#include "sysproperty.h"

#include <array>
#include <limits>

namespace busyard::core::sql {

namespace {

struct Entry
{
    const char *name;
    SysProperty property;
    bool settable;
};

constexpr std::array<Entry, 25> kProperties{{
    {"MessageId", SysProperty::MessageId, true},
    {"CorrelationId", SysProperty::CorrelationId, true},
    {"Label", SysProperty::Label, true},
    {"To", SysProperty::To, true},
    {"ReplyTo", SysProperty::ReplyTo, true},
    {"ReplyToSessionId", SysProperty::ReplyToSessionId, true},
    {"SessionId", SysProperty::SessionId, true},
    {"ContentType", SysProperty::ContentType, true},
    {"PartitionKey", SysProperty::PartitionKey, true},
    {"ViaPartitionKey", SysProperty::ViaPartitionKey, true},
    {"TimeToLive", SysProperty::TimeToLive, true},
    {"ScheduledEnqueueTimeUtc", SysProperty::ScheduledEnqueueTimeUtc, true},
    {"ForcePersistence", SysProperty::ForcePersistence, true},
    {"SequenceNumber", SysProperty::SequenceNumber, false},
    {"EnqueuedTimeUtc", SysProperty::EnqueuedTimeUtc, false},
    {"EnqueuedSequenceNumber", SysProperty::EnqueuedSequenceNumber, false},
    {"ExpiresAtUtc", SysProperty::ExpiresAtUtc, false},
    {"DeliveryCount", SysProperty::DeliveryCount, false},
    {"Size", SysProperty::Size, false},
    {"State", SysProperty::State, false},
    {"DeadLetterSource", SysProperty::DeadLetterSource, false},
    {"LockToken", SysProperty::LockToken, false},
    {"LockedUntilUtc", SysProperty::LockedUntilUtc, false},
    {"IsBodyConsumed", SysProperty::IsBodyConsumed, false},
    {"Properties", SysProperty::Properties, false},
}};

Scalar optionalText(const std::optional<std::string> &s)
{
    return s ? Scalar::string(*s) : Scalar::null();
}

Scalar idText(const Value &v, EvalArena &arena)
{
    if (v.isNull())
        return Scalar::null();
    if (v.isText())
        return Scalar::string(v.bytes());
    // BrokeredMessage.MessageId is a string: other AMQP id types read as their text.
    std::string &s = arena.newString();
    s = v.toDisplayString();
    return Scalar::string(s);
}

Scalar dateTime(TimePoint t)
{
    return Scalar::ticks(ScalarType::DateTime, toMillisSinceEpoch(t) * kTicksPerMillisecond + kUnixEpochTicks);
}

Error cannotConvert(SysProperty property, const Scalar &v)
{
    return makeError(ErrorCode::FilterEvaluation, std::string("Cannot convert a value of type '")
                                                      + scalarTypeName(v.type) + "' to the type of sys."
                                                      + sysPropertyName(property) + ".");
}

} // namespace

std::optional<SysProperty> findSysProperty(std::string_view name, bool acceptSubjectAlias)
{
    for (const auto &e : kProperties) {
        if (equalsIgnoreCase(name, e.name))
            return e.property;
    }
    if (acceptSubjectAlias && equalsIgnoreCase(name, "Subject"))
        return SysProperty::Label;
    return std::nullopt;
}

const char *sysPropertyName(SysProperty property)
{
    return kProperties[static_cast<std::size_t>(property)].name;
}

bool isSettable(SysProperty property)
{
    return kProperties[static_cast<std::size_t>(property)].settable;
}

Scalar readSysProperty(SysProperty property, const Message &m, EvalArena &arena)
{
    switch (property) {
    case SysProperty::MessageId: return idText(m.messageId, arena);
    case SysProperty::CorrelationId: return idText(m.correlationId, arena);
    case SysProperty::Label: return optionalText(m.subject);
    case SysProperty::To: return optionalText(m.to);
    case SysProperty::ReplyTo: return optionalText(m.replyTo);
    case SysProperty::ReplyToSessionId: return optionalText(m.replyToSessionId);
    case SysProperty::SessionId: return optionalText(m.sessionId);
    case SysProperty::ContentType: return optionalText(m.contentType);
    case SysProperty::PartitionKey: return optionalText(m.partitionKey);
    case SysProperty::ViaPartitionKey: return optionalText(m.viaPartitionKey);
    case SysProperty::DeadLetterSource: return optionalText(m.deadLetterSource);
    case SysProperty::TimeToLive:
        // Unset reads as TimeSpan.MaxValue, BrokeredMessage's default.
        return Scalar::ticks(ScalarType::TimeSpan, m.timeToLive ? m.timeToLive->count() * kTicksPerMillisecond
                                                                : std::numeric_limits<std::int64_t>::max());
    case SysProperty::ScheduledEnqueueTimeUtc:
        return m.scheduledEnqueueTime ? dateTime(*m.scheduledEnqueueTime) : Scalar::ticks(ScalarType::DateTime, 0);
    case SysProperty::ForcePersistence:
    case SysProperty::IsBodyConsumed: return Scalar::boolean(false);
    case SysProperty::SequenceNumber: return Scalar::int64(m.sequenceNumber);
    case SysProperty::EnqueuedSequenceNumber: return Scalar::int64(m.enqueuedSequenceNumber);
    case SysProperty::EnqueuedTimeUtc: return dateTime(m.enqueuedTime);
    case SysProperty::ExpiresAtUtc: return dateTime(m.expiresAt);
    case SysProperty::DeliveryCount: return Scalar::int32(static_cast<std::int32_t>(m.deliveryCount));
    case SysProperty::Size: return Scalar::int64(static_cast<std::int64_t>(m.size()));
    case SysProperty::State: return Scalar::int32(static_cast<std::int32_t>(m.state));
    case SysProperty::LockToken:
    case SysProperty::LockedUntilUtc:
        arena.setError(std::string("sys.") + sysPropertyName(property)
                       + " is not available: the message has not been received under a lock.");
        return Scalar::error();
    case SysProperty::Properties: {
        Scalar s;
        s.type = ScalarType::Opaque;
        s.origin = nullptr;
        return s;
    }
    }
    return Scalar::null();
}

Result<void> writeSysProperty(SysProperty property, Message &m, const Scalar &v)
{
    const bool clear = v.isNull() || v.isUnknown();
    std::optional<std::string> *text = nullptr;
    switch (property) {
    case SysProperty::MessageId:
    case SysProperty::CorrelationId: {
        auto s = toStoredString(v);
        if (!s)
            return s.error();
        Value &target = property == SysProperty::MessageId ? m.messageId : m.correlationId;
        target = s.value() ? Value::string(std::move(*s.value())) : Value::null();
        return {};
    }
    case SysProperty::Label: text = &m.subject; break;
    case SysProperty::To: text = &m.to; break;
    case SysProperty::ReplyTo: text = &m.replyTo; break;
    case SysProperty::ReplyToSessionId: text = &m.replyToSessionId; break;
    case SysProperty::SessionId: text = &m.sessionId; break;
    case SysProperty::ContentType: text = &m.contentType; break;
    case SysProperty::PartitionKey: text = &m.partitionKey; break;
    case SysProperty::ViaPartitionKey: text = &m.viaPartitionKey; break;
    case SysProperty::TimeToLive: {
        if (clear) {
            m.timeToLive.reset();
            return {};
        }
        std::optional<std::int64_t> ticks;
        if (v.type == ScalarType::TimeSpan)
            ticks = v.i;
        else if (v.type == ScalarType::String)
            ticks = parseTimeSpan(v.str());
        if (!ticks)
            return cannotConvert(property, v);
        m.timeToLive = Duration{*ticks / kTicksPerMillisecond};
        return {};
    }
    case SysProperty::ScheduledEnqueueTimeUtc: {
        if (clear) {
            m.scheduledEnqueueTime.reset();
            return {};
        }
        std::optional<std::int64_t> ticks;
        if (v.type == ScalarType::DateTime || v.type == ScalarType::DateTimeOffset)
            ticks = v.i;
        else if (v.type == ScalarType::String)
            ticks = parseDateTime(v.str());
        if (!ticks)
            return cannotConvert(property, v);
        m.scheduledEnqueueTime = fromMillisSinceEpoch((*ticks - kUnixEpochTicks) / kTicksPerMillisecond);
        return {};
    }
    case SysProperty::ForcePersistence: {
        // No counterpart in the engine (express entities only): validate the conversion, store nothing.
        if (clear || v.type == ScalarType::Bool)
            return {};
        Value boolean = Value::boolean(false);
        auto asBool = toStoredValue(v, &boolean);
        if (!asBool)
            return asBool.error();
        return {};
    }
    default:
        return makeError(ErrorCode::FilterEvaluation,
                         std::string("sys.") + sysPropertyName(property) + " cannot be set.");
    }
    auto s = toStoredString(v);
    if (!s)
        return s.error();
    *text = std::move(s.value());
    return {};
}

} // namespace busyard::core::sql
