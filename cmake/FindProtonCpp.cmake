# Finds Qpid Proton C++ (Debian: libqpid-proton-cpp12-dev), which ships no CMake config.
# Defines the imported target Proton::cpp.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
    pkg_check_modules(PC_PROTON_CPP QUIET libqpid-proton-cpp)
endif()
find_path(ProtonCpp_INCLUDE_DIR proton/container.hpp HINTS ${PC_PROTON_CPP_INCLUDE_DIRS})
find_library(ProtonCpp_LIBRARY NAMES qpid-proton-cpp HINTS ${PC_PROTON_CPP_LIBRARY_DIRS})
set(ProtonCpp_VERSION "${PC_PROTON_CPP_VERSION}")

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
