// Standard library part A (strings, regex, encoding, parsing, coercion, general functions):
// each method called through the registry the way the evaluator calls it, with upstream's
// results and error texts, plus a few runs through whole mappings.
#include "bloblang/mapping.hpp"
#include "bloblang/registry.hpp"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <set>

namespace plugctl::test {
namespace {

namespace bl = plugctl::bloblang;
using bl::Value;

Value S(std::string s) {
  return Value::string(std::move(s));
}
Value B(std::string s) {
  return Value::bytes(std::move(s));
}
Value I(int64_t i) {
  return Value::integer(i);
}
Value J(std::string_view text) {
  return Value(bl::json::parse(text));
}

// Builds Args in spec order: given arguments first, then the spec's defaults; then runs the
// Prepare step (when every argument is given) as the parser does.
bl::Args make_args(const bl::Spec& spec, const bl::Prepare& prepare, std::vector<Value> given) {
  bl::Args a;
  a.spec_ = &spec;
  size_t n = spec.variadic ? given.size() : std::max(given.size(), spec.params.size());
  a.values_.resize(n);
  a.present_.assign(n, false);
  a.queries_.assign(n, nullptr);
  for (size_t i = 0; i < n; ++i) {
    if (i < given.size()) {
      a.values_[i] = given[i];
      a.present_[i] = true;
    } else if (!spec.variadic && spec.params[i].default_value) {
      a.values_[i] = Value(*spec.params[i].default_value);
      a.present_[i] = true;
    }
  }
  if (prepare) a.state_ = prepare(a);
  return a;
}

Value call(std::string_view method, const Value& target, std::vector<Value> args = {}) {
  const auto* m = bl::find_method(method);
  if (m == nullptr) throw std::runtime_error("no method " + std::string(method));
  bl::ExecContext ctx;
  bl::Args a = make_args(m->spec, m->prepare, std::move(args));
  return m->impl(ctx, target, a);
}

Value fn(std::string_view name, std::vector<Value> args = {}) {
  const auto* f = bl::find_function(name);
  if (f == nullptr) throw std::runtime_error("no function " + std::string(name));
  bl::ExecContext ctx;
  bl::Args a = make_args(f->spec, f->prepare, std::move(args));
  return f->impl(ctx, a);
}

std::string out(const Value& v) {
  return bl::serialize(v);
}

// The error text of a call ("" when it succeeds).
template <typename F> std::string err(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::string run(const std::string& mapping, const std::string& input = "{}") {
  try {
    auto m = bl::Mapping::parse(mapping);
    bl::ExecContext ctx;
    ctx.set_message(input);
    return bl::serialize(m->run(ctx).value);
  } catch (const std::exception& e) {
    return std::string("error: ") + e.what();
  }
}

// --- strings ---------------------------------------------------------------------------------
TEST(BloblangLibA, CaseMethods) {
  EXPECT_EQ(out(call("uppercase", S("hello wörld"))), "HELLO WÖRLD");
  EXPECT_EQ(out(call("lowercase", S("User@Example.COM"))), "user@example.com");
  EXPECT_EQ(call("uppercase", B("abc")).kind(), Value::Kind::Bytes);
  EXPECT_EQ(out(call("capitalize", S("the foo bar"))), "The Foo Bar");
  EXPECT_EQ(out(call("capitalize", S("hELLO wORLD don't"))), "Hello World Don't");
  EXPECT_EQ(err([] { call("uppercase", I(5)); }), "expected string value, got number (5)");
}

TEST(BloblangLibA, SearchAndSlice) {
  EXPECT_EQ(out(call("has_prefix", S("foobar"), {S("foo")})), "true");
  EXPECT_EQ(out(call("has_suffix", S("foobar"), {S("foo")})), "false");
  EXPECT_EQ(out(call("index_of", S("foobar"), {S("bar")})), "3");
  EXPECT_EQ(out(call("index_of", B("foobar"), {S("x")})), "-1");
  EXPECT_EQ(out(call("length", S("hello world"))), "11");
  EXPECT_EQ(out(call("length", J(R"([1,2])"))), "2");
  EXPECT_EQ(out(call("length", J(R"({"a":1})"))), "1");
  EXPECT_EQ(err([] { call("length", I(1)); }),
            "expected string, array or object value, got number (1)");
  EXPECT_EQ(out(call("slice", S("foo bar"), {I(-4)})), " bar");
  EXPECT_EQ(out(call("slice", S("foo bar"), {I(0), I(-4)})), "foo");
  EXPECT_EQ(out(call("slice", J(R"(["a","b","c","d","e"])"), {I(4)})), R"(["e"])");
  EXPECT_EQ(err([] { call("slice", S("abc"), {I(10)}); }),
            "lower slice bound 10 must be lower than or equal to upper bound (3) and target length "
            "(3)");
  EXPECT_EQ(err([] {
              call("slice", S("abc"), {I(2), I(1)});
            }),
            "lower slice bound 2 must be lower than upper (1)");
  EXPECT_EQ(err([] {
              call("slice", S("abc"), {I(2), I(-2)});
            }),
            "lower slice bound 2 must be lower than or equal to upper bound (1) and target length "
            "(3)");
  EXPECT_EQ(err([] { call("slice", I(1), {I(0)}); }),
            "expected array or string value, got number (1)");
}

TEST(BloblangLibA, ReplaceSplitTrimRepeatReverse) {
  EXPECT_EQ(out(call("replace_all", S("The foo ate"), {S("foo"), S("dog")})), "The dog ate");
  EXPECT_EQ(out(call("replace_all", S("ab"), {S(""), S("-")})), "-a-b-");
  EXPECT_EQ(out(call("replace_all_many", S("<b>hi</b>"), {J(R"(["<b>","[b]","</b>","[/b]"])")})),
            "[b]hi[/b]");
  EXPECT_EQ(err([] { call("replace_all_many", S("x"), {J(R"(["a","b","c"])")}); }),
            "invalid arg, replacements should be in pairs and must therefore be even: [a b c]");
  EXPECT_EQ(err([] { call("replace_all_many", S("x"), {J(R"(["a",1])")}); }),
            "invalid replacement value at index 1: expected string value, got number (1)");
  EXPECT_EQ(out(call("split", S("foo,,qux"), {S(","), Value::boolean(true)})),
            R"(["foo",null,"qux"])");
  EXPECT_EQ(out(call("split", S("abc"), {S("")})), R"(["a","b","c"])");
  EXPECT_EQ(out(call("trim", S("  x \n"))), "x");
  EXPECT_EQ(out(call("trim", S("!!!watch out!?"), {S("!?")})), "watch out");
  EXPECT_EQ(out(call("trim_prefix", S("foobar_blobton"), {S("foobar_")})), "blobton");
  EXPECT_EQ(out(call("trim_suffix", S("unchanged"), {S("_foobar")})), "unchanged");
  EXPECT_EQ(out(call("repeat", S("bob"), {I(3)})), "bobbobbob");
  EXPECT_EQ(err([] { call("repeat", S("bob"), {I(-1)}); }),
            "invalid count, must be greater than or equal to zero: -1");
  EXPECT_EQ(out(call("reverse", S("héllo"))), "olléh");
  EXPECT_EQ(out(call("reverse", B("ab"))), "ba");
}

TEST(BloblangLibA, QuotingAndEscaping) {
  EXPECT_EQ(out(call("quote", S("foo\nbar\x01"))), "\"foo\\nbar\\x01\"");
  EXPECT_EQ(out(call("unquote", S("\"hello\\tworld\""))), "hello\tworld");
  EXPECT_EQ(out(call("unquote", S("`raw`"))), "raw");
  EXPECT_EQ(err([] { call("unquote", S("nope")); }), "invalid syntax");
  EXPECT_EQ(out(call("escape_html", S("<a href='x'>&\"</a>"))),
            "&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;");
  EXPECT_EQ(out(call("unescape_html", S("&lt;p&gt; &amp;amp; &aacute; &#225; &#xE1; &amp &nope;"))),
            "<p> &amp; á á á & &nope;");
  EXPECT_EQ(out(call("escape_url_query", S("hello world!"))), "hello+world%21");
  EXPECT_EQ(out(call("unescape_url_query", S("foo+%26+bar"))), "foo & bar");
  EXPECT_EQ(out(call("escape_url_path", S("a b/c&d"))), "a%20b%2Fc&d");
  EXPECT_EQ(out(call("unescape_url_path", S("a+b%20c"))), "a+b c");
  EXPECT_EQ(err([] { call("unescape_url_query", S("%zz")); }), "invalid URL escape \"%zz\"");
  EXPECT_EQ(out(call("strip_html", S("<p>the plain <strong>old &amp; text</strong></p>"))),
            "the plain old &amp; text");
  EXPECT_EQ(out(call("strip_html", S("<article><p>x</p><script>y</script></article>"),
                     {J(R"(["article"])")})),
            "<article>x</article>");
}

TEST(BloblangLibA, FilepathAndFormat) {
  EXPECT_EQ(out(call("filepath_join", J(R"(["/foo/","bar.txt"])"))), "/foo/bar.txt");
  EXPECT_EQ(out(call("filepath_join", J(R"(["a","../b","./c/"])"))), "b/c");
  EXPECT_EQ(err([] { call("filepath_join", J(R"(["a",1])")); }),
            "path element 1: expected string value, got number (1)");
  EXPECT_EQ(out(call("filepath_split", S("/foo/bar.txt"))), R"(["/foo/","bar.txt"])");
  EXPECT_EQ(out(call("filepath_split", S("baz.txt"))), R"(["","baz.txt"])");
  EXPECT_EQ(out(call("format", S("%s(%v): %v"), {S("lance"), I(37), I(13)})), "lance(37): 13");
  EXPECT_EQ(out(call("format", S("%05.2f|%-4d|%x|%q|%T"),
                     {Value::number(3.14159), I(7), S("hi"), S("a\"b"), J("[1]")})),
            "03.14|7   |6869|\"a\\\"b\"|[]interface {}");
  EXPECT_EQ(out(call("format", S("%v %v"), {J(R"({"b":[1,"x"],"a":null})"), Value::number(1e6)})),
            "map[a:<nil> b:[1 x]] 1e+06");
  EXPECT_EQ(out(call("format", S("%d %s"), {S("x")})), "%!d(string=x) %!s(MISSING)");
  EXPECT_EQ(out(call("format", S("%v"), {I(1), I(2)})), "1%!(EXTRA int64=2)");
}

// --- regex -----------------------------------------------------------------------------------
TEST(BloblangLibA, Regex) {
  EXPECT_EQ(out(call("re_match", S("there are 10 puppies"), {S("[0-9]")})), "true");
  EXPECT_EQ(out(call("re_find_all", S("paranormal"), {S("a.")})), R"(["ar","an","al"])");
  EXPECT_EQ(out(call("re_find_all", S("abc"), {S("x*")})), R"(["","","",""])");
  EXPECT_EQ(out(call("re_find_all_submatch", S("-axxb-ab-"), {S("a(x*)b")})),
            R"([["axxb","xx"],["ab",""]])");
  EXPECT_EQ(out(call("re_find_object", S("-axxb-ab-"), {S("a(?P<foo>x*)b")})),
            R"({"0":"axxb","foo":"xx"})");
  EXPECT_EQ(out(call("re_find_object", S("zzz"), {S("a(?<foo>x*)b")})), "{}");
  EXPECT_EQ(out(call("re_find_all_object", S("-axxb-ab-"), {S("a(?P<foo>x*)b")})),
            R"([{"0":"axxb","foo":"xx"},{"0":"ab","foo":""}])");
  EXPECT_EQ(out(call("re_replace_all", S("foo ADD 70"), {S("ADD ([0-9]+)"), S("+($1)")})),
            "foo +(70)");
  EXPECT_EQ(out(call("re_replace_all", S("abc"), {S("(?P<x>b)"), S("[${x}$1x$$]")})), "a[b$]c");
  EXPECT_EQ(out(call("re_replace_all", S("abc"), {S("x*"), S("-")})), "-a-b-c-");
  EXPECT_EQ(err([] { call("re_match", S("x"), {S("(abc")}); }),
            "error parsing regexp: missing closing ): `(abc`");
}

// --- encoding --------------------------------------------------------------------------------
TEST(BloblangLibA, EncodeDecode) {
  EXPECT_EQ(out(call("encode", S("hello world"), {S("hex")})), "68656c6c6f20776f726c64");
  EXPECT_EQ(out(call("encode", S("this is totally unstructured data"), {S("ascii85")})),
            "FD,B0+DGm>FDl80Ci\"A>F`)8BEckl6F`M&(+Cno&@/");
  EXPECT_EQ(out(call("decode", S("FD,B0+DGm>FDl80Ci\"A>F`)8BEckl6F`M&(+Cno&@/"), {S("ascii85")})),
            "this is totally unstructured data");
  EXPECT_EQ(out(call("encode", S("hi?"), {S("base64")})), "aGk/");
  EXPECT_EQ(out(call("encode", S("hi?>"), {S("base64url")})), "aGk_Pg==");
  EXPECT_EQ(out(call("encode", S("hi?>"), {S("base64rawurl")})), "aGk_Pg");
  EXPECT_EQ(out(call("decode", S("aGk_Pg"), {S("base64rawurl")})), "hi?>");
  EXPECT_EQ(out(call("decode", S("aGk/"), {S("base64")})), "hi?");
  EXPECT_EQ(err([] { call("decode", S("aGk"), {S("base64")}); }), "unexpected EOF");
  EXPECT_EQ(err([] { call("decode", S("a!k="), {S("base64")}); }),
            "illegal base64 data at input byte 1");
  EXPECT_EQ(err([] { call("decode", S("6g"), {S("hex")}); }),
            "encoding/hex: invalid byte: U+0067 'g'");
  EXPECT_EQ(err([] { call("encode", S("x"), {S("rot13")}); }), "unrecognized encoding type: rot13");
  EXPECT_EQ(out(call("decode", call("encode", S("abcd"), {S("z85")}), {S("z85")})), "abcd");
}

TEST(BloblangLibA, Hash) {
  auto hex = [](const Value& v) { return out(call("encode", v, {S("hex")})); };
  EXPECT_EQ(hex(call("hash", S("hello world"), {S("sha1")})),
            "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed");
  EXPECT_EQ(hex(call("hash", S("hello world"), {S("hmac_sha1"), S("static-key")})),
            "d87e5f068fa08fe90bb95bc7c8344cb809179d76");
  EXPECT_EQ(hex(call("hash", S("hello world"), {S("crc32"), Value(), S("Castagnoli")})),
            "c99465aa");
  EXPECT_EQ(hex(call("hash", S("hello world"), {S("crc32"), Value(), S("Koopman")})), "df373d3c");
  EXPECT_EQ(hex(call("hash", S("hello world"), {S("crc32")})), "0d4a1185");
  EXPECT_EQ(hex(call("hash", S("hello world"), {S("md5")})), "5eb63bbbe01eeed093cb22bb8f5acdc3");
  EXPECT_EQ(out(call("hash", S("hello world"), {S("fnv32")})), "1418570095");
  EXPECT_EQ(out(call("hash", S(""), {S("xxhash64")})), "17241709254077376921");
  EXPECT_EQ(err([] { call("hash", S("x"), {S("hmac_sha256")}); }),
            "hash algorithm hmac_sha256 requires a key argument");
  EXPECT_EQ(err([] { call("hash", S("x"), {S("sha3")}); }), "unrecognized hash type: sha3");
}

TEST(BloblangLibA, Compression) {
  // Byte-identical to Benthos (klauspost/compress) for small inputs.
  EXPECT_EQ(out(call("encode",
                     call("compress", S(R"({"message":"hello world I love space"})"), {S("gzip")}),
                     {S("base64")})),
            "H4sIAAAJbogA/wAmANn/eyJtZXNzYWdlIjoiaGVsbG8gd29ybGQgSSBsb3ZlIHNwYWNlIn0DAHEvdwomAAAA");
  std::string fox =
      "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog.";
  EXPECT_EQ(out(call("length", call("compress", S(fox), {S("gzip")}))), "114");
  EXPECT_EQ(out(call("length", call("compress", S(fox), {S("lz4")}))), "85");
  EXPECT_EQ(out(call("encode", call("compress", S("hello world I love space"), {S("lz4")}),
                     {S("base64")})),
            "BCJNGGRwuRgAAIBoZWxsbyB3b3JsZCBJIGxvdmUgc3BhY2UAAAAAGoETLg==");
  std::string big(5000, 'x');
  for (const char* alg : {"gzip", "pgzip", "zlib", "flate", "lz4", "snappy", "zstd"}) {
    for (const std::string& data : {fox, big, std::string()}) {
      Value c = call("compress", S(data), {S(alg)});
      EXPECT_EQ(call("decompress", c, {S(alg)}).get_string(), data) << alg;
    }
  }
  EXPECT_EQ(
      out(call("decompress",
               call("decode", S("H4sIAN12MWkAA8tIzcnJVyjPL8pJUfBUyMkvS1UoLkhMTgUAQpDxbxgAAAA="),
                    {S("base64")}),
               {S("gzip")})),
      "hello world I love space");
  EXPECT_EQ(err([] { call("compress", S("x"), {S("brotli")}); }),
            "compression type not recognised: brotli");
  EXPECT_EQ(err([] {
              call("compress", S("x"), {S("gzip"), I(12)});
            }),
            "gzip: invalid compression level: 12");
  EXPECT_EQ(err([] { call("decompress", S("nope"), {S("gzip")}); }), "gzip: invalid header");
}

TEST(BloblangLibA, Aes) {
  Value key = call("decode", S("2b7e151628aed2a6abf7158809cf4f3c"), {S("hex")});
  Value iv = call("decode", S("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), {S("hex")});
  Value enc = call("encrypt_aes", S("hello world!"), {S("ctr"), key, iv});
  EXPECT_EQ(out(call("encode", enc, {S("hex")})), "84e9b31ff7400bdf80be7254");
  EXPECT_EQ(out(call("decrypt_aes", enc, {S("ctr"), key, iv})), "hello world!");
  for (const char* scheme : {"ofb", "cbc"}) {
    Value e = call("encrypt_aes", S("0123456789abcdef"), {S(scheme), key, iv});
    EXPECT_EQ(out(call("decrypt_aes", e, {S(scheme), key, iv})), "0123456789abcdef");
  }
  Value nonce = S("abcdefghijkl");
  Value g = call("encrypt_aes", S("secret"), {S("gcm"), key, nonce});
  EXPECT_EQ(g.get_string().size(), 6u + 16u);
  EXPECT_EQ(out(call("decrypt_aes", g, {S("gcm"), key, nonce})), "secret");
  EXPECT_EQ(err([&] {
              call("encrypt_aes", S("abc"), {S("cbc"), key, iv});
            }),
            "plaintext is not a multiple of the block size");
  EXPECT_EQ(err([&] {
              call("encrypt_aes", S("abc"), {S("ctr"), key, S("short")});
            }),
            "the key must match the initialisation vector size");
  EXPECT_EQ(err([&] {
              call("encrypt_aes", S("abc"), {S("ctr"), S("k"), iv});
            }),
            "crypto/aes: invalid key size 1");
  EXPECT_EQ(err([&] {
              call("encrypt_aes", S("abc"), {S("xts"), key, iv});
            }),
            "unrecognized encryption type: xts");
}

TEST(BloblangLibA, UuidV5) {
  EXPECT_EQ(out(call("uuid_v5", S("example"))), "feb54431-301b-52bb-a6dd-e1e93e81bb9e");
  EXPECT_EQ(out(call("uuid_v5", S("example"), {S("x500")})),
            "0cbd148f-768f-52fe-a1cd-0c4e6c65de91");
  EXPECT_EQ(out(call("uuid_v5", S("example"), {S("77f836b7-9f61-46c0-851e-9b6ca3535e69")})),
            "a0d220eb-18f1-50ca-b888-86aa5b604edf");
  EXPECT_EQ(err([] { call("uuid_v5", S("x"), {S("nope")}); }), "invalid ns uuid: \"nope\"");
}

// --- parsing ---------------------------------------------------------------------------------
TEST(BloblangLibA, Json) {
  EXPECT_EQ(out(call("parse_json", S(R"({"foo":"bar","n":5} trailing)"))),
            R"({"foo":"bar","n":5})");
  EXPECT_TRUE(call("parse_json", S("5")).json().is_double());
  EXPECT_TRUE(call("parse_json", S("5"), {Value::boolean(true)}).json().is_int64());
  EXPECT_EQ(err([] { call("parse_json", S("{nope")); }),
            "failed to parse value as JSON: invalid character 'n' looking for beginning of value");
  EXPECT_EQ(out(call("format_json", J(R"({"foo":"bar"})"))), "{\n    \"foo\": \"bar\"\n}");
  EXPECT_EQ(out(call("format_json", J(R"({"a":[1,{}],"b":"<&>"})"), {S(" ")})),
            "{\n \"a\": [\n  1,\n  {}\n ],\n \"b\": \"\\u003c\\u0026\\u003e\"\n}");
  EXPECT_EQ(out(call("format_json", J(R"({"b":"<"})"),
                     {S("  "), Value::boolean(true), Value::boolean(false)})),
            R"({"b":"<"})");
}

TEST(BloblangLibA, Yaml) {
  EXPECT_EQ(out(call("parse_yaml", S("foo: bar\nn: 5\nf: 1.5\nb: true\nz: ~\nq: '5'\nl: [1, x]"))),
            R"({"b":true,"f":1.5,"foo":"bar","l":[1,"x"],"n":5,"q":"5","z":null})");
  EXPECT_EQ(out(call("format_yaml", J(R"({"foo":"bar"})"))), "foo: bar\n");
  EXPECT_EQ(out(call("format_yaml", S("a\nb"))), "|-\n    a\n    b\n");
  EXPECT_EQ(out(call("format_yaml", J(R"(["x",[],{}])"))), "- x\n- []\n- {}\n");
  EXPECT_EQ(
      out(call("format_yaml",
               J(R"({"a":{"b":[1,"true",""]},"l":[{"x":1,"k":"a: b"}],"m":"x\ny"})"))),
      "a:\n    b:\n        - 1\n        - \"true\"\n        - \"\"\nl:\n    -   k: 'a: b'\n        "
      "x: 1\nm: |-\n    x\n    y\n");
  EXPECT_NE(err([] { call("parse_yaml", S("a: [")); }).find("failed to parse value as YAML"),
            std::string::npos);
}

TEST(BloblangLibA, Csv) {
  EXPECT_EQ(out(call("parse_csv", S("foo,bar\nfoo 1,bar 1\nfoo 2,bar 2"))),
            R"([{"bar":"bar 1","foo":"foo 1"},{"bar":"bar 2","foo":"foo 2"}])");
  EXPECT_EQ(out(call("parse_csv", S("a,\"b\nc\"\r\n1,\"x\"\"y\""), {Value::boolean(false)})),
            R"([["a","b\nc"],["1","x\"y"]])");
  EXPECT_EQ(out(call("parse_csv", S("foo.bar\n1.2"), {Value::boolean(true), S(".")})),
            R"([{"bar":"2","foo":"1"}])");
  EXPECT_EQ(err([] { call("parse_csv", S("a,b\n1")); }),
            "record on line 2: wrong number of fields");
  EXPECT_EQ(err([] { call("parse_csv", S("a,b\nx\"y,1")); }),
            "parse error on line 2, column 2: bare \" in non-quoted-field");
  EXPECT_EQ(out(call("parse_csv", S("a,b\nx\"y,1"),
                     {Value::boolean(true), S(","), Value::boolean(true)})),
            R"([{"a":"x\"y","b":"1"}])");
  EXPECT_EQ(err([] { call("parse_csv", S("")); }), "zero records were parsed");
  EXPECT_EQ(err([] {
              call("parse_csv", S("a"), {Value::boolean(true), S("ab")});
            }),
            "delimiter value must be exactly one character");
}

TEST(BloblangLibA, LogfmtUrlForm) {
  EXPECT_EQ(out(call("parse_logfmt", S(R"(level=info msg="hello world" dur=1.5s flag)"))),
            R"({"dur":"1.5s","flag":"","level":"info","msg":"hello world"})");
  EXPECT_EQ(
      out(call("parse_url", S("https://docs.redpanda.com/a/b/"))),
      R"({"fragment":"","host":"docs.redpanda.com","opaque":"","path":"/a/b/","raw_fragment":"","raw_path":"","raw_query":"","scheme":"https"})");
  EXPECT_EQ(
      out(call("parse_url", S("amqp://foo:b%20r@127.0.0.1:5672/x%2Fy?q=1#f%20g"))),
      R"({"fragment":"f g","host":"127.0.0.1:5672","opaque":"","path":"/x/y","raw_fragment":"","raw_path":"/x%2Fy","raw_query":"q=1","scheme":"amqp","user":{"name":"foo","password":"b r"}})");
  EXPECT_EQ(err([] { call("parse_url", S("invalid %&# url")); }),
            "parse \"invalid %&\": invalid URL escape \"%&\"");
  EXPECT_EQ(out(call("parse_form_url_encoded", S("noise=meow&animal=cat&fur=orange&fur=fluffy"))),
            R"({"animal":"cat","fur":["orange","fluffy"],"noise":"meow"})");
  EXPECT_EQ(err([] { call("parse_form_url_encoded", S("a=1;b=2")); }),
            "failed to parse value as url-encoded data: invalid semicolon separator in query");
}

TEST(BloblangLibA, JsonSchema) {
  Value schema = S(R"({"type":"object","properties":{"foo":{"type":"string"}},"required":["id"]})");
  EXPECT_EQ(out(call("json_schema", J(R"({"foo":"bar","id":1})"), {schema})),
            R"({"foo":"bar","id":1})");
  EXPECT_EQ(err([&] { call("json_schema", J(R"({"foo":5,"id":1})"), {schema}); }),
            "foo invalid type. expected: string, given: integer");
  EXPECT_EQ(err([&] { call("json_schema", J(R"({"foo":"x"})"), {schema}); }),
            "(root) id is required");
}

// --- coercion --------------------------------------------------------------------------------
TEST(BloblangLibA, Coercion) {
  EXPECT_EQ(out(call("string", J(R"({"foo":"<bar>"})"))), R"({"foo":"\u003cbar\u003e"})");
  EXPECT_EQ(out(call("string", Value::number(1e6))), "1e+06");
  EXPECT_EQ(out(call("string", Value())), "null");
  EXPECT_EQ(call("bytes", I(5)).kind(), Value::Kind::Bytes);
  EXPECT_EQ(out(call("number", S("12.5"))), "12.5");
  EXPECT_EQ(out(call("number", S("nope"), {Value::number(5)})), "5");
  EXPECT_EQ(err([] { call("number", S("nope")); }),
            "strconv.ParseFloat: parsing \"nope\": invalid syntax");
  EXPECT_EQ(out(call("bool", S("T"))), "true");
  EXPECT_EQ(out(call("bool", I(0))), "false");
  EXPECT_EQ(out(call("bool", S("nope"), {Value::boolean(true)})), "true");
  EXPECT_EQ(err([] { call("bool", S("nope")); }), "expected bool value, got string (\"nope\")");
  EXPECT_EQ(out(call("type", B("x"))), "bytes");
  EXPECT_EQ(out(call("array", S("x"))), R"(["x"])");
  EXPECT_EQ(out(call("array", J("[1]"))), "[1]");
  EXPECT_EQ(out(call("type", call("timestamp", I(0)))), "timestamp");
  EXPECT_EQ(call("timestamp", S("2022-06-06T00:00:00Z")).ts().sec, 1654473600);
  EXPECT_EQ(out(call("type", J("null"))), "null");
  EXPECT_EQ(err([] { call("not_null", Value()); }), "value is null");
  EXPECT_EQ(out(call("not_empty", J(R"(["foo"])"))), R"(["foo"])");
  EXPECT_EQ(err([] { call("not_empty", S("")); }), "string value is empty");
  EXPECT_EQ(err([] { call("not_empty", J("[]")); }), "array value is empty");
  EXPECT_EQ(err([] { call("not_empty", J("{}")); }), "object value is empty");
  EXPECT_EQ(err([] { call("not_empty", I(1)); }),
            "expected string, array or object value, got number (1)");
}

TEST(BloblangLibA, SizedNumbers) {
  EXPECT_EQ(out(call("int16", S("0xDE"))), "222");
  EXPECT_EQ(out(call("int64", S("-1_000"))), "-1000");
  EXPECT_EQ(out(call("uint64", S("0xDEADBEEF"))), "3735928559");
  EXPECT_EQ(out(call("int8", S("0o17"))), "15");
  EXPECT_EQ(err([] { call("int8", I(200)); }),
            "value is too large to be cast as an 8-bit signed integer");
  EXPECT_EQ(err([] { call("int32", I(-3000000000)); }),
            "value is too small to be cast as a 32-bit signed integer");
  EXPECT_EQ(err([] { call("uint8", I(-12)); }),
            "signed integer value is negative and cannot be cast as an unsigned integer");
  EXPECT_EQ(err([] { call("int64", Value::number(1.5)); }),
            "float value contains decimals and therefore cannot be cast as a signed integer, if "
            "you intend to round the value then call `.round()` explicitly before this cast");
  EXPECT_EQ(err([] { call("int64", S("12x")); }),
            "strconv.ParseInt: parsing \"12x\": invalid syntax");
  EXPECT_EQ(err([] { call("uint64", S("-1")); }),
            "strconv.ParseUint: parsing \"-1\": invalid syntax");
  EXPECT_EQ(out(call("float64", S("6.674282313423543523453425345e-11"))), "6.674282313423544e-11");
  EXPECT_EQ(out(call("float32", S("6.674282313423543523453425345e-11"))), "6.674283e-11");
}

// --- functions -------------------------------------------------------------------------------
TEST(BloblangLibA, Functions) {
  std::string u4 = fn("uuid_v4").get_string();
  EXPECT_EQ(u4.size(), 36u);
  EXPECT_EQ(u4[14], '4');
  EXPECT_EQ(fn("uuid_v7").get_string()[14], '7');
  EXPECT_EQ(fn("nanoid").get_string().size(), 21u);
  std::string n = fn("nanoid", {I(10), S("ab")}).get_string();
  EXPECT_EQ(n.size(), 10u);
  EXPECT_EQ(n.find_first_not_of("ab"), std::string::npos);
  EXPECT_EQ(fn("ksuid").get_string().size(), 27u);
  int64_t r = fn("random_int", {I(1), I(10), I(20)}).get_int();
  EXPECT_GE(r, 10);
  EXPECT_LE(r, 20);
  EXPECT_EQ(err([] {
              fn("random_int", {I(1), I(5), I(1)});
            }),
            "min (5) must be smaller or equal than max (1)");
  EXPECT_FALSE(fn("hostname").get_string().empty());
  setenv("PLUGCTL_LIB_A_TEST", "yes", 1);
  EXPECT_EQ(out(fn("env", {S("PLUGCTL_LIB_A_TEST")})), "yes");
  EXPECT_EQ(out(fn("env", {S("PLUGCTL_LIB_A_UNSET_VAR")})), "null");
  std::string path = ::testing::TempDir() + "/lib_a_file.txt";
  std::ofstream(path) << "contents";
  EXPECT_EQ(out(fn("file", {S(path)})), "contents");
  EXPECT_EQ(err([] { fn("file", {S("/nonexistent/x")}); }),
            "open /nonexistent/x: No such file or directory");
}

// --- through whole mappings ------------------------------------------------------------------
TEST(BloblangLibA, InMappings) {
  EXPECT_EQ(run("root.a = this.a.not_empty()", R"({"a":["foo","bar"]})"), R"({"a":["foo","bar"]})");
  EXPECT_EQ(run(R"(root = "%s-%v".format(this.a, this.b))", R"({"a":"x","b":[1]})"), "x-[1]");
  EXPECT_EQ(run(R"(root = this.s.re_replace_all("(", "x"))", R"({"s":"a"})").substr(0, 6),
            "error:");
  EXPECT_EQ(run("root = this.url.parse_url()", R"({"url":"invalid %&# url"})"),
            "error: failed assignment (line 1): field `this.url`: parse \"invalid %&\": invalid "
            "URL escape \"%&\"");
}

} // namespace
} // namespace plugctl::test

namespace plugctl::test {
namespace {

// Every documented example of the part A methods runs and gives its documented result (upstream's
// docs test does the same), so the specs cannot rot.
bool same_output(const std::string& got, const std::string& want) {
  boost::system::error_code e1, e2;
  auto a = bl::json::parse(got, e1);
  auto b = bl::json::parse(want, e2);
  if (!e1 && !e2) return bl::equal(a, b);
  return got == want;
}

TEST(BloblangLibA, DocumentedExamplesHold) {
  const std::set<std::string> mine = {"capitalize",
                                      "uppercase",
                                      "lowercase",
                                      "has_prefix",
                                      "has_suffix",
                                      "index_of",
                                      "length",
                                      "repeat",
                                      "replace_all",
                                      "replace_all_many",
                                      "reverse",
                                      "slice",
                                      "split",
                                      "trim",
                                      "trim_prefix",
                                      "trim_suffix",
                                      "quote",
                                      "unquote",
                                      "escape_html",
                                      "unescape_html",
                                      "escape_url_path",
                                      "escape_url_query",
                                      "unescape_url_path",
                                      "unescape_url_query",
                                      "filepath_join",
                                      "filepath_split",
                                      "format",
                                      "strip_html",
                                      "uuid_v5",
                                      "re_match",
                                      "re_find_all",
                                      "re_find_all_submatch",
                                      "re_find_object",
                                      "re_find_all_object",
                                      "re_replace_all",
                                      "encode",
                                      "decode",
                                      "hash",
                                      "compress",
                                      "decompress",
                                      "encrypt_aes",
                                      "decrypt_aes",
                                      "parse_json",
                                      "format_json",
                                      "parse_yaml",
                                      "format_yaml",
                                      "parse_csv",
                                      "parse_logfmt",
                                      "parse_url",
                                      "parse_form_url_encoded",
                                      "json_schema",
                                      "string",
                                      "bytes",
                                      "int8",
                                      "int16",
                                      "int32",
                                      "int64",
                                      "uint8",
                                      "uint16",
                                      "uint32",
                                      "uint64",
                                      "float32",
                                      "float64",
                                      "not_null",
                                      "not_empty",
                                      "array"};
  int checked = 0;
  for (const auto* m : bl::all_methods()) {
    if (!mine.count(m->spec.name)) continue;
    for (const auto& ex : m->spec.examples) {
      for (const auto& [in, want] : ex.results) {
        if (in.empty()) continue; // not run upstream either
        std::string got = run(ex.mapping, in);
        bool ok;
        if (want.starts_with("Error(\"")) {
          std::string msg =
              bl::json::value_to<std::string>(bl::json::parse(want.substr(6, want.size() - 7)));
          ok = got == "error: " + msg;
        } else if (got.starts_with("error: ") &&
                   got.find("unrecognised method") != std::string::npos) {
          continue; // needs a method from another part of the library
        } else {
          ok = same_output(got, want);
        }
        ++checked;
        EXPECT_TRUE(ok) << m->spec.name << ": " << ex.mapping << "\n  in:   " << in
                        << "\n  want: " << want << "\n  got:  " << got;
      }
    }
  }
  EXPECT_GT(checked, 80);
}

} // namespace
} // namespace plugctl::test
