#include "messagecodec.h"

#include <proton/codec.h>

#include <cstring>
#include <functional>
#include <memory>

namespace busyard::client::codec {

using core::Value;

namespace {

// Section descriptor codes (AMQP 1.0 §3.2).
constexpr std::uint64_t kHeader = 0x70;
constexpr std::uint64_t kDeliveryAnnotations = 0x71;
constexpr std::uint64_t kMessageAnnotations = 0x72;
constexpr std::uint64_t kProperties = 0x73;
constexpr std::uint64_t kApplicationProperties = 0x74;
constexpr std::uint64_t kData = 0x75;
constexpr std::uint64_t kAmqpSequence = 0x76;
constexpr std::uint64_t kAmqpValue = 0x77;
constexpr std::uint64_t kFooter = 0x78;

constexpr const char *kTimeSpanDescriptor = "com.microsoft:timespan";
constexpr const char *kUriDescriptor = "com.microsoft:uri";
constexpr const char *kDateTimeOffsetDescriptor = "com.microsoft:datetime-offset";

constexpr std::string_view kScheduledEnqueueTime = "x-opt-scheduled-enqueue-time";
constexpr std::string_view kPartitionKey = "x-opt-partition-key";
constexpr std::string_view kViaPartitionKey = "x-opt-via-partition-key";
constexpr std::string_view kSequenceNumber = "x-opt-sequence-number";
constexpr std::string_view kEnqueueSequenceNumber = "x-opt-enqueue-sequence-number";
constexpr std::string_view kEnqueuedTime = "x-opt-enqueued-time";
constexpr std::string_view kLockedUntil = "x-opt-locked-until";
constexpr std::string_view kMessageState = "x-opt-message-state";
constexpr std::string_view kDeadLetterSource = "x-opt-deadletter-source";
constexpr std::string_view kLockToken = "x-opt-lock-token";

/** .NET ticks at the Unix epoch. */
constexpr std::int64_t kEpochTicks = 621355968000000000LL;

struct DataDeleter
{
    void operator()(pn_data_t *d) const { pn_data_free(d); }
};
using DataPtr = std::unique_ptr<pn_data_t, DataDeleter>;
DataPtr newData() { return DataPtr(pn_data(16)); }

std::string toString(pn_bytes_t b) { return std::string(b.start, b.size); }

std::string encodeData(pn_data_t *data)
{
    std::string out;
    ssize_t size = pn_data_encoded_size(data);
    if (size <= 0)
        return out;
    out.resize(std::size_t(size));
    const ssize_t used = pn_data_encode(data, out.data(), out.size());
    out.resize(used > 0 ? std::size_t(used) : 0);
    return out;
}

/** Copies the value at src's current node (with its children) to dst's current position. */
void copyCurrent(pn_data_t *dst, pn_data_t *src)
{
    switch (pn_data_type(src)) {
    case PN_LIST:
    case PN_MAP: {
        const bool isList = pn_data_type(src) == PN_LIST;
        isList ? pn_data_put_list(dst) : pn_data_put_map(dst);
        pn_data_enter(dst);
        pn_data_enter(src);
        while (pn_data_next(src))
            copyCurrent(dst, src);
        pn_data_exit(src);
        pn_data_exit(dst);
        break;
    }
    case PN_ARRAY: {
        pn_data_put_array(dst, pn_data_is_array_described(src), pn_data_get_array_type(src));
        pn_data_enter(dst);
        pn_data_enter(src);
        while (pn_data_next(src))
            copyCurrent(dst, src);
        pn_data_exit(src);
        pn_data_exit(dst);
        break;
    }
    case PN_DESCRIBED:
        pn_data_put_described(dst);
        pn_data_enter(dst);
        pn_data_enter(src);
        while (pn_data_next(src))
            copyCurrent(dst, src);
        pn_data_exit(src);
        pn_data_exit(dst);
        break;
    default:
        pn_data_put_atom(dst, pn_data_get_atom(src));
        break;
    }
}

std::string encodeCurrent(pn_data_t *src)
{
    DataPtr tmp = newData();
    copyCurrent(tmp.get(), src);
    return encodeData(tmp.get());
}

std::optional<std::string> readText(pn_data_t *data)
{
    switch (pn_data_type(data)) {
    case PN_STRING: return toString(pn_data_get_string(data));
    case PN_SYMBOL: return toString(pn_data_get_symbol(data));
    default: return std::nullopt;
    }
}

std::optional<std::int64_t> readInteger(pn_data_t *data)
{
    switch (pn_data_type(data)) {
    case PN_UBYTE: return pn_data_get_ubyte(data);
    case PN_USHORT: return pn_data_get_ushort(data);
    case PN_UINT: return pn_data_get_uint(data);
    case PN_ULONG: return std::int64_t(pn_data_get_ulong(data));
    case PN_BYTE: return pn_data_get_byte(data);
    case PN_SHORT: return pn_data_get_short(data);
    case PN_INT: return pn_data_get_int(data);
    case PN_LONG: return pn_data_get_long(data);
    case PN_TIMESTAMP: return pn_data_get_timestamp(data);
    default: return std::nullopt;
    }
}

void putOptionalString(pn_data_t *data, const std::optional<std::string> &s, bool symbol = false)
{
    if (!s)
        pn_data_put_null(data);
    else if (symbol)
        pn_data_put_symbol(data, pn_bytes(s->size(), s->data()));
    else
        pn_data_put_string(data, pn_bytes(s->size(), s->data()));
}

void putSymbol(pn_data_t *data, std::string_view s) { pn_data_put_symbol(data, pn_bytes(s.size(), s.data())); }
void putString(pn_data_t *data, std::string_view s) { pn_data_put_string(data, pn_bytes(s.size(), s.data())); }

/** A section split into its descriptor code and the raw bytes of its value. */
struct RawSection
{
    std::uint64_t code = 0;
    std::string_view valueBytes;
};

std::optional<std::uint64_t> codeForSymbol(std::string_view name)
{
    static constexpr std::pair<std::string_view, std::uint64_t> names[] = {
        {"amqp:header:list", kHeader},
        {"amqp:delivery-annotations:map", kDeliveryAnnotations},
        {"amqp:message-annotations:map", kMessageAnnotations},
        {"amqp:properties:list", kProperties},
        {"amqp:application-properties:map", kApplicationProperties},
        {"amqp:data:binary", kData},
        {"amqp:amqp-sequence:list", kAmqpSequence},
        {"amqp:value:*", kAmqpValue},
        {"amqp:footer:map", kFooter},
    };
    for (const auto &[n, c] : names)
        if (n == name)
            return c;
    return std::nullopt;
}

/** Parses the descriptor of the section starting at `bytes` (length `size` = whole section). */
std::optional<RawSection> splitSection(std::string_view section)
{
    if (section.size() < 3 || section[0] != '\x00')
        return std::nullopt;
    const auto ctor = static_cast<std::uint8_t>(section[1]);
    std::size_t offset = 0;
    RawSection raw;
    auto be = [&](std::size_t from, std::size_t n) {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i)
            v = (v << 8) | static_cast<std::uint8_t>(section[from + i]);
        return v;
    };
    switch (ctor) {
    case 0x53: raw.code = static_cast<std::uint8_t>(section[2]); offset = 3; break;
    case 0x44: raw.code = 0; offset = 2; break;
    case 0x80:
        if (section.size() < 10)
            return std::nullopt;
        raw.code = be(2, 8);
        offset = 10;
        break;
    case 0xa3:
    case 0xb3: {
        const std::size_t lenBytes = ctor == 0xa3 ? 1 : 4;
        if (section.size() < 2 + lenBytes)
            return std::nullopt;
        const std::size_t len = std::size_t(be(2, lenBytes));
        if (section.size() < 2 + lenBytes + len)
            return std::nullopt;
        auto code = codeForSymbol(section.substr(2 + lenBytes, len));
        if (!code)
            return std::nullopt;
        raw.code = *code;
        offset = 2 + lenBytes + len;
        break;
    }
    default:
        return std::nullopt;
    }
    if (offset >= section.size())
        return std::nullopt;
    raw.valueBytes = section.substr(offset);
    return raw;
}

core::Error malformed(std::string what)
{
    return core::makeError(core::ErrorCode::InvalidArgument, "malformed AMQP message: " + std::move(what));
}

/** Reads a map with symbol (or string) keys into a PropertyMap; other keys are skipped. */
void readMap(pn_data_t *data, core::PropertyMap &into, const std::function<bool(const std::string &, pn_data_t *)> &special)
{
    if (pn_data_type(data) != PN_MAP)
        return;
    pn_data_enter(data);
    while (pn_data_next(data)) {
        std::optional<std::string> key = readText(data);
        if (!pn_data_next(data))
            break;
        if (!key)
            continue;
        if (special && special(*key, data))
            continue;
        into.entries().emplace_back(std::move(*key), readValue(data));
    }
    pn_data_exit(data);
}

std::string uint32Be(std::uint32_t v)
{
    std::string s(4, '\0');
    for (int i = 3; i >= 0; --i) {
        s[std::size_t(i)] = static_cast<char>(v & 0xff);
        v >>= 8;
    }
    return s;
}

std::string uint64Be(std::uint64_t v)
{
    std::string s(8, '\0');
    for (int i = 7; i >= 0; --i) {
        s[std::size_t(i)] = static_cast<char>(v & 0xff);
        v >>= 8;
    }
    return s;
}

std::uint64_t readBe(std::string_view s)
{
    std::uint64_t v = 0;
    for (char c : s)
        v = (v << 8) | static_cast<std::uint8_t>(c);
    return v;
}

void appendSection(std::string &out, std::uint8_t code, std::string_view valueBytes)
{
    out.push_back('\x00');
    out.push_back('\x53');
    out.push_back(static_cast<char>(code));
    out += valueBytes;
}

} // namespace

