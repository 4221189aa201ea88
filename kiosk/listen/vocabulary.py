"""Which words of the content the active speech recogniser cannot hear, as staff warnings.

A word the engine does not know is dropped from its grammar, so a patient could not ask for the
topic by that word: the checker names the topic and the word instead of letting it go silently.
"""

from __future__ import annotations

from kiosk.content.model import ContentSet
from kiosk.content.problems import Problem, Severity, display_path
from kiosk.listen.matching import RequestMatcher
from kiosk.listen.recognition import Recogniser, words_of


def vocabulary_warnings(
    content: ContentSet, recogniser: Recogniser, matcher: RequestMatcher
) -> list[Problem]:
    """One warning per topic and unknown word in its phrases or title."""
    problems: list[Problem] = []
    for topic in content.topics:
        seen: set[str] = set()
        for phrase in (*topic.phrases, topic.title):
            for word in words_of(phrase):
                if word in seen or recogniser.known(word):
                    continue
                seen.add(word)
                problems.append(
                    Problem(
                        display_path(topic.file),
                        topic.line_of("phrases"),
                        "phrases",
                        f"the speech recogniser ({recogniser.name}) does not know the word "
                        f'"{word}" (topic "{topic.id}"), so patients cannot ask for the topic '
                        "by it; add its pronunciation under [recogniser.pronunciations] in "
                        "voices/en.toml",
                        Severity.WARNING,
                    )
                )
    return problems
