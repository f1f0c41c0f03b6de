#include "scalar.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace busyard::core::sql {

namespace {

// ---- numeric promotion (C# binary numeric promotion) ----------------------------------------------

enum class NumClass : std::uint8_t { None, Int, UInt, Long, ULong, Float, Double, Decimal };

NumClass numClass(ScalarType t)
{
    switch (t) {
    case ScalarType::SByte:
    case ScalarType::Byte:
    case ScalarType::Short:
    case ScalarType::UShort:
    case ScalarType::Char:
    case ScalarType::Int: return NumClass::Int;
    case ScalarType::UInt: return NumClass::UInt;
    case ScalarType::Long: return NumClass::Long;
    case ScalarType::ULong: return NumClass::ULong;
    case ScalarType::Float: return NumClass::Float;
    case ScalarType::Double: return NumClass::Double;
    case ScalarType::Decimal: return NumClass::Decimal;
    default: return NumClass::None;
    }
}

bool isSigned(ScalarType t)
{
    return t == ScalarType::SByte || t == ScalarType::Short || t == ScalarType::Int || t == ScalarType::Long;
}

bool isSignedStorage(ScalarType t)
{
    return isSigned(t);
}

// Returns None when C# has no common type (decimal with float/double, ulong with a signed type).
NumClass promote(ScalarType a, ScalarType b)
{
    const NumClass ca = numClass(a);
    const NumClass cb = numClass(b);
    if (ca == NumClass::None || cb == NumClass::None)
        return NumClass::None;
    if (ca == NumClass::Decimal || cb == NumClass::Decimal) {
        const NumClass other = ca == NumClass::Decimal ? cb : ca;
        return (other == NumClass::Float || other == NumClass::Double) ? NumClass::None : NumClass::Decimal;
    }
    if (ca == NumClass::Double || cb == NumClass::Double)
        return NumClass::Double;
    if (ca == NumClass::Float || cb == NumClass::Float)
        return NumClass::Float;
    if (ca == NumClass::ULong || cb == NumClass::ULong) {
        const ScalarType other = ca == NumClass::ULong ? b : a;
        return isSigned(other) ? NumClass::None : NumClass::ULong;
    }
    if (ca == NumClass::Long || cb == NumClass::Long)
        return NumClass::Long;
    if (ca == NumClass::UInt || cb == NumClass::UInt) {
        const ScalarType other = ca == NumClass::UInt ? b : a;
        return isSigned(other) ? NumClass::Long : NumClass::UInt;
    }
    return NumClass::Int;
}

std::int64_t asInt64(const Scalar &s)
{
    return isSignedStorage(s.type) ? s.i : static_cast<std::int64_t>(s.u);
}

std::uint64_t asUInt64(const Scalar &s)
{
    return s.u;
}

double asDouble(const Scalar &s)
{
    switch (s.type) {
    case ScalarType::Float:
    case ScalarType::Double:
    case ScalarType::Decimal: return s.d;
    default: return isSignedStorage(s.type) ? static_cast<double>(s.i) : static_cast<double>(s.u);
    }
}

bool isDateLike(ScalarType t)
{
    return t == ScalarType::DateTime || t == ScalarType::DateTimeOffset;
}

Scalar fail(EvalArena &arena, std::string message)
{
    arena.setError(std::move(message));
    return Scalar::error();
}

Tri failTri(EvalArena &arena, std::string message)
{
    arena.setError(std::move(message));
    return Tri::Error;
}

std::string binaryOperatorError(const char *op, const Scalar &a, const Scalar &b)
{
    return std::string("Operator '") + op + "' cannot be applied to operands of type '" + scalarTypeName(a.type)
        + "' and '" + scalarTypeName(b.type) + "'";
}

template<typename T>
Tri ordered(CompareOp op, T a, T b)
{
    bool r = false;
    switch (op) {
    case CompareOp::Equal: r = a == b; break;
    case CompareOp::NotEqual: r = a != b; break;
    case CompareOp::Less: r = a < b; break;
    case CompareOp::LessEqual: r = a <= b; break;
    case CompareOp::Greater: r = a > b; break;
    case CompareOp::GreaterEqual: r = a >= b; break;
    }
    return r ? Tri::True : Tri::False;
}

Tri equality(CompareOp op, bool equal)
{
    return (op == CompareOp::Equal) == equal ? Tri::True : Tri::False;
}

// ---- text formatting (invariant culture) -------------------------------------------------------------

struct Civil
{
    int year, month, day, hour, minute, second;
    std::int64_t fraction; // ticks within the second
};

// Howard Hinnant's civil_from_days, on days since 1970-01-01.
Civil civilFromTicks(std::int64_t ticks)
{
    constexpr std::int64_t ticksPerDay = 864000000000LL;
    std::int64_t days = ticks / ticksPerDay;
    std::int64_t rem = ticks % ticksPerDay;
    if (rem < 0) {
        rem += ticksPerDay;
        --days;
    }
    std::int64_t z = days - 719162 + 719468; // .NET day 0 is 0001-01-01; shift to 1970 then to 0000-03-01
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = yoe + era * 400 + (m <= 2);
    Civil c;
    c.year = static_cast<int>(y);
    c.month = static_cast<int>(m);
    c.day = static_cast<int>(d);
    const std::int64_t secs = rem / 10000000;
    c.fraction = rem % 10000000;
    c.hour = static_cast<int>(secs / 3600);
    c.minute = static_cast<int>(secs / 60 % 60);
    c.second = static_cast<int>(secs % 60);
    return c;
}

std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468; // days since 1970-01-01
}

