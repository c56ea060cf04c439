"""The search box's language: words, "quoted phrases", AND / OR / NOT, -word, parentheses.

    parse_query('行政复议 "纠正" OR 罚款 -撤销')
    -> Or(And(Term('行政复议'), Term('纠正', phrase=True)), And(Term('罚款'), Not(Term('撤销'))))

Words next to each other are ANDed; NOT binds tightest, then AND, then OR; `-word` and
`-"phrase"` and `-(...)` are NOT. Operators are upper case (a lower-case `and` is a word).
Phrases take ASCII double quotes or the Chinese “ ” pair. Every term is matched as a substring
of the normalised text (`storage.textnorm`), so a word and a phrase differ only in that a phrase
may hold spaces and operator words. A query that cannot be run as written raises `QueryError`
saying why and how to fix it: nothing is silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from .textnorm import normalize

MAX_QUERY_CHARS = 500
MAX_TERMS = 24
MAX_TERM_CHARS = 100
SHORT_TERM_CHARS = 2  # terms of 1-2 normalised characters go through the short-term index


class QueryError(ValueError):
    """A query that cannot be run as written; the message says why and how to fix it."""


@dataclass(frozen=True)
class Term:
    text: str  # normalised: what is looked for in the normalised text
    raw: str  # as typed
    phrase: bool = False

    @property
    def short(self) -> bool:
        return len(self.text) <= SHORT_TERM_CHARS


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Term | And | Or | Not

_OPEN_QUOTES = {'"': '"', "“": "”", "”": "”"}  # a phrase opened with ” (IMEs) closes with ”


@dataclass(frozen=True)
class _Token:
    kind: str  # "word" | "phrase" | "(" | ")" | "AND" | "OR" | "NOT"
    value: str = ""


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
            continue
        negated = False
        if char == "-" and position + 1 < len(text) and text[position + 1] in '"“”(':
            negated, position = True, position + 1
            char = text[position]
        if negated:
            tokens.append(_Token("NOT"))
        if char in "()":
            tokens.append(_Token(char))
            position += 1
            continue
        if char in _OPEN_QUOTES:
            close = _OPEN_QUOTES[char]
            end = text.find(close, position + 1)
            if char == '"' and end < 0:
                end = text.find("”", position + 1)
            if end < 0:
                raise QueryError(
                    f"unbalanced quote at character {position + 1} of {text!r}: close the phrase with {close}"
                )
            tokens.append(_Token("phrase", text[position + 1 : end]))
            position = end + 1
            continue
        end = position
        while end < len(text) and not text[end].isspace() and text[end] not in '()"“”':
            end += 1
        word = text[position:end]
        position = end
        if word in ("AND", "OR", "NOT"):
            tokens.append(_Token(word))
        elif word.startswith("-") and len(word) > 1:
            tokens.extend([_Token("NOT"), _Token("word", word[1:])])
        else:
            tokens.append(_Token("word", word))
    return tokens


class _Parser:
    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.position = 0
        self.terms = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def parse(self) -> Node:
        node = self.parse_or()
        token = self.peek()
        if token is not None:  # only a stray ")" can stop the loop early
            raise QueryError(f"unbalanced parenthesis in {self.text!r}: a ')' has no '(' before it")
        return node

    def parse_or(self) -> Node:
        parts = [self.parse_and("OR")]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            parts.append(self.parse_and("OR"))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def parse_and(self, after: str) -> Node:
        parts = [self.parse_unary(after)]
        while (token := self.peek()) is not None and token.kind not in ("OR", ")"):
            if token.kind == "AND":
                self.take()
                parts.append(self.parse_unary("AND"))
            else:
                parts.append(self.parse_unary(None))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def parse_unary(self, after: str | None) -> Node:
        token = self.peek()
        if token is None or token.kind in ("OR", "AND", ")"):
            where = f"after {after}" if after else "here"
            found = "the end of the query" if token is None else repr(token.kind)
            hint = "put a word or phrase there, or quote the operator (\"AND\") to search for it as a word"
            raise QueryError(f"{self.text!r}: expected a word or phrase {where}, found {found}; {hint}")
        if token.kind == "NOT":
            self.take()
            return Not(self.parse_unary("NOT"))
        if token.kind == "(":
            self.take()
            node = self.parse_or()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise QueryError(f"unbalanced parenthesis in {self.text!r}: a '(' is never closed")
            self.take()
            return node
        self.take()
        return self.term(token)

    def term(self, token: _Token) -> Term:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"{self.text!r} has more than {MAX_TERMS} terms; search for fewer at once")
        normalized = normalize(token.value)
        shown = f'"{token.value}"' if token.kind == "phrase" else token.value
        if not normalized:
            raise QueryError(
                f"{shown!r} in {self.text!r} is empty once spaces and invisible characters are removed; "
                "remove it or put words in it"
            )
        if len(normalized) > MAX_TERM_CHARS:
            raise QueryError(f"{shown[:20]!r}… is longer than {MAX_TERM_CHARS} characters; search for a shorter part")
        if len(normalized) <= SHORT_TERM_CHARS and not all(char.isalnum() for char in normalized):
            raise QueryError(
                f"{shown!r} is too short to search for with punctuation in it: terms of 1 or 2 characters "
                "must be letters or digits; search for a longer phrase around it"
            )
        return Term(normalized, token.value, phrase=token.kind == "phrase")


def parse_query(text: str) -> Node | None:
    """The query's tree; None for an empty query (everything matches). Raises QueryError."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    tokens = _tokenize(text)
    if not tokens:
        return None
    return _Parser(text, tokens).parse()


def positive_terms(node: Node | None, negated: bool = False) -> list[Term]:
    """The terms a hit is found by (not under a NOT): what is ranked and highlighted."""
    if node is None:
        return []
    if isinstance(node, Term):
        return [] if negated else [node]
    if isinstance(node, Not):
        return positive_terms(node.part, not negated)
    return [term for part in node.parts for term in positive_terms(part, negated)]


def has_positive(node: Node | None) -> bool:
    """Whether every match must contain some term (a purely negative query matches by absence)."""
    if node is None or isinstance(node, Term):
        return node is not None
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(has_positive(part) for part in node.parts)
    return all(has_positive(part) for part in node.parts)
