// libFuzzer target for the SQL filter/action language: compiles the input as a filter and as an action
// (with and without parameter checks), and evaluates/applies whatever compiles against a fixed message.
// Build: -DBUSYARD_BUILD_FUZZ=ON with clang; run: ./sql_parser_fuzz ../tests/fuzz/corpus/sql

#include "core/message.h"
#include "core/sql/filter.h"
#include "core/sql/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace busyard::core;
using namespace busyard::core::sql;

namespace {

Message makeMessage()
{
    Message m;
    m.messageId = Value::string("m-1");
    m.subject = "red";
    m.to = "Store5";
    auto &p = m.applicationProperties;
    p.set("color", Value::string("red"));
    p.set("quantity", Value::int64(10));
    p.set("price", Value::float64(2.5));
    p.set("i32", Value::int32(5));
    p.set("u64", Value::ulong(5));
    p.set("flag", Value::boolean(true));
    p.set("nothing", Value::null());
    p.set("ts", Value::timeSpanTicks(36000000000LL));
    p.set("created", Value::timestamp(fromMillisSinceEpoch(1704067200000LL)));
    p.set("bin", Value::binary("\x01\x02"));
    return m;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const Message message = makeMessage();
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    (void)tokenize(text);
    CompileOptions lenient;
    lenient.checkParameters = false;
    (void)checkFilter(text);
    (void)checkAction(text);
    if (auto filter = Filter::compile(text, {}, lenient)) {
        (void)filter->evaluate(message);
        (void)filter->evaluateTruth(message);
    }
    if (auto action = Action::compile(text, {}, lenient)) {
        Message copy = message;
        (void)action->apply(copy);
    }
    return 0;
}
