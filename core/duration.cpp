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

    // Exact integer milliseconds; an overflowing product or sum saturates at TimeSpan.MaxValue ("never").
    std::int64_t total = 0;
    bool saturated = false;
    const auto accumulate = [&](std::int64_t n, std::int64_t unit) {
        std::int64_t product = 0;
        if (__builtin_mul_overflow(n, unit, &product) || __builtin_add_overflow(total, product, &total))
            saturated = true;
    };
    const auto isDigit = [&](std::size_t at) { return at < text.size() && text[at] >= '0' && text[at] <= '9'; };
    bool inTime = false;
    bool any = false;
    const std::string_view dateOrder = "YMWD";
    const std::string_view timeOrder = "HMS";
    std::size_t orderPos = 0;
    while (i < text.size()) {
        if (text[i] == 'T') {
            if (inTime)
                return durationError(text, i, "second 'T'");
            inTime = true;
            orderPos = 0;
            ++i;
            if (i >= text.size())
                return durationError(text, i, "expected a time value after 'T'");
            continue;
        }
        const std::size_t numStart = i;
        std::int64_t whole = 0;
        while (isDigit(i)) {
            if (i - numStart >= 18)
                return durationError(text, i, "number too large");
            whole = whole * 10 + (text[i] - '0');
            ++i;
        }
        if (i == numStart)
            return durationError(text, i, "expected a digit");
        std::int64_t fractionMs = 0;
        bool hasFraction = false;
        if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
            hasFraction = true;
            ++i;
            const std::size_t fracStart = i;
            // Milliseconds: the first three digits, truncated (TimeSpan ticks below a millisecond are dropped).
            std::int64_t scale = 100;
            while (isDigit(i)) {
                fractionMs += (text[i] - '0') * scale;
                scale /= 10;
                ++i;
            }
            if (i == fracStart)
                return durationError(text, i, "expected a digit after the decimal point");
        }
        if (i >= text.size())
            return durationError(text, i, "expected a designator (Y, M, W, D, H, M or S)");
        const char unit = text[i];
        const std::string_view order = inTime ? timeOrder : dateOrder;
        const std::size_t found = order.find(unit);
        if (found == std::string_view::npos || found < orderPos)
            return durationError(text, i, "unexpected designator");
        if (hasFraction && !(inTime && unit == 'S'))
            return durationError(text, i, "only seconds may have a fraction");
        orderPos = found + 1;
        std::int64_t unitMs = 0;
        if (!inTime) {
            switch (unit) {
            case 'Y': unitMs = 365 * kMsPerDay; break;
            case 'M': unitMs = 30 * kMsPerDay; break;
            case 'W': unitMs = 7 * kMsPerDay; break;
            case 'D': unitMs = kMsPerDay; break;
            }
        } else {
            switch (unit) {
            case 'H': unitMs = kMsPerHour; break;
            case 'M': unitMs = kMsPerMinute; break;
            case 'S': unitMs = kMsPerSecond; break;
            }
        }
        accumulate(whole, unitMs);
        if (hasFraction)
            accumulate(fractionMs, 1);
        any = true;
        ++i;
    }
    if (!any)
        return durationError(text, text.size() - 1, "no value");
    if (saturated || total >= kMaxDuration.count())
        return negative ? Duration{-kMaxDuration.count()} : kMaxDuration;
    return Duration{negative ? -total : total};
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
