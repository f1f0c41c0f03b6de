#include "emulatorconfig.h"

#include "core/broker/engine.h"
#include "core/duration.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>
#include <sstream>

namespace busyard::core::config {

using nlohmann::json;
using namespace broker;

namespace {

/** Collects issues while walking the document; every accessor records what is wrong and where. */
class Reader
{
public:
    std::vector<ConfigIssue> issues;

    void fail(const std::string &path, std::string message) { issues.push_back({path, std::move(message)}); }

    /** The member of `obj` named `key` (case-insensitive), or nullptr. */
    static const json *member(const json &obj, std::string_view key)
    {
        if (!obj.is_object())
            return nullptr;
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            if (equalsIgnoreCase(it.key(), key))
                return &it.value();
        }
        return nullptr;
    }

    /** Reports members of `obj` not in `known`. */
    void checkKnown(const json &obj, const std::string &path, std::initializer_list<std::string_view> known)
    {
        if (!obj.is_object())
            return;
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            bool ok = false;
            for (auto k : known)
                ok = ok || equalsIgnoreCase(it.key(), k);
            if (!ok)
                fail(path + "." + it.key(), "unknown property");
        }
    }

    const json *object(const json &obj, const std::string &path, std::string_view key, bool required)
    {
        const json *v = member(obj, key);
        if (!v) {
            if (required)
                fail(path + "." + std::string(key), "is required");
            return nullptr;
        }
        if (!v->is_object()) {
            fail(path + "." + std::string(key), std::string("must be an object, not ") + v->type_name());
            return nullptr;
        }
        return v;
    }

    const json *array(const json &obj, const std::string &path, std::string_view key, bool required)
    {
        const json *v = member(obj, key);
        if (!v) {
            if (required)
                fail(path + "." + std::string(key), "is required");
            return nullptr;
        }
        if (!v->is_array()) {
            fail(path + "." + std::string(key), std::string("must be an array, not ") + v->type_name());
            return nullptr;
        }
        return v;
    }

    void string(const json &obj, const std::string &path, std::string_view key, std::string &out, bool required = false)
    {
        const json *v = member(obj, key);
        if (!v) {
            if (required)
                fail(path + "." + std::string(key), "is required");
            return;
        }
        if (!v->is_string()) {
            fail(path + "." + std::string(key), std::string("must be a string, not ") + v->type_name());
            return;
        }
        out = v->get<std::string>();
    }

    void optionalString(const json &obj, const std::string &path, std::string_view key, std::optional<std::string> &out)
    {
        if (member(obj, key)) {
            std::string s;
            string(obj, path, key, s);
            out = std::move(s);
        }
    }

    void boolean(const json &obj, const std::string &path, std::string_view key, bool &out)
    {
        const json *v = member(obj, key);
        if (!v)
            return;
        if (!v->is_boolean()) {
            fail(path + "." + std::string(key), std::string("must be true or false, not ") + v->type_name());
            return;
        }
        out = v->get<bool>();
    }

