#pragma once

#include "core/message.h"
#include "core/result.h"
#include "core/value.h"

#include <QByteArray>
#include <QString>

#include <vector>

/**
 * Messages as JSON files (export from the message browser, "send from file", send templates).
 *
 * Format (version 1), UTF-8 JSON:
 *
 *     { "format": "busyard.messages", "version": 1, "messages": [ MESSAGE, ... ] }
 *
 * MESSAGE keys (all optional on import except "body"):
 *   "body": string, "bodyEncoding": "text" (UTF-8 as is) | "base64" (any bytes),
 *   "bodyType": "data" | "value" | "sequence" (value/sequence bodies hold AMQP-encoded bytes),
 *   "contentType", "contentEncoding", "sessionId", "replyToSessionId", "subject", "to", "replyTo",
 *   "partitionKey", "viaPartitionKey": strings,
 *   "messageId", "correlationId": TYPED,
 *   "timeToLiveMs": number, "scheduledEnqueueTime": ISO-8601 UTC string,
 *   "priority": number, "durable": bool,
 *   "applicationProperties", "annotations": [ { "name": string, ...TYPED }, ... ] (wire order kept),
 *   broker-set, informational (ignored on import): "sequenceNumber", "enqueuedTime", "deliveryCount",
 *   "state", "deadLetterSource".
 *
 * TYPED = { "type": core::valueTypeName(), "value": V }, V by type: boolean -> bool; byte/short/int/
 * ubyte/ushort/uint/float/double -> number; long/ulong/timespan (ticks) -> decimal string (64-bit
 * exact); string/symbol/uri -> string; char -> one-character string; timestamp -> ISO-8601 UTC
 * string with milliseconds; uuid -> canonical string; binary/decimal/opaque -> base64 string;
 * datetime-offset -> { "ticks": decimal string, "offsetMinutes": number }; null -> null.
 */
namespace busyard::widgets {

QByteArray messagesToJson(const std::vector<core::Message> &messages);
/** InvalidArgument with the offending message index and key when the file does not follow the format. */
core::Result<std::vector<core::Message>> messagesFromJson(const QByteArray &json);

/**
 * Parses user text as a value of one of the send dialog's property types: "string", "int", "long",
 * "double", "boolean", "timestamp" (ISO-8601; UTC unless an offset is given), "uuid".
 * InvalidArgument with a short human message when the text does not fit the type.
 */
core::Result<core::Value> parseTypedValue(const QString &typeName, const QString &text);
/** The type names parseTypedValue() accepts, in the order the send dialog offers them. */
QStringList editableValueTypes();
/** Text for a value in the send dialog (inverse of parseTypedValue for its types). */
QString valueEditText(const core::Value &value);

} // namespace busyard::widgets
