#include "file_config.hpp"

#include <string>

namespace plugctl::file {

using sdk::Field;
using sdk::Json;

namespace {

std::string pointer(std::initializer_list<std::string_view> parts) {
  std::string p;
  for (auto part : parts) {
    p += '/';
    p += part;
  }
  return p;
}

int64_t int_or(const sdk::Config& cfg, const std::string& p, int64_t def) {
  return cfg.has(p) ? cfg.integer(p) : def;
}
bool bool_or(const sdk::Config& cfg, const std::string& p, bool def) {
  return cfg.has(p) ? cfg.boolean(p) : def;
}

} // namespace

sdk::Spec input_spec() {
  return sdk::Spec()
      .field(Field::string(field::kPaths,
                           "Files to read, one after another. Glob patterns (`*`, `?`, `[...]`, "
                           "as glob(3)) expand to their matches in sorted order; a file matched "
                           "twice is read once. A literal path that does not exist is an error "
                           "when the input is created; a pattern that matches nothing is logged "
                           "as a warning.")
                 .list()
                 .example(Json{"./data/*.txt"})
                 .example(Json{"/var/log/app.log", "/var/log/app.log.1"}))
      .field(
          Field::object(
              field::kScanner,
              "How the bytes of a file are split into messages: set one of `lines` or "
              "`to_the_end`.",
              {Field::object(
                   field::kLines, "One message per line.",
                   {Field::string(field::kCustomDelimiter,
                                  "Ends a line instead of a line break. When "
                                  "unset, a line ends at `\\n` and one `\\r` "
                                  "before it is dropped.")
                        .optional()
                        .example("---END---"),
                    Field::integer(field::kMaxBufferSize,
                                   "Longest line, in bytes without its delimiter. "
                                   "A longer line is an error naming the file and "
                                   "line number; the rest of that file is skipped.")
                        .default_value(Json(kDefaultMaxBufferSize)),
                    Field::boolean(field::kOmitEmpty, "Skips empty lines.").default_value(false)})
                   .optional(),
               Field::object(field::kToTheEnd, "The whole file as one message.", {}).optional()})
              .default_value(Json::raw(R"({"lines":{}})")))
      .field(Field::boolean(field::kDeleteOnFinish,
                            "Deletes each file once it has been read to the end and every "
                            "message read from it has been acknowledged.")
                 .default_value(false)
                 .advanced());
}

sdk::Spec output_spec() {
  return sdk::Spec()
      .field(Field::string(field::kPath,
                           "The file to append to; created (with its parent directories) when "
                           "missing. Interpolated per message, so one output can write many "
                           "files.")
                 .interpolated()
                 .example("/tmp/data.txt")
                 .example("/tmp/out/${! meta(\"path\").filepath_split().index(-1) }"))
      .field(Field::string(field::kCodec,
                           "How each message is written: `lines` (payload and a line break), "
                           "`delim:<text>` (payload and the text; `delimiter:<text>` also "
                           "works), `all-bytes` or `append` (the payload alone).")
                 .default_value("lines")
                 .example("lines")
                 .example("delim:\t")
                 .example("all-bytes"))
      .max_in_flight(kDefaultMaxInFlight);
}

const char* const kInputDescription = R"(Reads files one after another and emits their content
split by a scanner: one message per line (`lines`, the default) or one message per file
(`to_the_end`). Every message carries the metadata `path` (the file it came from),
`mod_time_unix` (the file's modification time, in seconds since the epoch) and `mod_time` (the
same, RFC 3339 in UTC).

Files are read in large chunks and every message of a chunk is one batch that views the chunk
without copying. When the last file has been read the input ends, and the pipeline stops once
everything in flight has been delivered.

### Delivery

A batch is acknowledged when every output it went to accepted it. A rejected (nacked) batch is
kept and sent again by plugctl itself, with backoff, until it is accepted: this input has no
rewind of its own, so it declares that plugctl replays its nacks. A batch still unacknowledged
when plugctl stops is read again on the next run, because the file is still there.

With `delete_on_finish`, a file is deleted once it was read to the end and all its batches were
acknowledged; a file that could not be read completely (a read error, a line longer than
`max_buffer_size`) is never deleted.

### Errors

A line longer than `max_buffer_size` or a read error is reported as an error naming the file
(and the line number), after the lines before it were emitted; the rest of that file is skipped
and reading goes on with the next file.)";

