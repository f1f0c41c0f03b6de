#include "result.h"

namespace busyard::core {

const char *errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument: return "InvalidArgument";
    case ErrorCode::ArgumentOutOfRange: return "ArgumentOutOfRange";
    case ErrorCode::EntityNotFound: return "EntityNotFound";
    case ErrorCode::EntityAlreadyExists: return "EntityAlreadyExists";
    case ErrorCode::EntityDisabled: return "EntityDisabled";
    case ErrorCode::NotAllowed: return "NotAllowed";
    case ErrorCode::MessageSizeExceeded: return "MessageSizeExceeded";
    case ErrorCode::QuotaExceeded: return "QuotaExceeded";
    case ErrorCode::MessageLockLost: return "MessageLockLost";
    case ErrorCode::SessionLockLost: return "SessionLockLost";
    case ErrorCode::SessionCannotBeLocked: return "SessionCannotBeLocked";
    case ErrorCode::MessageNotFound: return "MessageNotFound";
    case ErrorCode::Timeout: return "Timeout";
    case ErrorCode::ServerBusy: return "ServerBusy";
    case ErrorCode::Unauthorized: return "Unauthorized";
    case ErrorCode::SyntaxError: return "SyntaxError";
    case ErrorCode::FilterEvaluation: return "FilterEvaluation";
    case ErrorCode::StoreError: return "StoreError";
    case ErrorCode::Internal: return "Internal";
    }
    return "Unknown";
}

} // namespace busyard::core
