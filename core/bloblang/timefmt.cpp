#include "bloblang/timefmt.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <date/tz.h>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace plugctl::bloblang::timefmt {
namespace {

__extension__ typedef __int128 i128;

constexpr int64_t kNanosPerSec = 1'000'000'000;
// Seconds from Go's zero time (January 1, year 1, UTC) to the Unix epoch.
constexpr int64_t kUnixToInternal = 62'135'596'800;

constexpr std::array<std::string_view, 12> kLongMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 12> kShortMonths = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 7> kShortDays = {"Sun", "Mon", "Tue", "Wed",
                                                        "Thu", "Fri", "Sat"};

// --- civil calendar (proleptic Gregorian, any int64 year) ---------------------------------------
int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t floor_mod(int64_t a, int64_t b) {
  return a - floor_div(a, b) * b;
}

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in(int month, int64_t year) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap(year)) return 29;
  return kDays[month - 1];
}

// Days since 1970-01-01 of a civil date (month 1..12, day 1..31).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t mp = (m + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Ymd {
  int64_t year;
  int month;
  int day;
};

Ymd civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

// --- locations ----------------------------------------------------------------------------------
const date::time_zone* lookup_zone(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, const date::time_zone*, std::less<>> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  const date::time_zone* tz = nullptr;
  try {
    tz = date::locate_zone(name);
  } catch (const std::exception&) {
    tz = nullptr;
  }
  cache.emplace(name, tz);
  return tz;
}

// Go's Local: $TZ unset reads /etc/localtime, $TZ="" (or an unknown zone) is UTC, ":name" and
// "/path/to/zoneinfo/name" name a zone. nullptr means UTC.
const date::time_zone* local_zone() {
  static const date::time_zone* const kLocal = []() -> const date::time_zone* {
    const char* env = std::getenv("TZ");
    if (env == nullptr) {
      try {
        return date::current_zone();
      } catch (const std::exception&) {
        return nullptr;
      }
    }
    std::string tz = env;
    if (!tz.empty() && tz[0] == ':') tz.erase(0, 1);
    if (tz.empty() || tz == "UTC") return nullptr;
    if (tz[0] == '/') {
      if (tz == "/etc/localtime") {
        try {
          return date::current_zone();
        } catch (const std::exception&) {
          return nullptr;
        }
      }
      auto pos = tz.find("zoneinfo/");
      if (pos == std::string::npos) return nullptr;
      tz = tz.substr(pos + 9);
    }
    return lookup_zone(tz);
  }();
  return kLocal;
}

struct ZoneInfo {
  int32_t offset = 0;
  std::string abbrev;
  int64_t begin = std::numeric_limits<int64_t>::min(); // validity of this offset (unix sec)
  int64_t end = std::numeric_limits<int64_t>::max();
};

ZoneInfo tz_info(const date::time_zone* tz, int64_t unix_sec) {
  if (tz == nullptr) return {0, "UTC"};
  // The tz database covers years far beyond anything useful; clamp to stay inside chrono.
  constexpr int64_t kLimit = 1LL << 40;
  int64_t s = std::clamp<int64_t>(unix_sec, -kLimit, kLimit);
  auto info = tz->get_info(date::sys_seconds{std::chrono::seconds{s}});
  ZoneInfo out;
  out.offset = static_cast<int32_t>(info.offset.count());
  out.abbrev = info.abbrev;
  out.begin = info.begin.time_since_epoch().count();
  out.end = info.end.time_since_epoch().count();
  return out;
}

// What a Timestamp's zone field designates.
struct Location {
  bool fixed = true;
  int32_t offset = 0;                  // fixed
  std::string abbr;                    // fixed
  const date::time_zone* tz = nullptr; // zoned (nullptr = UTC)
};

Location location_of(const Timestamp& t) {
  Location loc;
  if (t.zone.empty()) {
    loc.offset = t.offset;
    loc.abbr = t.abbr;
    return loc;
  }
  loc.fixed = false;
  if (t.zone == "Local") {
    loc.tz = local_zone();
  } else if (t.zone != "UTC") {
    loc.tz = lookup_zone(t.zone);
    if (loc.tz == nullptr) { // not a zone we know: keep what the timestamp recorded
      loc.fixed = true;
      loc.offset = t.offset;
      loc.abbr = t.abbr;
    }
  }
  return loc;
}

ZoneInfo info_at(const Location& loc, int64_t unix_sec) {
  if (loc.fixed) {
    ZoneInfo z;
    z.offset = loc.offset;
    z.abbrev = loc.abbr.empty() && loc.offset == 0 ? "UTC" : loc.abbr;
    return z;
  }
  return tz_info(loc.tz, unix_sec);
}

// A location carried by a Timestamp without an instant.
Timestamp utc_shell() {
  return Timestamp{};
}
Timestamp local_shell() {
  Timestamp t;
  t.zone = "Local";
  return t;
}
Timestamp fixed_shell(int32_t offset, std::string abbr) {
  Timestamp t;
  t.offset = offset;
  t.abbr = std::move(abbr);
  return t;
}

void normalise(int64_t& sec, int64_t& nsec) {
  if (nsec < 0 || nsec >= kNanosPerSec) {
    sec += floor_div(nsec, kNanosPerSec);
    nsec = floor_mod(nsec, kNanosPerSec);
  }
}

// Go's norm: moves whole multiples of base from lo into hi so that 0 <= lo < base.
void norm(int64_t& hi, int64_t& lo, int64_t base) {
  hi += floor_div(lo, base);
  lo = floor_mod(lo, base);
}

// time.Date: civil fields (normalised when out of range) in the location of `loc`.
Timestamp make_date(int64_t year, int64_t month, int64_t day, int64_t hour, int64_t min,
                    int64_t sec, int64_t nsec, const Timestamp& loc) {
  int64_t m = month - 1;
  norm(year, m, 12);
  norm(sec, nsec, kNanosPerSec);
  norm(min, sec, 60);
  norm(hour, min, 60);
  norm(day, hour, 24);
  int64_t days = days_from_civil(year, static_cast<int>(m + 1), 1) + (day - 1);
  int64_t unix = days * 86400 + hour * 3600 + min * 60 + sec;
  Location l = location_of(loc);
  if (l.fixed) {
    unix -= l.offset;
  } else {
    // Look up the offset as if the wall clock were UTC, then correct when the result falls
    // outside the validity of that offset (near a transition), as Go does.
    ZoneInfo z = tz_info(l.tz, unix);
    if (z.offset != 0) {
      int64_t utc = unix - z.offset;
      if (utc < z.begin || utc >= z.end) z = tz_info(l.tz, utc);
      unix -= z.offset;
    }
  }
  return at_instant(unix, nsec, loc);
}

struct Fields {
  int64_t year;
  int month, day, hour, minute, second, nsec;
  int yday;     // 1..366
  int weekday;  // 0 = Sunday
  int64_t days; // days since the epoch (local)
  ZoneInfo zone;
};

// `abbrev` false: the zone's abbreviation is left empty for a fixed offset (a layout without a
// zone name element does not show it); `yday` false: the day of the year is left 0.
Fields fields_of(const Timestamp& t, bool abbrev = true, bool yday = true) {
  Fields f{};
  if (t.zone.empty()) { // a fixed offset (info_at of a fixed location, without copying it)
    f.zone.offset = t.offset;
    if (abbrev) f.zone.abbrev = t.abbr.empty() && t.offset == 0 ? std::string("UTC") : t.abbr;
  } else {
    f.zone = info_at(location_of(t), t.sec);
  }
  int64_t local = t.sec + f.zone.offset;
  f.days = floor_div(local, 86400);
  int64_t secs = local - f.days * 86400;
  Ymd ymd = civil_from_days(f.days);
  f.year = ymd.year;
  f.month = ymd.month;
  f.day = ymd.day;
  f.hour = static_cast<int>(secs / 3600);
  f.minute = static_cast<int>(secs / 60 % 60);
  f.second = static_cast<int>(secs % 60);
  f.nsec = t.nsec;
  if (yday) f.yday = static_cast<int>(f.days - days_from_civil(f.year, 1, 1)) + 1;
  f.weekday = static_cast<int>(floor_mod(f.days + 4, 7));
  return f;
}

// ISO 8601 week-numbering year and week (Go's ISOWeek).
std::pair<int64_t, int> iso_week(const Fields& f) {
  int wday = (f.weekday + 6) % 7; // Monday = 0
  int64_t thursday = f.days - wday + 3;
  Ymd y = civil_from_days(thursday);
  int64_t yday = thursday - days_from_civil(y.year, 1, 1);
  return {y.year, static_cast<int>(yday / 7 + 1)};
}

// Go's strconv-free quote used by time errors: printable ASCII kept, '"' and '\' escaped, other
// bytes as \xNN.
std::string go_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c >= 0x80 || c < ' ') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += static_cast<char>(c);
  }
  out += '"';
  return out;
}

// %q of a byte in Go: 'x' (with escapes for the rare special ones).
std::string go_quote_byte(char c) {
  if (c == '\'') return "'\\''";
  if (c == '\\') return "'\\\\'";
  if (static_cast<unsigned char>(c) < ' ' || static_cast<unsigned char>(c) >= 0x7f) {
    static constexpr char kHex[] = "0123456789abcdef";
    auto u = static_cast<unsigned char>(c);
    switch (c) {
    case '\n':
      return "'\\n'";
    case '\t':
      return "'\\t'";
    case '\r':
      return "'\\r'";
    default:
      break;
    }
    std::string s = "'\\x";
    s += kHex[u >> 4];
    s += kHex[u & 0xF];
    return s + "'";
  }
  return std::string("'") + c + "'";
}

