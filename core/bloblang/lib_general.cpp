// Bloblang standard library: identifier, randomness and environment functions (uuid_v4,
// uuid_v7, nanoid, ksuid, random_int, hostname, env, file), following Benthos's functions.go
// and impl/io/bloblang.go. env() and file() read their source once when the mapping is built
// unless `no_cache` is set, as upstream does.
#include "bloblang/lib_util.hpp"
#include "bloblang/query.hpp"
#include "bloblang/registry.hpp"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <openssl/rand.h>
#include <random>
#include <sstream>
#include <unistd.h>

namespace plugctl::bloblang {
namespace {

constexpr const char* kGeneral = "General";
constexpr const char* kEnvironment = "Environment";

Example example(std::string mapping, std::string summary = {}) {
  return Example{.mapping = std::move(mapping), .summary = std::move(summary)};
}

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::random_device rd;
    for (auto& c : out)
      c = static_cast<char>(rd());
  }
  return out;
}

std::string uuid_text(const std::string& b) {
  std::string hex = lib::hex_encode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

const bool kUuidV4 = register_function(
    {.name = "uuid_v4",
     .category = kGeneral,
     .description = "Generates a new RFC-4122 UUID each time it is invoked and prints a string "
                    "representation.",
     .examples = {example("root.id = uuid_v4()")}},
    [](ExecContext&, const Args&) {
      std::string b = random_bytes(16);
      b[6] = static_cast<char>((b[6] & 0x0F) | 0x40);
      b[8] = static_cast<char>((b[8] & 0x3F) | 0x80);
      return Value::string(uuid_text(b));
    });

const bool kUuidV7 = register_function(
    {.name = "uuid_v7",
     .category = kGeneral,
     .description = "Generates a new time ordered UUID each time it is invoked and prints a "
                    "string representation.",
     .params = {ParamSpec{.name = "time",
                          .type = ParamType::Timestamp,
                          .description = "An optional timestamp to use for the time ordered "
                                         "portion of the UUID.",
                          .optional = true}},
     .examples = {example("root.id = uuid_v7()"),
                  example("root.id = uuid_v7(now().ts_sub_iso8601(\"PT1M\"))",
                          "It is also possible to specify the timestamp for the uuid_v7")}},
    [](ExecContext&, const Args& args) {
      int64_t ms;
      if (args.has(0) && !args[0].is_null()) {
        Timestamp t = args[0].get_timestamp();
        ms = t.sec * 1000 + t.nsec / 1000000;
      } else {
        ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
      }
      std::string b = random_bytes(16);
      for (int k = 0; k < 6; ++k)
        b[static_cast<size_t>(k)] = static_cast<char>(ms >> (40 - 8 * k));
      b[6] = static_cast<char>((b[6] & 0x0F) | 0x70);
      b[8] = static_cast<char>((b[8] & 0x3F) | 0x80);
      return Value::string(uuid_text(b));
    });

constexpr std::string_view kNanoidAlphabet =
    "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

// go-nanoid's Generate: unbiased picks from `alphabet` using a bit mask over random bytes.
std::string nanoid(std::string_view alphabet, int64_t size) {
  std::vector<char32_t> chars;
  for (size_t i = 0; i < alphabet.size();) {
    size_t w;
    chars.push_back(lib::decode_rune(alphabet, i, &w));
    i += w;
  }
  if (chars.empty() || chars.size() > 255)
    throw EvalError("alphabet must not be empty and contain no more than 255 chars");
  if (size <= 0) throw EvalError("size must be positive integer");
  uint32_t mask = 1;
  while (mask < chars.size() - 1)
    mask = (mask << 1) | 1;
  std::string out;
  int64_t produced = 0;
  while (produced < size) {
    std::string bytes = random_bytes(64);
    for (unsigned char b : bytes) {
      uint32_t idx = b & mask;
      if (idx < chars.size()) {
        lib::append_rune(out, chars[idx]);
        if (++produced == size) break;
      }
    }
  }
  return out;
}

const bool kNanoid = register_function(
    {.name = "nanoid",
     .category = kGeneral,
     .description = "Generates a new nanoid each time it is invoked and prints a string "
                    "representation.",
     .params = {ParamSpec{.name = "length",
                          .type = ParamType::Int,
                          .description = "An optional length.",
                          .optional = true},
                ParamSpec{.name = "alphabet",
                          .type = ParamType::String,
                          .description = "An optional custom alphabet to use for generating IDs. "
                                         "When specified the field `length` must also be "
                                         "present.",
                          .optional = true}},
     .examples = {example("root.id = nanoid()"),
                  example("root.id = nanoid(54)",
                          "It is possible to specify an optional length parameter."),
                  example("root.id = nanoid(54, \"abcde\")",
                          "It is also possible to specify an optional custom alphabet after the "
                          "length parameter.")}},
    [](ExecContext&, const Args& args) {
      bool has_len = args.has(0) && !args[0].is_null();
      bool has_alpha = args.has(1) && !args[1].is_null();
      if (has_alpha && !has_len)
        throw EvalError("field length must be specified when an alphabet is specified");
      int64_t len = has_len ? args.integer(0) : 21;
      std::string alphabet = has_alpha ? args.string(1) : std::string(kNanoidAlphabet);
      return Value::string(nanoid(alphabet, len));
    },
    [](const Args& args) -> std::shared_ptr<const void> {
      if (lib::has_arg(args, 1) && !args[1].is_null() &&
          !(lib::has_arg(args, 0) && !args[0].is_null()))
        throw std::invalid_argument("field length must be specified when an alphabet is specified");
      return nullptr;
    });

// KSUID: 4 bytes of seconds since 2014-05-13 (epoch 1400000000) and 16 random bytes, as 27
// base62 characters.
std::string ksuid() {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  auto ts = static_cast<uint32_t>(now - 1400000000);
  std::string raw;
  for (int k = 3; k >= 0; --k)
    raw.push_back(static_cast<char>(ts >> (8 * k)));
  raw += random_bytes(16);
  static const char* kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::vector<uint32_t> num; // base 2^32 big-endian digits
  for (size_t i = 0; i < 20; i += 4) {
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k)
      v = (v << 8) | static_cast<unsigned char>(raw[i + k]);
    num.push_back(v);
  }
  std::string out;
  while (!num.empty()) {
    std::vector<uint32_t> quotient;
    uint64_t rem = 0;
    for (uint32_t d : num) {
      uint64_t acc = (rem << 32) | d;
      auto q = static_cast<uint32_t>(acc / 62);
      rem = acc % 62;
      if (!quotient.empty() || q != 0) quotient.push_back(q);
    }
    out.push_back(kBase62[rem]);
    num = std::move(quotient);
  }
  while (out.size() < 27)
    out.push_back('0');
  return std::string(out.rbegin(), out.rend());
}

