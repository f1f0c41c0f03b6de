#include "tokenizer.h"

#include <array>

namespace busyard::core::sql {

namespace {

struct KeywordEntry
{
    std::string_view name;
    Keyword keyword;
};

constexpr std::array<KeywordEntry, 13> kKeywords{{
    {"and", Keyword::And}, {"or", Keyword::Or}, {"not", Keyword::Not}, {"in", Keyword::In},
    {"is", Keyword::Is}, {"null", Keyword::Null}, {"like", Keyword::Like}, {"escape", Keyword::Escape},
    {"exists", Keyword::Exists}, {"true", Keyword::True}, {"false", Keyword::False}, {"set", Keyword::Set},
    {"remove", Keyword::Remove},
}};

// Reserved by the legacy scanner although the grammar never uses them (A.2).
constexpr std::array<std::string_view, 16> kReserved{{
    "begin", "end", "break", "continue", "goto", "if", "else", "while", "try", "catch", "as", "between",
    "coalesce", "convert", "declare", "nullif",
}};

char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool sameIgnoreCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

bool isAsciiLetter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool isDigit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

// Non-ASCII code points are taken as letters: the language allows any Unicode letter in identifiers
// and we do not carry the Unicode tables in core. Malformed UTF-8 bytes count as letters too, so the
// scanner never stalls.
bool isIdentifierStart(unsigned char c)
{
    return isAsciiLetter(c) || c >= 0x80;
}

bool isIdentifierPart(unsigned char c)
{
    return isIdentifierStart(c) || isDigit(c) || c == '_';
}

bool isWhitespace(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}

class Scanner
{
public:
    explicit Scanner(std::string_view text) : m_text(text) {}

    std::vector<Token> run()
    {
        std::vector<Token> tokens;
        for (;;) {
            skipWhitespace();
            Token t = next();
            tokens.push_back(t);
            if (t.kind == TokenKind::End)
                break;
        }
        return tokens;
    }

private:
    bool atEnd() const { return m_pos >= m_text.size(); }
    unsigned char peek(std::size_t ahead = 0) const
    {
        return m_pos + ahead < m_text.size() ? static_cast<unsigned char>(m_text[m_pos + ahead]) : 0;
    }

    // Advances one byte, keeping line/column in code points (UTF-8 continuation bytes do not count).
    void advance()
    {
        const unsigned char c = peek();
        ++m_pos;
        if (c == '\n') {
            ++m_line;
            m_column = 1;
        } else if ((c & 0xC0) != 0x80) {
            ++m_column;
        }
    }

    void skipWhitespace()
    {
        while (!atEnd() && isWhitespace(peek()))
            advance();
    }

    Token start(TokenKind kind) const
    {
        Token t;
        t.kind = kind;
        t.offset = static_cast<int>(m_pos);
        t.line = m_line;
        t.column = m_column;
        return t;
    }

    Token finish(Token t) const
    {
        t.length = static_cast<int>(m_pos) - t.offset;
        return t;
    }

    Token next()
    {
        Token t = start(TokenKind::End);
        if (atEnd())
            return t;
        const unsigned char c = peek();
        if (isIdentifierStart(c))
            return word(t);
        if (isDigit(c) || (c == '.' && isDigit(peek(1))))
            return number(t);
        switch (c) {
        case '\'': return quoted(t, '\'', '\'', TokenKind::String, TokenError::UnterminatedString);
        case '"': return quoted(t, '"', '"', TokenKind::QuotedIdentifier, TokenError::UnterminatedQuotedIdentifier);
        case '[': return quoted(t, '[', ']', TokenKind::DelimitedIdentifier, TokenError::UnterminatedDelimitedIdentifier);
        case '@': return parameter(t);
        case '(': return single(t, TokenKind::LParen);
        case ')': return single(t, TokenKind::RParen);
        case ',': return single(t, TokenKind::Comma);
        case '.': return single(t, TokenKind::Dot);
        case ';': return single(t, TokenKind::Semicolon);
        case '=': return single(t, TokenKind::Equal);
        case '+': return single(t, TokenKind::Plus);
        case '-': return single(t, TokenKind::Minus);
        case '*': return single(t, TokenKind::Star);
        case '/': return single(t, TokenKind::Slash);
        case '%': return single(t, TokenKind::Percent);
        case '<':
            advance();
            if (peek() == '>' || peek() == '=') {
                t.kind = peek() == '>' ? TokenKind::NotEqual : TokenKind::LessEqual;
                advance();
            } else {
                t.kind = TokenKind::Less;
            }
            return finish(t);
        case '>':
            advance();
            t.kind = TokenKind::Greater;
            if (peek() == '=') {
                t.kind = TokenKind::GreaterEqual;
                advance();
            }
            return finish(t);
        case '!':
            if (peek(1) == '=') {
                advance();
                advance();
                t.kind = TokenKind::NotEqual;
                return finish(t);
            }
            break;
        default:
            break;
        }
        // Unrecognized character: consume the whole UTF-8 sequence.
        advance();
        while (!atEnd() && (peek() & 0xC0) == 0x80)
            advance();
        t.kind = TokenKind::Error;
        t.error = TokenError::UnrecognizedCharacter;
        return finish(t);
    }

    Token single(Token t, TokenKind kind)
    {
        advance();
        t.kind = kind;
        return finish(t);
    }

    Token word(Token t)
    {
        while (!atEnd() && isIdentifierPart(peek()))
            advance();
        t = finish(t);
        const std::string_view text = t.text(m_text);
        t.kind = TokenKind::Identifier;
        for (const auto &k : kKeywords) {
            if (sameIgnoreCase(text, k.name)) {
                t.kind = TokenKind::Keyword;
                t.keyword = k.keyword;
                return t;
            }
        }
        for (const auto &r : kReserved) {
            if (sameIgnoreCase(text, r)) {
                t.kind = TokenKind::ReservedWord;
                return t;
            }
        }
        return t;
    }

