# Sources of the auth part of busyard::core: target_sources(core PRIVATE ...) with paths relative to core/.
