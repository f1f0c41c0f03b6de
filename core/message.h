#pragma once

#include "clock.h"
#include "value.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace busyard::core {

/** Which AMQP body section a message carries. */
enum class BodyType : std::uint8_t {
    Data,     ///< one or more data sections; body() holds the bytes of the first, extraDataSections the rest
    Value,    ///< amqp-value: body() holds the AMQP encoding of the value
    Sequence, ///< amqp-sequence: body() holds the AMQP encoding of each list, concatenated
};

/** Broker-side state of a message (sys.State). */
enum class MessageState : std::uint8_t { Active = 0, Deferred = 1, Scheduled = 2 };

const char *messageStateName(MessageState state);

/**
 * A Service Bus message: the properties a client sets, the ones the broker sets, and the body kept
 * byte for byte. Plain value type: copies cross threads; nothing points into engine state.
 */
struct Message
{
    // ---- set by the client ------------------------------------------------------------------
    Value messageId;                 ///< properties.message-id (string, ulong, uuid or binary)
    Value correlationId;             ///< properties.correlation-id
    std::optional<std::string> sessionId;          ///< properties.group-id
    std::optional<std::string> replyToSessionId;   ///< properties.reply-to-group-id
    std::optional<std::string> subject;            ///< properties.subject (sys.Label)
    std::optional<std::string> to;                 ///< properties.to
    std::optional<std::string> replyTo;            ///< properties.reply-to
    std::optional<std::string> contentType;        ///< properties.content-type (symbol)
    std::optional<std::string> contentEncoding;    ///< properties.content-encoding (symbol)
    std::optional<std::string> partitionKey;       ///< annotation x-opt-partition-key
    std::optional<std::string> viaPartitionKey;    ///< annotation x-opt-via-partition-key
    std::optional<Duration> timeToLive;            ///< header.ttl; empty = the entity's default
    std::optional<TimePoint> scheduledEnqueueTime; ///< annotation x-opt-scheduled-enqueue-time
    PropertyMap applicationProperties;
    /** Message annotations other than the x-opt ones the broker interprets, kept for round trips. */
    PropertyMap annotations;
    std::uint8_t priority = 4;       ///< header.priority (kept, not used for ordering, as in Azure)
    bool durable = true;             ///< header.durable
    BodyType bodyType = BodyType::Data;
    std::string body;
    /** BodyType::Data with several data sections: the payloads of the second and later sections. */
    std::vector<std::string> extraDataSections;

    // ---- set by the broker --------------------------------------------------------------------
    std::int64_t sequenceNumber = 0;
    std::int64_t enqueuedSequenceNumber = 0;
    TimePoint enqueuedTime{};
    TimePoint expiresAt = kMaxTime;
    TimePoint lockedUntil{};
    Uuid lockToken;
    std::uint32_t deliveryCount = 0;
    MessageState state = MessageState::Active;
    std::optional<std::string> deadLetterSource; ///< x-opt-deadletter-source: the entity it was dead-lettered from

    /** The TTL in force: the message's own, else `entityDefault`. */
    Duration effectiveTimeToLive(Duration entityDefault) const;

    /** Size as the broker counts it against MaxMessageSize and SizeInBytes: body + properties. */
    std::size_t size() const;

    /** Convenience: message id as text (empty when unset). */
    std::string messageIdString() const;
};

/** Application property names Azure uses for dead-letter details. */
inline constexpr const char *kDeadLetterReasonProperty = "DeadLetterReason";
inline constexpr const char *kDeadLetterDescriptionProperty = "DeadLetterErrorDescription";

} // namespace busyard::core
