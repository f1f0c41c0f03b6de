// libFuzzer target: parseConnectionString and toString (see auth_fuzz_checks.h for the invariants).
#include "auth_fuzz_checks.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    if (const auto failure = busyard::fuzz::checkConnectionString(input)) {
        std::fprintf(stderr, "auth_connectionstring_fuzz: %s\n", failure->c_str());
        std::abort();
    }
    return 0;
}
