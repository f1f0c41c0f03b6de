#pragma once

#include "core/message.h"
#include "core/result.h"
#include "core/value.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/**
 * The Service Bus SQL filter and rule-action language (servicebus-semantics.md Part A).
 *
 * Text is compiled once into an immutable program (names resolved, constants folded, LIKE patterns
 * and constant IN lists precompiled); evaluating a compiled filter against a message does not
 * allocate for comparisons, AND/OR/NOT, IN, LIKE, EXISTS and IS NULL. Compiled objects are cheap to
 * copy (they share the program) and safe to use from several threads at once.
 */
namespace busyard::core::sql {

struct Program;

/** Rule parameters: name ("@name" or "name", matched case-insensitively) -> value. */
using Parameters = std::vector<std::pair<std::string, Value>>;

/** Compatibility switches; the defaults are the ones the reference picks. */
struct CompileOptions
{
    /** B.26 open point 1: accept `sys.Subject` as a synonym of `sys.Label`. */
    bool acceptSubjectAlias = true;
    /** false: referenced parameters need not be supplied (they read as null) and extra ones are
        ignored. For editors that check syntax before the user has entered parameter values. */
    bool checkParameters = true;
};

/** Truth value of a filter: a rule matches only on True (A.7). */
enum class Truth : std::uint8_t { False, True, Unknown };

/** A compiled SQL filter. */
class Filter
{
public:
    /** An empty filter: isValid() is false and evaluate() fails. */
    Filter() = default;

    /**
     * Compiles a filter expression. Refuses (Error{SyntaxError}) everything A.13 refuses: empty or
     * longer than 1024 characters, syntax errors, reserved words, unknown scopes, unknown `sys.` names,
     * unknown functions or arities, missing or extra parameters, trees deeper than 32 or larger than
     * 1024 nodes. The message has Azure's shape: "There was an error parsing the SQL expression.
     * [Token line=1, column=7, Token in error= ..., Additional details= ...]".
     */
    static Result<Filter> compile(std::string_view expression, const Parameters &params = {},
                                  const CompileOptions &options = {});

    /** true = match; false = no match (including unknown); Error{FilterEvaluation} on an evaluation error (A.14). */
    Result<bool> evaluate(const Message &message) const;
    /** The three-valued result, for tools that explain why a rule did not match. */
    Result<Truth> evaluateTruth(const Message &message) const;

    bool isValid() const { return m_program != nullptr; }
    /** The text the filter was compiled from. */
    const std::string &expression() const;

private:
    std::shared_ptr<const Program> m_program;
};

/** A compiled SQL rule action: SET / REMOVE statements (A.15). */
class Action
{
public:
    Action() = default;

    /** Compiles action text; refuses what A.13 refuses, plus SET/REMOVE of read-only `sys.` properties and
        more than 32 statements. */
    static Result<Action> compile(std::string_view text, const Parameters &params = {},
                                  const CompileOptions &options = {});

    /**
     * Applies the statements in order to `message` (the subscription's copy). All or nothing: on
     * Error{FilterEvaluation} (a failed evaluation or conversion) the message is left unchanged.
     * The broker adds the `RuleName` property itself; the action does not know the rule's name.
     */
    Result<void> apply(Message &message) const;

    bool isValid() const { return m_program != nullptr; }
    const std::string &text() const;
    /** Number of statements. */
    int statementCount() const;

private:
    std::shared_ptr<const Program> m_program;
};

/** Where the first error of some filter or action text is, for the GUI's live rule editor. */
struct Diagnostic
{
    int line = 1;       ///< 1-based
    int column = 1;     ///< 1-based, in code points
    int offset = 0;     ///< byte offset into the UTF-8 text
    int length = 0;     ///< bytes
    std::string message; ///< the detail ("syntax error, unexpected IDENTIFIER, expecting ...")
};

/** nullopt when `expression` compiles as a filter; otherwise its first error. */
std::optional<Diagnostic> checkFilter(std::string_view expression, const Parameters &params = {},
                                      const CompileOptions &options = {});
/** nullopt when `text` compiles as an action; otherwise its first error. */
std::optional<Diagnostic> checkAction(std::string_view text, const Parameters &params = {},
                                      const CompileOptions &options = {});

} // namespace busyard::core::sql
