"""The docs stay honest: what the code defines is documented, and every link resolves.

In the spirit of datasette's test_docs.py: the code is the source of truth and the
test reads it, not a list kept by hand. Every hook of `engine/hookspecs.py` has a section
in docs/plugins.md naming each of its parameters; every route the service answers (its
route table and `/openapi.json`) appears in docs/api.md as "METHOD /path"; every flag of
`engine/flags.py` and every reason code of `config/model.toml` has a row in
docs/reason-codes.md; every relative link in README.md and docs/ resolves to a file, and
to a heading when it names one (GitHub's anchors); and the code cites only files the
project has (no design brief or contract kept outside the repository).
"""

from __future__ import annotations

import inspect
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import hookspecs
from engine.config import ServiceFile
from engine.flags import FLAG_NAMES
from engine.http.openapi import openapi_document
from engine.http.protocol import HttpLimits
from engine.http.routes import ROUTES
from tests.support import REPO

DOCS = REPO / "docs"

# Pages other branches are writing; links to them are allowed before they land. The lead
# empties this list after merging those branches (then every link must resolve).
PENDING_PAGES: frozenset[str] = frozenset({})

HOOKS = [fn for name, fn in vars(hookspecs).items() if name.startswith("anonscore_")]
METHODS_NOT_DOCUMENTED_ALONE = frozenset({"HEAD", "OPTIONS"})  # implied by GET / CORS


# -- the checks, as functions returning what is missing (so that they can be tested) ----------


def sections(markdown: str) -> dict[str, str]:
    """{heading text: the text up to the next heading of any level}."""
    out: dict[str, str] = {}
    parts = re.split(r"^(#{1,6} .*)$", _without_code_blocks(markdown), flags=re.M)
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        out[heading.lstrip("#").strip()] = body
    return out


def undocumented_hook_parts(guide: str) -> list[str]:
    """Hooks without a heading of their own in the plugin guide, and parameters their
    section does not name (in backticks)."""
    found = sections(guide)
    missing = []
    for fn in HOOKS:
        body = found.get(fn.__name__)
        if body is None:
            missing.append(f"hook {fn.__name__}")
            continue
        for param in inspect.signature(fn).parameters:
            if f"`{param}`" not in body:
                missing.append(f"parameter {param} of {fn.__name__}")
    return missing