    Token number(Token t)
    {
        t.kind = TokenKind::Integer;
        while (isDigit(peek()))
            advance();
        if (peek() == '.') {
            t.kind = TokenKind::Decimal;
            advance();
            while (isDigit(peek()))
                advance();
        }
        if (peek() == 'e' || peek() == 'E') {
            const std::size_t digitAt = (peek(1) == '+' || peek(1) == '-') ? 2 : 1;
            if (isDigit(peek(digitAt))) {
                t.kind = TokenKind::Approximate;
                for (std::size_t i = 0; i < digitAt; ++i)
                    advance();
                while (isDigit(peek()))
                    advance();
            }
        }
        return finish(t);
    }

    Token quoted(Token t, char open, char close, TokenKind kind, TokenError unterminated)
    {
        (void)open;
        advance(); // opening quote
        for (;;) {
            if (atEnd()) {
                t.kind = TokenKind::Error;
                t.error = unterminated;
                return finish(t);
            }
            if (peek() == static_cast<unsigned char>(close)) {
                advance();
                if (peek() == static_cast<unsigned char>(close)) { // doubled: one literal close character
                    advance();
                    continue;
                }
                t.kind = kind;
                return finish(t);
            }
            advance();
        }
    }

    Token parameter(Token t)
    {
        advance(); // @
        while (!atEnd() && isIdentifierPart(peek()))
            advance();
        t = finish(t);
        if (t.length == 1) {
            t.kind = TokenKind::Error;
            t.error = TokenError::EmptyParameterName;
        } else {
            t.kind = TokenKind::Parameter;
        }
        return t;
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
    int m_line = 1;
    int m_column = 1;
};

} // namespace

std::vector<Token> tokenize(std::string_view text)
{
    return Scanner(text).run();
}

TokenCategory tokenCategory(TokenKind kind)
{
    switch (kind) {
    case TokenKind::End: return TokenCategory::Default;
    case TokenKind::Error: return TokenCategory::Error;
    case TokenKind::Identifier:
    case TokenKind::DelimitedIdentifier:
    case TokenKind::QuotedIdentifier: return TokenCategory::Identifier;
    case TokenKind::Keyword: return TokenCategory::Keyword;
    case TokenKind::ReservedWord: return TokenCategory::ReservedWord;
    case TokenKind::Parameter: return TokenCategory::Parameter;
    case TokenKind::Integer:
    case TokenKind::Decimal:
    case TokenKind::Approximate: return TokenCategory::Number;
    case TokenKind::String: return TokenCategory::String;
    default: return TokenCategory::Operator;
    }
}

const char *keywordName(Keyword keyword)
{
    switch (keyword) {
    case Keyword::None: return "";
    case Keyword::And: return "AND";
    case Keyword::Or: return "OR";
    case Keyword::Not: return "NOT";
    case Keyword::In: return "IN";
    case Keyword::Is: return "IS";
    case Keyword::Null: return "NULL";
    case Keyword::Like: return "LIKE";
    case Keyword::Escape: return "ESCAPE";
    case Keyword::Exists: return "EXISTS";
    case Keyword::True: return "TRUE";
    case Keyword::False: return "FALSE";
    case Keyword::Set: return "SET";
    case Keyword::Remove: return "REMOVE";
    }
    return "";
}

const char *tokenKindName(TokenKind kind, Keyword keyword)
{
    switch (kind) {
    case TokenKind::End: return "end of expression";
    case TokenKind::Error: return "invalid token";
    case TokenKind::Identifier: return "IDENTIFIER";
    case TokenKind::DelimitedIdentifier: return "DELIMITED_IDENTIFIER";
    case TokenKind::QuotedIdentifier: return "QUOTED_IDENTIFIER";
    case TokenKind::Keyword: return keywordName(keyword);
    case TokenKind::ReservedWord: return "reserved keyword";
    case TokenKind::Parameter: return "PARAMETER";
    case TokenKind::Integer: return "INTEGER";
    case TokenKind::Decimal: return "DECIMAL";
    case TokenKind::Approximate: return "APPROXIMATE_NUMBER";
    case TokenKind::String: return "STRING";
    case TokenKind::LParen: return "'('";
    case TokenKind::RParen: return "')'";
    case TokenKind::Comma: return "','";
    case TokenKind::Dot: return "'.'";
    case TokenKind::Semicolon: return "';'";
    case TokenKind::Equal: return "'='";
    case TokenKind::NotEqual: return "'<>'";
    case TokenKind::Less: return "'<'";
    case TokenKind::LessEqual: return "'<='";
    case TokenKind::Greater: return "'>'";
    case TokenKind::GreaterEqual: return "'>='";
    case TokenKind::Plus: return "'+'";
    case TokenKind::Minus: return "'-'";
    case TokenKind::Star: return "'*'";
    case TokenKind::Slash: return "'/'";
    case TokenKind::Percent: return "'%'";
    }
    return "?";
}

std::string unquote(std::string_view tokenText)
{
    if (tokenText.size() < 2)
        return std::string(tokenText);
    const char close = tokenText.front() == '[' ? ']' : tokenText.front();
    const std::string_view inner = tokenText.substr(1, tokenText.size() - 2);
    std::string out;
    out.reserve(inner.size());
    for (std::size_t i = 0; i < inner.size(); ++i) {
        out.push_back(inner[i]);
        if (inner[i] == close && i + 1 < inner.size() && inner[i + 1] == close)
            ++i;
    }
    return out;
}

} // namespace busyard::core::sql
