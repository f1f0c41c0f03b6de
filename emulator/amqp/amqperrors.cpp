#include "amqperrors.h"

namespace busyard::emulator::amqp {

WireError wireError(core::ErrorCode code)
{
    using core::ErrorCode;
    switch (code) {
    case ErrorCode::InvalidArgument: return {"com.microsoft:argument-error", 400};
    case ErrorCode::ArgumentOutOfRange: return {"com.microsoft:argument-out-of-range", 400};
    case ErrorCode::EntityNotFound: return {"amqp:not-found", 404};
    case ErrorCode::EntityAlreadyExists: return {"com.microsoft:entity-already-exists", 409};
    case ErrorCode::EntityDisabled: return {"com.microsoft:entity-disabled", 400};
    case ErrorCode::NotAllowed: return {"amqp:not-allowed", 400};
    case ErrorCode::MessageSizeExceeded: return {"amqp:link:message-size-exceeded", 403};
    case ErrorCode::QuotaExceeded: return {"amqp:resource-limit-exceeded", 403};
    case ErrorCode::MessageLockLost: return {"com.microsoft:message-lock-lost", 410};
    case ErrorCode::SessionLockLost: return {"com.microsoft:session-lock-lost", 410};
    case ErrorCode::SessionCannotBeLocked: return {"com.microsoft:session-cannot-be-locked", 410};
    case ErrorCode::MessageNotFound: return {"com.microsoft:message-not-found", 404};
    case ErrorCode::Timeout: return {"com.microsoft:timeout", 408};
    case ErrorCode::ServerBusy: return {"com.microsoft:server-busy", 503};
    case ErrorCode::Unauthorized: return {"amqp:unauthorized-access", 401};
    case ErrorCode::SyntaxError: return {"com.microsoft:argument-error", 400};
    case ErrorCode::FilterEvaluation: return {"com.microsoft:argument-error", 400};
    case ErrorCode::StoreError: return {"amqp:internal-error", 500};
    case ErrorCode::Internal: return {"amqp:internal-error", 500};
    }
    return {"amqp:internal-error", 500};
}

} // namespace busyard::emulator::amqp
