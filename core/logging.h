#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace busyard::core {

/**
 * The named logger of a library ("core", "client", "emulator", ...), created with its sinks by the
 * application at start-up. Libraries never add sinks: when the application (or a test) created none,
 * this returns spdlog's default logger.
 */
std::shared_ptr<spdlog::logger> logger(const char *name);

} // namespace busyard::core
