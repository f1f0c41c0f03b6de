#include "managementnode.h"

#include "amqperrors.h"
#include "core/client/amqpdata.h"
#include "core/client/messagecodec.h"
#include "servicebusfrontend.h"

#include "core/broker/engine.h"
#include "core/logging.h"

#include <proton/codec.h>

#include <cstring>
#include <limits>
#include <memory>

namespace busyard::emulator::amqp {

// The AMQP <-> core::Message codec shared with the client.
using namespace client::codec;
namespace broker = core::broker;
using core::AccessRight;
using core::ErrorCode;

namespace {

struct DataDeleter
{
    void operator()(pn_data_t *d) const { pn_data_free(d); }
};
using DataPtr = std::unique_ptr<pn_data_t, DataDeleter>;

std::string text(pn_bytes_t b) { return std::string(b.start, b.size); }

using client::amqpdata::integerAt;
using client::amqpdata::seekInMap;
using client::amqpdata::textAt;

/** Request map accessor. Every getter starts from the root, so calls are independent. */
class Args
{
public:
    explicit Args(pn_data_t *d) : m_d(d) {}

    /** Positions the cursor on the value of `key` in the root map. */
    bool seek(std::string_view key) const
    {
        if (!m_d)
            return false;
        pn_data_rewind(m_d);
        return pn_data_next(m_d) && seekInMap(m_d, key);
    }
    bool has(std::string_view key) const { return seek(key) && pn_data_type(m_d) != PN_NULL; }
    std::optional<std::int64_t> integer(std::string_view key) const { return seek(key) ? integerAt(m_d) : std::nullopt; }
    std::optional<std::string> string(std::string_view key) const { return seek(key) ? textAt(m_d) : std::nullopt; }
    std::optional<std::string> binary(std::string_view key) const
    {
        if (!seek(key) || pn_data_type(m_d) != PN_BINARY)
            return std::nullopt;
        return text(pn_data_get_binary(m_d));
    }
    /** An array (or list) of uuid. */
    std::vector<core::Uuid> uuids(std::string_view key) const
    {
        std::vector<core::Uuid> out;
        forEach(key, [&](pn_data_t *d) {
            if (pn_data_type(d) == PN_UUID)
                out.push_back(readValue(d).toUuid());
        });
        return out;
    }
    std::vector<std::int64_t> integers(std::string_view key) const
    {
        std::vector<std::int64_t> out;
        forEach(key, [&](pn_data_t *d) {
            if (auto n = integerAt(d))
                out.push_back(*n);
        });
        return out;
    }
    /** Calls `f` with the cursor on each element of the array or list under `key`. */
    template<typename F>
    void forEach(std::string_view key, F f) const
    {
        if (!seek(key))
            return;
        const pn_type_t type = pn_data_type(m_d);
        if (type != PN_ARRAY && type != PN_LIST)
            return;
        pn_data_enter(m_d);
        while (pn_data_next(m_d)) {
            pn_handle_t point = pn_data_point(m_d);
            f(m_d);
            pn_data_restore(m_d, point);
        }
    }
    pn_data_t *data() const { return m_d; }

private:
    pn_data_t *m_d;
};

core::PropertyMap readPropertyMap(pn_data_t *d)
{
    core::PropertyMap map;
    if (pn_data_type(d) != PN_MAP)
        return map;
    pn_data_enter(d);
    while (pn_data_next(d)) {
        auto key = textAt(d);
        if (!pn_data_next(d))
            break;
        if (key)
            map.entries().emplace_back(std::move(*key), readValue(d));
    }
    pn_data_exit(d);
    return map;
}

/** Builds the response map. */
class Writer
{
public:
    Writer() : m_d(pn_data(16))
    {
        pn_data_put_map(m_d.get());
        pn_data_enter(m_d.get());
    }
    pn_data_t *d() const { return m_d.get(); }
    void key(std::string_view k) { pn_data_put_string(m_d.get(), pn_bytes(k.size(), k.data())); }
    std::string finish()
    {
        pn_data_exit(m_d.get());
        std::string out(std::size_t(pn_data_encoded_size(m_d.get())), '\0');
        const ssize_t n = pn_data_encode(m_d.get(), out.data(), out.size());
        out.resize(n > 0 ? std::size_t(n) : 0);
        return out;
    }

private:
    DataPtr m_d;
};

void putString(pn_data_t *d, std::string_view s) { pn_data_put_string(d, pn_bytes(s.size(), s.data())); }
void putOptional(pn_data_t *d, const std::optional<std::string> &s)
{
    if (s)
        putString(d, *s);
    else
        pn_data_put_null(d);
}
void putBinary(pn_data_t *d, const std::string &s) { pn_data_put_binary(d, pn_bytes(s.size(), s.data())); }

ManagementResponse fail(const core::Error &error)
{
    const WireError wire = wireError(error.code);
    return ManagementResponse{wire.status, wire.condition, error.message, {}};
}

ManagementResponse fail(ErrorCode code, std::string description)
{
    return fail(core::makeError(code, std::move(description)));
}

ManagementResponse ok(std::string body = {})
{
    return ManagementResponse{200, {}, "OK", std::move(body)};
}

ManagementResponse noContent()
{
    return ManagementResponse{204, {}, "No Content", {}};
}

/** "messages" list of {message: binary[, lock-token: uuid]}. */
std::string messagesBody(const std::vector<core::Message> &messages, bool withLocks)
{
    Writer w;
    w.key("messages");
    pn_data_put_list(w.d());
    pn_data_enter(w.d());
    for (const core::Message &m : messages) {
        pn_data_put_map(w.d());
        pn_data_enter(w.d());
        const bool locked = withLocks && !m.lockToken.isNull();
        if (locked) {
            w.key("lock-token");
            putValue(w.d(), core::Value::uuid(m.lockToken));
        }
        w.key("message");
        putBinary(w.d(), encodeMessage(m, EncodeOptions{locked, locked}));
        pn_data_exit(w.d());
    }
    pn_data_exit(w.d());
    return w.finish();
}

void putFilter(pn_data_t *d, const broker::RuleFilter &filter)
{
    pn_data_put_described(d);
    pn_data_enter(d);
    std::visit(
        [d](const auto &f) {
            using T = std::decay_t<decltype(f)>;
            if constexpr (std::is_same_v<T, broker::SqlFilter>) {
                pn_data_put_ulong(d, ManagementNode::kSqlFilterCode);
                pn_data_put_list(d);
                pn_data_enter(d);
                putString(d, f.expression);
                pn_data_put_int(d, 20);
                pn_data_exit(d);
            } else if constexpr (std::is_same_v<T, broker::TrueFilter>) {
                pn_data_put_ulong(d, ManagementNode::kTrueFilterCode);
                pn_data_put_list(d);
            } else if constexpr (std::is_same_v<T, broker::FalseFilter>) {
                pn_data_put_ulong(d, ManagementNode::kFalseFilterCode);
                pn_data_put_list(d);
            } else {
                pn_data_put_ulong(d, ManagementNode::kCorrelationFilterCode);
                pn_data_put_list(d);
                pn_data_enter(d);
                putOptional(d, f.correlationId);
                putOptional(d, f.messageId);
                putOptional(d, f.to);
                putOptional(d, f.replyTo);
                putOptional(d, f.subject);
                putOptional(d, f.sessionId);
                putOptional(d, f.replyToSessionId);
                putOptional(d, f.contentType);
                pn_data_put_map(d);
                pn_data_enter(d);
                for (const auto &[k, v] : f.properties.entries()) {
                    putString(d, k);
                    putValue(d, v);
                }
                pn_data_exit(d);
                pn_data_exit(d);
            }
        },
        filter);
    pn_data_exit(d);
}

void putRule(pn_data_t *d, const broker::RuleDescription &rule)
{
    pn_data_put_described(d);
    pn_data_enter(d);
    pn_data_put_ulong(d, ManagementNode::kRuleDescriptionCode);
    pn_data_put_list(d);
    pn_data_enter(d);
    putFilter(d, rule.filter);
    pn_data_put_described(d);
    pn_data_enter(d);
    if (rule.action) {
        pn_data_put_ulong(d, ManagementNode::kSqlRuleActionCode);
        pn_data_put_list(d);
        pn_data_enter(d);
        putString(d, rule.action->expression);
        pn_data_put_int(d, 20);
        pn_data_exit(d);
    } else {
        pn_data_put_ulong(d, ManagementNode::kEmptyRuleActionCode);
        pn_data_put_list(d);
    }
    pn_data_exit(d);
    putString(d, rule.name);
    pn_data_put_timestamp(d, core::toMillisSinceEpoch(rule.createdAt));
    pn_data_exit(d);
    pn_data_exit(d);
}

/** rule-description map of add-rule -> RuleDescription. */
core::Result<broker::RuleDescription> readRule(pn_data_t *d, std::string name)
{
    broker::RuleDescription rule;
    rule.name = std::move(name);
    if (pn_data_type(d) != PN_MAP)
        return core::makeError(ErrorCode::InvalidArgument, "rule-description must be a map");
    pn_handle_t top = pn_data_point(d);
    bool haveFilter = false;
    if (seekInMap(d, "sql-filter") && pn_data_type(d) == PN_MAP) {
        pn_handle_t p = pn_data_point(d);
        if (seekInMap(d, "expression")) {
            if (auto e = textAt(d)) {
                rule.filter = broker::SqlFilter{*e, {}};
                haveFilter = true;
            }
        }
        pn_data_restore(d, p);
    }
    pn_data_restore(d, top);
    if (!haveFilter && seekInMap(d, "correlation-filter") && pn_data_type(d) == PN_MAP) {
        broker::CorrelationFilter f;
        pn_handle_t p = pn_data_point(d);
        auto field = [&](const char *key) -> std::optional<std::string> {
            pn_data_restore(d, p);
            return seekInMap(d, key) ? textAt(d) : std::nullopt;
        };
        f.correlationId = field("correlation-id");
        f.messageId = field("message-id");
        f.to = field("to");
        f.replyTo = field("reply-to");
        f.subject = field("label");
        f.sessionId = field("session-id");
        f.replyToSessionId = field("reply-to-session-id");
        f.contentType = field("content-type");
        pn_data_restore(d, p);
        if (seekInMap(d, "properties"))
            f.properties = readPropertyMap(d);
        pn_data_restore(d, p);
        rule.filter = std::move(f);
        haveFilter = true;
    }
    pn_data_restore(d, top);
    if (!haveFilter)
        return core::makeError(ErrorCode::InvalidArgument, "rule-description needs a sql-filter or a correlation-filter");
    if (seekInMap(d, "sql-rule-action") && pn_data_type(d) == PN_MAP) {
        pn_handle_t p = pn_data_point(d);
        if (seekInMap(d, "expression"))
            if (auto e = textAt(d))
                rule.action = broker::SqlRuleAction{*e, {}};
        pn_data_restore(d, p);
    }
    pn_data_restore(d, top);
    return rule;
}

} // namespace

ManagementResponse ManagementNode::handle(const broker::EntityAddress &nodeAddress, std::string_view operation,
                                          pn_data_t *body, const Authorizer &authorize)
{
    broker::EntityAddress address = nodeAddress;
    address.management = false;
    const Args args(body);
    const std::string op(operation);
    auto need = [&](AccessRight right) { return !authorize || authorize(right); };
    auto unauthorized = [&] {
        return fail(ErrorCode::Unauthorized, "Unauthorized access. '" + std::string(core::accessRightName(
                                                                             AccessRight::Listen))
                                                 + "' claim(s) are required to perform this operation.");
    };
    auto sessionId = [&]() -> std::optional<std::string> {
        auto s = args.string("session-id");
        if (s && s->empty())
            return std::nullopt;
        return s;
    };

    if (op == "com.microsoft:peek-message") {
        if (!need(AccessRight::Listen))
            return unauthorized();
        const std::int64_t from = args.integer("from-sequence-number").value_or(1);
        const std::int64_t count = args.integer("message-count").value_or(1);
        if (count <= 0)
            return fail(ErrorCode::ArgumentOutOfRange, "message-count must be positive");
        auto messages = m_engine.peek(address, from, std::size_t(count), sessionId());
        if (!messages)
            return fail(messages.error());
        if (messages->empty())
            return noContent();
        return ok(messagesBody(*messages, false));
    }

    if (op == "com.microsoft:renew-lock") {
        if (!need(AccessRight::Listen))
            return unauthorized();
        Writer w;
        w.key("expirations");
        pn_data_put_array(w.d(), false, PN_TIMESTAMP);
        pn_data_enter(w.d());
        for (const core::Uuid &token : args.uuids("lock-tokens")) {
            auto until = m_engine.renewLock(address, token);
            if (!until)
                return fail(until.error());
            pn_data_put_timestamp(w.d(), core::toMillisSinceEpoch(*until));
        }
        pn_data_exit(w.d());
        return ok(w.finish());
    }

    if (op == "com.microsoft:schedule-message") {
        if (!need(AccessRight::Send))
            return unauthorized();
        std::vector<core::Message> messages;
        std::optional<core::Error> error;
        args.forEach("messages", [&](pn_data_t *d) {
            pn_handle_t p = pn_data_point(d);
            if (!seekInMap(d, "message") || pn_data_type(d) != PN_BINARY) {
                error = core::makeError(ErrorCode::InvalidArgument, "schedule-message: entry without a message");
                return;
            }
            auto m = decodeMessage(text(pn_data_get_binary(d)));
            if (!m) {
                error = m.error();
                return;
            }
            pn_data_restore(d, p);
            if (seekInMap(d, "session-id") && !m->sessionId)
                m->sessionId = textAt(d);
            assignMessageId(m.value());
            messages.push_back(std::move(m.value()));
        });
        if (error)
            return fail(*error);
        auto numbers = m_engine.scheduleMessages(address, std::move(messages));
        if (!numbers)
            return fail(numbers.error());
        Writer w;
        w.key("sequence-numbers");
        pn_data_put_array(w.d(), false, PN_LONG);
        pn_data_enter(w.d());
        for (std::int64_t n : *numbers)
            pn_data_put_long(w.d(), n);
        pn_data_exit(w.d());
        return ok(w.finish());
    }

    if (op == "com.microsoft:cancel-scheduled-message") {
        if (!need(AccessRight::Send))
            return unauthorized();
        auto result = m_engine.cancelScheduled(address, args.integers("sequence-numbers"));
        if (!result)
            return fail(result.error());
        return ok();
    }

    if (op == "com.microsoft:receive-by-sequence-number") {
        if (!need(AccessRight::Listen))
            return unauthorized();
        const auto mode = args.integer("receiver-settle-mode").value_or(1) == 0 ? broker::ReceiveMode::ReceiveAndDelete
                                                                               : broker::ReceiveMode::PeekLock;
        auto messages = m_engine.receiveDeferred(address, args.integers("sequence-numbers"), mode, sessionId());
        if (!messages)
            return fail(messages.error());
        return ok(messagesBody(*messages, mode == broker::ReceiveMode::PeekLock));
    }

    if (op == "com.microsoft:update-disposition") {
        if (!need(AccessRight::Listen))
            return unauthorized();
        const std::string status = args.string("disposition-status").value_or("");
        core::PropertyMap properties;
        if (args.seek("properties-to-modify"))
            properties = readPropertyMap(args.data());
        auto optionalText = [&](const char *key) -> std::optional<std::string> { return args.string(key); };
        for (const core::Uuid &token : args.uuids("lock-tokens")) {
            core::Result<void> result;
            if (status == "completed")
                result = m_engine.complete(address, token);
            else if (status == "abandoned")
                result = m_engine.abandon(address, token, properties);
            else if (status == "suspended")
                result = m_engine.deadLetter(address, token, optionalText("deadletter-reason"),
                                             optionalText("deadletter-description"), properties);
            else if (status == "defered" || status == "deferred")
                result = m_engine.defer(address, token, properties);
            else
                return fail(ErrorCode::InvalidArgument, "unknown disposition-status '" + status + "'");
            if (!result)
                return fail(result.error());
        }
        return ok();
    }

    if (op == "com.microsoft:renew-session-lock") {
        if (!need(AccessRight::Listen))
            return unauthorized();
        auto until = m_engine.renewSessionLock(address, args.string("session-id").value_or(""));
        if (!until)
            return fail(until.error());
        Writer w;
        w.key("expiration");
        pn_data_put_timestamp(w.d(), core::toMillisSinceEpoch(*until));
        return ok(w.finish());
    }

    if (op == "com.microsoft:set-session-state") {
        if (!need(AccessRight::Listen))
            return unauthorized();
        std::optional<std::string> state = args.binary("session-state");
        auto result = m_engine.setSessionState(address, args.string("session-id").value_or(""), state);
        if (!result)
            return fail(result.error());
        return ok();
    }

    if (op == "com.microsoft:get-session-state") {
        if (!need(AccessRight::Listen))
            return unauthorized();
        auto state = m_engine.getSessionState(address, args.string("session-id").value_or(""));
        if (!state)
            return fail(state.error());
        Writer w;
        w.key("session-state");
        if (*state)
            putBinary(w.d(), **state);
        else
            pn_data_put_null(w.d());
        return ok(w.finish());
    }

    if (op == "com.microsoft:get-message-sessions") {
        if (!need(AccessRight::Listen))
            return unauthorized();
        std::optional<core::TimePoint> after;
        if (auto t = args.integer("last-updated-time"))
            after = core::fromMillisSinceEpoch(*t);
        const std::int64_t skip = std::max<std::int64_t>(0, args.integer("skip").value_or(0));
        const std::int64_t top = std::max<std::int64_t>(0, args.integer("top").value_or(100));
        auto sessions = m_engine.listSessions(address, after, std::size_t(skip), std::size_t(top));
        if (!sessions)
            return fail(sessions.error());
        if (sessions->empty())
            return noContent();
        Writer w;
        w.key("skip");
        pn_data_put_int(w.d(), std::int32_t(skip + std::int64_t(sessions->size())));
        w.key("sessions-ids");
        pn_data_put_array(w.d(), false, PN_STRING);
        pn_data_enter(w.d());
        for (const std::string &s : *sessions)
            putString(w.d(), s);
        pn_data_exit(w.d());
        return ok(w.finish());
    }

    if (op == "com.microsoft:add-rule" || op == "com.microsoft:remove-rule" || op == "com.microsoft:enumerate-rules") {
        if (!address.isSubscription())
            return fail(ErrorCode::NotAllowed, "Rules can only be managed on a subscription.");
        if (!need(AccessRight::Manage))
            return fail(ErrorCode::Unauthorized,
                        "Unauthorized access. 'Manage' claim(s) are required to perform this operation.");
        if (op == "com.microsoft:add-rule") {
            const std::string name = args.string("rule-name").value_or("");
            if (!args.seek("rule-description"))
                return fail(ErrorCode::InvalidArgument, "add-rule needs a rule-description");
            auto rule = readRule(args.data(), name);
            if (!rule)
                return fail(rule.error());
            auto created = m_engine.createRule(address.topic, address.subscription, std::move(rule.value()));
            if (!created)
                return fail(created.error());
            return ok();
        }
        if (op == "com.microsoft:remove-rule") {
            auto result = m_engine.deleteRule(address.topic, address.subscription, args.string("rule-name").value_or(""));
            if (!result)
                return fail(result.error());
            return ok();
        }
        auto rules = m_engine.listRules(address.topic, address.subscription);
        if (!rules)
            return fail(rules.error());
        const std::int64_t skip = std::max<std::int64_t>(0, args.integer("skip").value_or(0));
        const std::int64_t top = std::max<std::int64_t>(0, args.integer("top").value_or(std::numeric_limits<std::int32_t>::max()));
        if (skip >= std::int64_t(rules->size()) || top == 0)
            return noContent();
        Writer w;
        w.key("rules");
        pn_data_put_list(w.d());
        pn_data_enter(w.d());
        for (std::int64_t i = skip; i < std::int64_t(rules->size()) && i < skip + top; ++i) {
            pn_data_put_map(w.d());
            pn_data_enter(w.d());
            w.key("rule-description");
            putRule(w.d(), (*rules)[std::size_t(i)]);
            pn_data_exit(w.d());
        }
        pn_data_exit(w.d());
        return ok(w.finish());
    }

    return ManagementResponse{501, "amqp:not-implemented", "The operation '" + op + "' is not supported.", {}};
}

} // namespace busyard::emulator::amqp
