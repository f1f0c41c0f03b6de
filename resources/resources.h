#pragma once

namespace busyard::resources {

/**
 * Registers Busyard's compiled resources (icons under ":/busyard/icons/"). The resources live in a
 * static library, whose initialiser the linker would drop unless something references it: call this
 * once from main() and from tests before loading any icon. Idempotent.
 */
void initialize();

} // namespace busyard::resources
