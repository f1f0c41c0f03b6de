#pragma once

#include "ast.h"
#include "tokenizer.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace busyard::core::sql {

/** Limits Azure applies at rule creation (servicebus-semantics.md A.2, A.6, A.13). */
inline constexpr int kMaxExpressionLength = 1024; ///< UTF-16 code units, as .NET counts string length
inline constexpr int kMaxTreeDepth = 32;
inline constexpr int kMaxTreeNodes = 1024;
inline constexpr int kMaxActionStatements = 32;

/** A creation-time error with the position of the offending token. */
struct ParseError
{
    SourceSpan span;
    std::string token;  ///< text of the token in error ("" at end of input)
    std::string detail; ///< bison-style detail: "syntax error, unexpected IDENTIFIER, expecting ..."

    /** The text Azure returns: "There was an error parsing the SQL expression. [Token line=..., ...]". */
    std::string toAzureMessage() const;
};

/**
 * Hand-written recursive-descent parser for the grammar of A.3. Checks the purely syntactic rules
 * (keywords, reserved words, scopes, literal ranges, function names and arities, length, depth and
 * size limits); name resolution of sys. properties and parameters happens in the compiler.
 */
class Parser
{
public:
    explicit Parser(std::string_view text);

    /** Parses a whole filter; nullptr on error (see error()). */
    std::unique_ptr<AstNode> parseFilter();
    /** Parses a whole action (one or more statements); empty on error (see error()). */
    std::vector<Statement> parseAction();

    const std::optional<ParseError> &error() const { return m_error; }

private:
    struct Failure {};

    const Token &current() const { return m_tokens[m_pos]; }
    const Token &lookahead(std::size_t n = 1) const;
    bool atKeyword(Keyword k) const;
    void advance();
    SourceSpan spanOf(const Token &t) const;
    [[noreturn]] void fail(const char *expected);
    [[noreturn]] void failAt(const Token &t, std::string detail);
    [[noreturn]] void failSpan(SourceSpan span, std::string token, std::string detail);
    void enter();
    void leave() { --m_depth; }
    bool checkLength();
    void checkTree(const AstNode &root);

    std::unique_ptr<AstNode> parseOr(bool allowExpression);
    std::unique_ptr<AstNode> parseAnd(bool allowExpression);
    std::unique_ptr<AstNode> parseNot(bool allowExpression);
    std::unique_ptr<AstNode> parseSimple(bool allowExpression);
    std::unique_ptr<AstNode> parsePredicateTail(std::unique_ptr<AstNode> left, bool allowExpression);
    std::unique_ptr<AstNode> parseExpression();
    std::unique_ptr<AstNode> continueExpression(std::unique_ptr<AstNode> primary);
    std::unique_ptr<AstNode> parseTerm();
    std::unique_ptr<AstNode> parseUnary();
    std::unique_ptr<AstNode> parsePrimary();
    std::unique_ptr<AstNode> parseProperty();
    std::unique_ptr<AstNode> parseFunction();
    std::unique_ptr<AstNode> parseNumber(const Token &t, bool negative, SourceSpan span);
    Statement parseStatement();

    std::string_view m_text;
    std::vector<Token> m_tokens;
    std::size_t m_pos = 0;
    int m_depth = 0;
    std::optional<ParseError> m_error;
};

/** Length of UTF-8 text in UTF-16 code units (how Azure measures the 1024-character limit). */
int utf16Length(std::string_view text);

} // namespace busyard::core::sql
