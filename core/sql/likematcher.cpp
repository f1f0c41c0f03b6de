#include "likematcher.h"

namespace busyard::core::sql {

char32_t decodeUtf8(std::string_view s, std::size_t &i)
{
    const auto b0 = static_cast<unsigned char>(s[i]);
    int len = 1;
    char32_t c = b0;
    if (b0 >= 0xF0 && b0 < 0xF8) {
        len = 4;
        c = b0 & 0x07;
    } else if (b0 >= 0xE0) {
        len = 3;
        c = b0 & 0x0F;
    } else if (b0 >= 0xC0) {
        len = 2;
        c = b0 & 0x1F;
    }
    if (len > 1) {
        if (i + static_cast<std::size_t>(len) > s.size()) {
            ++i;
            return b0;
        }
        for (int k = 1; k < len; ++k) {
            const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            if ((b & 0xC0) != 0x80) {
                ++i;
                return b0;
            }
            c = (c << 6) | (b & 0x3F);
        }
    }
    i += static_cast<std::size_t>(len);
    return c;
}

bool likeMatch(std::string_view value, std::string_view pattern, char32_t escape)
{
    constexpr std::size_t npos = std::string_view::npos;
    std::size_t s = 0;
    std::size_t p = 0;
    std::size_t starP = npos;
    std::size_t starS = 0;
    // Greedy matching with one backtrack point per '%': linear for typical patterns, O(n*m) worst case.
    while (s < value.size()) {
        if (p < pattern.size()) {
            std::size_t p2 = p;
            const char32_t pc = decodeUtf8(pattern, p2);
            if (escape && pc == escape) {
                if (p2 >= pattern.size()) { // trailing escape: ignored
                    p = p2;
                    continue;
                }
                std::size_t p3 = p2;
                const char32_t literal = decodeUtf8(pattern, p3);
                std::size_t s2 = s;
                if (decodeUtf8(value, s2) == literal) {
                    s = s2;
                    p = p3;
                    continue;
                }
            } else if (pc == U'%') {
                starP = p2;
                starS = s;
                p = p2;
                continue;
            } else if (pc == U'_') {
                decodeUtf8(value, s);
                p = p2;
                continue;
            } else {
                std::size_t s2 = s;
                if (decodeUtf8(value, s2) == pc) {
                    s = s2;
                    p = p2;
                    continue;
                }
            }
        }
        if (starP != npos) {
            p = starP;
            decodeUtf8(value, starS);
            s = starS;
            continue;
        }
        return false;
    }
    while (p < pattern.size()) {
        std::size_t p2 = p;
        const char32_t pc = decodeUtf8(pattern, p2);
        if (pc == U'%' && !(escape && pc == escape)) {
            p = p2;
            continue;
        }
        if (escape && pc == escape && p2 >= pattern.size()) {
            p = p2;
            continue;
        }
        return false;
    }
    return true;
}

LikePattern::LikePattern(std::string_view pattern, char32_t escape) : m_pattern(pattern), m_escape(escape)
{
    // Split into: leading '%'s, one literal run, trailing '%'s. Anything else is General.
    bool leading = false;
    bool trailing = false;
    bool literalDone = false;
    std::size_t p = 0;
    while (p < pattern.size()) {
        const std::size_t start = p;
        const char32_t c = decodeUtf8(pattern, p);
        if (escape && c == escape) {
            if (p >= pattern.size())
                break; // trailing escape ignored
            if (literalDone || trailing) {
                m_shape = Shape::General;
                return;
            }
            const std::size_t litStart = p;
            decodeUtf8(pattern, p);
            m_literal.append(pattern.substr(litStart, p - litStart));
            continue;
        }
        if (c == U'_') {
            m_shape = Shape::General;
            return;
        }
        if (c == U'%') {
            if (m_literal.empty())
                leading = true;
            else {
                trailing = true;
                literalDone = true;
            }
            continue;
        }
        if (literalDone) {
            m_shape = Shape::General;
            return;
        }
        m_literal.append(pattern.substr(start, p - start));
    }
    if (m_literal.empty())
        m_shape = leading ? Shape::Any : Shape::Exact;
    else if (leading && trailing)
        m_shape = Shape::Contains;
    else if (leading)
        m_shape = Shape::Suffix;
    else if (trailing)
        m_shape = Shape::Prefix;
    else
        m_shape = Shape::Exact;
}

bool LikePattern::matches(std::string_view value) const
{
    switch (m_shape) {
    case Shape::Any: return true;
    case Shape::Exact: return value == m_literal;
    case Shape::Prefix: return value.substr(0, m_literal.size()) == m_literal;
    case Shape::Suffix:
        return value.size() >= m_literal.size() && value.substr(value.size() - m_literal.size()) == m_literal;
    case Shape::Contains: return value.find(m_literal) != std::string_view::npos;
    case Shape::General: break;
    }
    return likeMatch(value, m_pattern, m_escape);
}

} // namespace busyard::core::sql
