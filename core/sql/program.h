#pragma once

#include "ast.h"
#include "filter.h"
#include "likematcher.h"
#include "parser.h"
#include "scalar.h"
#include "sysproperty.h"

#include "core/message.h"

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <optional>
#include <vector>

namespace busyard::core::sql {

enum class OpCode : std::uint8_t {
    // values
    Const, UserProperty, SysProperty, Unary, Binary, NewId, PropertyFunction,
    // predicates
    ConstTruth, Or, And, Not, Compare, Like, LikeConst, In, InStrings, InIntegers, IsNull, Exists,
};

/** One node of a compiled expression; children are indices into Program::nodes. */
struct Node
{
    OpCode op = OpCode::Const;
    std::uint8_t sub = 0;  ///< CompareOp, ArithOp, UnaryOp, SysProperty or Tri (ConstTruth)
    bool negated = false;
    bool systemScope = false;
    std::int32_t a = -1, b = -1, c = -1;
    std::int32_t index = -1; ///< names / likes / lists / sets
    std::int32_t count = 0;  ///< In: number of list elements
    Scalar constant;
};

/**
 * Immutable compiled filter or action, shared by copies of Filter/Action. Constants, names and
 * patterns live here; Const scalars point into `values`, a deque so that pointers stay valid.
 */
struct Program
{
    struct Statement
    {
        sql::Statement::Kind kind = sql::Statement::Kind::Set;
        bool systemScope = false;
        SysProperty property = SysProperty::MessageId;
        std::string name; ///< user property as written (SET creates it with this spelling)
        std::int32_t lowerName = -1;
        std::int32_t value = -1;
    };

    Program() = default;
    Program(const Program &) = delete; // scalars and sets point into this object's storage
    Program &operator=(const Program &) = delete;

    std::string text;
    std::vector<Node> nodes;
    std::deque<Value> values;
    std::deque<std::string> names; ///< lower-case user property names
    std::deque<LikePattern> likes;
    std::vector<std::int32_t> lists;
    std::vector<std::vector<std::string_view>> stringSets; ///< sorted
    std::vector<std::vector<std::int64_t>> integerSets;    ///< sorted
    std::int32_t root = -1;
    std::vector<Statement> statements;
};

/** Parses, checks (A.13) and compiles a filter into `out` (fresh). Returns the first error, if any. */
std::optional<ParseError> compileFilterProgram(std::string_view text, const Parameters &params,
                                               const CompileOptions &options, Program &out);
/** Same for a rule action. */
std::optional<ParseError> compileActionProgram(std::string_view text, const Parameters &params,
                                               const CompileOptions &options, Program &out);

/** Evaluates compiled nodes against one message. Allocation-free except for made strings (arena). */
class Evaluator
{
public:
    Evaluator(const Program &program, const Message &message, EvalArena &arena)
        : m_program(program), m_message(message), m_arena(arena) {}

    Scalar value(std::int32_t index);
    Tri test(std::int32_t index);

private:
    const Value *findUser(std::string_view lowerName) const;
    Tri like(const Node &n);
    Tri in(const Node &n, const Scalar &v);

    const Program &m_program;
    const Message &m_message;
    EvalArena &m_arena;
};

} // namespace busyard::core::sql
