#pragma once

// Shared fixture of the SQL language tests: message M of servicebus-semantics.md A.18 plus typed
// properties for the type-rule cases.

#include "core/message.h"
#include "core/sql/scalar.h"

#include <cstdint>
#include <limits>
#include <string>

namespace busyard::core::sql::test {

inline constexpr std::int64_t kCreatedMs = 1704067200000LL;   // 2024-01-01T00:00:00Z
inline constexpr std::int64_t kJuneFirstMs = 1717200000000LL; // 2024-06-01T00:00:00Z
inline constexpr std::int64_t kEnqueuedMs = 1709251200000LL;  // 2024-03-01T00:00:00Z
inline constexpr std::int64_t kHourTicks = 36000000000LL;

inline Message fixtureMessage()
{
    Message m;
    m.messageId = Value::string("m-1");
    m.correlationId = Value::string("high");
    m.subject = "red";
    m.to = "Store5";
    m.replyTo = "replies";
    m.contentType = "application/json";
    m.sequenceNumber = 42;
    m.enqueuedTime = fromMillisSinceEpoch(kEnqueuedMs);
    m.body = "{}";
    auto &p = m.applicationProperties;
    p.set("color", Value::string("red"));
    p.set("quantity", Value::int64(10));
    p.set("priority", Value::string("high"));
    p.set("price", Value::float64(2.5));
    p.set("StoreId", Value::string("Store8"));
    p.set("flag", Value::boolean(true));
    p.set("code", Value::string("ABC%"));
    p.set("code2", Value::string("ABCDEF"));
    p.set("name", Value::string("O'Brien"));
    p.set("nothing", Value::null());
    p.set("Property With Space", Value::string("x"));
    p.set("a]b", Value::int64(1));
    p.set("big", Value::int64(std::numeric_limits<std::int64_t>::max()));
    p.set("created", Value::timestamp(fromMillisSinceEpoch(kCreatedMs)));
    p.set("i32", Value::int32(5));
    p.set("i32max", Value::int32(std::numeric_limits<std::int32_t>::max()));
    p.set("u64", Value::ulong(5));
    p.set("f32", Value::float32(1.5f));
    p.set("dec", Value::decimal(encodeDecimal128(2.5)));
    p.set("ch", Value::character(U'a'));
    p.set("ts", Value::timeSpanTicks(kHourTicks));
    // 2024-01-01T02:00:00+02:00 is the same instant as `created`.
    p.set("dto", Value::dateTimeOffset(kCreatedMs * kTicksPerMillisecond + kUnixEpochTicks + 2 * kHourTicks, 120));
    p.set("guid", Value::uuid(*Uuid::fromString("6f1c1ad0-0a7b-4c1e-9d57-2b3c4d5e6f70")));
    p.set("uri", Value::uri("https://example.com/a"));
    p.set("bin", Value::binary(std::string("\x01\x02", 2)));
    return m;
}

} // namespace busyard::core::sql::test
