#pragma once

#include "core/value.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace busyard::core::sql {

/** Where a node or error sits in the source text: byte offset/length, 1-based line and column. */
struct SourceSpan
{
    int offset = 0;
    int length = 0;
    int line = 1;
    int column = 1;
};

enum class CompareOp : std::uint8_t { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual };
enum class ArithOp : std::uint8_t { Add, Subtract, Multiply, Divide, Modulo };
enum class UnaryOp : std::uint8_t { Plus, Minus };

/** C# spelling of an operator, used in evaluation error texts ("=" is "=="). */
const char *compareOpText(CompareOp op);
const char *arithOpText(ArithOp op);

/**
 * Parse tree of a filter expression or an action statement's operands, as written (no name
 * resolution, no folding). Produced by Parser, consumed by the compiler.
 */
struct AstNode
{
    enum class Kind : std::uint8_t {
        // predicates (three-valued)
        Or, And, Not, Compare, Like, In, IsNull, Exists,
        // expressions (values)
        Literal, Property, Parameter, Unary, Binary, Function,
    };

    Kind kind = Kind::Literal;
    SourceSpan span;
    bool negated = false;       ///< NOT LIKE, NOT IN, IS NOT NULL
    bool systemScope = false;   ///< Property: sys.<name>
    CompareOp compareOp = CompareOp::Equal;
    ArithOp arithOp = ArithOp::Add;
    UnaryOp unaryOp = UnaryOp::Minus;
    Value literal;              ///< Literal: Long, Double, String, Bool or Null
    /** Property: the unquoted name; Parameter: the name without '@'; Function: lower-case name. */
    std::string name;
    /** Or/And/Compare/Binary: 2; Not/Unary/IsNull/Exists: 1; Like: 2 or 3 (value, pattern, escape);
        In: value then the list elements; Function: its arguments. */
    std::vector<std::unique_ptr<AstNode>> children;

    bool isPredicate() const { return kind <= Kind::Exists; }
};

/** One rule-action statement: SET target = value, or REMOVE target. */
struct Statement
{
    enum class Kind : std::uint8_t { Set, Remove };
    Kind kind = Kind::Set;
    SourceSpan span;
    std::unique_ptr<AstNode> target; ///< a Property node
    std::unique_ptr<AstNode> value;  ///< Set only
};

} // namespace busyard::core::sql