const bool kKsuid = register_function(
    {.name = "ksuid",
     .category = kGeneral,
     .description = "Generates a new ksuid each time it is invoked and prints a string "
                    "representation.",
     .examples = {example("root.id = ksuid()")}},
    [](ExecContext&, const Args&) { return Value::string(ksuid()); });

// --- random_int ------------------------------------------------------------------------------
struct Rng {
  std::mutex mu;
  bool seeded = false;
  std::mt19937_64 gen;
};

constexpr int64_t kRandomMaxDefault = INT64_MAX - 1;

int64_t arg_int_or(const Args& args, size_t i, int64_t dflt) {
  if (args.has(i) && !args[i].is_null()) return args.integer(i);
  return dflt;
}

void check_random_bounds(int64_t min, int64_t max) {
  if (min < 0) throw EvalError("min (" + std::to_string(min) + ") must be a positive number");
  if (max < min)
    throw EvalError("min (" + std::to_string(min) + ") must be smaller or equal than max (" +
                    std::to_string(max) + ")");
  if (max == INT64_MAX)
    throw EvalError("max must be smaller than the max allowed for an int64 (" +
                    std::to_string(INT64_MAX) + ")");
}

// One generator per call site: the prepared state, or one keyed by the seed query's node.
std::shared_ptr<Rng> rng_for(const Args& args) {
  if (args.state() != nullptr)
    return std::shared_ptr<Rng>(std::shared_ptr<void>(),
                                const_cast<Rng*>(static_cast<const Rng*>(args.state())));
  static std::mutex mu;
  static std::map<const void*, std::shared_ptr<Rng>> by_site;
  const void* key = !args.queries_.empty() && args.queries_[0] != nullptr
                        ? static_cast<const void*>(args.queries_[0])
                        : static_cast<const void*>(args.spec_);
  std::lock_guard lock(mu);
  auto& slot = by_site[key];
  if (!slot) slot = std::make_shared<Rng>();
  return slot;
}

