#pragma once

#include "core/auth/sastoken.h"
#include "core/broker/address.h"
#include "core/result.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

struct pn_data_t;

namespace busyard::core::broker {
class Engine;
}

namespace busyard::emulator::amqp {

/** What a $management operation answers (the envelope is built by the front-end). */
struct ManagementResponse
{
    std::int32_t status = 200;          ///< statusCode (int)
    std::string condition;              ///< errorCondition (symbol), empty on success
    std::string description;            ///< statusDescription
    std::string body;                   ///< AMQP encoding of the amqp-value (a map), empty = no body
};

/**
 * The `<entity>/$management` request/response operations of servicebus-amqp.md §5.2 (peek,
 * renew-lock, schedule, cancel-scheduled, receive-by-sequence-number, update-disposition,
 * renew-session-lock, get/set-session-state, get-message-sessions, add/remove/enumerate-rules) on top of
 * the engine. Numeric inputs of any integer width are accepted. Runs on the engine's thread.
 */
class ManagementNode
{
public:
    /** Returns true if the caller holds `right` for the node (CBS grants); false -> 401. */
    using Authorizer = std::function<bool(core::AccessRight right)>;

    explicit ManagementNode(core::broker::Engine &engine) : m_engine(engine) {}

    /**
     * Runs `operation` (e.g. "com.microsoft:peek-message") on `address` (the node's entity, management
     * flag ignored). `body` is the decoded amqp-value of the request (a map), or null.
     */
    ManagementResponse handle(const core::broker::EntityAddress &address, std::string_view operation, pn_data_t *body,
                              const Authorizer &authorize);

    /** Descriptor codes of enumerate-rules (servicebus-amqp.md §5.2; filters have one zero fewer). */
    static constexpr std::uint64_t kRuleDescriptionCode = 0x0000013700000004ULL;
    static constexpr std::uint64_t kSqlFilterCode = 0x0000001370000006ULL;
    static constexpr std::uint64_t kTrueFilterCode = 0x0000001370000007ULL;
    static constexpr std::uint64_t kFalseFilterCode = 0x0000001370000008ULL;
    static constexpr std::uint64_t kCorrelationFilterCode = 0x0000001370000009ULL;
    static constexpr std::uint64_t kEmptyRuleActionCode = 0x0000013700000005ULL;
    static constexpr std::uint64_t kSqlRuleActionCode = 0x0000013700000006ULL;

private:
    core::broker::Engine &m_engine;
};

} // namespace busyard::emulator::amqp
