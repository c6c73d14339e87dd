"""One upgrade of runbook's Alembic bridge: env.py run once, a line per revision as it commits.

`upgrade(cfg, script, req, emit, stopping)` runs the revisions `req["revisions"]` through the
project's own env.py, as `alembic upgrade` runs its steps (see alembic_bridge.py for the
protocol). Alembic itself runs each migration and writes alembic_version; the bridge only adds
options to env.py's `context.configure(...)` and watches its migration loop:

- `transaction_per_migration=True`: each revision commits with its version write, so the caller
  can record it as it commits and a stop, crash or failure leaves every earlier one committed.
- an `on_version_apply` callback (Alembic calls it inside the revision's transaction, after the
  version write) that runs the caller's probe there and keeps its rows.
- a watch on the statements sent through the migration connection (SQLAlchemy's and raw cursors'
  alike): the probe may skip its scan of all of pg_class for a revision that sent no statement
  matching the caller's `probe.unlocked` pattern (one that may write relations' rows without
  locking them); see src/migrations/in-transaction-window-probe.ts for its other conditions.
- the steps come from a generator: Alembic asks for the next step only after the previous one's
  transaction block has ended, which is where the bridge checks that it committed and reports it.
"""

import hashlib
import re
import time

from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationStep
from alembic.util import to_tuple


