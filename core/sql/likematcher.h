#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace busyard::core::sql {

/**
 * Whole-string LIKE match (servicebus-semantics.md A.8): `%` matches any run of characters
 * (including none and line feeds), `_` exactly one character (code point), `[` and `]` are ordinary;
 * the character after `escape` is literal and an escape at the very end is ignored. `escape` 0 means
 * none. Case-sensitive, ordinal, no allocation.
 */
bool likeMatch(std::string_view value, std::string_view pattern, char32_t escape);

/** Decodes one UTF-8 code point at `i` and advances `i` (a malformed byte yields itself). */
char32_t decodeUtf8(std::string_view s, std::size_t &i);

/**
 * A LIKE pattern compiled once: literal, prefix, suffix and contains shapes are matched with plain
 * string operations; anything else falls back to likeMatch().
 */
class LikePattern
{
public:
    LikePattern() = default;
    LikePattern(std::string_view pattern, char32_t escape);

    bool matches(std::string_view value) const;

private:
    enum class Shape : std::uint8_t { Any, Exact, Prefix, Suffix, Contains, General };
    Shape m_shape = Shape::General;
    std::string m_literal; ///< unescaped literal of the fast shapes
    std::string m_pattern;
    char32_t m_escape = 0;
};

} // namespace busyard::core::sql
