#pragma once

#include "scalar.h"

#include "core/message.h"
#include "core/result.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace busyard::core::sql {

/** The `sys.` properties of servicebus-semantics.md A.4 (BrokeredMessage's public properties). */
enum class SysProperty : std::uint8_t {
    MessageId, CorrelationId, Label, To, ReplyTo, ReplyToSessionId, SessionId, ContentType,
    PartitionKey, ViaPartitionKey, TimeToLive, ScheduledEnqueueTimeUtc, ForcePersistence,
    SequenceNumber, EnqueuedTimeUtc, EnqueuedSequenceNumber, ExpiresAtUtc, DeliveryCount, Size, State,
    DeadLetterSource, LockToken, LockedUntilUtc, IsBodyConsumed, Properties,
};

/** Case-insensitive lookup; `Subject` resolves to Label only when acceptSubjectAlias is set (B.26 #1). */
std::optional<SysProperty> findSysProperty(std::string_view name, bool acceptSubjectAlias);
/** Canonical name without the scope ("Label"). */
const char *sysPropertyName(SysProperty property);
/** Whether `SET`/`REMOVE` may change it (A.4 table, A.15). */
bool isSettable(SysProperty property);

/**
 * Reads a system property of `message`. Unset strings read as null, never unknown; LockToken and
 * LockedUntilUtc are an evaluation error (they have no value before a receive). Text may reference
 * the message or strings made in `arena`.
 */
Scalar readSysProperty(SysProperty property, const Message &message, EvalArena &arena);

/**
 * Stores `value` into a settable system property, converting it to the property's type; null and
 * unknown clear it. Error{FilterEvaluation} when the value cannot be converted.
 */
Result<void> writeSysProperty(SysProperty property, Message &message, const Scalar &value);

} // namespace busyard::core::sql
