#include "logging.h"

namespace busyard::core {

std::shared_ptr<spdlog::logger> logger(const char *name)
{
    if (auto l = spdlog::get(name))
        return l;
    return spdlog::default_logger();
}

} // namespace busyard::core
