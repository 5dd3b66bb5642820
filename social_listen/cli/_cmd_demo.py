"""``social-listen demo``: the whole job offline, in one command, with no account.

Fake Hacker News-, Mastodon- and RSS-shaped platforms on loopback serve a generated week
about the fictional brand Lunaro (a delivery crisis on day 5); the real connectors collect it,
the monitor enriches, triages and fires alerts to a JSONL file, and the listener writes the
report. The command prints each step, the paths it wrote and the top of the inbox.
"""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from social_listen.cli._app import AppContext, emit
from social_listen.cli._common import format_time, preview, print_table

__all__ = ["COMMANDS"]


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("social-listen-demo"),
    show_default=True,
    help="Folder for demo.sqlite, alerts.jsonl, report.html and report.md (replaced on each run).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generated week.")
@click.option("--open", "open_report", is_flag=True, help="Open the HTML report in a browser at the end.")
@click.pass_obj
def demo(app: AppContext, out: Path, seed: int, open_report: bool) -> None:
    r"""Run the offline demo: fake platforms, real collection, triage, alerts and the report.

    \b
    Example:
      social-listen demo --out /tmp/sl-demo --open
    """
    from social_listen.demo import run_demo

    def say(line: str) -> None:
        if not app.quiet:
            click.echo(line, err=app.as_json)

    # No spinner: the demo prints its own progress line by line.
    result = run_demo(out, seed=seed, progress=say)
    top = [
        {
            "urgency": m.urgency.value if m.urgency else None,
            "source": m.source,
            "native_id": m.native_id,
            "author": m.author.handle if m.author else None,
            "created_at": m.created_at.isoformat(),
            "brands": list(m.brands),
            "text": m.text,
        }
        for m in result.inbox_top
    ]
    if app.as_json:
        emit(
            app,
            {
                "database": str(result.database),
                "report_html": str(result.report_html),
                "report_markdown": str(result.report_markdown),
                "alerts_file": str(result.alerts_file),
                "mentions": result.mentions,
                "alerts": result.alerts,
                "crisis_day": result.crisis_day.isoformat() if result.crisis_day else None,
                "polled": result.polled,
                "inbox_top": top,
            },
        )
    else:
        click.echo(f"\n{result.mentions} mentions stored, {result.alerts} alerts written")
        click.echo(f"  database: {result.database}")
        click.echo(f"  alerts:   {result.alerts_file}")
        click.echo(f"  report:   {result.report_html}")
        click.echo(f"            {result.report_markdown}")
        if result.inbox_top:
            click.echo("\ntop of the inbox (most urgent first):")
            print_table(
                ("urgency", "source", "author", "time", "text"),
                [
                    (
                        f"{m.urgency.value:.0f}" if m.urgency else "-",
                        m.source,
                        preview(m.author.handle, width=28) if m.author else "-",
                        format_time(m.created_at),
                        preview(m.text),
                    )
                    for m in result.inbox_top
                ],
            )
        click.echo(
            f"\nnext: social-listen --store {result.database} inbox list   |   "
            "social-listen init (your own brands and sources)"
        )
    if open_report:
        webbrowser.open(result.report_html.resolve().as_uri())


COMMANDS: tuple[click.Command, ...] = (demo,)
