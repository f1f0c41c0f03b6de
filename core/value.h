#pragma once

#include "clock.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace busyard::core {

/** 16 raw bytes in AMQP (RFC 4122 network) order. */
struct Uuid
{
    std::array<std::uint8_t, 16> bytes{};

    bool isNull() const;
    /** "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower case, bytes in order. */
    std::string toString() const;
    static std::optional<Uuid> fromString(std::string_view text);
    /** A random version-4 UUID. */
    static Uuid generate();

    auto operator<=>(const Uuid &) const = default;
};

/**
 * A typed value as AMQP carries it in application properties, message ids and annotations, with the
 * Microsoft described types Service Bus adds (timespan, uri, datetime-offset). The AMQP type is kept
 * so that a message round-trips unchanged and the SQL filter language can apply Azure's type rules.
 *
 * Storage: integers in m_i/m_u, floating in m_d, text and raw bytes in m_s.
 */
class Value
{
public:
    enum class Type : std::uint8_t {
        Null,
        Bool,
        UByte, UShort, UInt, ULong,
        Byte, Short, Int, Long,
        Float, Double,
        Decimal,        ///< decimal32/64/128: raw AMQP bytes in bytes(), width in decimalWidth()
        Char,           ///< UTF-32 code point in toUInt64()
        String,
        Symbol,
        Timestamp,      ///< milliseconds since the Unix epoch, UTC
        Uuid,           ///< 16 bytes in bytes()
        Binary,
        TimeSpan,       ///< com.microsoft:timespan, .NET ticks (100 ns) in toInt64()
        Uri,            ///< com.microsoft:uri, text in bytes()
        DateTimeOffset, ///< com.microsoft:datetime-offset, .NET ticks in toInt64(), offset minutes in offsetMinutes()
        Opaque,         ///< a list, map, array or other described value: AMQP-encoded bytes in bytes()
    };

    Value() = default;

    static Value null() { return Value(); }
    static Value boolean(bool b);
    static Value ubyte(std::uint8_t v);
    static Value ushort(std::uint16_t v);
    static Value uint(std::uint32_t v);
    static Value ulong(std::uint64_t v);
    static Value byte(std::int8_t v);
    static Value shortInt(std::int16_t v);
    static Value int32(std::int32_t v);
    static Value int64(std::int64_t v);
    static Value float32(float v);
    static Value float64(double v);
    static Value decimal(std::string rawBytes);
    static Value character(char32_t c);
    static Value string(std::string s);
    static Value symbol(std::string s);
    static Value timestamp(TimePoint t);
    static Value uuid(const Uuid &u);
    static Value binary(std::string bytes);
    static Value timeSpanTicks(std::int64_t ticks);
    static Value uri(std::string s);
    static Value dateTimeOffset(std::int64_t ticks, std::int16_t offsetMinutes);
    static Value opaque(std::string encoded);

    Type type() const { return m_type; }
    bool isNull() const { return m_type == Type::Null; }
    bool isSignedInteger() const;
    bool isUnsignedInteger() const;
    bool isInteger() const { return isSignedInteger() || isUnsignedInteger(); }
    bool isFloating() const { return m_type == Type::Float || m_type == Type::Double; }
    bool isNumeric() const { return isInteger() || isFloating() || m_type == Type::Decimal; }
    /** String or Symbol. */
    bool isText() const { return m_type == Type::String || m_type == Type::Symbol; }

    bool toBool() const { return m_i != 0; }
    std::int64_t toInt64() const { return m_i; }
    std::uint64_t toUInt64() const { return m_u; }
    double toDouble() const { return m_d; }
    /** Text for String/Symbol/Uri; raw bytes for Binary/Uuid/Decimal/Opaque. */
    const std::string &bytes() const { return m_s; }
    TimePoint toTimestamp() const { return fromMillisSinceEpoch(m_i); }
    Uuid toUuid() const;
    std::int16_t offsetMinutes() const { return static_cast<std::int16_t>(m_aux); }
    int decimalWidth() const { return m_aux; }

    /** Human-readable rendering for logs and the GUI (not a wire format). */
    std::string toDisplayString() const;
    /** Approximate payload size in bytes, as the broker counts it towards message size. */
    std::size_t byteSize() const;

    /** Same type and same value (bitwise for floats, so NaN equals itself). */
    bool operator==(const Value &other) const;

private:
    Type m_type = Type::Null;
    std::int32_t m_aux = 0;
    union {
        std::int64_t m_i = 0;
        std::uint64_t m_u;
        double m_d;
    };
    std::string m_s;
};

const char *valueTypeName(Value::Type type);

/** Application properties in wire order. Lookup is case-insensitive (first match wins), as in Azure. */
class PropertyMap
{
public:
    using Entry = std::pair<std::string, Value>;

    const Value *find(std::string_view name) const;
    Value *find(std::string_view name);
    /** Replaces the first case-insensitive match, or appends. */
    void set(std::string name, Value value);
    /** Removes every case-insensitive match; returns how many were removed. */
    std::size_t remove(std::string_view name);
    bool contains(std::string_view name) const { return find(name) != nullptr; }

    const std::vector<Entry> &entries() const { return m_entries; }
    std::vector<Entry> &entries() { return m_entries; }
    bool empty() const { return m_entries.empty(); }
    std::size_t size() const { return m_entries.size(); }
    void clear() { m_entries.clear(); }
    std::size_t byteSize() const;

    bool operator==(const PropertyMap &) const = default;

private:
    std::vector<Entry> m_entries;
};

/** ASCII case-insensitive equality (Azure compares property and entity names ordinal-ignore-case). */
bool equalsIgnoreCase(std::string_view a, std::string_view b);
/** ASCII lower-case copy. */
std::string toLowerAscii(std::string_view s);

} // namespace busyard::core
