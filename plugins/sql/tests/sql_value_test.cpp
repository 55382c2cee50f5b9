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

// The direct COPY path (typed values of ABI 1.2) writes what the JSON path writes.
TEST(SqlValue, TypedValuesWriteTheSameCopyTextAsJsonArgs) {
  const std::string parts[] = {"tab\there\\ and\nnewline", "aGk=", R"({"a":[1,"x\ty"]})",
                               "not base64!"};
  std::string text;
  size_t at[4], len[4];
  for (size_t k = 0; k < 4; ++k) {
    at[k] = text.size();
    len[k] = parts[k].size();
    text += parts[k];
  }
  auto val = [](uint32_t type) {
    plugctl_value v{};
    v.type = type;
    return v;
  };
  struct Case {
    plugctl_value v;
    std::string json; // the same value as a JSON array element
    ColumnType col;
  };
  std::vector<Case> cases;
  auto add = [&](plugctl_value v, std::string json, ColumnType col) {
    cases.push_back({v, std::move(json), col});
  };
  add(val(PLUGCTL_VALUE_NULL), "null", ColumnType::Other);
  auto b = val(PLUGCTL_VALUE_BOOL);
  b.num.i = 1;
  add(b, "true", ColumnType::Bool);
  auto i = val(PLUGCTL_VALUE_INT);
  i.num.i = -42;
  add(i, "-42", ColumnType::Int);
  auto u = val(PLUGCTL_VALUE_UINT);
  u.num.u = 18446744073709551615ull;
  add(u, "18446744073709551615", ColumnType::Numeric);
  for (double d : {12.5, 94.0, 0.1 + 0.2, -1e-9, 6.02e23}) {
    auto f = val(PLUGCTL_VALUE_FLOAT);
    f.num.f = d;
    std::string json;
    append_number(json, d);
    add(f, json, ColumnType::Float);
  }
  auto s = val(PLUGCTL_VALUE_STRING);
  s.offset = at[0];
  s.len = len[0];
  add(s, R"("tab\there\\ and\nnewline")", ColumnType::Other);
  auto b64 = val(PLUGCTL_VALUE_STRING);
  b64.offset = at[1];
  b64.len = len[1];
  add(b64, R"("aGk=")", ColumnType::Bytes);
  auto j = val(PLUGCTL_VALUE_JSON);
  j.offset = at[2];
  j.len = len[2];
  add(j, R"({"a":[1,"x\ty"]})", ColumnType::Json);
  std::string scratch;
  std::vector<Param> params;
  for (const auto& c : cases) {
    std::string direct, via_json;
    append_copy_value(direct, c.v, text, c.col, scratch);
    parse_args("[" + c.json + "]", params);
    ASSERT_EQ(params.size(), 1u);
    append_copy_field(via_json, params[0], c.col, scratch);
    EXPECT_EQ(direct, via_json) << c.json;
  }
  std::string out;
  append_copy_value(out, b64, text, ColumnType::Bytes, scratch);
  EXPECT_EQ(out, "\\\\x6869");
  auto bad = val(PLUGCTL_VALUE_STRING);
  bad.offset = at[3];
  bad.len = len[3];
  EXPECT_THROW(append_copy_value(out, bad, text, ColumnType::Bytes, scratch), std::runtime_error);
}

TEST(SqlValue, ArraysConvertBothWays) {
  EXPECT_EQ(pg_array_literal("[1, 2, 3]"), "{1,2,3}");
  EXPECT_EQ(pg_array_literal("[]"), "{}");
  EXPECT_EQ(pg_array_literal(R"(["a b", "q\"uote", "back\\slash", null, "NULL"])"),
            R"({"a b","q\"uote","back\\slash",NULL,"NULL"})");
  EXPECT_EQ(pg_array_literal("[[1.5, -2], [3e2, 4]]"), "{{1.5,-2},{3e2,4}}");
  EXPECT_EQ(pg_array_literal(R"([{"k": [1, "x"]}, true])"), R"({"{\"k\": [1, \"x\"]}",true})");
  EXPECT_THROW(pg_array_literal("[1, 2"), std::runtime_error);
  EXPECT_THROW(pg_array_literal(R"({"a": 1})"), std::runtime_error);

  auto json = [](ColumnType element, std::string_view text) {
    std::string out;
    append_json_array(out, element, text);
    return out;
  };
  EXPECT_EQ(json(ColumnType::Int, "{1,2,NULL,-4}"), "[1,2,null,-4]");
  EXPECT_EQ(json(ColumnType::Int, "{}"), "[]");
  EXPECT_EQ(json(ColumnType::Other, R"({"a b","q\"uote","back\\slash",NULL,"NULL",plain})"),
            R"(["a b","q\"uote","back\\slash",null,"NULL","plain"])");
  EXPECT_EQ(json(ColumnType::Float, "{{1.5,-2},{300,NaN}}"), R"([[1.5,-2],[300,"NaN"]])");
  EXPECT_EQ(json(ColumnType::Bool, "{t,f}"), "[true,false]");
  EXPECT_EQ(json(ColumnType::Json, R"({"{\"k\": [1, \"x\"]}","2"})"), R"([{"k": [1, "x"]},2])");
  EXPECT_EQ(json(ColumnType::Int, "[0:1]={7,8}"), "[7,8]");
  EXPECT_EQ(json(ColumnType::Int, "{1,2"), R"("{1,2")") << "malformed: kept as text";
}

} // namespace
} // namespace plugctl::sql
