// Standard library: "Timestamp Manipulation" methods (Go layouts, strftime, durations, ISO 8601
// periods, zones), their deprecated predecessors, and the clock functions. The formats
// themselves live in timefmt.cpp.
#include "bloblang/registry.hpp"
#include "bloblang/timefmt.hpp"

#include <stdexcept>

namespace plugctl::bloblang {
namespace {

constexpr const char* kTime = "Timestamp Manipulation";
constexpr const char* kEnvironment = "Environment";

Example ex(std::string mapping, std::vector<std::pair<std::string, std::string>> results,
           std::string summary = {}) {
  return Example{std::move(mapping), std::move(results), std::move(summary)};
}

// Every method here is one Benthos registers through its plugin API: errors are not annotated
// with the target, and deprecated ones are listed under "Deprecated".
bool register_time_method(Spec spec, MethodImpl impl, Prepare prepare = {}) {
  spec.errors = ErrorStyle::Plain;
  if (spec.status == "deprecated") spec.category = "Deprecated";
  return register_method(std::move(spec), std::move(impl), std::move(prepare));
}

// Benthos's StringMethod / TimestampMethod input coercions.
std::string string_input(const Value& v) {
  switch (v.kind()) {
  case Value::Kind::String:
  case Value::Kind::Bytes:
  case Value::Kind::Timestamp:
    return v.get_string();
  default:
    throw TypeError(v, {"string"});
  }
}

Timestamp timestamp_input(const Value& v) {
  return v.get_timestamp();
}

// A location argument validated the way the methods report it.
std::string location_arg(std::string_view name) {
  try {
    timefmt::check_location(name);
  } catch (const EvalError& e) {
    throw EvalError(std::string("failed to parse timezone location name: ") + e.what());
  }
  return std::string(name);
}

// Prepare for an optional literal zone argument at `index`: a bad zone fails at parse time.
Prepare zone_prepare(size_t index) {
  return [index](const Args& literal) -> std::shared_ptr<const void> {
    if (literal.has(index)) {
      try {
        location_arg(literal.string(index));
      } catch (const std::exception& e) {
        throw std::invalid_argument(e.what());
      }
    }
    return nullptr;
  };
}

Timestamp maybe_in_zone(const Timestamp& t, const Args& args, size_t index) {
  if (!args.has(index)) return t;
  return timefmt::in_location(t, location_arg(args.string(index)));
}

// --- round / zone / ISO 8601 arithmetic --------------------------------------------------------
const bool kTsRound = register_time_method(
    {.name = "ts_round",
     .category = kTime,
     .description = "Rounds a timestamp to the nearest multiple of the specified duration. Halfway "
                    "values round up. Accepts unix timestamps (seconds with optional decimal "
                    "precision) or RFC 3339 formatted strings.",
     .status = "beta",
     .params = {{.name = "duration",
                 .type = ParamType::Int,
                 .description = "A duration measured in nanoseconds to round by."}},
     .examples = {ex(R"(root.created_at_hour = this.created_at.ts_round("1h".parse_duration()))",
                     {{R"({"created_at":"2020-08-14T05:54:23Z"})",
                       R"({"created_at_hour":"2020-08-14T06:00:00Z"})"}},
                     "Round timestamp to the nearest hour."),
                  ex(R"(root.created_at_minute = this.created_at.ts_round("1m".parse_duration()))",
                     {{R"({"created_at":"2020-08-14T05:54:23Z"})",
                       R"({"created_at_minute":"2020-08-14T05:54:00Z"})"}},
                     "Round timestamp to the nearest minute.")}},
    [](ExecContext&, const Value& v, const Args& args) {
      int64_t d = args.integer(0);
      return Value::timestamp(timefmt::round(timestamp_input(v), d));
    });

const bool kTsTz = register_time_method(
    {.name = "ts_tz",
     .category = kTime,
     .description = "Converts a timestamp to a different timezone while preserving the moment in "
                    "time. Accepts unix timestamps (seconds with optional decimal precision) or "
                    "RFC 3339 formatted strings.",
     .status = "beta",
     .params = {{.name = "tz",
                 .type = ParamType::String,
                 .description = "The timezone to change to. Use \"UTC\" for UTC, \"Local\" for "
                                "local timezone, or an IANA Time Zone database location name "
                                "like \"America/New_York\"."}},
     .examples = {ex(R"(root.created_at_utc = this.created_at.ts_tz("UTC"))",
                     {{R"({"created_at":"2021-02-03T17:05:06+01:00"})",
                       R"({"created_at_utc":"2021-02-03T16:05:06Z"})"}},
                     "Convert timestamp to UTC timezone."),
                  ex(R"(root.created_at_ny = this.created_at.ts_tz("America/New_York"))",
                     {{R"({"created_at":"2021-02-03T16:05:06Z"})",
                       R"({"created_at_ny":"2021-02-03T11:05:06-05:00"})"}},
                     "Convert timestamp to a specific timezone.")}},
    [](ExecContext&, const Value& v, const Args& args) {
      std::string zone = location_arg(args.string(0));
      return Value::timestamp(timefmt::in_location(timestamp_input(v), zone));
    },
    zone_prepare(0));

// The period of ts_add_iso8601 / ts_sub_iso8601, parsed once when it is a literal.
Prepare period_prepare() {
  return [](const Args& literal) -> std::shared_ptr<const void> {
    if (!literal.has(0)) return nullptr;
    try {
      return std::make_shared<timefmt::Period>(timefmt::parse_period(literal.string(0)));
    } catch (const std::exception& e) {
      throw std::invalid_argument(e.what());
    }
  };
}

Value shift_by_period(const Value& v, const Args& args, bool negate) {
  timefmt::Period period;
  if (const auto* cached = static_cast<const timefmt::Period*>(args.state())) {
    period = *cached;
  } else {
    period = timefmt::parse_period(args.string(0));
  }
  return Value::timestamp(timefmt::add_period(timestamp_input(v), period, negate));
}

const bool kTsAddIso = register_time_method(
    {.name = "ts_add_iso8601",
     .category = kTime,
     .description = "Adds an ISO 8601 duration to a timestamp with calendar-aware precision for "
                    "years, months, and days. Useful when you need to add durations that account "
                    "for variable month lengths or leap years.",
     .status = "beta",
     .params = {{.name = "duration",
                 .type = ParamType::String,
                 .description = "Duration in ISO 8601 format (e.g., \"P1Y2M3D\" for 1 year, 2 "
                                "months, 3 days)"}},
     .examples = {ex(R"(root.next_year = this.created_at.ts_add_iso8601("P1Y"))",
                     {{R"({"created_at":"2020-08-14T05:54:23Z"})",
                       R"({"next_year":"2021-08-14T05:54:23Z"})"}},
                     "Add one year to a timestamp."),
                  ex(R"(root.future_date = this.created_at.ts_add_iso8601("P1Y2M3DT4H5M6S"))",
                     {{R"({"created_at":"2020-01-01T00:00:00Z"})",
                       R"({"future_date":"2021-03-04T04:05:06Z"})"}},
                     "Add a complex duration with multiple units.")}},
    [](ExecContext&, const Value& v, const Args& args) { return shift_by_period(v, args, false); },
    period_prepare());

const bool kTsSubIso = register_time_method(
    {.name = "ts_sub_iso8601",
     .category = kTime,
     .description = "Subtracts an ISO 8601 duration from a timestamp with calendar-aware "
                    "precision for years, months, and days. Useful when you need to subtract "
                    "durations that account for variable month lengths or leap years.",
     .status = "beta",
     .params = {{.name = "duration",
                 .type = ParamType::String,
                 .description = "Duration in ISO 8601 format (e.g., \"P1Y2M3D\" for 1 year, 2 "
                                "months, 3 days)"}},
     .examples = {ex(R"(root.last_year = this.created_at.ts_sub_iso8601("P1Y"))",
                     {{R"({"created_at":"2020-08-14T05:54:23Z"})",
                       R"({"last_year":"2019-08-14T05:54:23Z"})"}},
                     "Subtract one year from a timestamp."),
                  ex(R"(root.past_date = this.created_at.ts_sub_iso8601("P1Y2M3DT4H5M6S"))",
                     {{R"({"created_at":"2021-03-04T04:05:06Z"})",
                       R"({"past_date":"2020-01-01T00:00:00Z"})"}},
                     "Subtract a complex duration with multiple units.")}},
    [](ExecContext&, const Value& v, const Args& args) { return shift_by_period(v, args, true); },
    period_prepare());

const bool kTsSub = register_time_method(
    {.name = "ts_sub",
     .category = kTime,
     .description = "Calculates the duration in nanoseconds between two timestamps (t1 - t2). "
                    "Returns a signed integer: positive if t1 is after t2, negative if t1 is "
                    "before t2. Use .abs() for absolute duration.",
     .status = "beta",
     .params = {{.name = "t2",
                 .type = ParamType::Timestamp,
                 .description = "The timestamp to subtract from the target timestamp."}},
     .examples = {ex(R"(root.between = this.started_at.ts_sub("2020-08-14T05:54:23Z").abs())",
                     {{R"({"started_at":"2020-08-13T05:54:23Z"})",
                       R"({"between":86400000000000})"}},
                     "Calculate absolute duration between two timestamps."),
                  ex("root.duration_ns = this.end_time.ts_sub(this.start_time)",
                     {{R"({"start_time":"2020-08-14T10:00:00Z","end_time":"2020-08-14T11:30:00Z"})",
                       R"({"duration_ns":5400000000000})"}},
                     "Calculate signed duration (can be negative).")}},
    [](ExecContext&, const Value& v, const Args& args) {
      Timestamp t2 = args[0].get_timestamp();
      return Value::integer(timefmt::sub(timestamp_input(v), t2));
    });

// --- durations -----------------------------------------------------------------------------------
const bool kParseDuration = register_time_method(
    {.name = "parse_duration",
     .category = kTime,
     .description = "Parses a Go-style duration string into nanoseconds. A duration string is a "
                    "signed sequence of decimal numbers with unit suffixes like \"300ms\", "
                    "\"-1.5h\", or \"2h45m\". Valid units: \"ns\", \"us\" (or \"µs\"), \"ms\", "
                    "\"s\", \"m\", \"h\".",
     .examples = {ex("root.delay_for_ns = this.delay_for.parse_duration()",
                     {{R"({"delay_for":"50us"})", R"({"delay_for_ns":50000})"}},
                     "Parse microseconds to nanoseconds."),
                  ex("root.delay_for_s = this.delay_for.parse_duration() / 1000000000",
                     {{R"({"delay_for":"2h"})", R"({"delay_for_s":7200})"}},
                     "Parse hours to seconds.")}},
    [](ExecContext&, const Value& v, const Args&) {
      return Value::integer(timefmt::parse_duration(string_input(v)));
    });

const bool kParseDurationIso = register_time_method(
    {.name = "parse_duration_iso8601",
     .category = kTime,
     .description = "Parses an ISO 8601 duration string into nanoseconds. Format: "
                    "\"P[n]Y[n]M[n]DT[n]H[n]M[n]S\" or \"P[n]W\". Example: \"P3Y6M4DT12H30M5S\" "
                    "means 3 years, 6 months, 4 days, 12 hours, 30 minutes, 5 seconds. Supports "
                    "fractional seconds with full precision (not just one decimal place).",
     .status = "beta",
     .examples =
         {ex("root.delay_for_ns = this.delay_for.parse_duration_iso8601()",
             {{R"({"delay_for":"P3Y6M4DT12H30M5S"})", R"({"delay_for_ns":110839937000000000})"}},
             "Parse complex ISO 8601 duration to nanoseconds."),
          ex("root.delay_for_s = this.delay_for.parse_duration_iso8601() / 1000000000",
             {{R"({"delay_for":"PT2H"})", R"({"delay_for_s":7200})"}}, "Parse hours to seconds.")}},
    [](ExecContext&, const Value& v, const Args&) {
      return Value::integer(timefmt::period_duration(timefmt::parse_period(string_input(v))));
    });

// --- parsing -------------------------------------------------------------------------------------
ParamSpec format_param(std::string description) {
  return {.name = "format", .type = ParamType::String, .description = std::move(description)};
}

const std::string kTsParseDescription =
    "Parses a timestamp string using Go's reference time format and outputs a timestamp object. "
    "The format uses \"Mon Jan 2 15:04:05 -0700 MST 2006\" as a reference - show how this "
    "reference time would appear in your format. Use ts_strptime for strftime-style formats "
    "instead.";
const std::string kTsParseFormat = "The format of the input string using Go's reference time.";

const bool kTsParse = register_time_method(
    {.name = "ts_parse",
     .category = kTime,
     .description = kTsParseDescription,
     .status = "beta",
     .params = {format_param(kTsParseFormat)},
     .examples = {ex(R"(root.doc.timestamp = this.doc.timestamp.ts_parse("2006-Jan-02"))",
                     {{R"({"doc":{"timestamp":"2020-Aug-14"}})",
                       R"({"doc":{"timestamp":"2020-08-14T00:00:00Z"}})"}},
                     "Parse a date with abbreviated month name."),
                  ex(R"x(root.parsed = this.timestamp.ts_parse("Jan 2, 2006 at 3:04pm (MST)"))x",
                     {{R"x({"timestamp":"Aug 14, 2020 at 5:54am (UTC)"})x",
                       R"({"parsed":"2020-08-14T05:54:00Z"})"}},
                     "Parse a custom datetime format.")}},
    [](ExecContext&, const Value& v, const Args& args) {
      return Value::timestamp(timefmt::parse(args.string(0), string_input(v)));
    });

const bool kParseTimestamp =
    register_time_method({.name = "parse_timestamp",
                          .category = kTime,
                          .description = kTsParseDescription,
                          .status = "deprecated",
                          .params = {format_param(kTsParseFormat)}},
                         [](ExecContext&, const Value& v, const Args& args) {
                           Timestamp t = timefmt::parse(args.string(0), string_input(v));
                           return Value::string(timefmt::format(t, timefmt::kRFC3339Nano));
                         });

const std::string kStrptimeDescription =
    "Parses a timestamp string using strptime format specifiers (like %Y, %m, %d) and outputs a "
    "timestamp object. Use ts_parse for Go-style reference time formats instead.";
const std::string kStrptimeFormat = "The format string using strptime specifiers (e.g., %Y-%m-%d).";

const bool kTsStrptime = register_time_method(
    {.name = "ts_strptime",
     .category = kTime,
     .description = kStrptimeDescription,
     .status = "beta",
     .params = {format_param(kStrptimeFormat)},
     .examples =
         {ex(R"(root.doc.timestamp = this.doc.timestamp.ts_strptime("%Y-%b-%d"))",
             {{R"({"doc":{"timestamp":"2020-Aug-14"}})",
               R"({"doc":{"timestamp":"2020-08-14T00:00:00Z"}})"}},
             "Parse date with abbreviated month using strptime format."),
          ex(R"(root.doc.timestamp = this.doc.timestamp.ts_strptime("%Y-%b-%d %H:%M:%S.%f"))",
             {{R"({"doc":{"timestamp":"2020-Aug-14 11:50:26.371000"}})",
               R"({"doc":{"timestamp":"2020-08-14T11:50:26.371Z"}})"}},
             "Parse datetime with microseconds using %f directive.")}},
    [](ExecContext&, const Value& v, const Args& args) {
      return Value::timestamp(timefmt::strptime(string_input(v), args.string(0)));
    });

const bool kParseTimestampStrptime =
    register_time_method({.name = "parse_timestamp_strptime",
                          .category = kTime,
                          .description = kStrptimeDescription,
                          .status = "deprecated",
                          .params = {format_param(kStrptimeFormat)}},
                         [](ExecContext&, const Value& v, const Args& args) {
                           Timestamp t = timefmt::strptime(string_input(v), args.string(0));
                           return Value::string(timefmt::format(t, timefmt::kRFC3339Nano));
                         });

// --- formatting ----------------------------------------------------------------------------------
const std::string kTsFormatDescription =
    "Formats a timestamp as a string using Go's reference time format. Defaults to RFC 3339 if "
    "no format specified. The format uses \"Mon Jan 2 15:04:05 -0700 MST 2006\" as a reference. "
    "Accepts unix timestamps (with decimal precision) or RFC 3339 strings. Use ts_strftime for "
    "strftime-style formats.";

std::vector<ParamSpec> ts_format_params() {
  return {{.name = "format",
           .type = ParamType::String,
           .description = "The output format using Go's reference time.",
           .default_value = json::value(json::string(timefmt::kRFC3339Nano))},
          {.name = "tz",
           .type = ParamType::String,
           .description = "Optional timezone (e.g., 'UTC', 'America/New_York'). Defaults to "
                          "input timezone or local time for unix timestamps.",
           .optional = true}};
}

// The layout of a call site whose arguments are literals, split into its elements once.
struct TsFormatState {
  std::shared_ptr<const timefmt::Layout> layout;
};

Value ts_format_impl(ExecContext&, const Value& v, const Args& args) {
  if (const auto* st = static_cast<const TsFormatState*>(args.state()); st != nullptr) {
    Timestamp t = timestamp_input(v);
    if (args.has(1)) t = maybe_in_zone(t, args, 1);
    // Most layouts and timestamps fit a small buffer: formatted without a temporary string.
    char buf[128];
    size_t n = timefmt::format_to(buf, sizeof buf, t, *st->layout);
    if (n != std::string::npos) return Value::string(std::string_view(buf, n));
    return Value::string(timefmt::format(t, *st->layout));
  }
  std::string layout = args.has(0) ? args.string(0) : std::string(timefmt::kRFC3339Nano);
  Timestamp t = maybe_in_zone(timestamp_input(v), args, 1);
  return Value::string(timefmt::format(t, layout));
}

// Checks a literal zone (as zone_prepare) and compiles a literal layout.
std::shared_ptr<const void> ts_format_prepare(const Args& literal) {
  zone_prepare(1)(literal);
  if (literal.has(0) && !literal[0].is_string()) return nullptr; // fails per call, as before
  auto st = std::make_shared<TsFormatState>();
  st->layout = timefmt::compile_layout(literal.has(0) ? literal[0].text_view()
                                                      : std::string_view(timefmt::kRFC3339Nano));
  return st;
}

const bool kTsFormat = register_time_method(
    {.name = "ts_format",
     .category = kTime,
     .description = kTsFormatDescription,
     .status = "beta",
     .params = ts_format_params(),
     .examples =
         {ex(R"(root.something_at = this.created_at.ts_format("2006-Jan-02 15:04:05"))",
             {{R"({"created_at":"2020-08-14T11:50:26.371Z"})",
               R"({"something_at":"2020-Aug-14 11:50:26"})"}},
             "Format timestamp with custom format."),
          ex(R"(root.something_at = this.created_at.ts_format(format: "2006-Jan-02 15:04:05", tz: "UTC"))",
             {{R"({"created_at":1597405526})", R"({"something_at":"2020-Aug-14 11:45:26"})"}},
             "Format unix timestamp with timezone specification.")}},
    ts_format_impl, ts_format_prepare);

const bool kFormatTimestamp = register_time_method({.name = "format_timestamp",
                                                    .category = kTime,
                                                    .description = kTsFormatDescription,
                                                    .status = "deprecated",
                                                    .params = ts_format_params()},
                                                   ts_format_impl, ts_format_prepare);

const std::string kStrftimeDescription =
    "Formats a timestamp as a string using strptime format specifiers (like %Y, %m, %d). Accepts "
    "unix timestamps (with decimal precision) or RFC 3339 strings. Supports %f for "
    "microseconds. Use ts_format for Go-style reference time formats.";

std::vector<ParamSpec> ts_strftime_params() {
  return {{.name = "format",
           .type = ParamType::String,
           .description = "The output format using strptime specifiers."},
          {.name = "tz",
           .type = ParamType::String,
           .description = "Optional timezone. Defaults to input timezone or local time for unix "
                          "timestamps.",
           .optional = true}};
}

Value ts_strftime_impl(ExecContext&, const Value& v, const Args& args) {
  std::string format = args.string(0);
  Timestamp t = maybe_in_zone(timestamp_input(v), args, 1);
  return Value::string(timefmt::strftime(t, format));
}

const bool kTsStrftime = register_time_method(
    {.name = "ts_strftime",
     .category = kTime,
     .description = kStrftimeDescription,
     .status = "beta",
     .params = ts_strftime_params(),
     .examples =
         {ex(R"(root.something_at = this.created_at.ts_strftime("%Y-%b-%d %H:%M:%S"))",
             {{R"({"created_at":"2020-08-14T11:50:26.371Z"})",
               R"({"something_at":"2020-Aug-14 11:50:26"})"}},
             "Format timestamp with strftime specifiers."),
          ex(R"(root.something_at = this.created_at.ts_strftime("%Y-%b-%d %H:%M:%S.%f", "UTC"))",
             {{R"({"created_at":"2020-08-14T11:50:26.371Z"})",
               R"({"something_at":"2020-Aug-14 11:50:26.371000"})"}},
             "Format with microseconds using %f directive.")}},
    ts_strftime_impl, zone_prepare(1));

const bool kFormatTimestampStrftime = register_time_method({.name = "format_timestamp_strftime",
                                                            .category = kTime,
                                                            .description = kStrftimeDescription,
                                                            .status = "deprecated",
                                                            .params = ts_strftime_params()},
                                                           ts_strftime_impl, zone_prepare(1));

// --- unix conversions --------------------------------------------------------------------------
struct UnixUnit {
  const char* suffix;      // "", "_milli", "_micro", "_nano"
  const char* description; // of the ts_ method
  int64_t (*convert)(const Timestamp&);
  std::vector<Example> examples;
};

int64_t unix_seconds(const Timestamp& t) {
  return t.sec;
}

bool register_unix(const UnixUnit& u) {
  MethodImpl impl = [convert = u.convert](ExecContext&, const Value& v, const Args&) {
    return Value::integer(convert(timestamp_input(v)));
  };
  register_time_method({.name = std::string("ts_unix") + u.suffix,
                        .category = kTime,
                        .description = u.description,
                        .status = "beta",
                        .examples = u.examples},
                       impl);
  return register_time_method({.name = std::string("format_timestamp_unix") + u.suffix,
                               .category = kTime,
                               .description = u.description,
                               .status = "deprecated"},
                              impl);
}

const bool kUnix = register_unix(
    {"",
     "Converts a timestamp to a unix timestamp (seconds since epoch). Accepts unix timestamps or "
     "RFC 3339 strings. Returns an integer representing seconds.",
     unix_seconds,
     {ex("root.created_at_unix = this.created_at.ts_unix()",
         {{R"({"created_at":"2009-11-10T23:00:00Z"})", R"({"created_at_unix":1257894000})"}},
         "Convert RFC 3339 timestamp to unix seconds."),
      ex("root.timestamp = this.ts.ts_unix()",
         {{R"({"ts":1257894000})", R"({"timestamp":1257894000})"}},
         "Unix timestamp passthrough returns same value.")}});

const bool kUnixMilli = register_unix(
    {"_milli",
     "Converts a timestamp to a unix timestamp with millisecond precision (milliseconds since "
     "epoch). Accepts unix timestamps or RFC 3339 strings. Returns an integer representing "
     "milliseconds.",
     timefmt::unix_milli,
     {ex("root.created_at_unix = this.created_at.ts_unix_milli()",
         {{R"({"created_at":"2009-11-10T23:00:00Z"})", R"({"created_at_unix":1257894000000})"}},
         "Convert timestamp to milliseconds since epoch."),
      ex("root.js_timestamp = this.event_time.ts_unix_milli()",
         {{R"({"event_time":"2020-08-14T11:45:26.123Z"})", R"({"js_timestamp":1597405526123})"}},
         "Useful for JavaScript timestamp compatibility.")}});

const bool kUnixMicro = register_unix(
    {"_micro",
     "Converts a timestamp to a unix timestamp with microsecond precision (microseconds since "
     "epoch). Accepts unix timestamps or RFC 3339 strings. Returns an integer representing "
     "microseconds.",
     timefmt::unix_micro,
     {ex("root.created_at_unix = this.created_at.ts_unix_micro()",
         {{R"({"created_at":"2009-11-10T23:00:00Z"})", R"({"created_at_unix":1257894000000000})"}},
         "Convert timestamp to microseconds since epoch."),
      ex("root.precise_time = this.timestamp.ts_unix_micro()",
         {{R"({"timestamp":"2020-08-14T11:45:26.123456Z"})",
           R"({"precise_time":1597405526123456})"}},
         "Preserve microsecond precision from timestamp.")}});

const bool kUnixNano = register_unix(
    {"_nano",
     "Converts a timestamp to a unix timestamp with nanosecond precision (nanoseconds since "
     "epoch). Accepts unix timestamps or RFC 3339 strings. Returns an integer representing "
     "nanoseconds.",
     timefmt::unix_nano,
     {ex("root.created_at_unix = this.created_at.ts_unix_nano()",
         {{R"({"created_at":"2009-11-10T23:00:00Z"})",
           R"({"created_at_unix":1257894000000000000})"}},
         "Convert timestamp to nanoseconds since epoch."),
      ex("root.precise_time = this.timestamp.ts_unix_nano()",
         {{R"({"timestamp":"2020-08-14T11:45:26.123456789Z"})",
           R"({"precise_time":1597405526123456789})"}},
         "Preserve full nanosecond precision.")}});

// --- clock functions -----------------------------------------------------------------------------
const bool kNow = register_function(
    {.name = "now",
     .category = kEnvironment,
     .description = "Returns the current timestamp as an RFC 3339 formatted string with "
                    "nanosecond precision. Use this to add processing timestamps to messages or "
                    "measure time between events. Chain with `ts_format` to customize the format "
                    "or timezone.",
     .examples =
         {ex("root.received_at = now()", {}),
          ex(R"(root.received_at = now().ts_format("Mon Jan 2 15:04:05 -0700 MST 2006", "UTC"))",
             {}, "Format the timestamp in a custom format and timezone.")},
     .impure = true},
    [](ExecContext&, const Args&) {
      return Value::string(timefmt::format(timefmt::now(), timefmt::kRFC3339Nano));
    });

bool register_clock(const char* name, const char* description,
                    int64_t (*convert)(const Timestamp&)) {
  return register_function(
      {.name = name,
       .category = kEnvironment,
       .description = description,
       .examples = {ex(std::string("root.received_at = ") + name + "()", {})},
       .impure = true},
      [convert](ExecContext&, const Args&) { return Value::integer(convert(timefmt::now())); });
}

const bool kTimestampUnix = register_clock(
    "timestamp_unix",
    "Returns the current Unix timestamp in seconds since epoch. Use this for numeric timestamps "
    "compatible with most systems, or as a seed for random number generation.",
    unix_seconds);
const bool kTimestampUnixMilli =
    register_clock("timestamp_unix_milli",
                   "Returns the current Unix timestamp in milliseconds since epoch. Use this for "
                   "millisecond-precision timestamps common in web APIs and JavaScript systems.",
                   timefmt::unix_milli);
const bool kTimestampUnixMicro = register_clock(
    "timestamp_unix_micro",
    "Returns the current Unix timestamp in microseconds since epoch. Use this for high-precision "
    "timing measurements or when microsecond resolution is required.",
    timefmt::unix_micro);
const bool kTimestampUnixNano = register_clock(
    "timestamp_unix_nano",
    "Returns the current Unix timestamp in nanoseconds since epoch. Use this for the highest "
    "precision timing or as a unique seed value that changes on every invocation.",
    timefmt::unix_nano);

} // namespace
} // namespace plugctl::bloblang
