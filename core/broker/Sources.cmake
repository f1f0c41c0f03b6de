# Sources of the broker part of busyard::core. Paths relative to core/.
target_sources(core PRIVATE
    broker/address.cpp broker/address.h
    broker/engine.cpp broker/engine.h
    broker/entities.cpp broker/entities.h
    broker/ruleprogram.cpp broker/ruleprogram.h
    broker/routing.cpp broker/routing.h
    broker/sqlitestore.cpp broker/sqlitestore.h
    broker/store.h
)
