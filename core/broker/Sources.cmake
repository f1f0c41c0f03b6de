# Sources of the broker part of busyard::core: target_sources(core PRIVATE ...) with paths relative to core/.
