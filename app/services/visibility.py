"""What a viewer sees of an idea's mines, déminages and history: moderation's one home.

Content hidden by moderation is read by admins (with the reason); its own author sees that it
was hidden and why, never again its text; anyone else sees only that something was hidden.
Every output (idea page, API, fiche produit, experts page, notifications, search, counts) takes
its views from here, already redacted: templates and serialisers render what they are given.
Nobody acts on hidden content: `permissions.check_not_hidden` refuses it. A hidden mine counts
as withdrawn, and a hidden déminage (or one under a hidden mine) not at all, wherever something is
counted (`counted_status` and `counts`, and their SQL twins `counted_status_sql` and
`deminage_counts_sql`, which tests/services/test_score_stateful.py holds equal).
"""

import re
import unicodedata
from collections import namedtuple
from collections.abc import Callable, Sequence
from functools import cache, lru_cache, partial
from typing import Any, NamedTuple
from urllib.parse import unquote

from sqlalchemy import and_, bindparam, case, or_
from sqlmodel import Session, col, select

from app.db import read_rows, wide_select
from app.markdown import plain_text
from app.models import (
    Decision,
    Deminage,
    Idea,
    IdeaStatus,
    Mine,
    MineStatus,
    NotificationKind,
    Outcome,
    User,
)
from app.models.base import pk
from app.services.permissions import can_read_hidden, can_view_idea

HIDDEN_MINE_TITLE = "Mine masquée"
HIDDEN_AUTHOR = "Nom masqué"

# The one rule for counts and the score, in SQL and in Python: a hidden mine counts as withdrawn.
counted_status_sql = case(
    (col(Mine.hidden_at).is_not(None), MineStatus.withdrawn.value), else_=Mine.status
)
# `counted_status_sql == open`, written so that an index on (idea_id, status, …) answers it.
open_mine_sql = and_(col(Mine.status) == MineStatus.open, col(Mine.hidden_at).is_(None))


def counted_status(mine: Any) -> str:
    """The status the score and the counts use (`counted_status_sql` in Python)."""
    return MineStatus.withdrawn.value if mine.hidden_at is not None else str(mine.status)


def counts(deminage: Any, mine: Any) -> bool:
    """Whether a déminage counts (regards croisés): not when it or its mine is hidden
    (`deminage_counts_sql` in SQL)."""
    return public(deminage, mine)


deminage_counts_sql = and_(col(Deminage.hidden_at).is_(None), col(Mine.hidden_at).is_(None))


def public(item: Any, mine: Any = None) -> bool:
    """Whether content may be shown to anyone (search index, counts): neither it nor, for a
    déminage, its mine is hidden."""
    return item.hidden_at is None and (mine is None or mine.hidden_at is None)


# An idea hidden by moderation leaves every output but its own page (`can_view_idea`): its
# carriers and admins still read it there.
unhidden_idea_sql = col(Idea.hidden_at).is_(None)
# In SQL: the ideas in the lists, the index and the counts (`listed` in Python).
listed_sql = and_(
    col(Idea.status) != IdeaStatus.draft, col(Idea.merged_into_id).is_(None), unhidden_idea_sql
)


def listed(idea: Idea) -> bool:
    """Whether an idea is in the lists, the index and the counts: published, not merged away,
    not hidden by moderation (the Python twin of `Idea.board_group < BoardGroup.off_board`,
    computed by the database from `BOARD_GROUP_SQL`)."""
    return (
        idea.status != IdeaStatus.draft and idea.merged_into_id is None and idea.hidden_at is None
    )


def reads_hidden(viewer: User | None) -> bool:
    """Admins read hidden content, with its reason."""
    return can_read_hidden(viewer)


def masked_for(viewer: User | None, item: Any) -> bool:
    """Whether the viewer gets only « masqué » instead of the item's content."""
    return item.hidden_at is not None and not reads_hidden(viewer)


@cache
def _row_type(fields: tuple[str, ...]) -> Any:
    return namedtuple("RedactedRow", fields)  # noqa: PYI024


def _redact(row: Any, **changes: Any) -> Any:
    """A copy of a plain row with some columns blanked (hashable, like the row)."""
    fields = tuple(row._fields)
    return _row_type(fields)(*row)._replace(**changes)


def _masked_person(person: Any) -> Any:
    """Who wrote hidden content is hidden with it (`pages.Person`, a named tuple)."""
    return person._replace(name=HIDDEN_AUTHOR, unit_id=None, is_active=True)


def _reason_for(viewer: User | None, item: Any) -> str:
    """Its author still learns why; anyone else does not."""
    return item.hidden_reason if viewer is not None and viewer.id == item.author_id else ""


