// processor `acme_redact`: replaces every match of a list of regular expressions in the payload.
//
// The patterns are compiled once, when the component is created; a pattern that does not compile
// is a config error naming the field and the pattern. Matching runs on const std::regex objects,
// which is safe from several pipeline threads at once, so the processor is not SERIAL. A message
// whose matching fails (std::regex gives up on catastrophic backtracking) is flagged with the
// reason and passed on unchanged, never dropped (MessageProcessor does that for us).
#include <plugctl/sdk.hpp>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace sdk = plugctl::sdk;

namespace {

class Redact final : public sdk::MessageProcessor {
public:
  Redact(const sdk::Context&, const sdk::Config& cfg)
      : replacement_(cfg.has("replacement") ? cfg.string("replacement") : "[REDACTED]"),
        count_key_(cfg.optional_string("count_metadata").value_or("")) {
    const auto patterns = cfg.strings("patterns");
    if (patterns.empty()) throw sdk::ConfigError("field /patterns must list at least one pattern");
    for (size_t i = 0; i < patterns.size(); ++i) {
      try {
        regexes_.emplace_back(patterns[i], std::regex::ECMAScript | std::regex::optimize);
      } catch (const std::regex_error& e) {
        throw sdk::ConfigError("field /patterns/" + std::to_string(i) + ": bad pattern '" +
                               patterns[i] + "': " + e.what());
      }
    }
  }

  void process_message(const sdk::MessageRef& msg) override {
    std::string text(msg.payload());
    size_t replaced = 0;
    std::string out;
    for (const auto& re : regexes_) {
      out.clear();
      auto last = text.cbegin();
      for (std::sregex_iterator it(text.cbegin(), text.cend(), re), end; it != end; ++it) {
        if (it->length(0) == 0) continue; // an empty match replaces nothing
        out.append(last, (*it)[0].first);
        out += replacement_;
        last = (*it)[0].second;
        ++replaced;
      }
      out.append(last, text.cend());
      text.swap(out);
    }
    if (replaced != 0) msg.set_payload(text);
    if (!count_key_.empty()) msg.set_meta(count_key_, std::to_string(replaced));
  }

private:
  std::vector<std::regex> regexes_;
  const std::string replacement_;
  const std::string count_key_;
};

} // namespace

PLUGCTL_REGISTER_PROCESSOR(
    Redact, .name = "acme_redact", .summary = "Masks every match of regular expressions.",
    .description =
        "Replaces every match of each pattern in `patterns` (ECMAScript regular expressions, "
        "applied in order) with `replacement`. With `count_metadata`, the number of replaced "
        "matches is stored in that metadata key. A message on which matching fails is flagged "
        "with the error and passed on unchanged.",
    .spec = sdk::Spec()
                .field(sdk::Field::string("patterns", "Regular expressions (ECMAScript) to mask.")
                           .list()
                           .example({R"([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})",
                                     R"(\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}\b)"}))
                .field(sdk::Field::string("replacement", "The text each match is replaced with.")
                           .default_value("[REDACTED]"))
                .field(sdk::Field::string("count_metadata",
                                          "A metadata key receiving the number of matches "
                                          "replaced in the message.")
                           .optional()
                           .example("redactions")),
    .stability = PLUGCTL_STABILITY_BETA, .categories = "Privacy",
    .examples = R"(# Masks e-mail addresses and card numbers in every message.
pipeline:
  processors:
    - acme_redact:
        patterns:
          - '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'
          - '\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}\b'
        replacement: '***'
)");