    template<typename Int>
    void integer(const json &obj, const std::string &path, std::string_view key, Int &out)
    {
        const json *v = member(obj, key);
        if (!v)
            return;
        if (!v->is_number_integer()) {
            fail(path + "." + std::string(key), std::string("must be an integer, not ") + v->type_name());
            return;
        }
        const bool fits = v->is_number_unsigned()
            ? v->get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<Int>::max())
            : (v->get<std::int64_t>() >= std::numeric_limits<Int>::min()
               && v->get<std::int64_t>() <= std::numeric_limits<Int>::max());
        if (!fits) {
            fail(path + "." + std::string(key), "is out of range");
            return;
        }
        out = static_cast<Int>(v->get<std::int64_t>());
    }

    void duration(const json &obj, const std::string &path, std::string_view key, Duration &out)
    {
        const json *v = member(obj, key);
        if (!v)
            return;
        if (!v->is_string()) {
            fail(path + "." + std::string(key), "must be an ISO 8601 duration string such as \"PT1M\"");
            return;
        }
        auto d = parseIsoDuration(v->get<std::string>());
        if (!d) {
            fail(path + "." + std::string(key), d.error().message);
            return;
        }
        out = *d;
    }

    void status(const json &obj, const std::string &path, EntityStatus &out)
    {
        std::string s;
        if (!member(obj, "Status"))
            return;
        string(obj, path, "Status", s);
        if (auto st = entityStatusFromName(s))
            out = *st;
        else
            fail(path + ".Status", "'" + s + "' is not one of Active, Disabled, SendDisabled, ReceiveDisabled");
    }

    /** A JSON scalar as a typed property value: strings, booleans, integers (long), doubles. */
    std::optional<Value> scalar(const json &v, const std::string &path)
    {
        if (v.is_string())
            return Value::string(v.get<std::string>());
        if (v.is_boolean())
            return Value::boolean(v.get<bool>());
        if (v.is_number_integer())
            return Value::int64(v.get<std::int64_t>());
        if (v.is_number_float())
            return Value::float64(v.get<double>());
        if (v.is_null())
            return Value::null();
        fail(path, std::string("must be a string, number, boolean or null, not ") + v.type_name());
        return std::nullopt;
    }

    SqlParameters parameters(const json &obj, const std::string &path)
    {
        SqlParameters out;
        const json *p = object(obj, path, "Parameters", false);
        if (!p)
            return out;
        for (auto it = p->begin(); it != p->end(); ++it) {
            std::string name = it.key();
            if (name.empty() || name.front() != '@')
                name.insert(name.begin(), '@');
            if (auto v = scalar(it.value(), path + ".Parameters." + it.key()))
                out.emplace_back(std::move(name), std::move(*v));
        }
        return out;
    }

    /** Name + Azure's static validation, reported at `path`.Name. */
    template<typename Validator>
    std::string name(const json &obj, const std::string &path, Validator validate)
    {
        std::string n;
        string(obj, path, "Name", n, true);
        if (!n.empty()) {
            if (auto r = validate(n); !r)
                fail(path + ".Name", r.error().message);
        }
        return n;
    }

    void queueProperties(const json &props, const std::string &path, QueueDescription &q)
    {
        checkKnown(props, path,
                   {"DeadLetteringOnMessageExpiration", "DefaultMessageTimeToLive", "DuplicateDetectionHistoryTimeWindow",
                    "ForwardDeadLetteredMessagesTo", "ForwardTo", "LockDuration", "MaxDeliveryCount",
                    "RequiresDuplicateDetection", "RequiresSession", "MaxSizeInMegabytes", "MaxMessageSizeInKilobytes",
                    "AutoDeleteOnIdle", "Status", "UserMetadata", "EnableBatchedOperations", "EnablePartitioning",
                    "EnableExpress"});
        boolean(props, path, "DeadLetteringOnMessageExpiration", q.deadLetteringOnMessageExpiration);
        duration(props, path, "DefaultMessageTimeToLive", q.defaultMessageTimeToLive);
        duration(props, path, "DuplicateDetectionHistoryTimeWindow", q.duplicateDetectionHistoryTimeWindow);
        string(props, path, "ForwardDeadLetteredMessagesTo", q.forwardDeadLetteredMessagesTo);
        string(props, path, "ForwardTo", q.forwardTo);
        duration(props, path, "LockDuration", q.lockDuration);
        integer(props, path, "MaxDeliveryCount", q.maxDeliveryCount);
        boolean(props, path, "RequiresDuplicateDetection", q.requiresDuplicateDetection);
        boolean(props, path, "RequiresSession", q.requiresSession);
        integer(props, path, "MaxSizeInMegabytes", q.maxSizeInMegabytes);
        integer(props, path, "MaxMessageSizeInKilobytes", q.maxMessageSizeInKilobytes);
        duration(props, path, "AutoDeleteOnIdle", q.autoDeleteOnIdle);
        status(props, path, q.status);
        string(props, path, "UserMetadata", q.userMetadata);
        boolean(props, path, "EnableBatchedOperations", q.enableBatchedOperations);
        boolean(props, path, "EnablePartitioning", q.enablePartitioning);
        boolean(props, path, "EnableExpress", q.enableExpress);
    }

    void topicProperties(const json &props, const std::string &path, TopicDescription &t)
    {
        checkKnown(props, path,
                   {"DefaultMessageTimeToLive", "DuplicateDetectionHistoryTimeWindow", "RequiresDuplicateDetection",
                    "MaxSizeInMegabytes", "MaxMessageSizeInKilobytes", "AutoDeleteOnIdle", "Status", "UserMetadata",
                    "EnableBatchedOperations", "EnablePartitioning", "EnableExpress", "SupportOrdering"});
        duration(props, path, "DefaultMessageTimeToLive", t.defaultMessageTimeToLive);
        duration(props, path, "DuplicateDetectionHistoryTimeWindow", t.duplicateDetectionHistoryTimeWindow);
        boolean(props, path, "RequiresDuplicateDetection", t.requiresDuplicateDetection);
        integer(props, path, "MaxSizeInMegabytes", t.maxSizeInMegabytes);
        integer(props, path, "MaxMessageSizeInKilobytes", t.maxMessageSizeInKilobytes);
        duration(props, path, "AutoDeleteOnIdle", t.autoDeleteOnIdle);
        status(props, path, t.status);
        string(props, path, "UserMetadata", t.userMetadata);
        boolean(props, path, "EnableBatchedOperations", t.enableBatchedOperations);
        boolean(props, path, "EnablePartitioning", t.enablePartitioning);
        boolean(props, path, "EnableExpress", t.enableExpress);
        boolean(props, path, "SupportOrdering", t.supportOrdering);
    }

    void subscriptionProperties(const json &props, const std::string &path, SubscriptionDescription &s)
    {
        checkKnown(props, path,
                   {"DeadLetteringOnMessageExpiration", "DefaultMessageTimeToLive", "LockDuration", "MaxDeliveryCount",
                    "ForwardDeadLetteredMessagesTo", "ForwardTo", "RequiresSession",
                    "DeadLetteringOnFilterEvaluationExceptions", "AutoDeleteOnIdle", "Status", "UserMetadata",
                    "EnableBatchedOperations"});
        boolean(props, path, "DeadLetteringOnMessageExpiration", s.deadLetteringOnMessageExpiration);
        duration(props, path, "DefaultMessageTimeToLive", s.defaultMessageTimeToLive);
        duration(props, path, "LockDuration", s.lockDuration);
        integer(props, path, "MaxDeliveryCount", s.maxDeliveryCount);
        string(props, path, "ForwardDeadLetteredMessagesTo", s.forwardDeadLetteredMessagesTo);
        string(props, path, "ForwardTo", s.forwardTo);
        boolean(props, path, "RequiresSession", s.requiresSession);
        boolean(props, path, "DeadLetteringOnFilterEvaluationExceptions", s.deadLetteringOnFilterEvaluationExceptions);
        duration(props, path, "AutoDeleteOnIdle", s.autoDeleteOnIdle);
        status(props, path, s.status);
        string(props, path, "UserMetadata", s.userMetadata);
        boolean(props, path, "EnableBatchedOperations", s.enableBatchedOperations);
    }

    std::optional<RuleDescription> rule(const json &r, const std::string &path)
    {
        if (!r.is_object()) {
            fail(path, "must be an object");
            return std::nullopt;
        }
        const std::size_t issuesBefore = issues.size();
        checkKnown(r, path, {"Name", "Properties"});
        RuleDescription rule;
        rule.name = name(r, path, validateRuleName);
        const json *props = object(r, path, "Properties", true);
        if (!props)
            return std::nullopt;
        const std::string pp = path + ".Properties";
        checkKnown(*props, pp, {"FilterType", "CorrelationFilter", "SqlFilter", "Action"});
        std::string filterType;
        string(*props, pp, "FilterType", filterType, true);
        if (equalsIgnoreCase(filterType, "Sql")) {
            SqlFilter f;
            if (const json *sf = object(*props, pp, "SqlFilter", true)) {
                checkKnown(*sf, pp + ".SqlFilter", {"SqlExpression", "Parameters"});
                string(*sf, pp + ".SqlFilter", "SqlExpression", f.expression, true);
                f.parameters = parameters(*sf, pp + ".SqlFilter");
            }
            rule.filter = std::move(f);
        } else if (equalsIgnoreCase(filterType, "Correlation")) {
            CorrelationFilter f;
            if (const json *cf = object(*props, pp, "CorrelationFilter", true)) {
                const std::string cp = pp + ".CorrelationFilter";
                checkKnown(*cf, cp,
                           {"ContentType", "CorrelationId", "Label", "MessageId", "ReplyTo", "ReplyToSessionId",
                            "SessionId", "To", "Properties"});
                optionalString(*cf, cp, "ContentType", f.contentType);
                optionalString(*cf, cp, "CorrelationId", f.correlationId);
                optionalString(*cf, cp, "Label", f.subject);
                optionalString(*cf, cp, "MessageId", f.messageId);
                optionalString(*cf, cp, "ReplyTo", f.replyTo);
                optionalString(*cf, cp, "ReplyToSessionId", f.replyToSessionId);
                optionalString(*cf, cp, "SessionId", f.sessionId);
                optionalString(*cf, cp, "To", f.to);
                if (const json *p = object(*cf, cp, "Properties", false)) {
                    for (auto it = p->begin(); it != p->end(); ++it) {
                        if (auto v = scalar(it.value(), cp + ".Properties." + it.key()))
                            f.properties.set(it.key(), std::move(*v));
                    }
                }
            }
            rule.filter = std::move(f);
        } else if (equalsIgnoreCase(filterType, "True")) {
            rule.filter = TrueFilter{};
        } else if (equalsIgnoreCase(filterType, "False")) {
            rule.filter = FalseFilter{};
        } else if (!filterType.empty()) {
            fail(pp + ".FilterType", "'" + filterType + "' is not one of Correlation, Sql, True, False");
        }
        if (const json *a = object(*props, pp, "Action", false)) {
            SqlRuleAction action;
            checkKnown(*a, pp + ".Action", {"SqlExpression", "Parameters"});
            string(*a, pp + ".Action", "SqlExpression", action.expression, true);
            action.parameters = parameters(*a, pp + ".Action");
            rule.action = std::move(action);
        }
        if (issues.size() == issuesBefore) {
            if (auto v = validate(rule); !v)
                fail(path, v.error().message);
        }
        return rule;
    }

    /** Azure's whole-description checks, only when the entity's own fields read cleanly (from
     *  `issuesBefore` on), so that one mistake is reported once. */
    template<typename Description>
    void validateDescription(const Description &d, const std::string &path, std::size_t issuesBefore)
    {
        if (issues.size() != issuesBefore)
            return;
        if (auto v = validate(d); !v)
            fail(path + ".Properties", v.error().message);
    }
};

