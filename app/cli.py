"""`flask --app run complaints …`: set-up and demo data."""
import click
from flask import current_app
from flask.cli import with_appcontext

from .demo import USERS, load_demo
from .setup import initialise


@click.group()
def complaints():
    """Complaint desk administration."""


@complaints.command("init")
@with_appcontext
def init():
    """Create roles, permissions, default categories, deadline policies and the working-day
    calendar (safe to run again: it only adds what is missing)."""
    added = initialise()
    click.echo("added: " + ", ".join(f"{what} {n}" for what, n in added.items()))


@complaints.command("demo")
@click.option("--count", default=200, show_default=True, help="How many complaints to create.")
@with_appcontext
def demo(count):
    """Load the demo world (offices, staff, residents, complaints) and print the logins."""
    initialise()
    result = load_demo(count=count)
    if result["created"]:
        click.echo(f"demo data loaded: {result['complaints']} complaints, {result['visits']} visits")
    else:
        click.echo("demo data already loaded")
    click.echo("demo logins (username / password / role / offices):")
    for user in USERS:
        click.echo(f"  {user.username:8} {user.password:18} {user.role:18} {','.join(user.offices) or 'all'}")


@complaints.command("sweep")
@with_appcontext
def sweep():
    """Run one deadline sweep now and print what it did."""
    from .deadlines.scheduler import run_sweep

    click.echo(str(run_sweep(current_app._get_current_object())))


@complaints.command("scheduler")
@with_appcontext
def scheduler():
    """Run the deadline sweep every SWEEP_INTERVAL_SECONDS until stopped (its own process)."""
    from .deadlines.scheduler import run_forever

    click.echo("deadline scheduler started")
    run_forever(current_app._get_current_object())
