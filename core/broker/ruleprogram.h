#pragma once

#include "core/broker/entities.h"
#include "core/message.h"
#include "core/result.h"

#include <memory>
#include <optional>
#include <string>

namespace busyard::core::broker {

/**
 * Internal seam between the engine and the filter languages: a rule compiled once at creation and
 * evaluated per message. True/False/correlation filters are evaluated here; SQL filters and actions
 * are delegated to core/sql (servicebus-semantics.md A.1-A.17).
 *
 * Not part of the engine's public API. Thread: the engine's.
 */
class RuleProgram
{
public:
    RuleProgram();
    ~RuleProgram();
    RuleProgram(RuleProgram &&) noexcept;
    RuleProgram &operator=(RuleProgram &&) noexcept;

    /** Compiles filter and action; SyntaxError/InvalidArgument with the parser's text on failure. */
    static Result<RuleProgram> compile(const RuleDescription &rule);

    /** Evaluates the filter. Error{FilterEvaluation} when an SQL filter fails on this message. */
    Result<bool> matches(const Message &message) const;
    bool hasAction() const;
    /** Runs the action on a copy; Error{FilterEvaluation} when it fails (a RuleActionException). */
    Result<void> applyAction(Message &message) const;

    /** True for SQL-language filters (counted against the SQL filter quota, A.13 #10). */
    bool isSqlFilter() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

/** A.17: exact, case-sensitive system fields; typed property equality; all set fields must match. */
bool matchCorrelation(const CorrelationFilter &filter, const Message &message);

/** Text form of a message-id / correlation-id as correlation filters compare it (strings as is,
 *  uuid lower-case, integers decimal); nullopt for null and binary values. */
std::optional<std::string> idText(const Value &value);

/** A byte string that is equal for two values exactly when Value::operator== holds (hash key). */
std::string valueKey(const Value &value);

} // namespace busyard::core::broker