def redact_mine_views(views: Sequence[Any], viewer: User | None) -> list[Any]:
    """The idea's mine views as this viewer may see them (`mines.MineView`)."""
    from app.services.mines import DeminageView, MineView  # noqa: PLC0415  (mines imports us)

    out = []
    for view in views:
        m = view.mine
        if masked_for(viewer, m):
            mine = _redact(
                m,
                title=HIDDEN_MINE_TITLE,
                body="",
                resolution_reason="",
                reopen_reason="",
                basis_reference="",
                hidden_reason=_reason_for(viewer, m),
            )
            # Who signed it and what was asked of it are part of what was hidden.
            out.append(
                MineView(mine, _masked_person(view.author), None, [], hidden=True, masked=True)
            )
            continue
        deminages = []
        for dv in view.deminages:
            d = dv.deminage
            if masked_for(viewer, d):
                d = _redact(d, body="", dismissed_reason="", hidden_reason=_reason_for(viewer, d))
                deminages.append(
                    DeminageView(d, _masked_person(dv.author), None, dv.helped_by_me, True, True)
                )
            else:
                deminages.append(
                    DeminageView(d, dv.author, dv.unit, dv.helped_by_me, d.hidden_at is not None)
                )
        out.append(
            MineView(
                m,
                view.author,
                view.unit,
                deminages,
                hidden=m.hidden_at is not None,
                signatures=view.signatures,
                scope_request=view.scope_request,
            )
        )
    return out


MASKED_EVENT = "Une action sur une mine masquée par la modération."

# The hidden mines an idea's messages may quote: its own, and, once an admin merged it into
# another idea, those that moved there with the merge (its history and notifications stay).
_HIDDEN_MINES_OF = wide_select(Mine.idea_id, Mine.title, Mine.body, Mine.id, Mine.author_id).where(
    col(Mine.hidden_at).is_not(None),
    col(Mine.idea_id).in_(bindparam("ideas", expanding=True)),
)
_MERGED_INTO = select(Idea.id, Idea.merged_into_id).where(
    col(Idea.id).in_(bindparam("ideas", expanding=True)), col(Idea.merged_into_id).is_not(None)
)

# A text quoting this many characters (spaces, case and punctuation marks of emphasis aside)
# of a hidden mine's text quotes the mine: about a sentence, longer than a common phrase.
QUOTED_FRAGMENT = 25
# A text of another idea must quote more: a service's name alone (« Direction des ressources
# humaines », 33 characters) would otherwise mask every text of the base that names it.
ELSEWHERE_FRAGMENT = 50
# A title shorter than this (« RGPD », « Coût ») is an ordinary word too: only its quoted form
# (« Coût ») masks a text; a longer one masks it wherever it appears.
BARE_TITLE_MIN = 10


class HiddenMine(NamedTuple):
    """What a text may not quote of a hidden mine: its title, its text (and which mine, whose)."""

    title: str
    body: str
    id: int | None = None
    author_id: int | None = None


# Straight and typographic apostrophes read alike; Markdown's emphasis marks are no words.
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "*": None, "`": None})
# Characters a reader does not see (soft hyphen, zero-width ones, the word joiner, the BOM):
# slipped inside words, they would hide a quotation from any comparison.
# What a reader does not see: format characters (Unicode's category Cf: soft hyphen, zero-width
# ones, direction marks and overrides, tag characters…), variation selectors, and the blank
# fillers that draw nothing (Hangul fillers, the braille blank, Khmer and Mongolian ones).
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160"
    "\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u2800\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001-\U000e007f\U000e0100-\U000e01ef]"
)
# Between words, a reader sees no difference between « (de paie) », « de paie » and « de…
# paie »: quotations are compared on their letters and digits.
_NOT_A_LETTER = re.compile(r"[\W_]+")


# Letters of other scripts a reader takes for Latin ones (the confusables of Unicode's UTS #39,
# cut down to the Cyrillic and Greek letters drawn like a Latin letter, and two Latin
# variants): a quotation spelt with a Cyrillic « е » reads as the mine to everyone. Only base
# letters are listed: accents are split off first and put back after (`_as_seen`), so « ё »
# reads « ë » and « ά » reads « á », while French letters, accented or not, stay themselves.
_SKELETON = str.maketrans(
    {
        # Cyrillic
        "а": "a", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j",
        "ӏ": "l", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "у": "y", "ԝ": "w", "х": "x",
        "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "Ј": "J", "К": "K",
        "М": "M", "О": "O", "Р": "P", "Ԛ": "Q", "Ѕ": "S", "Т": "T", "Ԝ": "W", "Х": "X",
        "У": "Y", "Ӏ": "I",
        # Greek
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "α": "a", "ι": "i",
        "ε": "e", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "υ": "u", "χ": "x", "ϲ": "c", "ϳ": "j",
        "Ϲ": "C",
        # Latin variants: the dotless i, the Latin alpha
        "ı": "i", "ɑ": "a",
    }
)  # fmt: skip


