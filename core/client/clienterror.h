#pragma once

#include "core/result.h"

#include <string>
#include <string_view>

/**
 * Errors of the client. Every error it reports carries the broker's AMQP condition (or the client's own
 * `busyard:*` condition) and the description: the message is "<condition>: <description>" and the code
 * is the core::ErrorCode of that condition (servicebus-amqp.md §5.1, §6). errorCondition() gives the
 * condition back.
 */
namespace busyard::client {

/** Client-side conditions (never sent on the wire). */
inline constexpr std::string_view kConditionConnectionLost = "busyard:connection-lost";
inline constexpr std::string_view kConditionConnectFailed = "busyard:connect-failed";
inline constexpr std::string_view kConditionOperationTimeout = "busyard:operation-timeout";
inline constexpr std::string_view kConditionHttp = "busyard:http-error";
inline constexpr std::string_view kConditionProtocol = "busyard:protocol-error";

/** The core::ErrorCode of an AMQP condition; unknown conditions map to Internal. */
core::ErrorCode errorCodeForCondition(std::string_view condition);

/** An error as the broker reported it: code from the condition, message "<condition>: <description>". */
core::Error brokerError(std::string_view condition, std::string_view description);

/** A $management response that failed: uses `condition` if set, else the status (NET ConditionToStatusMap). */
core::Error managementError(int status, std::string_view condition, std::string_view description);

/** An ATOM/HTTP failure: 401 Unauthorized, 404 EntityNotFound, 409 EntityAlreadyExists, ... */
core::Error httpError(int status, std::string_view detail);

/** The connection dropped while the operation was in flight (ServerBusy: retrying later may succeed). */
core::Error connectionLostError(std::string_view reason);

/** The operation did not complete within its deadline. */
core::Error timeoutError(std::string_view operation, long long milliseconds);

/** The condition part of a client error message ("" if there is none). */
std::string errorCondition(const core::Error &error);

} // namespace busyard::client
