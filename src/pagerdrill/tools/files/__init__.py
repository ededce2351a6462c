"""File and disk tools, GNU coreutils 9.1 / findutils 4.9 exact.

ls, find, du, df, stat, touch, mkdir, rmdir, rm, mv, cp, truncate, ln, chmod,
chown, readlink, realpath, basename, dirname, mktemp. Every command reads and
changes the host's filesystem only through :class:`pagerdrill.world.fs.FileSystem`.
"""
