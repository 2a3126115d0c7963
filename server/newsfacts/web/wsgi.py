"""The WSGI application for production servers, configured from NEWSFACTS_* environment variables.

`newsfacts serve` runs it under granian with the settings it loaded (web/serving.py); by hand:

    granian --interface wsgi --host 0.0.0.0 --port 8080 --workers 2 newsfacts.web.wsgi:app
"""

from .app import create_app

app = create_app()