// Output into a caller's buffer, with the parts of std::string's interface the layout writers
// use: nothing is allocated, and a write that does not fit sets `overflow` (the caller then
// formats into a std::string instead).
struct BufOut {
  char* data;
  size_t cap;
  size_t n = 0;
  bool overflow = false;
  void append(const char* s, size_t len) {
    if (len > cap - n) {
      overflow = true;
      return;
    }
    std::memcpy(data + n, s, len);
    n += len;
  }
  void append(const char* b, const char* e) { append(b, static_cast<size_t>(e - b)); }
  BufOut& operator+=(char c) {
    if (n == cap)
      overflow = true;
    else
      data[n++] = c;
    return *this;
  }
  BufOut& operator+=(std::string_view s) {
    append(s.data(), s.size());
    return *this;
  }
  size_t size() const { return n; }
  void resize(size_t m) { // shrinks only (fractional seconds)
    if (!overflow && m <= n) n = m;
  }
  char back() const { return data[n - 1]; }
  void pop_back() { --n; }
};

// Go's appendInt: decimal, zero-padded to width (the sign not counted).
template <class Out> void append_int(Out& b, int64_t x, int width) {
  // The common fields (two-digit month/day/hour..., four-digit year) without the general loop.
  if (width == 2 && x >= 0 && x < 100) {
    const char d[2] = {static_cast<char>('0' + x / 10), static_cast<char>('0' + x % 10)};
    b.append(d, 2);
    return;
  }
  if (width <= 4 && x >= 1000 && x < 10000) {
    const char d[4] = {static_cast<char>('0' + x / 1000), static_cast<char>('0' + x / 100 % 10),
                       static_cast<char>('0' + x / 10 % 10), static_cast<char>('0' + x % 10)};
    b.append(d, 4);
    return;
  }
  uint64_t u = static_cast<uint64_t>(x);
  if (x < 0) {
    b += '-';
    u = 0 - u;
  }
  char buf[24];
  char* end = buf + sizeof buf;
  char* p = end;
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  for (int pad = width - static_cast<int>(end - p); pad > 0; --pad)
    b += '0';
  b.append(p, end);
}

// =================================================================================================
// Go layouts
// =================================================================================================
enum Std : int {
  kStdNone = 0,
  kStdLongMonth,
  kStdMonth,
  kStdNumMonth,
  kStdZeroMonth,
  kStdLongWeekDay,
  kStdWeekDay,
  kStdDay,
  kStdUnderDay,
  kStdZeroDay,
  kStdUnderYearDay,
  kStdZeroYearDay,
  kStdHour,
  kStdHour12,
  kStdZeroHour12,
  kStdMinute,
  kStdZeroMinute,
  kStdSecond,
  kStdZeroSecond,
  kStdLongYear,
  kStdYear,
  kStdPM,
  kStdpm,
  kStdTZ,
  kStdISO8601TZ,
  kStdISO8601SecondsTZ,
  kStdISO8601ShortTZ,
  kStdISO8601ColonTZ,
  kStdISO8601ColonSecondsTZ,
  kStdNumTZ,
  kStdNumSecondsTz,
  kStdNumShortTZ,
  kStdNumColonTZ,
  kStdNumColonSecondsTZ,
  kStdFracSecond0,
  kStdFracSecond9,
};

struct Chunk {
  std::string_view prefix;
  Std std = kStdNone;
  int frac_digits = 0; // fractional seconds: number of digits
  char frac_sep = '.'; // and the separator
  std::string_view stdstr;
  std::string_view suffix;
};

bool starts_with_lower(std::string_view s) {
  return !s.empty() && s[0] >= 'a' && s[0] <= 'z';
}
bool is_digit_at(std::string_view s, size_t i) {
  return i < s.size() && s[i] >= '0' && s[i] <= '9';
}

// Finds the first layout element of `layout` (Go's nextStdChunk).
Chunk next_chunk(std::string_view layout) {
  auto make = [&](size_t i, Std std, size_t len) {
    Chunk c;
    c.prefix = layout.substr(0, i);
    c.std = std;
    c.stdstr = layout.substr(i, len);
    c.suffix = layout.substr(i + len);
    return c;
  };
  auto at = [&](size_t i, std::string_view s) { return layout.substr(i, s.size()) == s; };
  for (size_t i = 0; i < layout.size(); ++i) {
    char c = layout[i];
    switch (c) {
    case 'J':
      if (at(i, "Jan")) {
        if (at(i, "January")) return make(i, kStdLongMonth, 7);
        if (!starts_with_lower(layout.substr(i + 3))) return make(i, kStdMonth, 3);
      }
      break;
    case 'M':
      if (layout.size() >= i + 3) {
        if (at(i, "Mon")) {
          if (at(i, "Monday")) return make(i, kStdLongWeekDay, 6);
          if (!starts_with_lower(layout.substr(i + 3))) return make(i, kStdWeekDay, 3);
        }
        if (at(i, "MST")) return make(i, kStdTZ, 3);
      }
      break;
    case '0':
      if (layout.size() >= i + 2 && layout[i + 1] >= '1' && layout[i + 1] <= '6') {
        static constexpr Std kStd0x[] = {kStdZeroMonth,  kStdZeroDay,    kStdZeroHour12,
                                         kStdZeroMinute, kStdZeroSecond, kStdYear};
        return make(i, kStd0x[layout[i + 1] - '1'], 2);
      }
      if (at(i, "002")) return make(i, kStdZeroYearDay, 3);
      break;
    case '1':
      if (layout.size() >= i + 2 && layout[i + 1] == '5') return make(i, kStdHour, 2);
      return make(i, kStdNumMonth, 1);
    case '2':
      if (at(i, "2006")) return make(i, kStdLongYear, 4);
      return make(i, kStdDay, 1);
    case '_':
      if (layout.size() >= i + 2 && layout[i + 1] == '2') {
        // _2006 is a literal _ followed by the long year.
        if (at(i + 1, "2006")) return make(i + 1, kStdLongYear, 4);
        return make(i, kStdUnderDay, 2);
      }
      if (at(i, "__2")) return make(i, kStdUnderYearDay, 3);
      break;
    case '3':
      return make(i, kStdHour12, 1);
    case '4':
      return make(i, kStdMinute, 1);
    case '5':
      return make(i, kStdSecond, 1);
    case 'P':
      if (layout.size() >= i + 2 && layout[i + 1] == 'M') return make(i, kStdPM, 2);
      break;
    case 'p':
      if (layout.size() >= i + 2 && layout[i + 1] == 'm') return make(i, kStdpm, 2);
      break;
    case '-':
      if (at(i, "-070000")) return make(i, kStdNumSecondsTz, 7);
      if (at(i, "-07:00:00")) return make(i, kStdNumColonSecondsTZ, 9);
      if (at(i, "-0700")) return make(i, kStdNumTZ, 5);
      if (at(i, "-07:00")) return make(i, kStdNumColonTZ, 6);
      if (at(i, "-07")) return make(i, kStdNumShortTZ, 3);
      break;
    case 'Z':
      if (at(i, "Z070000")) return make(i, kStdISO8601SecondsTZ, 7);
      if (at(i, "Z07:00:00")) return make(i, kStdISO8601ColonSecondsTZ, 9);
      if (at(i, "Z0700")) return make(i, kStdISO8601TZ, 5);
      if (at(i, "Z07:00")) return make(i, kStdISO8601ColonTZ, 6);
      if (at(i, "Z07")) return make(i, kStdISO8601ShortTZ, 3);
      break;
    case '.':
    case ',':
      if (i + 1 < layout.size() && (layout[i + 1] == '0' || layout[i + 1] == '9')) {
        char ch = layout[i + 1];
        size_t j = i + 1;
        while (j < layout.size() && layout[j] == ch)
          ++j;
        // The run of digits must end here: only a fractional second is all digits.
        if (!is_digit_at(layout, j)) {
          Chunk out = make(i, ch == '0' ? kStdFracSecond0 : kStdFracSecond9, j - i);
          out.frac_digits = static_cast<int>(j - (i + 1));
          out.frac_sep = c;
          return out;
        }
      }
      break;
    default:
      break;
    }
  }
  Chunk none;
  none.prefix = layout;
  return none;
}

template <class Out> void append_nano(Out& b, int nsec, const Chunk& c) {
  bool trim = c.std == kStdFracSecond9;
  int n = c.frac_digits;
  if (trim && (n == 0 || nsec == 0)) return;
  size_t start = b.size();
  b += c.frac_sep;
  append_int(b, nsec, 9);
  if (n < 9) b.resize(b.size() - 9 + static_cast<size_t>(n));
  if (trim) {
    while (b.size() > start && b.back() == '0')
      b.pop_back();
    if (b.size() > start && b.back() == c.frac_sep) b.pop_back();
  }
}

// --- Go parse
// -------------------------------------------------------------------------------------
struct BadValue {}; // Go's errBad: replaced by a ParseError naming the element

