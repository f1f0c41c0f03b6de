#pragma once

#include "core/result.h"

#include <cstdint>

namespace busyard::emulator::amqp {

/** How an engine error appears on the wire: AMQP condition symbol and $management status code. */
struct WireError
{
    const char *condition;
    std::int32_t status;
};

/** servicebus-amqp.md §5.1 / §6 pairs for each core::ErrorCode. */
WireError wireError(core::ErrorCode code);

} // namespace busyard::emulator::amqp
