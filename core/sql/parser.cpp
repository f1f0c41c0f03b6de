#include "parser.h"

#include "core/value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace busyard::core::sql {

namespace {

// Deepest recursion the parser allows before it gives up with "too complex". The tree limit
// (kMaxTreeDepth) is checked on the finished tree; this guard only keeps hostile input such as
// 1000 nested parentheses from exhausting the stack first.
constexpr int kMaxParserRecursion = 4 * kMaxTreeDepth;

bool isNameToken(const Token &t)
{
    return t.kind == TokenKind::Identifier || t.kind == TokenKind::DelimitedIdentifier
        || t.kind == TokenKind::QuotedIdentifier;
}

std::unique_ptr<AstNode> makeNode(AstNode::Kind kind, SourceSpan span)
{
    auto n = std::make_unique<AstNode>();
    n->kind = kind;
    n->span = span;
    return n;
}

SourceSpan cover(const SourceSpan &a, const SourceSpan &b)
{
    SourceSpan s = a;
    const int end = std::max(a.offset + a.length, b.offset + b.length);
    s.length = end - a.offset;
    return s;
}

} // namespace

const char *compareOpText(CompareOp op)
{
    switch (op) {
    case CompareOp::Equal: return "==";
    case CompareOp::NotEqual: return "!=";
    case CompareOp::Less: return "<";
    case CompareOp::LessEqual: return "<=";
    case CompareOp::Greater: return ">";
    case CompareOp::GreaterEqual: return ">=";
    }
    return "?";
}

const char *arithOpText(ArithOp op)
{
    switch (op) {
    case ArithOp::Add: return "+";
    case ArithOp::Subtract: return "-";
    case ArithOp::Multiply: return "*";
    case ArithOp::Divide: return "/";
    case ArithOp::Modulo: return "%";
    }
    return "?";
}

int utf16Length(std::string_view text)
{
    int n = 0;
    for (unsigned char c : text) {
        if ((c & 0xC0) == 0x80)
            continue;          // continuation byte
        n += (c >= 0xF0) ? 2 : 1; // 4-byte sequences are surrogate pairs in UTF-16
    }
    return n;
}

std::string ParseError::toAzureMessage() const
{
    return "There was an error parsing the SQL expression. [Token line=" + std::to_string(span.line)
        + ", column=" + std::to_string(span.column) + ", Token in error= " + token
        + ", Additional details= " + detail + "]";
}

Parser::Parser(std::string_view text) : m_text(text), m_tokens(tokenize(text)) {}

const Token &Parser::lookahead(std::size_t n) const
{
    const std::size_t i = std::min(m_pos + n, m_tokens.size() - 1);
    return m_tokens[i];
}

bool Parser::atKeyword(Keyword k) const
{
    return current().kind == TokenKind::Keyword && current().keyword == k;
}

void Parser::advance()
{
    if (m_pos + 1 < m_tokens.size())
        ++m_pos;
}

SourceSpan Parser::spanOf(const Token &t) const
{
    return SourceSpan{t.offset, t.length, t.line, t.column};
}

void Parser::failSpan(SourceSpan span, std::string token, std::string detail)
{
    m_error = ParseError{span, std::move(token), std::move(detail)};
    throw Failure{};
}

void Parser::failAt(const Token &t, std::string detail)
{
    failSpan(spanOf(t), std::string(t.text(m_text)), std::move(detail));
}

void Parser::fail(const char *expected)
{
    const Token &t = current();
    std::string detail;
    switch (t.kind) {
    case TokenKind::Error:
        switch (t.error) {
        case TokenError::UnrecognizedCharacter:
            detail = "Unrecognized character. '" + std::string(t.text(m_text)) + "'";
            break;
        case TokenError::UnterminatedString: detail = "Unterminated string literal."; break;
        case TokenError::UnterminatedDelimitedIdentifier: detail = "Unterminated delimited identifier."; break;
        case TokenError::UnterminatedQuotedIdentifier: detail = "Unterminated quoted identifier."; break;
        case TokenError::EmptyParameterName: detail = "A parameter name must follow '@'."; break;
        case TokenError::None: detail = "Invalid token."; break;
        }
        break;
    case TokenKind::ReservedWord:
        detail = "'" + std::string(t.text(m_text)) + "' is a reserved keyword.";
        break;
    default:
        detail = std::string("syntax error, unexpected ") + tokenKindName(t.kind, t.keyword);
        if (expected && *expected)
            detail += std::string(", expecting ") + expected;
        break;
    }
    failAt(t, std::move(detail));
}

