// libFuzzer target: the ATOM request parsers (core/client/atom.h descriptionKind, parse*Description)
// (invariants: emulator_fuzz_checks.h). Seeds: tests/fuzz/corpus/atom.
#include "emulator_fuzz_checks.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto failure = busyard::fuzz::checkAtom(QByteArrayView(data, qsizetype(size)));
    if (failure) {
        std::fprintf(stderr, "atom_fuzz: %s\n", failure->c_str());
        std::abort();
    }
    return 0;
}