std::size_t formatDouble(double v, int precision, char *out, std::size_t cap)
{
    if (std::isnan(v))
        return static_cast<std::size_t>(std::snprintf(out, cap, "NaN"));
    if (std::isinf(v))
        return static_cast<std::size_t>(std::snprintf(out, cap, v > 0 ? "Infinity" : "-Infinity"));
    if (v == 0)
        return static_cast<std::size_t>(std::snprintf(out, cap, std::signbit(v) ? "-0" : "0"));
    // Shortest round-trip digits, then .NET's "R"/"G" layout: scientific when the exponent is at least
    // the type's precision (15 for double, 7 for float) or below -5.
    char sci[48];
    const auto res = precision == 7
        ? std::to_chars(sci, sci + sizeof sci, static_cast<float>(v), std::chars_format::scientific)
        : std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
    *res.ptr = '\0';
    const char *p = sci;
    bool negative = false;
    if (*p == '-') {
        negative = true;
        ++p;
    }
    char digits[32] = {};
    int n = 0;
    while (*p && *p != 'e') {
        if (*p != '.')
            digits[n++] = *p;
        ++p;
    }
    const int exponent = std::atoi(p + 1);
    std::size_t len = 0;
    auto put = [&](char c) {
        if (len + 1 < cap)
            out[len++] = c;
    };
    if (negative)
        put('-');
    if (exponent >= precision || exponent < -5) {
        put(digits[0]);
        if (n > 1) {
            put('.');
            for (int i = 1; i < n; ++i)
                put(digits[i]);
        }
        char e[16];
        std::snprintf(e, sizeof e, "E%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
        for (const char *q = e; *q; ++q)
            put(*q);
    } else if (exponent < 0) {
        put('0');
        put('.');
        for (int i = 0; i < -exponent - 1; ++i)
            put('0');
        for (int i = 0; i < n; ++i)
            put(digits[i]);
    } else {
        for (int i = 0; i <= exponent; ++i)
            put(i < n ? digits[i] : '0');
        if (n > exponent + 1) {
            put('.');
            for (int i = exponent + 1; i < n; ++i)
                put(digits[i]);
        }
    }
    out[len] = '\0';
    return len;
}

std::size_t encodeUtf8(char32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = static_cast<char>(c);
        return 1;
    }
    if (c < 0x800) {
        out[0] = static_cast<char>(0xC0 | (c >> 6));
        out[1] = static_cast<char>(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = static_cast<char>(0xE0 | (c >> 12));
        out[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out[2] = static_cast<char>(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = static_cast<char>(0xF0 | ((c >> 18) & 0x07));
    out[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out[3] = static_cast<char>(0x80 | (c & 0x3F));
    return 4;
}

std::size_t utf16Units(std::string_view text)
{
    std::size_t n = 0;
    for (unsigned char c : text) {
        if ((c & 0xC0) != 0x80)
            n += c >= 0xF0 ? 2 : 1;
    }
    return n;
}

// ---- checked arithmetic helpers ------------------------------------------------------------------------

const char *const kOverflow = "Arithmetic operation resulted in an overflow.";
const char *const kDivideByZero = "Attempted to divide by zero.";

Scalar integerOp(ArithOp op, NumClass cls, const Scalar &a, const Scalar &b, EvalArena &arena)
{
    if (cls == NumClass::ULong || cls == NumClass::UInt) {
        const std::uint64_t x = asUInt64(a);
        const std::uint64_t y = asUInt64(b);
        std::uint64_t r = 0;
        bool overflow = false;
        switch (op) {
        case ArithOp::Add: overflow = __builtin_add_overflow(x, y, &r); break;
        case ArithOp::Subtract: overflow = __builtin_sub_overflow(x, y, &r); break;
        case ArithOp::Multiply: overflow = __builtin_mul_overflow(x, y, &r); break;
        case ArithOp::Divide:
        case ArithOp::Modulo:
            if (y == 0)
                return fail(arena, kDivideByZero);
            r = op == ArithOp::Divide ? x / y : x % y;
            break;
        }
        if (cls == NumClass::UInt && r > std::numeric_limits<std::uint32_t>::max())
            overflow = true;
        if (overflow)
            return fail(arena, kOverflow);
        return Scalar::unsignedInt(cls == NumClass::UInt ? ScalarType::UInt : ScalarType::ULong, r);
    }
    const std::int64_t x = asInt64(a);
    const std::int64_t y = asInt64(b);
    std::int64_t r = 0;
    bool overflow = false;
    switch (op) {
    case ArithOp::Add: overflow = __builtin_add_overflow(x, y, &r); break;
    case ArithOp::Subtract: overflow = __builtin_sub_overflow(x, y, &r); break;
    case ArithOp::Multiply: overflow = __builtin_mul_overflow(x, y, &r); break;
    case ArithOp::Divide:
    case ArithOp::Modulo:
        if (y == 0)
            return fail(arena, kDivideByZero);
        if (y == -1 && x == std::numeric_limits<std::int64_t>::min())
            return fail(arena, kOverflow); // .NET throws for MinValue / -1 and MinValue % -1
        r = op == ArithOp::Divide ? x / y : x % y;
        break;
    }
    if (cls == NumClass::Int) {
        if (r < std::numeric_limits<std::int32_t>::min() || r > std::numeric_limits<std::int32_t>::max())
            overflow = true;
        if (op == ArithOp::Divide && x == std::numeric_limits<std::int32_t>::min() && y == -1)
            overflow = true;
    }
    if (overflow)
        return fail(arena, kOverflow);
    return Scalar::signedInt(cls == NumClass::Int ? ScalarType::Int : ScalarType::Long, r);
}

Scalar floatingOp(ArithOp op, NumClass cls, const Scalar &a, const Scalar &b, EvalArena &arena)
{
    const double x = asDouble(a);
    const double y = asDouble(b);
    if (cls == NumClass::Decimal && (op == ArithOp::Divide || op == ArithOp::Modulo) && y == 0)
        return fail(arena, kDivideByZero);
    double r = 0;
    if (cls == NumClass::Float) {
        const float fx = static_cast<float>(x);
        const float fy = static_cast<float>(y);
        switch (op) {
        case ArithOp::Add: r = fx + fy; break;
        case ArithOp::Subtract: r = fx - fy; break;
        case ArithOp::Multiply: r = fx * fy; break;
        case ArithOp::Divide: r = fx / fy; break;
        case ArithOp::Modulo: r = std::fmod(fx, fy); break;
        }
        return Scalar::floating(ScalarType::Float, static_cast<float>(r));
    }
    switch (op) {
    case ArithOp::Add: r = x + y; break;
    case ArithOp::Subtract: r = x - y; break;
    case ArithOp::Multiply: r = x * y; break;
    case ArithOp::Divide: r = x / y; break;
    case ArithOp::Modulo: r = std::fmod(x, y); break;
    }
    if (cls == NumClass::Decimal) {
        if (!std::isfinite(r) || std::fabs(r) > 7.9228162514264337593543950335e28)
            return fail(arena, "Value was either too large or too small for a Decimal.");
        return Scalar::floating(ScalarType::Decimal, r);
    }
    return Scalar::floating(ScalarType::Double, r);
}

Scalar dateResult(ScalarType type, std::int64_t utcTicks, std::int16_t offset, EvalArena &arena)
{
    const std::int64_t local = utcTicks + offset * kTicksPerMinute;
    if (local < 0 || local > kMaxDateTimeTicks)
        return fail(arena, "The added or subtracted value results in an un-representable DateTime.");
    return Scalar::ticks(type, utcTicks, offset);
}

} // namespace

const char *scalarTypeName(ScalarType type)
{
    switch (type) {
    case ScalarType::Unknown: return "unknown";
    case ScalarType::Error: return "error";
    case ScalarType::Null: return "<null>";
    case ScalarType::Bool: return "bool";
    case ScalarType::SByte: return "sbyte";
    case ScalarType::Byte: return "byte";
    case ScalarType::Short: return "short";
    case ScalarType::UShort: return "ushort";
    case ScalarType::Int: return "int";
    case ScalarType::UInt: return "uint";
    case ScalarType::Long: return "long";
    case ScalarType::ULong: return "ulong";
    case ScalarType::Char: return "char";
    case ScalarType::Float: return "float";
    case ScalarType::Double: return "double";
    case ScalarType::Decimal: return "decimal";
    case ScalarType::String: return "string";
    case ScalarType::Uri: return "System.Uri";
    case ScalarType::DateTime: return "System.DateTime";
    case ScalarType::DateTimeOffset: return "System.DateTimeOffset";
    case ScalarType::TimeSpan: return "System.TimeSpan";
    case ScalarType::Guid: return "System.Guid";
    case ScalarType::Opaque: return "object";
    }
    return "?";
}

Scalar Scalar::fromGuid(const unsigned char *bytes)
{
    Scalar s;
    s.type = ScalarType::Guid;
    std::memcpy(s.guid, bytes, 16);
    return s;
}

Scalar Scalar::fromValue(const Value &v)
{
    using T = Value::Type;
    switch (v.type()) {
    case T::Null: return null();
    case T::Bool: return boolean(v.toBool());
    case T::UByte: return unsignedInt(ScalarType::Byte, v.toUInt64());
    case T::UShort: return unsignedInt(ScalarType::UShort, v.toUInt64());
    case T::UInt: return unsignedInt(ScalarType::UInt, v.toUInt64());
    case T::ULong: return unsignedInt(ScalarType::ULong, v.toUInt64());
    case T::Byte: return signedInt(ScalarType::SByte, v.toInt64());
    case T::Short: return signedInt(ScalarType::Short, v.toInt64());
    case T::Int: return signedInt(ScalarType::Int, v.toInt64());
    case T::Long: return signedInt(ScalarType::Long, v.toInt64());
    case T::Float: return floating(ScalarType::Float, v.toDouble());
    case T::Double: return floating(ScalarType::Double, v.toDouble());
    case T::Decimal: return floating(ScalarType::Decimal, decodeDecimal(v.bytes()));
    case T::Char: return unsignedInt(ScalarType::Char, v.toUInt64());
    case T::String:
    case T::Symbol: return string(v.bytes());
    case T::Uri: return string(v.bytes(), ScalarType::Uri);
    case T::Timestamp: return ticks(ScalarType::DateTime, v.toInt64() * kTicksPerMillisecond + kUnixEpochTicks);
    case T::Uuid:
        if (v.bytes().size() == 16)
            return fromGuid(reinterpret_cast<const unsigned char *>(v.bytes().data()));
        break;
    case T::TimeSpan: return ticks(ScalarType::TimeSpan, v.toInt64());
    case T::DateTimeOffset:
        return ticks(ScalarType::DateTimeOffset, v.toInt64() - v.offsetMinutes() * kTicksPerMinute, v.offsetMinutes());
    case T::Binary:
    case T::Opaque: break;
    }
    Scalar s;
    s.type = ScalarType::Opaque;
    s.origin = &v;
    return s;
}

bool toText(const Scalar &v, TextBuffer &buffer, std::string_view &out)
{
    char *b = buffer.data;
    const std::size_t cap = sizeof buffer.data;
    int n = 0;
    switch (v.type) {
    case ScalarType::Unknown:
    case ScalarType::Error:
    case ScalarType::Opaque: return false;
    case ScalarType::Null: out = {}; return true;
    case ScalarType::String:
    case ScalarType::Uri: out = v.str(); return true;
    case ScalarType::Bool: out = v.i ? "True" : "False"; return true;
    case ScalarType::SByte:
    case ScalarType::Short:
    case ScalarType::Int:
    case ScalarType::Long: n = std::snprintf(b, cap, "%lld", static_cast<long long>(v.i)); break;
    case ScalarType::Byte:
    case ScalarType::UShort:
    case ScalarType::UInt:
    case ScalarType::ULong: n = std::snprintf(b, cap, "%llu", static_cast<unsigned long long>(v.u)); break;
    case ScalarType::Char: n = static_cast<int>(encodeUtf8(static_cast<char32_t>(v.u), b)); break;
    case ScalarType::Float: n = static_cast<int>(formatDouble(v.d, 7, b, cap)); break;
    case ScalarType::Double: n = static_cast<int>(formatDouble(v.d, 15, b, cap)); break;
    case ScalarType::Decimal: {
        const auto res = std::to_chars(b, b + cap, v.d, std::chars_format::fixed);
        n = static_cast<int>(res.ptr - b);
        break;
    }
    case ScalarType::DateTime:
    case ScalarType::DateTimeOffset: {
        const Civil c = civilFromTicks(v.i + v.offsetMinutes * kTicksPerMinute);
        n = std::snprintf(b, cap, "%02d/%02d/%04d %02d:%02d:%02d", c.month, c.day, c.year, c.hour, c.minute, c.second);
        if (v.type == ScalarType::DateTimeOffset) {
            const int off = v.offsetMinutes;
            n += std::snprintf(b + n, cap - static_cast<std::size_t>(n), " %c%02d:%02d", off < 0 ? '-' : '+',
                               std::abs(off) / 60, std::abs(off) % 60);
        }
        break;
    }
    case ScalarType::TimeSpan: {
        const bool negative = v.i < 0;
        const std::uint64_t t = negative ? 0 - static_cast<std::uint64_t>(v.i) : static_cast<std::uint64_t>(v.i);
        const std::uint64_t secs = t / 10000000;
        const std::uint64_t frac = t % 10000000;
        const std::uint64_t days = secs / 86400;
        if (negative)
            b[n++] = '-';
        if (days)
            n += std::snprintf(b + n, cap - n, "%llu.", static_cast<unsigned long long>(days));
        n += std::snprintf(b + n, cap - n, "%02llu:%02llu:%02llu", static_cast<unsigned long long>(secs / 3600 % 24),
                           static_cast<unsigned long long>(secs / 60 % 60), static_cast<unsigned long long>(secs % 60));
        if (frac)
            n += std::snprintf(b + n, cap - n, ".%07llu", static_cast<unsigned long long>(frac));
        break;
    }
    case ScalarType::Guid: {
        static const char digits[] = "0123456789abcdef";
        for (int i = 0; i < 16; ++i) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                b[n++] = '-';
            b[n++] = digits[v.guid[i] >> 4];
            b[n++] = digits[v.guid[i] & 0xf];
        }
        break;
    }
    }
    out = std::string_view(b, static_cast<std::size_t>(std::max(n, 0)));
    return true;
}

Tri compare(CompareOp op, const Scalar &a, const Scalar &b, EvalArena &arena)
{
    if (a.isError() || b.isError())
        return Tri::Error;
    if (a.isUnknown() || b.isUnknown())
        return Tri::Unknown;
    const bool isEquality = op == CompareOp::Equal || op == CompareOp::NotEqual;

    if (a.isNumeric() && b.isNumeric()) {
        switch (promote(a.type, b.type)) {
        case NumClass::None: break;
        case NumClass::Int:
        case NumClass::Long: return ordered(op, asInt64(a), asInt64(b));
        case NumClass::UInt:
        case NumClass::ULong: return ordered(op, asUInt64(a), asUInt64(b));
        case NumClass::Float: return ordered(op, static_cast<float>(asDouble(a)), static_cast<float>(asDouble(b)));
        case NumClass::Double:
        case NumClass::Decimal: return ordered(op, asDouble(a), asDouble(b));
        }
        return failTri(arena, binaryOperatorError(compareOpText(op), a, b));
    }
    if (isDateLike(a.type) && isDateLike(b.type))
        return ordered(op, a.i, b.i);
    if (a.type == ScalarType::TimeSpan && b.type == ScalarType::TimeSpan)
        return ordered(op, a.i, b.i);
    if (isEquality) {
        if (a.type == ScalarType::String && b.type == ScalarType::String)
            return equality(op, a.str() == b.str());
        if (a.type == ScalarType::Uri && b.type == ScalarType::Uri)
            return equality(op, a.str() == b.str());
        if (a.isNull() && b.isNull())
            return equality(op, true);
        if ((a.isNull() && b.isText()) || (a.isText() && b.isNull()))
            return equality(op, false);
        if (a.type == ScalarType::Bool && b.type == ScalarType::Bool)
            return equality(op, (a.i != 0) == (b.i != 0));
        if (a.type == ScalarType::Guid && b.type == ScalarType::Guid)
            return equality(op, std::memcmp(a.guid, b.guid, 16) == 0);
    }
    return failTri(arena, binaryOperatorError(compareOpText(op), a, b));
}

Scalar arithmetic(ArithOp op, const Scalar &a, const Scalar &b, EvalArena &arena)
{
    if (a.isError() || b.isError())
        return Scalar::error();
    if (a.isUnknown() || b.isUnknown())
        return Scalar::unknown();

    if (a.isNumeric() && b.isNumeric()) {
        const NumClass cls = promote(a.type, b.type);
        switch (cls) {
        case NumClass::None: break;
        case NumClass::Int:
        case NumClass::UInt:
        case NumClass::Long:
        case NumClass::ULong: return integerOp(op, cls, a, b, arena);
        default: return floatingOp(op, cls, a, b, arena);
        }
        return fail(arena, binaryOperatorError(arithOpText(op), a, b));
    }
    if (op == ArithOp::Add && (a.type == ScalarType::String || b.type == ScalarType::String)) {
        TextBuffer ba, bb;
        std::string_view ta, tb;
        if (!toText(a, ba, ta) || !toText(b, bb, tb))
            return fail(arena, binaryOperatorError("+", a, b));
        if (utf16Units(ta) + utf16Units(tb) > kMaxStringLength)
            return fail(arena, "The string produced by '+' is longer than " + std::to_string(kMaxStringLength)
                                   + " characters.");
        std::string &s = arena.newString();
        s.reserve(ta.size() + tb.size());
        s.append(ta);
        s.append(tb);
        return Scalar::string(s);
    }
    if (op == ArithOp::Add || op == ArithOp::Subtract) {
        const std::int64_t sign = op == ArithOp::Add ? 1 : -1;
        if (isDateLike(a.type) && b.type == ScalarType::TimeSpan)
            return dateResult(a.type, a.i + sign * b.i, a.offsetMinutes, arena);
        if (op == ArithOp::Subtract && isDateLike(a.type) && isDateLike(b.type))
            return Scalar::ticks(ScalarType::TimeSpan, a.i - b.i);
        if (a.type == ScalarType::TimeSpan && b.type == ScalarType::TimeSpan) {
            std::int64_t r = 0;
            const bool overflow = op == ArithOp::Add ? __builtin_add_overflow(a.i, b.i, &r)
                                                     : __builtin_sub_overflow(a.i, b.i, &r);
            if (overflow)
                return fail(arena, "TimeSpan overflowed because the duration is too long.");
            return Scalar::ticks(ScalarType::TimeSpan, r);
        }
    }
    return fail(arena, binaryOperatorError(arithOpText(op), a, b));
}

Scalar unary(UnaryOp op, const Scalar &a, EvalArena &arena)
{
    if (a.isError() || a.isUnknown())
        return a;
    const char *opText = op == UnaryOp::Minus ? "-" : "+";
    switch (numClass(a.type)) {
    case NumClass::Int: {
        const std::int64_t v = asInt64(a);
        if (op == UnaryOp::Minus && v == std::numeric_limits<std::int32_t>::min())
            return fail(arena, kOverflow);
        return Scalar::int32(static_cast<std::int32_t>(op == UnaryOp::Minus ? -v : v));
    }
    case NumClass::UInt:
        if (op == UnaryOp::Minus)
            return Scalar::int64(-static_cast<std::int64_t>(a.u)); // C#: -uint is long
        return a;
    case NumClass::Long:
        if (op == UnaryOp::Minus) {
            if (a.i == std::numeric_limits<std::int64_t>::min())
                return fail(arena, kOverflow);
            return Scalar::int64(-a.i);
        }
        return a;
    case NumClass::ULong:
        if (op == UnaryOp::Minus)
            break; // C# has no unary minus on ulong
        return a;
    case NumClass::Float:
    case NumClass::Double:
    case NumClass::Decimal: return op == UnaryOp::Minus ? Scalar::floating(a.type, -a.d) : a;
    case NumClass::None:
        if (a.type == ScalarType::TimeSpan) {
            if (op == UnaryOp::Minus && a.i == std::numeric_limits<std::int64_t>::min())
                return fail(arena, "Negating the minimum value of a TimeSpan is invalid.");
            return op == UnaryOp::Minus ? Scalar::ticks(ScalarType::TimeSpan, -a.i) : a;
        }
        break;
    }
    return fail(arena, std::string("Operator '") + opText + "' cannot be applied to operand of type '"
                           + scalarTypeName(a.type) + "'");
}

// ---- parsing helpers for SET conversions ---------------------------------------------------------------

namespace {

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

bool parseDigits(std::string_view &s, std::size_t minDigits, std::size_t maxDigits, std::int64_t &out)
{
    std::size_t n = 0;
    out = 0;
    while (n < s.size() && n < maxDigits && s[n] >= '0' && s[n] <= '9') {
        out = out * 10 + (s[n] - '0');
        ++n;
    }
    if (n < minDigits)
        return false;
    s.remove_prefix(n);
    return true;
}

bool consume(std::string_view &s, char c)
{
    if (!s.empty() && s.front() == c) {
        s.remove_prefix(1);
        return true;
    }
    return false;
}

std::optional<std::int64_t> parseFraction(std::string_view &s)
{
    std::int64_t ticks = 0;
    int digits = 0;
    while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
        if (digits < 7) {
            ticks = ticks * 10 + (s.front() - '0');
            ++digits;
        }
        s.remove_prefix(1);
    }
    if (digits == 0)
        return std::nullopt;
    while (digits++ < 7)
        ticks *= 10;
    return ticks;
}

std::optional<std::int64_t> signedInteger(std::string_view s)
{
    s = trim(s);
    if (!s.empty() && s.front() == '+')
        s.remove_prefix(1);
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || s.empty())
        return std::nullopt;
    return v;
}

std::optional<std::uint64_t> unsignedInteger(std::string_view s)
{
    s = trim(s);
    if (!s.empty() && s.front() == '+')
        s.remove_prefix(1);
    std::uint64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || s.empty())
        return std::nullopt;
    return v;
}

std::optional<double> parseDouble(std::string_view s)
{
    s = trim(s);
    if (!s.empty() && s.front() == '+')
        s.remove_prefix(1);
    double v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || s.empty())
        return std::nullopt;
    return v;
}