void Parser::enter()
{
    if (++m_depth > kMaxParserRecursion)
        failAt(current(), "The expression is too complex (nested more than "
                              + std::to_string(kMaxTreeDepth) + " levels).");
}

bool Parser::checkLength()
{
    try {
        if (m_text.empty() || m_tokens.front().kind == TokenKind::End)
            failSpan(SourceSpan{0, 0, 1, 1}, std::string(), "The expression is empty.");
        const int length = utf16Length(m_text);
        if (length > kMaxExpressionLength)
            failSpan(SourceSpan{0, static_cast<int>(m_text.size()), 1, 1}, std::string(),
                     "The expression is " + std::to_string(length) + " characters long; at most "
                         + std::to_string(kMaxExpressionLength) + " are allowed.");
    } catch (const Failure &) {
        return false;
    }
    return true;
}

namespace {

struct TreeStats
{
    int depth = 0;
    int nodes = 0;
    const AstNode *deepest = nullptr;
};

void measure(const AstNode &n, int level, TreeStats &stats)
{
    ++stats.nodes;
    if (level > stats.depth) {
        stats.depth = level;
        stats.deepest = &n;
    }
    for (const auto &c : n.children)
        measure(*c, level + 1, stats);
}

} // namespace

void Parser::checkTree(const AstNode &root)
{
    TreeStats stats;
    measure(root, 1, stats);
    if (stats.depth > kMaxTreeDepth)
        failSpan(stats.deepest->span, std::string(), "The expression is too complex: its tree is "
                     + std::to_string(stats.depth) + " levels deep; at most " + std::to_string(kMaxTreeDepth)
                     + " are allowed.");
    if (stats.nodes > kMaxTreeNodes)
        failSpan(root.span, std::string(), "The expression is too complex: it has " + std::to_string(stats.nodes)
                     + " nodes; at most " + std::to_string(kMaxTreeNodes) + " are allowed.");
}

std::unique_ptr<AstNode> Parser::parseFilter()
{
    m_error.reset();
    if (!checkLength())
        return nullptr;
    try {
        auto root = parseOr(false);
        if (current().kind != TokenKind::End)
            fail("AND, or OR");
        checkTree(*root);
        return root;
    } catch (const Failure &) {
        return nullptr;
    }
}

std::vector<Statement> Parser::parseAction()
{
    m_error.reset();
    if (!checkLength())
        return {};
    std::vector<Statement> statements;
    try {
        do {
            if (static_cast<int>(statements.size()) == kMaxActionStatements)
                failAt(current(), "An action can have at most " + std::to_string(kMaxActionStatements)
                                      + " statements.");
            statements.push_back(parseStatement());
        } while (current().kind != TokenKind::End);
    } catch (const Failure &) {
        return {};
    }
    return statements;
}

Statement Parser::parseStatement()
{
    Statement s;
    s.span = spanOf(current());
    if (atKeyword(Keyword::Set)) {
        s.kind = Statement::Kind::Set;
        advance();
        s.target = parseProperty();
        if (current().kind != TokenKind::Equal)
            fail("'='");
        advance();
        s.value = parseExpression();
        checkTree(*s.value);
    } else if (atKeyword(Keyword::Remove)) {
        s.kind = Statement::Kind::Remove;
        advance();
        s.target = parseProperty();
    } else {
        fail("SET, or REMOVE");
    }
    if (current().kind == TokenKind::Semicolon)
        advance();
    return s;
}

std::unique_ptr<AstNode> Parser::parseOr(bool allowExpression)
{
    enter();
    auto left = parseAnd(allowExpression);
    while (atKeyword(Keyword::Or)) {
        if (!left->isPredicate())
            fail("')'");
        auto node = makeNode(AstNode::Kind::Or, spanOf(current()));
        advance();
        node->children.push_back(std::move(left));
        node->children.push_back(parseAnd(false));
        left = std::move(node);
    }
    leave();
    return left;
}

std::unique_ptr<AstNode> Parser::parseAnd(bool allowExpression)
{
    auto left = parseNot(allowExpression);
    while (atKeyword(Keyword::And)) {
        if (!left->isPredicate())
            fail("')'");
        auto node = makeNode(AstNode::Kind::And, spanOf(current()));
        advance();
        node->children.push_back(std::move(left));
        node->children.push_back(parseNot(false));
        left = std::move(node);
    }
    return left;
}

