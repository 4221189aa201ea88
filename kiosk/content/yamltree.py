"""Read YAML into a small tree that remembers line numbers and never runs YAML's own typing.

Why not ``yaml.safe_load``: staff need the line of every problem, and YAML's implicit typing
turns ``summary: No`` into ``False`` and ``order: 1O`` into a string without a word. Here every
scalar stays text plus a "plain" flag; the schema decides what it means. Anchors, aliases and
explicit tags are refused (they are how "billion laughs" and object-construction attacks start).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from kiosk.content.problems import shorten

try:  # libyaml's C parser is ~10x faster; the pure-Python one behaves the same.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})


@dataclass
class YScalar:
    """A text value. ``plain`` is False when it was quoted or a block (| or >) scalar."""

    value: str
    line: int
    plain: bool

    @property
    def is_null(self) -> bool:
        """True for an empty plain value (``title:`` with nothing after it)."""
        return self.plain and self.value in NULL_WORDS


@dataclass
class YList:
    """A YAML sequence."""

    items: list[YNode]
    line: int


@dataclass
class YMap:
    """A YAML mapping whose keys are text; ``keys`` keeps each key's own line."""

    entries: dict[str, YNode]
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)


YNode = YScalar | YList | YMap


@dataclass(frozen=True)
class YamlIssue:
    """A problem reading the YAML itself, with a 1-based line relative to the YAML text."""

    line: int
    message: str


@dataclass
class YamlResult:
    """The tree (``None`` when unreadable) and every issue found while reading it."""

    root: YNode | None
    issues: list[YamlIssue]


_HINTS = {
    "mapping values are not allowed": (
        "there is a colon (:) inside a value; put the whole value in double quotes"
    ),
    "could not find expected ':'": "a line is missing its colon, e.g. title: Bone pain",
    "found character '\\t' that cannot start any token": (
        "the line starts with a tab; use spaces to indent"
    ),
    "did not find expected '-' indicator": "a list item is indented differently from the others",
    "expected <block end>, but found": (
        "the indentation of this line does not match the lines above"
    ),
    "found undefined alias": "a '*' starts the value; put the value in double quotes",
    "found unexpected end of stream": "a quote or bracket is opened but never closed",
    "while scanning a quoted scalar": "a quote is opened but never closed",
}


def _explain(error: yaml.YAMLError) -> YamlIssue:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    problem = str(getattr(error, "problem", "") or "")
    context = str(getattr(error, "context", "") or "")
    for needle, hint in _HINTS.items():
        if needle in problem or needle in context:
            return YamlIssue(line, f"this line cannot be read: {hint}")
    detail = problem or context or str(error).splitlines()[0]
    return YamlIssue(line, f"this line cannot be read ({detail})")


def parse_yaml(text: str) -> YamlResult:
    """Parse one YAML document into a line-numbered tree, collecting issues instead of raising."""
    issues: list[YamlIssue] = []
    stack: list[tuple[YList | YMap, list[YNode]]] = []
    root: YNode | None = None
    documents = 0

    def attach(node: YNode) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        _, children = stack[-1]
        children.append(node)

    try:
        for event in yaml.parse(text, Loader=_Loader):
            line = event.start_mark.line + 1 if event.start_mark is not None else 1
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent):
                name = shorten(str(anchor))
                message = f"'*{name}' repeats another value; write the value out"
                issues.append(YamlIssue(line, message))
                attach(YScalar("", line, plain=True))
                continue
            if anchor is not None:
                issues.append(
                    YamlIssue(line, f"'&{shorten(anchor)}' names a value to repeat; remove it")
                )
            tag = getattr(event, "tag", None)
            if tag is not None and tag not in ("!", None) and not _implicit(event):
                issues.append(YamlIssue(line, f"'{shorten(tag)}' is not allowed; remove it"))
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    issues.append(
                        YamlIssue(line, "a second '---' starts another document; remove it")
                    )
            elif isinstance(event, yaml.ScalarEvent):
                plain = event.style is None or event.style == ""
                attach(YScalar(event.value, line, plain))
            elif isinstance(event, yaml.SequenceStartEvent):
                stack.append((YList([], line), []))
            elif isinstance(event, yaml.MappingStartEvent):
                stack.append((YMap({}, line), []))
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                container, children = stack.pop()
                if isinstance(container, YList):
                    container.items = children
                else:
                    _fill_map(container, children, issues)
                attach(container)
    except yaml.YAMLError as error:
        issues.append(_explain(error))
        return YamlResult(None, issues)
    return YamlResult(root, issues)


def _implicit(event: yaml.Event) -> bool:
    implicit = getattr(event, "implicit", False)
    if isinstance(implicit, tuple):
        return bool(implicit[0] or implicit[1])
    return bool(implicit)


def _fill_map(container: YMap, children: list[YNode], issues: list[YamlIssue]) -> None:
    for key, value in zip(children[0::2], children[1::2], strict=True):
        if not isinstance(key, YScalar):
            issues.append(YamlIssue(key.line, "a field name must be a plain word"))
            continue
        name = key.value
        if name in container.entries:
            issues.append(
                YamlIssue(
                    key.line,
                    f"{shorten(name)} appears twice (first on line {container.key_lines[name]}); "
                    "keep one",
                )
            )
            continue
        container.entries[name] = value
        container.key_lines[name] = key.line
