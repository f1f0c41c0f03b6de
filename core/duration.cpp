#include "duration.h"

#include <cstdio>
#include <limits>

namespace busyard::core {

namespace {

constexpr std::int64_t kMsPerSecond = 1000;
constexpr std::int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr std::int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr std::int64_t kMsPerDay = 24 * kMsPerHour;

Error durationError(std::string_view text, std::size_t pos, const char *what)
{
    return makeError(ErrorCode::InvalidArgument,
                     "'" + std::string(text) + "' is not an ISO 8601 duration: " + what + " at position "
                         + std::to_string(pos + 1));
}

} // namespace

Result<Duration> parseIsoDuration(std::string_view text)
{
    std::size_t i = 0;
    bool negative = false;
    if (i < text.size() && text[i] == '-') {
        negative = true;
        ++i;
    }
    if (i >= text.size() || text[i] != 'P')
        return durationError(text, i, "expected 'P'");
    ++i;
    if (i >= text.size())
        return durationError(text, i, "expected a number after 'P'");

    // Sum in long double milliseconds to detect overflow, then saturate at TimeSpan.MaxValue.
    long double totalMs = 0;
    bool inTime = false;
    bool any = false;
    const char *dateOrder = "YMWD";
    const char *timeOrder = "HMS";
    std::size_t orderPos = 0;
    while (i < text.size()) {
        if (text[i] == 'T') {
            if (inTime)
                return durationError(text, i, "second 'T'");
            inTime = true;
            orderPos = 0;
            ++i;
            if (i >= text.size())
                return durationError(text, i, "expected a number after 'T'");
            continue;
        }
        const std::size_t numStart = i;
        std::int64_t whole = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (whole > std::numeric_limits<std::int64_t>::max() / 10 - 10)
                return durationError(text, i, "number too large");
            whole = whole * 10 + (text[i] - '0');
            ++i;
        }
        if (i == numStart)
            return durationError(text, i, "expected a digit");
        long double fraction = 0;
        bool hasFraction = false;
        if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
            hasFraction = true;
            ++i;
            long double scale = 0.1L;
            const std::size_t fracStart = i;
            while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
                fraction += (text[i] - '0') * scale;
                scale /= 10;
                ++i;
            }
            if (i == fracStart)
                return durationError(text, i, "expected a digit after the decimal point");
        }
        if (i >= text.size())
            return durationError(text, i, "expected a designator (Y, M, W, D, H, M or S)");
        const char unit = text[i];
        const char *order = inTime ? timeOrder : dateOrder;
        std::size_t found = std::string_view(order).find(unit);
        if (found == std::string_view::npos || found < orderPos)
            return durationError(text, i, "unexpected designator");
        if (hasFraction && !(inTime && unit == 'S'))
            return durationError(text, i, "only seconds may have a fraction");
        orderPos = found + 1;
        long double unitMs = 0;
        if (!inTime) {
            switch (unit) {
            case 'Y': unitMs = 365.0L * kMsPerDay; break;
            case 'M': unitMs = 30.0L * kMsPerDay; break;
            case 'W': unitMs = 7.0L * kMsPerDay; break;
            case 'D': unitMs = kMsPerDay; break;
            }
        } else {
            switch (unit) {
            case 'H': unitMs = kMsPerHour; break;
            case 'M': unitMs = kMsPerMinute; break;
            case 'S': unitMs = kMsPerSecond; break;
            }
        }
        totalMs += (static_cast<long double>(whole) + fraction) * unitMs;
        any = true;
        ++i;
    }
    if (!any)
        return durationError(text, text.size() - 1, "no value");
    if (inTime && text.back() == 'T')
        return durationError(text, text.size() - 1, "expected a time value after 'T'");
    if (totalMs >= static_cast<long double>(kMaxDuration.count()))
        return negative ? Duration{-kMaxDuration.count()} : kMaxDuration;
    const auto ms = static_cast<std::int64_t>(totalMs + 1e-6L); // guard against binary fractions just below
    return Duration{negative ? -ms : ms};
}

std::string formatIsoDuration(Duration d)
{
    if (d >= kMaxDuration)
        return "P10675199DT2H48M5.4775807S";
    if (d.count() <= -kMaxDuration.count())
        return "-P10675199DT2H48M5.4775807S";
    std::int64_t ms = d.count();
    std::string out;
    if (ms < 0) {
        out.push_back('-');
        ms = -ms;
    }
    out.push_back('P');
    const std::int64_t days = ms / kMsPerDay;
    ms %= kMsPerDay;
    const std::int64_t hours = ms / kMsPerHour;
    ms %= kMsPerHour;
    const std::int64_t minutes = ms / kMsPerMinute;
    ms %= kMsPerMinute;
    const std::int64_t seconds = ms / kMsPerSecond;
    const std::int64_t millis = ms % kMsPerSecond;
    if (days)
        out += std::to_string(days) + 'D';
    if (hours || minutes || seconds || millis || !days) {
        out.push_back('T');
        if (hours)
            out += std::to_string(hours) + 'H';
        if (minutes)
            out += std::to_string(minutes) + 'M';
        if (seconds || millis || (!hours && !minutes)) {
            out += std::to_string(seconds);
            if (millis) {
                char buf[8];
                std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(millis));
                std::string frac(buf);
                while (frac.back() == '0')
                    frac.pop_back();
                out += frac;
            }
            out.push_back('S');
        }
    }
    return out;
}

std::string formatTimeSpan(Duration d)
{
    std::int64_t ms = d.count();
    const bool negative = ms < 0;
    if (negative)
        ms = -ms;
    const std::int64_t days = ms / kMsPerDay;
    ms %= kMsPerDay;
    char buf[64];
    const int h = static_cast<int>(ms / kMsPerHour);
    const int m = static_cast<int>(ms % kMsPerHour / kMsPerMinute);
    const int s = static_cast<int>(ms % kMsPerMinute / kMsPerSecond);
    const int f = static_cast<int>(ms % kMsPerSecond);
    std::string out = negative ? "-" : "";
    if (days)
        out += std::to_string(days) + '.';
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", h, m, s);
    out += buf;
    if (f) {
        std::snprintf(buf, sizeof buf, ".%03d", f);
        out += buf;
    }
    return out;
}

} // namespace busyard::core
