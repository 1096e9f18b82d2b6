"""A POSIX-ish shell in the manner of busybox ash: lexer, parser, interpreter."""

from mockd.programs.shell.parser import ShellSyntaxError, parse
from mockd.programs.shell.program import sh_main

__all__ = ["ShellSyntaxError", "parse", "sh_main"]
