#include "ruleprogram.h"

#include "core/sql/filter.h"

#include <cstring>

namespace busyard::core::broker {

namespace {

bool optionalEquals(const std::optional<std::string> &filter, const std::optional<std::string> &message)
{
    return !filter || (message && *message == *filter);
}

} // namespace

struct RuleProgram::Impl
{
    enum class Kind { True, False, Correlation, Sql } kind = Kind::True;
    CorrelationFilter correlation;
    sql::Filter filter;
    sql::Action action;
    bool hasAction = false;
};

RuleProgram::RuleProgram() : d(std::make_unique<Impl>()) {}
RuleProgram::~RuleProgram() = default;
RuleProgram::RuleProgram(RuleProgram &&) noexcept = default;
RuleProgram &RuleProgram::operator=(RuleProgram &&) noexcept = default;

Result<RuleProgram> RuleProgram::compile(const RuleDescription &rule)
{
    RuleProgram p;
    if (std::holds_alternative<TrueFilter>(rule.filter)) {
        p.d->kind = Impl::Kind::True;
    } else if (std::holds_alternative<FalseFilter>(rule.filter)) {
        p.d->kind = Impl::Kind::False;
    } else if (const auto *c = std::get_if<CorrelationFilter>(&rule.filter)) {
        p.d->kind = Impl::Kind::Correlation;
        p.d->correlation = *c;
    } else {
        const auto &sqlFilter = std::get<SqlFilter>(rule.filter);
        auto compiled = sql::Filter::compile(sqlFilter.expression, sqlFilter.parameters);
        if (!compiled)
            return compiled.error();
        p.d->kind = Impl::Kind::Sql;
        p.d->filter = std::move(*compiled);
    }
    if (rule.action) {
        auto compiled = sql::Action::compile(rule.action->expression, rule.action->parameters);
        if (!compiled)
            return compiled.error();
        p.d->action = std::move(*compiled);
        p.d->hasAction = true;
    }
    return p;
}

Result<bool> RuleProgram::matches(const Message &message) const
{
    switch (d->kind) {
    case Impl::Kind::True: return true;
    case Impl::Kind::False: return false;
    case Impl::Kind::Correlation: return matchCorrelation(d->correlation, message);
    case Impl::Kind::Sql: return d->filter.evaluate(message);
    }
    return false;
}

bool RuleProgram::hasAction() const
{
    return d->hasAction;
}

Result<void> RuleProgram::applyAction(Message &message) const
{
    if (!d->hasAction)
        return {};
    return d->action.apply(message);
}

bool RuleProgram::isSqlFilter() const
{
    return d->kind != Impl::Kind::Correlation;
}

std::optional<std::string> idText(const Value &value)
{
    switch (value.type()) {
    case Value::Type::Null:
    case Value::Type::Binary:
    case Value::Type::Opaque:
        return std::nullopt;
    case Value::Type::String:
    case Value::Type::Symbol:
    case Value::Type::Uri:
        return value.bytes();
    case Value::Type::Uuid:
        return value.toUuid().toString();
    default:
        return value.toDisplayString();
    }
}

bool matchCorrelation(const CorrelationFilter &f, const Message &m)
{
    if (f.correlationId && idText(m.correlationId) != f.correlationId)
        return false;
    if (f.messageId && idText(m.messageId) != f.messageId)
        return false;
    if (!optionalEquals(f.to, m.to) || !optionalEquals(f.replyTo, m.replyTo) || !optionalEquals(f.subject, m.subject)
        || !optionalEquals(f.sessionId, m.sessionId) || !optionalEquals(f.replyToSessionId, m.replyToSessionId)
        || !optionalEquals(f.contentType, m.contentType))
        return false;
    for (const auto &[name, value] : f.properties.entries()) {
        const Value *v = m.applicationProperties.find(name);
        if (!v || !(*v == value))
            return false;
    }
    return true;
}

std::string valueKey(const Value &v)
{
    std::string key(1, static_cast<char>(v.type()));
    auto appendRaw = [&key](const void *p, std::size_t n) { key.append(static_cast<const char *>(p), n); };
    switch (v.type()) {
    case Value::Type::Null: break;
    case Value::Type::Float:
    case Value::Type::Double: {
        const double d = v.toDouble();
        appendRaw(&d, sizeof d);
        break;
    }
    case Value::Type::DateTimeOffset: {
        const std::int64_t i = v.toInt64();
        const std::int16_t o = v.offsetMinutes();
        appendRaw(&i, sizeof i);
        appendRaw(&o, sizeof o);
        break;
    }
    case Value::Type::String:
    case Value::Type::Symbol:
    case Value::Type::Binary:
    case Value::Type::Uri:
    case Value::Type::Uuid:
    case Value::Type::Opaque:
        key += v.bytes();
        break;
    case Value::Type::Decimal: {
        const int w = v.decimalWidth();
        appendRaw(&w, sizeof w);
        key += v.bytes();
        break;
    }
    default: {
        const std::int64_t i = v.toInt64();
        appendRaw(&i, sizeof i);
        break;
    }
    }
    return key;
}

} // namespace busyard::core::broker