class BridgeStop(Exception):
    """Ends an upgrade between revisions; `kind` is the error type reported."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def _idle(connection):
    """True when no transaction is open on the connection (a revision's block really committed)."""
    fairy = getattr(connection, "connection", None)
    for attr in ("dbapi_connection", "driver_connection", "connection"):
        raw = getattr(fairy, attr, None)
        status = getattr(raw, "get_transaction_status", None)  # psycopg2
        if status is not None:
            return status() == 0  # TRANSACTION_STATUS_IDLE
        info = getattr(raw, "info", None)  # psycopg 3
        if info is not None and hasattr(info, "transaction_status"):
            return int(info.transaction_status) == 0
    return not connection.in_transaction()


PROBE_PARAMS = "text, boolean"


def _prepare(connection, sql, prepared):
    """The name of `sql` prepared (parameters $1 text, $2 boolean) in `connection`'s session,
    prepared there on first use: planning the probe costs more than running it. The name carries a
    hash of the statement, so a session that already has it (a pooled connection of an earlier
    upgrade) has this SQL."""
    digest = hashlib.sha1(("%s:%s" % (PROBE_PARAMS, sql)).encode("utf-8")).hexdigest()[:12]
    name = "runbook_probe_" + digest
    if prepared.get(name) is not connection:
        found = connection.exec_driver_sql(
            "SELECT 1 FROM pg_catalog.pg_prepared_statements WHERE name = '%s'" % name
        ).first()
        if found is None:
            connection.exec_driver_sql("PREPARE %s(%s) AS %s" % (name, PROBE_PARAMS, sql))
        prepared[name] = connection
    return name


def _dbapi_connection(connection):
    fairy = getattr(connection, "connection", None)
    for attr in ("dbapi_connection", "driver_connection", "connection"):
        raw = getattr(fairy, attr, None)
        if raw is not None:
            return raw
    return None


def _cursor_class(raw):
    cursor = raw.cursor()
    try:
        return type(cursor)
    finally:
        cursor.close()


def _watch(connection, note):
    """Passes the text of every statement sent through `connection`'s DBAPI connection to `note`
    (SQLAlchemy's cursors and a migration's raw ones alike; text that cannot be read as `None`).
    Returns a function that undoes it, or None when the driver's cursors cannot be watched (only
    psycopg2's can: its connection's `cursor_factory` is replaced by a subclass of the one set).
    A cursor opened with a `cursor_factory` argument of its own is not watched."""
    try:
        import psycopg2.extensions as ext
    except ImportError:
        return None
    raw = _dbapi_connection(connection)
    if not isinstance(raw, ext.connection):
        return None
    original = raw.cursor_factory
    try:
        # Unset, the connection's own class picks the cursor (DictConnection: DictCursor).
        base = original or _cursor_class(raw)
    except Exception:
        return None
    if not (isinstance(base, type) and issubclass(base, ext.cursor)):
        return None

    def text(query, cursor):
        if isinstance(query, str):
            return query
        if isinstance(query, bytes):
            return query.decode("utf-8", "replace")
        try:
            return query.as_string(cursor)  # psycopg2.sql.Composable
        except Exception:
            return None

    class Watched(base):
        def execute(self, query, vars=None):
            note(text(query, self))
            return super().execute(query, vars)

        def executemany(self, query, vars_list):
            note(text(query, self))
            return super().executemany(query, vars_list)

        def callproc(self, procname, *args, **kwargs):
            note(None)
            return super().callproc(procname, *args, **kwargs)

    raw.cursor_factory = Watched

    def undo():
        if raw.cursor_factory is Watched:
            raw.cursor_factory = original

    return undo


def _rows(connection, sql):
    """The rows of `sql` as dicts, in `connection`'s transaction. On psycopg2, sent through a plain
    cursor of its DBAPI connection: SQLAlchemy's execution machinery costs more than a probe
    that runs in a fraction of a millisecond. Other drivers go through SQLAlchemy."""
    raw = _dbapi_connection(connection)
    try:
        import psycopg2.extensions as ext
    except ImportError:
        ext = None
    if ext is None or not isinstance(raw, ext.connection):
        result = connection.exec_driver_sql(sql)
        keys = list(result.keys())
        return [dict(zip(keys, row)) for row in result.fetchall()]
    # A cursor class of its own: the connection's may return rows as dicts, or be watched.
    cursor = raw.cursor(cursor_factory=ext.cursor)
    try:
        cursor.execute(sql)
        keys = [d[0] for d in cursor.description]
        return [dict(zip(keys, row)) for row in cursor.fetchall()]
    finally:
        cursor.close()


class _Windows:
    """The caller's probe (`probe`: start, rows, prelude, unlocked) over an upgrade's revisions:
    each revision's window of writes, from `begin` (before the revision runs) to `probe` (inside
    its transaction, after its version write), and what the statement watch saw in it."""

    def __init__(self, probe):
        self.spec = probe
        self.pattern = re.compile(probe.get("unlocked") or r"", re.IGNORECASE)
        self.prepared = {}
        self.undo = []
        self.watching = False
        self.unlocked = True  # the window sent a statement that may write unlocked (or unseen)
        self.internal = False  # the bridge's own statements are not the revision's
        self.start = None
        self.next_start = None  # from the last probe: where the window after it starts

    def watch(self, connection):
        """Watches the statements sent through `connection` (see _watch), when it can."""
        watchable = self.spec.get("unlocked") and connection is not None
        undo = _watch(connection, self._note) if watchable else None
        if undo:
            self.undo.append(undo)
            self.watching = True

    def unwatch(self):
        for fn in reversed(self.undo):
            fn()
        self.undo = []

    def _note(self, sql):
        if not self.internal and (sql is None or self.pattern.search(sql)):
            self.unlocked = True

    def _own(self, fn):
        self.internal = True
        try:
            return fn()
        finally:
            self.internal = False

    def begin(self, connection):
        """Opens a revision's window: where the probe before put its start, else read now (every
        xid the revision will take is at or after it). A transaction that already took an xid
        (env.py wrote before the migrations ran) may hold writes nobody watched."""
        start, self.next_start = self.next_start, None
        self.unlocked = not self.watching
        if start is None:
            row = _rows(connection, self.spec["start"])[0]
            start = row["xid"]
            if row.get("begun"):
                self.unlocked = True
        self.start = int(start)

    def probe(self, connection):
        """The probe's rows for the window (its `next` row kept for the window after)."""
        name = self._own(lambda: _prepare(connection, self.spec["rows"], self.prepared))
        sql = "EXECUTE %s('%d', %s)" % (name, self.start, self.unlocked)
        if self.spec.get("prelude"):
            sql = "%s; %s" % (self.spec["prelude"], sql)  # one message: the last result is the probe's
        rows = _rows(connection, sql)
        following = [r.get("name") for r in rows if r.get("what") == "next"]
        self.next_start = following[0] if following else None
        return [r for r in rows if r.get("what") != "next"]


def upgrade(cfg, script, req, emit, stopping, state):
    """Runs the upgrade and returns the number of revisions committed; raises on failure. `state`
    (a dict) holds, also after a failure, "applied" (revisions committed) and "current" (the
    revision that was running, None between revisions)."""
    plan = [str(r) for r in req["revisions"]]
    expected = sorted(str(h) for h in req.get("heads") or [])
    probe = req.get("probe") or {}
    state.update(current=None, applied=0)

    windows = _Windows(probe)

    def on_apply(ctx, step, heads, run_args):
        state["heads"] = sorted(heads)
        if probe:
            state["probe"] = windows.probe(ctx.connection)

    # env.py that runs the migrations inside a transaction of its own (`connection.begin()`):
    # Alembic then never commits between revisions, so their lines wait until env.py's commit.
    deferred = []

    def steps(heads, ctx):
        external = bool(getattr(ctx, "_in_external_transaction", False))
        windows.watch(ctx.connection)
        if external and not req.get("one_transaction"):
            raise BridgeStop(
                "ExternalTransaction",
                "env.py runs the migrations inside its own transaction: one Alembic run per revision",
            )
        if sorted(heads) != expected:
            raise BridgeStop(
                "HeadsChanged",
                "alembic_version holds %s, not %s as when the upgrade was planned"
                % (", ".join(sorted(heads)) or "no row", ", ".join(expected) or "no row"),
            )
        for rev in plan:
            if stopping():
                raise BridgeStop("Stopped", "stopped before %s" % rev)
            step = MigrationStep.upgrade_from_script(script.revision_map, script.get_revision(rev))
            state.update(current=rev, heads=None, probe=[], started=time.monotonic())
            if probe:
                windows.begin(ctx.connection)
            yield step
            # Alembic asks for the next step once this one's transaction block has ended.
            if state["heads"] is None:
                raise BridgeStop("NotRecorded", "Alembic did not record %s" % rev)
            if not external and not _idle(ctx.connection):
                raise BridgeStop(
                    "VersionNotCommitted",
                    "%s left its alembic_version write in a transaction nobody commits" % rev,
                )
            state["applied"] += 1
            (deferred.append if external else emit)(
                {
                    "event": "applied",
                    "revision": rev,
                    "duration_ms": int((time.monotonic() - state["started"]) * 1000),
                    "heads": state["heads"],
                    "probe": state["probe"],
                }
            )
            state["current"] = None

    environment = EnvironmentContext(
        cfg,
        script,
        fn=steps,
        as_sql=False,
        starting_rev=None,
        destination_rev=plan[-1] if plan else None,
        tag=None,
    )
    configure = environment.configure

    def configure_with_options(*args, **kw):
        kw["transaction_per_migration"] = True
        kw["on_version_apply"] = to_tuple(kw.get("on_version_apply"), default=()) + (on_apply,)
        return configure(*args, **kw)

    # env.py's `context.configure(...)` is a module function calling this instance's attribute.
    environment.configure = configure_with_options
    try:
        with environment:
            script.run_env()
    finally:
        windows.unwatch()
    # env.py returned: its own transaction, if it had one, committed.
    for event in deferred:
        emit(event)
    if state["applied"] != len(plan):
        # env.py returned without running the migrations (or ran only some of them).
        raise BridgeStop("NotRun", "env.py ran %d of %d revisions" % (state["applied"], len(plan)))
    return state["applied"]
