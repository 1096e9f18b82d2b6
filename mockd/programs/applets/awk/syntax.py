"""awk's syntax tree, and the recursive-descent parser that builds it from tokens.

Precedence, lowest first: ``?:``, ``||``, ``&&``, ``in``, ``~ !~``, comparisons,
concatenation, ``+ -``, ``* / %``, unary ``! + -``, ``^``, ``++ --``, ``$``.
Assignment binds lowest and to the right.  Inside ``print``'s arguments a
``>`` is output redirection unless parenthesized.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mockd.programs.applets.awk.lexer import AwkSyntaxError, Token, tokenize

# -- expressions ----------------------------------------------------------------


class Expr:
    """Base of expression nodes."""


@dataclass
class Num(Expr):
    value: float


@dataclass
class Str(Expr):
    value: str


@dataclass
class Regex(Expr):
    source: str  # as a value: whether $0 matches


@dataclass
class Var(Expr):
    name: str


@dataclass
class Field(Expr):
    index: Expr


@dataclass
class Index(Expr):
    name: str
    subscripts: list[Expr]


@dataclass
class Assign(Expr):
    op: str  # "=", "+=", ...
    target: Expr  # Var, Field or Index
    value: Expr


@dataclass
class Cond(Expr):
    test: Expr
    then: Expr
    otherwise: Expr


@dataclass
class Binary(Expr):
    op: str  # arithmetic, comparison, "concat", "&&", "||", "~", "!~"
    left: Expr
    right: Expr


@dataclass
class Unary(Expr):
    op: str  # "!", "-", "+"
    operand: Expr


@dataclass
class IncDec(Expr):
    op: str  # "++" or "--"
    prefix: bool
    target: Expr


@dataclass
class In(Expr):
    subscripts: list[Expr]
    name: str


@dataclass
class Call(Expr):
    name: str
    args: list[Expr]
    builtin: bool


@dataclass
class Grouping(Expr):
    """A parenthesized expression (a list of them is ``(a, b) in arr``)."""

    items: list[Expr]


# -- statements -------------------------------------------------------------------


class Stmt:
    """Base of statement nodes."""


@dataclass
class Print(Stmt):
    args: list[Expr]
    formatted: bool  # printf
    redirect: str = ""  # ">" or ">>"
    dest: Expr | None = None


@dataclass
class ExprStmt(Stmt):
    expr: Expr


@dataclass
class Block(Stmt):
    body: list[Stmt]


@dataclass
class If(Stmt):
    test: Expr
    then: Stmt
    otherwise: Stmt | None


@dataclass
class While(Stmt):
    test: Expr
    body: Stmt
    do: bool = False  # do { } while (test)


@dataclass
class For(Stmt):
    init: Expr | None
    test: Expr | None
    step: Expr | None
    body: Stmt


@dataclass
class ForIn(Stmt):
    var: Expr
    name: str
    body: Stmt


@dataclass
class Jump(Stmt):
    kind: str  # "next", "exit", "return", "break", "continue"
    value: Expr | None = None


@dataclass
class Delete(Stmt):
    name: str
    subscripts: list[Expr] | None  # None: the whole array


@dataclass
class Rule:
    pattern: Expr | None
    end_pattern: Expr | None  # a range: pattern, end_pattern
    action: Block | None  # None: print $0


@dataclass
class Function:
    params: list[str]
    body: Block


@dataclass
class Program:
    begin: list[Block] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    end: list[Block] = field(default_factory=list)
    functions: dict[str, Function] = field(default_factory=dict)


_COMPARISONS = ("<", "<=", "==", "!=", ">", ">=")
_ASSIGN_OPS = ("=", "+=", "-=", "*=", "/=", "%=", "^=")
_LVALUES = (Var, Field, Index)


class Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    # -- token helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def fail(self, message: str = "Unexpected token") -> AwkSyntaxError:
        return AwkSyntaxError(message, self.tok.line)

    def at(self, value: str, kind: str = "op") -> bool:
        return self.tok.kind == kind and self.tok.value == value

    def accept(self, value: str, kind: str = "op") -> bool:
        if self.at(value, kind):
            self.pos += 1
            return True
        return False

    def expect(self, value: str, kind: str = "op") -> None:
        if not self.accept(value, kind):
            raise self.fail()

    def newlines(self) -> None:
        while self.tok.kind == "newline":
            self.pos += 1

    def terminators(self) -> None:
        while self.tok.kind == "newline" or self.at(";"):
            self.pos += 1

    # -- program
    def program(self) -> Program:
        program = Program()
        self.terminators()
        while self.tok.kind != "eof":
            if self.accept("BEGIN", "keyword"):
                program.begin.append(self.block())
            elif self.accept("END", "keyword"):
                program.end.append(self.block())
            elif self.accept("function", "keyword"):
                self.function(program)
            else:
                program.rules.append(self.rule())
            self.terminators()
        return program

    def function(self, program: Program) -> None:
        if self.tok.kind not in ("name", "funcname"):
            raise self.fail()
        name = self.tok.value
        self.pos += 1
        self.expect("(")
        params: list[str] = []
        while not self.accept(")"):
            if self.tok.kind != "name":
                raise self.fail()
            params.append(self.tok.value)
            self.pos += 1
            if not self.at(")"):
                self.expect(",")
                self.newlines()
        self.newlines()
        program.functions[name] = Function(params, self.block())

    def rule(self) -> Rule:
        pattern: Expr | None = None
        end_pattern: Expr | None = None
        if not self.at("{"):
            pattern = self.expr()
            if self.accept(","):
                self.newlines()
                end_pattern = self.expr()
        action = self.block() if self.at("{") else None
        return Rule(pattern, end_pattern, action)

    def block(self) -> Block:
        self.newlines()
        self.expect("{")
        body: list[Stmt] = []
        self.terminators()
        while not self.accept("}"):
            if self.tok.kind == "eof":
                raise self.fail()
            body.append(self.statement())
            self.terminators()
        return Block(body)

    # -- statements
    def simple_end(self) -> None:
        """A simple statement ends at a newline, ``;``, ``}`` or the end."""
        if self.tok.kind in ("newline", "eof") or self.at("}"):
            return
        if not self.accept(";"):
            raise self.fail()

    def body(self) -> Stmt:
        self.newlines()
        if self.accept(";"):
            return Block([])
        return self.statement()

    def statement(self) -> Stmt:
        tok = self.tok
        if self.at("{"):
            return self.block()
        if tok.kind == "keyword":
            word = tok.value
            if word == "if":
                self.pos += 1
                self.expect("(")
                test = self.expr()
                self.expect(")")
                then = self.body()
                save = self.pos
                self.terminators()
                if self.accept("else", "keyword"):
                    return If(test, then, self.body())
                self.pos = save
                return If(test, then, None)
            if word == "while":
                self.pos += 1
                self.expect("(")
                test = self.expr()
                self.expect(")")
                if self.accept(";"):
                    return While(test, Block([]))
                return While(test, self.body())
            if word == "do":
                self.pos += 1
                loop_body = self.body()
                self.terminators()
                self.expect("while", "keyword")
                self.expect("(")
                test = self.expr()
                self.expect(")")
                self.simple_end()
                return While(test, loop_body, do=True)
            if word == "for":
                return self.for_statement()
            if word in ("next", "break", "continue", "nextfile"):
                self.pos += 1
                self.simple_end()
                return Jump("next" if word == "nextfile" else word)
            if word in ("exit", "return"):
                self.pos += 1
                value = None
                if not (self.tok.kind in ("newline", "eof") or self.at(";") or self.at("}")):
                    value = self.expr()
                self.simple_end()
                return Jump(word, value)
            if word == "delete":
                self.pos += 1
                if self.tok.kind != "name":
                    raise self.fail()
                name = self.tok.value
                self.pos += 1
                subscripts = None
                if self.accept("["):
                    subscripts = self.expr_list("]")
                self.simple_end()
                return Delete(name, subscripts)
            if word in ("print", "printf"):
                return self.print_statement(word == "printf")
            if word == "getline":
                raise self.fail("getline is not supported")
        expr = self.expr()
        self.simple_end()
        return ExprStmt(expr)

    def for_statement(self) -> Stmt:
        self.pos += 1
        self.expect("(")
        if (
            self.tok.kind == "name"
            and self.tokens[self.pos + 1].kind == "keyword"
            and self.tokens[self.pos + 1].value == "in"
            and self.tokens[self.pos + 2].kind == "name"
            and self.tokens[self.pos + 3].value == ")"
        ):
            var = Var(self.tok.value)
            name = self.tokens[self.pos + 2].value
            self.pos += 4
            return ForIn(var, name, self.body())
        init = None if self.at(";") else self.expr()
        self.expect(";")
        self.newlines()
        test = None if self.at(";") else self.expr()
        self.expect(";")
        self.newlines()
        step = None if self.at(")") else self.expr()
        self.expect(")")
        if self.accept(";"):
            return For(init, test, step, Block([]))
        return For(init, test, step, self.body())

    def print_statement(self, formatted: bool) -> Stmt:
        self.pos += 1
        args: list[Expr] = []
        if not (self.tok.kind in ("newline", "eof") or self.at(";") or self.at("}")):
            if self.at(">") or self.at(">>") or self.at("|"):
                pass
            else:
                args = [self.expr(no_gt=True)]
                while self.accept(","):
                    self.newlines()
                    args.append(self.expr(no_gt=True))
        # print (a, b): the parenthesized list is the argument list.
        if len(args) == 1 and isinstance(args[0], Grouping) and len(args[0].items) > 1:
            args = args[0].items
        stmt = Print(args, formatted)
        if self.at(">") or self.at(">>"):
            stmt.redirect = self.tok.value
            self.pos += 1
            stmt.dest = self.ternary(no_gt=True, no_in=False)
        elif self.at("|"):
            raise self.fail("output to a pipe is not supported")
        self.simple_end()
        return stmt

    # -- expressions
    def expr_list(self, closer: str) -> list[Expr]:
        items = [self.expr()]
        while self.accept(","):
            self.newlines()
            items.append(self.expr())
        self.expect(closer)
        return items

    def expr(self, *, no_gt: bool = False, no_in: bool = False) -> Expr:
        left = self.ternary(no_gt, no_in)
        if self.tok.kind == "op" and self.tok.value in _ASSIGN_OPS:
            if not isinstance(left, _LVALUES):
                raise self.fail()
            op = self.tok.value
            self.pos += 1
            self.newlines()
            return Assign(op, left, self.expr(no_gt=no_gt, no_in=no_in))
        return left

    def ternary(self, no_gt: bool, no_in: bool) -> Expr:
        test = self.or_expr(no_gt, no_in)
        if self.accept("?"):
            self.newlines()
            then = self.expr(no_gt=no_gt, no_in=no_in)
            self.newlines()
            self.expect(":")
            self.newlines()
            return Cond(test, then, self.expr(no_gt=no_gt, no_in=no_in))
        return test

    def or_expr(self, no_gt: bool, no_in: bool) -> Expr:
        left = self.and_expr(no_gt, no_in)
        while self.accept("||"):
            self.newlines()
            left = Binary("||", left, self.and_expr(no_gt, no_in))
        return left

    def and_expr(self, no_gt: bool, no_in: bool) -> Expr:
        left = self.in_expr(no_gt, no_in)
        while self.accept("&&"):
            self.newlines()
            left = Binary("&&", left, self.in_expr(no_gt, no_in))
        return left

    def in_expr(self, no_gt: bool, no_in: bool) -> Expr:
        left = self.match_expr(no_gt, no_in)
        while not no_in and self.at("in", "keyword"):
            self.pos += 1
            if self.tok.kind != "name":
                raise self.fail()
            subscripts = left.items if isinstance(left, Grouping) else [left]
            left = In(subscripts, self.tok.value)
            self.pos += 1
        return left

    def match_expr(self, no_gt: bool, no_in: bool) -> Expr:
        left = self.comparison(no_gt, no_in)
        while self.at("~") or self.at("!~"):
            op = self.tok.value
            self.pos += 1
            left = Binary(op, left, self.comparison(no_gt, no_in))
        return left

    def comparison(self, no_gt: bool, no_in: bool) -> Expr:
        left = self.concatenation()
        if self.tok.kind == "op" and self.tok.value in _COMPARISONS:
            if no_gt and self.tok.value == ">":
                return left
            op = self.tok.value
            self.pos += 1
            return Binary(op, left, self.concatenation())
        return left

    def _starts_operand(self) -> bool:
        tok = self.tok
        if tok.kind in ("number", "string", "regex", "name", "funcname", "builtin"):
            return True
        if tok.kind == "op":
            return tok.value in ("$", "!", "(", "-", "+", "++", "--")
        return False

    def concatenation(self) -> Expr:
        left = self.additive()
        while self._starts_operand() and not (self.at("-") or self.at("+") or self.at("!")):
            left = Binary("concat", left, self.additive())
        return left

    def additive(self) -> Expr:
        left = self.multiplicative()
        while self.at("+") or self.at("-"):
            op = self.tok.value
            self.pos += 1
            left = Binary(op, left, self.multiplicative())
        return left

    def multiplicative(self) -> Expr:
        left = self.unary()
        while self.at("*") or self.at("/") or self.at("%"):
            op = self.tok.value
            self.pos += 1
            left = Binary(op, left, self.unary())
        return left

    def unary(self) -> Expr:
        if self.at("!") or self.at("-") or self.at("+"):
            op = self.tok.value
            self.pos += 1
            return Unary(op, self.unary())
        return self.power()

    def power(self) -> Expr:
        base = self.postfix()
        if self.accept("^"):
            # Right-associative; a sign may follow (2^-1).
            return Binary("^", base, self.unary_power())
        return base

    def unary_power(self) -> Expr:
        if self.at("-") or self.at("+") or self.at("!"):
            op = self.tok.value
            self.pos += 1
            return Unary(op, self.unary_power())
        return self.power()

    def postfix(self) -> Expr:
        if self.at("++") or self.at("--"):
            op = self.tok.value
            self.pos += 1
            target = self.postfix()
            if not isinstance(target, _LVALUES):
                raise self.fail()
            return IncDec(op, True, target)
        expr = self.primary()
        if isinstance(expr, _LVALUES) and (self.at("++") or self.at("--")):
            op = self.tok.value
            self.pos += 1
            return IncDec(op, False, expr)
        return expr

    def primary(self) -> Expr:
        tok = self.tok
        self.pos += 1
        if tok.kind == "number":
            return Num(float(tok.value))
        if tok.kind == "string":
            return Str(tok.value)
        if tok.kind == "regex":
            return Regex(tok.value)
        if tok.kind == "op" and tok.value == "$":
            if self.at("++") or self.at("--") or self.at("-"):
                return Field(self.unary())
            return Field(self.primary())
        if tok.kind == "op" and tok.value == "(":
            self.newlines()
            items = [self.expr()]
            while self.accept(","):
                self.newlines()
                items.append(self.expr())
            self.newlines()
            self.expect(")")
            if len(items) > 1 and not self.at("in", "keyword") and not self._grouped_print():
                raise self.fail()
            return Grouping(items) if len(items) > 1 else _group(items[0])
        if tok.kind == "name":
            if self.accept("["):
                return Index(tok.value, self.expr_list("]"))
            return Var(tok.value)
        if tok.kind == "funcname":
            self.expect("(")
            args = [] if self.accept(")") else self.expr_list(")")
            return Call(tok.value, args, builtin=False)
        if tok.kind == "builtin":
            if self.accept("("):
                args = [] if self.accept(")") else self.expr_list(")")
            elif tok.value == "length":
                args = []
            else:
                raise self.fail()
            return Call(tok.value, args, builtin=True)
        if tok.kind == "keyword" and tok.value == "getline":
            raise self.fail("getline is not supported")
        self.pos -= 1
        raise self.fail()

    def _grouped_print(self) -> bool:
        """``print (a, b) > "f"``: a list in parentheses is print's argument list."""
        return self.tok.kind in ("newline", "eof") or self.at(";") or self.at("}") or self.at(">")


def _group(expr: Expr) -> Expr:
    # Parentheses keep ``(a > b)`` a comparison inside print, and stop ``(x)++``
    # from counting as an lvalue only when needed; the inner node is enough.
    return Grouping([expr]) if isinstance(expr, Binary) and expr.op == ">" else expr


def parse(text: str) -> Program:
    """The program's tree; ``AwkSyntaxError`` when it is not awk (or not the supported part)."""
    return Parser(text).program()