// ---- values ---------------------------------------------------------------------------------------

Value readValue(pn_data_t *data)
{
    switch (pn_data_type(data)) {
    case PN_NULL: return Value::null();
    case PN_BOOL: return Value::boolean(pn_data_get_bool(data));
    case PN_UBYTE: return Value::ubyte(pn_data_get_ubyte(data));
    case PN_USHORT: return Value::ushort(pn_data_get_ushort(data));
    case PN_UINT: return Value::uint(pn_data_get_uint(data));
    case PN_ULONG: return Value::ulong(pn_data_get_ulong(data));
    case PN_BYTE: return Value::byte(pn_data_get_byte(data));
    case PN_SHORT: return Value::shortInt(pn_data_get_short(data));
    case PN_INT: return Value::int32(pn_data_get_int(data));
    case PN_LONG: return Value::int64(pn_data_get_long(data));
    case PN_FLOAT: return Value::float32(pn_data_get_float(data));
    case PN_DOUBLE: return Value::float64(pn_data_get_double(data));
    case PN_DECIMAL32: return Value::decimal(uint32Be(pn_data_get_decimal32(data)));
    case PN_DECIMAL64: return Value::decimal(uint64Be(pn_data_get_decimal64(data)));
    case PN_DECIMAL128: {
        const pn_decimal128_t d = pn_data_get_decimal128(data);
        return Value::decimal(std::string(d.bytes, 16));
    }
    case PN_CHAR: return Value::character(char32_t(pn_data_get_char(data)));
    case PN_STRING: return Value::string(toString(pn_data_get_string(data)));
    case PN_SYMBOL: return Value::symbol(toString(pn_data_get_symbol(data)));
    case PN_TIMESTAMP: return Value::timestamp(core::fromMillisSinceEpoch(pn_data_get_timestamp(data)));
    case PN_UUID: {
        const pn_uuid_t u = pn_data_get_uuid(data);
        core::Uuid uuid;
        std::memcpy(uuid.bytes.data(), u.bytes, 16);
        return Value::uuid(uuid);
    }
    case PN_BINARY: return Value::binary(toString(pn_data_get_binary(data)));
    case PN_DESCRIBED: {
        // The Microsoft described types (.NET AmqpMessageConverter): symbol descriptor + long/string.
        pn_handle_t point = pn_data_point(data);
        pn_data_enter(data);
        std::optional<Value> result;
        if (pn_data_next(data) && pn_data_type(data) == PN_SYMBOL) {
            const std::string descriptor = toString(pn_data_get_symbol(data));
            if (pn_data_next(data)) {
                if (descriptor == kTimeSpanDescriptor && pn_data_type(data) == PN_LONG)
                    result = Value::timeSpanTicks(pn_data_get_long(data));
                else if (descriptor == kUriDescriptor && pn_data_type(data) == PN_STRING)
                    result = Value::uri(toString(pn_data_get_string(data)));
                else if (descriptor == kDateTimeOffsetDescriptor && pn_data_type(data) == PN_LONG)
                    result = Value::dateTimeOffset(pn_data_get_long(data), 0);
            }
        }
        pn_data_restore(data, point);
        if (result)
            return *result;
        return Value::opaque(encodeCurrent(data));
    }
    default:
        return Value::opaque(encodeCurrent(data));
    }
}

