#pragma once

#include <string>
#include <utility>
#include <variant>

namespace busyard::core {

/**
 * Error kinds a caller can act on. Each maps to one AMQP condition and one HTTP status in the
 * protocol front-ends (see servicebus-semantics.md B.25).
 */
enum class ErrorCode {
    InvalidArgument,        ///< com.microsoft:argument-error, HTTP 400
    ArgumentOutOfRange,     ///< com.microsoft:argument-out-of-range, HTTP 400
    EntityNotFound,         ///< amqp:not-found, HTTP 404
    EntityAlreadyExists,    ///< com.microsoft:entity-already-exists, HTTP 409
    EntityDisabled,         ///< com.microsoft:entity-disabled
    NotAllowed,             ///< amqp:not-allowed
    MessageSizeExceeded,    ///< amqp:link:message-size-exceeded, HTTP 413
    QuotaExceeded,          ///< amqp:resource-limit-exceeded, HTTP 403
    MessageLockLost,        ///< com.microsoft:message-lock-lost (mgmt 410)
    SessionLockLost,        ///< com.microsoft:session-lock-lost (mgmt 410)
    SessionCannotBeLocked,  ///< com.microsoft:session-cannot-be-locked
    MessageNotFound,        ///< com.microsoft:message-not-found (mgmt 404)
    Timeout,                ///< com.microsoft:timeout (mgmt 408)
    ServerBusy,             ///< com.microsoft:server-busy, HTTP 503
    Unauthorized,           ///< amqp:unauthorized-access, HTTP 401
    SyntaxError,            ///< SQL filter/action parse or validation error (argument-error, HTTP 400)
    FilterEvaluation,       ///< an SQL filter or action failed while evaluating a message
    StoreError,             ///< the durable store could not be read or written
    Internal,               ///< amqp:internal-error, HTTP 500
};

/** Stable text name of an error code, for logs and tests ("EntityNotFound"). */
const char *errorCodeName(ErrorCode code);

struct Error
{
    ErrorCode code = ErrorCode::Internal;
    std::string message;

    bool operator==(const Error &) const = default;
};

/**
 * Value or Error. Expected failures are returned, never thrown.
 */
template<typename T>
class [[nodiscard]] Result
{
public:
    Result(T value) : m_data(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(m_data); }
    const T &value() const & { return std::get<0>(m_data); }
    T &&value() && { return std::get<0>(std::move(m_data)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    const Error &error() const { return std::get<1>(m_data); }

private:
    std::variant<T, Error> m_data;
};

template<>
class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_ok(false) {}

    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error &error() const { return m_error; }

private:
    Error m_error;
    bool m_ok = true;
};

inline Error makeError(ErrorCode code, std::string message)
{
    return Error{code, std::move(message)};
}

} // namespace busyard::core