def _as_seen(text: str) -> str:
    """The text as a reader sees it: compatibility forms folded (full-width letters,
    ligatures), invisible characters gone, look-alike letters of other scripts read as the
    Latin ones they are drawn like (`_SKELETON`)."""
    apart = _INVISIBLE.sub("", unicodedata.normalize("NFKD", text)).translate(_SKELETON)
    return unicodedata.normalize("NFC", apart)


def _normalised(text: str) -> str:
    """Lower case, letters and digits only, one space between words (for any run of spaces,
    punctuation, apostrophes, line breaks), nothing invisible, no look-alike letter: how a
    quotation is compared, whatever its writer's keyboard or punctuation."""
    return " ".join(_NOT_A_LETTER.sub(" ", _as_seen(text).translate(_FOLD).casefold()).split())


# What separates words in a web address: a slug's hyphens and underscores, a query's plus
# signs, the path's slashes and the query's marks.
_URL_SEPARATORS = re.compile(r"[-_+/=&?#~]")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


def _as_url_words(text: str) -> str:
    """The text with its web addresses read as words: percent-escapes decoded (twice encoded
    too) and their separators read as spaces, as a reader reads « le-logiciel-ne-gere » or
    « le%20logiciel ». Elsewhere it changes only hyphens and slashes, on both sides of the
    comparison alike."""
    for _ in range(3):
        if not _PERCENT.search(text):
            break
        text = unquote(text)
    return _as_seen(_URL_SEPARATORS.sub(" ", text))


@lru_cache(maxsize=2048)
def _readings(text: str) -> tuple[str, ...]:
    """The ways a text is read: as written (the API, the e-mails, the open data give it so),
    as the pages show its Markdown (`markdown.plain_text`: emphasis, links, entities and
    blockquote marks gone), which a quotation may hide behind, and with its web addresses read
    as words (`_as_url_words`), which a quotation may be spelt in."""
    shown = plain_text(text)
    seen: tuple[str, ...] = (text, shown, _as_seen(text), _as_seen(shown))
    if _URL_SEPARATORS.search(text) or _PERCENT.search(text):
        seen += (_as_url_words(text), _as_url_words(shown))
    return tuple(dict.fromkeys(seen))


# A web address, as a reader meets one in a text or behind a link.
_ADDRESS = re.compile(r"(?:https?://|www\.)[^\s<>\[\]]+", re.IGNORECASE)


def _unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


@lru_cache(maxsize=2048)
def _address_readings(text: str) -> tuple[str, ...]:
    """The text's web addresses read as words, normalised and without accents: a slug drops
    them (« /le-logiciel-ne-gere »), so an address is compared to a mine's text without its
    accents too (`_fragments(…, unaccented=True)`); the rest of a text keeps its accents."""
    return tuple(
        dict.fromkeys(
            _unaccented(_normalised(_as_url_words(address.group())))
            for address in _ADDRESS.finditer(_as_seen(text))
        )
    )


@lru_cache(maxsize=512)
def _fragments(body: str, size: int = QUOTED_FRAGMENT, unaccented: bool = False) -> frozenset[str]:
    """Every `size`-long run of a hidden mine's normalised text, as written and as shown (and,
    to compare web addresses to, without its accents)."""
    runs: set[str] = set()
    for reading in _readings(body):
        text = _normalised(reading)
        text = _unaccented(text) if unaccented else text
        runs.update(text[i : i + size] for i in range(len(text) - size + 1))
    return frozenset(runs)


@lru_cache(maxsize=512)
def _bare_title(title: str, unaccented: bool = False) -> re.Pattern[str] | None:
    """A long enough title, as a whole phrase of a normalised text (or of a web address's
    words, without accents)."""
    title = _normalised(plain_text(title) or title)
    title = _unaccented(title) if unaccented else title
    if len(title) < BARE_TITLE_MIN:
        return None
    return re.compile(r"(?<!\w)" + re.escape(title) + r"(?!\w)")


def quotes(text: str, mine: HiddenMine) -> bool:
    """Whether a text quotes a hidden mine: its title in « » (any spaces inside), its title
    bare when long enough, or a sentence-long run of its text, whatever the case and spaces,
    in the text as written or as its Markdown is shown (`_readings`), or in its web addresses
    read as words (`_address_readings`)."""
    return any(_quotes(reading, mine) for reading in _readings(text)) or any(
        _in_address(address, mine) for address in _address_readings(text)
    )


