#pragma once

#include "core/message.h"
#include "core/result.h"
#include "core/value.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pn_data_t;

namespace busyard::client::codec {

/** message-format of a batch transfer: the body is data sections that each hold one encoded message. */
inline constexpr std::uint32_t kBatchMessageFormat = 0x80013700;

/** How much of a message's broker state decodeMessage() takes from the wire. */
enum class DecodeMode {
    /** A message a client sends: broker annotations (x-opt-sequence-number, x-opt-enqueued-time, ...)
     *  are dropped, the broker sets them. */
    ClientSend,
    /** A message the broker encoded (peek, receive-by-sequence-number, a delivery): broker annotations,
     *  header delivery-count and x-opt-lock-token are read back into the fields. */
    BrokerEncoded,
};

/**
 * Decodes one AMQP-encoded message (its sections, as in a transfer payload) into a core::Message.
 * Bodies are kept byte for byte: data payloads (several sections in body + extraDataSections), the
 * encoded amqp-value, the encoded lists of the amqp-sequence sections. Unknown message annotations are
 * kept in Message::annotations. Errors: InvalidArgument for malformed input.
 */
core::Result<core::Message> decodeMessage(std::string_view bytes, DecodeMode mode = DecodeMode::ClientSend);

/** A transfer payload: one message (format 0) or the inner messages of a batch (kBatchMessageFormat). */
core::Result<std::vector<core::Message>> decodeTransfer(std::string_view bytes, std::uint32_t messageFormat);

/**
 * Proton 0.37 does not expose a transfer's message-format, so batches are recognised by shape: a
 * body of data sections that each hold a complete AMQP message (first section 0x00 0x53 0x70-0x77).
 * A single message whose payload is itself an encoded AMQP message would be taken for a batch of one.
 */
bool looksLikeBatch(std::string_view bytes);

/** What encodeMessage() adds besides the message itself. */
struct EncodeOptions
{
    /** x-opt-locked-until (peek-lock deliveries and receive-by-sequence-number). */
    bool lockedUntil = false;
    /** delivery-annotations x-opt-lock-token (receive-by-sequence-number: PY reads the lock from it). */
    bool lockTokenAnnotation = false;
    /** x-opt-enqueued-time and x-opt-sequence-number. false for a message a client sends (core/client). */
    bool brokerAnnotations = true;
};

/**
 * Encodes a message as the broker hands it out: header (durable, priority, ttl, delivery-count),
 * message-annotations (x-opt-* of the broker, then the client's others), properties (including
 * absolute-expiry-time), application-properties, then the body sections exactly as received.
 */
std::string encodeMessage(const core::Message &message, const EncodeOptions &options = {});

/**
 * The 16-byte delivery tag for a lock token: .NET Guid.ToByteArray() order (first three groups
 * little-endian), which is what the SDKs expect in delivery tags (servicebus-amqp.md §2.6).
 */
std::string lockTokenToDeliveryTag(const core::Uuid &lockToken);
/** The inverse of lockTokenToDeliveryTag(); nullopt unless `tag` has 16 bytes. */
std::optional<core::Uuid> deliveryTagToLockToken(std::string_view tag);

/** .NET ticks (100 ns since 0001-01-01 UTC) of a time, as in com.microsoft:locked-until-utc. */
std::int64_t toDotNetTicks(core::TimePoint time);
core::TimePoint fromDotNetTicks(std::int64_t ticks);

// ---- pn_data_t helpers shared by the AMQP front-end ------------------------------------------------

/** Appends `value` at the current position of `data` (Microsoft described types included). */
void putValue(pn_data_t *data, const core::Value &value);
/** Reads the value at the current node of `data` (after pn_data_next). Lists, maps, arrays and other
 *  described values become Value::opaque with their AMQP encoding. */
core::Value readValue(pn_data_t *data);

} // namespace busyard::client::codec
