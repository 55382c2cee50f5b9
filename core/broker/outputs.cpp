// The specs of the composite outputs (the engine builds them in broker/sinks.cpp).
#include "builtins/composite.hpp"

#include <plugctl/sdk.hpp>

namespace plugctl::core::builtins {
namespace {

using sdk::Field;
using sdk::Json;

const char* kBrokerDescription =
    "Routes every message to several outputs. `fan_out` writes each batch to every output and "
    "acknowledges it once all of them accepted it; an output that fails is retried on its own "
    "(with backoff, until it succeeds) while the healthy ones are not written twice, and while "
    "it fails its in-flight slots fill up and the input slows down (back pressure). "
    "`fan_out_sequential` does the same one output after the other. `round_robin` sends each "
    "batch to the next output in turn; `greedy` to the first output with room. `copies` repeats "
    "the list of outputs; `batching` groups messages before they are distributed.";

PLUGCTL_REGISTER_OUTPUT(
    CompositeOutputPlaceholder, .name = "broker", .summary = "Routes messages to several outputs.",
    .description = kBrokerDescription,
    .spec = sdk::Spec()
                .field(Field::string("pattern", "How messages are distributed.")
                           .default_value("fan_out")
                           .options({"fan_out", "fan_out_sequential", "round_robin", "greedy"}))
                .field(Field::integer("copies", "How many times the list of outputs is repeated.")
                           .default_value(1)
                           .advanced())
                .field(Field::component("outputs", "output", "The outputs.").list())
                .batching(),
    .flags = kCoreComposite, .categories = "Utility",
    .examples = "output:\n  broker:\n    pattern: fan_out\n    outputs:\n      - stdout: {}\n"
                "      - file:\n          path: ./copy.log\n");

PLUGCTL_REGISTER_OUTPUT(
    CompositeOutputPlaceholder, .name = "fallback",
    .summary = "Tries outputs in order until one accepts the message.",
    .description = "Writes to the first output; the messages it refuses go to the second, with "
                   "the reason in their `fallback_error` metadata, and so on. Only when the last "
                   "output refuses a message is it nacked to the input. The dead-letter pattern: "
                   "a main output, then a destination for what it rejects. Outputs before the "
                   "last are not retried (wrap one in `retry` to retry it first).",
    .spec = sdk::Spec::scalar(Field::component("", "output", "The outputs, in order.").list()),
    .flags = kCoreComposite, .categories = "Utility",
    .examples = "output:\n  fallback:\n    - file:\n        path: ./good.log\n"
                "    - file:\n        path: ./dead-letter.log\n");

PLUGCTL_REGISTER_OUTPUT(
    CompositeOutputPlaceholder, .name = "switch", .summary = "Routes each message by condition.",
    .description = "Each message goes to the output of the first case whose `check` (a Bloblang "
                   "query) is true, and on to later matching cases when `continue` is set. A "
                   "message that matches no case is acknowledged and dropped, or with "
                   "`strict_mode` refused (nacked). With `retry_until_success` a failing case "
                   "output is retried until it succeeds instead of nacking.",
    .spec = sdk::Spec()
                .field(Field::boolean("retry_until_success",
                                      "Retry failing case outputs until they succeed.")
                           .default_value(false))
                .field(Field::boolean("strict_mode", "Refuse messages that match no case.")
                           .default_value(false))
                .field(Field::object("cases", "The cases, tried in order.",
                                     {Field::bloblang("check", "A Bloblang query returning a "
                                                               "boolean; empty matches always.")
                                          .default_value(""),
                                      Field::component("output", "output", "Where it goes."),
                                      Field::boolean("continue", "Also try the following cases.")
                                          .default_value(false)})
                           .list()),
    .flags = kCoreComposite, .categories = "Utility",
    .examples = "output:\n  switch:\n    cases:\n      - check: this.level == \"error\"\n"
                "        output:\n          file:\n            path: ./errors.log\n"
                "      - output:\n          stdout: {}\n");

PLUGCTL_REGISTER_OUTPUT(
    CompositeOutputPlaceholder, .name = "retry",
    .summary = "Retries an output with backoff until it accepts the messages.",
    .description = "Writes to `output`; messages it refuses are retried alone with exponential "
                   "backoff, up to `max_retries` (0: until it succeeds) and `max_elapsed_time`.",
    .spec = sdk::Spec()
                .field(Field::integer("max_retries", "Retries before giving up (0: no limit).")
                           .default_value(0))
                .field(Field::object(
                    "backoff", "The exponential backoff between retries.",
                    {Field::duration("initial_interval", "The first wait.").default_value("500ms"),
                     Field::duration("max_interval", "The longest wait.").default_value("3s"),
                     Field::duration("max_elapsed_time", "Give up after this long (0s: never).")
                         .default_value("0s")}))
                .field(Field::component("output", "output", "The output to retry.")),
    .flags = kCoreComposite, .categories = "Utility",
    .examples = "output:\n  retry:\n    max_retries: 5\n    output:\n      file:\n"
                "        path: ./out.log\n");

PLUGCTL_REGISTER_OUTPUT(
    CompositeOutputPlaceholder, .name = "reject", .summary = "Refuses every message with an error.",
    .description = "Nacks every message with the given text (interpolated): for tests, and to "
                   "make a route fail on purpose (a `switch` case for forbidden messages).",
    .spec = sdk::Spec::scalar(Field::string("", "The error text (interpolated).").interpolated()),
    .flags = kCoreComposite, .categories = "Utility",
    .examples = "output:\n  reject: 'not accepted: ${! this.id }'\n");

PLUGCTL_REGISTER_OUTPUT(
    CompositeOutputPlaceholder, .name = "resource",
    .summary = "Writes to an output defined in output_resources.",
    .description = "The value is the label of an entry of `output_resources`.",
    .spec = sdk::Spec::scalar(Field::string("", "The label of the output resource.")),
    .flags = kCoreComposite, .categories = "Utility",
    .examples = "output:\n  resource: archive\noutput_resources:\n  - label: archive\n"
                "    file:\n      path: ./archive.log\n");

} // namespace
} // namespace plugctl::core::builtins
