"""Bulk writes that are no-ops on conflict, the same on Postgres and SQLite.

On Postgres a batch is one statement whatever its size: each column travels as one array
parameter and ``unnest`` turns the arrays back into rows on the server. An ``executemany`` of the
same batch runs the statement once per row (asyncpg pipelines them, but the server still plans
and executes each one, and SQLAlchemy binds every value in Python); for a burst of reminders that
was most of the tick's time. SQLite has no arrays and is used for small deployments, so it keeps
the plain ``executemany``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    column,
    func,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator, TypeEngine


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def insert_ignoring_conflicts(
    session: AsyncSession, model: type[Any], rows: Sequence[dict[str, Any]], conflict: Sequence[str]
) -> None:
    """INSERT … ON CONFLICT (conflict) DO NOTHING for rows that all have the same keys."""
    if not rows:
        return
    table: Table = model.__table__
    if not is_postgres(session):
        statement = sqlite_insert(table).on_conflict_do_nothing(index_elements=list(conflict))
        await session.execute(statement, list(rows))
        return
    names = list(rows[0])
    unnested = _unnest(table, names, rows, prefix="ins")
    pg_statement = (
        pg_insert(table)
        .from_select(names, select(*(_typed(table.c[name], unnested.c[name]) for name in names)))
        .on_conflict_do_nothing(index_elements=list(conflict))
    )
    await session.execute(pg_statement, _arrays(table, names, rows, prefix="ins"))


async def update_by_id(
    session: AsyncSession,
    model: type[Any],
    rows: Sequence[dict[str, Any]],
    constant: dict[str, Any] | None = None,
) -> None:
    """UPDATE each row (a dict with ``id`` and the same other keys) to its own values, plus
    ``constant`` values shared by all of them."""
    if not rows:
        return
    table: Table = model.__table__
    constant = constant or {}
    if not is_postgres(session):
        await session.execute(sql_update(model), [{**row, **constant} for row in rows])
        return
    names = list(rows[0])
    unnested = _unnest(table, names, rows, prefix="upd")
    values: dict[str, Any] = {
        name: _typed(table.c[name], unnested.c[name]) for name in names if name != "id"
    }
    values.update(constant)
    statement = sql_update(table).where(table.c.id == unnested.c.id).values(values)
    await session.execute(
        statement.execution_options(synchronize_session=False),
        _arrays(table, names, rows, prefix="upd"),
    )


async def increment_by_id(
    session: AsyncSession, model: type[Any], name: str, amounts: dict[int, int]
) -> None:
    """``name = name + amount`` for each row id in ``amounts``, in one statement on Postgres.
    Relative, not the value read plus the amount: another transaction may have added to it
    since. The rows are locked in id order first, the order every bulk writer of these rows
    uses, so that two batches cannot deadlock."""
    if not amounts:
        return
    table: Table = model.__table__
    ids = sorted(amounts)
    target = table.c[name]
    if not is_postgres(session):
        await session.execute(
            sql_update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name: target + bindparam("amount")}),
            [{"row_id": i, "amount": amounts[i]} for i in ids],
        )
        return
    await session.execute(
        select(table.c.id)
        .where(any_id(session, table.c.id, ids))
        .order_by(table.c.id)
        .with_for_update()
    )
    rows = (
        func.unnest(
            bindparam("inc_id", ids, type_=ARRAY(BigInteger())),
            bindparam("inc_amount", [amounts[i] for i in ids], type_=ARRAY(BigInteger())),
        )
        .table_valued(column("id", BigInteger()), column("amount", BigInteger()))
        .render_derived(name="inc_rows")
    )
    await session.execute(
        sql_update(table)
        .where(table.c.id == rows.c.id)
        .values({name: target + rows.c.amount})
        .execution_options(synchronize_session=False)
    )


def any_id(session: AsyncSession, col: Any, ids: Sequence[int]) -> Any:
    """``col IN ids`` for a batch of ids: one array parameter on Postgres (a list of thousands
    of ids would be as many parameters, and a new statement to plan for each length), a plain
    IN list on SQLite."""
    if is_postgres(session):
        return col == any_(bindparam(None, list(ids), type_=ARRAY(BigInteger())))
    return col.in_(list(ids))


def _is_json(col: Column[Any]) -> bool:
    return isinstance(col.type, JSON)


def _element_type(col: Column[Any]) -> TypeEngine[Any]:
    """The array element type for a column: JSON travels as text (cast back on the server);
    a type decorator as its implementation, since values here are already in storage form."""
    if _is_json(col):
        return Text()
    if isinstance(col.type, TypeDecorator):
        impl = col.type.impl
        return impl if isinstance(impl, TypeEngine) else impl()
    return col.type


def _unnest(table: Table, names: list[str], rows: Sequence[dict[str, Any]], prefix: str) -> Any:
    arrays = [
        bindparam(f"{prefix}_{name}", type_=ARRAY(_element_type(table.c[name]))) for name in names
    ]
    columns = [column(name, _element_type(table.c[name])) for name in names]
    return func.unnest(*arrays).table_valued(*columns).render_derived(name=f"{prefix}_rows")


def _typed(col: Column[Any], value: Any) -> Any:
    return cast(value, JSON) if _is_json(col) else value


def _arrays(
    table: Table, names: list[str], rows: Sequence[dict[str, Any]], prefix: str
) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for name in names:
        col = table.c[name]
        if _is_json(col):
            out[f"{prefix}_{name}"] = [
                None if row[name] is None else json.dumps(row[name], separators=(",", ":"))
                for row in rows
            ]
        elif isinstance(col.type, (DateTime, TypeDecorator)):
            _require_aware(name, rows)
            out[f"{prefix}_{name}"] = [row[name] for row in rows]
        else:
            out[f"{prefix}_{name}"] = [row[name] for row in rows]
    return out


def _require_aware(name: str, rows: Sequence[dict[str, Any]]) -> None:
    # The UTC column type refuses naive datetimes; the array path bypasses it, so check here.
    for row in rows:
        value = row[name]
        if value is not None and getattr(value, "tzinfo", None) is None:
            raise ValueError(f"naive datetime given to the UTC column {name}")