def _in_address(words: str, mine: HiddenMine) -> bool:
    """Whether a web address's words (`_address_readings`) spell the mine's long title or a
    run of its text, accents aside."""
    bare = _bare_title(mine.title, unaccented=True) if mine.title else None
    if bare is not None and bare.search(words):
        return True
    fragments = _fragments(mine.body, unaccented=True)
    return any(
        words[i : i + QUOTED_FRAGMENT] in fragments for i in range(len(words) - QUOTED_FRAGMENT + 1)
    )


def _quotes(text: str, mine: HiddenMine) -> bool:
    if mine.title and _quoted(mine.title).search(text):
        return True
    normalised = _normalised(text)
    bare = _bare_title(mine.title) if mine.title else None
    if bare is not None and bare.search(normalised):
        return True
    fragments = _fragments(mine.body)
    return bool(fragments) and any(
        normalised[i : i + QUOTED_FRAGMENT] in fragments
        for i in range(len(normalised) - QUOTED_FRAGMENT + 1)
    )


# Every hidden mine of the base: a text of another idea may quote one too.
_HIDDEN_MINES_ANYWHERE = select(Mine.id, Mine.title, Mine.body).where(
    col(Mine.hidden_at).is_not(None)
)


class _Quotations(NamedTuple):
    """What texts of any idea may not quote of a set of hidden mines, looked up in one pass
    over a text: the runs of their texts, and their long titles by their first characters."""

    runs: frozenset[str]  # each ELSEWHERE_FRAGMENT long
    titles: dict[str, tuple[str, ...]]
    # The same without accents, for the words of web addresses (`_address_readings`).
    address_runs: frozenset[str]
    address_titles: dict[str, tuple[str, ...]]


@lru_cache(maxsize=8)
def _quotations(mines: tuple[HiddenMine, ...]) -> _Quotations:
    runs: set[str] = set()
    address_runs: set[str] = set()
    titles: dict[str, set[str]] = {}
    address_titles: dict[str, set[str]] = {}
    for mine in mines:
        runs.update(_fragments(mine.body, ELSEWHERE_FRAGMENT))
        address_runs.update(_fragments(mine.body, ELSEWHERE_FRAGMENT, unaccented=True))
        title = _normalised(plain_text(mine.title) or mine.title) if mine.title else ""
        if len(title) >= BARE_TITLE_MIN:
            titles.setdefault(title[:BARE_TITLE_MIN], set()).add(title)
            bare = _unaccented(title)
            address_titles.setdefault(bare[:BARE_TITLE_MIN], set()).add(bare)
    return _Quotations(
        frozenset(runs),
        {k: tuple(v) for k, v in titles.items()},
        frozenset(address_runs),
        {k: tuple(v) for k, v in address_titles.items()},
    )


def _quotes_any(text: str, found: _Quotations) -> bool:
    """Whether a text quotes one of the mines: a long title bare (so in « » too), or a run of
    a text, in the text or in its web addresses' words (accents aside there); the cost of one
    pass over each reading, however many mines."""
    return any(
        _scan(_normalised(reading), found.runs, found.titles) for reading in _readings(text)
    ) or any(
        _scan(words, found.address_runs, found.address_titles) for words in _address_readings(text)
    )


def _scan(normalised: str, runs: frozenset[str], titles: dict[str, tuple[str, ...]]) -> bool:
    for i in range(len(normalised)):
        if normalised[i : i + ELSEWHERE_FRAGMENT] in runs:
            return True
        for title in titles.get(normalised[i : i + BARE_TITLE_MIN], ()):
            end = i + len(title)
            if (
                normalised.startswith(title, i)
                and not _word(normalised[i - 1 : i])
                and not _word(normalised[end : end + 1])
            ):
                return True
    return False


def _word(char: str) -> bool:
    """Whether a character (or none, at an edge) continues a word, as `\\w` says."""
    return bool(char) and (char.isalnum() or char == "_")


def _hidden_everywhere(session: Session) -> list[Any]:
    """Every hidden mine's (id, title, body): one indexed query (the few moderation hid)."""
    return list(read_rows(session, _HIDDEN_MINES_ANYWHERE, {}))


def _anywhere(rows: Sequence[Any], but: int | None = None) -> _Quotations:
    mines = sorted(HiddenMine(t or "", b or "") for mine_id, t, b in rows if mine_id != but)
    return _quotations(tuple(mines))


def hidden_anywhere(session: Session) -> _Quotations:
    """The hidden mines of every idea, as texts of any idea may not quote them."""
    return _anywhere(_hidden_everywhere(session))


def quotes_elsewhere(text: str, mine: HiddenMine) -> bool:
    """Whether a text of another idea quotes this hidden mine (`redact_messages`' rule for
    them: a short title is an ordinary word there, in « » or not)."""
    return _quotes_any(text, _quotations((mine,)))