void putValue(pn_data_t *data, const Value &value)
{
    switch (value.type()) {
    case Value::Type::Null: pn_data_put_null(data); break;
    case Value::Type::Bool: pn_data_put_bool(data, value.toBool()); break;
    case Value::Type::UByte: pn_data_put_ubyte(data, std::uint8_t(value.toUInt64())); break;
    case Value::Type::UShort: pn_data_put_ushort(data, std::uint16_t(value.toUInt64())); break;
    case Value::Type::UInt: pn_data_put_uint(data, std::uint32_t(value.toUInt64())); break;
    case Value::Type::ULong: pn_data_put_ulong(data, value.toUInt64()); break;
    case Value::Type::Byte: pn_data_put_byte(data, std::int8_t(value.toInt64())); break;
    case Value::Type::Short: pn_data_put_short(data, std::int16_t(value.toInt64())); break;
    case Value::Type::Int: pn_data_put_int(data, std::int32_t(value.toInt64())); break;
    case Value::Type::Long: pn_data_put_long(data, value.toInt64()); break;
    case Value::Type::Float: pn_data_put_float(data, float(value.toDouble())); break;
    case Value::Type::Double: pn_data_put_double(data, value.toDouble()); break;
    case Value::Type::Decimal: {
        const std::string &raw = value.bytes();
        if (raw.size() == 4) {
            pn_data_put_decimal32(data, pn_decimal32_t(readBe(raw)));
        } else if (raw.size() == 8) {
            pn_data_put_decimal64(data, pn_decimal64_t(readBe(raw)));
        } else {
            pn_decimal128_t d{};
            std::memcpy(d.bytes, raw.data(), std::min<std::size_t>(16, raw.size()));
            pn_data_put_decimal128(data, d);
        }
        break;
    }
    case Value::Type::Char: pn_data_put_char(data, pn_char_t(value.toUInt64())); break;
    case Value::Type::String: putString(data, value.bytes()); break;
    case Value::Type::Symbol: putSymbol(data, value.bytes()); break;
    case Value::Type::Timestamp: pn_data_put_timestamp(data, value.toInt64()); break;
    case Value::Type::Uuid: {
        pn_uuid_t u;
        std::memcpy(u.bytes, value.toUuid().bytes.data(), 16);
        pn_data_put_uuid(data, u);
        break;
    }
    case Value::Type::Binary: pn_data_put_binary(data, pn_bytes(value.bytes().size(), value.bytes().data())); break;
    case Value::Type::TimeSpan:
    case Value::Type::Uri:
    case Value::Type::DateTimeOffset: {
        pn_data_put_described(data);
        pn_data_enter(data);
        if (value.type() == Value::Type::TimeSpan) {
            putSymbol(data, kTimeSpanDescriptor);
            pn_data_put_long(data, value.toInt64());
        } else if (value.type() == Value::Type::Uri) {
            putSymbol(data, kUriDescriptor);
            putString(data, value.bytes());
        } else {
            putSymbol(data, kDateTimeOffsetDescriptor);
            pn_data_put_long(data, value.toInt64());
        }
        pn_data_exit(data);
        break;
    }
    case Value::Type::Opaque: {
        DataPtr tmp = newData();
        if (pn_data_decode(tmp.get(), value.bytes().data(), value.bytes().size()) > 0) {
            pn_data_rewind(tmp.get());
            if (pn_data_next(tmp.get())) {
                copyCurrent(data, tmp.get());
                break;
            }
        }
        pn_data_put_null(data);
        break;
    }
    }
}

