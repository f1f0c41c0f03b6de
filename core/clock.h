#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace busyard::core {

/** Milliseconds: the resolution of every time in the engine (AMQP timestamps are milliseconds). */
using Duration = std::chrono::milliseconds;
/** UTC instant with millisecond resolution. */
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Duration>;

/** TimeSpan.MaxValue in milliseconds: Azure's "never" for TTL and auto-delete-on-idle. */
inline constexpr Duration kMaxDuration{922337203685477LL};
/** DateTime.MaxValue (9999-12-31T23:59:59.999Z) as used by Azure for "never expires". */
inline constexpr TimePoint kMaxTime{Duration{253402300799999LL}};

inline std::int64_t toMillisSinceEpoch(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint fromMillisSinceEpoch(std::int64_t ms) { return TimePoint{Duration{ms}}; }

/** Saturating addition: a time plus a (possibly huge) duration, capped at kMaxTime. */
TimePoint addSaturating(TimePoint t, Duration d);

/**
 * Source of time for the engine. Production uses SystemClock; tests and the designer's simulation use
 * VirtualClock and advance it by hand. Not thread-safe: read on the engine's thread.
 */
class Clock
{
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock
{
public:
    TimePoint now() const override;
};

class VirtualClock final : public Clock
{
public:
    explicit VirtualClock(TimePoint start = fromMillisSinceEpoch(1'700'000'000'000LL))
        : m_now(start) {}

    TimePoint now() const override { return m_now; }
    void advance(Duration d) { m_now += d; }
    void set(TimePoint t) { m_now = t; }

private:
    TimePoint m_now;
};

/** ISO 8601 UTC text, "2026-11-27T05:18:36.123Z". */
std::string formatIso8601(TimePoint t);

} // namespace busyard::core