std::unique_ptr<AstNode> Parser::parseNot(bool allowExpression)
{
    if (atKeyword(Keyword::Not)) {
        enter();
        auto node = makeNode(AstNode::Kind::Not, spanOf(current()));
        advance();
        node->children.push_back(parseNot(false));
        leave();
        return node;
    }
    return parseSimple(allowExpression);
}

std::unique_ptr<AstNode> Parser::parseSimple(bool allowExpression)
{
    if (current().kind == TokenKind::LParen) {
        // "(" starts either a parenthesised predicate or a parenthesised expression that a comparison
        // follows: "(a + 1) = 2". Parse the inside allowing a bare expression, then decide.
        enter();
        const Token open = current();
        advance();
        auto inner = parseOr(true);
        if (current().kind != TokenKind::RParen)
            fail(inner->isPredicate() ? "AND, OR, or ')'" : "an operator, or ')'");
        inner->span = cover(spanOf(open), inner->span);
        advance();
        leave();
        if (inner->isPredicate())
            return inner;
        return parsePredicateTail(continueExpression(std::move(inner)), allowExpression);
    }
    if (atKeyword(Keyword::Exists)) {
        auto node = makeNode(AstNode::Kind::Exists, spanOf(current()));
        advance();
        if (current().kind != TokenKind::LParen)
            fail("'('");
        advance();
        node->children.push_back(parseProperty());
        if (current().kind != TokenKind::RParen)
            fail("')'");
        advance();
        return node;
    }
    return parsePredicateTail(parseExpression(), allowExpression);
}

std::unique_ptr<AstNode> Parser::parsePredicateTail(std::unique_ptr<AstNode> left, bool allowExpression)
{
    const Token &t = current();
    switch (t.kind) {
    case TokenKind::Equal:
    case TokenKind::NotEqual:
    case TokenKind::Less:
    case TokenKind::LessEqual:
    case TokenKind::Greater:
    case TokenKind::GreaterEqual: {
        auto node = makeNode(AstNode::Kind::Compare, spanOf(t));
        static constexpr CompareOp ops[] = {CompareOp::Equal, CompareOp::NotEqual, CompareOp::Less,
                                            CompareOp::LessEqual, CompareOp::Greater, CompareOp::GreaterEqual};
        node->compareOp = ops[static_cast<int>(t.kind) - static_cast<int>(TokenKind::Equal)];
        advance();
        node->children.push_back(std::move(left));
        node->children.push_back(parseExpression());
        return node;
    }
    case TokenKind::Keyword:
        break;
    default:
        if (allowExpression)
            return left;
        fail("'=', '<>', '<', '<=', '>', '>=', LIKE, IN, IS, or NOT");
    }

    bool negated = false;
    if (t.keyword == Keyword::Not) {
        negated = true;
        advance();
        if (!atKeyword(Keyword::Like) && !atKeyword(Keyword::In))
            fail("LIKE, or IN");
    }
    const Token &op = current();
    if (op.keyword == Keyword::Like) {
        auto node = makeNode(AstNode::Kind::Like, spanOf(op));
        node->negated = negated;
        advance();
        node->children.push_back(std::move(left));
        node->children.push_back(parseExpression());
        if (atKeyword(Keyword::Escape)) {
            advance();
            node->children.push_back(parseExpression());
        }
        return node;
    }
    if (op.keyword == Keyword::In) {
        auto node = makeNode(AstNode::Kind::In, spanOf(op));
        node->negated = negated;
        advance();
        if (current().kind != TokenKind::LParen)
            fail("'('");
        advance();
        node->children.push_back(std::move(left));
        for (;;) {
            node->children.push_back(parseExpression());
            if (current().kind == TokenKind::Comma) {
                advance();
                continue;
            }
            if (current().kind != TokenKind::RParen)
                fail("',', or ')'");
            advance();
            break;
        }
        return node;
    }
    if (op.keyword == Keyword::Is) {
        if (left->kind != AstNode::Kind::Property)
            failAt(op, "syntax error, IS [NOT] NULL can only be applied to a property");
        auto node = makeNode(AstNode::Kind::IsNull, spanOf(op));
        advance();
        if (atKeyword(Keyword::Not)) {
            node->negated = true;
            advance();
        }
        if (!atKeyword(Keyword::Null))
            fail("NULL, or NOT");
        advance();
        node->children.push_back(std::move(left));
        return node;
    }
    if (allowExpression)
        return left;
    fail("'=', '<>', '<', '<=', '>', '>=', LIKE, IN, IS, or NOT");
}

