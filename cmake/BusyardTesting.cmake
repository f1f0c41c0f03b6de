# busyard_add_test(tst_name [SOURCES a.cpp ...] LIBS busyard::x ... [LABELS l ...] [TIMEOUT s])
# Builds a Qt Test executable from tst_name.cpp (plus SOURCES), registers it with CTest, and runs it on
# the offscreen platform with TEST_DATA_DIR pointing at the test's source folder.
function(busyard_add_test name)
    cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${name} ${name}.cpp ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE Qt6::Test busyard::project_options ${ARG_LIBS})
    target_compile_definitions(${name} PRIVATE TEST_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data")
    add_test(NAME ${name} COMMAND ${name})
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 120)
    endif()
    set_tests_properties(${name} PROPERTIES
        TIMEOUT ${ARG_TIMEOUT}
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;TEST_DATA_DIR=${CMAKE_CURRENT_SOURCE_DIR}/data"
        LABELS "${ARG_LABELS}")
endfunction()
