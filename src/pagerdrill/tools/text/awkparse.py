"""A recursive-descent parser for the POSIX awk grammar into tuple trees.

Expressions are tuples whose first item names the node: ``("num", 1.0)``,
``("var", "x")``, ``("binop", "+", a, b)``... Statements likewise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pagerdrill.tools.text.awklex import AwkSyntaxError, Token, tokenize

__all__ = ["Node", "Program", "parse_program"]

Node = tuple[object, ...]


@dataclass
class Program:
    begin: list[Node] = field(default_factory=list)
    end: list[Node] = field(default_factory=list)
    rules: list[tuple[Node | None, Node | None, Node | None]] = field(default_factory=list)
    functions: dict[str, tuple[list[str], Node]] = field(default_factory=dict)


_ASSIGN = {"=", "+=", "-=", "*=", "/=", "%=", "^=", "**="}
_CMP = {"<", "<=", "!=", "==", ">", ">="}
# Tokens that may start an expression (for concatenation and print arguments).
_STARTS = {"NAME", "NUMBER", "STRING", "ERE", "FUNC_NAME", "BUILTIN", "$", "!", "(", "-", "+",
           "++", "--"}
_CONCAT_STARTS = _STARTS - {"!", "-", "+"}


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.no_gt = 0  # inside print arguments, '>' is a redirection
        self.no_in = 0  # in a for(...) header before 'in'

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def at(self, *kinds: str) -> bool:
        return self.tok.kind in kinds

    def fail(self, tok: Token | None = None) -> AwkSyntaxError:
        tok = tok or self.tok
        if tok.kind in ("NEWLINE", "EOF"):
            return AwkSyntaxError("unexpected newline or end of string", tok.line, tok.column)
        return AwkSyntaxError("syntax error", tok.line, tok.column)

    def take(self, kind: str | None = None) -> Token:
        tok = self.tok
        if kind is not None and tok.kind != kind:
            raise self.fail()
        self.i += 1
        return tok

    def newlines(self) -> None:
        while self.at("NEWLINE"):
            self.i += 1

    def terminators(self) -> None:
        while self.at("NEWLINE", ";"):
            self.i += 1

    # -- program ---------------------------------------------------------

    def program(self) -> Program:
        prog = Program()
        self.terminators()
        while not self.at("EOF"):
            if self.at("BEGIN"):
                self.take()
                prog.begin.append(self.block())
            elif self.at("END"):
                self.take()
                prog.end.append(self.block())
            elif self.at("function"):
                self.take()
                name = self.take().value
                self.take("(")
                params: list[str] = []
                while not self.at(")"):
                    params.append(self.take("NAME").value)
                    if self.at(","):
                        self.take()
                        self.newlines()
                self.take(")")
                self.newlines()
                prog.functions[name] = (params, self.block())
            else:
                pattern: Node | None = None if self.at("{") else self.expr()
                pattern2: Node | None = None
                if pattern is not None and self.at(","):
                    self.take()
                    self.newlines()
                    pattern2 = self.expr()
                action = self.block() if self.at("{") else None
                prog.rules.append((pattern, pattern2, action))
            self.terminators()
        return prog

    def block(self) -> Node:
        self.take("{")
        stmts: list[Node] = []
        self.terminators()
        while not self.at("}"):
            stmts.append(self.statement())
            self.terminators()
        self.take("}")
        return ("block", stmts)

    def simple_end(self) -> None:
        if self.at(";", "NEWLINE"):
            self.take()
        elif not self.at("}", "EOF"):
            raise self.fail()

    def body(self) -> Node:
        self.newlines()
        if self.at(";"):
            self.take()
            return ("block", [])
        return self.statement()

    def statement(self) -> Node:
        kind = self.tok.kind
        if kind == "{":
            return self.block()
        if kind == "if":
            self.take()
            self.take("(")
            cond = self.expr()
            self.take(")")
            then = self.body()
            save = self.i
            self.terminators()
            if self.at("else"):
                self.take()
                return ("if", cond, then, self.body())
            self.i = save
            return ("if", cond, then, None)
        if kind == "while":
            self.take()
            self.take("(")
            cond = self.expr()
            self.take(")")
            if self.at(";"):
                self.take()
                return ("while", cond, ("block", []))
            return ("while", cond, self.body())
        if kind == "do":
            self.take()
            loop = self.body()
            self.terminators()
            self.take("while")
            self.take("(")
            cond = self.expr()
            self.take(")")
            self.simple_end()
            return ("do", loop, cond)
        if kind == "for":
            return self.for_statement()
        if kind in ("break", "continue", "next", "nextfile"):
            self.take()
            self.simple_end()
            return (kind,)
        if kind in ("exit", "return"):
            self.take()
            value = None if self.at(";", "NEWLINE", "}", "EOF") else self.expr()
            self.simple_end()
            return (kind, value)
        if kind == "delete":
            self.take()
            name = self.take("NAME").value
            subs = None
            if self.at("["):
                subs = self.subscripts()
            self.simple_end()
            return ("delete", name, subs)
        if kind in ("print", "printf"):
            node = self.print_statement()
            self.simple_end()
            return node
        if kind == ";":
            self.take()
            return ("block", [])
        node = ("expr", self.expr())
        self.simple_end()
        return node

    def for_statement(self) -> Node:
        self.take("for")
        self.take("(")
        if self.at("NAME") and self.tokens[self.i + 1].kind == "in" and \
                self.tokens[self.i + 2].kind == "NAME" and self.tokens[self.i + 3].kind == ")":
            var = self.take().value
            self.take("in")
            array = self.take().value
            self.take(")")
            return ("forin", var, array, self.body())
        init = None if self.at(";") else self.expr()
        self.take(";")
        self.newlines()
        cond = None if self.at(";") else self.expr()
        self.take(";")
        self.newlines()
        step = None if self.at(")") else self.expr()
        self.take(")")
        if self.at(";"):
            self.take()
            return ("for", init, cond, step, ("block", []))
        return ("for", init, cond, step, self.body())

    def print_statement(self) -> Node:
        kind = self.take().value
        args: list[Node] = []
        self.no_gt += 1
        try:
            if self.at("(") and self._paren_list_then_end():
                self.take("(")
                self.no_gt -= 1
                args = self.expr_list(")")
                self.no_gt += 1
                self.take(")")
            elif self.tok.kind in _STARTS:
                args = self.expr_list(None)
        finally:
            self.no_gt -= 1
        redirect: tuple[str, Node] | None = None
        if self.at(">", ">>", "|"):
            op = self.take().value
            redirect = (op, self.concat_expr())
        return (kind, args, redirect)

    def _paren_list_then_end(self) -> bool:
        """Whether ``( ... )`` is the whole argument list (``print (a, b) > f``)."""
        depth = 0
        j = self.i
        while j < len(self.tokens):
            kind = self.tokens[j].kind
            if kind in ("(", "["):
                depth += 1
            elif kind in (")", "]"):
                depth -= 1
                if depth == 0:
                    return self.tokens[j + 1].kind in (";", "NEWLINE", "}", ">", ">>", "|",
                                                       "EOF")
            elif kind in ("NEWLINE", "EOF"):
                return False
            j += 1
        return False

    def expr_list(self, closer: str | None) -> list[Node]:
        items = [self.expr()]
        while self.at(","):
            self.take()
            self.newlines()
            items.append(self.expr())
        return items

    def subscripts(self) -> list[Node]:
        self.take("[")
        items = self.expr_list("]")
        self.take("]")
        return items

    # -- expressions -------------------------------------------------------

    def expr(self) -> Node:
        return self.ternary()

    def ternary(self) -> Node:
        cond = self.or_expr()
        if self.at("?"):
            self.take()
            self.newlines()
            yes = self.ternary()
            self.newlines()
            self.take(":")
            self.newlines()
            return ("cond", cond, yes, self.ternary())
        if self.at(*_ASSIGN) and cond[0] in ("var", "field", "index"):
            op = self.take().value
            self.newlines()
            return ("assign", op, cond, self.ternary())
        return cond

    def or_expr(self) -> Node:
        left = self.and_expr()
        while self.at("||"):
            self.take()
            self.newlines()
            left = ("or", left, self.and_expr())
        return left

    def and_expr(self) -> Node:
        left = self.in_expr()
        while self.at("&&"):
            self.take()
            self.newlines()
            left = ("and", left, self.in_expr())
        return left

    def in_expr(self) -> Node:
        left = self.match_expr()
        while self.at("in") and not self.no_in:
            self.take()
            left = ("in", [left], self.take("NAME").value)
        return left

    def match_expr(self) -> Node:
        left = self.cmp_expr()
        while self.at("~", "!~"):
            negate = self.take().value == "!~"
            left = ("match", negate, left, self.cmp_expr())
        return left

    def cmp_expr(self) -> Node:
        left = self.concat_expr()
        if self.at(*_CMP) and not (self.no_gt and self.at(">")):
            op = self.take().value
            left = ("cmp", op, left, self.concat_expr())
        return left

    def concat_expr(self) -> Node:
        left = self.additive()
        while self.tok.kind in _CONCAT_STARTS:
            left = ("concat", left, self.additive())
        return left

    def additive(self) -> Node:
        left = self.multiplicative()
        while self.at("+", "-"):
            op = self.take().value
            left = ("binop", op, left, self.multiplicative())
        return left

    def multiplicative(self) -> Node:
        left = self.unary()
        while self.at("*", "/", "%"):
            op = self.take().value
            left = ("binop", op, left, self.unary())
        return left

    def unary(self) -> Node:
        if self.at("!"):
            self.take()
            return ("not", self.unary())
        if self.at("-", "+"):
            op = self.take().value
            return ("unary", op, self.unary())
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        if self.at("^", "**"):
            self.take()
            return ("binop", "^", base, self.unary_power())
        return base

    def unary_power(self) -> Node:
        if self.at("-", "+"):
            op = self.take().value
            return ("unary", op, self.unary_power())
        if self.at("!"):
            self.take()
            return ("not", self.unary_power())
        return self.power()

    def postfix(self) -> Node:
        if self.at("++", "--"):
            op = self.take().value
            return ("preinc", op, self.lvalue(self.primary()))
        node = self.primary()
        if self.at("++", "--") and node[0] in ("var", "field", "index"):
            return ("postinc", self.take().value, node)
        return node

    def lvalue(self, node: Node) -> Node:
        if node[0] not in ("var", "field", "index"):
            raise self.fail()
        return node

    def primary(self) -> Node:
        tok = self.tok
        kind = tok.kind
        if kind == "NUMBER":
            self.take()
            return ("num", float(tok.value))
        if kind == "STRING":
            self.take()
            return ("str", tok.value)
        if kind == "ERE":
            self.take()
            return ("regex", tok.value)
        if kind == "$":
            self.take()
            if self.at("++", "--"):
                op = self.take().value
                return ("field", ("preinc", op, self.lvalue(self.primary())))
            if self.at("-"):
                self.take()
                return ("field", ("unary", "-", self.primary()))
            return ("field", self.primary())
        if kind == "(":
            self.take()
            saved_gt, saved_in = self.no_gt, self.no_in
            self.no_gt = self.no_in = 0
            first = self.expr()
            if self.at(","):
                items = [first]
                while self.at(","):
                    self.take()
                    self.newlines()
                    items.append(self.expr())
                self.take(")")
                self.no_gt, self.no_in = saved_gt, saved_in
                if not self.at("in"):
                    raise self.fail()
                self.take()
                return ("in", items, self.take("NAME").value)
            self.take(")")
            self.no_gt, self.no_in = saved_gt, saved_in
            return ("group", first)
        if kind == "NAME":
            self.take()
            if self.at("["):
                return ("index", tok.value, self.subscripts())
            return ("var", tok.value)
        if kind == "FUNC_NAME":
            self.take()
            self.take("(")
            args = [] if self.at(")") else self.expr_list(")")
            self.take(")")
            return ("call", tok.value, args)
        if kind == "BUILTIN":
            self.take()
            if not self.at("("):
                if tok.value == "length":
                    return ("builtin", "length", [])
                raise self.fail()
            self.take("(")
            saved_gt = self.no_gt
            self.no_gt = 0
            args = [] if self.at(")") else self.expr_list(")")
            self.no_gt = saved_gt
            self.take(")")
            return ("builtin", tok.value, args)
        if kind == "getline":
            self.take()
            target = None
            if self.at("NAME", "$"):
                target = self.lvalue(self.primary())
            source = None
            if self.at("<"):
                self.take()
                source = self.primary()
            return ("getline", target, source)
        if kind in ("-", "+", "!"):
            return self.unary()
        raise self.fail()


def parse_program(source: str) -> Program:
    parser = _Parser(tokenize(source))
    return parser.program()