def _hidden_mines_by_idea(session: Session, ideas: set[int]) -> dict[int, list[HiddenMine]]:
    moved = dict(read_rows(session, _MERGED_INTO, {"ideas": sorted(ideas)}))
    wanted = sorted(ideas | set(moved.values()))
    found: dict[int, list[HiddenMine]] = {}
    for idea_id, title, body, mine_id, author_id in read_rows(
        session, _HIDDEN_MINES_OF, {"ideas": wanted}
    ):
        found.setdefault(idea_id, []).append(
            HiddenMine(title or "", body or "", mine_id, author_id)
        )
    return {i: found.get(i, []) + found.get(moved.get(i, -1), []) for i in ideas}


def hidden_titles(
    session: Session, idea_id: int, viewer: User | None
) -> list[HiddenMine | _Quotations]:
    """The hidden mines the idea's messages may quote, that the viewer may not read (titled
    or not: a text may quote either), and those of every idea, as `quotes_elsewhere` reads
    them (`redact_text` takes both)."""
    if reads_hidden(viewer):
        return []
    anywhere = hidden_anywhere(session)
    own: list[HiddenMine | _Quotations] = list(_hidden_mines_by_idea(session, {idea_id})[idea_id])
    return [*own, anywhere] if anywhere.runs or anywhere.titles else own


def redact_messages(
    session: Session,
    viewer: User | None,
    messages: Sequence[tuple[int | None, str]],
    why: Sequence[int | None] = (),
) -> list[str]:
    """Messages about ideas (notifications, digests, lessons, outcomes), each masked whole when
    it quotes one of its idea's hidden mines (`quotes`), or a hidden mine of another idea by its
    long title or a run of its text (`quotes_elsewhere`), or names an idea hidden since (the
    idea itself, a duplicate merged into it, the idea it joined) that the viewer may not read:
    a notification written before the hiding no longer quotes it once read or mailed after.
    `why` gives, per message, the mine it tells was hidden (`notification_whys`): its author
    reads why, as on the page, even when the moderator's reason quotes the mine."""
    ideas = {idea_id for idea_id, _ in messages if idea_id is not None}
    if reads_hidden(viewer) or not ideas:
        return [message for _, message in messages]
    hidden = _hidden_mines_by_idea(session, ideas)
    unseen = _unseen_idea_titles(session, viewer, ideas)
    whys = list(why) or [None] * len(messages)
    everywhere = _hidden_everywhere(session)
    anywhere = _anywhere(everywhere)
    out = []
    for (idea_id, message), told in zip(messages, whys, strict=True):
        if redact_text(message, unseen.get(idea_id or 0, [])) != message:
            out.append(MASKED_IDEA_MESSAGE)
            continue
        # The author of a hidden mine reads the notice that tells them why, even when the
        # moderator's reason quotes that mine; never another hidden mine, of this idea or not.
        own_notice = [
            h
            for h in hidden.get(idea_id or 0, [])
            if told is not None and h.id == told and viewer and h.author_id == viewer.id
        ]
        elsewhere = _anywhere(everywhere, but=told) if own_notice else anywhere
        if _quotes_any(message, elsewhere):
            out.append(MASKED_EVENT)
            continue
        quotable = [h for h in hidden.get(idea_id or 0, []) if h not in own_notice]
        out.append(redact_text(message, quotable))
    return out


def notification_whys(items: Sequence[tuple[str, int | None, int | None]]) -> list[int | None]:
    """For each notification (its kind, mine and déminage), the mine whose hiding it tells its
    author (`redact_messages`' `why`), or None."""
    return [
        mine_id if kind == NotificationKind.moderation and deminage_id is None else None
        for kind, mine_id, deminage_id in items
    ]


MASKED_IDEA_MESSAGE = "Ce message parle d’une idée masquée par la modération."

# The ideas a message about an idea may name: the idea itself, the ideas merged into it, and
# the idea it joined; those hidden by moderation since are named to their carriers alone.
_HIDDEN_NEAR = select(Idea).where(
    col(Idea.hidden_at).is_not(None),
    or_(
        col(Idea.id).in_(bindparam("ideas", expanding=True)),
        col(Idea.merged_into_id).in_(bindparam("merged", expanding=True)),
    ),
)


