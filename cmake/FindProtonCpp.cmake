# Finds Qpid Proton C++ (Debian: libqpid-proton-cpp12-dev), which ships no CMake config.
# Defines the imported target Proton::cpp.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
    pkg_check_modules(PC_PROTON_CPP QUIET libqpid-proton-cpp)
endif()
find_path(ProtonCpp_INCLUDE_DIR proton/container.hpp HINTS ${PC_PROTON_CPP_INCLUDE_DIRS})
find_library(ProtonCpp_LIBRARY NAMES qpid-proton-cpp HINTS ${PC_PROTON_CPP_LIBRARY_DIRS})
set(ProtonCpp_VERSION "${PC_PROTON_CPP_VERSION}")
# Debian's libqpid-proton-cpp.pc requires libqpid-proton-core.pc, which Debian does not ship, so
# pkg-config fails and reports no version. Fall back to the version header of the same release.
if(NOT ProtonCpp_VERSION AND ProtonCpp_INCLUDE_DIR AND EXISTS "${ProtonCpp_INCLUDE_DIR}/proton/version.h")
    file(STRINGS "${ProtonCpp_INCLUDE_DIR}/proton/version.h" _proton_ver REGEX "#define PN_VERSION_(MAJOR|MINOR|POINT) ")
    foreach(_part MAJOR MINOR POINT)
        string(REGEX REPLACE ".*#define PN_VERSION_${_part} ([0-9]+).*" "\\1" _proton_${_part} "${_proton_ver}")
    endforeach()
    set(ProtonCpp_VERSION "${_proton_MAJOR}.${_proton_MINOR}.${_proton_POINT}")
    unset(_proton_ver)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(ProtonCpp
    REQUIRED_VARS ProtonCpp_LIBRARY ProtonCpp_INCLUDE_DIR
    VERSION_VAR ProtonCpp_VERSION
    REASON_FAILURE_MESSAGE "install the Debian package libqpid-proton-cpp12-dev")

if(ProtonCpp_FOUND AND NOT TARGET Proton::cpp)
    add_library(Proton::cpp UNKNOWN IMPORTED)
    set_target_properties(Proton::cpp PROPERTIES
        IMPORTED_LOCATION "${ProtonCpp_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${ProtonCpp_INCLUDE_DIR}")
endif()
mark_as_advanced(ProtonCpp_INCLUDE_DIR ProtonCpp_LIBRARY)
