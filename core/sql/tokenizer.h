#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace busyard::core::sql {

/** Keywords of the filter and action language (servicebus-semantics.md A.2), case-insensitive. */
enum class Keyword : std::uint8_t {
    None,
    And, Or, Not, In, Is, Null, Like, Escape, Exists, True, False, Set, Remove,
};

/** Kinds of token. Operators and punctuation each have their own kind so the parser can use them. */
enum class TokenKind : std::uint8_t {
    End,                 ///< end of input (length 0)
    Error,               ///< unrecognized character, unterminated literal or identifier (see TokenError)
    Identifier,          ///< regular identifier (not a keyword)
    DelimitedIdentifier, ///< [name]; `]]` stands for `]`
    QuotedIdentifier,    ///< "name"; `""` stands for `"` (a property name, not a string)
    Keyword,             ///< one of Keyword (see Token::keyword)
    ReservedWord,        ///< BETWEEN, IF, ... : rejected by the parser
    Parameter,           ///< @name
    Integer,             ///< digits only: Int64
    Decimal,             ///< digits with a point: Double
    Approximate,         ///< number with an exponent: Double
    String,              ///< 'text'; `''` stands for `'`
    LParen, RParen, Comma, Dot, Semicolon,
    Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual,
    Plus, Minus, Star, Slash, Percent,
};

/** Why a TokenKind::Error token was produced. */
enum class TokenError : std::uint8_t {
    None,
    UnrecognizedCharacter,
    UnterminatedString,
    UnterminatedDelimitedIdentifier,
    UnterminatedQuotedIdentifier,
    EmptyParameterName,
};

/** Coarse classes for syntax highlighting (the GUI's QScintilla lexer maps these to styles). */
enum class TokenCategory : std::uint8_t {
    Default, Keyword, ReservedWord, Identifier, String, Number, Parameter, Operator, Error,
};

/**
 * One token. Offsets and lengths are in bytes of the UTF-8 input (what QScintilla uses); line and
 * column are 1-based, columns counted in Unicode code points. The language has no comment syntax
 * (A.2), so there is no comment token.
 */
struct Token
{
    TokenKind kind = TokenKind::End;
    Keyword keyword = Keyword::None;
    TokenError error = TokenError::None;
    int offset = 0;
    int length = 0;
    int line = 1;
    int column = 1;

    std::string_view text(std::string_view source) const
    {
        return source.substr(static_cast<std::size_t>(offset), static_cast<std::size_t>(length));
    }
};

/**
 * Splits text into tokens, skipping whitespace (space, tab, CR, LF, VT). Never fails: bad input
 * yields TokenKind::Error tokens, after which scanning resumes. The last token is always End.
 */
std::vector<Token> tokenize(std::string_view text);

TokenCategory tokenCategory(TokenKind kind);

/** "AND", "OR", ... ; "" for Keyword::None. */
const char *keywordName(Keyword keyword);

/** Bison-style name of a token kind for syntax errors ("IDENTIFIER", "'='", "end of expression"). */
const char *tokenKindName(TokenKind kind, Keyword keyword = Keyword::None);

/** The value of a String/QuotedIdentifier/DelimitedIdentifier token with its quotes removed and doubled
    closing quotes collapsed. */
std::string unquote(std::string_view tokenText);

} // namespace busyard::core::sql