int getnum(std::string_view& s, bool fixed) {
  if (!is_digit_at(s, 0)) throw BadValue{};
  if (!is_digit_at(s, 1)) {
    if (fixed) throw BadValue{};
    int v = s[0] - '0';
    s.remove_prefix(1);
    return v;
  }
  int v = (s[0] - '0') * 10 + (s[1] - '0');
  s.remove_prefix(2);
  return v;
}

int getnum3(std::string_view& s, bool fixed) {
  int n = 0;
  size_t i = 0;
  for (; i < 3 && is_digit_at(s, i); ++i)
    n = n * 10 + (s[i] - '0');
  if (i == 0 || (fixed && i != 3)) throw BadValue{};
  s.remove_prefix(i);
  return n;
}

// Go's leadingInt: consumes [0-9]*; false on overflow.
bool leading_int(std::string_view& s, uint64_t& x) {
  x = 0;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') break;
    if (x > (1ULL << 63) / 10) return false;
    x = x * 10 + static_cast<uint64_t>(c - '0');
    if (x > (1ULL << 63)) return false;
  }
  s.remove_prefix(i);
  return true;
}

// Go's time atoi: optional sign, digits, nothing else.
bool go_atoi(std::string_view s, int64_t& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  uint64_t q;
  if (!leading_int(s, q) || !s.empty()) return false;
  out = static_cast<int64_t>(q);
  if (neg) out = -out;
  return true;
}

bool comma_or_period(char c) {
  return c == '.' || c == ',';
}

// Parses value[0:nbytes] (a separator and digits) as nanoseconds.
int parse_nanoseconds(std::string_view value, size_t nbytes, std::string& range_err) {
  if (!comma_or_period(value[0])) throw BadValue{};
  if (nbytes > 10) nbytes = 10;
  int64_t ns;
  if (!go_atoi(value.substr(1, nbytes - 1), ns)) throw BadValue{};
  if (ns < 0) {
    range_err = "fractional second";
    return 0;
  }
  for (size_t i = 0; i < 10 - nbytes; ++i)
    ns *= 10;
  return static_cast<int>(ns);
}

bool lookup_name(std::string_view& value, const auto& table, int& index) {
  for (size_t i = 0; i < table.size(); ++i) {
    std::string_view v = table[i];
    if (value.size() < v.size()) continue;
    bool ok = true;
    for (size_t k = 0; k < v.size(); ++k) {
      unsigned char c1 = static_cast<unsigned char>(value[k]);
      unsigned char c2 = static_cast<unsigned char>(v[k]);
      if (c1 != c2) {
        c1 |= 'a' - 'A';
        c2 |= 'a' - 'A';
        if (c1 != c2 || c1 < 'a' || c1 > 'z') {
          ok = false;
          break;
        }
      }
    }
    if (ok) {
      index = static_cast<int>(i);
      value.remove_prefix(v.size());
      return true;
    }
  }
  return false;
}

size_t parse_signed_offset(std::string_view value) {
  if (value.empty() || (value[0] != '-' && value[0] != '+')) return 0;
  std::string_view rest = value.substr(1);
  uint64_t x;
  std::string_view before = rest;
  if (!leading_int(rest, x) || rest.size() == before.size()) return 0;
  if (x > 23) return 0;
  return value.size() - rest.size();
}

// Length of a zone abbreviation at the start of value, or 0 (Go's parseTimeZone).
size_t parse_time_zone(std::string_view value) {
  if (value.size() < 3) return 0;
  if (value.size() >= 4 && (value.substr(0, 4) == "ChST" || value.substr(0, 4) == "MeST")) return 4;
  if (value.substr(0, 3) == "GMT") {
    std::string_view rest = value.substr(3);
    if (rest.empty()) return 3;
    return 3 + parse_signed_offset(rest);
  }
  if (value[0] == '+' || value[0] == '-') return parse_signed_offset(value);
  size_t n = 0;
  for (; n < 6; ++n) {
    if (n >= value.size()) break;
    if (value[n] < 'A' || value[n] > 'Z') break;
  }
  switch (n) {
  case 5:
    if (value[4] == 'T') return 5;
    break;
  case 4:
    if (value[3] == 'T' || value.substr(0, 4) == "WITA") return 4;
    break;
  case 3:
    return 3;
  default:
    break;
  }
  return 0;
}

// Go's skip: removes prefix from value, runs of spaces matching runs of spaces.
bool skip(std::string_view& value, std::string_view prefix) {
  while (!prefix.empty()) {
    if (prefix[0] == ' ') {
      if (!value.empty() && value[0] != ' ') return false;
      while (!prefix.empty() && prefix[0] == ' ')
        prefix.remove_prefix(1);
      while (!value.empty() && value[0] == ' ')
        value.remove_prefix(1);
      continue;
    }
    if (value.empty() || value[0] != prefix[0]) return false;
    prefix.remove_prefix(1);
    value.remove_prefix(1);
  }
  return true;
}

[[noreturn]] void parse_error(std::string_view layout, std::string_view value,
                              std::string_view elem, std::string_view value_elem,
                              std::string_view message) {
  if (message.empty()) {
    throw EvalError("parsing time " + go_quote(value) + " as " + go_quote(layout) +
                    ": cannot parse " + go_quote(value_elem) + " as " + go_quote(elem));
  }
  throw EvalError("parsing time " + go_quote(value) + std::string(message));
}

// The offset of the zone named `name` in `local` around the instant (Go's lookupName).
std::optional<int32_t> local_lookup_name(const Timestamp& local, std::string_view name,
                                         int64_t unix) {
  Location loc = location_of(local);
  if (loc.fixed) {
    ZoneInfo z = info_at(loc, unix);
    if (z.abbrev == name) return z.offset;
    return std::nullopt;
  }
  // Zones in effect around that time (the tz database cannot list every zone a location ever
  // used; half a year either side covers daylight saving).
  constexpr int64_t kHalfYear = 183 * 86400;
  std::optional<int32_t> fallback;
  for (int64_t probe : {unix, unix - kHalfYear, unix + kHalfYear}) {
    ZoneInfo z = tz_info(loc.tz, probe);
    if (z.abbrev != name) continue;
    ZoneInfo actual = tz_info(loc.tz, unix - z.offset);
    if (actual.abbrev == name) return actual.offset;
    if (!fallback) fallback = z.offset;
  }
  return fallback;
}

