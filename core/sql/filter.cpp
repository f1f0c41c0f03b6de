#include "filter.h"

#include "program.h"

namespace busyard::core::sql {

namespace {

Error syntaxError(const ParseError &e)
{
    return makeError(ErrorCode::SyntaxError, e.toAzureMessage());
}

Diagnostic diagnosticOf(const ParseError &e)
{
    return Diagnostic{e.span.line, e.span.column, e.span.offset, e.span.length, e.detail};
}

const std::string &emptyString()
{
    static const std::string s;
    return s;
}

} // namespace

Result<Filter> Filter::compile(std::string_view expression, const Parameters &params, const CompileOptions &options)
{
    auto program = std::make_shared<Program>();
    if (auto error = compileFilterProgram(expression, params, options, *program))
        return syntaxError(*error);
    Filter f;
    f.m_program = std::move(program);
    return f;
}

Result<Truth> Filter::evaluateTruth(const Message &message) const
{
    if (!m_program)
        return makeError(ErrorCode::Internal, "The filter was not compiled.");
    EvalArena arena;
    Evaluator evaluator(*m_program, message, arena);
    switch (evaluator.test(m_program->root)) {
    case Tri::True: return Truth::True;
    case Tri::False: return Truth::False;
    case Tri::Unknown: return Truth::Unknown;
    case Tri::Error: break;
    }
    return makeError(ErrorCode::FilterEvaluation, arena.errorMessage());
}

Result<bool> Filter::evaluate(const Message &message) const
{
    if (!m_program)
        return makeError(ErrorCode::Internal, "The filter was not compiled.");
    EvalArena arena;
    Evaluator evaluator(*m_program, message, arena);
    const Tri t = evaluator.test(m_program->root);
    if (t == Tri::Error)
        return makeError(ErrorCode::FilterEvaluation, arena.errorMessage());
    return t == Tri::True;
}

const std::string &Filter::expression() const
{
    return m_program ? m_program->text : emptyString();
}

Result<Action> Action::compile(std::string_view text, const Parameters &params, const CompileOptions &options)
{
    auto program = std::make_shared<Program>();
    if (auto error = compileActionProgram(text, params, options, *program))
        return syntaxError(*error);
    Action a;
    a.m_program = std::move(program);
    return a;
}

Result<void> Action::apply(Message &message) const
{
    if (!m_program)
        return makeError(ErrorCode::Internal, "The action was not compiled.");
    // Work on a copy so that a failing statement leaves the message as it was.
    Message copy = message;
    for (const auto &s : m_program->statements) {
        EvalArena arena;
        Scalar v = Scalar::null();
        if (s.kind == Statement::Kind::Set) {
            Evaluator evaluator(*m_program, copy, arena);
            v = evaluator.value(s.value);
            if (v.isError())
                return makeError(ErrorCode::FilterEvaluation, arena.errorMessage());
        }
        if (s.systemScope) {
            // Convert before writing: v may reference the property being replaced.
            if (auto r = writeSysProperty(s.property, copy, v); !r)
                return r.error();
            continue;
        }
        if (s.kind == Statement::Kind::Remove) {
            copy.applicationProperties.remove(s.name);
            continue;
        }
        Value *existing = copy.applicationProperties.find(s.name);
        auto stored = toStoredValue(v, existing);
        if (!stored)
            return stored.error();
        if (existing)
            *existing = std::move(stored.value());
        else
            copy.applicationProperties.entries().emplace_back(s.name, std::move(stored.value()));
    }
    message = std::move(copy);
    return {};
}

const std::string &Action::text() const
{
    return m_program ? m_program->text : emptyString();
}

int Action::statementCount() const
{
    return m_program ? static_cast<int>(m_program->statements.size()) : 0;
}

std::optional<Diagnostic> checkFilter(std::string_view expression, const Parameters &params,
                                      const CompileOptions &options)
{
    Program program;
    if (auto error = compileFilterProgram(expression, params, options, program))
        return diagnosticOf(*error);
    return std::nullopt;
}

std::optional<Diagnostic> checkAction(std::string_view text, const Parameters &params, const CompileOptions &options)
{
    Program program;
    if (auto error = compileActionProgram(text, params, options, program))
        return diagnosticOf(*error);
    return std::nullopt;
}

} // namespace busyard::core::sql
