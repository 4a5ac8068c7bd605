#!/usr/bin/env python3
"""Validate Gatehouse wire-format instances against the JSON Schemas in this folder.

Usage:
    python3 schemas/validate.py SCHEMA_PATH [INSTANCE_PATH]   # instance from stdin when no path
    python3 schemas/validate.py --check-all

The first form prints "valid" and exits 0, or prints one line per error (JSON path: message) and
exits 1. `$ref`s to sibling files (relative, or by their https://gatehouse.dev/schemas/ id) are
resolved from this folder; nothing is fetched over the network. Formats are checked (date-time
included).

--check-all checks that every *.schema.json here is a valid draft 2020-12 schema whose `$ref`s all
resolve, validates openapi.yaml when openapi-spec-validator is installed, and checks the examples:
examples/<schema stem>/*.json must be valid against <schema stem>.schema.json, and
examples/invalid/<schema stem>/*.json must be invalid. Exits non-zero on any problem.

Needs jsonschema >= 4.18 (which brings `referencing`): pip install jsonschema
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
from pathlib import Path
from urllib.parse import urldefrag, urljoin

try:
    import jsonschema
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import ValidationError
    from referencing import Registry, Resource
    from referencing.exceptions import NoSuchResource, Unresolvable
    from referencing.jsonschema import DRAFT202012
except ImportError as error:  # pragma: no cover - depends on the environment
    print(
        f"error: the jsonschema package (>= 4.18, with referencing) is not installed ({error}).\n"
        "Install it with: pip install jsonschema",
        file=sys.stderr,
    )
    sys.exit(2)

SCHEMA_DIR = Path(__file__).resolve().parent
ID_BASE = "https://gatehouse.dev/schemas/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
MAX_MESSAGE = 300


# --- loading and resolving -------------------------------------------------------------------------


def load_json(path: Path):
    with path.open("rb") as file:
        return json.load(file)


def _retrieve(uri: str) -> Resource:
    """Resolves a URI no schema in the registry has as its `$id`: only local files, never the network."""
    if uri.startswith(ID_BASE):
        path = SCHEMA_DIR / uri[len(ID_BASE) :]
    elif uri.startswith("file:"):
        path = Path(uri[len("file://") :] if uri.startswith("file://") else uri[len("file:") :])
    else:
        raise NoSuchResource(ref=uri)
    try:
        contents = load_json(path)
    except (OSError, ValueError) as error:
        raise NoSuchResource(ref=uri) from error
    return Resource.from_contents(contents, default_specification=DRAFT202012)


def build_registry(directories: list[Path]) -> Registry:
    """Every *.json schema file in the directories, under its `$id` and under its file URI."""
    resources: list[tuple[str, Resource]] = []
    seen: set[Path] = set()
    for directory in directories:
        for path in sorted(directory.glob("*.json")):
            path = path.resolve()
            if path in seen:
                continue
            seen.add(path)
            try:
                contents = load_json(path)
            except (OSError, ValueError):
                continue
            if not isinstance(contents, dict):
                continue
            resource = Resource.from_contents(contents, default_specification=DRAFT202012)
            resources.append((path.as_uri(), resource))
            if isinstance(contents.get("$id"), str):
                resources.append((contents["$id"], resource))
    return Registry(retrieve=_retrieve).with_resources(resources)


def format_checker() -> FormatChecker:
    """The draft 2020-12 format checker, with an RFC 3339 date-time check even when the optional
    rfc3339-validator package that jsonschema uses for it is not installed."""
    checker = Draft202012Validator.FORMAT_CHECKER
    if "date-time" in checker.checkers:
        return checker
    checker = FormatChecker(formats=checker.checkers.keys())
    pattern = re.compile(
        r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
    )

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(instance) -> bool:
        if not isinstance(instance, str):
            return True
        if not pattern.match(instance):
            return False
        text = re.sub(r"\.\d+", "", instance.upper()).replace("Z", "+00:00")  # fromisoformat < 3.11 is picky
        date, _, rest = text.partition("T")
        seconds = rest[6:8]
        if seconds == "60":  # leap second: RFC 3339 allows it, datetime does not
            rest = rest[:6] + "59" + rest[8:]
        datetime.datetime.fromisoformat(f"{date}T{rest}")
        return True

    return checker


def make_validator(schema: dict, schema_path: Path, registry: Registry) -> Draft202012Validator:
    # A schema without an `$id` resolves its relative `$ref`s against its own file.
    if "$id" not in schema:
        registry = registry.with_resource(
            schema_path.resolve().as_uri(), Resource.from_contents(schema, default_specification=DRAFT202012)
        )
        schema = {"$ref": schema_path.resolve().as_uri()}
    return Draft202012Validator(schema, registry=registry, format_checker=format_checker())


# --- reporting -------------------------------------------------------------------------------------


def shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def explain(error: ValidationError) -> list[tuple[str, str]]:
    """(JSON path, message) lines for one error. A oneOf/anyOf that no branch matched is explained by
    the branch that came closest (the fewest failed `const`/`enum`/`type` checks on the value or its
    direct members, then the fewest errors); when every branch fails on the same discriminating
    member (such as `action` or `@odata.type`), by naming the values that member may take."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [(error.json_path, shorten(error.message))]
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def shallow_mismatches(errors: list[ValidationError]) -> list[ValidationError]:
        return [e for e in errors if e.validator in ("const", "enum", "type") and len(e.relative_path) <= 1]

    ranked = sorted(branches.values(), key=lambda errors: (len(shallow_mismatches(errors)), len(errors)))
    best = ranked[0]
    if shallow_mismatches(best):
        shared = None
        for errors in branches.values():
            keys = {e.relative_path[0] for e in shallow_mismatches(errors) if e.validator == "const" and e.relative_path}
            shared = keys if shared is None else shared & keys
        if shared and isinstance(error.instance, dict):
            key = sorted(shared, key=str)[0]
            expected = []
            for errors in branches.values():
                expected += [e.validator_value for e in errors if e.validator == "const" and list(e.relative_path) == [key]]
            path = f"{error.json_path}[{key}]" if isinstance(key, int) else f"{error.json_path}.{key}"
            value = error.instance.get(key)
            return [(path, shorten(f"{value!r} is none of: {', '.join(repr(v) for v in expected)}"))]
    lines: list[tuple[str, str]] = []
    for sub in best:
        lines.extend(explain(sub))
    return lines


