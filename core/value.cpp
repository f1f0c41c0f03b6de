#include "value.h"

#include <cstdio>
#include <cstring>
#include <random>

namespace busyard::core {

namespace {

char lowerAscii(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lowerAscii(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

} // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lowerAscii(a[i]) != lowerAscii(b[i]))
            return false;
    }
    return true;
}

std::string toLowerAscii(std::string_view s)
{
    std::string out(s);
    for (char &c : out)
        c = lowerAscii(c);
    return out;
}

// ---- Uuid -----------------------------------------------------------------------------------------

bool Uuid::isNull() const
{
    for (auto b : bytes) {
        if (b)
            return false;
    }
    return true;
}

std::string Uuid::toString() const
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out.push_back('-');
        out.push_back(digits[bytes[i] >> 4]);
        out.push_back(digits[bytes[i] & 0xf]);
    }
    return out;
}

std::optional<Uuid> Uuid::fromString(std::string_view text)
{
    if (text.size() == 38 && text.front() == '{' && text.back() == '}')
        text = text.substr(1, 36);
    if (text.size() != 36)
        return std::nullopt;
    Uuid u;
    std::size_t b = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-')
                return std::nullopt;
            ++i;
            continue;
        }
        const int hi = hexDigit(text[i]);
        const int lo = hexDigit(text[i + 1]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        u.bytes[b++] = static_cast<std::uint8_t>(hi << 4 | lo);
        i += 2;
    }
    return u;
}

Uuid Uuid::generate()
{
    thread_local std::mt19937_64 rng{std::random_device{}()};
    Uuid u;
    const std::uint64_t a = rng();
    const std::uint64_t b = rng();
    std::memcpy(u.bytes.data(), &a, 8);
    std::memcpy(u.bytes.data() + 8, &b, 8);
    u.bytes[6] = static_cast<std::uint8_t>((u.bytes[6] & 0x0f) | 0x40);
    u.bytes[8] = static_cast<std::uint8_t>((u.bytes[8] & 0x3f) | 0x80);
    return u;
}

// ---- Value ----------------------------------------------------------------------------------------

#define BUSYARD_SIGNED_CTOR(name, T, tag)                                                             \
    Value Value::name(T v)                                                                            \
    {                                                                                                 \
        Value r;                                                                                      \
        r.m_type = Type::tag;                                                                         \
        r.m_i = v;                                                                                    \
        return r;                                                                                     \
    }
#define BUSYARD_UNSIGNED_CTOR(name, T, tag)                                                           \
    Value Value::name(T v)                                                                            \
    {                                                                                                 \
        Value r;                                                                                      \
        r.m_type = Type::tag;                                                                         \
        r.m_u = v;                                                                                    \
        return r;                                                                                     \
    }

BUSYARD_UNSIGNED_CTOR(ubyte, std::uint8_t, UByte)
BUSYARD_UNSIGNED_CTOR(ushort, std::uint16_t, UShort)
BUSYARD_UNSIGNED_CTOR(uint, std::uint32_t, UInt)
BUSYARD_UNSIGNED_CTOR(ulong, std::uint64_t, ULong)
BUSYARD_SIGNED_CTOR(byte, std::int8_t, Byte)
BUSYARD_SIGNED_CTOR(shortInt, std::int16_t, Short)
BUSYARD_SIGNED_CTOR(int32, std::int32_t, Int)
BUSYARD_SIGNED_CTOR(int64, std::int64_t, Long)
BUSYARD_SIGNED_CTOR(timeSpanTicks, std::int64_t, TimeSpan)
#undef BUSYARD_SIGNED_CTOR
#undef BUSYARD_UNSIGNED_CTOR

Value Value::boolean(bool b)
{
    Value r;
    r.m_type = Type::Bool;
    r.m_i = b ? 1 : 0;
    return r;
}

Value Value::float32(float v)
{
    Value r;
    r.m_type = Type::Float;
    r.m_d = v;
    return r;
}

Value Value::float64(double v)
{
    Value r;
    r.m_type = Type::Double;
    r.m_d = v;
    return r;
}

Value Value::decimal(std::string rawBytes)
{
    Value r;
    r.m_type = Type::Decimal;
    r.m_aux = static_cast<std::int32_t>(rawBytes.size() * 8);
    r.m_s = std::move(rawBytes);
    return r;
}

Value Value::character(char32_t c)
{
    Value r;
    r.m_type = Type::Char;
    r.m_u = c;
    return r;
}

#define BUSYARD_TEXT_CTOR(name, tag)                                                                  \
    Value Value::name(std::string s)                                                                  \
    {                                                                                                 \
        Value r;                                                                                      \
        r.m_type = Type::tag;                                                                         \
        r.m_s = std::move(s);                                                                         \
        return r;                                                                                     \
    }
BUSYARD_TEXT_CTOR(string, String)
BUSYARD_TEXT_CTOR(symbol, Symbol)
BUSYARD_TEXT_CTOR(binary, Binary)
BUSYARD_TEXT_CTOR(uri, Uri)
BUSYARD_TEXT_CTOR(opaque, Opaque)
#undef BUSYARD_TEXT_CTOR

Value Value::timestamp(TimePoint t)
{
    Value r;
    r.m_type = Type::Timestamp;
    r.m_i = toMillisSinceEpoch(t);
    return r;
}

Value Value::uuid(const Uuid &u)
{
    Value r;
    r.m_type = Type::Uuid;
    r.m_s.assign(reinterpret_cast<const char *>(u.bytes.data()), u.bytes.size());
    return r;
}

