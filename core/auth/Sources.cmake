# Sources of the auth part of busyard::core: target_sources(core PRIVATE ...) with paths relative to core/.
# Connection strings, SAS tokens (HMAC-SHA256 from OpenSSL libcrypto).
set(_busyard_auth_sources
    auth/connectionstring.cpp auth/connectionstring.h
    auth/encoding.cpp auth/encoding.h
    auth/sastoken.cpp auth/sastoken.h
)
target_sources(core PRIVATE ${_busyard_auth_sources})

find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
target_link_libraries(core PRIVATE OpenSSL::Crypto)

# The libFuzzer targets (tests/fuzz/auth) compile these files again with sanitizer instrumentation,
# together with the core files they use.
list(TRANSFORM _busyard_auth_sources PREPEND "${CMAKE_CURRENT_SOURCE_DIR}/")
list(APPEND _busyard_auth_sources "${CMAKE_CURRENT_SOURCE_DIR}/clock.cpp")
set_property(GLOBAL PROPERTY BUSYARD_AUTH_SOURCES ${_busyard_auth_sources})
unset(_busyard_auth_sources)