// ---- lock tokens and ticks ----------------------------------------------------------------------

std::string lockTokenToDeliveryTag(const core::Uuid &lockToken)
{
    static constexpr int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    std::string tag(16, '\0');
    for (int i = 0; i < 16; ++i)
        tag[std::size_t(i)] = static_cast<char>(lockToken.bytes[std::size_t(order[i])]);
    return tag;
}

std::optional<core::Uuid> deliveryTagToLockToken(std::string_view tag)
{
    if (tag.size() != 16)
        return std::nullopt;
    static constexpr int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    core::Uuid uuid;
    for (int i = 0; i < 16; ++i)
        uuid.bytes[std::size_t(order[i])] = static_cast<std::uint8_t>(tag[std::size_t(i)]);
    return uuid;
}

std::int64_t toDotNetTicks(core::TimePoint time)
{
    return kEpochTicks + core::toMillisSinceEpoch(time) * 10000;
}

core::TimePoint fromDotNetTicks(std::int64_t ticks)
{
    return core::fromMillisSinceEpoch((ticks - kEpochTicks) / 10000);
}

// ---- messages ---------------------------------------------------------------------------------------

core::Result<core::Message> decodeMessage(std::string_view bytes, DecodeMode mode)
{
    core::Message message;
    message.durable = false; // AMQP: an absent header (or durable field) means not durable
    DataPtr data = newData();
    bool sawBody = false;
    std::size_t dataSections = 0;
    const bool broker = mode == DecodeMode::BrokerEncoded;

    while (!bytes.empty()) {
        pn_data_clear(data.get());
        const ssize_t used = pn_data_decode(data.get(), bytes.data(), bytes.size());
        if (used <= 0)
            return malformed("undecodable section");
        const std::string_view sectionBytes = bytes.substr(0, std::size_t(used));
        bytes.remove_prefix(std::size_t(used));
        const auto raw = splitSection(sectionBytes);
        if (!raw)
            return malformed("section without a known descriptor");

        pn_data_rewind(data.get());
        pn_data_next(data.get());
        pn_data_enter(data.get());
        pn_data_next(data.get()); // descriptor
        const bool hasValue = pn_data_next(data.get());
        pn_data_t *d = data.get();

        switch (raw->code) {
        case kHeader: {
            if (!hasValue || pn_data_type(d) != PN_LIST)
                return malformed("header is not a list");
            pn_data_enter(d);
            int index = 0;
            while (pn_data_next(d)) {
                const pn_type_t type = pn_data_type(d);
                if (index == 0 && type == PN_BOOL)
                    message.durable = pn_data_get_bool(d);
                else if (index == 1 && type == PN_UBYTE)
                    message.priority = pn_data_get_ubyte(d);
                else if (index == 2 && type != PN_NULL) {
                    if (auto ttl = readInteger(d); ttl && *ttl > 0)
                        message.timeToLive = core::Duration(*ttl);
                } else if (index == 4 && broker && type == PN_UINT)
                    message.deliveryCount = pn_data_get_uint(d);
                ++index;
            }
            pn_data_exit(d);
            break;
        }
        case kDeliveryAnnotations:
            if (broker && hasValue && pn_data_type(d) == PN_MAP) {
                core::PropertyMap ignored;
                readMap(d, ignored, [&](const std::string &key, pn_data_t *v) {
                    if (key == kLockToken && pn_data_type(v) == PN_UUID)
                        message.lockToken = readValue(v).toUuid();
                    return true;
                });
            }
            break;
        case kMessageAnnotations:
            if (!hasValue || pn_data_type(d) != PN_MAP)
                break;
            readMap(d, message.annotations, [&](const std::string &key, pn_data_t *v) {
                if (key == kScheduledEnqueueTime) {
                    if (auto t = readInteger(v))
                        message.scheduledEnqueueTime = core::fromMillisSinceEpoch(*t);
                    return true;
                }
                if (key == kPartitionKey) {
                    message.partitionKey = readText(v);
                    return true;
                }
                if (key == kViaPartitionKey) {
                    message.viaPartitionKey = readText(v);
                    return true;
                }
                const bool brokerKey = key == kSequenceNumber || key == kEnqueueSequenceNumber
                    || key == kEnqueuedTime || key == kLockedUntil || key == kMessageState
                    || key == kDeadLetterSource || key == kLockToken;
                if (!brokerKey)
                    return false;
                if (broker) {
                    const auto n = readInteger(v);
                    if (key == kSequenceNumber && n)
                        message.sequenceNumber = *n;
                    else if (key == kEnqueueSequenceNumber && n)
                        message.enqueuedSequenceNumber = *n;
                    else if (key == kEnqueuedTime && n)
                        message.enqueuedTime = core::fromMillisSinceEpoch(*n);
                    else if (key == kLockedUntil && n)
                        message.lockedUntil = core::fromMillisSinceEpoch(*n);
                    else if (key == kMessageState && n && *n >= 0 && *n <= 2)
                        message.state = core::MessageState(*n);
                    else if (key == kDeadLetterSource)
                        message.deadLetterSource = readText(v);
                }
                return true; // the broker sets these; a client's copy is dropped
            });
            break;
        case kProperties: {
            if (!hasValue || pn_data_type(d) != PN_LIST)
                return malformed("properties is not a list");
            pn_data_enter(d);
            int index = 0;
            while (pn_data_next(d)) {
                const bool isNull = pn_data_type(d) == PN_NULL;
                switch (index) {
                case 0: if (!isNull) message.messageId = readValue(d); break;
                case 2: message.to = readText(d); break;
                case 3: message.subject = readText(d); break;
                case 4: message.replyTo = readText(d); break;
                case 5: if (!isNull) message.correlationId = readValue(d); break;
                case 6: message.contentType = readText(d); break;
                case 7: message.contentEncoding = readText(d); break;
                case 8:
                    if (broker)
                        if (auto t = readInteger(d))
                            message.expiresAt = core::fromMillisSinceEpoch(*t);
                    break;
                case 10: message.sessionId = readText(d); break;
                case 12: message.replyToSessionId = readText(d); break;
                default: break; // user-id, creation-time, group-sequence: not kept
                }
                ++index;
            }
            pn_data_exit(d);
            break;
        }
        case kApplicationProperties:
            if (hasValue && pn_data_type(d) == PN_MAP)
                readMap(d, message.applicationProperties, nullptr);
            break;
        case kData: {
            if (!hasValue || pn_data_type(d) != PN_BINARY)
                return malformed("data section is not binary");
            if (sawBody && message.bodyType != core::BodyType::Data)
                return malformed("mixed body sections");
            std::string payload = toString(pn_data_get_binary(d));
            if (dataSections++ == 0)
                message.body = std::move(payload);
            else
                message.extraDataSections.push_back(std::move(payload));
            message.bodyType = core::BodyType::Data;
            sawBody = true;
            break;
        }
        case kAmqpSequence:
            if (sawBody && message.bodyType != core::BodyType::Sequence)
                return malformed("mixed body sections");
            message.bodyType = core::BodyType::Sequence;
            message.body += raw->valueBytes;
            sawBody = true;
            break;
        case kAmqpValue:
            if (sawBody)
                return malformed("more than one amqp-value section");
            message.bodyType = core::BodyType::Value;
            message.body = std::string(raw->valueBytes);
            sawBody = true;
            break;
        case kFooter:
            break;
        default:
            return malformed("unknown section 0x" + std::to_string(raw->code));
        }
    }
    return message;
}

