"""runbook's bridge to a real Alembic project.

Usage: python3 alembic_bridge.py <alembic.ini>   (database URL in RUNBOOK_DATABASE_URL, optional)

Imports Alembic and psycopg2, answers with one hello line, then reads commands as JSON lines on
stdin and answers each with one JSON line on stdout (Alembic's own logging goes to stderr):

  (hello)                          -> {"ok": true, "ready": true, "python": v, "alembic": v}
                                    | {"ok": false, "ready": false, "error": {...}}  then exit 3
                                      (alembic or psycopg2 cannot be imported)
  {"cmd": "list"}                  -> {"ok": true, "revisions": [{revision, down_revisions,
                                        branch_labels, depends_on, message, path}, ...],
                                       "dirs": [...], "stamps": [[path, stamp], ...],
                                       "cacheable": bool, "clean": bool}
  {"cmd": "bind", "env": {...}}    -> {"ok": true}   (only before the first upgrade; the database
                                      URL, if any, in env's RUNBOOK_DATABASE_URL)
  {"cmd": "upgrade", "revisions": [R1, R2, ...], "heads": [...],
   "probe": {"start": SQL, "rows": SQL, "prelude": SQL, "unlocked": REGEX},
   "one_transaction": bool}
                                   -> one line per revision as its transaction commits:
                                        {"event": "applied", "revision": R, "duration_ms": n,
                                         "heads": [...], "probe": [{column: value}, ...]}
                                      then {"ok": true, "applied": n}
                                    | {"ok": false, "revision": R | null, "applied": n,
                                       "error": {pgcode, message, detail, hint, statement,
                                       position, type, traceback}}
  {"cmd": "stop"}                   (while an upgrade runs: stop before the next revision; no answer)
  {"cmd": "quit"}                   -> exits

An upgrade runs env.py once, as `alembic upgrade` does, with the revisions given, in that order, as
its migration steps (what `command.upgrade` would compute for each of them in turn). The bridge's
EnvironmentContext adds two options to env.py's own `context.configure(...)`, leaving env.py as it
is: `transaction_per_migration=True` (each revision commits with its alembic_version write, as a
`command.upgrade` per revision would) and an `on_version_apply` callback, which runs probe.rows
(SQL read in the revision's transaction, after its version write, sent after probe.prelude in the
same message; `$1` is the first xid of the revision's window, `$2` true when the revision sent a
statement matching probe.unlocked, or when its statements could not be watched) and keeps its
rows for the revision's line, except the row
whose "what" is "next": its "name", when not null, is the first xid of the next revision's window.
A revision without one (the first, or one after a null or absent "next") reads its window's start
with probe.start as it begins. A revision's line is written only once its transaction has
ended with the connection idle: a revision that ended Alembic's transaction itself (a commit
mid-way) leaves its version write in a transaction nobody would commit, so the upgrade stops there
with error type "VersionNotCommitted" and that write is rolled back as the connection closes.
An env.py that runs the migrations inside a transaction of its own (`connection.begin()`: Alembic
then commits nothing between revisions) stops the upgrade before it starts (error type
"ExternalTransaction"), unless "one_transaction" is set: the caller then sends one revision per
upgrade, and its line comes once env.py returned, its transaction committed.
"heads" are the version rows the caller planned from; Alembic's own reading must agree
("HeadsChanged" otherwise, nothing run). A "stop" ends the upgrade before the next revision
(error type "Stopped"). When stdin closes during an upgrade (the caller is gone), the process exits
at once: the revision in flight is rolled back with its connection, and no further one starts
(see alembic_upgrade.py). An upgrade that follows a listing in the same process reuses its
ScriptDirectory (the revision files loaded once) while nothing the listing read has changed and
the environment is the listing's (see alembic_listing.py).

One process can serve a listing and then a run's upgrades: `list` reports whether the listing
left the process as a fresh one would be (`clean`: loading the revision files imported nothing
but the standard library, Alembic, SQLAlchemy and their own dependencies), and `bind` then gives
the process the environment and database URL a process started for the upgrade would have had.
A process that has run env.py (an upgrade) is never bound again.

`list` also reports what the listing read, stamped before it was read (`stamps`: the ini, each
version directory's entries and each file in it, as inode:size:mtime_ns:ctime_ns), so the caller
can keep the listing until any of them changes.
"""

import atexit
import json
import os
import queue
import sys
import threading
import traceback

def _error(exc):
    orig = getattr(exc, "orig", None)
    diag = getattr(orig, "diag", None)
    out = {
        "type": getattr(exc, "kind", None) or type(exc).__name__,
        "pgcode": getattr(orig, "pgcode", None) or getattr(exc, "pgcode", None),
        "message": None,
        "detail": None,
        "hint": None,
        "position": None,
        "statement": getattr(exc, "statement", None),
    }
    if diag is not None:
        out["message"] = diag.message_primary
        out["detail"] = diag.message_detail
        out["hint"] = diag.message_hint
        pos = diag.statement_position
        out["position"] = int(pos) if pos else None
    if not out["message"]:
        out["message"] = str(orig if orig is not None else exc).strip().split("\n")[0]
    out["traceback"] = traceback.format_exc()[-4000:]
    return out