def served_routes() -> set[tuple[str, str]]:
    """(method, path) for every route the service answers: the one route table the front
    routes by (engine/http/routes.py), and /openapi.json's paths (generated from it)."""
    routes = {(m, route.path) for route in ROUTES for m in route.allowed()}
    document = json.loads(openapi_document())
    routes |= {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    return {(m, p) for m, p in routes if m not in METHODS_NOT_DOCUMENTED_ALONE}


def undocumented_routes(api_doc: str, routes: set[tuple[str, str]]) -> list[str]:
    missing = []
    for method, path in sorted(routes):
        if not re.search(rf"\b{method} {re.escape(path)}(?![\w/.-])", api_doc):
            missing.append(f"{method} {path}")
    return missing


def missing_rows(page: str, names: list[str]) -> list[str]:
    """Names without a table row of their own ("| `NAME` |") on the page."""
    return [name for name in names if not re.search(rf"^\| `{re.escape(name)}` \|", page, re.M)]


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its rendered text, lowercased, without
    punctuation but hyphens and underscores, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links: their text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").replace("*", "")
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for heading in sections(markdown):
        slug = github_slug(heading)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def _without_code_blocks(markdown: str) -> str:
    return re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", markdown, flags=re.M | re.S)


def links(markdown: str) -> Iterator[str]:
    """Targets of Markdown links and images, outside code blocks and code spans."""
    text = re.sub(r"`[^`\n]*`", "", _without_code_blocks(markdown))
    for match in re.finditer(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", text):
        yield match.group(1)


def broken_links(page: Path, pending: frozenset[str] = PENDING_PAGES) -> list[str]:
    broken = []
    for target in links(page.read_text()):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            if dest.parent == DOCS.resolve() and dest.name in pending and not anchor:
                continue
            broken.append(f"{target} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest.read_text()):
            broken.append(f"{target} (no such heading in {dest.name})")
    return broken


CITED_PATH = re.compile(
    r"\b(?:engine|plugins|tools|tests|docs|config)/[\w/.-]*\w\.(?:py|md|toml)\b"
)
OUTSIDE_FILES = re.compile(r"\b(?:API|DESIGN|STYLE)\.md\b|\bseeds/\d")


def missing_citations(source: str) -> list[str]:
    """Files a source cites that the repository does not contain."""
    cited = [m.group(0) for m in CITED_PATH.finditer(source)]
    missing = [path for path in cited if not (REPO / path).exists()]
    return missing + [m.group(0) for m in OUTSIDE_FILES.finditer(source)]


def code_files() -> list[Path]:
    return sorted(
        path
        for top in ("engine", "plugins", "tools", "tests")
        for path in (REPO / top).rglob("*.py")
    )


def documentation_pages() -> list[Path]:
    return [REPO / "README.md", *sorted(DOCS.rglob("*.md"))]


# -- the docs ------------------------------------------------------------------------------


def test_every_hook_is_documented_with_its_parameters() -> None:
    assert len(HOOKS) >= 3
    assert undocumented_hook_parts((DOCS / "plugins.md").read_text()) == []


def test_every_route_is_in_the_api_page() -> None:
    routes = served_routes()
    assert ("POST", "/v1/score") in routes
    assert ("GET", "/openapi.json") in routes
    assert undocumented_routes((DOCS / "api.md").read_text(), routes) == []


def test_the_document_lists_exactly_the_route_table() -> None:
    document = json.loads(openapi_document())
    listed = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert listed == {(m, route.path) for route in ROUTES for m in route.methods}
    assert ("POST", "/v1/optout") in listed


def wrong_limit_rows(page: str, defaults: object, names: list[str]) -> list[str]:
    """Limits without a row "| `name` | default |" on the page, or with another default."""
    wrong = []
    for name in names:
        found = re.search(rf"^\| `{re.escape(name)}` \| ([0-9.]+) \|", page, re.M)
        if found is None or float(found.group(1)) != float(getattr(defaults, name)):
            wrong.append(name)
    return wrong


def test_the_limits_table_has_the_configs_defaults() -> None:
    """One source for the limits: the config's ServiceFile; the docs table follows it."""
    names = [*HttpLimits.__struct_fields__, "admission_limit", "request_deadline_ms"]
    page = (DOCS / "http.md").read_text()
    assert wrong_limit_rows(page, ServiceFile(), names) == []
    assert wrong_limit_rows("| `max_body_bytes` | 1 |", ServiceFile(), ["max_body_bytes"]) == [
        "max_body_bytes"
    ]


def test_every_flag_has_a_row_in_the_reason_codes_page() -> None:
    assert missing_rows((DOCS / "reason-codes.md").read_text(), list(FLAG_NAMES)) == []


def test_every_reason_code_has_a_row_in_the_reason_codes_page() -> None:
    with (REPO / "config" / "model.toml").open("rb") as f:
        codes = sorted(tomllib.load(f)["weights"])
    assert len(codes) > 40
    assert missing_rows((DOCS / "reason-codes.md").read_text(), codes) == []


@pytest.mark.parametrize("page", documentation_pages(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_code_cites_only_files_the_project_has() -> None:
    found = {
        str(path.relative_to(REPO)): missing
        for path in code_files()
        if path != Path(__file__) and (missing := missing_citations(path.read_text()))
    }
    assert found == {}


def test_pending_pages_are_not_yet_written_here() -> None:
    """A pending page that exists should leave the list (then its links are checked)."""
    assert sorted(name for name in PENDING_PAGES if (DOCS / name).exists()) == []


# -- the checks themselves can fail ----------------------------------------------------------


def test_the_checks_find_what_is_missing(tmp_path: Path) -> None:
    assert undocumented_hook_parts("### anonscore_extract_features\n\n`session` only\n") == [
        "parameter context of anonscore_extract_features",
        "hook anonscore_evaluate_rule",
        "hook anonscore_describe_features",
    ]
    assert undocumented_routes("`POST /v1/scores`", {("POST", "/v1/score")}) == ["POST /v1/score"]
    assert missing_rows("| `TOR_EXIT_X` | ... |\n", ["TOR_EXIT"]) == ["TOR_EXIT"]
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## The visitor's opt-out\n")
    page.write_text(
        "[ok](other.md#the-visitors-opt-out) [bad anchor](other.md#nope) "
        "[gone](missing.md) [web](https://example.org/x) `[code](skipped.md)`\n"
    )
    assert broken_links(page) == [
        "other.md#nope (no such heading in other.md)",
        "missing.md (no such file)",
    ]


def test_missing_citations_are_found() -> None:
    assert missing_citations("see engine/hookspecs.py and docs/api.md") == []
    assert missing_citations("the shape of API.md (engine/nothing_here.py; seeds/002)") == [
        "engine/nothing_here.py",
        "API.md",
        "seeds/0",
    ]


def test_github_slugs() -> None:
    assert github_slug("POST /v1/score") == "post-v1score"
    assert github_slug("GET /healthz and GET /readyz") == "get-healthz-and-get-readyz"
    assert github_slug("The visitor's opt-out") == "the-visitors-opt-out"
    assert github_slug("anonscore_extract_features") == "anonscore_extract_features"
    assert github_slug("Operating: the `public` port") == "operating-the-public-port"
