#pragma once
// Checks shared by the emulator-side libFuzzer targets (config_fuzz, atom_fuzz) and by the always-on
// corpus regression test tests/emulator/robustness/tst_fuzzcorpus. Each returns a description of the
// violated invariant, or nothing. Crashes and sanitizer reports are findings too.
#include "core/config/emulatorconfig.h"
#include "core/client/atom.h"

#include <QByteArrayView>
#include <QString>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace busyard::fuzz {

/**
 * parseEmulatorConfig: success exactly when no issue was reported; an error carries a message;
 * parsing is deterministic (same outcome and issues twice).
 */
inline std::optional<std::string> checkEmulatorConfig(std::string_view input, bool *parsed = nullptr)
{
    std::vector<core::config::ConfigIssue> issues;
    const auto first = core::config::parseEmulatorConfig(input, &issues);
    if (parsed)
        *parsed = first.ok();
    if (first.ok() && !issues.empty())
        return "parse succeeded but reported " + std::to_string(issues.size()) + " issue(s)";
    if (!first.ok() && first.error().message.empty())
        return std::string("error without a message");
    std::vector<core::config::ConfigIssue> again;
    const auto second = core::config::parseEmulatorConfig(input, &again);
    if (second.ok() != first.ok() || again != issues)
        return std::string("parsing the same input twice gave different results");
    if (first.ok() && first.value().namespaces.empty() && !input.empty())
        return std::string("success without a namespace");
    return std::nullopt;
}

/**
 * ATOM request bodies: descriptionKind and every parse*Description run on the input without crashing
 * and deterministically; `accepted` (when given) says whether the kind was recognised and its own parser
 * accepted the body.
 */
inline std::optional<std::string> checkAtom(QByteArrayView xml, bool *accepted = nullptr)
{
    namespace atom = client::atom;
    const auto kind = atom::descriptionKind(xml);
    const auto kindAgain = atom::descriptionKind(xml);
    if (kind.ok() != kindAgain.ok() || (kind.ok() && kind.value() != kindAgain.value()))
        return std::string("descriptionKind is not deterministic");
    if (!kind.ok() && kind.error().message.empty())
        return std::string("descriptionKind error without a message");

    core::broker::QueueDescription queue;
    core::broker::TopicDescription topic;
    core::broker::SubscriptionDescription subscription;
    core::broker::RuleDescription rule;
    const bool queueOk = atom::parseQueueDescription(xml, queue).ok();
    const bool topicOk = atom::parseTopicDescription(xml, topic).ok();
    const bool subscriptionOk = atom::parseSubscriptionDescription(xml, subscription).ok();
    const bool ruleOk = atom::parseRuleDescription(xml, rule).ok();

    core::broker::QueueDescription queue2;
    if (atom::parseQueueDescription(xml, queue2).ok() != queueOk)
        return std::string("parseQueueDescription is not deterministic");

    (void)atom::entityNameFromForwardTo(QString::fromUtf8(xml.data(), xml.size()));

    if (accepted) {
        *accepted = false;
        if (kind.ok()) {
            switch (kind.value()) {
            case atom::DescriptionKind::Queue: *accepted = queueOk; break;
            case atom::DescriptionKind::Topic: *accepted = topicOk; break;
            case atom::DescriptionKind::Subscription: *accepted = subscriptionOk; break;
            case atom::DescriptionKind::Rule: *accepted = ruleOk; break;
            }
        }
    }
    return std::nullopt;
}

} // namespace busyard::fuzz
