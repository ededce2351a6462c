"""Text-processing commands: cat, head, tail, wc, sort, uniq, cut, tr, tee, grep, sed,
awk, less/more, rev, nl, column and xargs, with GNU output and error text.

Every command here runs with ``LC_ALL=C`` semantics (bytes, C collation) and reads
files through the simulated filesystem lazily. Reading from files is bounded per
command by :data:`pagerdrill.tools.text.common.SCAN_LIMIT` so that a full scan of a
64G generated log ends with a clear message instead of hanging the session.
"""
