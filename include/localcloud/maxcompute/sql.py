"""The SQL subset of the local MaxCompute: a tokenizer and a recursive-descent parser.

Supported (case-insensitive, ``;``-separated, ``--`` and ``/* */`` comments)::

    CREATE TABLE [IF NOT EXISTS] name (col type [NOT NULL] [COMMENT 's'], ...)
        [COMMENT 's'] [PARTITIONED BY (key type [COMMENT 's'], ...)] [LIFECYCLE n]
    DROP TABLE [IF EXISTS] name
    ALTER TABLE name ADD [IF NOT EXISTS] PARTITION (spec) [[,] PARTITION (spec) ...]
    ALTER TABLE name DROP [IF EXISTS] PARTITION (spec) [[,] PARTITION (spec) ...]
    TRUNCATE TABLE name [PARTITION (spec) [, ...]]
    SELECT COUNT(*) | * | col, ... FROM name [WHERE col = literal [AND ...]] [LIMIT n]
    SET key = value

``name`` is ``table``, ``project.table`` or ``project.default.table``; identifiers may be quoted
with backquotes. Anything else fails with a parse error naming the statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from localcloud.maxcompute.errors import SqlError

SUPPORTED = ("CREATE TABLE, DROP TABLE, ALTER TABLE ... ADD/DROP PARTITION, TRUNCATE TABLE, "
             "SELECT ... FROM ... [WHERE col = value [AND ...]] [LIMIT n], SET")


@dataclass(frozen=True)
class Token:
    kind: str  # ident, qident, string, number, symbol, end
    text: str
    line: int
    column: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "ident" and self.text.upper() in words


@dataclass(frozen=True)
class TableName:
    project: str | None
    table: str


@dataclass(frozen=True)
class ColumnDef:
    name: str
    type: str
    comment: str = ""
    nullable: bool = True


@dataclass(frozen=True)
class CreateTable:
    name: TableName
    columns: tuple[ColumnDef, ...]
    partition_keys: tuple[ColumnDef, ...] = ()
    comment: str = ""
    lifecycle: int | None = None
    if_not_exists: bool = False


@dataclass(frozen=True)
class DropTable:
    name: TableName
    if_exists: bool = False


PartitionSpecPairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AddPartitions:
    name: TableName
    specs: tuple[PartitionSpecPairs, ...]
    if_not_exists: bool = False


@dataclass(frozen=True)
class DropPartitions:
    name: TableName
    specs: tuple[PartitionSpecPairs, ...]
    if_exists: bool = False


@dataclass(frozen=True)
class Truncate:
    name: TableName
    specs: tuple[PartitionSpecPairs, ...] = ()


@dataclass(frozen=True)
class Select:
    name: TableName
    columns: tuple[str, ...] | None  # None: *
    count: bool = False
    where: tuple[tuple[str, str], ...] = ()
    limit: int | None = None


@dataclass(frozen=True)
class SetOption:
    key: str
    value: str


Statement = CreateTable | DropTable | AddPartitions | DropPartitions | Truncate | Select | SetOption

_SYMBOLS = set("(),;.=<>:*")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos, line, line_start = 0, 1, 0
    n = len(text)
    while pos < n:
        char = text[pos]
        column = pos - line_start + 1
        if char == "\n":
            pos, line, line_start = pos + 1, line + 1, pos + 1
        elif char.isspace():
            pos += 1
        elif text.startswith("--", pos):
            end = text.find("\n", pos)
            pos = n if end < 0 else end
        elif text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            if end < 0:
                raise SqlError.parse("unterminated comment", line, column)
            line += text.count("\n", pos, end)
            pos = end + 2
        elif char in "'\"":
            value, pos = _read_string(text, pos, line, column)
            tokens.append(Token("string", value, line, column))
        elif char == "`":
            end = text.find("`", pos + 1)
            if end < 0:
                raise SqlError.parse("unterminated quoted identifier", line, column)
            tokens.append(Token("qident", text[pos + 1:end], line, column))
            pos = end + 1
        elif char.isdigit() or (char == "-" and pos + 1 < n and text[pos + 1].isdigit()):
            end = pos + 1
            while end < n and (text[end].isdigit() or text[end] == "."):
                end += 1
            tokens.append(Token("number", text[pos:end], line, column))
            pos = end
        elif char.isalpha() or char == "_":
            end = pos + 1
            while end < n and (text[end].isalnum() or text[end] == "_"):
                end += 1
            tokens.append(Token("ident", text[pos:end], line, column))
            pos = end
        elif char in _SYMBOLS:
            tokens.append(Token("symbol", char, line, column))
            pos += 1
        else:
            raise SqlError.parse(f"unexpected character {char!r}", line, column)
    tokens.append(Token("end", "", line, pos - line_start + 1))
    return tokens


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"'}


def _read_string(text: str, pos: int, line: int, column: int) -> tuple[str, int]:
    quote, out, pos = text[pos], [], pos + 1
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            out.append(_ESCAPES.get(text[pos + 1], text[pos + 1]))
            pos += 2
        elif char == quote:
            return "".join(out), pos + 1
        else:
            out.append(char)
            pos += 1
    raise SqlError.parse("unterminated string literal", line, column)


@dataclass
class _Parser:
    tokens: list[Token]
    pos: int = 0
    statements: list[Statement] = field(default_factory=list)

    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def error(self, expected: str) -> SqlError:
        found = self.token.text or "end of statement"
        return SqlError.parse(f"expected {expected} but found '{found}'", self.token.line, self.token.column)

    def accept_word(self, *words: str) -> bool:
        if self.token.is_word(*words):
            self.pos += 1
            return True
        return False

    def expect_word(self, word: str) -> None:
        if not self.accept_word(word):
            raise self.error(word)

    def accept_symbol(self, symbol: str) -> bool:
        if self.token.kind == "symbol" and self.token.text == symbol:
            self.pos += 1
            return True
        return False

    def expect_symbol(self, symbol: str) -> None:
        if not self.accept_symbol(symbol):
            raise self.error(f"'{symbol}'")

    def identifier(self, what: str = "an identifier") -> str:
        if self.token.kind in ("ident", "qident"):
            return self.advance().text
        raise self.error(what)

    def string(self) -> str:
        if self.token.kind != "string":
            raise self.error("a string literal")
        return self.advance().text

    def integer(self) -> int:
        if self.token.kind != "number" or not self.token.text.lstrip("-").isdigit():
            raise self.error("an integer")
        return int(self.advance().text)

    def literal(self) -> str:
        if self.token.kind in ("string", "number"):
            return self.advance().text
        raise self.error("a literal value")

    # --- statements ----------------------------------------------------------------------------
    def script(self) -> list[Statement]:
        while self.token.kind != "end":
            if self.accept_symbol(";"):
                continue
            self.statements.append(self.statement())
            if self.token.kind != "end":
                self.expect_symbol(";")
        return self.statements

    def statement(self) -> Statement:
        start, start_pos = self.token, self.pos
        if self.accept_word("CREATE") and self.accept_word("TABLE"):
            return self.create_table()
        if start.is_word("DROP") and self.accept_word("DROP") and self.accept_word("TABLE"):
            if_exists = self.if_exists()
            return DropTable(self.table_name(), if_exists)
        if start.is_word("ALTER") and self.accept_word("ALTER") and self.accept_word("TABLE"):
            return self.alter_table()
        if start.is_word("TRUNCATE") and self.accept_word("TRUNCATE") and self.accept_word("TABLE"):
            name = self.table_name()
            return Truncate(name, self.partition_specs() if self.token.is_word("PARTITION") else ())
        if self.accept_word("SELECT"):
            return self.select()
        if start.is_word("SET") and self.accept_word("SET"):
            return self.set_option()
        self.pos = start_pos
        raise SqlError.parse(f"statement '{self.statement_head()}' is not supported by the local "
                             f"MaxCompute server; supported: {SUPPORTED}", start.line, start.column)

    def statement_head(self) -> str:
        words = []
        for token in self.tokens[self.pos:]:
            if token.kind == "end" or token.text == ";" or len(words) == 4:
                break
            words.append(token.text)
        return " ".join(words)

    def if_exists(self) -> bool:
        if self.accept_word("IF"):
            self.expect_word("EXISTS")
            return True
        return False

    def if_not_exists(self) -> bool:
        if self.accept_word("IF"):
            self.expect_word("NOT")
            self.expect_word("EXISTS")
            return True
        return False

    def table_name(self) -> TableName:
        parts = [self.identifier("a table name")]
        while self.accept_symbol("."):
            parts.append(self.identifier("a table name"))
        if len(parts) == 3 and parts[1].lower() == "default":
            parts = [parts[0], parts[2]]
        if len(parts) > 2:
            raise SqlError.parse(f"table name {'.'.join(parts)} has too many parts; use project.table")
        return TableName(parts[0] if len(parts) == 2 else None, parts[-1])

    def create_table(self) -> CreateTable:
        if_not_exists = self.if_not_exists()
        name = self.table_name()
        if self.token.is_word("LIKE", "AS"):
            raise SqlError.parse(f"CREATE TABLE ... {self.token.text.upper()} is not supported by the "
                                 "local MaxCompute server; give the columns")
        columns = self.column_defs()
        comment, partition_keys, lifecycle = "", (), None
        while self.token.kind == "ident":
            if self.accept_word("COMMENT"):
                comment = self.string()
            elif self.accept_word("PARTITIONED"):
                self.expect_word("BY")
                partition_keys = self.column_defs()
            elif self.accept_word("LIFECYCLE"):
                lifecycle = self.integer()
            else:
                raise self.error("COMMENT, PARTITIONED BY or LIFECYCLE")
        return CreateTable(name, columns, partition_keys, comment, lifecycle, if_not_exists)

    def column_defs(self) -> tuple[ColumnDef, ...]:
        self.expect_symbol("(")
        columns = []
        while True:
            name = self.identifier("a column name")
            type_text = self.type_text()
            nullable, comment = True, ""
            while self.token.kind == "ident":
                if self.accept_word("NOT"):
                    self.expect_word("NULL")
                    nullable = False
                elif self.accept_word("COMMENT"):
                    comment = self.string()
                else:
                    break
            columns.append(ColumnDef(name, type_text, comment, nullable))
            if not self.accept_symbol(","):
                break
        self.expect_symbol(")")
        return tuple(columns)

    def type_text(self) -> str:
        """A column type as text, e.g. ``decimal(10,2)`` or ``map<string,array<bigint>>``."""
        name = self.identifier("a column type").lower()
        if name in ("array", "map"):
            self.expect_symbol("<")
            inner = [self.type_text()]
            while self.accept_symbol(","):
                inner.append(self.type_text())
            self.expect_symbol(">")
            return f"{name}<{','.join(inner)}>"
        if name == "struct":
            self.expect_symbol("<")
            fields = []
            while True:
                field_name = self.identifier("a struct field name")
                self.expect_symbol(":")
                fields.append(f"{field_name}:{self.type_text()}")
                if not self.accept_symbol(","):
                    break
            self.expect_symbol(">")
            return f"struct<{','.join(fields)}>"
        if self.accept_symbol("("):
            args = [str(self.integer())]
            while self.accept_symbol(","):
                args.append(str(self.integer()))
            self.expect_symbol(")")
            return f"{name}({','.join(args)})"
        return name

    def alter_table(self) -> Statement:
        name = self.table_name()
        if self.accept_word("ADD"):
            if_not_exists = self.if_not_exists()
            return AddPartitions(name, self.partition_specs(), if_not_exists)
        if self.accept_word("DROP"):
            if_exists = self.if_exists()
            return DropPartitions(name, self.partition_specs(), if_exists)
        raise SqlError.parse(f"ALTER TABLE ... {self.token.text.upper()} is not supported by the local "
                             f"MaxCompute server; supported: ADD/DROP PARTITION",
                             self.token.line, self.token.column)

    def partition_specs(self) -> tuple[PartitionSpecPairs, ...]:
        specs = []
        while True:
            self.expect_word("PARTITION")
            self.expect_symbol("(")
            pairs = [self.equality()]
            while self.accept_symbol(","):
                pairs.append(self.equality())
            self.expect_symbol(")")
            specs.append(tuple(pairs))
            if self.accept_symbol(","):
                continue
            if not self.token.is_word("PARTITION"):
                return tuple(specs)

    def equality(self) -> tuple[str, str]:
        key = self.identifier("a column name")
        self.expect_symbol("=")
        return key.lower(), self.literal()

    def select(self) -> Select:
        count, columns = False, None
        if self.accept_word("COUNT"):
            self.expect_symbol("(")
            self.expect_symbol("*")
            self.expect_symbol(")")
            count = True
            if self.accept_word("AS"):
                self.identifier("an alias")
        elif not self.accept_symbol("*"):
            names = [self.identifier("a column name or *").lower()]
            while self.accept_symbol(","):
                names.append(self.identifier("a column name").lower())
            columns = tuple(names)
        self.expect_word("FROM")
        name = self.table_name()
        where: list[tuple[str, str]] = []
        if self.accept_word("WHERE"):
            where.append(self.equality())
            while self.accept_word("AND"):
                where.append(self.equality())
        limit = None
        if self.accept_word("LIMIT"):
            limit = self.integer()
        if self.token.kind != "end" and self.token.text != ";":
            raise SqlError.parse(f"'{self.token.text}' is not supported here by the local MaxCompute "
                                 f"server; supported: {SUPPORTED}", self.token.line, self.token.column)
        return Select(name, columns, count, tuple(where), limit)

    def set_option(self) -> SetOption:
        key = [self.identifier("an option name")]
        while self.accept_symbol("."):
            key.append(self.identifier("an option name"))
        self.expect_symbol("=")
        value = []
        while self.token.kind != "end" and self.token.text != ";":
            value.append(self.advance().text)
        return SetOption(".".join(key), " ".join(value))


def parse(text: str) -> list[Statement]:
    """Parse a script; raise :class:`SqlError` (a parse error) on anything unsupported."""
    return _Parser(tokenize(text)).script()