Timestamp go_parse(std::string_view layout, std::string_view value, const Timestamp& default_loc,
                   const Timestamp& local) {
  const std::string_view alayout = layout, avalue = value;
  std::string range_err;
  bool am_set = false, pm_set = false;
  int64_t year = 0;
  int month = -1, day = -1, yday = -1, hour = 0, min = 0, sec = 0, nsec = 0;
  bool utc = false;
  int zone_offset = -1;
  bool have_offset = false;
  std::string zone_name;

  for (;;) {
    Chunk c = next_chunk(layout);
    if (!skip(value, c.prefix)) parse_error(alayout, avalue, c.prefix, value, "");
    if (c.std == kStdNone) {
      if (!value.empty())
        parse_error(alayout, avalue, "", value, ": extra text: " + go_quote(value));
      break;
    }
    layout = c.suffix;
    const std::string_view hold = value;
    bool bad = false;
    try {
      switch (c.std) {
      case kStdYear: {
        if (value.size() < 2) throw BadValue{};
        int64_t y;
        if (!go_atoi(value.substr(0, 2), y)) throw BadValue{};
        value.remove_prefix(2);
        year = y >= 69 ? y + 1900 : y + 2000;
        break;
      }
      case kStdLongYear: {
        if (value.size() < 4 || !is_digit_at(value, 0)) throw BadValue{};
        if (!go_atoi(value.substr(0, 4), year)) throw BadValue{};
        value.remove_prefix(4);
        break;
      }
      case kStdMonth:
      case kStdLongMonth: {
        int idx;
        bool ok = c.std == kStdMonth ? lookup_name(value, kShortMonths, idx)
                                     : lookup_name(value, kLongMonths, idx);
        if (!ok) throw BadValue{};
        month = idx + 1;
        break;
      }
      case kStdNumMonth:
      case kStdZeroMonth:
        month = getnum(value, c.std == kStdZeroMonth);
        if (month <= 0 || month > 12) range_err = "month";
        break;
      case kStdWeekDay:
      case kStdLongWeekDay: {
        int idx;
        bool ok = c.std == kStdWeekDay ? lookup_name(value, kShortDays, idx)
                                       : lookup_name(value, kLongDays, idx);
        if (!ok) throw BadValue{};
        break;
      }
      case kStdDay:
      case kStdUnderDay:
      case kStdZeroDay:
        if (c.std == kStdUnderDay && !value.empty() && value[0] == ' ') value.remove_prefix(1);
        day = getnum(value, c.std == kStdZeroDay);
        break;
      case kStdUnderYearDay:
      case kStdZeroYearDay:
        for (int i = 0; i < 2; ++i)
          if (c.std == kStdUnderYearDay && !value.empty() && value[0] == ' ')
            value.remove_prefix(1);
        yday = getnum3(value, c.std == kStdZeroYearDay);
        break;
      case kStdHour:
        hour = getnum(value, false);
        if (hour < 0 || hour >= 24) range_err = "hour";
        break;
      case kStdHour12:
      case kStdZeroHour12:
        hour = getnum(value, c.std == kStdZeroHour12);
        if (hour < 0 || hour > 12) range_err = "hour";
        break;
      case kStdMinute:
      case kStdZeroMinute:
        min = getnum(value, c.std == kStdZeroMinute);
        if (min < 0 || min >= 60) range_err = "minute";
        break;
      case kStdSecond:
      case kStdZeroSecond: {
        sec = getnum(value, c.std == kStdZeroSecond);
        if (sec < 0 || sec >= 60) {
          range_err = "second";
          break;
        }
        // A fractional second in the value that the layout does not mention.
        if (value.size() >= 2 && comma_or_period(value[0]) && is_digit_at(value, 1)) {
          Chunk next = next_chunk(layout);
          if (next.std == kStdFracSecond0 || next.std == kStdFracSecond9) break;
          size_t n = 2;
          while (n < value.size() && is_digit_at(value, n))
            ++n;
          nsec = parse_nanoseconds(value, n, range_err);
          value.remove_prefix(n);
        }
        break;
      }
      case kStdPM:
      case kStdpm: {
        if (value.size() < 2) throw BadValue{};
        std::string_view p = value.substr(0, 2);
        value.remove_prefix(2);
        if (p == (c.std == kStdPM ? "PM" : "pm")) {
          pm_set = true;
        } else if (p == (c.std == kStdPM ? "AM" : "am")) {
          am_set = true;
        } else {
          throw BadValue{};
        }
        break;
      }
      case kStdISO8601TZ:
      case kStdISO8601ShortTZ:
      case kStdISO8601ColonTZ:
      case kStdISO8601SecondsTZ:
      case kStdISO8601ColonSecondsTZ:
        if (!value.empty() && value[0] == 'Z') {
          value.remove_prefix(1);
          utc = true;
          break;
        }
        [[fallthrough]];
      case kStdNumTZ:
      case kStdNumShortTZ:
      case kStdNumColonTZ:
      case kStdNumSecondsTz:
      case kStdNumColonSecondsTZ: {
        std::string_view sign, hh, mm, ss;
        if (c.std == kStdISO8601ColonTZ || c.std == kStdNumColonTZ) {
          if (value.size() < 6 || value[3] != ':') throw BadValue{};
          sign = value.substr(0, 1), hh = value.substr(1, 2), mm = value.substr(4, 2), ss = "00";
          value.remove_prefix(6);
        } else if (c.std == kStdNumShortTZ || c.std == kStdISO8601ShortTZ) {
          if (value.size() < 3) throw BadValue{};
          sign = value.substr(0, 1), hh = value.substr(1, 2), mm = "00", ss = "00";
          value.remove_prefix(3);
        } else if (c.std == kStdISO8601ColonSecondsTZ || c.std == kStdNumColonSecondsTZ) {
          if (value.size() < 9 || value[3] != ':' || value[6] != ':') throw BadValue{};
          sign = value.substr(0, 1), hh = value.substr(1, 2), mm = value.substr(4, 2),
          ss = value.substr(7, 2);
          value.remove_prefix(9);
        } else if (c.std == kStdISO8601SecondsTZ || c.std == kStdNumSecondsTz) {
          if (value.size() < 7) throw BadValue{};
          sign = value.substr(0, 1), hh = value.substr(1, 2), mm = value.substr(3, 2),
          ss = value.substr(5, 2);
          value.remove_prefix(7);
        } else {
          if (value.size() < 5) throw BadValue{};
          sign = value.substr(0, 1), hh = value.substr(1, 2), mm = value.substr(3, 2), ss = "00";
          value.remove_prefix(5);
        }
        int hr = getnum(hh, true);
        int mi = getnum(mm, true);
        int se = getnum(ss, true);
        if (hr > 24) range_err = "time zone offset hour";
        if (mi > 60) range_err = "time zone offset minute";
        if (se > 60) range_err = "time zone offset second";
        zone_offset = (hr * 60 + mi) * 60 + se;
        if (sign[0] == '-') {
          zone_offset = -zone_offset;
        } else if (sign[0] != '+') {
          throw BadValue{};
        }
        have_offset = true;
        break;
      }
      case kStdTZ: {
        if (value.size() >= 3 && value.substr(0, 3) == "UTC") {
          utc = true;
          value.remove_prefix(3);
          break;
        }
        size_t n = parse_time_zone(value);
        if (n == 0) throw BadValue{};
        zone_name = std::string(value.substr(0, n));
        value.remove_prefix(n);
        break;
      }
      case kStdFracSecond0: {
        size_t ndigit = 1 + static_cast<size_t>(c.frac_digits);
        if (value.size() < ndigit) throw BadValue{};
        nsec = parse_nanoseconds(value, ndigit, range_err);
        value.remove_prefix(ndigit);
        break;
      }
      case kStdFracSecond9: {
        if (value.size() < 2 || !comma_or_period(value[0]) || value[1] < '0' || value[1] > '9')
          break; // omitted
        size_t i = 0;
        while (i + 1 < value.size() && value[i + 1] >= '0' && value[i + 1] <= '9')
          ++i;
        nsec = parse_nanoseconds(value, 1 + i, range_err);
        value.remove_prefix(1 + i);
        break;
      }
      default:
        break;
      }
    } catch (const BadValue&) {
      bad = true;
    }
    if (!range_err.empty())
      parse_error(alayout, avalue, c.stdstr, value, ": " + range_err + " out of range");
    if (bad) parse_error(alayout, avalue, c.stdstr, hold, "");
  }
  if (pm_set && hour < 12) {
    hour += 12;
  } else if (am_set && hour == 12) {
    hour = 0;
  }

  if (yday >= 0) {
    int d = 0, m = 0;
    if (is_leap(year)) {
      if (yday == 31 + 29) {
        m = 2;
        d = 29;
      } else if (yday > 31 + 29) {
        --yday;
      }
    }
    if (yday < 1 || yday > 365)
      parse_error(alayout, avalue, "", value, ": day-of-year out of range");
    if (m == 0) {
      static constexpr int kBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};
      m = (yday - 1) / 31 + 1;
      if (kBefore[m] < yday) ++m;
      d = yday - kBefore[m - 1];
    }
    if (month >= 0 && month != m)
      parse_error(alayout, avalue, "", value, ": day-of-year does not match month");
    month = m;
    if (day >= 0 && day != d)
      parse_error(alayout, avalue, "", value, ": day-of-year does not match day");
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > days_in(month, year))
    parse_error(alayout, avalue, "", value, ": day out of range");

  if (utc) return make_date(year, month, day, hour, min, sec, nsec, utc_shell());
  if (have_offset) {
    Timestamp t = make_date(year, month, day, hour, min, sec, nsec, utc_shell());
    t.sec -= zone_offset;
    ZoneInfo lz = info_at(location_of(local), t.sec);
    if (lz.offset == zone_offset && (zone_name.empty() || lz.abbrev == zone_name))
      return at_instant(t.sec, t.nsec, local);
    return at_instant(t.sec, t.nsec, fixed_shell(zone_offset, zone_name));
  }
  if (!zone_name.empty()) {
    Timestamp t = make_date(year, month, day, hour, min, sec, nsec, utc_shell());
    if (auto off = local_lookup_name(local, zone_name, t.sec)) {
      return at_instant(t.sec - *off, t.nsec, local);
    }
    int32_t offset = 0;
    if (zone_name.size() > 3 && zone_name.substr(0, 3) == "GMT") {
      int64_t h = 0;
      go_atoi(std::string_view(zone_name).substr(3), h);
      offset = static_cast<int32_t>(h * 3600);
    }
    return at_instant(t.sec, t.nsec, fixed_shell(offset, zone_name));
  }
  return make_date(year, month, day, hour, min, sec, nsec, default_loc);
}

// =================================================================================================
// strftime (itchyny/timefmt-go)
// =================================================================================================
// Padding byte encoding: below 0x80 = the directive's default; kNoPad = "-" flag; otherwise an
// explicit pad character with the high bit set.
constexpr unsigned char kMask = 0x7F;
constexpr unsigned char kNoPad = 0x80;

void sf_append_int64(std::string& b, int64_t num, int width, unsigned char padding) {
  if (padding == kNoPad) {
    b += std::to_string(num);
    return;
  }
  char pad = static_cast<char>(padding & kMask);
  std::string digits = std::to_string(num);
  int fill = std::max(0, width - static_cast<int>(digits.size()));
  if (num < 0 && pad == '0') {
    b += '-';
    b.append(static_cast<size_t>(fill), '0');
    b += digits.substr(1);
    return;
  }
  b.append(static_cast<size_t>(fill), pad);
  b += digits;
}

void sf_append_int(std::string& b, int64_t num, int width, unsigned char padding) {
  if (num < 0 || num >= 10000) {
    sf_append_int64(b, num, width, padding);
    return;
  }
  std::string digits = std::to_string(num);
  if (padding != kNoPad) {
    char pad = static_cast<char>(padding & kMask);
    for (int w = width; w > static_cast<int>(digits.size()); --w)
      b += pad;
  }
  b += digits;
}

void sf_append_string(std::string& b, std::string_view s, int width, unsigned char padding,
                      bool upper, bool swap) {
  if (width > static_cast<int>(s.size()) && padding != kNoPad) {
    char pad = padding < kNoPad ? ' ' : static_cast<char>(padding & kMask);
    b.append(static_cast<size_t>(width) - s.size(), pad);
  }
  if (swap) {
    if (s.size() > 1 && s[1] < 'a') {
      for (char ch : s)
        b += static_cast<char>(ch | 0x20);
      return;
    }
    upper = true;
  }
  if (upper) {
    for (char ch : s)
      b += static_cast<char>(ch & 0x5F);
    return;
  }
  b += s;
}