def _unseen_idea_titles(
    session: Session, viewer: User | None, ideas: set[int]
) -> dict[int, list[str]]:
    """For each idea, the quoted titles of the hidden ideas its messages may name (itself, a
    duplicate merged into it, the idea it joined) that the viewer may not read
    (`can_view_idea`: their carriers and the admins may)."""
    moved = dict(read_rows(session, _MERGED_INTO, {"ideas": sorted(ideas)}))
    near = sorted(ideas | set(moved.values()))
    found: dict[int, list[str]] = {}
    for hidden in session.exec(_HIDDEN_NEAR.params(ideas=near, merged=sorted(ideas))):
        if can_view_idea(viewer, hidden):
            continue
        quoted = f"«\u00a0{hidden.title}\u00a0»"
        named_by: set[int] = {pk(hidden)} | {
            idea_id for idea_id, kept in moved.items() if kept == hidden.id
        }
        if hidden.merged_into_id is not None:
            named_by.add(hidden.merged_into_id)
        for idea_id in named_by & ideas:
            found.setdefault(idea_id, []).append(quoted)
    return found


def redact_text(text: str, hidden: Sequence[HiddenMine | _Quotations | str]) -> str:
    """A message (history, notification, a lesson, a decision's outcome) that quotes hidden
    content, masked whole: beside the quotation it may carry a reason, a cause or a name, all
    part of what was hidden. A hidden mine is quoted as `quotes` says; a hidden idea (a quoted
    title, a string) by its title in « », whatever spaces a writer put inside the guillemets."""
    for item in hidden:
        if isinstance(item, HiddenMine):
            if quotes(text, item):
                return MASKED_EVENT
        elif isinstance(item, _Quotations):
            if _quotes_any(text, item):
                return MASKED_EVENT
        elif any(_quoted(item).search(reading) for reading in _readings(text)):
            return MASKED_EVENT
    return text


@cache
def _quoted(title: str) -> re.Pattern[str]:
    """A title between guillemets, whatever the case and the spaces, as a reader sees it
    (`_as_seen`: the readings of a text are compared to it)."""
    words = _as_seen(title).strip().removeprefix("«").removesuffix("»").split()
    return re.compile(r"«\s*" + r"\s+".join(map(re.escape, words)) + r"\s*»", re.IGNORECASE)


MASKED_MERGE = "Une idée masquée par la modération y a été fusionnée."

# The ideas merged into one idea and hidden since: its history quotes their titles.
_HIDDEN_MERGED_HERE = select(Idea).where(
    col(Idea.merged_into_id) == bindparam("idea"), col(Idea.hidden_at).is_not(None)
)


def hidden_duplicates(session: Session, idea: Idea, viewer: User | None) -> list[str]:
    """The quoted titles of the ideas merged into this one and hidden by moderation since,
    that the viewer may not read (`can_view_idea`, as the merges' lines on the page)."""
    return [
        f"«\u00a0{merged.title}\u00a0»"
        for merged in session.exec(_HIDDEN_MERGED_HERE.params(idea=idea.id))
        if not can_view_idea(viewer, merged)
    ]


MASKED_MERGED_INTO = "Fusionnée avec une idée masquée par la modération."


def hidden_kept(session: Session, idea: Idea, viewer: User | None) -> list[str]:
    """For an idea merged into another: the quoted title of the idea it joined, when moderation
    hid that one since and the viewer may not read it (`can_view_idea`); else none."""
    if idea.merged_into_id is None:
        return []
    kept = session.get(Idea, idea.merged_into_id)
    if kept is None or kept.hidden_at is None or can_view_idea(viewer, kept):
        return []
    return [f"«\u00a0{kept.title}\u00a0»"]


MASKED_PASSAGE = "[Passage masqué par la modération.]"

# A lesson's passages: its sentences (a final mark, a closing guillemet or parenthesis, then
# spaces) and its paragraphs; the separators are kept, so that the rest reads as written.
_PASSAGES = re.compile(r"((?<=[.!?…])[\u00a0\u202f ]*[»)]?\s+|\n\s*\n)")


class Passages(NamedTuple):
    """A text with the passages that quote hidden content masked (`redact_passages`)."""

    text: str
    masked: int  # how many passages are masked; 0 when none is
    whole: bool = False  # masked whole: no passage could be kept apart from the quotation