std::unique_ptr<AstNode> Parser::parseExpression()
{
    enter();
    auto left = parseTerm();
    while (current().kind == TokenKind::Plus || current().kind == TokenKind::Minus) {
        auto node = makeNode(AstNode::Kind::Binary, spanOf(current()));
        node->arithOp = current().kind == TokenKind::Plus ? ArithOp::Add : ArithOp::Subtract;
        advance();
        node->children.push_back(std::move(left));
        node->children.push_back(parseTerm());
        left = std::move(node);
    }
    leave();
    return left;
}

std::unique_ptr<AstNode> Parser::continueExpression(std::unique_ptr<AstNode> primary)
{
    auto left = std::move(primary);
    while (current().kind == TokenKind::Star || current().kind == TokenKind::Slash
           || current().kind == TokenKind::Percent) {
        auto node = makeNode(AstNode::Kind::Binary, spanOf(current()));
        node->arithOp = current().kind == TokenKind::Star ? ArithOp::Multiply
            : current().kind == TokenKind::Slash         ? ArithOp::Divide
                                                         : ArithOp::Modulo;
        advance();
        node->children.push_back(std::move(left));
        node->children.push_back(parseUnary());
        left = std::move(node);
    }
    while (current().kind == TokenKind::Plus || current().kind == TokenKind::Minus) {
        auto node = makeNode(AstNode::Kind::Binary, spanOf(current()));
        node->arithOp = current().kind == TokenKind::Plus ? ArithOp::Add : ArithOp::Subtract;
        advance();
        node->children.push_back(std::move(left));
        node->children.push_back(parseTerm());
        left = std::move(node);
    }
    return left;
}

std::unique_ptr<AstNode> Parser::parseTerm()
{
    auto left = parseUnary();
    while (current().kind == TokenKind::Star || current().kind == TokenKind::Slash
           || current().kind == TokenKind::Percent) {
        auto node = makeNode(AstNode::Kind::Binary, spanOf(current()));
        node->arithOp = current().kind == TokenKind::Star ? ArithOp::Multiply
            : current().kind == TokenKind::Slash         ? ArithOp::Divide
                                                         : ArithOp::Modulo;
        advance();
        node->children.push_back(std::move(left));
        node->children.push_back(parseUnary());
        left = std::move(node);
    }
    return left;
}

std::unique_ptr<AstNode> Parser::parseUnary()
{
    const Token &t = current();
    if (t.kind != TokenKind::Plus && t.kind != TokenKind::Minus)
        return parsePrimary();
    enter();
    const Token op = t;
    advance();
    std::unique_ptr<AstNode> result;
    const Token &operand = current();
    if (op.kind == TokenKind::Minus
        && (operand.kind == TokenKind::Integer || operand.kind == TokenKind::Decimal
            || operand.kind == TokenKind::Approximate)) {
        // A minus directly before a number is part of the literal (A.2): -9223372036854775808 is valid.
        const Token number = operand;
        advance();
        result = parseNumber(number, true, cover(spanOf(op), spanOf(number)));
    } else {
        result = makeNode(AstNode::Kind::Unary, spanOf(op));
        result->unaryOp = op.kind == TokenKind::Plus ? UnaryOp::Plus : UnaryOp::Minus;
        result->children.push_back(parseUnary());
    }
    leave();
    return result;
}

std::unique_ptr<AstNode> Parser::parseNumber(const Token &t, bool negative, SourceSpan span)
{
    const std::string_view text = t.text(m_text);
    auto node = makeNode(AstNode::Kind::Literal, span);
    if (t.kind == TokenKind::Integer) {
        std::uint64_t magnitude = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude);
        constexpr std::uint64_t maxPositive = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        if (ec != std::errc() || ptr != text.data() + text.size() || magnitude > maxPositive + (negative ? 1 : 0))
            failSpan(span, std::string(m_text.substr(span.offset, span.length)),
                     "The integer literal is out of the range of a 64-bit signed integer.");
        const std::int64_t v = negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
        node->literal = Value::int64(v);
        return node;
    }
    // strtod needs a terminated buffer; literals are short.
    std::string buffer(text);
    char *end = nullptr;
    double d = std::strtod(buffer.c_str(), &end);
    if (end != buffer.c_str() + buffer.size() || !std::isfinite(d))
        failSpan(span, buffer, "The numeric literal is out of the range of a double.");
    node->literal = Value::float64(negative ? -d : d);
    return node;
}