// Writes the directive text from its last '%' up to `end` as it is (unknown directives).
void sf_append_last(std::string& b, std::string_view format, int width, unsigned char padding) {
  auto pos = format.rfind('%');
  if (pos != std::string_view::npos)
    sf_append_string(b, format.substr(pos), width, padding, false, false);
}

std::string_view composition(char c) {
  switch (c) {
  case 'c':
    return "a b e H:M:S Y";
  case '+':
    return "a b e H:M:S Z Y";
  case 'v':
    return "e-b-Y";
  case 'r':
    return "I:M:S p";
  case 'F':
    return "Y-m-d";
  case 'D':
  case 'x':
    return "m/d/y";
  case 'T':
  case 'X':
    return "H:M:S";
  case 'R':
    return "H:M";
  default:
    return {};
  }
}

void sf_append_zone(std::string& b, const Fields& f, char which, int width, unsigned char padding,
                    bool upper, bool swap, int colons) {
  if (which == 'Z' && !f.zone.abbrev.empty()) {
    sf_append_string(b, f.zone.abbrev, width, padding, upper, swap);
    return;
  }
  int offset = f.zone.offset;
  std::string body;
  body += offset < 0 ? '-' : '+';
  if (offset < 0) offset = -offset;
  std::string hours;
  sf_append_int(hours, offset / 3600, 2, padding);
  body += hours;
  int rest = offset % 3600;
  if (colons <= 2 || rest != 0) {
    if (colons != 0) body += ':';
    append_int(body, rest / 60, 2);
    rest %= 60;
    if (colons == 2 || (colons == 3 && rest != 0)) {
      body += ':';
      append_int(body, rest, 2);
    }
  }
  // A space-padded hour puts the sign next to the digits.
  if (body.size() > 1 && body[1] == ' ') std::swap(body[0], body[1]);
  int fill = padding == kNoPad ? 0 : std::max(0, width - static_cast<int>(body.size()));
  char pad = static_cast<char>(padding & kMask);
  if (fill > 0 && pad == '0') {
    b += body[0];
    b.append(static_cast<size_t>(fill), '0');
    b += body.substr(1);
    return;
  }
  b.append(static_cast<size_t>(fill), pad);
  b += body;
}

// =================================================================================================
// strptime
// =================================================================================================
struct StrptimeError {
  std::string reason;
};

int sp_number(std::string_view source, size_t& j, size_t size, char directive) {
  size_t end = std::min(source.size(), j + size);
  size_t i = j;
  int val = 0;
  for (; i < end && source[i] >= '0' && source[i] <= '9'; ++i)
    val = val * 10 + (source[i] - '0');
  if (i == j) throw StrptimeError{std::string("cannot parse %") + directive};
  j = i;
  return val;
}

int sp_lookup(std::string_view source, size_t& j, const auto& candidates, char directive) {
  for (size_t i = 0; i < candidates.size(); ++i) {
    std::string_view xs = candidates[i];
    size_t k = j;
    bool ok = true;
    for (char x : xs) {
      if (k >= source.size()) {
        ok = false;
        break;
      }
      char y = source[k];
      if (x != y && (x | ('a' - 'A')) != (y | ('a' - 'A'))) {
        ok = false;
        break;
      }
      ++k;
    }
    if (ok) {
      j = k;
      return static_cast<int>(i) + 1;
    }
  }
  throw StrptimeError{std::string("cannot parse %") + directive};
}

std::string z_error(int colons) {
  switch (colons) {
  case 0:
    return "cannot parse %z";
  case 1:
    return "cannot parse %:z";
  default:
    return "cannot parse %::z";
  }
}

} // namespace

// =================================================================================================
// Public API
// =================================================================================================
ZoneAt zone_at(const Timestamp& t) {
  ZoneInfo z = info_at(location_of(t), t.sec);
  return {z.offset, z.abbrev};
}

Timestamp at_instant(int64_t sec, int64_t nsec, const Timestamp& loc) {
  normalise(sec, nsec);
  Timestamp t;
  t.sec = sec;
  t.nsec = static_cast<int32_t>(nsec);
  t.zone = loc.zone == "UTC" ? std::string() : loc.zone;
  t.abbr = t.zone.empty() ? loc.abbr : std::string();
  if (t.zone.empty()) {
    t.offset = loc.zone == "UTC" ? 0 : loc.offset;
  } else {
    t.offset = info_at(location_of(t), sec).offset;
  }
  return t;
}

void check_location(std::string_view name) {
  if (name.empty() || name == "UTC" || name == "Local") return;
  if (name.find("..") != std::string_view::npos || name[0] == '/' || name[0] == '\\')
    throw EvalError("time: invalid location name");
  if (lookup_zone(std::string(name)) == nullptr)
    throw EvalError("unknown time zone " + std::string(name));
}

Timestamp in_location(const Timestamp& t, std::string_view name) {
  check_location(name);
  Timestamp loc;
  if (name == "Local") {
    loc.zone = "Local";
  } else if (!name.empty() && name != "UTC") {
    loc.zone = std::string(name);
  }
  return at_instant(t.sec, t.nsec, loc);
}

Timestamp unix_local(int64_t sec, int64_t nsec) {
  return at_instant(sec, nsec, local_shell());
}

Timestamp now() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return unix_local(floor_div(ns, kNanosPerSec), floor_mod(ns, kNanosPerSec));
}

Timestamp add(const Timestamp& t, int64_t nanos) {
  int64_t sec = t.sec + nanos / kNanosPerSec;
  int64_t nsec = t.nsec + nanos % kNanosPerSec;
  return at_instant(sec, nsec, t);
}

Timestamp add_date(const Timestamp& t, int64_t years, int64_t months, int64_t days) {
  Fields f = fields_of(t);
  return make_date(f.year + years, f.month + months, f.day + days, f.hour, f.minute, f.second,
                   f.nsec, t);
}

