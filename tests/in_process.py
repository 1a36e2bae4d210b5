"""The benchmark scripts of ``scripts/`` run inside the test's own process.

A smoke run of a script as a subprocess starts a Python that imports numpy, pandas, scikit-learn and
the service afresh, and the scripts that measure memory start one more for each case (``--case``):
seconds of CPU each, for a run on a few hundred rows. ``run_script`` calls the script's ``main`` with
the same arguments instead, and while it runs every ``subprocess.run`` of a Python on a script of
``scripts/`` (a case's own process) calls that script's ``main`` in the same way: the command lines
are built, parsed and answered (exit status, the JSON file the parent reads back) as they would be,
only no interpreter is started. Any other command still runs as a subprocess. The objects this
process already holds are set aside from the garbage collector meanwhile (``gc.freeze``): the
scripts collect before each measurement, and would otherwise walk the whole test process each time.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import io
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"


def script(name: str) -> ModuleType:
    """The script ``scripts/<name>.py`` as a module (imported as the scripts import each other)."""
    for path in (str(SCRIPTS), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    return importlib.import_module(name)


def _exit_status(module: ModuleType, argv: list[str]) -> int:
    """``main(argv)``'s exit status as the interpreter would give it (``sys.exit`` included)."""
    gc.freeze()
    try:
        status = module.main(argv)
    except SystemExit as stop:
        status = stop.code
        if isinstance(status, str):
            print(status, file=sys.stderr)
            status = 1
    return int(status or 0)


def run_script(name: str, *argv: str) -> subprocess.CompletedProcess:
    """Run ``scripts/<name>.py`` with ``argv`` in this process (its cases' processes too); its exit
    status and what it printed to stdout and stderr."""
    real_run = subprocess.run

    def run(command, *args, **kwargs):
        target = Path(command[1]) if len(command) > 1 and command[0] == sys.executable else None
        if target is None or target.resolve().parent != SCRIPTS or target.suffix != ".py":
            return real_run(command, *args, **kwargs)
        return subprocess.CompletedProcess(command, _exit_status(script(target.stem), list(command[2:])))

    out, err = io.StringIO(), io.StringIO()
    subprocess.run = run
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = _exit_status(script(name), list(argv))
    finally:
        gc.unfreeze()
        subprocess.run = real_run
    return subprocess.CompletedProcess([name, *argv], status, out.getvalue(), err.getvalue())
