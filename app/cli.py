"""`flask --app run complaints …`: set-up and demo data."""
import click
from flask.cli import with_appcontext

from .demo import USERS, load_demo
from .setup import ensure_categories, sync_roles_and_permissions


@click.group()
def complaints():
    """Complaint desk administration."""


@complaints.command("init")
@with_appcontext
def init():
    """Create roles, permissions and default categories (safe to run again)."""
    changes = sync_roles_and_permissions()
    added = ensure_categories()
    click.echo(f"roles and permissions: {len(changes)} added; categories: {added} added")


@complaints.command("demo")
@click.option("--count", default=200, show_default=True, help="How many complaints to create.")
@with_appcontext
def demo(count):
    """Load the demo world (offices, staff, residents, complaints) and print the logins."""
    sync_roles_and_permissions()
    ensure_categories()
    result = load_demo(count=count)
    if result["created"]:
        click.echo(f"demo data loaded: {result['complaints']} complaints")
    else:
        click.echo("demo data already loaded")
    click.echo("demo logins (username / password / role / offices):")
    for user in USERS:
        click.echo(f"  {user.username:8} {user.password:18} {user.role:18} {','.join(user.offices) or 'all'}")