int64_t sub(const Timestamp& t1, const Timestamp& t2) {
  i128 d = (static_cast<i128>(t1.sec) - t2.sec) * kNanosPerSec + (t1.nsec - t2.nsec);
  if (d > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (d < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

Timestamp round(const Timestamp& t, int64_t nanos) {
  if (nanos <= 0) return t;
  i128 abs = (static_cast<i128>(t.sec) + kUnixToInternal) * kNanosPerSec + t.nsec;
  i128 r = abs % nanos;
  if (r < 0) r += nanos;
  if (r + r < nanos) return add(t, -static_cast<int64_t>(r));
  return add(t, nanos - static_cast<int64_t>(r));
}

int64_t unix_nano(const Timestamp& t) {
  return static_cast<int64_t>(static_cast<uint64_t>(t.sec) * kNanosPerSec +
                              static_cast<uint64_t>(t.nsec));
}
int64_t unix_micro(const Timestamp& t) {
  return t.sec * 1'000'000 + t.nsec / 1000;
}
int64_t unix_milli(const Timestamp& t) {
  return t.sec * 1000 + t.nsec / 1'000'000;
}

namespace {
// Writes one layout element of t (its fields f) to b (the body of Go's Time.AppendFormat loop).
template <class Out> void append_std(Out& b, const Fields& f, const Chunk& c) {
  switch (c.std) {
  case kStdYear:
    append_int(b, (f.year < 0 ? -f.year : f.year) % 100, 2);
    break;
  case kStdLongYear:
    append_int(b, f.year, 4);
    break;
  case kStdMonth:
    b += kShortMonths[static_cast<size_t>(f.month - 1)];
    break;
  case kStdLongMonth:
    b += kLongMonths[static_cast<size_t>(f.month - 1)];
    break;
  case kStdNumMonth:
    append_int(b, f.month, 0);
    break;
  case kStdZeroMonth:
    append_int(b, f.month, 2);
    break;
  case kStdWeekDay:
    b += kShortDays[static_cast<size_t>(f.weekday)];
    break;
  case kStdLongWeekDay:
    b += kLongDays[static_cast<size_t>(f.weekday)];
    break;
  case kStdDay:
    append_int(b, f.day, 0);
    break;
  case kStdUnderDay:
    if (f.day < 10) b += ' ';
    append_int(b, f.day, 0);
    break;
  case kStdZeroDay:
    append_int(b, f.day, 2);
    break;
  case kStdUnderYearDay:
    if (f.yday < 100) {
      b += ' ';
      if (f.yday < 10) b += ' ';
    }
    append_int(b, f.yday, 0);
    break;
  case kStdZeroYearDay:
    append_int(b, f.yday, 3);
    break;
  case kStdHour:
    append_int(b, f.hour, 2);
    break;
  case kStdHour12:
  case kStdZeroHour12: {
    int hr = f.hour % 12;
    if (hr == 0) hr = 12;
    append_int(b, hr, c.std == kStdZeroHour12 ? 2 : 0);
    break;
  }
  case kStdMinute:
    append_int(b, f.minute, 0);
    break;
  case kStdZeroMinute:
    append_int(b, f.minute, 2);
    break;
  case kStdSecond:
    append_int(b, f.second, 0);
    break;
  case kStdZeroSecond:
    append_int(b, f.second, 2);
    break;
  case kStdPM:
    b += f.hour >= 12 ? "PM" : "AM";
    break;
  case kStdpm:
    b += f.hour >= 12 ? "pm" : "am";
    break;
  case kStdISO8601TZ:
  case kStdISO8601ColonTZ:
  case kStdISO8601SecondsTZ:
  case kStdISO8601ShortTZ:
  case kStdISO8601ColonSecondsTZ:
  case kStdNumTZ:
  case kStdNumColonTZ:
  case kStdNumSecondsTz:
  case kStdNumShortTZ:
  case kStdNumColonSecondsTZ: {
    int offset = f.zone.offset;
    bool iso = c.std == kStdISO8601TZ || c.std == kStdISO8601ColonTZ ||
               c.std == kStdISO8601SecondsTZ || c.std == kStdISO8601ShortTZ ||
               c.std == kStdISO8601ColonSecondsTZ;
    if (offset == 0 && iso) {
      b += 'Z';
      break;
    }
    int zone = offset / 60;
    int absoffset = offset;
    if (zone < 0) {
      b += '-';
      zone = -zone;
      absoffset = -absoffset;
    } else {
      b += '+';
    }
    append_int(b, zone / 60, 2);
    if (c.std == kStdISO8601ColonTZ || c.std == kStdNumColonTZ ||
        c.std == kStdISO8601ColonSecondsTZ || c.std == kStdNumColonSecondsTZ)
      b += ':';
    if (c.std != kStdNumShortTZ && c.std != kStdISO8601ShortTZ) append_int(b, zone % 60, 2);
    if (c.std == kStdISO8601SecondsTZ || c.std == kStdNumSecondsTz ||
        c.std == kStdNumColonSecondsTZ || c.std == kStdISO8601ColonSecondsTZ) {
      if (c.std == kStdNumColonSecondsTZ || c.std == kStdISO8601ColonSecondsTZ) b += ':';
      append_int(b, absoffset % 60, 2);
    }
    break;
  }
  case kStdTZ: {
    if (!f.zone.abbrev.empty()) {
      b += f.zone.abbrev;
      break;
    }
    int zone = f.zone.offset / 60;
    if (zone < 0) {
      b += '-';
      zone = -zone;
    } else {
      b += '+';
    }
    append_int(b, zone / 60, 2);
    append_int(b, zone % 60, 2);
    break;
  }
  case kStdFracSecond0:
  case kStdFracSecond9:
    append_nano(b, f.nsec, c);
    break;
  default:
    break;
  }
}
} // namespace

struct Layout {
  std::string text;
  std::vector<Chunk> chunks;    // views into text; the last one may have no element
  bool shows_zone_name = false; // has the "MST" element (needs the zone's abbreviation)
  bool shows_year_day = false;  // has a day-of-year element ("002", "__2")
};

std::shared_ptr<const Layout> compile_layout(std::string_view layout) {
  auto out = std::make_shared<Layout>();
  out->text = std::string(layout);
  std::string_view rest = out->text;
  while (!rest.empty()) {
    Chunk c = next_chunk(rest);
    out->chunks.push_back(c);
    if (c.std == kStdNone) break;
    if (c.std == kStdTZ) out->shows_zone_name = true;
    if (c.std == kStdUnderYearDay || c.std == kStdZeroYearDay) out->shows_year_day = true;
    rest = c.suffix;
  }
  return out;
}

size_t format_to(char* buf, size_t cap, const Timestamp& t, const Layout& layout) {
  const Fields f = fields_of(t, layout.shows_zone_name, layout.shows_year_day);
  BufOut b{buf, cap};
  for (const Chunk& c : layout.chunks) {
    b += c.prefix;
    if (c.std == kStdNone) break;
    append_std(b, f, c);
  }
  return b.overflow ? std::string::npos : b.n;
}

std::string_view layout_text(const Layout& l) {
  return l.text;
}

std::string format(const Timestamp& t, const Layout& layout) {
  const Fields f = fields_of(t, layout.shows_zone_name, layout.shows_year_day);
  std::string b;
  // Short layouts ("2006-01-02") fit the string's inline buffer: no allocation.
  if (layout.text.size() > 12) b.reserve(layout.text.size() + 10);
  for (const Chunk& c : layout.chunks) {
    b += c.prefix;
    if (c.std == kStdNone) break;
    append_std(b, f, c);
  }
  return b;
}

std::string format(const Timestamp& t, std::string_view layout) {
  const Fields f = fields_of(t);
  std::string b;
  b.reserve(layout.size() + 10);
  while (!layout.empty()) {
    Chunk c = next_chunk(layout);
    b += c.prefix;
    if (c.std == kStdNone) break;
    layout = c.suffix;
    append_std(b, f, c);
  }
  return b;
}

Timestamp parse(std::string_view layout, std::string_view value) {
  return go_parse(layout, value, utc_shell(), local_shell());
}

std::string strftime(const Timestamp& t, std::string_view format) {
  const Fields f = fields_of(t);
  std::string b;
  std::string_view pending;
  int colons = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    char ch = format[i];
    if (ch != '%') {
      b += ch;
      continue;
    }
    if (++i == format.size()) {
      b += '%';
      break;
    }
    ch = format[i];
    int width = 0;
    unsigned char padding = '0';
    bool upper = false, swap = false;
    bool done = false;
    while (!done) {
      done = true;
      switch (ch) {
      case '-':
      case '_':
      case '^':
      case '#':
      case '0':
        if (ch == '-' && !pending.empty()) {
          b += '-';
          break;
        }
        if (++i == format.size()) {
          sf_append_last(b, format, width, padding);
          return b;
        }
        if (ch == '-') padding = kNoPad;
        if (ch == '_') padding = ' ' | kNoPad;
        if (ch == '0') padding = '0' | kNoPad;
        if (ch == '^') upper = true;
        if (ch == '#') swap = true;
        ch = format[i];
        done = false;
        break;
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
      case '8':
      case '9':
        width = ch - '0';
        for (++i; i < format.size(); ++i) {
          char d = format[i];
          if (d < '0' || d > '9') break;
          width = std::min(width * 10 + (d - '0'), 1024);
        }
        if (padding == kNoPad) padding = ' ' | kNoPad;
        if (i == format.size()) {
          sf_append_last(b, format, width, padding);
          return b;
        }
        ch = format[i];
        done = false;
        break;
      case 'Y':
        sf_append_int(b, f.year, width != 0 ? width : 4, padding);
        break;
      case 'y': {
        int64_t y = f.year % 100;
        sf_append_int(b, y < 0 ? -y : y, std::max(width, 2), padding);
        break;
      }
      case 'C': {
        int64_t c = f.year / 100;
        bool z = f.year < 0 && c == 0;
        if (z) c = -1;
        sf_append_int(b, c, std::max(width, 2), padding);
        if (z) b.back() = '0';
        break;
      }
      case 'g': {
        int64_t y = iso_week(f).first % 100;
        sf_append_int(b, y < 0 ? -y : y, std::max(width, 2), padding);
        break;
      }
      case 'G':
        sf_append_int(b, iso_week(f).first, width != 0 ? width : 4, padding);
        break;
      case 'm':
        sf_append_int(b, f.month, std::max(width, 2), padding);
        break;
      case 'B':
        sf_append_string(b, kLongMonths[static_cast<size_t>(f.month - 1)], width, padding, upper,
                         swap);
        break;
      case 'b':
      case 'h':
        sf_append_string(b, kShortMonths[static_cast<size_t>(f.month - 1)], width, padding, upper,
                         swap);
        break;
      case 'A':
        sf_append_string(b, kLongDays[static_cast<size_t>(f.weekday)], width, padding, upper, swap);
        break;
      case 'a':
        sf_append_string(b, kShortDays[static_cast<size_t>(f.weekday)], width, padding, upper,
                         swap);
        break;
      case 'w':
        sf_append_int(b, f.weekday, width, padding);
        break;
      case 'u':
        sf_append_int(b, f.weekday != 0 ? f.weekday : 7, width, padding);
        break;
      case 'V':
        sf_append_int(b, iso_week(f).second, std::max(width, 2), padding);
        break;
      case 'U':
        sf_append_int(b, (f.yday + 6 - f.weekday) / 7, std::max(width, 2), padding);
        break;
      case 'W': {
        int week = f.yday;
        if (f.weekday > 0) week -= f.weekday - 7;
        sf_append_int(b, week / 7, std::max(width, 2), padding);
        break;
      }
      case 'e':
      case 'd':
        if (ch == 'e' && padding < kNoPad) padding = ' ';
        sf_append_int(b, f.day, std::max(width, 2), padding);
        break;
      case 'j':
        sf_append_int(b, f.yday, std::max(width, 3), padding);
        break;
      case 'k':
      case 'H':
        if (ch == 'k' && padding < kNoPad) padding = ' ';
        sf_append_int(b, f.hour, std::max(width, 2), padding);
        break;
      case 'l':
      case 'I':
        if (ch == 'l' && padding < kNoPad) padding = ' ';
        sf_append_int(b, f.hour % 12 != 0 ? f.hour % 12 : 12, std::max(width, 2), padding);
        break;
      case 'P':
      case 'p':
        if (ch == 'P') swap = !(upper || swap);
        sf_append_string(b, f.hour < 12 ? "AM" : "PM", width, padding, upper, swap);
        break;
      case 'M':
        sf_append_int(b, f.minute, std::max(width, 2), padding);
        break;
      case 'S':
        sf_append_int(b, f.second, std::max(width, 2), padding);
        break;
      case 's':
        if (padding < kNoPad) padding = ' ';
        sf_append_int64(b, t.sec, width, padding);
        break;
      case 'f':
        sf_append_int(b, f.nsec / 1000, width != 0 ? width : 6, padding);
        break;
      case 'Z':
      case 'z':
        sf_append_zone(b, f, ch, width, padding, upper, swap, colons);
        colons = 0;
        break;
      case ':':
        if (!pending.empty()) {
          b += ':';
          break;
        }
        colons = 1;
        for (++i; i < format.size(); ++i) {
          if (format[i] == ':') {
            ++colons;
            continue;
          }
          break;
        }
        if (i < format.size() && format[i] == 'z' && colons <= 3) {
          ch = 'z';
          done = false;
          break;
        }
        if (i < format.size() && format[i] == 'z') ++i; // too many colons: written as is
        sf_append_last(b, format.substr(0, i), width, padding);
        --i;
        colons = 0;
        break;
      case 't':
        sf_append_string(b, "\t", width, padding, false, false);
        break;
      case 'n':
        sf_append_string(b, "\n", width, padding, false, false);
        break;
      case '%':
        sf_append_string(b, "%", width, padding, false, false);
        break;
      default: {
        std::string_view comp = composition(ch);
        if (!comp.empty()) {
          if (ch == 'c' || ch == '+' || ch == 'v' || ch == 'r') swap = false;
          pending = comp;
          break;
        }
        if (pending.empty()) sf_append_last(b, format.substr(0, i), width - 1, padding);
        b += ch;
        break;
      }
      }
      if (done && !pending.empty()) {
        ch = pending[0];
        pending.remove_prefix(1);
        width = 0;
        padding = '0';
        done = false;
        // Composition members are directives, except the separators between them.
        if (ch == ' ' || ch == '/') {
          b += ch;
          done = true;
          while (done && !pending.empty()) {
            ch = pending[0];
            pending.remove_prefix(1);
            if (ch == ' ' || ch == '/') {
              b += ch;
            } else {
              done = false;
            }
          }
        }
      }
    }
  }
  return b;
}

Timestamp strptime(std::string_view source, std::string_view format) {
  int64_t year = 1900;
  int month = 1, day = 1, hour = 0, min = 0, sec = 0, nsec = 0;
  Timestamp loc = utc_shell();
  size_t j = 0;
  int century = 0, yday = 0, colons = 0;
  bool pm = false;
  std::string_view pending;
  const size_t l = source.size();
  try {
    for (size_t i = 0; i < format.size(); ++i) {
      char b = format[i];
      if (b != '%') {
        if (j >= l || source[j] != b) throw StrptimeError{"expected " + go_quote_byte(b)};
        ++j;
        continue;
      }
      if (++i == format.size()) throw StrptimeError{"stray %"};
      b = format[i];
      for (;;) {
        switch (b) {
        case 'Y':
          year = sp_number(source, j, 4, 'Y');
          break;
        case 'y':
          year = sp_number(source, j, 2, 'y');
          year += year < 69 ? 2000 : 1900;
          break;
        case 'C':
          century = sp_number(source, j, 2, 'C');
          break;
        case 'g':
          year = sp_number(source, j, 2, b) + 2000;
          break;
        case 'G':
          year = sp_number(source, j, 4, b);
          break;
        case 'm':
          month = sp_number(source, j, 2, 'm');
          break;
        case 'B':
          month = sp_lookup(source, j, kLongMonths, 'B');
          break;
        case 'b':
        case 'h':
          month = sp_lookup(source, j, kShortMonths, b);
          break;
        case 'A':
          sp_lookup(source, j, kLongDays, 'A');
          break;
        case 'a':
          sp_lookup(source, j, kShortDays, 'a');
          break;
        case 'w':
          if (j >= l || source[j] < '0' || source[j] > '6') throw StrptimeError{"cannot parse %w"};
          ++j;
          break;
        case 'u':
          if (j >= l || source[j] < '1' || source[j] > '7') throw StrptimeError{"cannot parse %u"};
          ++j;
          break;
        case 'V':
        case 'U':
        case 'W':
          sp_number(source, j, 2, b);
          break;
        case 'e':
        case 'd':
          if (b == 'e' && j < l && source[j] == ' ') ++j;
          day = sp_number(source, j, 2, b);
          break;
        case 'j':
          yday = sp_number(source, j, 3, 'j');
          break;
        case 'k':
        case 'H':
          if (b == 'k' && j < l && source[j] == ' ') ++j;
          hour = sp_number(source, j, 2, b);
          break;
        case 'l':
        case 'I':
          if (b == 'l' && j < l && source[j] == ' ') ++j;
          hour = sp_number(source, j, 2, b);
          if (hour == 12) hour = 0;
          break;
        case 'p':
        case 'P': {
          static constexpr std::array<std::string_view, 2> kAmPm = {"AM", "PM"};
          pm = sp_lookup(source, j, kAmPm, 'p') == 2;
          break;
        }
        case 'M':
          min = sp_number(source, j, 2, 'M');
          break;
        case 'S':
          sec = sp_number(source, j, 2, 'S');
          break;
        case 's': {
          int64_t unix = sp_number(source, j, 10, 's');
          Fields f = fields_of(at_instant(unix, 0, utc_shell()));
          year = f.year;
          month = f.month;
          day = f.day;
          hour = f.hour;
          min = f.minute;
          sec = f.second;
          break;
        }
        case 'f': {
          size_t start = j;
          int usec = sp_number(source, j, 6, 'f');
          nsec = usec * 1000;
          for (size_t d = j - start; d < 6; ++d)
            nsec *= 10;
          break;
        }
        case 'Z': {
          size_t k = j;
          while (k < l && source[k] >= 'A' && source[k] <= 'Z')
            ++k;
          try {
            loc = go_parse("MST", source.substr(j, k - j), local_shell(), local_shell());
          } catch (const EvalError&) {
            throw StrptimeError{"cannot parse " + go_quote(source.substr(j, k - j)) +
                                " with \"%Z\""};
          }
          j = k;
          break;
        }
        case 'z': {
          if (j >= l) throw StrptimeError{z_error(colons)};
          int sign = 1;
          switch (source[j]) {
          case '-':
          case '+': {
            if (source[j] == '-') sign = -1;
            size_t k = j + 1;
            int hh = 0, mm = 0, ss = 0;
            try {
              hh = sp_number(source, k, 2, 'z');
            } catch (const StrptimeError&) {
              k = 0;
            }
            if (k != j + 3) throw StrptimeError{z_error(colons)};
            j = k;
            if (j >= l || source[j] != ':') {
              if (colons == 1) throw StrptimeError{"expected ':' for %:z"};
              if (colons == 2) throw StrptimeError{"expected ':' for %::z"};
            } else {
              ++j;
              if (colons == 0) colons = 4;
            }
            k = j;
            try {
              mm = sp_number(source, k, 2, 'z');
            } catch (const StrptimeError&) {
              k = j;
            }
            if (k != j + 2) {
              if (colons != 0) throw StrptimeError{z_error(colons & 3)};
              k = j;
              mm = 0;
            }
            j = k;
            if (colons > 1) {
              if (j >= l || source[j] != ':') {
                if (colons == 2) throw StrptimeError{"expected ':' for %::z"};
              } else {
                size_t s = j + 1;
                int parsed = 0;
                try {
                  parsed = sp_number(source, s, 2, 'z');
                } catch (const StrptimeError&) {
                  s = 0;
                }
                if (s != j + 3) {
                  if (colons == 2) throw StrptimeError{z_error(colons)};
                } else {
                  ss = parsed;
                  j = s;
                }
              }
            }
            loc = fixed_shell(sign * ((hh * 60 + mm) * 60 + ss), "");
            colons = 0;
            break;
          }
          case 'Z':
            loc = utc_shell();
            colons = 0;
            ++j;
            break;
          default:
            throw StrptimeError{z_error(colons)};
          }
          break;
        }
        case ':':
          if (!pending.empty()) {
            if (j >= l || source[j] != b) throw StrptimeError{"expected " + go_quote_byte(b)};
            ++j;
            break;
          }
          if (++i == format.size()) throw StrptimeError{"expected 'z' after \"%:\""};
          b = format[i];
          if (b == 'z') {
            colons = 1;
          } else if (b != ':') {
            throw StrptimeError{"expected 'z' after \"%:\""};
          } else if (++i == format.size()) {
            throw StrptimeError{"expected 'z' after \"%::\""};
          } else if (b = format[i]; b == 'z') {
            colons = 2;
          } else {
            throw StrptimeError{"expected 'z' after \"%::\""};
          }
          continue; // handle the 'z'
        case 't':
        case 'n': {
          size_t k = j;
          while (k < l && (source[k] == ' ' || source[k] == '\t' || source[k] == '\n' ||
                           source[k] == '\v' || source[k] == '\f' || source[k] == '\r'))
            ++k;
          if (k == j) throw StrptimeError{std::string("expected a space for %") + b};
          j = k;
          break;
        }
        case '%':
          if (j >= l || source[j] != b) throw StrptimeError{"expected " + go_quote_byte(b)};
          ++j;
          break;
        default:
          if (pending.empty()) {
            std::string_view comp = composition(b);
            if (!comp.empty()) {
              pending = comp;
              break;
            }
            throw StrptimeError{std::string("unexpected format: \"%") + b + "\""};
          }
          if (j >= l || source[j] != b) throw StrptimeError{"expected " + go_quote_byte(b)};
          ++j;
          break;
        }
        if (pending.empty()) break;
        b = pending[0];
        pending.remove_prefix(1);
      }
    }
    if (j < l) throw StrptimeError{"unconverted string: " + go_quote(source.substr(j))};
  } catch (const StrptimeError& e) {
    throw EvalError("failed to parse " + go_quote(source) + " with " + go_quote(format) + ": " +
                    e.reason);
  }
  if (pm) hour += 12;
  if (century > 0) year = century * 100 + year % 100;
  if (yday > 0) {
    Timestamp t = make_date(year, 1, 1, hour, min, sec, nsec, loc);
    return add_date(t, 0, 0, yday - 1);
  }
  return make_date(year, month, day, hour, min, sec, nsec, loc);
}

int64_t parse_duration(std::string_view s) {
  const std::string orig(s);
  auto invalid = [&]() { return EvalError("time: invalid duration " + go_quote(orig)); };
  uint64_t d = 0;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) throw invalid();
  while (!s.empty()) {
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) throw invalid();
    size_t before = s.size();
    uint64_t v;
    if (!leading_int(s, v)) throw invalid();
    bool pre = before != s.size();
    uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t i = 0;
      bool overflow = false;
      for (; i < s.size(); ++i) {
        char c = s[i];
        if (c < '0' || c > '9') break;
        if (overflow) continue;
        if (f > ((1ULL << 63) - 1) / 10) {
          overflow = true;
          continue;
        }
        uint64_t y = f * 10 + static_cast<uint64_t>(c - '0');
        if (y > (1ULL << 63)) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = i > 0;
      s.remove_prefix(i);
    }
    if (!pre && !post) throw invalid();
    size_t i = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c == '.' || (c >= '0' && c <= '9')) break;
    }
    if (i == 0) throw EvalError("time: missing unit in duration " + go_quote(orig));
    std::string_view u = s.substr(0, i);
    s.remove_prefix(i);
    uint64_t unit;
    if (u == "ns") {
      unit = 1;
    } else if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") {
      unit = 1000;
    } else if (u == "ms") {
      unit = 1'000'000;
    } else if (u == "s") {
      unit = 1'000'000'000;
    } else if (u == "m") {
      unit = 60'000'000'000ULL;
    } else if (u == "h") {
      unit = 3'600'000'000'000ULL;
    } else {
      throw EvalError("time: unknown unit " + go_quote(u) + " in duration " + go_quote(orig));
    }
    if (v > (1ULL << 63) / unit) throw invalid();
    v *= unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > (1ULL << 63)) throw invalid();
    }
    d += v;
    if (d > (1ULL << 63)) throw invalid();
  }
  if (neg) return static_cast<int64_t>(0 - d);
  if (d > (1ULL << 63) - 1) throw invalid();
  return static_cast<int64_t>(d);
}

