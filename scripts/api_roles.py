"""The role table of docs/dispatch.md, written from the API's declarations (its OpenAPI document).

``python scripts/api_roles.py`` rewrites the table between the ``api-roles`` markers of docs/dispatch.md;
``--check`` exits 1 when the table there is not the one the declarations give (the tests run it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parent.parent / "docs" / "dispatch.md"
START, END = "<!-- api-roles:start (written by scripts/api_roles.py) -->", "<!-- api-roles:end -->"


def role_table(document: dict[str, Any]) -> str:
    """A Markdown table of every operation of ``document``: what it does and who may call it.

    Parameters
    ----------
    document
        The OpenAPI document (roles are each operation's ``session`` security requirement; none: public).

    Returns
    -------
    str
    """
    rows = ["| operation | what it does | roles |", "|---|---|---|"]
    for path, methods in sorted(document["paths"].items()):
        for method, operation in methods.items():
            roles = (operation.get("security") or [{}])[0].get("session", [])
            who = ", ".join(roles) if roles else "anyone (public, or the holder of the link)"
            summary = operation["summary"].replace("|", "\\|")
            rows.append(f"| `{method.upper()} {path.removeprefix('/api/v1')}` | {summary} | {who} |")
    return "\n".join(rows)


def _document() -> dict[str, Any]:
    from web import create_app

    answer: dict[str, Any] = create_app({"TESTING": True}).test_client().get("/api/v1/openapi.json").get_json()
    return answer


def rewritten(text: str, table: str) -> str:
    """``text`` with the table between the markers replaced by ``table``."""
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) the table; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the docs differ")
    args = parser.parse_args(argv)
    text = DOC.read_text()
    wanted = rewritten(text, role_table(_document()))
    if args.check:
        if wanted != text:
            print(f"{DOC}: the API role table is out of date; run python scripts/api_roles.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
