# Sources of the sql part of busyard::core: the Service Bus SQL filter and rule-action language
# (servicebus-semantics.md Part A). Paths relative to core/.
target_sources(core PRIVATE
    sql/ast.h
    sql/filter.cpp sql/filter.h
    sql/likematcher.cpp sql/likematcher.h
    sql/parser.cpp sql/parser.h
    sql/program.cpp sql/program.h
    sql/scalar.cpp sql/scalar.h
    sql/sysproperty.cpp sql/sysproperty.h
    sql/tokenizer.cpp sql/tokenizer.h
)
