#include "clock.h"

#include <cstdio>
#include <ctime>
#include <limits>

namespace busyard::core {

TimePoint addSaturating(TimePoint t, Duration d)
{
    const auto base = t.time_since_epoch().count();
    const auto add = d.count();
    const auto cap = kMaxTime.time_since_epoch().count();
    if (add > 0 && base > cap - add)
        return kMaxTime;
    if (add < 0 && base < std::numeric_limits<std::int64_t>::min() - add)
        return TimePoint{Duration{std::numeric_limits<std::int64_t>::min()}};
    return TimePoint{Duration{base + add}};
}

TimePoint SystemClock::now() const
{
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

std::string formatIso8601(TimePoint t)
{
    const std::int64_t ms = toMillisSinceEpoch(t);
    std::int64_t secs = ms / 1000;
    std::int64_t frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        --secs;
    }
    const std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac));
    return buf;
}

} // namespace busyard::core
