#include "routing.h"

#include "ruleprogram.h"

#include "core/sql/filter.h"

#include <algorithm>

namespace busyard::core::broker {

namespace {

// Must stay equal to engine.cpp's constants (tst_routingevaluator compares the two on random input).
constexpr const char *kSessionNullReason = "Session id is null.";
constexpr const char *kSessionNullDescription =
    "Session enabled entity doesn't allow a message whose session identifier is null.";
constexpr const char *kHeaderReason = "HeaderSizeExceeded";
constexpr const char *kHeaderDescription = "The size quota for this stream has been exceeded.";
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

struct CompiledRule
{
    const RuleDescription *desc = nullptr;
    std::optional<RuleProgram> program;  ///< empty when the rule did not compile
    std::string compileError;
    /** SQL filters only: the same filter compiled for the three-valued answer (UNKNOWN vs FALSE). */
    std::optional<sql::Filter> truth;
};

struct CompiledSubscription
{
    const RoutingSubscription *sub = nullptr;
    /** Rules in the engine's evaluation order (case-insensitive name), with their index in `sub->rules`. */
    std::vector<std::pair<std::size_t, CompiledRule>> rules;
};

std::vector<CompiledSubscription> compileTopology(const RoutingTopology &topology)
{
    std::vector<CompiledSubscription> out;
    out.reserve(topology.subscriptions.size());
    for (const RoutingSubscription &s : topology.subscriptions) {
        CompiledSubscription cs;
        cs.sub = &s;
        for (std::size_t i = 0; i < s.rules.size(); ++i) {
            CompiledRule r;
            r.desc = &s.rules[i];
            auto program = RuleProgram::compile(s.rules[i]);
            if (program) {
                r.program = std::move(*program);
                if (const auto *f = std::get_if<SqlFilter>(&s.rules[i].filter)) {
                    if (auto t = sql::Filter::compile(f->expression, f->parameters))
                        r.truth = std::move(*t);
                }
            } else {
                r.compileError = program.error().message;
            }
            cs.rules.emplace_back(i, std::move(r));
        }
        std::stable_sort(cs.rules.begin(), cs.rules.end(), [](const auto &a, const auto &b) {
            return entityKey(a.second.desc->name) < entityKey(b.second.desc->name);
        });
        out.push_back(std::move(cs));
    }
    return out;
}

void setDeadLetter(RoutedCopy &copy, const SubscriptionDescription &sub, std::string reason, std::string description)
{
    copy.message.applicationProperties.set(kDeadLetterReasonProperty, Value::string(reason));
    copy.message.applicationProperties.set(kDeadLetterDescriptionProperty, Value::string(description));
    copy.deadLetterReason = std::move(reason);
    copy.deadLetterDescription = std::move(description);
    if (!sub.forwardDeadLetteredMessagesTo.empty()) {
        copy.fate = CopyFate::Forwarded;
        copy.forwardTo = sub.forwardDeadLetteredMessagesTo;
        copy.message.deadLetterSource = sub.topicName + "/Subscriptions/" + sub.name;
    } else {
        copy.fate = CopyFate::DeadLetter;
    }
}

SubscriptionRouting routeSubscription(const CompiledSubscription &cs, const Message &m)
{
    const SubscriptionDescription &desc = cs.sub->description;
    SubscriptionRouting out;
    out.subscription = desc.name;
    out.forwardTo = desc.forwardTo;
    out.rules.resize(cs.sub->rules.size());

    struct Match
    {
        const CompiledRule *rule;
    };
    std::vector<Match> matches;
    std::optional<std::string> failure; // the first FilterException in evaluation order

    for (const auto &[index, rule] : cs.rules) {
        RuleEvaluation &ev = out.rules[index];
        ev.ruleName = rule.desc->name;
        ev.hasAction = rule.desc->action.has_value();
        if (!rule.program) {
            ev.outcome = RuleOutcome::Invalid;
            ev.error = rule.compileError;
            continue;
        }
        // The engine never evaluates an action-less FalseFilter (it is left out of its index).
        auto r = rule.program->matches(m);
        if (!r) {
            ev.outcome = RuleOutcome::Error;
            ev.error = r.error().message;
            if (desc.deadLetteringOnFilterEvaluationExceptions && !failure)
                failure = r.error().message;
            continue;
        }
        if (*r) {
            ev.outcome = RuleOutcome::Matched;
            matches.push_back({&rule});
            continue;
        }
        ev.outcome = RuleOutcome::NotMatched;
        if (rule.truth) {
            auto t = rule.truth->evaluateTruth(m);
            if (t && *t == sql::Truth::Unknown)
                ev.outcome = RuleOutcome::Unknown;
        }
    }

    // Time to live the topic gave the message (engine `activate`), capped per subscription (B.15).
    auto capTtl = [&](Message &copy, Duration topicTtl) {
        const Duration subTtl = desc.defaultMessageTimeToLive;
        if (subTtl < kMaxDuration && subTtl < topicTtl)
            copy.timeToLive = subTtl;
    };

    // A failing rule wins for its subscription (A.14 [U] default): one dead-letter copy, nothing else.
    if (failure) {
        RoutedCopy copy;
        copy.message = m;
        setDeadLetter(copy, desc, "FilterException", *failure);
        out.copies.push_back(std::move(copy));
        return out;
    }
    if (matches.empty())
        return out;

    std::sort(matches.begin(), matches.end(), [](const Match &a, const Match &b) {
        const bool aa = a.rule->program->hasAction(), ba = b.rule->program->hasAction();
        if (aa != ba)
            return !aa;
        return a.rule->desc->name < b.rule->desc->name;
    });

    for (const Match &match : matches) {
        const CompiledRule &rule = *match.rule;
        if (!rule.program->hasAction()) {
            if (out.copies.empty()) {
                RoutedCopy copy;
                copy.ruleName = rule.desc->name;
                copy.message = m;
                out.copies.push_back(std::move(copy));
            }
            out.copies.front().mergedRules.push_back(rule.desc->name);
            continue;
        }
        RoutedCopy copy;
        copy.ruleName = rule.desc->name;
        copy.fromAction = true;
        copy.message = m;
        copy.message.applicationProperties.set("RuleName", Value::string(rule.desc->name));
        if (auto r = rule.program->applyAction(copy.message); !r) {
            if (desc.deadLetteringOnFilterEvaluationExceptions) {
                setDeadLetter(copy, desc, "RuleActionException", r.error().message);
            } else {
                copy.fate = CopyFate::Dropped;
                copy.deadLetterDescription = r.error().message;
            }
            out.copies.push_back(std::move(copy));
            continue;
        }
        if (copy.message.applicationProperties.byteSize() + copy.message.annotations.byteSize() > kMaxHeaderBytes) {
            setDeadLetter(copy, desc, kHeaderReason, kHeaderDescription);
            out.copies.push_back(std::move(copy));
            continue;
        }
        out.copies.push_back(std::move(copy));
    }

    for (RoutedCopy &copy : out.copies) {
        if (copy.fate != CopyFate::Active)
            continue;
        // The engine compares with the expiry the topic set, not with a TimeToLive an action changed.
        capTtl(copy.message, m.timeToLive.value_or(kMaxDuration));
        // engine `enqueue`: forwarding comes before the session check.
        if (!desc.forwardTo.empty()) {
            copy.fate = CopyFate::Forwarded;
            copy.forwardTo = desc.forwardTo;
        } else if (desc.requiresSession && !copy.message.sessionId) {
            setDeadLetter(copy, desc, kSessionNullReason, kSessionNullDescription);
        }
    }
    return out;
}

} // namespace

const char *ruleOutcomeName(RuleOutcome outcome)
{
    switch (outcome) {
    case RuleOutcome::Matched: return "Matched";
    case RuleOutcome::NotMatched: return "Not matched";
    case RuleOutcome::Unknown: return "Unknown";
    case RuleOutcome::Error: return "Error";
    case RuleOutcome::Invalid: return "Invalid";
    }
    return "";
}

const char *copyFateName(CopyFate fate)
{
    switch (fate) {
    case CopyFate::Active: return "Active";
    case CopyFate::DeadLetter: return "Dead-letter";
    case CopyFate::Forwarded: return "Forwarded";
    case CopyFate::Dropped: return "Dropped";
    }
    return "";
}

bool SubscriptionRouting::receives() const
{
    return std::any_of(copies.begin(), copies.end(), [](const RoutedCopy &c) { return c.fate != CopyFate::Dropped; });
}

int SubscriptionRouting::count(CopyFate fate) const
{
    return int(std::count_if(copies.begin(), copies.end(), [fate](const RoutedCopy &c) { return c.fate == fate; }));
}

int SubscriptionRouting::deliveredCount() const
{
    return int(std::count_if(copies.begin(), copies.end(), [](const RoutedCopy &c) {
        return c.fate == CopyFate::Active || (c.fate == CopyFate::Forwarded && c.deadLetterReason.empty());
    }));
}

bool SubscriptionRouting::uncertain() const
{
    return std::any_of(rules.begin(), rules.end(), [](const RuleEvaluation &r) { return r.outcome == RuleOutcome::Invalid; });
}

bool RoutingResult::dropped() const
{
    return std::none_of(subscriptions.begin(), subscriptions.end(), [](const SubscriptionRouting &s) { return s.receives(); });
}

const SubscriptionRouting *RoutingResult::find(const std::string &subscription) const
{
    const std::string key = entityKey(subscription);
    for (const auto &s : subscriptions) {
        if (entityKey(s.subscription) == key)
            return &s;
    }
    return nullptr;
}

struct RoutingEvaluator::Impl
{
    RoutingTopology topology;
    std::vector<CompiledSubscription> compiled;
};

RoutingEvaluator::RoutingEvaluator(RoutingTopology topology) : d(std::make_unique<Impl>())
{
    d->topology = std::move(topology);
    d->compiled = compileTopology(d->topology); // points into d->topology, which never moves (heap)
}

RoutingEvaluator::~RoutingEvaluator() = default;
RoutingEvaluator::RoutingEvaluator(RoutingEvaluator &&) noexcept = default;
RoutingEvaluator &RoutingEvaluator::operator=(RoutingEvaluator &&) noexcept = default;

const RoutingTopology &RoutingEvaluator::topology() const
{
    return d->topology;
}

RoutingResult RoutingEvaluator::evaluate(const Message &message) const
{
    // The topic assigns its TTL before routing (engine `activate`).
    Message m = message;
    const Duration ttl = m.effectiveTimeToLive(d->topology.topicDefaultTimeToLive);
    if (ttl < kMaxDuration)
        m.timeToLive = ttl;
    RoutingResult result;
    result.subscriptions.reserve(d->compiled.size());
    for (const CompiledSubscription &cs : d->compiled)
        result.subscriptions.push_back(routeSubscription(cs, m));
    return result;
}

RoutingResult evaluateRouting(const RoutingTopology &topology, const Message &message)
{
    return RoutingEvaluator(topology).evaluate(message);
}

std::string describeFilter(const RuleFilter &filter)
{
    if (std::holds_alternative<TrueFilter>(filter))
        return "True";
    if (std::holds_alternative<FalseFilter>(filter))
        return "False";
    if (const auto *s = std::get_if<SqlFilter>(&filter))
        return "SQL: " + s->expression;
    const auto &c = std::get<CorrelationFilter>(filter);
    std::string text;
    auto add = [&text](const char *name, const std::string &value) {
        text += text.empty() ? "" : ", ";
        text += name;
        text += " = ";
        text += value;
    };
    if (c.correlationId) add("CorrelationId", *c.correlationId);
    if (c.messageId) add("MessageId", *c.messageId);
    if (c.to) add("To", *c.to);
    if (c.replyTo) add("ReplyTo", *c.replyTo);
    if (c.subject) add("Label", *c.subject);
    if (c.sessionId) add("SessionId", *c.sessionId);
    if (c.replyToSessionId) add("ReplyToSessionId", *c.replyToSessionId);
    if (c.contentType) add("ContentType", *c.contentType);
    for (const auto &[name, value] : c.properties.entries())
        add(name.c_str(), value.isText() ? "'" + value.bytes() + "'" : value.toDisplayString());
    return "Correlation: " + text;
}

} // namespace busyard::core::broker
