#include "resources.h"

#include <QtCore/qglobal.h>

// Q_INIT_RESOURCE declares the initialiser in the current namespace, so it must run at global scope.
static void initBusyardResources()
{
    Q_INIT_RESOURCE(busyard);
}

namespace busyard::resources {

void initialize()
{
    static const bool done = [] {
        initBusyardResources();
        return true;
    }();
    Q_UNUSED(done);
}

} // namespace busyard::resources
