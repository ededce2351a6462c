"""The simulated bash: parse a command line, expand it, run it over the tools."""

from pagerdrill.shell.errors import ParseError
from pagerdrill.shell.limits import Limits
from pagerdrill.shell.parser import is_incomplete, parse
from pagerdrill.shell.session_shell import Shell, ShellResult

__all__ = ["Limits", "ParseError", "Shell", "ShellResult", "is_incomplete", "parse"]
