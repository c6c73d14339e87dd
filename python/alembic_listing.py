"""What the Alembic bridge lists, and whether a listing can serve the upgrade after it.

`listing(script, ini, upgraded, baseline, baseline_path)` is the answer to the bridge's `list`
command (see alembic_bridge.py); `listed_script(listed, ini)` the listing's ScriptDirectory when
the upgrade that follows may use it.
"""

import os
import sys

# Modules whose import does not depend on the environment or the project: a listing that imports
# only these (and the standard library) leaves the process as a fresh one would be.
_LIBRARY_MODULES = (
    "alembic",
    "sqlalchemy",
    "psycopg2",
    "mako",
    "markupsafe",
    "greenlet",
    "typing_extensions",
    "importlib_metadata",
    "importlib_resources",
    "zipp",
    "pygments",
    "_distutils_hack",
    "sitecustomize",
    "usercustomize",
    "__main__",
)
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))


def _tuple(value):
    if value is None:
        return []
    if isinstance(value, (set, frozenset)):  # Alembic keeps a script's branch labels as a set
        return sorted(str(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def _stamp(path):
    st = os.stat(path)
    return "%d:%d:%d:%d" % (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _version_dirs(script):
    """The directories Alembic reads revision files from (missing ones too), or None if unknown."""
    locations = getattr(script, "_version_locations", None)
    if not isinstance(locations, (list, tuple)):
        return None
    dirs = []
    for loc in locations:
        loc = os.path.abspath(loc)
        if os.path.isdir(loc) and getattr(script, "recursive_version_locations", False):
            for root, subdirs, _files in os.walk(loc):
                subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
                dirs.append(os.path.abspath(root))
        else:
            dirs.append(loc)
    return dirs


def _stamps(ini, dirs):
    """[[path, stamp]]: the ini, each directory's entry names and each regular file in it.

    A file's stamp is inode:size:mtime_ns:ctime_ns; a directory's is "dir:" and its entry names
    (sorted, without __pycache__, which Python writes into as it loads revision files); a version
    location that is not a directory is "missing".
    """
    out = [[ini, _stamp(ini)]]
    for d in dirs:
        if not os.path.isdir(d):
            out.append([d, "missing"])
            continue
        names = sorted(n for n in os.listdir(d) if n != "__pycache__")
        out.append([d, "dir:" + "/".join(names)])
        for n in names:
            p = os.path.join(d, n)
            if os.path.isfile(p):
                out.append([p, _stamp(p)])
    return out


def _foreign_modules(baseline):
    """Modules imported since `baseline` that are neither standard library nor known libraries."""
    foreign = []
    for name in set(sys.modules) - baseline:
        top = name.split(".")[0]
        if top in _STDLIB or top in _LIBRARY_MODULES:
            continue
        foreign.append(name)
    return sorted(foreign)


def listing(script, ini, upgraded, baseline, baseline_path):
    """The answer to `list`: the revisions, what was read (stamped before reading), and whether
    the process is still as a fresh one would be."""
    dirs = _version_dirs(script)
    try:
        stamps = _stamps(ini, dirs) if dirs is not None else None
    except OSError:  # a file went away while stamped: list, but keep nothing
        stamps = None
    revs = []
    for sc in script.walk_revisions("base", "heads"):
        revs.append(
            {
                "revision": sc.revision,
                "down_revisions": _tuple(sc.down_revision),
                "branch_labels": sorted(_tuple(sc.branch_labels)),
                "depends_on": _tuple(sc.dependencies),
                "message": sc.doc,
                "path": os.path.abspath(sc.path),
            }
        )
    return {
        "ok": True,
        "revisions": revs,
        "dirs": dirs or [],
        "stamps": stamps or [],
        "cacheable": stamps is not None and not script.sourceless,
        "clean": not upgraded and sys.path == baseline_path and not _foreign_modules(baseline),
    }


# Variables runbook sets for the upgrade itself: a listing read without them serves it as well.
_RUN_VARIABLES = ("RUNBOOK_DATABASE_URL", "DATABASE_URL", "PGAPPNAME")


def listed_script(listed, ini):
    """The listing's ScriptDirectory (its revision files loaded once) for the upgrade that follows
    it, when nothing it read has changed and the environment is the one it was read in (but for
    the run's own variables); else None, and the upgrade reads the revisions again."""
    if listed is None:
        return None
    script, stamps, env = listed
    now = dict(os.environ)
    for k in _RUN_VARIABLES:
        env.pop(k, None)
        now.pop(k, None)
    try:
        same = env == now and _stamps(ini, _version_dirs(script)) == stamps
    except OSError:
        same = False
    return script if same else None
