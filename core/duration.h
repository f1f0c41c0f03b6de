#pragma once

#include "clock.h"
#include "result.h"

#include <string>
#include <string_view>

namespace busyard::core {

/**
 * Parses an ISO 8601 / XML Schema duration as Azure writes TimeSpans ("PT1M", "P14D",
 * "P10675199DT2H48M5.4775807S"): P[nY][nM][nW][nD][T[nH][nM][n[.f]S]], a year = 365 days and a month
 * = 30 days (as .NET's XmlConvert), fractions of a second kept to the millisecond (truncated), at
 * most 18 digits per number. Exact integer arithmetic: a value at or above TimeSpan.MaxValue (or one
 * whose sum overflows) becomes kMaxDuration ("never"). No surrounding whitespace. Errors
 * (InvalidArgument) name the offending position. The one parser behind Config.json, the ATOM codec and
 * the dialogs.
 */
Result<Duration> parseIsoDuration(std::string_view text);

/** Formats as .NET's XmlConvert.ToString(TimeSpan): "PT1M", "P1DT2H", "PT0.5S"; kMaxDuration as
 *  "P10675199DT2H48M5.4775807S" (TimeSpan.MaxValue). */
std::string formatIsoDuration(Duration d);

/** .NET TimeSpan text "[d.]hh:mm:ss[.fff]" as used in error messages ("00:05:00"). */
std::string formatTimeSpan(Duration d);

} // namespace busyard::core