Period parse_period(std::string_view s) {
  const std::string orig(s);
  if (s.empty()) throw EvalError("cannot parse a blank string as a period");
  Period p;
  if (s[0] == '-') {
    p.neg = true;
    s.remove_prefix(1);
  } else if (s[0] == '+') {
    s.remove_prefix(1);
  }
  if (s == "P0Y" || s == "P0M" || s == "P0W" || s == "P0D" || s == "PT0H" || s == "PT0M" ||
      s == "PT0S")
    return Period{};
  if (s.empty()) throw EvalError("cannot parse a blank string as a period");
  if (s[0] != 'P') throw EvalError(orig + ": expected 'P' period mark at the start");
  s.remove_prefix(1);

  enum State { kUnready, kArmed, kSet };
  State years = kArmed, months = kArmed, weeks = kArmed, days = kArmed;
  State hours = kUnready, minutes = kUnready, seconds = kUnready;
  bool have_fraction = false;
  char previous = 0;
  int components = 0;
  bool is_hms = false;
  while (!s.empty()) {
    if (s[0] == 'T') {
      if (is_hms) throw EvalError(orig + ": 'T' designator cannot occur more than once");
      is_hms = true;
      years = months = weeks = days = kUnready;
      hours = minutes = seconds = kArmed;
      s.remove_prefix(1);
      continue;
    }
    // A number: an optional leading '-', digits and one '.' or ','.
    std::string number;
    size_t i = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (i == 0 && c == '-') {
        number += c;
      } else if (c == '.' || c == ',') {
        number += '.';
      } else if (c >= '0' && c <= '9') {
        number += c;
      } else {
        break;
      }
    }
    if (number.empty()) throw EvalError(orig + ": expected a number but found '" + s[0] + "'");
    if (i == s.size()) throw EvalError(orig + ": missing designator at the end");
    // The decimal: at most 19 significant digits.
    Period::Field field;
    {
      std::string_view n = number;
      bool negative = false;
      if (!n.empty() && n[0] == '-') {
        negative = true;
        n.remove_prefix(1);
      }
      auto dot = n.find('.');
      std::string_view whole = n.substr(0, dot);
      std::string_view frac =
          dot == std::string_view::npos ? std::string_view() : n.substr(dot + 1);
      bool ok = !(whole.empty() && frac.empty()) && frac.find('.') == std::string_view::npos &&
                (dot == std::string_view::npos || !frac.empty());
      std::string digits = std::string(whole) + std::string(frac);
      size_t first = digits.find_first_not_of('0');
      if (first != std::string::npos && digits.size() - first > 19) ok = false;
      if (frac.size() > 19) ok = false;
      if (!ok) throw EvalError(orig + ": number invalid or out of range");
      uint64_t coef = 0;
      for (char c : digits)
        coef = coef * 10 + static_cast<uint64_t>(c - '0');
      if (coef > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw EvalError(orig + ": number invalid or out of range");
      field.coef = negative ? -static_cast<int64_t>(coef) : static_cast<int64_t>(coef);
      field.scale = static_cast<int>(frac.size());
    }
    char des = s[i];
    s.remove_prefix(i + 1);
    State* state = nullptr;
    Period::Field* target = nullptr;
    switch (des) {
    case 'S':
      state = &seconds, target = &p.seconds;
      break;
    case 'H':
      state = &hours, target = &p.hours;
      break;
    case 'D':
      state = &days, target = &p.days;
      break;
    case 'W':
      state = &weeks, target = &p.weeks;
      break;
    case 'Y':
      state = &years, target = &p.years;
      break;
    case 'M':
      if (is_hms) {
        state = &minutes, target = &p.minutes;
      } else {
        state = &months, target = &p.months;
      }
      break;
    default:
      throw EvalError(orig + ": expected a designator Y, M, W, D, H, or S not '" + des + "'");
    }
    if (have_fraction && field.coef != 0)
      throw EvalError(orig + ": '" + previous + "' & '" + des +
                      "' only the last field can have a fraction");
    if (*state == kUnready) throw EvalError(orig + ": '" + des + "' designator cannot occur here");
    if (*state == kSet)
      throw EvalError(orig + ": '" + des + "' designator cannot occur more than once");
    *state = kSet;
    *target = field;
    ++components;
    if (field.scale > 0) {
      have_fraction = true;
      previous = des;
    }
  }
  if (components == 0)
    throw EvalError(orig + ": expected 'Y', 'M', 'W', 'D', 'H', 'M', or 'S' designator");
  return p;
}

