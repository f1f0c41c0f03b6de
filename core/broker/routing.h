#pragma once

#include "core/broker/entities.h"
#include "core/message.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

/**
 * Routing preview: what a topic does with one message, computed without a broker.
 *
 * evaluateRouting() applies the engine's topic routing (engine.cpp `route` and `enqueue`,
 * servicebus-semantics.md A.14-A.17, B.15, B.16, B.19) to plain descriptions: every rule of every
 * subscription is evaluated with RuleProgram, copies are formed exactly as the engine forms them, actions
 * run on each copy, and the copy's fate (stored, dead-lettered, forwarded) is named. tst_routingevaluator
 * checks it against the engine on random topics and messages.
 *
 * Pure and Qt-free: no I/O, no shared state; safe on any thread. What it cannot know and therefore
 * does not model: broker-assigned system properties (sys.SequenceNumber, sys.EnqueuedTimeUtc, ...) are
 * read from the message as given (0 / epoch for a composed message), entity size quotas, whether a
 * forward target exists or accepts the message, and what happens beyond the first forward hop.
 */
namespace busyard::core::broker {

/** One subscription of the topic with its rules, as listed by the management plane. */
struct RoutingSubscription
{
    SubscriptionDescription description;
    std::vector<RuleDescription> rules;
};

/** Input of evaluateRouting(). */
struct RoutingTopology
{
    /** The topic's DefaultMessageTimeToLive; caps the message TTL like the engine does (B.15). */
    Duration topicDefaultTimeToLive = kMaxDuration;
    std::vector<RoutingSubscription> subscriptions;
};

/** Outcome of one rule's filter for the message. */
enum class RuleOutcome : std::uint8_t {
    Matched,      ///< the filter is TRUE
    NotMatched,   ///< the filter is FALSE
    Unknown,      ///< SQL three-valued UNKNOWN (a property it reads is absent): does not match (A.7)
    Error,        ///< evaluation failed (FilterException, A.14); `error` holds the text
    Invalid,      ///< the rule does not compile here (e.g. a dialect difference); `error` holds the text
};

/** "Matched", "Not matched", "Unknown", "Error", "Invalid". */
const char *ruleOutcomeName(RuleOutcome outcome);

struct RuleEvaluation
{
    std::string ruleName;
    RuleOutcome outcome = RuleOutcome::NotMatched;
    bool hasAction = false;
    std::string error;       ///< Error / Invalid only
};

/** Where one copy ends up in (or beyond) its subscription. */
enum class CopyFate : std::uint8_t {
    Active,      ///< stored in the subscription's main queue
    DeadLetter,  ///< stored in the subscription's dead-letter queue (deadLetterReason says why)
    Forwarded,   ///< auto-forwarded to `forwardTo` (ForwardTo, or ForwardDeadLetteredMessagesTo for DLQ copies)
    Dropped,     ///< a failing action with DeadLetteringOnFilterEvaluationExceptions = false: lost
};

const char *copyFateName(CopyFate fate);

struct RoutedCopy
{
    /** The rule that produced the copy; for the single unmodified copy the first (by name) matching
     *  rule without action. "" for a FilterException dead-letter copy. */
    std::string ruleName;
    /** The names of all action-less rules merged into this copy (unmodified copy only). */
    std::vector<std::string> mergedRules;
    bool fromAction = false;      ///< produced by a rule with an action (RuleName is set on it)
    CopyFate fate = CopyFate::Active;
    /** DeadLetter (or a dead-lettered copy forwarded by ForwardDeadLetteredMessagesTo): reason / description. */
    std::string deadLetterReason;
    std::string deadLetterDescription;
    std::string forwardTo;        ///< Forwarded: the target entity path
    /** The copy as the subscription (or the forward target) gets it: RuleName, the action's SET/REMOVE,
     *  the TTL cap and dead-letter properties applied. */
    Message message;
};

struct SubscriptionRouting
{
    std::string subscription;
    std::vector<RuleEvaluation> rules;     ///< in the order given
    std::vector<RoutedCopy> copies;        ///< in the engine's order: the unmodified copy, then action copies by rule name
    std::string forwardTo;                 ///< the subscription's ForwardTo ("" = none)

    /** True when anything lands in (or passes through) the subscription, dead-letter copies included. */
    bool receives() const;
    /** Copies with the given fate. */
    int count(CopyFate fate) const;
    /** Copies that reach a consumer: Active plus Forwarded from the main queue. */
    int deliveredCount() const;
    /** True when some rule could not be evaluated here (Invalid): the prediction may be wrong. */
    bool uncertain() const;
};

struct RoutingResult
{
    std::vector<SubscriptionRouting> subscriptions;  ///< in the order given

    /** No copy anywhere: the topic accepts the message and silently drops it (A.16). */
    bool dropped() const;
    const SubscriptionRouting *find(const std::string &subscription) const;
};

/**
 * Routes `message` through `topology` like the engine's topic would, without storing anything.
 * Subscription status is ignored (a disabled subscription still receives copies, as in the engine).
 */
RoutingResult evaluateRouting(const RoutingTopology &topology, const Message &message);

/**
 * A compiled topology for evaluating many messages (replay previews): rules are compiled once.
 * Immutable after construction; evaluate() may be called from any thread.
 */
class RoutingEvaluator
{
public:
    explicit RoutingEvaluator(RoutingTopology topology);
    ~RoutingEvaluator();
    RoutingEvaluator(RoutingEvaluator &&) noexcept;
    RoutingEvaluator &operator=(RoutingEvaluator &&) noexcept;

    RoutingResult evaluate(const Message &message) const;
    const RoutingTopology &topology() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

/** Short human text of a filter: "SQL: color = 'red'", "Correlation: Label = x, color = 'red'", "True", "False". */
std::string describeFilter(const RuleFilter &filter);

} // namespace busyard::core::broker
