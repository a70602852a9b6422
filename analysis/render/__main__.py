"""Command line: `python -m analysis.render --manuscript manuscript --out manuscript/_output`."""

from __future__ import annotations

import argparse
import logging
import sys

from analysis.render import RENDERERS, RenderError, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.render", description=__doc__)
    parser.add_argument("--manuscript", default="manuscript", help="the Quarto project folder")
    parser.add_argument("--out", default="manuscript/_output", help="where report.* are written")
    parser.add_argument("--renderer", choices=RENDERERS, default="auto")
    parser.add_argument("--document", default="report.qmd", help="the .qmd file to render")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        used = render(args.manuscript, args.out, args.renderer, args.document)
    except RenderError as err:
        print(f"render failed: {err}", file=sys.stderr)
        return 1
    print(f"renderer: {used}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