Error conversionError(const Scalar &v, Value::Type target)
{
    return makeError(ErrorCode::FilterEvaluation, std::string("Invalid cast from '") + scalarTypeName(v.type)
                                                      + "' to '" + valueTypeName(target) + "'.");
}

Error formatError(std::string_view text, Value::Type target)
{
    return makeError(ErrorCode::FilterEvaluation, "The string '" + std::string(text)
                                                      + "' was not in a correct format for type '"
                                                      + valueTypeName(target) + "'.");
}

Value naturalValue(const Scalar &v)
{
    switch (v.type) {
    case ScalarType::Bool: return Value::boolean(v.i != 0);
    case ScalarType::SByte: return Value::byte(static_cast<std::int8_t>(v.i));
    case ScalarType::Byte: return Value::ubyte(static_cast<std::uint8_t>(v.u));
    case ScalarType::Short: return Value::shortInt(static_cast<std::int16_t>(v.i));
    case ScalarType::UShort: return Value::ushort(static_cast<std::uint16_t>(v.u));
    case ScalarType::Int: return Value::int32(static_cast<std::int32_t>(v.i));
    case ScalarType::UInt: return Value::uint(static_cast<std::uint32_t>(v.u));
    case ScalarType::Long: return Value::int64(v.i);
    case ScalarType::ULong: return Value::ulong(v.u);
    case ScalarType::Char: return Value::character(static_cast<char32_t>(v.u));
    case ScalarType::Float: return Value::float32(static_cast<float>(v.d));
    case ScalarType::Double: return Value::float64(v.d);
    case ScalarType::Decimal: return Value::decimal(encodeDecimal128(v.d));
    case ScalarType::String: return Value::string(std::string(v.str()));
    case ScalarType::Uri: return Value::uri(std::string(v.str()));
    case ScalarType::DateTime:
        return Value::timestamp(fromMillisSinceEpoch((v.i - kUnixEpochTicks) / kTicksPerMillisecond));
    case ScalarType::DateTimeOffset:
        return Value::dateTimeOffset(v.i + v.offsetMinutes * kTicksPerMinute, v.offsetMinutes);
    case ScalarType::TimeSpan: return Value::timeSpanTicks(v.i);
    case ScalarType::Guid: {
        Uuid u;
        std::memcpy(u.bytes.data(), v.guid, 16);
        return Value::uuid(u);
    }
    case ScalarType::Opaque: return v.origin ? *v.origin : Value::null();
    default: return Value::null();
    }
}