Value Value::dateTimeOffset(std::int64_t ticks, std::int16_t offsetMinutes)
{
    Value r;
    r.m_type = Type::DateTimeOffset;
    r.m_i = ticks;
    r.m_aux = offsetMinutes;
    return r;
}

bool Value::isSignedInteger() const
{
    switch (m_type) {
    case Type::Byte:
    case Type::Short:
    case Type::Int:
    case Type::Long:
        return true;
    default:
        return false;
    }
}

bool Value::isUnsignedInteger() const
{
    switch (m_type) {
    case Type::UByte:
    case Type::UShort:
    case Type::UInt:
    case Type::ULong:
        return true;
    default:
        return false;
    }
}

Uuid Value::toUuid() const
{
    Uuid u;
    if (m_type == Type::Uuid && m_s.size() == 16)
        std::memcpy(u.bytes.data(), m_s.data(), 16);
    return u;
}

std::string Value::toDisplayString() const
{
    char buf[64];
    switch (m_type) {
    case Type::Null: return "null";
    case Type::Bool: return m_i ? "true" : "false";
    case Type::UByte:
    case Type::UShort:
    case Type::UInt:
    case Type::ULong:
        std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(m_u));
        return buf;
    case Type::Byte:
    case Type::Short:
    case Type::Int:
    case Type::Long:
    case Type::TimeSpan:
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(m_i));
        return buf;
    case Type::Float:
    case Type::Double:
        std::snprintf(buf, sizeof buf, "%.17g", m_d);
        return buf;
    case Type::Char: {
        std::string out;
        const char32_t c = static_cast<char32_t>(m_u);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else if (c < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else if (c < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (c >> 12)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (c >> 18)));
            out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
        return out;
    }
    case Type::String:
    case Type::Symbol:
    case Type::Uri:
        return m_s;
    case Type::Timestamp:
        return formatIso8601(toTimestamp());
    case Type::Uuid:
        return toUuid().toString();
    case Type::DateTimeOffset:
        std::snprintf(buf, sizeof buf, "%lld ticks %+d min", static_cast<long long>(m_i), m_aux);
        return buf;
    case Type::Decimal:
    case Type::Binary:
    case Type::Opaque: {
        static const char digits[] = "0123456789abcdef";
        std::string out;
        out.reserve(m_s.size() * 2);
        for (unsigned char c : m_s) {
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0xf]);
        }
        return out;
    }
    }
    return {};
}

std::size_t Value::byteSize() const
{
    switch (m_type) {
    case Type::Null: return 0;
    case Type::Bool:
    case Type::UByte:
    case Type::Byte: return 1;
    case Type::UShort:
    case Type::Short: return 2;
    case Type::UInt:
    case Type::Int:
    case Type::Float:
    case Type::Char: return 4;
    case Type::ULong:
    case Type::Long:
    case Type::Double:
    case Type::Timestamp:
    case Type::TimeSpan: return 8;
    case Type::DateTimeOffset: return 10;
    default: return m_s.size();
    }
}

bool Value::operator==(const Value &other) const
{
    if (m_type != other.m_type || m_aux != other.m_aux)
        return false;
    switch (m_type) {
    case Type::Null: return true;
    case Type::String:
    case Type::Symbol:
    case Type::Binary:
    case Type::Uri:
    case Type::Uuid:
    case Type::Decimal:
    case Type::Opaque:
        return m_s == other.m_s;
    default:
        return m_u == other.m_u; // bitwise, also for doubles
    }
}

const char *valueTypeName(Value::Type type)
{
    using T = Value::Type;
    switch (type) {
    case T::Null: return "null";
    case T::Bool: return "boolean";
    case T::UByte: return "ubyte";
    case T::UShort: return "ushort";
    case T::UInt: return "uint";
    case T::ULong: return "ulong";
    case T::Byte: return "byte";
    case T::Short: return "short";
    case T::Int: return "int";
    case T::Long: return "long";
    case T::Float: return "float";
    case T::Double: return "double";
    case T::Decimal: return "decimal";
    case T::Char: return "char";
    case T::String: return "string";
    case T::Symbol: return "symbol";
    case T::Timestamp: return "timestamp";
    case T::Uuid: return "uuid";
    case T::Binary: return "binary";
    case T::TimeSpan: return "timespan";
    case T::Uri: return "uri";
    case T::DateTimeOffset: return "datetime-offset";
    case T::Opaque: return "opaque";
    }
    return "unknown";
}

// ---- PropertyMap ----------------------------------------------------------------------------------

const Value *PropertyMap::find(std::string_view name) const
{
    for (const auto &e : m_entries) {
        if (equalsIgnoreCase(e.first, name))
            return &e.second;
    }
    return nullptr;
}

Value *PropertyMap::find(std::string_view name)
{
    for (auto &e : m_entries) {
        if (equalsIgnoreCase(e.first, name))
            return &e.second;
    }
    return nullptr;
}

void PropertyMap::set(std::string name, Value value)
{
    if (Value *v = find(name)) {
        *v = std::move(value);
        return;
    }
    m_entries.emplace_back(std::move(name), std::move(value));
}

std::size_t PropertyMap::remove(std::string_view name)
{
    const auto before = m_entries.size();
    std::erase_if(m_entries, [name](const Entry &e) { return equalsIgnoreCase(e.first, name); });
    return before - m_entries.size();
}

std::size_t PropertyMap::byteSize() const
{
    std::size_t total = 0;
    for (const auto &e : m_entries)
        total += e.first.size() + e.second.byteSize();
    return total;
}

} // namespace busyard::core
