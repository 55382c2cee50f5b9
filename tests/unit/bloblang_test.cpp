// The Bloblang language: grammar, evaluation rules and every error path, on core features only
// (the standard library has its own tests and the conformance corpus).
#include "bloblang/mapping.hpp"
#include "host/interp.hpp"
#include "message/message.hpp"
#include "support/support.hpp"

#include <gtest/gtest.h>

namespace plugctl::test {
namespace {

using bloblang::Mapping;

// Runs `mapping` on `input` (with metadata) and returns the serialised result, "<deleted>",
// "<unchanged>" or "error: ...".
std::string run(const std::string& mapping, const std::string& input = "{}",
                std::vector<std::pair<std::string, std::string>> meta = {},
                bloblang::ExecContext* keep = nullptr) {
  std::shared_ptr<const Mapping> m;
  try {
    m = Mapping::parse(mapping);
  } catch (const bloblang::ParseError& e) {
    return std::string("parse: ") + e.what();
  }
  bloblang::ExecContext local;
  bloblang::ExecContext& ctx = keep != nullptr ? *keep : local;
  ctx.set_message(input, std::move(meta));
  try {
    auto r = m->run(ctx);
    if (r.outcome == Mapping::Outcome::Deleted) return "<deleted>";
    if (r.outcome == Mapping::Outcome::Unchanged) return "<unchanged>";
    return bloblang::serialize(r.value);
  } catch (const std::exception& e) {
    return std::string("error: ") + e.what();
  }
}

TEST(Bloblang, PathsQuotedSegmentsAndIndexes) {
  std::string doc = R"({"a":{"b.c":[10,{"d":"deep"}],"x y":1}})";
  EXPECT_EQ(run("root = this.a.\"b.c\".1.d", doc), "deep");
  EXPECT_EQ(run("root = this.a.\"b.c\".0", doc), "10");
  EXPECT_EQ(run("root = a.\"x y\"", doc), "1");
  EXPECT_EQ(run("root = this.missing.deeper", doc), "null");
  EXPECT_EQ(run("root.\"out.key\".n = 5", doc), R"({"out.key":{"n":5}})");
  EXPECT_EQ(run("root.a.b = 1\nroot.a.c = 2", doc), R"({"a":{"b":1,"c":2}})");
}

TEST(Bloblang, RootThisAndShorthands) {
  EXPECT_EQ(run("root = this", R"({"k":1})"), R"({"k":1})");
  EXPECT_EQ(run("this.k + 1", R"({"k":1})"), "2"); // a lone query is `root = ...`
  EXPECT_EQ(run("foo = 5", "{}"), R"({"foo":5})"); // a bare path is root.foo
  EXPECT_EQ(run("root = this\nroot.copy = root.k", R"({"k":1})"), R"({"copy":1,"k":1})");
  EXPECT_EQ(run("meta a = \"b\"", R"({"k":1})"), "<unchanged>");
}

TEST(Bloblang, LiteralsAndEscapes) {
  EXPECT_EQ(run(R"(root = "tab\there \"q\" \u00e9")"), "tab\there \"q\" \xc3\xa9");
  EXPECT_EQ(run("root = \"\"\"raw \\n\nlines\"\"\""), "raw \\n\nlines");
  EXPECT_EQ(run("root = [1, 2.5, \"x\", true, null, [ ], {}]"), R"([1,2.5,"x",true,null,[],{}])");
  EXPECT_EQ(run(R"(root = {"static": 1, this.key: "dynamic"})", R"({"key":"k"})"),
            R"({"k":"dynamic","static":1})");
  EXPECT_EQ(run("root = {\n  \"a\": 1,\n  \"b\": [\n    2,\n  ],\n}"), R"({"a":1,"b":[2]})");
  EXPECT_EQ(run("root = -5 - -2"), "-3");
  EXPECT_EQ(run("root = 1.5e0"), "parse: line 1 char 11: expected line break");
  EXPECT_EQ(run("\"abc\" \"d\""), "parse: line 1 char 7: expected the mapping to end here as "
                                  "the beginning is shorthand for `root = \"abc\"`, but this "
                                  "shorthand form cannot be followed with more assignments");
}

TEST(Bloblang, OperatorPrecedenceAndTypes) {
  EXPECT_EQ(run("root = 2 + 3 * 4"), "14");
  EXPECT_EQ(run("root = (2 + 3) * 4"), "20");
  EXPECT_EQ(run("root = 7 / 2"), "3.5");
  EXPECT_EQ(run("root = 7 % 4"), "3");
  EXPECT_EQ(run("root = 1 + 2 == 3 && 2 > 1"), "true");
  EXPECT_EQ(run("root = \"a\" + \"b\""), "ab");
  EXPECT_EQ(run("root = 1 == 1.0"), "true");
  EXPECT_EQ(run("root = \"a\" == 1"), "false");
  EXPECT_EQ(run("root = [1,{\"a\":2}] == [1,{\"a\":2.0}]"), "true");
  EXPECT_EQ(run("root = !true || false"), "false");
  EXPECT_EQ(run("root = this.a + 1", R"({"a":"x"})"),
            "error: failed assignment (line 1): cannot add types string (from field `this.a`) "
            "and number (from number literal)");
  EXPECT_EQ(run("root = this.a / 0", R"({"a":1})"),
            "error: failed assignment (line 1): number literal: attempted to divide by zero");
  EXPECT_EQ(run("root = 5 / 0"),
            "parse: line 1 char 13: number literal: attempted to divide by zero");
  EXPECT_EQ(run("root = this.a > \"b\"", R"({"a":1})"),
            "error: failed assignment (line 1): cannot compare types number (from field `this.a`) "
            "and string (from string literal)");
}

TEST(Bloblang, CoalesceCatchOrAndNot) {
  EXPECT_EQ(run("root = this.a | this.b | \"none\"", R"({"b":2})"), "2");
  EXPECT_EQ(run("root = this.a | \"none\"", R"({"a":null})"), "none");
  EXPECT_EQ(run("root = (this.a + 1).catch(0)", R"({"a":"x"})"), "0");
  EXPECT_EQ(run("root = this.a.or(\"default\")", R"({})"), "default");
  EXPECT_EQ(run("root = this.a.or(\"default\")", R"({"a":false})"), "false");
  EXPECT_EQ(run("root = this.ok.not()", R"({"ok":true})"), "false");
  EXPECT_EQ(run("root = throw(\"boom\").catch(\"caught\")"), "caught");
}

TEST(Bloblang, CatchLambdaSeesTheErrorAndDefaultsCoverFailingTargets) {
  EXPECT_EQ(
      run("root = (this.a + 1).catch(err -> {\"error\": err})", R"({"a":"x"})"),
      R"x({"error":"cannot add types string (from field `this.a`) and number (from number literal)"})x");
  EXPECT_EQ(run("root = (this.a + 1).number(3)", R"({"a":"x"})"), "3");
  EXPECT_EQ(run("root = (this.a + 1).bool(true)", R"({"a":"x"})"), "true");
  EXPECT_EQ(run("root = (this.a + 1).number()", R"({"a":"x"})"),
            "error: failed assignment (line 1): cannot add types string (from field `this.a`) "
            "and number (from number literal)");
}

TEST(Bloblang, BytesInsideDocumentsAreBase64AsInGo) {
  EXPECT_EQ(run("root.raw = content()", "hi"), R"({"raw":"aGk="})");
  EXPECT_EQ(run("root = content()", "hi"), "hi");
}

TEST(Bloblang, LetAndVariables) {
  EXPECT_EQ(run("let x = this.a * 2\nroot.y = $x\nroot.z = var(\"x\")", R"({"a":3})"),
            R"({"y":6,"z":6})");
  EXPECT_EQ(run("let x = 1\nlet x = $x + 1\nroot = $x"), "2");
  EXPECT_EQ(run("root = $nope"), "error: failed assignment (line 1): variable 'nope' undefined");
  EXPECT_EQ(run("let x = 1\nlet x = deleted()\nroot = $x.catch(\"gone\")"), "gone");
}

TEST(Bloblang, MetadataReadWriteAndDelete) {
  bloblang::ExecContext ctx;
  EXPECT_EQ(
      run("meta out = @in + \"!\"\nmeta gone = deleted()\nroot.all = @\nroot.m = metadata(\"in\")",
          "{}", {{"in", "v"}, {"gone", "x"}}, &ctx),
      R"({"all":{"in":"v","out":"v!"},"m":"v"})");
  core::Message msg("x");
  msg.set_meta("gone", "x");
  bloblang::apply_meta(ctx, msg);
  EXPECT_EQ(*msg.meta("out"), "v!");
  EXPECT_EQ(msg.meta("gone"), nullptr);
  EXPECT_EQ(run("meta = {\"a\": \"1\"}\nroot = @", "{}", {{"old", "x"}}), R"({"a":"1"})");
  EXPECT_EQ(run("meta = deleted()\nroot = @", "{}", {{"old", "x"}}), "{}");
  EXPECT_EQ(run("meta = 5"), "error: failed assignment (line 1): setting root meta object "
                             "requires object value, received: number");
  EXPECT_EQ(run("root = @missing"), "null");
}

TEST(Bloblang, IfExpressionsAndStatements) {
  EXPECT_EQ(
      run("root = if this.n > 1 { \"big\" } else if this.n == 1 { \"one\" } else { \"small\" }",
          R"({"n":1})"),
      "one");
  EXPECT_EQ(run("root.a = if false { 1 }", "{}"), "<unchanged>");
  EXPECT_EQ(run("if this.n > 1 {\n  root.size = \"big\"\n  meta m = \"x\"\n} else {\n  root.size = "
                "\"small\"\n}",
                R"({"n":5})"),
            R"({"size":"big"})");
  EXPECT_EQ(
      run("if this.n {\n  root = 1\n}", R"({"n":"text"})"),
      "error: failed assignment (line 1): expected bool value, got string from field `this.n` "
      "(\"text\")");
}

TEST(Bloblang, MatchWithAndWithoutSubject) {
  std::string m = "root = match this.kind {\n  \"a\" => \"is a\"\n  this == \"b\" => \"is b\"\n  _ "
                  "=> \"other\"\n}";
  EXPECT_EQ(run(m, R"({"kind":"a"})"), "is a");
  EXPECT_EQ(run(m, R"({"kind":"b"})"), "is b");
  EXPECT_EQ(run(m, R"({"kind":"z"})"), "other");
  EXPECT_EQ(
      run("root = match {\n  this.n > 10 => \"big\",\n  this.n > 0 => \"small\",\n}", R"({"n":3})"),
      "small");
  EXPECT_EQ(run("root.x = match this.n { 1 => \"one\" }", R"({"n":2})"), "<unchanged>");
}

TEST(Bloblang, NamedMapsApplyAndRecursionContext) {
  std::string m =
      "map person {\n  root.name = this.first + \" \" + this.last\n  root.tag = "
      "$t.or(\"none\")\n}\n"
      "let t = \"outer\"\nroot.a = this.p.apply(\"person\")\nroot.b = this.q.apply(\"person\")";
  EXPECT_EQ(run(m, R"({"p":{"first":"A","last":"B"},"q":{"first":"C","last":"D"}})"),
            R"({"a":{"name":"A B","tag":"none"},"b":{"name":"C D","tag":"none"}})");
  EXPECT_EQ(run("root = this.apply(\"nope\")"),
            "error: failed assignment (line 1): map nope was not found");
}

TEST(Bloblang, ImportsMapsFromAFile) {
  TempDir tmp;
  write_file(tmp.file("lib.blobl"), "map double {\n  root = this * 2\n}\n");
  Mapping::Options opts;
  opts.import_dir = tmp.path().string();
  auto m = Mapping::parse("import \"lib.blobl\"\nroot = this.n.apply(\"double\")", opts);
  bloblang::ExecContext ctx;
  ctx.set_message(R"({"n":21})");
  EXPECT_EQ(bloblang::serialize(m->run(ctx).value), "42");
  try {
    Mapping::parse("import \"missing.blobl\"", opts);
    FAIL() << "expected a parse error";
  } catch (const bloblang::ParseError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "line 1 char 1: failed to read import: open missing.blobl: no such file or directory");
  }
}

TEST(Bloblang, LambdasAndContextCapture) {
  EXPECT_EQ(run("root = this.a.(x -> x.b + this.c)", R"({"a":{"b":1},"c":10})"), "11");
  EXPECT_EQ(run("root = this.a.(b + 1)", R"({"a":{"b":1}})"), "2");
  EXPECT_EQ(run("root = this.(_ -> 5)"), "5");
  EXPECT_EQ(run("root = this.a.(this -> 1)"),
            "parse: line 1 char 16: context label `this` is not allowed");
  EXPECT_EQ(run("root = this.a.(x -> this.b.(x -> 1))"),
            "parse: line 1 char 29: context label `x` would shadow a parent context");
}

TEST(Bloblang, DeletedAndNothing) {
  EXPECT_EQ(run("root = this\nroot.secret = deleted()", R"({"secret":1,"keep":2})"),
            R"({"keep":2})");
  EXPECT_EQ(run("root = deleted()"), "<deleted>");
  EXPECT_EQ(run("root = this\nroot.a = nothing()", R"({"a":1})"), R"({"a":1})");
  EXPECT_EQ(run("root = [1, deleted(), 2]"), "[1,2]");
}

// Mappings that only assign distinct top-level keys (and never read root) build their root from
// a prepared object with every key: skipped keys must still be absent, in statement order.
TEST(Bloblang, SingleKeyAssignmentsSkipAndDeleteLikeAnyOther) {
  EXPECT_EQ(run("root.a = 1\nroot.b = nothing()\nroot.c = deleted()\nroot.d = 4"),
            R"({"a":1,"d":4})");
  EXPECT_EQ(run("root.a = nothing()\nroot.b = deleted()"), "<unchanged>");
  EXPECT_EQ(run("root.a = deleted()\nroot.b = this.x", R"({"x":[1]})"), R"({"b":[1]})");
  EXPECT_EQ(run("let v = 2\nmeta m = \"x\"\nroot.a = $v\nroot.b = @m"), R"({"a":2,"b":"x"})");
  EXPECT_EQ(
      run("map m {\n root.in = this.x\n}\nroot.a = this.apply(\"m\")\nroot.b = 1", R"({"x":3})"),
      R"({"a":{"in":3},"b":1})");
  EXPECT_EQ(run("root.a = 1\nroot.b = throw(\"no\")"), "error: failed assignment (line 2): no");
  EXPECT_EQ(
      run(R"(root.o = {"x": 1, "y": nothing(), "z": deleted(), "w": this.w})", R"({"w":"s"})"),
      R"({"o":{"w":"s","x":1}})");
  EXPECT_EQ(run(R"(root.o = {"x": nothing()})"), R"({"o":{}})");
  EXPECT_EQ(run(R"(root = {"k": 1, "k": 2})"), R"({"k":2})");
  // Insertion order survives (later processors iterate the structured value).
  auto m = Mapping::parse("root.z = 1\nroot.y = nothing()\nroot.x = 2\nroot.w = 3");
  bloblang::ExecContext ctx;
  ctx.set_message("{}");
  auto r = m->run(ctx);
  std::string order;
  for (const auto& kv : r.value.json().get_object())
    order += std::string(kv.key());
  EXPECT_EQ(order, "zxw");
}

// Output is Go's: keys in byte order (including keys sharing their first 8 bytes), strings
// escaped, floats in their shortest form.
TEST(Bloblang, SerialisedKeysSortBytewiseAndNumbersAreShortest) {
  EXPECT_EQ(run(R"(root = this)",
                R"({"abcdefghij":1,"abcdefghi":2,"abcdefgh":3,"abcdefgha":4,"b":5,"a":6,"":7,)"
                R"("abcdefgh\u0000":8,"ab\"c":9,"abcdefghijklmnopq":10,"abcdefghijklmnop":11})"),
            R"({"":7,"a":6,"ab\"c":9,"abcdefgh":3,"abcdefgh\u0000":8,"abcdefgha":4,"abcdefghi":2,)"
            R"("abcdefghij":1,"abcdefghijklmnop":11,"abcdefghijklmnopq":10,"b":5})");
  EXPECT_EQ(
      run("root.a = 94.0\nroot.b = 0.5 - 0.5\nroot.c = 0.0 - 3.0\nroot.d = 1.5\n"
          "root.e = 1000000000.0 * 1000000000000.0\nroot.f = 123456789012345.0\n"
          "root.g = 1.0 / 10000000.0\nroot.h = 1000000000000000.0"),
      R"({"a":94,"b":0,"c":-3,"d":1.5,"e":1e+21,"f":123456789012345,"g":1e-7,"h":1000000000000000})");
  EXPECT_EQ(run(R"(root.s = "tab\there \"q\" 0123456789 back\\slash\u0001")"),
            R"({"s":"tab\there \"q\" 0123456789 back\\slash\u0001"})");
}

