"""How `newsfacts serve` runs the web tier: granian (the production server) by default, Werkzeug with ``--dev``.

granian is started by replacing this process with ``python -m granian … newsfacts.web.wsgi:app``: the process
the caller started is granian's main process, so SIGTERM or SIGINT reaches granian directly and it stops its
workers (whose query worker processes end with them). The settings reach the workers as NEWSFACTS_* variables,
which ``wsgi.py``'s ``create_app()`` reads: the workers serve exactly the settings this command loaded.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import sys

from ..config import Settings

WSGI_APP = "newsfacts.web.wsgi:app"
#: Seconds granian gives a worker to finish its requests on shutdown before killing it.
SHUTDOWN_GRACE_S = 5


def listening_url(settings: Settings) -> str:
    """The URL the server answers on (the listening address, whatever ``public_url`` says)."""
    return dataclasses.replace(settings, public_url="").public_base


def granian_command(settings: Settings) -> list[str]:
    return [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", settings.host, "--port", str(settings.port),
            "--workers", str(settings.workers), "--workers-kill-timeout", str(SHUTDOWN_GRACE_S), WSGI_APP]


def run_production_server(settings: Settings) -> None:
    """Become granian serving the app with ``settings.workers`` worker processes (never returns)."""
    if importlib.util.find_spec("granian") is None:
        raise ValueError("granian is not installed: pip install -e . (or serve with --dev)")
    print(f"newsfacts: serving on {listening_url(settings)} with granian, {settings.workers} worker(s); "
          f"releases in {settings.releases_dir}", flush=True)
    sys.stderr.flush()
    os.execve(sys.executable, granian_command(settings), {**os.environ, **settings.environment()})


def run_development_server(settings: Settings) -> None:
    """Werkzeug's server, one process, reloading when the code changes and templates read afresh (for editing)."""
    from .app import create_app

    app = create_app(settings)
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    if os.environ.get("WERKZEUG_RUN_MAIN") != "true":  # printed once, not again by each reloaded process
        print(f"newsfacts: serving on {listening_url(settings)} with the development server (reloads on code changes); "
              f"releases in {settings.releases_dir}", flush=True)
    app.run(host=settings.host, port=settings.port, threaded=True, use_reloader=True)
