// The value conversions of the sql plugin: numbers written as text that PostgreSQL reads back
// exactly, and the JSON args parser of hosts before ABI 1.2.
#include "../sql_value.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <gtest/gtest.h>
#include <random>

namespace plugctl::sql {
namespace {

std::string number(double d) {
  std::string s;
  append_number(s, d);
  return s;
}

TEST(SqlValue, NumbersAreWrittenShortAndReadBackExactly) {
  EXPECT_EQ(number(94.0), "94");
  EXPECT_EQ(number(-3.0), "-3");
  EXPECT_EQ(number(12.5), "12.5");
  EXPECT_EQ(number(-0.25), "-0.25");
  EXPECT_EQ(number(19.99), "19.99");
  EXPECT_EQ(number(0.005), "0.005");
  EXPECT_EQ(number(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(number(1e300), "1e+300");
  EXPECT_EQ(number(1.5e-7), "1.5e-07");
  EXPECT_EQ(number(123456789.125), "123456789.125");
  // Random values of every magnitude, and money-like values: each reads back as the same double
  // and is no longer than the shortest form.
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> exp10(-12, 18);
  std::uniform_int_distribution<int64_t> cents(-10'000'000, 10'000'000);
  for (int i = 0; i < 200000; ++i) {
    double d = i % 2 ? std::pow(10.0, exp10(rng)) * (i % 4 == 1 ? -1 : 1)
                     : static_cast<double>(cents(rng)) / (i % 3 == 0 ? 100.0 : 1000.0);
    std::string s = number(d);
    ASSERT_EQ(std::strtod(s.c_str(), nullptr), d) << s;
    char shortest[64];
    auto r = std::to_chars(shortest, shortest + sizeof shortest, d);
    ASSERT_LE(s.size(), static_cast<size_t>(r.ptr - shortest) + 1) << s << " vs " << shortest;
  }
}

TEST(SqlValue, JsonArgsParseIntoTypedParams) {
  std::vector<Param> out;
  parse_args(R"([1, "a\"b\u00e9", null, true, {"k": [1]}, -2.5e3])", out);
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[0].kind, Param::Kind::Number);
  EXPECT_EQ(out[0].text, "1");
  EXPECT_EQ(out[1].kind, Param::Kind::String);
  EXPECT_EQ(out[1].text, "a\"b\xc3\xa9");
  EXPECT_EQ(out[2].kind, Param::Kind::Null);
  EXPECT_EQ(out[3].text, "true");
  EXPECT_EQ(out[4].kind, Param::Kind::Json);
  EXPECT_EQ(out[4].text, R"({"k": [1]})");
  EXPECT_EQ(out[5].text, "-2.5e3");
  EXPECT_THROW(parse_args(R"({"a": 1})", out), std::runtime_error);
  EXPECT_THROW(parse_args(R"([1, "open)", out), std::runtime_error);
}

} // namespace
} // namespace plugctl::sql
