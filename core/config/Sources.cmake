# Emulator configuration files (Microsoft's Config.json and Busyard's superset).
target_sources(core PRIVATE
    config/emulatorconfig.cpp config/emulatorconfig.h
)