namespace {

// A field scaled to `factor` units per whole (Go: fieldDuration).
int64_t field_duration(const Period::Field& f, int64_t factor) {
  if (f.coef == 0) return 0;
  for (int i = f.scale; i > 0; --i)
    factor /= 10;
  return f.coef * factor;
}

constexpr int64_t kDaysPerYearE6 = 365'242'500;
constexpr int64_t kDaysPerMonthE6 = kDaysPerYearE6 / 12;

int64_t days_e9(const Period& p) {
  return field_duration(p.days, 1'000'000'000) + field_duration(p.weeks, 7'000'000'000) +
         field_duration(p.months, kDaysPerMonthE6 * 1000) +
         field_duration(p.years, kDaysPerYearE6 * 1000);
}

int64_t hms_nanos(const Period& p) {
  return field_duration(p.hours, 3'600'000'000'000) + field_duration(p.minutes, 60'000'000'000) +
         field_duration(p.seconds, 1'000'000'000);
}

bool is_zero(const Period::Field& f) {
  return f.coef == 0;
}

} // namespace

int64_t period_duration(const Period& p) {
  int64_t total = days_e9(p) * 86400 + hms_nanos(p);
  return p.neg ? -total : total;
}

Timestamp add_period(const Timestamp& t, const Period& p, bool negate) {
  bool neg = p.neg != negate;
  bool zero_calendar = is_zero(p.years) && is_zero(p.months) && is_zero(p.weeks) && is_zero(p.days);
  bool whole = p.years.scale == 0 && p.months.scale == 0 && p.weeks.scale == 0 && p.days.scale == 0;
  if (!zero_calendar && whole) {
    int64_t sign = neg ? -1 : 1;
    Timestamp moved = add_date(t, sign * p.years.coef, sign * p.months.coef,
                               sign * (7 * p.weeks.coef + p.days.coef));
    return add(moved, sign * hms_nanos(p));
  }
  int64_t d = days_e9(p) * 86400 + hms_nanos(p);
  return add(t, neg ? -d : d);
}

} // namespace plugctl::bloblang::timefmt
