"""Print the open attribute catalogue as Markdown, generated from the msgspec schema.

python -m tools.catalogue            # print to stdout
python -m tools.catalogue --write    # rewrite docs/attributes.md (committed docs)
python -m tools.catalogue --check    # exit 1 when docs/attributes.md is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.scoring.plugin_host import PluginHost, build_plugin_manager
from engine.sessions.catalogue import catalogue_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "attributes.md"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tools.catalogue",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--write", action="store_true", help=f"rewrite {DOC.name}")
    g.add_argument("--check", action="store_true", help=f"fail when {DOC.name} is stale")
    args = p.parse_args(argv)
    text = catalogue_markdown(PluginHost(build_plugin_manager()).describe_features())
    if args.write:
        DOC.write_text(text)
        print(f"wrote {DOC}", file=sys.stderr)
        return 0
    if args.check:
        current = DOC.read_text() if DOC.exists() else ""
        if current != text:
            print(f"{DOC} is stale: run `python -m tools.catalogue --write`", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