def redact_passages(text: str, hidden: Sequence[HiddenMine | _Quotations | str]) -> Passages:
    """A lesson (a closed idea's, a stopped project's) that quotes hidden content: only its
    sentences (or paragraphs) that quote it are masked, as `redact_text` says they quote it;
    the rest is what the idea taught, and is read. A quotation over two sentences masks both;
    one that no split isolates masks the lesson whole."""

    def quoting(piece: str) -> bool:
        return redact_text(piece, hidden) != piece

    if not text or not hidden or not quoting(text):
        return Passages(text, 0)
    parts = _PASSAGES.split(text)
    pieces, separators = parts[0::2], [*parts[1::2], ""]
    masked = [bool(piece.strip()) and quoting(piece) for piece in pieces]
    for i in range(len(pieces) - 1):
        if not (masked[i] or masked[i + 1]) and quoting(pieces[i] + separators[i] + pieces[i + 1]):
            masked[i] = masked[i + 1] = True
    # What is kept may still quote, a sentence beside a masked one carrying the quotation on:
    # mask, of the sentences beside the masked ones, the one that ends it, else all of them.
    while quoting(_kept(pieces, separators, masked)[0]):
        beside = [
            i
            for i, mask in enumerate(masked)
            if not mask
            and pieces[i].strip()
            and any(masked[j] for j in (i - 1, i + 1) if 0 <= j < len(masked))
        ]
        if not beside:
            return Passages(MASKED_PASSAGE, 1, whole=True)
        ending = [i for i in beside if not quoting(_kept(pieces, separators, _with(masked, i))[0])]
        for i in ending[:1] or beside:
            masked[i] = True
    kept, count = _kept(pieces, separators, masked)
    if not any(not mask and piece.strip() for piece, mask in zip(pieces, masked, strict=True)):
        return Passages(MASKED_PASSAGE, 1, whole=True)
    return Passages(kept, count)


def _with(masked: list[bool], i: int) -> list[bool]:
    return [*masked[:i], True, *masked[i + 1 :]]


def _kept(pieces: list[str], separators: list[str], masked: list[bool]) -> tuple[str, int]:
    """The text with its masked passages replaced, two in a row by one; and how many."""
    out: list[str] = []
    count, previous = 0, False
    for piece, separator, mask in zip(pieces, separators, masked, strict=True):
        if mask and previous:
            continue  # two masked sentences in a row are one masked passage
        if mask:
            out += [MASKED_PASSAGE, separator]
            count += 1
        else:
            out += [piece, separator]
        previous = mask
    return "".join(out).strip(), count


class Lesson(NamedTuple):
    """A lesson as a viewer reads it, and, for its writer and the moderators, why part of it
    is hidden (as a hidden mine's author reads why, `_reason_for`)."""

    text: str
    notice: str = ""


def _lesson_notice(passages: Passages, moderator: bool) -> str:
    if not passages.masked:
        return ""
    if moderator:
        if passages.whole:
            return (
                "Cette leçon cite une mine masquée par la modération\u00a0: elle est masquée "
                "pour les personnes qui ne lisent pas les contenus masqués."
            )
        if passages.masked == 1:
            return (
                "Un passage de cette leçon cite une mine masquée par la modération\u00a0: il "
                "est masqué pour les personnes qui ne lisent pas les contenus masqués."
            )
        return (
            f"{passages.masked}\u00a0passages de cette leçon citent une mine masquée par la "
            "modération\u00a0: ils sont masqués pour les personnes qui ne lisent pas les "
            "contenus masqués."
        )
    if passages.whole:
        return (
            "Votre leçon cite une mine masquée par la modération\u00a0: elle est masquée pour "
            "vos collègues comme pour vous. Le reste de l’idée reste lisible."
        )
    if passages.masked == 1:
        return (
            "Un passage de votre leçon cite une mine masquée par la modération\u00a0: il est "
            "masqué pour vos collègues comme pour vous\u202f; le reste de la leçon se lit."
        )
    return (
        f"{passages.masked}\u00a0passages de votre leçon citent une mine masquée par la "
        "modération\u00a0: ils sont masqués pour vos collègues comme pour vous\u202f; le reste "
        "de la leçon se lit."
    )


def read_lesson(
    viewer: User | None,
    text: str,
    hidden_for_others: Sequence[HiddenMine | _Quotations | str],
    writer_id: int | None | Callable[[], int | None],
) -> Lesson:
    """A lesson as the viewer reads it (`redact_passages`), the hidden content it may not quote
    given as anyone but the moderators may not (`hidden_titles` with no viewer); its writer
    (an id, or how to look it up once a passage is masked) and the moderators are told why
    part of it is hidden."""
    passages = redact_passages(text, hidden_for_others)
    if reads_hidden(viewer):
        return Lesson(text, _lesson_notice(passages, moderator=True))
    if not passages.masked or viewer is None:
        return Lesson(passages.text)
    writer = writer_id() if callable(writer_id) else writer_id
    told = writer is not None and viewer.id == writer
    return Lesson(passages.text, _lesson_notice(passages, moderator=False) if told else "")


_LESSON_WRITER = (
    select(col(Outcome.author_id))
    .where(Outcome.idea_id == bindparam("idea"), Outcome.decision == Decision.closed)
    .order_by(col(Outcome.created_at).desc(), col(Outcome.id).desc())
    .limit(1)
)