bool sameKind(const Scalar &v, Value::Type t)
{
    using T = Value::Type;
    switch (v.type) {
    case ScalarType::Bool: return t == T::Bool;
    case ScalarType::SByte: return t == T::Byte;
    case ScalarType::Byte: return t == T::UByte;
    case ScalarType::Short: return t == T::Short;
    case ScalarType::UShort: return t == T::UShort;
    case ScalarType::Int: return t == T::Int;
    case ScalarType::UInt: return t == T::UInt;
    case ScalarType::Long: return t == T::Long;
    case ScalarType::ULong: return t == T::ULong;
    case ScalarType::Char: return t == T::Char;
    case ScalarType::Float: return t == T::Float;
    case ScalarType::Double: return t == T::Double;
    case ScalarType::Decimal: return t == T::Decimal;
    case ScalarType::String: return t == T::String || t == T::Symbol;
    case ScalarType::Uri: return t == T::Uri;
    case ScalarType::DateTime: return t == T::Timestamp;
    case ScalarType::DateTimeOffset: return t == T::DateTimeOffset;
    case ScalarType::TimeSpan: return t == T::TimeSpan;
    case ScalarType::Guid: return t == T::Uuid;
    case ScalarType::Opaque: return v.origin && v.origin->type() == t;
    default: return false;
    }
}

