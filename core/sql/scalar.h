#pragma once

#include "ast.h"
#include "core/result.h"
#include "core/value.h"

#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>

namespace busyard::core::sql {

/**
 * Runtime types of the evaluator: the .NET types Azure's engine sees (servicebus-semantics.md A.5),
 * plus Unknown (an absent user property) and Error (evaluation failed; the message is in the
 * evaluation context).
 */
enum class ScalarType : std::uint8_t {
    Unknown, Error, Null, Bool,
    SByte, Byte, Short, UShort, Int, UInt, Long, ULong, Char, ///< integral: signed in i, unsigned in u
    Float, Double, Decimal,                                   ///< in d (Decimal approximated by a double)
    String, Uri,                                              ///< text, not owned
    DateTime,                                                 ///< i = .NET ticks, UTC
    DateTimeOffset,                                           ///< i = UTC .NET ticks, offsetMinutes = offset
    TimeSpan,                                                 ///< i = ticks (100 ns)
    Guid,                                                     ///< guid[16], RFC 4122 byte order
    Opaque,                                                   ///< binary, list, map: only IS NULL / EXISTS work
};

/** C# name of a type for error texts ("long", "string", "System.DateTime", "<null>"). */
const char *scalarTypeName(ScalarType type);

/** .NET ticks (100 ns) of the Unix epoch. */
inline constexpr std::int64_t kUnixEpochTicks = 621355968000000000LL;
inline constexpr std::int64_t kTicksPerMillisecond = 10000;
inline constexpr std::int64_t kTicksPerMinute = 600000000LL;
/** DateTime.MaxValue.Ticks. */
inline constexpr std::int64_t kMaxDateTimeTicks = 3155378975999999999LL;

/**
 * A small tagged value (24 bytes) used while evaluating. Text is referenced, never copied: it points
 * into the message, the compiled program or an EvalArena, which must outlive the Scalar.
 */
struct Scalar
{
    ScalarType type = ScalarType::Unknown;
    std::int16_t offsetMinutes = 0;
    union {
        std::int64_t i = 0;
        std::uint64_t u;
        double d;
        struct {
            const char *data;
            std::size_t size;
        } text;
        unsigned char guid[16];
        const Value *origin; ///< Opaque: the property value it came from (may be null)
    };

    static Scalar unknown() { return Scalar{}; }
    static Scalar error() { Scalar s; s.type = ScalarType::Error; return s; }
    static Scalar null() { Scalar s; s.type = ScalarType::Null; return s; }
    static Scalar boolean(bool b) { Scalar s; s.type = ScalarType::Bool; s.i = b; return s; }
    static Scalar signedInt(ScalarType t, std::int64_t v) { Scalar s; s.type = t; s.i = v; return s; }
    static Scalar unsignedInt(ScalarType t, std::uint64_t v) { Scalar s; s.type = t; s.u = v; return s; }
    static Scalar int64(std::int64_t v) { return signedInt(ScalarType::Long, v); }
    static Scalar int32(std::int32_t v) { return signedInt(ScalarType::Int, v); }
    static Scalar floating(ScalarType t, double v) { Scalar s; s.type = t; s.d = v; return s; }
    static Scalar string(std::string_view v, ScalarType t = ScalarType::String)
    {
        Scalar s;
        s.type = t;
        s.text = {v.data(), v.size()};
        return s;
    }
    static Scalar ticks(ScalarType t, std::int64_t v, std::int16_t offset = 0)
    {
        Scalar s;
        s.type = t;
        s.i = v;
        s.offsetMinutes = offset;
        return s;
    }
    static Scalar fromGuid(const unsigned char *bytes);
    /** A view of `v`: text and opaque values reference `v`, which must outlive the Scalar. */
    static Scalar fromValue(const Value &v);

    std::string_view str() const { return {text.data, text.size}; }
    bool isUnknown() const { return type == ScalarType::Unknown; }
    bool isError() const { return type == ScalarType::Error; }
    bool isNull() const { return type == ScalarType::Null; }
    bool isText() const { return type == ScalarType::String || type == ScalarType::Uri; }
    bool isNumeric() const { return type >= ScalarType::SByte && type <= ScalarType::Decimal; }
    bool isIntegral() const { return type >= ScalarType::SByte && type <= ScalarType::Char; }
};

/** Three-valued truth plus an error state (the message is in the evaluation context). */
enum class Tri : std::uint8_t { False, True, Unknown, Error };

inline Tri triNot(Tri t)
{
    return t == Tri::True ? Tri::False : t == Tri::False ? Tri::True : t;
}

/**
 * Per-evaluation scratch space: owns strings made while evaluating (concatenation, formatted
 * message ids) and the text of the first error. Nothing is allocated unless used.
 */
class EvalArena
{
public:
    std::string &newString() { return m_strings.emplace_back(); }
    void setError(std::string message)
    {
        if (m_error.empty())
            m_error = std::move(message);
    }
    const std::string &errorMessage() const { return m_error; }
    void clear()
    {
        m_strings.clear();
        m_error.clear();
    }

private:
    std::list<std::string> m_strings; // list: strings never move, so views stay valid
    std::string m_error;
};

/** Room for the text form of any non-text Scalar. */
struct TextBuffer
{
    char data[64];
};

/**
 * Invariant-culture text of a value (.NET ToString): numbers, "True"/"False", dates as
 * "MM/dd/yyyy HH:mm:ss", TimeSpan as "[-][d.]hh:mm:ss[.fffffff]", GUIDs lower-case, null as "".
 * Returns false for Opaque, Unknown and Error.
 */
bool toText(const Scalar &v, TextBuffer &buffer, std::string_view &out);

/** `a op b` with Azure's (C#) rules (A.6); Unknown when either side is Unknown; Error + arena message on failure. */
Tri compare(CompareOp op, const Scalar &a, const Scalar &b, EvalArena &arena);
Scalar arithmetic(ArithOp op, const Scalar &a, const Scalar &b, EvalArena &arena);
Scalar unary(UnaryOp op, const Scalar &a, EvalArena &arena);

/** Maximum length of a string produced by concatenation (UTF-16 code units). */
inline constexpr std::size_t kMaxStringLength = 32767;

/**
 * The value SET stores (A.15): `existing` is the property's current value (nullptr when absent).
 * Unknown and null store null; a non-null existing value of another type converts the new value to
 * that type (Convert.ChangeType rules, invariant culture); otherwise the value keeps its own type.
 */
Result<Value> toStoredValue(const Scalar &v, const Value *existing);

/** Converts to text for a string-typed sys. property; nullopt for null/unknown. */
Result<std::optional<std::string>> toStoredString(const Scalar &v);

/** Parses "[-][d.]hh:mm[:ss[.fffffff]]" (TimeSpan invariant format) into ticks. */
std::optional<std::int64_t> parseTimeSpan(std::string_view text);
/** Parses ISO 8601 ("2024-06-01", "2024-06-01T10:00:00[.fff][Z|+hh:mm]") or "MM/dd/yyyy HH:mm:ss" into
    UTC ticks; offsetMinutes receives the written offset (0 when none). */
std::optional<std::int64_t> parseDateTime(std::string_view text, std::int16_t *offsetMinutes = nullptr);

/** Approximate value of an AMQP decimal32/64/128 (BID encoding, network byte order). */
double decodeDecimal(std::string_view raw);
/** A decimal128 (BID, network byte order) close to `v` (shortest round-trip digits). */
std::string encodeDecimal128(double v);

} // namespace busyard::core::sql
