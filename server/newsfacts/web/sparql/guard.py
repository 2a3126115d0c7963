"""Lexical checks on a query before any engine sees it.

One linear pass over the tokens of the query text (strings, IRIs and comments
are skipped as whole tokens, so ``"SERVICE"`` in a literal, ``?service`` or
``ex:service`` are harmless) finds:

- the nesting depth of ``( [ {`` — pyoxigraph crashes near 5,000 nested
  parentheses, so anything deeper than ``max_query_depth`` is refused;
- ``SERVICE``, which would make the engine connect to any URL: refused;
- a store's own extensions that reach outside the data: Virtuoso's built-in functions (``bif:http_get`` fetches
  any URL, ``bif:cfg_item_value`` reads its settings; ``<bif:…>`` and ``sql:`` alike) and its ``DEFINE``
  pragmas (which fetch documents into the store): refused on every store, as a remote Virtuoso would run them;
- update keywords (``LOAD``, ``INSERT``, ``DROP``, …): refused, the endpoint is read-only;
- ``FROM`` / ``FROM NAMED`` IRIs (prefixed names and relative IRIs resolved
  against the prologue), which must name graphs of the dataset;
- the query form and the prologue's prefixes;
- the number of operators (``|| && ! = < + - * / | ^``, ``UNION``, ``OPTIONAL``, ``MINUS``, ``BIND``):
  pyoxigraph parses a chain of them in quadratic time (``1||1||…`` under 64 KB holds a worker for seconds), so more than
  ``max_query_operators`` is refused before any worker is taken;
- the number of triple patterns (``.``, ``;``, ``,`` between them and ``[`` in a group): the planner's
  time grows with about the fourth power of the patterns sharing a variable (96 objects of one subject:
  seconds), so more than ``max_query_triple_patterns`` is refused too;
- the number of distinct variables, which the parser also handles in quadratic time (9,000 variables:
  1.4 s), bounded by ``max_query_variables``.

``<`` is both the start of an IRI and the less-than operator. Inside an
expression, after an operand, it is the operator (``FILTER(?a<1)`` must not
hide what follows as an "IRI"); elsewhere it starts an IRI when one is there.
The worker processes also run without network access (see sandbox.py), so a
trick that got past this pass still connects nowhere.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from ...config import Settings
from ..errors import ApiError, excerpt

IRI_RE = re.compile(r'<([^<>"{}|^`\\\x00-\x20]*)>')
NAME_CHARS = re.compile(r"(?:[\w\-.:%\u00b7-\uffff]|\\.)+")
WORD_RE = re.compile(r"[A-Za-z0-9_\u00b7-\uffff]+")
VAR_RE = re.compile(r"[?$][A-Za-z0-9_\u00b7-\uffff]+")
NUMBER_RE = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
LANGTAG_RE = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")
OPERATORS = frozenset({"&&", "||", "!=", "<=", ">=", "^^"})  # two characters each
#: Tokens counted against max_query_operators: expression and property path operators, UNION, OPTIONAL, MINUS, BIND.
COUNTED_OPERATORS = frozenset({"&&", "||", "!", "!=", "=", "<", ">", "<=", ">=", "+", "-", "*", "/", "|", "^"})
COUNTED_WORDS = frozenset({"union", "optional", "minus", "bind"})

_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Settings)}  # the settings' defaults, for callers without settings

UPDATE_KEYWORDS = {"insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy"}
QUERY_FORMS = {"select", "construct", "describe", "ask"}
#: IRIs of a store's functions that reach outside the data (Virtuoso's bif: and sql: namespaces, as IRIs or names).
STORE_FUNCTION_IRIS = ("bif:", "sql:", "http://www.openlinksw.com/schemas/bif#", "http://www.openlinksw.com/schemas/sql#")
STORE_FUNCTION_PREFIXES = frozenset({"bif", "sql"})
NOT_CALLS = {"a", "values"}  # words after which "(" opens a collection / a variable list, not an expression


@dataclass(slots=True)
class Token:
    kind: str  # word, pname, var, iri, string, number, langtag, punct
    text: str
    start: int
    frame: str = ""  # the innermost bracket the token is in: "brace", "expr", "coll", "bracket" or "" (top level)


@dataclass
class QueryInfo:
    """What the lexical pass learnt about a query."""

    form: str | None = None  # select, construct, describe, ask (None if not found: the parser will say why)
    depth: int = 0
    base: str | None = None
    prefixes: dict[str, str] = field(default_factory=dict)
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    service_at: int | None = None
    store_extension_at: int | None = None  # a store's function (bif:, sql:) or a DEFINE pragma
    update_keyword: str | None = None
    operators: int = 0
    triple_patterns: int = 1  # separators between triple patterns, plus one
    uses_undeclared_prefix: bool = False  # a prefixed name whose prefix the query does not declare (before it)
    variables: int = 0  # distinct variable names
    tokens: list[Token] | None = None  # every token, when the pass read them all and they are few (bounded.py)

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


def _end_of_string(text: str, i: int) -> int:
    quote = text[i]
    n = len(text)
    if text.startswith(quote * 3, i):
        j = i + 3
        while j < n:
            if text[j] == "\\":
                j += 2
            elif text.startswith(quote * 3, j):
                return j + 3
            else:
                j += 1
        return n
    j = i + 1
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
        elif c == quote:
            return j + 1
        elif c in "\r\n":  # a short string cannot span lines: the parser will refuse it
            return j
        else:
            j += 1
    return n


def _is_operand_end(token: Token | None) -> bool:
    if token is None:
        return False
    if token.kind in ("var", "number", "string", "langtag", "iri", "pname"):
        return True
    if token.kind == "word":
        return token.text.lower() in ("true", "false")
    return token.text in (")", "]")


def tokens(text: str):
    """The tokens of a SPARQL text, with comments and whitespace dropped; never raises, never recurses."""
    n = len(text)
    i = 0
    frames: list[str] = []  # "brace", "expr", "coll", "bracket"
    previous: Token | None = None
    before_previous: Token | None = None
    while i < n:
        c = text[i]
        token: Token | None = None
        if c.isspace():
            i += 1
            continue
        if c == "#":
            end = text.find("\n", i)
            cr = text.find("\r", i)
            ends = [e for e in (end, cr) if e != -1]
            i = min(ends) if ends else n
            continue
        if c in "\"'":
            end = _end_of_string(text, i)
            token = Token("string", text[i:end], i)
        elif c == "<":
            in_expression = bool(frames) and frames[-1] == "expr"
            match = None if (in_expression and _is_operand_end(previous)) else IRI_RE.match(text, i)
            if match:
                token = Token("iri", match.group(1), i)
            else:
                op = "<=" if text.startswith("<=", i) else "<"
                token = Token("punct", op, i)
        elif c in "?$" and (m := VAR_RE.match(text, i)):
            token = Token("var", m.group(0), i)
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = NUMBER_RE.match(text, i)
            token = Token("number", m.group(0), i)
        elif c == "@" and (m := LANGTAG_RE.match(text, i)):
            token = Token("langtag", m.group(0), i)
        elif c.isalpha() or c in "_:" or ord(c) > 0x7F:
            m = NAME_CHARS.match(text, i)
            name = m.group(0).rstrip(".") if m else c
            if ":" in name:
                token = Token("pname", name, i)
            else:
                word = WORD_RE.match(text, i)
                token = Token("word", word.group(0) if word else c, i)
        else:
            pair = text[i:i + 2]
            op = pair if pair in OPERATORS else c
            token = Token("punct", op, i)
            if op == "{":
                frames.append("brace")
            elif op == "[":
                frames.append("bracket")
            elif op == "(":
                frames.append("expr" if _opens_expression(frames, previous, before_previous) else "coll")
            elif op in ")]}" and frames:
                frames.pop()
        token.frame = frames[-1] if frames else ""
        yield token, len(frames)
        i = token.start + len(token.text) if token.kind != "iri" else token.start + len(token.text) + 2
        before_previous, previous = previous, token


def _opens_expression(frames: list[str], previous: Token | None, before_previous: Token | None) -> bool:
    if not frames or frames[-1] == "expr":
        return True  # SELECT (…), GROUP BY (…), ORDER BY (…) at top level; nested expressions
    if previous is None:
        return False
    if previous.kind == "word":
        return previous.text.lower() not in NOT_CALLS  # FILTER(, BIND(, regex(, EXISTS…
    if previous.kind == "punct":
        return previous.text in ("!", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "&&", "||", "^", "|")
    if previous.kind in ("iri", "pname") and before_previous is not None and before_previous.kind == "word":
        return before_previous.text.lower() not in NOT_CALLS  # FILTER ex:fn(…)
    return False


def _resolve(reference: str, base: str | None) -> str:
    return urljoin(base, reference) if base else reference


def _expand(pname: str, prefixes: dict[str, str]) -> str | None:
    prefix, _, local = pname.partition(":")
    if prefix not in prefixes:
        return None
    return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)


TOKENS_KEPT = 256  # a query of more tokens is no look-up (bounded.py): one is a few dozen, with its prefixes
_WINDOW_BEHIND = 4  # tokens kept before the one asked for: the pass asks at most two ahead, then the next one
_WINDOW_MOST = 64  # the window is cut back to _WINDOW_BEHIND once the token asked for is this far into it


@dataclass(frozen=True)
class Limits:
    """Where the pass may stop reading: once a count is past its limit the query is refused anyway, so a 64 KB
    chain of operators costs the few hundred tokens before the limit, not the whole text."""

    max_depth: int
    max_operators: int
    max_triple_patterns: int
    max_variables: int


class _Lookahead:
    """The tokens of a text, read only as far as they are asked for. The pass never looks back and at most two
    tokens ahead, so only a short window is held: its memory does not grow with the text. The first
    ``TOKENS_KEPT`` tokens are also kept whole, for ``QueryInfo.tokens``."""

    def __init__(self, text: str):
        self._source = tokens(text)
        self._window: list[tuple[Token, int]] = []  # tokens (and their depths) from the ``self._first``-th on
        self._first = 0
        self.kept: list[Token] | None = []  # every token read, while there are at most TOKENS_KEPT (else None)

    def get(self, k: int) -> tuple[Token, int] | None:
        window, at = self._window, k - self._first
        if at > _WINDOW_MOST:  # drop what is behind
            del window[:at - _WINDOW_BEHIND]
            self._first += at - _WINDOW_BEHIND
            at = _WINDOW_BEHIND
        while len(window) <= at:
            following = next(self._source, None)
            if following is None:
                return None
            window.append(following)
            if self.kept is not None:
                self.kept.append(following[0])
                if len(self.kept) > TOKENS_KEPT:
                    self.kept = None
        return window[at]

    def kind(self, k: int) -> str | None:
        found = self.get(k)
        return found[0].kind if found else None


def inspect(text: str, base_iri: str | None = None, limits: Limits | None = None,
            known_prefixes: dict[str, str] | None = None) -> QueryInfo:
    """Everything the checks need, from one pass over the text (stopping early once past one of ``limits``).
    ``known_prefixes``: the prefixes a query may use without declaring them (its own declarations win);
    ``info.prefixes`` holds only the query's own."""
    info = QueryInfo(base=base_iri)
    stream = _Lookahead(text)
    get = stream.get
    variables: set[str] = set()
    never = 1 << 62
    max_depth, max_operators, max_triple_patterns, max_variables = (
        (never,) * 4 if limits is None
        else (limits.max_depth, limits.max_operators, limits.max_triple_patterns, limits.max_variables))
    k = 0
    while (current := get(k)) is not None:
        token, depth = current
        kind = token.kind
        if depth > info.depth:
            info.depth = depth
        word = token.text.lower() if kind == "word" else None
        if kind == "punct":
            if token.text in COUNTED_OPERATORS:
                info.operators += 1
            elif (token.text in ".;," and token.frame in ("brace", "bracket")) or token.text == "[":
                info.triple_patterns += 1
        elif word in COUNTED_WORDS:
            info.operators += 1
        elif kind == "var":
            variables.add(token.text[1:])
        elif kind == "pname":
            prefix = token.text.partition(":")[0]
            if not info.uses_undeclared_prefix and prefix not in info.prefixes:
                info.uses_undeclared_prefix = True
            if info.store_extension_at is None and (prefix.lower() in STORE_FUNCTION_PREFIXES or info.prefixes.get(
                    prefix, "").lower().startswith(STORE_FUNCTION_IRIS)):
                info.store_extension_at = token.start
        elif kind == "iri" and info.store_extension_at is None and token.text.lower().startswith(STORE_FUNCTION_IRIS):
            info.store_extension_at = token.start
        if (info.depth > max_depth or info.operators > max_operators or info.triple_patterns > max_triple_patterns
                or len(variables) > max_variables):  # past a limit: refused anyway, read no further
            break
        if word is not None:
            if word == "service" and info.service_at is None:
                info.service_at = token.start
            elif word == "define" and info.store_extension_at is None:
                info.store_extension_at = token.start
            elif word in UPDATE_KEYWORDS and info.update_keyword is None:
                info.update_keyword = token.text.upper()
            elif word in QUERY_FORMS and info.form is None:
                info.form = word
            elif word == "base" and info.form is None and stream.kind(k + 1) == "iri":
                info.base = _resolve(stream.get(k + 1)[0].text, info.base)
            elif word == "prefix" and info.form is None and stream.kind(k + 1) == "pname" and stream.kind(k + 2) == "iri":
                info.prefixes[stream.get(k + 1)[0].text.rstrip(":").partition(":")[0]] = _resolve(
                    stream.get(k + 2)[0].text, info.base)
            elif word == "from" and stream.get(k + 1) is not None:
                target_at = k + 1
                named = stream.kind(target_at) == "word" and stream.get(target_at)[0].text.lower() == "named"
                if named:
                    target_at += 1
                if stream.get(target_at) is not None:
                    target = stream.get(target_at)[0]
                    graph = (_resolve(target.text, info.base) if target.kind == "iri"
                             else _expand(target.text, {**(known_prefixes or {}), **info.prefixes})
                             if target.kind == "pname" else None)
                    if graph is not None:
                        (info.from_named_graphs if named else info.from_graphs).append(graph)
        k += 1
    else:  # read to the end
        info.tokens = stream.kept
    info.variables = len(variables)
    return info


