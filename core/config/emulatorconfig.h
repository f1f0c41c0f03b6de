#pragma once

#include "core/broker/entities.h"
#include "core/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace busyard::core::broker {
class Engine;
}

namespace busyard::core::config {

/** A subscription of a configured topic with its rules (empty rules = the "$Default" true rule). */
struct SubscriptionConfig
{
    broker::SubscriptionDescription description;
    std::vector<broker::RuleDescription> rules;
};

struct TopicConfig
{
    broker::TopicDescription description;
    std::vector<SubscriptionConfig> subscriptions;
};

/** One namespace of an emulator configuration. */
struct NamespaceConfig
{
    std::string name = "sbemulatorns";
    std::vector<broker::QueueDescription> queues;
    std::vector<TopicConfig> topics;
};

/** One problem found in a configuration file, located by its JSON path ("UserConfig.Namespaces[0].Queues[2].Name"). */
struct ConfigIssue
{
    std::string path;
    std::string message;
    bool operator==(const ConfigIssue &) const = default;
};

struct EmulatorConfig
{
    std::vector<NamespaceConfig> namespaces;
    std::string logging = "Console";
};

/**
 * Reads Microsoft's Service Bus emulator Config.json as is (servicebus-amqp.md §8.2), tolerating the
 * `//` and block comments of the shipped samples, plus Busyard's superset: every property of the
 * entity descriptions by its ATOM name (MaxSizeInMegabytes, AutoDeleteOnIdle, Status, UserMetadata,
 * DeadLetteringOnFilterEvaluationExceptions, MaxMessageSizeInKilobytes, EnableBatchedOperations,
 * EnablePartitioning, RequiresDuplicateDetection ...), SQL filter/action "Parameters", and
 * Microsoft's emulator's ranges relaxed to Azure's (the engine validates against Azure).
 *
 * Every problem is reported (not only the first), each with its JSON path; on any problem the result
 * is an error whose message lists them all, and `issues` (when given) receives them one by one.
 * Unknown properties are problems too, so that a typo does not silently fall back to a default.
 */
Result<EmulatorConfig> parseEmulatorConfig(std::string_view json, std::vector<ConfigIssue> *issues = nullptr);

/** Reads and parses a file; a missing or unreadable file is an error naming the path. */
Result<EmulatorConfig> loadEmulatorConfigFile(const std::string &path, std::vector<ConfigIssue> *issues = nullptr);

/**
 * Creates the namespace's entities in `engine` (queues first, then topics, subscriptions with their
 * rules, so forward targets exist where possible: forwardTo is applied in a second pass). Stops at the
 * first engine error and returns it with the entity's path; entities that already exist are updated.
 */
Result<void> applyToEngine(const NamespaceConfig &ns, broker::Engine &engine);

} // namespace busyard::core::config
