// Evaluations per second of compiled SQL filters and actions against a message with a handful of
// application properties (servicebus-semantics.md A.18 fixture, trimmed). items_per_second is the figure.

#include "core/message.h"
#include "core/sql/filter.h"

#include <benchmark/benchmark.h>

#include <cstdlib>

using namespace busyard::core;
using namespace busyard::core::sql;

namespace {

Message makeMessage()
{
    Message m;
    m.messageId = Value::string("m-1");
    m.correlationId = Value::string("high");
    m.subject = "red";
    m.to = "Store5";
    auto &p = m.applicationProperties;
    p.set("StoreId", Value::string("Store8"));
    p.set("priority", Value::string("high"));
    p.set("color", Value::string("red"));
    p.set("quantity", Value::int64(10));
    p.set("price", Value::float64(2.5));
    return m;
}

void runFilter(benchmark::State &state, const char *expression, bool expected)
{
    const Message m = makeMessage();
    auto filter = Filter::compile(expression);
    if (!filter) {
        state.SkipWithError(filter.error().message.c_str());
        return;
    }
    for (auto _ : state) {
        auto r = filter->evaluate(m);
        benchmark::DoNotOptimize(r);
        if (!r.ok() || r.value() != expected) {
            state.SkipWithError("unexpected result");
            return;
        }
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_SimpleFilter(benchmark::State &state)
{
    runFilter(state, "color = 'red' AND quantity > 5", true);
}

void BM_LikeFilter(benchmark::State &state)
{
    runFilter(state, "StoreId LIKE 'Store%' AND sys.Label LIKE '%e_'", true);
}

void BM_LikeGeneralFilter(benchmark::State &state)
{
    runFilter(state, "StoreId LIKE 'S_o%e%8'", true);
}

void BM_InFilter(benchmark::State &state)
{
    runFilter(state, "sys.To IN ('Store1', 'Store2', 'Store3', 'Store4', 'Store5') AND quantity IN (1, 5, 10)", true);
}

void BM_NoMatchUnknown(benchmark::State &state)
{
    runFilter(state, "missing = 'x' OR (color = 'blue' AND price > 2.0)", false);
}

void BM_Compile(benchmark::State &state)
{
    for (auto _ : state) {
        auto f = Filter::compile("color = 'red' AND quantity > 5 OR sys.To IN ('a', 'b') AND name LIKE 'x%'");
        benchmark::DoNotOptimize(f);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_ActionApply(benchmark::State &state)
{
    auto action = Action::compile("SET quantity = quantity / 2; REMOVE priority; SET sys.CorrelationId = 'low';");
    if (!action) {
        state.SkipWithError(action.error().message.c_str());
        return;
    }
    const Message original = makeMessage();
    for (auto _ : state) {
        Message copy = original; // the broker applies an action to its subscription's copy
        auto r = action->apply(copy);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}

} // namespace

BENCHMARK(BM_SimpleFilter);
BENCHMARK(BM_LikeFilter);
BENCHMARK(BM_LikeGeneralFilter);
BENCHMARK(BM_InFilter);
BENCHMARK(BM_NoMatchUnknown);
BENCHMARK(BM_Compile);
BENCHMARK(BM_ActionApply);

BENCHMARK_MAIN();
