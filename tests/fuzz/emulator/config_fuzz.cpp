// libFuzzer target: the Config.json loader (core::config::parseEmulatorConfig)
// (invariants: emulator_fuzz_checks.h). Seeds: tests/fuzz/corpus/config.
#include "emulator_fuzz_checks.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto failure = busyard::fuzz::checkEmulatorConfig(std::string_view(reinterpret_cast<const char *>(data), size));
    if (failure) {
        std::fprintf(stderr, "config_fuzz: %s\n", failure->c_str());
        std::abort();
    }
    return 0;
}