// Convert.ToIntNN(double) rounds half to even and throws on overflow.
std::optional<double> roundedIntegral(double d)
{
    if (!std::isfinite(d))
        return std::nullopt;
    return std::nearbyint(d); // default rounding mode: to nearest, ties to even
}

Result<Value> convertTo(const Scalar &v, Value::Type target)
{
    using T = Value::Type;
    TextBuffer buffer;
    std::string_view text;
    const bool isString = v.type == ScalarType::String;
    switch (target) {
    case T::Byte:
    case T::Short:
    case T::Int:
    case T::Long:
    case T::UByte:
    case T::UShort:
    case T::UInt:
    case T::ULong: {
        const bool targetSigned = target == T::Byte || target == T::Short || target == T::Int || target == T::Long;
        // Range of the target in a wide signed/unsigned representation.
        std::int64_t lo = 0;
        std::uint64_t hi = 0;
        switch (target) {
        case T::Byte: lo = INT8_MIN; hi = INT8_MAX; break;
        case T::Short: lo = INT16_MIN; hi = INT16_MAX; break;
        case T::Int: lo = INT32_MIN; hi = INT32_MAX; break;
        case T::Long: lo = INT64_MIN; hi = INT64_MAX; break;
        case T::UByte: hi = UINT8_MAX; break;
        case T::UShort: hi = UINT16_MAX; break;
        case T::UInt: hi = UINT32_MAX; break;
        default: hi = UINT64_MAX; break;
        }
        bool negative = false;
        std::uint64_t magnitude = 0;
        if (v.isIntegral()) {
            if (isSignedStorage(v.type) && v.i < 0) {
                negative = true;
                magnitude = 0 - static_cast<std::uint64_t>(v.i);
            } else {
                magnitude = v.u;
            }
        } else if (v.type == ScalarType::Bool) {
            magnitude = v.i ? 1 : 0;
        } else if (v.type == ScalarType::Float || v.type == ScalarType::Double || v.type == ScalarType::Decimal) {
            const auto r = roundedIntegral(v.d);
            if (!r || *r >= 18446744073709551616.0 || *r <= -9223372036854775809.0)
                return makeError(ErrorCode::FilterEvaluation, "Value was either too large or too small for the target type.");
            negative = *r < 0;
            magnitude = negative ? static_cast<std::uint64_t>(-(*r + 1)) + 1 : static_cast<std::uint64_t>(*r);
        } else if (isString) {
            if (const auto s = signedInteger(v.str())) {
                negative = *s < 0;
                magnitude = negative ? 0 - static_cast<std::uint64_t>(*s) : static_cast<std::uint64_t>(*s);
            } else if (const auto u = unsignedInteger(v.str())) {
                magnitude = *u;
            } else {
                return formatError(v.str(), target);
            }
        } else {
            return conversionError(v, target);
        }
        const bool fits = negative ? (targetSigned && magnitude <= static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(lo))
                                   : magnitude <= hi;
        if (!fits)
            return makeError(ErrorCode::FilterEvaluation, std::string("Value was either too large or too small for '")
                                                              + valueTypeName(target) + "'.");
        const std::int64_t s = negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
        switch (target) {
        case T::Byte: return Value::byte(static_cast<std::int8_t>(s));
        case T::Short: return Value::shortInt(static_cast<std::int16_t>(s));
        case T::Int: return Value::int32(static_cast<std::int32_t>(s));
        case T::Long: return Value::int64(s);
        case T::UByte: return Value::ubyte(static_cast<std::uint8_t>(magnitude));
        case T::UShort: return Value::ushort(static_cast<std::uint16_t>(magnitude));
        case T::UInt: return Value::uint(static_cast<std::uint32_t>(magnitude));
        default: return Value::ulong(magnitude);
        }
    }
    case T::Float:
    case T::Double:
    case T::Decimal: {
        double d = 0;
        if (v.isNumeric() && v.type != ScalarType::Char)
            d = asDouble(v);
        else if (v.type == ScalarType::Bool)
            d = v.i ? 1 : 0;
        else if (isString) {
            const auto p = parseDouble(v.str());
            if (!p)
                return formatError(v.str(), target);
            d = *p;
        } else
            return conversionError(v, target);
        if (target == T::Float)
            return Value::float32(static_cast<float>(d));
        if (target == T::Double)
            return Value::float64(d);
        if (!std::isfinite(d) || std::fabs(d) > 7.9228162514264337593543950335e28)
            return makeError(ErrorCode::FilterEvaluation, "Value was either too large or too small for a Decimal.");
        return Value::decimal(encodeDecimal128(d));
    }
    case T::Bool:
        if (v.isNumeric() && v.type != ScalarType::Char)
            return Value::boolean(asDouble(v) != 0);
        if (isString) {
            const auto t = trim(v.str());
            if (equalsIgnoreCase(t, "true"))
                return Value::boolean(true);
            if (equalsIgnoreCase(t, "false"))
                return Value::boolean(false);
            return formatError(v.str(), target);
        }
        return conversionError(v, target);
    case T::Char:
        if (v.isIntegral()) {
            const auto r = convertTo(v, T::UShort);
            if (!r)
                return r.error();
            return Value::character(static_cast<char32_t>(r->toUInt64()));
        }
        if (isString) {
            const std::string_view s = v.str();
            // exactly one character (one code point)
            if (!s.empty() && utf16Units(s) == 1) {
                char32_t c = static_cast<unsigned char>(s[0]);
                if (c >= 0x80) {
                    const int len = c >= 0xE0 ? 3 : 2;
                    c &= len == 3 ? 0x0F : 0x1F;
                    for (int i = 1; i < len && i < static_cast<int>(s.size()); ++i)
                        c = (c << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
                }
                return Value::character(c);
            }
            return formatError(s, target);
        }
        return conversionError(v, target);
    case T::String:
    case T::Symbol:
        if (!toText(v, buffer, text))
            return conversionError(v, target);
        return target == T::String ? Value::string(std::string(text)) : Value::symbol(std::string(text));
    case T::Timestamp:
        if (isDateLike(v.type))
            return Value::timestamp(fromMillisSinceEpoch((v.i - kUnixEpochTicks) / kTicksPerMillisecond));
        if (isString) {
            if (const auto t = parseDateTime(v.str()))
                return Value::timestamp(fromMillisSinceEpoch((*t - kUnixEpochTicks) / kTicksPerMillisecond));
            return formatError(v.str(), target);
        }
        return conversionError(v, target);
    case T::DateTimeOffset:
        if (isDateLike(v.type))
            return Value::dateTimeOffset(v.i + v.offsetMinutes * kTicksPerMinute, v.offsetMinutes);
        if (isString) {
            std::int16_t offset = 0;
            if (const auto t = parseDateTime(v.str(), &offset))
                return Value::dateTimeOffset(*t + offset * kTicksPerMinute, offset);
            return formatError(v.str(), target);
        }
        return conversionError(v, target);
    case T::TimeSpan:
        if (isString) {
            if (const auto t = parseTimeSpan(v.str()))
                return Value::timeSpanTicks(*t);
            return formatError(v.str(), target);
        }
        return conversionError(v, target);
    case T::Uuid:
        if (isString) {
            if (const auto u = Uuid::fromString(trim(v.str())))
                return Value::uuid(*u);
            return formatError(v.str(), target);
        }
        return conversionError(v, target);
    case T::Uri:
        if (isString)
            return Value::uri(std::string(v.str()));
        return conversionError(v, target);
    default:
        return conversionError(v, target);
    }
}

} // namespace