std::unique_ptr<AstNode> Parser::parsePrimary()
{
    const Token &t = current();
    switch (t.kind) {
    case TokenKind::Integer:
    case TokenKind::Decimal:
    case TokenKind::Approximate: {
        const Token number = t;
        advance();
        return parseNumber(number, false, spanOf(number));
    }
    case TokenKind::String: {
        auto node = makeNode(AstNode::Kind::Literal, spanOf(t));
        node->literal = Value::string(unquote(t.text(m_text)));
        advance();
        return node;
    }
    case TokenKind::Parameter: {
        auto node = makeNode(AstNode::Kind::Parameter, spanOf(t));
        node->name = std::string(t.text(m_text).substr(1));
        advance();
        return node;
    }
    case TokenKind::Keyword:
        if (t.keyword == Keyword::True || t.keyword == Keyword::False || t.keyword == Keyword::Null) {
            auto node = makeNode(AstNode::Kind::Literal, spanOf(t));
            if (t.keyword != Keyword::Null)
                node->literal = Value::boolean(t.keyword == Keyword::True);
            advance();
            return node;
        }
        break;
    case TokenKind::LParen: {
        enter();
        const Token open = t;
        advance();
        auto inner = parseExpression();
        if (current().kind != TokenKind::RParen)
            fail("an operator, or ')'");
        advance();
        leave();
        (void)open;
        return inner;
    }
    case TokenKind::Identifier:
        if (lookahead().kind == TokenKind::LParen)
            return parseFunction();
        return parseProperty();
    case TokenKind::DelimitedIdentifier:
    case TokenKind::QuotedIdentifier:
        return parseProperty();
    default:
        break;
    }
    fail("IDENTIFIER, a literal, a parameter, or '('");
}

std::unique_ptr<AstNode> Parser::parseFunction()
{
    const Token nameToken = current();
    auto node = makeNode(AstNode::Kind::Function, spanOf(nameToken));
    node->name = toLowerAscii(nameToken.text(m_text));
    std::size_t arity = 0;
    if (node->name == "newid")
        arity = 0;
    else if (node->name == "property" || node->name == "p")
        arity = 1;
    else
        failAt(nameToken, "'" + std::string(nameToken.text(m_text))
                              + "' is not a supported function; use newid(), property(name) or p(name).");
    advance(); // name
    advance(); // (
    if (current().kind != TokenKind::RParen) {
        for (;;) {
            node->children.push_back(parseExpression());
            if (current().kind == TokenKind::Comma) {
                advance();
                continue;
            }
            break;
        }
        if (current().kind != TokenKind::RParen)
            fail("',', or ')'");
    }
    const Token close = current();
    advance();
    if (node->children.size() != arity)
        failSpan(cover(spanOf(nameToken), spanOf(close)), std::string(nameToken.text(m_text)),
                 "The function '" + node->name + "' takes " + std::to_string(arity) + " argument"
                     + (arity == 1 ? "" : "s") + ", not " + std::to_string(node->children.size()) + ".");
    return node;
}

std::unique_ptr<AstNode> Parser::parseProperty()
{
    const Token first = current();
    if (!isNameToken(first))
        fail("IDENTIFIER");
    advance();
    auto node = makeNode(AstNode::Kind::Property, spanOf(first));
    const auto nameOf = [this](const Token &t) {
        return t.kind == TokenKind::Identifier ? std::string(t.text(m_text)) : unquote(t.text(m_text));
    };
    node->name = nameOf(first);
    if (current().kind == TokenKind::Dot) {
        const std::string scope = node->name;
        if (equalsIgnoreCase(scope, "sys"))
            node->systemScope = true;
        else if (!equalsIgnoreCase(scope, "user"))
            failAt(first, "The scope '" + scope + "' is not supported; use sys or user.");
        advance();
        const Token second = current();
        if (!isNameToken(second))
            fail("IDENTIFIER");
        advance();
        node->name = nameOf(second);
        node->span = cover(spanOf(first), spanOf(second));
        if (current().kind == TokenKind::Dot)
            fail("an operator");
    }
    return node;
}

} // namespace busyard::core::sql
