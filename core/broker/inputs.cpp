// The specs of the composite inputs (the engine builds them in pipeline/engine.cpp).
#include "builtins/composite.hpp"

#include <plugctl/sdk.hpp>

namespace plugctl::core::builtins {
namespace {

using sdk::Field;

PLUGCTL_REGISTER_INPUT(
    CompositeInputPlaceholder, .name = "broker", .summary = "Reads several inputs at once.",
    .description = "Merges the messages of several inputs, each read by its own thread with its "
                   "own `processors`; the broker's `processors` then apply to all of them. Each "
                   "message is acknowledged to the input it came from. The broker ends when all "
                   "its inputs have ended. `copies` repeats the list of inputs.",
    .spec = sdk::Spec()
                .field(Field::integer("copies", "How many times the list of inputs is repeated.")
                           .default_value(1)
                           .advanced())
                .field(Field::component("inputs", "input", "The inputs.").list()),
    .flags = kCoreComposite, .categories = "Utility",
    .examples = "input:\n  broker:\n    inputs:\n      - stdin: {}\n      - generate:\n"
                "          payload: tick\n          interval: 1s\n");

PLUGCTL_REGISTER_INPUT(
    CompositeInputPlaceholder, .name = "sequence", .summary = "Reads inputs one after another.",
    .description = "Reads the first input until it ends and everything read from it is "
                   "acknowledged, then the next, and so on: for batch jobs that must process "
                   "sources in order. Ends after the last input.",
    .spec = sdk::Spec().field(Field::component("inputs", "input", "The inputs, in order.").list()),
    .flags = kCoreComposite, .categories = "Utility",
    .examples =
        "input:\n  sequence:\n    inputs:\n      - file:\n          paths: [ ./2024-*.log ]\n"
        "      - file:\n          paths: [ ./2025-*.log ]\n");

PLUGCTL_REGISTER_INPUT(
    CompositeInputPlaceholder, .name = "resource",
    .summary = "Reads an input defined in input_resources.",
    .description = "The value is the label of an entry of `input_resources`.",
    .spec = sdk::Spec::scalar(Field::string("", "The label of the input resource.")),
    .flags = kCoreComposite, .categories = "Utility",
    .examples = "input:\n  resource: events\ninput_resources:\n  - label: events\n"
                "    stdin: {}\n");

} // namespace
} // namespace plugctl::core::builtins
