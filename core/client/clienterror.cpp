#include "clienterror.h"

#include <array>
#include <utility>

namespace busyard::client {

using core::ErrorCode;

namespace {

struct ConditionCode
{
    std::string_view condition;
    ErrorCode code;
    int status;
};

constexpr std::array kConditions{
    ConditionCode{"amqp:not-found", ErrorCode::EntityNotFound, 404},
    ConditionCode{"com.microsoft:entity-already-exists", ErrorCode::EntityAlreadyExists, 409},
    ConditionCode{"com.microsoft:entity-disabled", ErrorCode::EntityDisabled, 400},
    ConditionCode{"amqp:not-allowed", ErrorCode::NotAllowed, 400},
    ConditionCode{"amqp:link:message-size-exceeded", ErrorCode::MessageSizeExceeded, 413},
    ConditionCode{"amqp:resource-limit-exceeded", ErrorCode::QuotaExceeded, 403},
    ConditionCode{"com.microsoft:message-lock-lost", ErrorCode::MessageLockLost, 410},
    ConditionCode{"com.microsoft:session-lock-lost", ErrorCode::SessionLockLost, 410},
    ConditionCode{"com.microsoft:session-cannot-be-locked", ErrorCode::SessionCannotBeLocked, 410},
    ConditionCode{"com.microsoft:message-not-found", ErrorCode::MessageNotFound, 404},
    ConditionCode{"com.microsoft:timeout", ErrorCode::Timeout, 408},
    ConditionCode{"com.microsoft:server-busy", ErrorCode::ServerBusy, 503},
    ConditionCode{"amqp:unauthorized-access", ErrorCode::Unauthorized, 401},
    ConditionCode{"com.microsoft:auth-failed", ErrorCode::Unauthorized, 401},
    ConditionCode{"com.microsoft:publisher-revoked", ErrorCode::Unauthorized, 401},
    ConditionCode{"com.microsoft:argument-error", ErrorCode::InvalidArgument, 400},
    ConditionCode{"com.microsoft:argument-out-of-range", ErrorCode::ArgumentOutOfRange, 400},
    ConditionCode{"amqp:invalid-field", ErrorCode::InvalidArgument, 400},
    ConditionCode{"amqp:decode-error", ErrorCode::InvalidArgument, 400},
    ConditionCode{"amqp:not-implemented", ErrorCode::NotAllowed, 501},
    ConditionCode{"amqp:internal-error", ErrorCode::Internal, 500},
    ConditionCode{"amqp:link:stolen", ErrorCode::NotAllowed, 410},
    ConditionCode{"amqp:link:detach-forced", ErrorCode::ServerBusy, 0},
    ConditionCode{"amqp:connection:forced", ErrorCode::ServerBusy, 0},
    ConditionCode{"com.microsoft:container-close", ErrorCode::ServerBusy, 0},
    ConditionCode{"com.microsoft:operation-cancelled", ErrorCode::ServerBusy, 0},
    ConditionCode{kConditionConnectionLost, ErrorCode::ServerBusy, 0},
    ConditionCode{kConditionConnectFailed, ErrorCode::ServerBusy, 0},
    ConditionCode{kConditionOperationTimeout, ErrorCode::Timeout, 0},
};

std::string join(std::string_view condition, std::string_view description)
{
    std::string out(condition);
    if (!description.empty()) {
        out += ": ";
        out += description;
    }
    return out;
}

} // namespace

ErrorCode errorCodeForCondition(std::string_view condition)
{
    for (const ConditionCode &c : kConditions)
        if (c.condition == condition)
            return c.code;
    return ErrorCode::Internal;
}

core::Error brokerError(std::string_view condition, std::string_view description)
{
    if (condition.empty())
        condition = "amqp:internal-error";
    return core::Error{errorCodeForCondition(condition), join(condition, description)};
}

core::Error managementError(int status, std::string_view condition, std::string_view description)
{
    if (!condition.empty())
        return brokerError(condition, description);
    // No errorCondition: derive one from the status as the .NET client does.
    for (const ConditionCode &c : kConditions)
        if (c.status == status && status != 0)
            return brokerError(c.condition, description);
    return brokerError("amqp:internal-error", "status " + std::to_string(status) + " " + std::string(description));
}

core::Error httpError(int status, std::string_view detail)
{
    ErrorCode code = ErrorCode::Internal;
    switch (status) {
    case 400: code = ErrorCode::InvalidArgument; break;
    case 401: code = ErrorCode::Unauthorized; break;
    case 403: code = ErrorCode::QuotaExceeded; break;
    case 404: code = ErrorCode::EntityNotFound; break;
    case 409: code = ErrorCode::EntityAlreadyExists; break;
    case 408: code = ErrorCode::Timeout; break;
    case 413: code = ErrorCode::MessageSizeExceeded; break;
    case 503: code = ErrorCode::ServerBusy; break;
    default: break;
    }
    return core::Error{code, join(kConditionHttp, "HTTP " + std::to_string(status) + (detail.empty() ? "" : " ")
                                                      + std::string(detail))};
}

core::Error connectionLostError(std::string_view reason)
{
    return core::Error{ErrorCode::ServerBusy, join(kConditionConnectionLost, reason)};
}

core::Error timeoutError(std::string_view operation, long long milliseconds)
{
    return core::Error{ErrorCode::Timeout,
                       join(kConditionOperationTimeout,
                            std::string(operation) + " did not complete within " + std::to_string(milliseconds) + " ms")};
}

std::string errorCondition(const core::Error &error)
{
    const auto colon = error.message.find(": ");
    const std::string head = error.message.substr(0, colon);
    // Conditions are "prefix:name" symbols without spaces.
    if (head.find(':') == std::string::npos || head.find(' ') != std::string::npos)
        return {};
    return head;
}

} // namespace busyard::client
