#!/usr/bin/env python3
"""Validates YAML configs against plugctl's JSON schema (draft 2020-12).

Usage: validate_schema.py SCHEMA.json CONFIG.yaml...
Prints "ok PATH" or "invalid PATH: <first error>" per config; exits 0 when every config was
checked (valid or not), 2 when the schema itself is not a valid 2020-12 schema.
"""
import json
import sys

import jsonschema
import yaml


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.Draft202012Validator
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as e:
        print(f"schema error: {e.message}", file=sys.stderr)
        return 2
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            e = errors[0]
            where = "/".join(str(p) for p in e.absolute_path) or "(root)"
            print(f"invalid {path}: {where}: {e.message[:200]}")
        else:
            print(f"ok {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