std::string indexPath(const std::string &base, std::size_t i)
{
    return base + "[" + std::to_string(i) + "]";
}

} // namespace

Result<EmulatorConfig> parseEmulatorConfig(std::string_view text, std::vector<ConfigIssue> *issuesOut)
{
    Reader r;
    json doc;
    try {
        doc = json::parse(text.begin(), text.end(), nullptr, true, /*ignore_comments=*/true);
    } catch (const json::exception &e) { // parse_error, and out_of_range for numbers like 1e400
        // e.what() reads "[json.exception.parse_error.101] parse error at line L, column C: ..."
        std::string what = e.what();
        if (auto pos = what.find("] "); pos != std::string::npos)
            what = what.substr(pos + 2);
        r.fail("$", what);
    }

    EmulatorConfig config;
    if (r.issues.empty()) {
        const json *root = nullptr;
        if (!doc.is_object())
            r.fail("$", "the document must be a JSON object with a \"UserConfig\" member");
        else
            root = r.object(doc, "$", "UserConfig", true);
        if (root) {
            const std::string rp = "UserConfig";
            r.checkKnown(*root, rp, {"Namespaces", "Logging"});
            if (const json *logging = r.object(*root, rp, "Logging", false)) {
                r.checkKnown(*logging, rp + ".Logging", {"Type"});
                r.string(*logging, rp + ".Logging", "Type", config.logging);
                static const char *allowed[] = {"File", "Console", "File,Console", "Console,File"};
                bool ok = false;
                for (auto a : allowed)
                    ok = ok || equalsIgnoreCase(config.logging, a);
                if (!ok)
                    r.fail(rp + ".Logging.Type", "'" + config.logging + "' is not one of File, Console, File,Console");
            }
            if (const json *nss = r.array(*root, rp, "Namespaces", true)) {
                if (nss->empty())
                    r.fail(rp + ".Namespaces", "must hold at least one namespace");
                for (std::size_t n = 0; n < nss->size(); ++n) {
                    const json &nsj = (*nss)[n];
                    const std::string np = indexPath(rp + ".Namespaces", n);
                    if (!nsj.is_object()) {
                        r.fail(np, "must be an object");
                        continue;
                    }
                    r.checkKnown(nsj, np, {"Name", "Queues", "Topics"});
                    NamespaceConfig ns;
                    r.string(nsj, np, "Name", ns.name, true);
                    if (const json *queues = r.array(nsj, np, "Queues", false)) {
                        for (std::size_t i = 0; i < queues->size(); ++i) {
                            const json &qj = (*queues)[i];
                            const std::string qp = indexPath(np + ".Queues", i);
                            if (!qj.is_object()) {
                                r.fail(qp, "must be an object");
                                continue;
                            }
                            r.checkKnown(qj, qp, {"Name", "Properties"});
                            const std::size_t before = r.issues.size();
                            QueueDescription q;
                            q.name = r.name(qj, qp, validateEntityPath);
                            if (const json *props = r.object(qj, qp, "Properties", false))
                                r.queueProperties(*props, qp + ".Properties", q);
                            r.validateDescription(q, qp, before);
                            ns.queues.push_back(std::move(q));
                        }
                    }
                    if (const json *topics = r.array(nsj, np, "Topics", false)) {
                        for (std::size_t i = 0; i < topics->size(); ++i) {
                            const json &tj = (*topics)[i];
                            const std::string tp = indexPath(np + ".Topics", i);
                            if (!tj.is_object()) {
                                r.fail(tp, "must be an object");
                                continue;
                            }
                            r.checkKnown(tj, tp, {"Name", "Properties", "Subscriptions"});
                            const std::size_t before = r.issues.size();
                            TopicConfig t;
                            t.description.name = r.name(tj, tp, validateEntityPath);
                            if (const json *props = r.object(tj, tp, "Properties", false))
                                r.topicProperties(*props, tp + ".Properties", t.description);
                            r.validateDescription(t.description, tp, before);
                            if (const json *subs = r.array(tj, tp, "Subscriptions", false)) {
                                for (std::size_t s = 0; s < subs->size(); ++s) {
                                    const json &sj = (*subs)[s];
                                    const std::string sp = indexPath(tp + ".Subscriptions", s);
                                    if (!sj.is_object()) {
                                        r.fail(sp, "must be an object");
                                        continue;
                                    }
                                    r.checkKnown(sj, sp, {"Name", "Properties", "Rules"});
                                    const std::size_t before = r.issues.size();
                                    SubscriptionConfig sc;
                                    sc.description.topicName = t.description.name;
                                    sc.description.name = r.name(sj, sp, validateSubscriptionName);
                                    if (const json *props = r.object(sj, sp, "Properties", false))
                                        r.subscriptionProperties(*props, sp + ".Properties", sc.description);
                                    r.validateDescription(sc.description, sp, before);
                                    if (const json *rules = r.array(sj, sp, "Rules", false)) {
                                        for (std::size_t k = 0; k < rules->size(); ++k) {
                                            if (auto rule = r.rule((*rules)[k], indexPath(sp + ".Rules", k)))
                                                sc.rules.push_back(std::move(*rule));
                                        }
                                    }
                                    t.subscriptions.push_back(std::move(sc));
                                }
                            }
                            ns.topics.push_back(std::move(t));
                        }
                    }
                    config.namespaces.push_back(std::move(ns));
                }
            }
        }
    }

    if (issuesOut)
        *issuesOut = r.issues;
    if (!r.issues.empty()) {
        std::string message = std::to_string(r.issues.size()) + (r.issues.size() == 1 ? " problem" : " problems")
            + " in the configuration:";
        for (const auto &i : r.issues)
            message += "\n  " + i.path + ": " + i.message;
        return makeError(ErrorCode::InvalidArgument, std::move(message));
    }
    return config;
}