core::Result<std::vector<core::Message>> decodeTransfer(std::string_view bytes, std::uint32_t messageFormat)
{
    std::vector<core::Message> messages;
    if (messageFormat != kBatchMessageFormat) {
        auto one = decodeMessage(bytes);
        if (!one)
            return one.error();
        messages.push_back(std::move(one.value()));
        return messages;
    }
    // A batch: the envelope's data sections each hold one complete encoded message; the envelope's
    // own properties and annotations are copies of the first message's and are ignored.
    auto envelope = decodeMessage(bytes);
    if (!envelope)
        return envelope.error();
    if (envelope->bodyType != core::BodyType::Data)
        return malformed("batch body is not data sections");
    std::vector<const std::string *> inner;
    if (!envelope->body.empty() || !envelope->extraDataSections.empty())
        inner.push_back(&envelope->body);
    for (const std::string &section : envelope->extraDataSections)
        inner.push_back(&section);
    for (const std::string *section : inner) {
        auto message = decodeMessage(*section);
        if (!message)
            return message.error();
        messages.push_back(std::move(message.value()));
    }
    return messages;
}

bool looksLikeBatch(std::string_view bytes)
{
    auto envelope = decodeMessage(bytes);
    if (!envelope || envelope->bodyType != core::BodyType::Data)
        return false;
    auto isMessage = [](const std::string &payload) {
        if (payload.size() < 4 || payload[0] != '\x00' || payload[1] != '\x53')
            return false;
        const auto code = static_cast<std::uint8_t>(payload[2]);
        return code >= 0x70 && code <= 0x77 && decodeMessage(payload).ok();
    };
    if (!isMessage(envelope->body))
        return false;
    for (const std::string &section : envelope->extraDataSections)
        if (!isMessage(section))
            return false;
    return true;
}