Result<Value> toStoredValue(const Scalar &v, const Value *existing)
{
    if (v.isUnknown() || v.isNull())
        return Value::null();
    if (v.isError())
        return makeError(ErrorCode::FilterEvaluation, "evaluation failed");
    if (!existing || existing->isNull() || sameKind(v, existing->type())) {
        if (v.type == ScalarType::Opaque && !v.origin)
            return makeError(ErrorCode::FilterEvaluation, "A value of type 'object' cannot be stored.");
        if (existing && existing->type() == Value::Type::Symbol && v.type == ScalarType::String)
            return Value::symbol(std::string(v.str()));
        return naturalValue(v);
    }
    return convertTo(v, existing->type());
}

Result<std::optional<std::string>> toStoredString(const Scalar &v)
{
    if (v.isUnknown() || v.isNull())
        return std::optional<std::string>();
    TextBuffer buffer;
    std::string_view text;
    if (!toText(v, buffer, text))
        return makeError(ErrorCode::FilterEvaluation, std::string("Invalid cast from '") + scalarTypeName(v.type)
                                                          + "' to 'string'.");
    return std::optional<std::string>(std::string(text));
}

std::optional<std::int64_t> parseTimeSpan(std::string_view text)
{
    std::string_view s = trim(text);
    const bool negative = consume(s, '-');
    std::int64_t first = 0;
    if (!parseDigits(s, 1, 8, first))
        return std::nullopt;
    std::int64_t days = 0, hours = 0, minutes = 0, seconds = 0, fraction = 0;
    if (s.empty()) { // "d" alone is days
        days = first;
    } else {
        if (consume(s, '.')) {
            days = first;
            if (!parseDigits(s, 1, 2, hours))
                return std::nullopt;
        } else {
            hours = first;
        }
        if (!consume(s, ':') || !parseDigits(s, 1, 2, minutes))
            return std::nullopt;
        if (consume(s, ':')) {
            if (!parseDigits(s, 1, 2, seconds))
                return std::nullopt;
            if (consume(s, '.')) {
                const auto f = parseFraction(s);
                if (!f)
                    return std::nullopt;
                fraction = *f;
            }
        }
        if (!s.empty() || hours > 23 || minutes > 59 || seconds > 59)
            return std::nullopt;
    }
    const std::int64_t ticks = (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 10000000 + fraction;
    return negative ? -ticks : ticks;
}

std::optional<std::int64_t> parseDateTime(std::string_view text, std::int16_t *offsetMinutes)
{
    std::string_view s = trim(text);
    std::int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, fraction = 0;
    std::int64_t offset = 0;
    if (s.size() >= 10 && s[4] == '-') { // ISO 8601
        if (!parseDigits(s, 4, 4, year) || !consume(s, '-') || !parseDigits(s, 2, 2, month) || !consume(s, '-')
            || !parseDigits(s, 2, 2, day))
            return std::nullopt;
        if (consume(s, 'T') || consume(s, ' ')) {
            if (!parseDigits(s, 2, 2, hour) || !consume(s, ':') || !parseDigits(s, 2, 2, minute))
                return std::nullopt;
            if (consume(s, ':')) {
                if (!parseDigits(s, 2, 2, second))
                    return std::nullopt;
                if (consume(s, '.')) {
                    const auto f = parseFraction(s);
                    if (!f)
                        return std::nullopt;
                    fraction = *f;
                }
            }
            if (consume(s, 'Z')) {
            } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
                const bool neg = s.front() == '-';
                s.remove_prefix(1);
                std::int64_t oh = 0, om = 0;
                if (!parseDigits(s, 2, 2, oh))
                    return std::nullopt;
                consume(s, ':');
                if (!parseDigits(s, 2, 2, om))
                    return std::nullopt;
                offset = (neg ? -1 : 1) * (oh * 60 + om);
            }
        }
    } else { // invariant "MM/dd/yyyy[ HH:mm:ss]"
        if (!parseDigits(s, 1, 2, month) || !consume(s, '/') || !parseDigits(s, 1, 2, day) || !consume(s, '/')
            || !parseDigits(s, 4, 4, year))
            return std::nullopt;
        if (consume(s, ' ')) {
            if (!parseDigits(s, 1, 2, hour) || !consume(s, ':') || !parseDigits(s, 2, 2, minute) || !consume(s, ':')
                || !parseDigits(s, 2, 2, second))
                return std::nullopt;
        }
    }
    if (!s.empty() || year < 1 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59
        || second > 59 || offset < -14 * 60 || offset > 14 * 60)
        return std::nullopt;
    const std::int64_t days = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t local = kUnixEpochTicks + ((days * 24 + hour) * 60 + minute) * kTicksPerMinute
        + second * 10000000 + fraction;
    if (offsetMinutes)
        *offsetMinutes = static_cast<std::int16_t>(offset);
    return local - offset * kTicksPerMinute;
}