Result<EmulatorConfig> loadEmulatorConfigFile(const std::string &path, std::vector<ConfigIssue> *issues)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::InvalidArgument, "cannot open configuration file '" + path + "'");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad())
        return makeError(ErrorCode::InvalidArgument, "cannot read configuration file '" + path + "'");
    auto result = parseEmulatorConfig(buffer.str(), issues);
    if (!result)
        return makeError(result.error().code, path + ": " + result.error().message);
    return result;
}

Result<void> applyToEngine(const NamespaceConfig &ns, Engine &engine)
{
    auto withPath = [](const std::string &path, const Error &e) {
        return makeError(e.code, path + ": " + e.message);
    };
    // Forward targets may be declared after the entity that forwards to them: create everything
    // without forwarding first, then set forwardTo in a second pass.
    for (QueueDescription q : ns.queues) {
        q.forwardTo.clear();
        q.forwardDeadLetteredMessagesTo.clear();
        auto r = engine.getQueue(q.name) ? engine.updateQueue(q) : engine.createQueue(q);
        if (!r)
            return withPath(q.name, r.error());
    }
    for (const TopicConfig &t : ns.topics) {
        auto r = engine.getTopic(t.description.name) ? engine.updateTopic(t.description)
                                                     : engine.createTopic(t.description);
        if (!r)
            return withPath(t.description.name, r.error());
        for (const SubscriptionConfig &s : t.subscriptions) {
            SubscriptionDescription d = s.description;
            d.forwardTo.clear();
            d.forwardDeadLetteredMessagesTo.clear();
            const std::string sp = t.description.name + "/Subscriptions/" + d.name;
            std::optional<RuleDescription> first;
            if (!s.rules.empty())
                first = s.rules.front();
            const bool exists = bool(engine.getSubscription(d.topicName, d.name));
            auto sr = exists ? engine.updateSubscription(d) : engine.createSubscription(d, first);
            if (!sr)
                return withPath(sp, sr.error());
            // A new subscription got the first rule as its default rule; an existing one gets them all.
            for (std::size_t i = (first && !exists) ? 1 : 0; i < s.rules.size(); ++i) {
                const RuleDescription &rule = s.rules[i];
                auto rr = engine.getRule(d.topicName, d.name, rule.name)
                    ? engine.updateRule(d.topicName, d.name, rule)
                    : engine.createRule(d.topicName, d.name, rule);
                if (!rr)
                    return withPath(sp + "/Rules/" + rule.name, rr.error());
            }
        }
    }
    for (const QueueDescription &q : ns.queues) {
        if (q.forwardTo.empty() && q.forwardDeadLetteredMessagesTo.empty())
            continue;
        if (auto r = engine.updateQueue(q); !r)
            return withPath(q.name, r.error());
    }
    for (const TopicConfig &t : ns.topics) {
        for (const SubscriptionConfig &s : t.subscriptions) {
            if (s.description.forwardTo.empty() && s.description.forwardDeadLetteredMessagesTo.empty())
                continue;
            if (auto r = engine.updateSubscription(s.description); !r)
                return withPath(t.description.name + "/Subscriptions/" + s.description.name, r.error());
        }
    }
    return {};
}

} // namespace busyard::core::config