def is_http_iri(value: str) -> bool:
    if not value or any(ch in value for ch in '<>"{}|^`\\') or any(ord(ch) <= 0x20 for ch in value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def check(text: str, *, max_depth: int, graphs: AbstractSet[str], base_iri: str | None = None,
          max_operators: int = _DEFAULTS["max_query_operators"],
          max_triple_patterns: int = _DEFAULTS["max_query_triple_patterns"],
          max_variables: int = _DEFAULTS["max_query_variables"],
          known_prefixes: dict[str, str] | None = None) -> QueryInfo:
    """Refuse what must never reach the engine (ApiError), or return what the pass learnt."""
    info = inspect(text, base_iri, Limits(max_depth, max_operators, max_triple_patterns, max_variables), known_prefixes)
    if info.depth > max_depth:
        raise ApiError(400, "Query too deeply nested",
                       f"The query nests brackets {info.depth} levels deep; this endpoint accepts at most {max_depth}.",
                       extra={"depth": info.depth, "max_depth": max_depth})
    if info.operators > max_operators:
        raise ApiError(400, "Query has too many operators",
                       f"The query has {info.operators} operators (|| && ! = < > + - * / | ^, UNION, OPTIONAL, MINUS, "
                       f"BIND); this endpoint accepts at most {max_operators}. Long chains of alternatives are often "
                       "better written with VALUES or IN (…).",
                       extra={"operators": info.operators, "max_operators": max_operators})
    if info.triple_patterns > max_triple_patterns:
        raise ApiError(400, "Query has too many triple patterns",
                       f"The query has about {info.triple_patterns} triple patterns; this endpoint accepts at most "
                       f"{max_triple_patterns}. Split it into several queries, or use VALUES for lists of values.",
                       extra={"triple_patterns": info.triple_patterns, "max_triple_patterns": max_triple_patterns})
    if info.variables > max_variables:
        raise ApiError(400, "Query has too many variables",
                       f"The query has {info.variables} distinct variables; this endpoint accepts at most {max_variables}.",
                       extra={"variables": info.variables, "max_variables": max_variables})
    if info.update_keyword is not None:
        raise ApiError(403, "Read-only endpoint",
                       f"{info.update_keyword} is SPARQL Update; this endpoint is read-only and accepts queries only "
                       "(SELECT, ASK, CONSTRUCT, DESCRIBE).")
    if info.service_at is not None:
        raise ApiError(403, "SERVICE not allowed",
                       f"Federated queries (SERVICE, at {_position(text, info.service_at)}) are not allowed: this "
                       "endpoint never connects to other services. Query the remote endpoint yourself and combine the "
                       "results.")
    if info.store_extension_at is not None:
        raise ApiError(403, "Store extension not allowed",
                       f"The query uses a store's own extension (at {_position(text, info.store_extension_at)}): "
                       "Virtuoso's built-in functions (bif:, sql:) and DEFINE pragmas can read files and settings "
                       "and connect to other services, so this endpoint refuses them. Standard SPARQL 1.1 functions "
                       "work on every store.")
    for graph in info.from_graphs + info.from_named_graphs:
        check_graph(graph, graphs, "FROM")
    return info


def check_graph(graph: str, graphs: AbstractSet[str], where: str) -> None:
    """A graph named by FROM / FROM NAMED / default-graph-uri / named-graph-uri must be one of the dataset's."""
    if graph in graphs:
        return
    reason = "is not an http(s) IRI" if not is_http_iri(graph) else "is not a graph of this dataset"
    raise ApiError(400, "Unknown graph",
                   f"{where} <{excerpt(graph, 200)}> {reason}; nothing is ever fetched from outside. The dataset's graphs are "
                   "listed in the service description (GET /sparql with Accept: text/turtle).",
                   extra={"graphs": sorted(graphs)})