const bool kRandomInt = register_function(
    {.name = "random_int",
     .category = kGeneral,
     .description =
         "\nGenerates a non-negative pseudo-random 64-bit integer. An optional integer argument "
         "can be provided in order to seed the random number generator.\n\nOptional `min` and "
         "`max` arguments can be provided in order to only generate numbers within a range. "
         "Neither of these parameters can be set via a dynamic expression (i.e. from values taken "
         "from mapped data). Instead, for dynamic ranges extract a min and max manually using a "
         "modulo operator (`random_int() % a + b`).",
     .params = {ParamSpec{.name = "seed",
                          .type = ParamType::Query,
                          .description = "A seed to use, if a query is provided it will only be "
                                         "resolved once during the lifetime of the mapping.",
                          .default_value = json::value(0)},
                ParamSpec{.name = "min",
                          .type = ParamType::Int,
                          .description = "The minimum value the random generated number will "
                                         "have. The default value is 0.",
                          .default_value = json::value(0)},
                ParamSpec{.name = "max",
                          .type = ParamType::Int,
                          .description = "The maximum value the random generated number will "
                                         "have. The default value is 9223372036854775806 "
                                         "(math.MaxInt64 - 1).",
                          .default_value = json::value(kRandomMaxDefault)}},
     .examples = {example(
                      "root.first = random_int()\nroot.second = random_int(1)\nroot.third = "
                      "random_int(max:20)\nroot.fourth = random_int(min:10, max:20)\nroot.fifth "
                      "= random_int(timestamp_unix_nano(), 5, 20)\nroot.sixth = "
                      "random_int(seed:timestamp_unix_nano(), max:20)\n"),
                  example("root.first = random_int(timestamp_unix_nano())",
                          "It is possible to specify a dynamic seed argument, in which case the "
                          "argument will only be resolved once during the lifetime of the "
                          "mapping.")},
     .impure = true},
    [](ExecContext& ctx, const Args& args) {
      int64_t min = arg_int_or(args, 1, 0);
      int64_t max = arg_int_or(args, 2, kRandomMaxDefault);
      check_random_bounds(min, max);
      auto rng = rng_for(args);
      std::lock_guard lock(rng->mu);
      if (!rng->seeded) {
        Value seed_v;
        try {
          if (!args.queries_.empty() && args.queries_[0] != nullptr) {
            seed_v = args.queries_[0]->eval(ctx);
          } else if (args.has(0)) {
            seed_v = args[0];
          } else {
            seed_v = Value::integer(0);
          }
          if (!seed_v.is_number()) throw TypeError(seed_v, {"number"});
        } catch (const std::exception& e) {
          throw EvalError(std::string("failed to seed random number generator: ") + e.what());
        }
        rng->gen.seed(static_cast<uint64_t>(seed_v.get_int()));
        rng->seeded = true;
      }
      auto span = static_cast<uint64_t>(max - min) + 1;
      std::uniform_int_distribution<uint64_t> dist(0, span - 1);
      return Value::integer(static_cast<int64_t>(dist(rng->gen)) + min);
    },
    [](const Args& args) -> std::shared_ptr<const void> {
      try {
        check_random_bounds(arg_int_or(args, 1, 0), arg_int_or(args, 2, kRandomMaxDefault));
      } catch (const EvalError& e) {
        throw std::invalid_argument(e.what());
      }
      return std::make_shared<Rng>();
    });