double decodeDecimal(std::string_view raw)
{
    // AMQP decimal32/64/128: IEEE 754-2008 BID encoding, network byte order.
    const std::size_t n = raw.size();
    if (n != 4 && n != 8 && n != 16)
        return 0;
    std::uint64_t hi = 0, lo = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto b = static_cast<unsigned char>(raw[i]);
        if (n == 16 && i < 8)
            hi = (hi << 8) | b;
        else
            lo = (lo << 8) | b;
    }
    const int totalBits = static_cast<int>(n * 8);
    const int expBits = n == 4 ? 8 : n == 8 ? 10 : 14;
    const int bias = n == 4 ? 101 : n == 8 ? 398 : 6176;
    // Work on the top word for sign and combination bits.
    const std::uint64_t top = n == 16 ? hi : lo << (64 - totalBits);
    const bool negative = (top >> 63) & 1;
    const unsigned comb5 = static_cast<unsigned>((top >> 58) & 0x1F);
    if (comb5 >= 0x1E) // infinity or NaN
        return std::numeric_limits<double>::quiet_NaN();
    const int coefBits = totalBits - 1 - expBits;
    std::int64_t exponent = 0;
    long double coefficient = 0;
    if (((top >> 61) & 3) == 3) { // "11" form: exponent shifted by two bits, implicit 100 prefix
        exponent = static_cast<std::int64_t>((top >> (61 - expBits)) & ((1u << expBits) - 1));
        // Such coefficients exceed the format's precision: non-canonical, read as zero.
        coefficient = n == 16 ? 0 : static_cast<long double>((std::uint64_t{4} << (coefBits - 3))
                                                             | (lo & ((std::uint64_t{1} << (coefBits - 3)) - 1)));
    } else {
        exponent = static_cast<std::int64_t>((top >> (63 - expBits)) & ((1u << expBits) - 1));
        if (n == 16) {
            const std::uint64_t coefHi = hi & ((std::uint64_t{1} << 49) - 1);
            coefficient = static_cast<long double>(coefHi) * 18446744073709551616.0L + static_cast<long double>(lo);
        } else {
            coefficient = static_cast<long double>(lo & ((std::uint64_t{1} << coefBits) - 1));
        }
    }
    const long double value = coefficient * std::pow(10.0L, static_cast<long double>(exponent - bias));
    return static_cast<double>(negative ? -value : value);
}