def report(validator: Draft202012Validator, instance, out=sys.stdout) -> bool:
    errors = sorted(validator.iter_errors(instance), key=lambda e: (e.json_path, str(e.schema_path)))
    if not errors:
        return True
    for error in errors:
        for path, message in explain(error):
            print(f"{path}: {message}", file=out)
    return False


# --- the two commands ------------------------------------------------------------------------------


def validate_one(schema_path: Path, instance_path: Path | None) -> int:
    try:
        schema = load_json(schema_path)
    except OSError as error:
        print(f"error: cannot read schema {schema_path}: {error.strerror}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"error: schema {schema_path} is not JSON: {error}", file=sys.stderr)
        return 2
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        print(f"error: {schema_path} is not a valid draft 2020-12 schema: {shorten(error.message)}", file=sys.stderr)
        return 2

    source = str(instance_path) if instance_path else "<stdin>"
    try:
        if instance_path:
            instance = load_json(instance_path)
        else:
            instance = json.load(sys.stdin)
    except OSError as error:
        print(f"error: cannot read {source}: {error.strerror}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"$: not JSON ({source}): {error}")
        return 1

    registry = build_registry([SCHEMA_DIR, schema_path.resolve().parent])
    validator = make_validator(schema, schema_path, registry)
    try:
        if report(validator, instance):
            print("valid")
            return 0
    except Unresolvable as error:
        print(f"error: a $ref in {schema_path} does not resolve locally: {shorten(str(error))}", file=sys.stderr)
        return 2
    return 1


def iter_refs(node, base: str):
    """Yields (absolute ref, ref as written) for every `$ref`, following nested `$id`s."""
    if isinstance(node, dict):
        if isinstance(node.get("$id"), str):
            base = urljoin(base, node["$id"])
        if isinstance(node.get("$ref"), str):
            yield urljoin(base, node["$ref"]), node["$ref"]
        for key, value in node.items():
            if key in ("const", "enum", "examples", "default"):
                continue
            yield from iter_refs(value, base)
    elif isinstance(node, list):
        for value in node:
            yield from iter_refs(value, base)


def check_all() -> int:
    problems = 0

    def fail(message: str) -> None:
        nonlocal problems
        problems += 1
        print(f"FAIL {message}")

    registry = build_registry([SCHEMA_DIR])
    schema_paths = sorted(SCHEMA_DIR.glob("*.schema.json"))
    if not schema_paths:
        fail(f"no *.schema.json in {SCHEMA_DIR}")

    # 1. The schemas themselves.
    for path in schema_paths:
        name = path.name
        try:
            schema = load_json(path)
        except ValueError as error:
            fail(f"{name}: not JSON: {error}")
            continue
        before = problems
        if schema.get("$schema") != DIALECT:
            fail(f"{name}: $schema must be {DIALECT}")
        if schema.get("$id") != ID_BASE + name:
            fail(f"{name}: $id must be {ID_BASE + name}, is {schema.get('$id')!r}")
        for key in ("title", "description"):
            if not isinstance(schema.get(key), str) or not schema[key].strip():
                fail(f"{name}: needs a {key}")
        try:
            Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as error:
            fail(f"{name}: not a valid draft 2020-12 schema at {error.json_path}: {shorten(error.message)}")
        resolver = registry.resolver(base_uri=schema.get("$id", path.as_uri()))
        for absolute, written in sorted(set(iter_refs(schema, schema.get("$id", path.as_uri())))):
            try:
                resolver.lookup(absolute)
            except Unresolvable:
                fail(f"{name}: $ref {written!r} does not resolve")
        if problems == before:
            print(f"ok   {name}: valid draft 2020-12 schema")

    # 2. The OpenAPI document.
    openapi_path = SCHEMA_DIR / "openapi.yaml"
    if not openapi_path.exists():
        fail("openapi.yaml is missing")
    else:
        problems += check_openapi(openapi_path)

    # 3. The examples.
    examples = SCHEMA_DIR / "examples"
    stems = {path.name[: -len(".schema.json")]: path for path in schema_paths}
    for stem, schema_path in stems.items():
        if not list((examples / stem).glob("*.json")):
            fail(f"examples/{stem}/ has no example for {schema_path.name}")
    for folder, expect_valid in ((examples, True), (examples / "invalid", False)):
        if not folder.is_dir():
            continue
        for directory in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != "invalid"):
            relative = directory.relative_to(SCHEMA_DIR)
            schema_path = stems.get(directory.name)
            if schema_path is None:
                fail(f"{relative}/: no schema named {directory.name}.schema.json")
                continue
            validator = make_validator(load_json(schema_path), schema_path, registry)
            for path in sorted(directory.glob("*.json")):
                label = path.relative_to(SCHEMA_DIR)
                try:
                    instance = load_json(path)
                except ValueError as error:
                    fail(f"{label}: not JSON: {error}")
                    continue
                errors = list(validator.iter_errors(instance))
                if expect_valid and errors:
                    fail(f"{label}: should be valid against {schema_path.name}:")
                    report(validator, instance)
                elif not expect_valid and not errors:
                    fail(f"{label}: should be INVALID against {schema_path.name}, but it validates")
                elif expect_valid:
                    print(f"ok   {label}: valid")
                else:
                    path, message = explain(sorted(errors, key=lambda e: e.json_path)[0])[0]
                    print(f"ok   {label}: rejected ({path}: {message[:120]})")

    print(f"\n{problems} problem(s)" if problems else "\nall checks passed")
    return 1 if problems else 0


def check_openapi(path: Path) -> int:
    """Validates openapi.yaml when openapi-spec-validator is installed, and in any case (given
    PyYAML) checks that every relative `$ref` names an existing file and fragment."""
    problems = 0
    try:
        import yaml
    except ImportError:
        print("SKIP openapi.yaml: PyYAML is not installed (pip install pyyaml)")
        return 0
    try:
        with path.open() as file:
            document = yaml.safe_load(file)
    except yaml.YAMLError as error:
        print(f"FAIL openapi.yaml: not YAML: {error}")
        return 1

    registry = build_registry([SCHEMA_DIR])
    for absolute, written in sorted(set(iter_refs(document, path.as_uri()))):
        target, fragment = urldefrag(absolute)
        if target == path.as_uri():
            node = document
            try:
                for part in [p for p in fragment.split("/") if p]:
                    part = part.replace("~1", "/").replace("~0", "~")
                    node = node[int(part)] if isinstance(node, list) else node[part]
            except (KeyError, IndexError, ValueError, TypeError):
                print(f"FAIL openapi.yaml: $ref {written!r} does not resolve")
                problems += 1
            continue
        try:
            registry.resolver().lookup(absolute)
        except Unresolvable:
            print(f"FAIL openapi.yaml: $ref {written!r} does not resolve")
            problems += 1

    try:
        from openapi_spec_validator import validate as validate_spec
    except ImportError:
        print("SKIP openapi.yaml: openapi-spec-validator is not installed (pip install openapi-spec-validator); "
              "only its $refs were checked")
        return problems
    try:
        validate_spec(document, base_uri=path.as_uri())
    except Exception as error:  # the validator raises several unrelated error types
        print(f"FAIL openapi.yaml: {shorten(str(error))}")
        return problems + 1
    if problems == 0:
        print(f"ok   openapi.yaml: valid OpenAPI {document.get('openapi')}")
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="Validate JSON against a Gatehouse schema, or check every schema, example and openapi.yaml.",
    )
    parser.add_argument("schema", nargs="?", type=Path, help="the schema file, e.g. schemas/signup-event.v1.schema.json")
    parser.add_argument("instance", nargs="?", type=Path, help="the JSON to validate (default: standard input)")
    parser.add_argument("--check-all", action="store_true", help="check every schema, the examples and openapi.yaml")
    args = parser.parse_args(argv)
    if args.check_all:
        if args.schema:
            parser.error("--check-all takes no paths")
        return check_all()
    if not args.schema:
        parser.error("give a schema path, or --check-all")
    return validate_one(args.schema, args.instance)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
