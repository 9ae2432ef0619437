"""``flask --app app orgs create|list|update``: the organisations of the platform."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask

from portal.auth.actor import SYSTEM
from portal.errors import NotFound, ValidationError
from portal.orgs import directory, service
from portal.orgs.models import CONTACT_FIELDS, OrgKind

KINDS = [kind.value for kind in OrgKind]


def _fact_options(func: Any) -> Any:
    """The options ``create`` and ``update`` share: names, kind, credit code, parent, facts."""
    for name in reversed(list(CONTACT_FIELDS)):
        flag = "--" + name.replace("_", "-")
        func = click.option(flag, name, default=None, help=CONTACT_FIELDS[name])(func)
    func = click.option("--sort", type=int, default=None, help="Order in lists (small first).")(
        func
    )
    func = click.option("--parent", default=None, help="Code of the parent organisation.")(func)
    func = click.option("--credit-code", default=None, help="统一社会信用代码 (18 characters).")(
        func
    )
    func = click.option("--kind", type=click.Choice(KINDS), default=None, help="机构类型.")(func)
    func = click.option("--short-name", default=None, help="简称, e.g. 东晓街道.")(func)
    func = click.option("--name", default=None, help="全称, e.g. 深圳市罗湖区东晓街道办事处.")(func)
    return func


def _fail(exc: ValidationError | NotFound) -> click.ClickException:
    if isinstance(exc, ValidationError):
        return click.ClickException("；".join(exc.errors.values()))
    return click.ClickException(str(exc))


def register(app: Flask) -> None:
    @app.cli.group("orgs")
    def orgs() -> None:
        """Organisations: each publishes in its own 专栏 (the home one at the root)."""

    @orgs.command("create")
    @click.argument("code")
    @_fact_options
    def create(code: str, **values: Any) -> None:
        """Create the organisation CODE (URL-safe, e.g. dongxiao)."""
        try:
            org = service.create(SYSTEM, code=code, **values)
        except (ValidationError, NotFound) as exc:
            raise _fail(exc) from None
        click.echo(f"Created {org.code} ({org.name}).")

    @orgs.command("update")
    @click.argument("code")
    @_fact_options
    def update(code: str, **values: Any) -> None:
        """Change the given facts of the organisation CODE (use --parent '' for none)."""
        try:
            org = service.update(SYSTEM, code, **values)
        except (ValidationError, NotFound) as exc:
            raise _fail(exc) from None
        click.echo(f"Updated {org.code} ({org.name}).")

    @orgs.command("list")
    def list_orgs() -> None:
        """Every organisation: code, kind, credit code, name; * marks the home one."""
        orgs_ = directory.all_orgs()
        codes = {org.id: org.code for org in orgs_}
        for org in orgs_:
            parent = f" ⊂ {codes[org.parent_id]}" if org.parent_id else ""
            mark = "*" if org.is_home else " "
            click.echo(f"{mark} {org.code:<16} {org.kind:<10} {org.credit_code} {org.name}{parent}")