std::string encodeDecimal128(double v)
{
    std::uint64_t coefficient = 0;
    std::int64_t exponent = 0;
    bool negative = std::signbit(v);
    if (std::isfinite(v) && v != 0) {
        char sci[48];
        const auto res = std::to_chars(sci, sci + sizeof sci, std::fabs(v), std::chars_format::scientific);
        *res.ptr = '\0';
        int digits = 0;
        const char *p = sci;
        for (; *p && *p != 'e'; ++p) {
            if (*p != '.') {
                coefficient = coefficient * 10 + static_cast<std::uint64_t>(*p - '0');
                ++digits;
            }
        }
        exponent = std::atoi(p + 1) - (digits - 1);
    }
    const std::uint64_t biased = static_cast<std::uint64_t>(exponent + 6176);
    const std::uint64_t hi = (negative ? std::uint64_t{1} << 63 : 0) | (biased << 49);
    const std::uint64_t lo = coefficient;
    std::string out(16, '\0');
    for (int i = 0; i < 8; ++i) {
        out[static_cast<std::size_t>(i)] = static_cast<char>(hi >> (56 - 8 * i));
        out[static_cast<std::size_t>(8 + i)] = static_cast<char>(lo >> (56 - 8 * i));
    }
    return out;
}

} // namespace busyard::core::sql