std::string encodeMessage(const core::Message &message, const EncodeOptions &options)
{
    std::string out;
    DataPtr data = newData();
    pn_data_t *d = data.get();

    auto beginSection = [&](std::uint64_t code) {
        pn_data_clear(d);
        pn_data_put_described(d);
        pn_data_enter(d);
        pn_data_put_ulong(d, code);
    };
    auto endSection = [&] {
        pn_data_exit(d);
        out += encodeData(d);
    };

    // header
    beginSection(kHeader);
    pn_data_put_list(d);
    pn_data_enter(d);
    pn_data_put_bool(d, message.durable);
    pn_data_put_ubyte(d, message.priority);
    if (message.timeToLive && message.timeToLive->count() > 0 && message.timeToLive->count() <= 0xffffffffLL)
        pn_data_put_uint(d, std::uint32_t(message.timeToLive->count()));
    else
        pn_data_put_null(d);
    pn_data_put_null(d); // first-acquirer
    pn_data_put_uint(d, message.deliveryCount);
    pn_data_exit(d);
    endSection();

    // delivery annotations
    if (options.lockTokenAnnotation && !message.lockToken.isNull()) {
        beginSection(kDeliveryAnnotations);
        pn_data_put_map(d);
        pn_data_enter(d);
        putSymbol(d, kLockToken);
        putValue(d, Value::uuid(message.lockToken));
        pn_data_exit(d);
        endSection();
    }

    // message annotations: the broker's first, then the client's own
    beginSection(kMessageAnnotations);
    pn_data_put_map(d);
    pn_data_enter(d);
    if (message.scheduledEnqueueTime) {
        putSymbol(d, kScheduledEnqueueTime);
        pn_data_put_timestamp(d, core::toMillisSinceEpoch(*message.scheduledEnqueueTime));
    }
    if (message.partitionKey) {
        putSymbol(d, kPartitionKey);
        putString(d, *message.partitionKey);
    }
    if (message.viaPartitionKey) {
        putSymbol(d, kViaPartitionKey);
        putString(d, *message.viaPartitionKey);
    }
    if (options.brokerAnnotations) {
        putSymbol(d, kEnqueuedTime);
        pn_data_put_timestamp(d, core::toMillisSinceEpoch(message.enqueuedTime));
        putSymbol(d, kSequenceNumber);
        pn_data_put_long(d, message.sequenceNumber);
    }
    if (message.enqueuedSequenceNumber != 0) {
        putSymbol(d, kEnqueueSequenceNumber);
        pn_data_put_long(d, message.enqueuedSequenceNumber);
    }
    if (options.lockedUntil) {
        putSymbol(d, kLockedUntil);
        pn_data_put_timestamp(d, core::toMillisSinceEpoch(message.lockedUntil));
    }
    if (message.state != core::MessageState::Active) {
        putSymbol(d, kMessageState);
        pn_data_put_int(d, int(message.state));
    }
    if (message.deadLetterSource) {
        putSymbol(d, kDeadLetterSource);
        putString(d, *message.deadLetterSource);
    }
    for (const auto &[key, value] : message.annotations.entries()) {
        putSymbol(d, key);
        putValue(d, value);
    }
    pn_data_exit(d);
    endSection();

    // properties
    beginSection(kProperties);
    pn_data_put_list(d);
    pn_data_enter(d);
    putValue(d, message.messageId);
    pn_data_put_null(d); // user-id
    putOptionalString(d, message.to);
    putOptionalString(d, message.subject);
    putOptionalString(d, message.replyTo);
    putValue(d, message.correlationId);
    putOptionalString(d, message.contentType, true);
    putOptionalString(d, message.contentEncoding, true);
    if (message.expiresAt < core::kMaxTime)
        pn_data_put_timestamp(d, core::toMillisSinceEpoch(message.expiresAt));
    else
        pn_data_put_null(d);
    pn_data_put_null(d); // creation-time
    putOptionalString(d, message.sessionId);
    pn_data_put_null(d); // group-sequence
    putOptionalString(d, message.replyToSessionId);
    pn_data_exit(d);
    endSection();

    if (!message.applicationProperties.empty()) {
        beginSection(kApplicationProperties);
        pn_data_put_map(d);
        pn_data_enter(d);
        for (const auto &[key, value] : message.applicationProperties.entries()) {
            putString(d, key);
            putValue(d, value);
        }
        pn_data_exit(d);
        endSection();
    }

    // body, byte for byte
    switch (message.bodyType) {
    case core::BodyType::Data: {
        auto putData = [&](const std::string &payload) {
            pn_data_clear(d);
            pn_data_put_binary(d, pn_bytes(payload.size(), payload.data()));
            appendSection(out, kData, encodeData(d));
        };
        putData(message.body);
        for (const std::string &section : message.extraDataSections)
            putData(section);
        break;
    }
    case core::BodyType::Value:
        appendSection(out, kAmqpValue, message.body.empty() ? std::string_view("\x40", 1) : std::string_view(message.body));
        break;
    case core::BodyType::Sequence: {
        // body holds the encoded lists back to back: find each one's length by decoding it.
        std::string_view rest = message.body;
        while (!rest.empty()) {
            pn_data_clear(d);
            const ssize_t used = pn_data_decode(d, rest.data(), rest.size());
            if (used <= 0)
                break;
            appendSection(out, kAmqpSequence, rest.substr(0, std::size_t(used)));
            rest.remove_prefix(std::size_t(used));
        }
        break;
    }
    }
    return out;
}

} // namespace busyard::client::codec