def _lesson_writer(session: Session, idea: Idea) -> int | None:
    """Who wrote a closed idea's lesson: who closed it, or else its author."""
    return session.exec(_LESSON_WRITER.params(idea=idea.id)).first() or idea.author_id


def lessons(session: Session, viewer: User | None, ideas: Sequence[Idea]) -> list[Lesson]:
    """Closed ideas' lessons as the viewer may read them: masked whole once they name an idea
    hidden since (`redact_messages`), or, merged, the idea it joined; else only their passages
    that quote a hidden mine of the idea, or of another idea by its long title or a run of its
    text (`redact_passages`). Who wrote the lesson (who closed the idea) and the moderators
    read why."""
    wanted = [i for i in ideas if i.lesson]
    if not wanted:
        return [Lesson("") for _ in ideas]
    unseen = _unseen_idea_titles(session, viewer, {pk(i) for i in wanted})
    hidden = _hidden_mines_by_idea(session, {pk(i) for i in wanted})
    anywhere = hidden_anywhere(session)
    out = []
    for idea in ideas:
        if not idea.lesson:
            out.append(Lesson(""))
            continue
        kept = hidden_kept(session, idea, viewer)
        if kept and redact_text(idea.lesson, kept) != idea.lesson:
            out.append(Lesson(MASKED_MERGED_INTO))
            continue
        if redact_text(idea.lesson, unseen.get(pk(idea), [])) != idea.lesson:
            out.append(Lesson(MASKED_IDEA_MESSAGE))
            continue
        quotable: list[HiddenMine | _Quotations] = [*hidden.get(pk(idea), [])]
        if anywhere.runs or anywhere.titles:
            quotable.append(anywhere)
        out.append(
            read_lesson(viewer, idea.lesson, quotable, partial(_lesson_writer, session, idea))
        )
    return out


def lesson(session: Session, idea: Idea, viewer: User | None) -> Lesson:
    """A closed idea's lesson as the viewer may read it (`lessons`)."""
    return lessons(session, viewer, [idea])[0]


def public_lesson(session: Session, idea: Idea) -> str:
    """The lesson as anyone may read it (the search index's): without its masked passages."""
    if not idea.lesson:
        return ""
    text = lessons(session, None, [idea])[0].text
    return (
        ""
        if text in (MASKED_MERGED_INTO, MASKED_IDEA_MESSAGE)
        else text.replace(MASKED_PASSAGE, "")
    )


def history(
    session: Session, idea: Idea, viewer: User | None, views: Sequence[Any] | None = None
) -> list[tuple[Any, Any]]:
    """The idea's history (`ideas.events`); a line about a hidden mine reads « une action sur
    une mine masquée », without who, but for admins; the line of a merge no longer names the
    other idea (the duplicate, or the idea kept) once hidden, but to those who may read it.
    A line may quote a hidden mine of another idea too: the page's mine views (`views`) do
    not tell whether there is one, so the hidden mines are always read (one indexed query)."""
    from app.services.ideas import events  # noqa: PLC0415  (ideas → scoring → visibility)

    lines = events(session, idea)
    # The merges' lines name the other idea: a duplicate merged here, or the idea this one
    # joined; either may have been hidden since.
    if idea.merged_into_id is not None:
        duplicates, masked_merge = hidden_kept(session, idea, viewer), MASKED_MERGED_INTO
    elif any(event.kind == "merged" for event, _ in lines):
        duplicates, masked_merge = hidden_duplicates(session, idea, viewer), MASKED_MERGE
    else:
        duplicates, masked_merge = [], MASKED_MERGE
    titles = hidden_titles(session, pk(idea), viewer)
    if not titles and not duplicates:
        return lines
    redacted = []
    for event, actor in lines:
        if event.kind == "merged" and redact_text(event.message, duplicates) != event.message:
            # Who merged it is no part of what was hidden.
            redacted.append((event._replace(message=masked_merge), actor))
            continue
        message = redact_text(event.message, titles)
        masked = message == MASKED_EVENT and event.message != MASKED_EVENT
        redacted.append((event._replace(message=message), None if masked else actor))
    return redacted


def mine_title_for(viewer: User | None, mine: Any) -> str:
    """A single mine's title as the viewer may read it (experts page, notifications)."""
    return HIDDEN_MINE_TITLE if masked_for(viewer, mine) else mine.title


def carrier_invitations_for(viewer: User | None, idea: Idea, lines: Sequence[Any]) -> list[Any]:
    """Invitations to co-carry an idea not answered yet (`co_carriers.CarrierLine`): its author
    sees them all, an invitee their own, nobody else any (who was asked, and with what words, is
    between the two until the invitee accepts)."""
    if viewer is None:
        return []
    return [
        line
        for line in lines
        if not line.accepted and viewer.id in (idea.author_id, line.row.user_id)
    ]
