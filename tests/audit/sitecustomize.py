"""Test instrumentation for tests/test_dependencies.py, loaded by Python at start-up when this
folder is on PYTHONPATH: with QCT_AUDIT_DIR set, a process running `python -m analysis...`
records, on exit, the files it opened for reading and the analysis modules it imported."""

import os
import sys

_AUDIT_DIR = os.environ.get("QCT_AUDIT_DIR")
_ARGV = sys.orig_argv[1:]

if _AUDIT_DIR and len(_ARGV) > 1 and _ARGV[0] == "-m" and _ARGV[1].startswith("analysis"):
    import atexit
    import json

    _WRITE_FLAGS = os.O_WRONLY | os.O_RDWR
    _opened: set[str] = set()

    def _hook(event, args):
        if event != "open" or not isinstance(args[0], str | bytes | os.PathLike):
            return
        path, mode, flags = args
        reading = ("r" in mode and "+" not in mode) if mode else not flags & _WRITE_FLAGS
        if reading:
            _opened.add(os.path.abspath(os.fsdecode(path)))

    def _dump():
        modules = sorted(
            module.__file__
            for name, module in list(sys.modules.items())
            if name.split(".")[0] == "analysis" and getattr(module, "__file__", None)
        )
        record = {"argv": _ARGV, "cwd": os.getcwd(), "opened": sorted(_opened), "modules": modules}
        with open(os.path.join(_AUDIT_DIR, f"{os.getpid()}.json"), "w", encoding="utf-8") as fh:
            json.dump(record, fh)

    sys.addaudithook(_hook)
    atexit.register(_dump)
