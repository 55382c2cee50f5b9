// Time support for the Bloblang standard library, with Go's semantics: layouts written as the
// reference time "Mon Jan 2 15:04:05 MST 2006" (time.Parse / Time.Format), strftime/strptime
// directives (itchyny/timefmt-go), Go durations (time.ParseDuration), ISO 8601 periods
// (rickb777/period) and locations (time.LoadLocation, IANA zones through Howard Hinnant's tz).
//
// A Timestamp carries its location the way Go's time.Time does (see value.hpp):
//   zone ""        fixed offset `offset` named `abbr`; offset 0 without a name is UTC
//   zone "Local"   the process's zone: $TZ as Go reads it, else /etc/localtime, else UTC
//   zone other     an IANA zone ("America/New_York"); `offset` caches the offset at the instant
// Every function here returns timestamps whose `offset` is the offset at their instant.
//
// Errors are EvalError with Go's wording, e.g.
//   parsing time "x" as "2006-01-02": cannot parse "x" as "2006"
#pragma once

#include "bloblang/value.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace plugctl::bloblang::timefmt {

inline constexpr std::string_view kRFC3339 = "2006-01-02T15:04:05Z07:00";
inline constexpr std::string_view kRFC3339Nano = "2006-01-02T15:04:05.999999999Z07:00";

// --- locations --------------------------------------------------------------------------------
// The offset (seconds east of UTC) and abbreviation of t's location at t ("UTC" for UTC, "" for
// an unnamed fixed offset).
struct ZoneAt {
  int32_t offset = 0;
  std::string abbrev;
};
ZoneAt zone_at(const Timestamp& t);

// The same instant shown in another location (Go's t.In(time.LoadLocation(name))): "" and "UTC"
// are UTC, "Local" the process's zone, anything else an IANA name. Throws EvalError
// "unknown time zone NAME" (Go's text) for a name the tz database does not know.
Timestamp in_location(const Timestamp& t, std::string_view name);
// Throws like in_location when `name` is not a location.
void check_location(std::string_view name);

// A timestamp at an instant in the location of `loc` (its zone/offset/abbr are copied).
Timestamp at_instant(int64_t sec, int64_t nsec, const Timestamp& loc);
// time.Unix(sec, nsec) (nsec may be out of range; it is normalised) in the Local zone.
Timestamp unix_local(int64_t sec, int64_t nsec);
// time.Now(), in the Local zone.
Timestamp now();

// --- arithmetic --------------------------------------------------------------------------------
// t.Add(d): d in nanoseconds.
Timestamp add(const Timestamp& t, int64_t nanos);
// t.AddDate(years, months, days): calendar arithmetic in t's location, normalised like Go.
Timestamp add_date(const Timestamp& t, int64_t years, int64_t months, int64_t days);
// t1.Sub(t2) in nanoseconds, saturating at the int64 range like Go.
int64_t sub(const Timestamp& t1, const Timestamp& t2);
// t.Round(d): nearest multiple of d since Go's zero time (year 1), halfway rounds up; d <= 0
// returns t unchanged.
Timestamp round(const Timestamp& t, int64_t nanos);
// t.UnixNano(), t.UnixMicro(), t.UnixMilli().
int64_t unix_nano(const Timestamp& t);
int64_t unix_micro(const Timestamp& t);
int64_t unix_milli(const Timestamp& t);

// --- Go layouts --------------------------------------------------------------------------------
std::string format(const Timestamp& t, std::string_view layout);
// A layout split into its elements once, for formatting many times.
struct Layout;
std::shared_ptr<const Layout> compile_layout(std::string_view layout);
std::string_view layout_text(const Layout& l);
std::string format(const Timestamp& t, const Layout& layout);
// The same into buf[0, cap) without allocating: the length written, or std::string::npos when
// it does not fit (nothing useful is left in buf then).
size_t format_to(char* buf, size_t cap, const Timestamp& t, const Layout& layout);
// time.Parse: no zone in the value means UTC; an offset or abbreviation that matches the Local
// zone at that instant yields a Local timestamp, otherwise a fixed zone.
Timestamp parse(std::string_view layout, std::string_view value);

// --- strftime ----------------------------------------------------------------------------------
// timefmt.Format: %Y %m %d %H %M %S %f %b %B %a %A %j %Z %z %:z %s ... with the -, _, 0, ^, #
// flags and widths; unknown directives are written out as they are.
std::string strftime(const Timestamp& t, std::string_view format);
// timefmt.Parse: errors read `failed to parse "VALUE" with "FORMAT": REASON`.
Timestamp strptime(std::string_view value, std::string_view format);

// --- durations ---------------------------------------------------------------------------------
// time.ParseDuration ("1h30m", "-1.5s", "300ms"): nanoseconds; errors like
// `time: invalid duration "x"`.
int64_t parse_duration(std::string_view s);

// An ISO 8601 period ("P1Y2M3DT4H5M6.5S", "-P1W"): each field a decimal (coefficient and
// scale, so 5.25 is {525, 2}); only the last non-zero field may have a fraction.
struct Period {
  struct Field {
    int64_t coef = 0; // signed
    int scale = 0;
  };
  Field years, months, weeks, days, hours, minutes, seconds;
  bool neg = false;
};
// period.Parse: errors like "gibberish: expected 'P' period mark at the start".
Period parse_period(std::string_view s);
// period.DurationApprox(): nanoseconds, a year being 365.2425 days and a month a twelfth of that.
int64_t period_duration(const Period& p);
// period.AddTo(t) (or the negated period when `negate`): exact calendar arithmetic when the
// date fields are whole numbers, otherwise the approximate duration.
Timestamp add_period(const Timestamp& t, const Period& p, bool negate);

} // namespace plugctl::bloblang::timefmt