// ASCII case changes work 8 bytes at a time: every letter and none of its neighbours ('@', '[',
// '`', '{') change, whatever the length; non-ASCII text takes the general path.
TEST(Bloblang, CaseChangesTouchLettersOnly) {
  EXPECT_EQ(run(R"(root.u = this.s.uppercase()
root.l = this.s.lowercase())",
                R"({"s":"@AZ[`az{ Mixed Case 0123456789 x"})"),
            R"({"l":"@az[`az{ mixed case 0123456789 x","u":"@AZ[`AZ{ MIXED CASE 0123456789 X"})");
  EXPECT_EQ(run("root = this.s.uppercase()", R"({"s":"abcdefgh"})"), "ABCDEFGH");
  EXPECT_EQ(run("root = this.s.uppercase()", R"({"s":"héllo wörld"})"), "HÉLLO WÖRLD");
  // Every length around the word size, with the non-ASCII byte in each position.
  const std::string letters = "aZ@[`{mQ zy0Ab_Cd~eFgHiJkLmN";
  for (size_t n = 0; n <= 24; ++n) {
    std::string s = letters.substr(0, n), up = s, low = s;
    for (auto& c : up)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    for (auto& c : low)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    EXPECT_EQ(run("root = this.s.uppercase()", R"({"s":")" + s + R"("})"), up) << n;
    EXPECT_EQ(run("root = this.s.lowercase()", R"({"s":")" + s + R"("})"), low) << n;
    for (size_t k = 0; k < n; ++k) {
      std::string t = s.substr(0, k) + "é" + s.substr(k);
      std::string want = up.substr(0, k) + "É" + up.substr(k);
      EXPECT_EQ(run("root = this.s.uppercase()", R"({"s":")" + t + R"("})"), want) << n << k;
    }
  }
}

// join measures its result, then writes it once: delimiters (string or bytes), empty arrays and
// elements, and the errors of a non-string element or delimiter.
TEST(Bloblang, JoinConcatenatesWithTheDelimiter) {
  EXPECT_EQ(run(R"(root.a = this.t.join(",")
root.b = this.t.join()
root.c = this.e.join("--")
root.d = this.one.join(", ")
root.e = this.t.join("<>".bytes()))",
                R"({"t":["x","yz",""],"e":[],"one":["only"]})"),
            R"({"a":"x,yz,","b":"xyz","c":"","d":"only","e":"x<>yz<>"})");
  EXPECT_EQ(
      run(R"(root = this.l.join(" <- a long delimiter -> "))",
          R"({"l":["an element longer than sixteen bytes","x","another long element here"]})"),
      "an element longer than sixteen bytes <- a long delimiter -> x <- a long delimiter -> "
      "another long element here");
  EXPECT_EQ(run(R"(root = this.t.join(","))", R"({"t":["a",5]})"),
            "error: failed assignment (line 1): field `this.t`: failed to join element 1: "
            "expected string value, got number (5)");
  EXPECT_EQ(run(R"(root = this.t.join(5))", R"({"t":["a"]})"),
            "error: failed assignment (line 1): field `this.t`: field delimiter: expected "
            "string value, got number (5)");
  EXPECT_EQ(run(R"(root = this.t.join(","))", R"({"t":"a"})"),
            "error: failed assignment (line 1): expected array value, got string from field "
            "`this.t` (\"a\")");
}

TEST(Bloblang, ErroredAndErrorReadTheMessageFlag) {
  core::Batch b;
  b.messages.emplace_back("{}");
  b.messages[0].set_error("upstream failed");
  auto m = Mapping::parse("root.e = error()\nroot.flag = errored()");
  core::Message out = b.messages[0];
  ASSERT_TRUE(m->apply(b, 0, out, false));
  EXPECT_EQ(out.payload(), R"({"e":"upstream failed","flag":true})");
  b.messages[0].clear_error();
  out = b.messages[0];
  ASSERT_TRUE(m->apply(b, 0, out, false));
  EXPECT_EQ(out.payload(), R"({"e":null,"flag":false})");
}

TEST(Bloblang, MutationEditsInPlace) {
  core::Batch b;
  b.messages.emplace_back(R"({"a":1,"b":2})");
  auto m = Mapping::parse("root.b = deleted()\nroot.c = this.a + 10");
  core::Message out = b.messages[0];
  ASSERT_TRUE(m->apply(b, 0, out, true));
  EXPECT_EQ(out.payload(), R"({"a":1,"c":11})");
  out = b.messages[0];
  ASSERT_TRUE(m->apply(b, 0, out, false));
  EXPECT_EQ(out.payload(), R"({"c":11})");
}

TEST(Bloblang, CommentsAndBlankLines) {
  EXPECT_EQ(run("# leading\n\nroot.a = 1 # trailing\n   \n# between\nroot.b = 2\n"),
            R"({"a":1,"b":2})");
  EXPECT_EQ(run("#!blobl\nroot = 1"), "1");
}

TEST(Bloblang, AssignmentErrorsNameTheProblem) {
  EXPECT_EQ(run("root = \"text\"\nroot.a = 1"),
            "error: failed assignment (line 2): unable to set target path a as the value of the "
            "root was a non-object type (string)");
  EXPECT_EQ(run("root.a = \"x\"\nroot.a.b = 1"),
            "error: failed assignment (line 2): unable to set target path a.b as the value of a "
            "was a non-object type (string)");
  EXPECT_EQ(run("root = this.a", "not json"),
            "error: failed assignment (line 1): unable to reference message as structured (with "
            "'this.a'): parse as json: syntax error");
  EXPECT_EQ(run("root = content()", "not json"), "not json");
}

TEST(Bloblang, ParseErrorsGiveLineCharAndCaret) {
  try {
    Mapping::parse("root.a = 1\nroot.b = this.c +");
    FAIL() << "expected a parse error";
  } catch (const bloblang::ParseError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 18);
    EXPECT_EQ(std::string(e.what()), "line 2 char 18: expected query");
    EXPECT_EQ(e.caret(), "  |\n2 | root.b = this.c +\n  |                  ^---");
  }
  EXPECT_EQ(run("foo wat bar"), "parse: line 1 char 5: expected =");
  EXPECT_EQ(run("root = this.a.nope()"), "parse: line 1 char 21: unrecognised method 'nope'");
  EXPECT_EQ(run("root = nope()"), "parse: line 1 char 8: unrecognised function 'nope'");
  EXPECT_EQ(run("root = throw(why: \"a\", \"b\")"),
            "parse: line 1 char 28: cannot mix named and nameless arguments");
  EXPECT_EQ(run("map a {\n  meta x = 1\n}"),
            "parse: line 2 char 3: setting meta fields is not allowed within this block");
  EXPECT_EQ(run("root = \"unterminated"), "parse: line 1 char 8: expected end of quoted string");
}

TEST(Bloblang, NamedArguments) {
  EXPECT_EQ(run("root = throw(why: \"named\").catch(\"c\")"), "c");
  EXPECT_EQ(run("root = throw(because: \"x\")"),
            "parse: line 1 char 27: unknown parameter because");
}

TEST(Bloblang, InterpolationEvaluatesPerMessage) {
  core::Batch b;
  b.messages.emplace_back(R"({"id":7,"name":"n"})");
  b.messages.back().set_meta("topic", "orders");
  auto i = core::Interpolation::compile("${! @topic }/${! this.id + 1 }-${! json(\"name\") }.json");
  EXPECT_FALSE(i->is_static());
  std::string out;
  i->eval(b, 0, out);
  EXPECT_EQ(out, "orders/8-n.json");
  auto s = core::Interpolation::compile("plain $${!not} ${! {\"a\": \"}\"}.a }");
  s->eval(b, 0, out);
  EXPECT_EQ(out, "plain ${!not} }");
  try {
    core::Interpolation::compile("x ${! this. }");
    FAIL() << "expected an error";
  } catch (const core::InterpolationError& e) {
    EXPECT_EQ(std::string(e.what()), "bloblang: expected method or field path");
    EXPECT_EQ(e.offset(), 12u);
  }
}

TEST(Bloblang, MappingProcessorFlagsFailuresAndDropsDeletes) {
  static core::Registry reg = make_registry();
  reset_channel("bl");
  auto& ch = channel("bl");
  ch.payloads = {R"({"n":1})", "not json", R"({"n":0})", R"({"n":3})"};
  auto r = run_config(
      "input:\n  test_feed:\n    channel: bl\n    batch_size: 4\npipeline:\n  threads: 1\n"
      "  processors:\n    - mapping: |\n        root = if this.n == 0 { deleted() } else { this.n "
      "* 10 }\n"
      "        meta seen = \"yes\"\noutput:\n  test_capture:\n    channel: bl\n",
      reg);
  EXPECT_EQ(r.exit_code, 0);
  ASSERT_EQ(ch.received.size(), 3u);
  EXPECT_EQ(ch.received[0], "10");
  EXPECT_EQ(ch.received_meta[0].at("seen"), "yes");
  EXPECT_EQ(ch.received[1], "not json");
  EXPECT_EQ(ch.received_errors[1],
            "failed assignment (line 1): failed to check if condition: unable to reference "
            "message as structured (with 'this.n'): parse as json: syntax error");
  EXPECT_EQ(ch.received[2], "30");
  EXPECT_EQ(ch.acks, std::vector<std::string>{"ok 0-3"});
}

TEST(Bloblang, LintReportsMappingErrorsAtTheirFilePosition) {
  static core::Registry reg = make_registry({plugin_dir()});
  auto r = core::load_config_string("pipeline:\n  processors:\n    - mapping: |\n        root.a = "
                                    "1\n        root.b = this.c + * 2\n"
                                    "output:\n  file:\n    path: 'out/${! this.x. }'\n",
                                    "m.yaml", reg);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].format(),
            "m.yaml:5:27: pipeline.processors.0.mapping: bloblang: expected query");
  EXPECT_EQ(r.errors[1].format(),
            "m.yaml:8:28: output.file.path: bloblang: expected method or field path");
}

TEST(Bloblang, BloblCommand) {
  auto e = run_plugctl("blobl 'root.b = this.a * 2'", "{\"a\":1}\nnope\n{\"a\":5}\n");
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_EQ(e.out, "{\"b\":2}\n{\"b\":10}\n");
  EXPECT_EQ(e.err,
            "failed: failed assignment (line 1): unable to reference message as structured (with "
            "'this.a'): parse as json: syntax error\n");
  auto meta = run_plugctl("blobl --meta '{\"k\":\"v\"}' 'root = @k + content()'", "x\n");
  EXPECT_EQ(meta.out, "vx\n");
  auto whole = run_plugctl("blobl --whole 'root = content()'", "a\nb\n");
  EXPECT_EQ(whole.exit_code, 0);
  EXPECT_EQ(whole.out, "a\nb\n\n");
  auto bad = run_plugctl("blobl 'root = '");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err, "line 1 char 8: expected query\n  |\n1 | root = \n  |        ^---\n");
  TempDir tmp;
  write_file(tmp.file("m.blobl"), "root = this.n + 1\n");
  auto file = run_plugctl("blobl -f " + tmp.file("m.blobl"), "{\"n\":1}\n");
  EXPECT_EQ(file.out, "2\n");
}

} // namespace
} // namespace plugctl::test