const char* const kOutputDescription = R"(Appends messages to files. The `path` is interpolated
per message, so messages can be spread over many files (the most recently used files stay open);
missing parent directories are created.

### Delivery

A write is acknowledged only once its data is on disk (`fdatasync`). Writes are issued in order
as soon as a batch arrives, and one background thread syncs every file written since its last
sync and then acknowledges all the batches that were waiting: many batches share one sync, so
durability costs little throughput. When some messages of a batch fail (a file that cannot be
opened, a failed write or sync), only those messages are reported failed and retried; the error
names the file and the reason. Because a file is only ever appended to, a retried message can
appear twice in it (at-least-once delivery).

Unlike Benthos, `all-bytes` does not truncate an existing file: this output only appends, so a
retry can never destroy what an earlier write delivered.)";

const char* const kInputExamples = R"(# Lines of every .log file in a directory
input:
  file:
    paths: [ ./logs/*.log ]
    scanner:
      lines: {}
---
# Whole files, deleted once delivered
input:
  file:
    paths: [ ./inbox/*.json ]
    scanner:
      to_the_end: {}
    delete_on_finish: true
)";

const char* const kOutputExamples = R"(# One output file per input file
output:
  file:
    path: ./out/${! meta("path").filepath_split().index(-1) }
    codec: lines
---
# Records separated by a custom delimiter
output:
  file:
    path: ./out/records.txt
    codec: "delim:\n---\n"
)";

std::string codec_suffix(std::string_view codec) {
  if (codec == "lines") return "\n";
  if (codec == "all-bytes" || codec == "append") return "";
  for (std::string_view prefix : {"delim:", "delimiter:"}) {
    if (codec.substr(0, prefix.size()) == prefix) return std::string(codec.substr(prefix.size()));
  }
  throw sdk::ConfigError("field /codec: unknown codec '" + std::string(codec) +
                         "' (expected lines, delim:<text>, all-bytes or append)");
}

InputConfig parse_input_config(const sdk::Config& cfg) {
  InputConfig c;
  c.paths = cfg.strings(field::kPaths);
  if (c.paths.empty())
    throw sdk::ConfigError("field /paths: list at least one file path or glob pattern");
  for (size_t i = 0; i < c.paths.size(); ++i) {
    if (c.paths[i].empty())
      throw sdk::ConfigError("field /paths/" + std::to_string(i) + " is an empty path");
  }

  const std::string scanner = pointer({field::kScanner});
  if (cfg.has(scanner)) {
    // Reject a scanner this input does not have instead of silently reading lines.
    for (size_t i = 0, n = cfg.size(scanner); i < n; ++i) {
      auto key = cfg.key(scanner, i);
      if (key != field::kLines && key != field::kToTheEnd)
        throw sdk::ConfigError("field /scanner: unknown scanner '" + key +
                               "' (expected lines or to_the_end)");
    }
  }
  const std::string lines = pointer({field::kScanner, field::kLines});
  const bool whole = cfg.has(pointer({field::kScanner, field::kToTheEnd}));
  if (whole && cfg.has(lines))
    throw sdk::ConfigError("field /scanner: set one of lines or to_the_end, not both");
  c.scanner = whole ? Scanner::ToTheEnd : Scanner::Lines;

  c.custom_delimiter =
      cfg.optional_string(pointer({field::kScanner, field::kLines, field::kCustomDelimiter}))
          .value_or("");
  const int64_t max = int_or(cfg, pointer({field::kScanner, field::kLines, field::kMaxBufferSize}),
                             kDefaultMaxBufferSize);
  if (max <= 0)
    throw sdk::ConfigError("field /scanner/lines/max_buffer_size must be a positive byte count");
  c.max_buffer_size = static_cast<size_t>(max);
  c.omit_empty = bool_or(cfg, pointer({field::kScanner, field::kLines, field::kOmitEmpty}), false);
  c.delete_on_finish = bool_or(cfg, pointer({field::kDeleteOnFinish}), false);
  return c;
}

OutputConfig parse_output_config(const sdk::Config& cfg) {
  OutputConfig c;
  c.path = cfg.string(field::kPath);
  if (c.path.empty()) throw sdk::ConfigError("field /path must not be empty");
  const std::string codec = pointer({field::kCodec});
  c.suffix = codec_suffix(cfg.has(codec) ? cfg.string(codec) : std::string("lines"));
  return c;
}

} // namespace plugctl::file