def _read_commands(busy, stop):
    """Reads stdin on its own thread: the lines, then None at its end, on the returned queue.

    While an upgrade runs (`busy`), "stop" and "quit" set `stop` (the upgrade ends before its next
    revision), and the end of stdin (the caller is gone: killed, or it closed the bridge) exits
    the process at once, so that no revision starts, or commits, that nobody will record.
    """
    lines = queue.Queue()

    def run():
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            if busy.is_set() and line.replace(" ", "") in ('{"cmd":"stop"}', '{"cmd":"quit"}'):
                stop.set()
            lines.put(line)
        if busy.is_set():
            os._exit(4)
        lines.put(None)

    threading.Thread(target=run, name="stdin", daemon=True).start()
    return lines


def _upgrade(alembic_upgrade, script, cfg, req, reply, busy, stop):
    """The answer to `upgrade` (its revision lines are written by `reply` as they commit)."""
    state = {}
    busy.set()
    try:
        applied = alembic_upgrade.upgrade(cfg, script, req, reply, stop.is_set, state)
        return {"ok": True, "applied": applied}
    except Exception as exc:
        plan = req.get("revisions") or []
        done = state.get("applied", 0)
        revision = state.get("current") or (plan[done] if done < len(plan) else None)
        return {"ok": False, "revision": revision, "applied": done, "error": _error(exc)}
    finally:
        busy.clear()
        stop.clear()


def main():
    protocol = sys.stdout
    # Anything Alembic or env.py prints must not corrupt the protocol stream.
    sys.stdout = sys.stderr

    def reply(obj):
        protocol.write(json.dumps(obj) + "\n")
        protocol.flush()

    # Mako (imported by Alembic for revision templates) highlights its HTML error pages with
    # Pygments when it can; the bridge never renders one, and importing Pygments' lexers is a
    # sixth of `import alembic`. Without it Mako installs its plain fallback.
    blocked = "mako.ext.pygmentplugin" not in sys.modules
    if blocked:
        sys.modules["mako.ext.pygmentplugin"] = None
    try:
        import alembic
        import psycopg2  # noqa: F401  (the dialect env.py will connect with)
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        import alembic_listing
        import alembic_upgrade
    except ImportError as exc:
        reply({"ok": False, "ready": False, "error": {"type": type(exc).__name__, "message": str(exc)}})
        protocol.flush()
        os._exit(3)
    finally:
        if blocked and sys.modules.get("mako.ext.pygmentplugin", 0) is None:
            del sys.modules["mako.ext.pygmentplugin"]
    baseline = set(sys.modules)
    baseline_path = list(sys.path)
    reply(
        {
            "ok": True,
            "ready": True,
            "python": sys.version.split()[0],
            "alembic": getattr(alembic, "__version__", None),
        }
    )

    ini = os.path.abspath(sys.argv[1])

    def config(url):
        cfg = Config(ini)
        if url:
            cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        return cfg

    cfg = config(os.environ.get("RUNBOOK_DATABASE_URL"))
    # Set once an upgrade has run env.py: the process then belongs to that run's environment.
    upgraded = False
    # The last listing's ScriptDirectory, what it read and the environment it was read in.
    listed = None

    busy = threading.Event()
    stop = threading.Event()
    lines = _read_commands(busy, stop)
    while True:
        line = lines.get()
        if line is None:
            break
        try:
            req = json.loads(line)
        except ValueError as exc:
            reply({"ok": False, "error": {"type": "BadRequest", "message": str(exc)}})
            continue
        cmd = req.get("cmd")
        if cmd == "quit":
            break
        if cmd == "stop":  # arrived after the upgrade it was meant for had ended
            continue
        try:
            if cmd == "list":
                script = ScriptDirectory.from_config(cfg)
                answer = alembic_listing.listing(script, ini, upgraded, baseline, baseline_path)
                listed = (script, answer["stamps"], dict(os.environ)) if answer["cacheable"] else None
                reply(answer)
            elif cmd == "bind":
                if upgraded:
                    raise RuntimeError("this bridge has already run an upgrade")
                # The environment a process started for this run would have had (URL included).
                env = req.get("env")
                if not isinstance(env, dict):
                    raise ValueError("bind needs an env object")
                os.environ.clear()
                os.environ.update({str(k): str(v) for k, v in env.items()})
                cfg = config(os.environ.get("RUNBOOK_DATABASE_URL"))
                reply({"ok": True})
            elif cmd == "upgrade":
                upgraded = True
                script = alembic_listing.listed_script(listed, ini) or ScriptDirectory.from_config(cfg)
                listed = None
                reply(_upgrade(alembic_upgrade, script, cfg, req, reply, busy, stop))
            else:
                reply({"ok": False, "error": {"type": "BadRequest", "message": "unknown cmd %r" % cmd}})
        except Exception as exc:  # every failure is reported, never raised
            reply({"ok": False, "error": _error(exc)})

    # Every answer is written and every connection env.py opened is closed (each upgrade runs
    # env.py to the end). Exit handlers (logging's flush among them) run as at any exit; the
    # interpreter's teardown of every module, 0.1-0.2 s with SQLAlchemy loaded, is skipped.
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is not None:
        run_exit_handlers()
    sys.stderr.flush()
    protocol.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
