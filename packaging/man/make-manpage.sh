#!/bin/sh
# Writes plugctl(1): the template with @VERSION@, @OPTIONS@ (the global options) and @COMMANDS@
# (each command's description, usage, arguments and options) filled in from the --help text of
# the built binary, so the page always matches it.
# Usage: make-manpage.sh PLUGCTL TEMPLATE OUT
set -eu
bin=$1
template=$2
out=$3
tmp="$out.tmp"

# Turns one CLI11 help text (stdin) into roff. MODE=top: the Options section only (the
# commands come one by one). MODE=command: description, usage, positionals and options.
to_roff() {
  awk -v mode="$1" -v name="$2" '
    function esc(s) {
      gsub(/\\/, "\\e", s)
      gsub(/-/, "\\-", s)
      sub(/^[.\047]/, "\\\\&&", s)
      return s
    }
    function flush() {
      if (item == "") return
      if (item !~ /^-h,--help/ && (mode == "command" || section == "Options")) {
        print ".TP"
        # "-c,--config CONFIG" -> bold "-c, --config", italic "CONFIG"
        flags = item; arg = ""
        if (match(item, / /)) { flags = substr(item, 1, RSTART - 1); arg = substr(item, RSTART + 1) }
        gsub(/,/, ", ", flags)
        print "\\fB" esc(flags) "\\fR" (arg == "" ? "" : " \\fI" esc(arg) "\\fR")
        if (desc != "") print esc(desc)
      }
      item = ""; desc = ""
    }
    /^Usage:/ {
      flush(); usage = substr($0, 8); sub(/^[^ ]*plugctl/, "plugctl", usage); next
    }
    /^[A-Z][A-Za-z ]*:$/ {
      flush(); section = substr($0, 1, length($0) - 1)
      if (mode == "top" && section == "Options") print ".SH OPTIONS"
      if (mode == "command" && !printed_usage) {
        print ".PP"; print "\\fB" esc(usage) "\\fR"; printed_usage = 1
      }
      if (mode == "command" && section != "Options" && section != "Positionals") section = ""
      next
    }
    section == "" && mode == "command" && usage == "" {
      if ($0 != "") print esc($0)
      next
    }
    /^  [^ ]/ {
      flush()
      line = substr($0, 3)
      if (match(line, /  +/)) {
        item = substr(line, 1, RSTART - 1); desc = substr(line, RSTART + RLENGTH)
      } else {
        item = line; desc = ""
      }
      next
    }
    /^   +[^ ]/ && item != "" {
      sub(/^ +/, ""); desc = (desc == "" ? $0 : desc " " $0); next
    }
    /^$/ { flush() }
    END {
      flush()
      if (mode == "command" && !printed_usage && usage != "") {
        print ".PP"; print "\\fB" esc(usage) "\\fR"
      }
    }
  '
}

version=$("$bin" --version | awk '{ print $NF; exit }')
options=$("$bin" --help | to_roff top "")
commands=$("$bin" --help | awk '
  /^[A-Z][A-Za-z ]*:$/ { in_sub = ($0 == "Subcommands:"); next }
  in_sub && /^  [^ ]/ { print $1 }
')
[ -n "$commands" ] || { echo "make-manpage: no Subcommands section in '$bin --help'" >&2; exit 1; }

{
  for c in $commands; do
    echo ".SS \"plugctl $c\""
    "$bin" "$c" --help | to_roff command "$c"
  done
} > "$tmp.commands"

printf '%s\n' "$options" > "$tmp.options"
awk -v version="$version" -v optfile="$tmp.options" -v cmdfile="$tmp.commands" '
  /^@OPTIONS@$/ { while ((getline l < optfile) > 0) print l; next }
  /^@COMMANDS@$/ { while ((getline l < cmdfile) > 0) print l; next }
  { gsub(/@VERSION@/, version); print }
' "$template" > "$tmp"
rm -f "$tmp.options" "$tmp.commands"
mv "$tmp" "$out"