// --- environment -------------------------------------------------------------------------------
const bool kHostname = register_function(
    {.name = "hostname",
     .category = kEnvironment,
     .description = "Returns the hostname of the machine running plugctl. Useful for identifying "
                    "which instance processed a message in distributed deployments.",
     .examples = {example("root.processed_by = hostname()")},
     .impure = true},
    [](ExecContext&, const Args&) {
      char buf[256] = {};
      if (gethostname(buf, sizeof buf - 1) != 0) throw EvalError(std::strerror(errno));
      return Value::string(buf);
    });

struct EnvCache {
  std::optional<std::string> value;
};

Value env_value(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return Value();
  return Value::string(v);
}

bool arg_bool_or(const Args& args, size_t i, bool dflt) {
  if (args.has(i) && !args[i].is_null()) return args.boolean(i);
  return dflt;
}

const bool kEnv = register_function(
    {.name = "env",
     .category = kEnvironment,
     .description = "Reads an environment variable and returns its value as a string. Returns "
                    "`null` if the variable is not set. By default, values are cached for "
                    "performance.",
     .params = {ParamSpec{.name = "name",
                          .type = ParamType::String,
                          .description = "The name of the environment variable to read."},
                ParamSpec{.name = "no_cache",
                          .type = ParamType::Bool,
                          .description = "Disable caching to read the latest value on each "
                                         "invocation.",
                          .default_value = json::value(false)}},
     .examples = {example("root.api_key = env(\"API_KEY\")"),
                  example("root.database_url = env(\"DB_URL\").or(\"localhost:5432\")"),
                  example("root.config = env(name: \"DYNAMIC_CONFIG\", no_cache: true)",
                          "Use `no_cache` to read updated environment variables during runtime, "
                          "useful for dynamic configuration changes.")},
     .impure = true},
    [](ExecContext&, const Args& args) {
      if (const auto* cache = static_cast<const EnvCache*>(args.state())) {
        if (!cache->value) return Value();
        return Value::string(*cache->value);
      }
      return env_value(args.string(0).c_str());
    },
    [](const Args& args) -> std::shared_ptr<const void> {
      if (arg_bool_or(args, 1, false)) return nullptr;
      auto cache = std::make_shared<EnvCache>();
      std::string name = args.string(0);
      if (const char* v = std::getenv(name.c_str())) cache->value = v;
      return cache;
    });

struct FileCache {
  std::string content;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw EvalError("open " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw EvalError("read " + path + ": " + std::strerror(errno));
  return ss.str();
}

const bool kFile = register_function(
    {.name = "file",
     .category = kEnvironment,
     .description = "Reads a file and returns its contents as bytes. Paths are resolved from the "
                    "process working directory. By default, files are cached after first read.",
     .params = {ParamSpec{.name = "path",
                          .type = ParamType::String,
                          .description = "The absolute or relative path to the file."},
                ParamSpec{.name = "no_cache",
                          .type = ParamType::Bool,
                          .description = "Disable caching to read the latest file contents on "
                                         "each invocation.",
                          .default_value = json::value(false)}},
     .examples = {example("root.config = file(\"/etc/config.json\").parse_json()"),
                  example("root.template = file(\"./templates/email.html\").string()"),
                  example("root.rules = file(path: \"/etc/rules.yaml\", no_cache: "
                          "true).parse_yaml()",
                          "Use `no_cache` to read updated file contents during runtime, useful "
                          "for hot-reloading configuration.")},
     .impure = true},
    [](ExecContext&, const Args& args) {
      if (const auto* cache = static_cast<const FileCache*>(args.state()))
        return Value::bytes(cache->content);
      return Value::bytes(read_file(args.string(0)));
    },
    [](const Args& args) -> std::shared_ptr<const void> {
      if (arg_bool_or(args, 1, false)) return nullptr;
      try {
        return std::make_shared<FileCache>(FileCache{read_file(args.string(0))});
      } catch (const EvalError& e) {
        throw std::invalid_argument(e.what());
      }
    });

} // namespace
} // namespace plugctl::bloblang
