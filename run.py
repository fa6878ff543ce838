"""Entry point: `flask --app run …` and WSGI servers use `app`."""
from app import create_app

app = create_app()
