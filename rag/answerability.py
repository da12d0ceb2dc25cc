"""What a question asks beyond its topic, and whether an evidence window carries it.

Similarity finds sentences about the right topic; it cannot tell that a sentence about a summit
does not say a treaty was *ratified* there, that "in 2022" is no answer to "how many", or that a
sentence from RT is not what "according to the Kyiv Post" asks for. These checks compare what the
question asks (a count, an attributed source, an event predicate, a year, an exclusion) with what
the chosen sentences carry. They are general rules over the question's wording, never per question.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from rag.counting import AUX_WORDS, DURATION, counts, heads, quantity_asked, unit_near
from rag.events import (
    at_place,
    event_object_of,
    event_place_of,
    events_of,
    mentions,
    object_fits,
    realis_of,
)
from rag.extractive import novel_match
from rag.lexical import STOP_WORDS, same_place, shares_family, tokenize
from rag.query import analyse
from rag.sentences import window_sentences
from rag.speakers import (
    NOT_SOURCES,
    attributed,
    norm_name,
    quote_run,
    said_about,
    said_about_phrase,
    source_of,
    topic_of,
)

# Words asking for someone's view, which the answer words its own way ("how soon did Merz think…")
_VIEW_WORDS = frozenset(tokenize("think thinks thought believe believes expect expects view views position stance opinion "
                                 "soon say says tell feel feels see sees"))


_WH_LEAD = re.compile(r"^(?:(?:in|on|at|near|by|from|to|for|with|of|during|since|after|before)\s+(?=wh))?"
                      r"(?:who|whom|which|what|when|where|why|how|did|was|were|has|have|is|are)\b", re.I)


_EXCLUSION = re.compile(r"\b(?:besides|other than|apart from|aside from|except(?: for)?|in addition to|not counting|"
                        r"excluding|beyond)\s+(?P<x>[^,?;]+?)(?=,|\?|;|\s+(?:which|what|who|where|when|how|did|was|"
                        r"were|is|are|has|have)\b|$)", re.I)

_ACROSS = re.compile(r"\b(across (?:all |the |all the |different )*(?:articles|coverage|reports|outlets|sources|stories)|"
                     r"according to (?:the )?(?:coverage|articles|reports|reporting|different reports)|"
                     r"in (?:the|all the) (?:coverage|articles|reports|different reports)|"
                     r"(?:which|what) (?:news )?(?:outlets|media|papers|newspapers|publications)|"
                     r"(?:different|various|all the|each of the|both) (?:articles|outlets|reports|accounts|sources|stories))\b",
                     re.I)

_WH = r"(?:what|who|whom|when|where|why|how|which)"

_DOUBLE_WH = re.compile(rf"^\s*(?P<a>{_WH})\s+and\s+(?P<b>{_WH})\b\s*(?P<rest>.+)$", re.I)

# "…, and in which year did he leave…": a part may open with a preposition before its wh-word
_CLAUSE_SPLIT = re.compile(rf"\s*(?:,\s*(?:and\s+)?|\s+and\s+|\?\s+)(?=(?:(?:in|on|at|near|by|from|to|for|with|of|during|since|after|before)\s+)?{_WH}\b)", re.I)

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")

_MONTH_NAMES = ("January February March April May June July August September October November December").split()

_ASKED_MONTH = re.compile(r"\b(?:in|during|since|by|of|early|late|mid-?|until|before|after|the)\s+(" + "|".join(_MONTH_NAMES) + r")\b")


@dataclass(frozen=True)
class Asked:
    """What a question asks for beyond its topic."""

    quantity: bool = False
    unit: frozenset[str] = frozenset()  # the unit asked for ("tonnes"), when the question names one
    counted: str | None = None  # what is counted ("miners" in "how many miners")
    role: str | None = None  # the role whose holder is asked for ("foreign minister" -> "minist")
    leads: str | None = None  # the body whose head is asked for ("who led the delegation" -> "deleg")
    qualifier: frozenset[str] = frozenset()  # what qualifies the asked role or place ("Ukrainian", "Hungarian")
    place: bool = False  # "which Hungarian city": a place is asked for
    source: str | None = None  # an attributed source ("Reuters", "the Harbour Ledger")
    outlet: str | None = None  # the library outlet the source names, if it is one
    events: tuple[frozenset[str], ...] = ()  # event predicates, each as the stems that express it
    realis: bool = False  # the question takes its events as having happened ("when was X arrested")
    event_place: frozenset[str] = frozenset()  # where the asked event happened ("met in Moscow")
    event_via: frozenset[str] = frozenset()  # what the question puts between event and place ("attend the talks in X")
    event_object: str | None = None  # what the event acted on ("which treaty did they sign")
    years: tuple[str, ...] = ()
    months: tuple[int, ...] = ()  # months the question is set in ("in January 2024 alone"), 1-12
    excluded: frozenset[str] = frozenset()  # stems of the things the answer must add to
    excluded_name: bool = False  # the excluded thing is a name: the answer must name another
    topic: frozenset[str] = frozenset()  # what a source is asked to have said something about ("say about the ramp")
    topic_names: frozenset[str] = frozenset()  # the names in that topic ("about advances in Zaporizhzhia")
    named_kind: str | None = None  # "which hotels…", "which company…": the answer must name one
    across: bool = False
    parts: tuple[str, ...] = field(default=())  # sub-questions of a two-part question


_ROLE_WORDS = ("minister|ambassador|negotiator|spokesman|spokeswoman|spokesperson|envoy|chair|chairman|chairwoman|head|"
               "leader|director|chief|commander|official|adviser|advisor|secretary|president|governor|mayor|judge|"
               "prosecutor|inspector|manager|executive|ceo|officer|delegate|diplomat")

_ROLE = re.compile(
    r"\b(?:(?i:what|which) (?:is|was|are|were) the (?:(?i:first|last|full|family|sur) ?)?names? of (?:the |a |an )?|"
    r"(?i:who) (?:is|was|are|were) the |(?i:name) the |"
    rf"(?i:which) )(?:[\w’'-]+ ){{0,3}}?(?P<role>{_ROLE_WORDS})s?\b")

_LEADS = re.compile(r"\b(?i:who) (?:(?:will|would|is to|is set to|is going to) (?:head|lead|chair|run) |"
                    r"(?:is|are|was|were) (?:heading|leading|chairing|running) |"
                    # "who has been put in charge of (running) the inquiry"
                    r"(?:is|are|was|were|has been|have been|had been|will be) (?:put |placed )?in charge of "
                    r"(?:running |leading |heading )?|"
                    r"(?:headed|led|heads|leads|chaired|chairs|ran|runs|commanded|commands) )(?:the |a )?"
                    r"(?:(?:[A-Z][\w’'.-]* ){1,5}?|(?:[\w’'-]+ ){0,3}?)(?P<role>delegation|team|inquiry|committee|commission|talks|investigation|"
                    r"company|mission|group|panel|government|office)\b(?!['’]s?\b)")  # not "the government's review"


_QUALIFIED_PLACE = re.compile(r"\b(?i:which|what) (?:[\w’'-]+ )?(?P<q>[A-Z][\w’'-]+) (?i:city|town|village|capital|"
                              r"region|province|port|venue|location|site|country)\b")


# "What is the name of the woman flown to…", "what was the ship called": a name is asked of a kind
# of person or thing; the answer must name one next to it.
_NAME_OF = re.compile(r"\b(?i:what|which) (?:is|was|are|were) the (?:(?i:first|last|full|family|sur) ?)?names? of "
                      r"(?:the |a |an |this |that )?"
                      r"(?P<rest>(?:[\w’'-]+ ?){1,5})")

_NAMED_KINDS = frozenset(tokenize("vessel ship boat ferry tanker company firm operator hospital school charity union "
                                  "group organisation organization team village town city street road bridge station "
                                  "hotel airport river operation law bill report"))

# "Who is Westmark Sealink's chief executive?": a role held at a named body
_POSSESSIVE_ROLE = re.compile(r"\b(?i:who) (?:is|was|are|were) (?:[A-Z][\w.&-]*\s+)*[A-Z][\w.&-]*['’]s?\s+(?:[\w’'-]+ ){0,2}?"
                              rf"(?P<role>{_ROLE_WORDS}|captain|coach|editor|founder|owner|lawyer)s?\b")


def _name_of(question: str) -> str | None:
    """The kind of person or thing whose name is asked ("the name of the woman flown…" -> "woman")."""
    m = _NAME_OF.search(question)
    if not m:
        return None
    for word in m.group("rest").split()[:5]:
        stem = next(iter(tokenize(word)), None)
        if stem and word.islower() and (stem in _PERSON_NOUNS or stem in _NAMED_KINDS):
            return stem
    return None


def _role(question: str) -> tuple[str | None, str | None, frozenset[str], bool]:
    """(role, body led, qualifier stems, place asked): "the Ukrainian foreign minister" ->
    ("minist", None, {"ukrain"}, False); "who led the Russian delegation" -> (None, "deleg", {"russia"},
    False); "which Hungarian city" -> (None, None, {"hungarian"}, True)."""
    m = _ROLE.search(question) or _POSSESSIVE_ROLE.search(question)
    if m and re.match(r"(?i:which|what)\s+[\w’'-]+['’]s?\s", question[m.start():]):
        m = None  # "which country's foreign minister said…" asks for the country, not the minister's name
    if m:
        return (next(iter(tokenize(m.group("role"))), None), None,
                _qualifiers(question[m.start():m.start("role")]), False)
    kind = _name_of(question)
    if kind:
        return kind, None, frozenset(), False
    m = _LEADS.search(question)
    if m:
        return None, next(iter(tokenize(m.group("role"))), None), _qualifiers(question[m.start():m.start("role")]), False
    m = _QUALIFIED_PLACE.search(question)
    if m and m.start("q") > 0:
        return None, None, frozenset(tokenize(m.group("q"))), True
    return None, None, frozenset(), False


def _qualifiers(span: str) -> frozenset[str]:
    """Capitalised words qualifying a role ("Ukrainian", "Swiss"), not the question's lead word."""
    return frozenset(t for w in re.findall(r"(?<!^)\b[A-Z][\w’'-]+", span.strip()) for t in tokenize(w))


def _holder_named(text: str, role: str, question: str) -> bool:
    """Whether a person is named next to the role ("Foreign Minister Sergei Lavrov", "Ivan Stupak,
    an adviser"): a capitalised name within a few words that the question does not contain and
    that is not a possessive ("Kyiv's foreign minister" names no one)."""
    return _named_near(text, frozenset({role}), question)


_LEAD_WORDS = frozenset(tokenize("head headed heads lead led leads leader chair chaired chairs chief ran runs charge "
                                 "commander commanded"))


def _named_near(text: str, anchors: frozenset[str], question: str) -> bool:
    """Whether a capitalised name the question does not contain stands within ``ROLE_SPAN`` words
    of a word whose stem is in ``anchors``, in the same sentence; a nationality ("Ukrainian
    delegation"), a month or the first word of a sentence is no name."""
    asked_words = set(tokenize(question))
    for sentence in window_sentences(text):
        tokens = list(re.finditer(r"[\w’'.-]+", sentence))
        for i, tok in enumerate(tokens):
            if next(iter(tokenize(tok.group(0))), "") not in anchors:
                continue
            for j in range(max(0, i - ROLE_SPAN), min(len(tokens), i + ROLE_SPAN + 1)):
                word = tokens[j].group(0)
                if (word[:1].isupper() and not re.search(r"['’]s?$", word) and word.lower() not in STOP_WORDS
                        and j > 0 and not set(tokenize(word)) & asked_words and len(word) > 2
                        and not _nationality(word, tokens, j) and word.lower().strip(".") not in _CALENDAR):
                    return True
    return False


def _nationality(word: str, tokens: list[re.Match[str]], j: int) -> bool:
    """ "Ukrainian", "Swiss", "Turkish" standing alone (not part of a two-word name)."""
    if not _NATIONALITY.search(word):
        return False
    neighbours = [tokens[k].group(0) for k in (j - 1, j + 1) if 0 <= k < len(tokens)]
    return not any(n[:1].isupper() and not _QUALIFIER_LIKE.search(n) for n in neighbours)


_CALENDAR = frozenset(m.lower() for m in _MONTH_NAMES) | frozenset(
    "monday tuesday wednesday thursday friday saturday sunday".split())

# The place of what a source is asked to have spoken about ("advances in the Zaporizhzhia region"),
# not a month ("in September") nor a person, whom their words may call "him" or "the president".
_TOPIC_PLACE = re.compile(r"\b(?:in|at|near|around|outside|inside)\s+(?:the\s+)?([A-Z][\w’'-]+)")

_NATIONALITY = re.compile(r"(?:ian|ean|ese|ish)$|^(?:Swiss|French|Dutch|Czech|Greek|Thai|Welsh|Scots?)$")

# Words that may stand before a name without being part of it ("Ukrainian Foreign Minister …").
_QUALIFIER_LIKE = re.compile(f"{_NATIONALITY.pattern}|^(?:Foreign|Prime|Deputy|Defence|Defense|Interior|Finance)$")


def _leader_named(text: str, body: str, question: str) -> bool:
    """Whether the text names who heads ``body``: the body is there, and a name stands next to a
    word of leading ("Vladimir Medinsky, who led the delegation", "delegation head Rustem Umerov")."""
    for sentence in window_sentences(text):
        stems = set(tokenize(sentence))
        if body in stems and stems & _LEAD_WORDS and _named_near(sentence, _LEAD_WORDS, question) \
                and _leads_body(sentence, body):
            return True
    return False


LEAD_SPAN = 4  # words between a word of leading and the body led ("chaired by", "led the Russian delegation")


def _leads_body(sentence: str, body: str) -> bool:
    """Whether a word of leading stands next to the body: "Marsh, who chaired the meeting, called
    for a public inquiry" names no chair of the inquiry."""
    stems = [next(iter(tokenize(w)), "") for w in re.findall(r"[\w’'-]+", sentence)]
    at_body = [k for k, t in enumerate(stems) if t == body]
    return any(abs(k - b) <= LEAD_SPAN for k, t in enumerate(stems) if t in _LEAD_WORDS for b in at_body)


def _qualified(text: str, need: Asked, question: str) -> bool:
    """Whether one sentence holds the question's qualifier ("Ukrainian", in any form of it) with
    what is qualified: the role ("foreign minister") or, for a place, a name besides the qualifier."""
    asked_words = set(tokenize(question))
    for sentence in window_sentences(text):
        stems = tokenize(sentence)
        if not all(any(same_place(q, t) for t in stems) for q in need.qualifier):
            continue
        if need.place:
            others = [t for t in _names(" " + sentence) if t not in asked_words
                      and not any(same_place(q, t) for q in need.qualifier)]
            if others:
                return True
        elif (need.role or need.leads) in stems:
            return True
    # A broad role ("which European leader") may be held under another title ("German Chancellor
    # Friedrich Merz"): only a sentence that uses the role word must carry its qualifier.
    return need.role in _BROAD_ROLES and any(need.role not in tokenize(s) for s in window_sentences(text))


_WHO_DID = re.compile(r"^\s*(?i:who)\s+(?!(?:is|are|was|were)\s+(?:the|a|an)\b)")


def _names_someone(words: list[str], question: str) -> bool:
    """Whether a sentence names someone the question does not ("Samuel Pryce and Idris Cole died";
    not "It last suffered a fatal accident in 2009")."""
    asked_words = set(tokenize(question))
    if any(set(tokenize(w)) & _PERSON_NOUNS - asked_words for w in words):
        return True  # "the mine manager was arrested", "a worker died"
    return any(w[:1].isupper() and w.lower() not in STOP_WORDS and w.lower().strip(".") not in _CALENDAR
               and not _NATIONALITY.search(w) and not set(tokenize(w)) & asked_words
               for w in words[1:])


_PERSON_NOUNS = frozenset(tokenize(
    "man men woman women boy girl child children person people worker workers miner miners driver passenger "
    "passengers soldier soldiers officer officers official officials manager director minister president mayor "
    "governor spokesman spokeswoman spokesperson chief chair chairman chairwoman head leader member members "
    "resident residents student teacher doctor nurse pilot captain crew engineer inspector deputy executive "
    "employee employees staff owner suspect victim victims civilian civilians journalist reporter"))


# "In the 2022 Istanbul negotiations, where were the talks held…": a clause that sets the scene
# before the wh-word of the question.
# "When Celia Voss appeared on Radio Calder, what did she say…" too: "when" with no auxiliary after it
# opens a clause, not a question.
_LEAD_CLAUSE = re.compile(rf"^\s*(?P<lead>(?!(?:what|who|whom|which|why|how)\b)(?!(?:when|where)\s+(?:and|or|did|does|do|"
                          rf"is|are|was|were|has|have|had|will|would|could|can|should|might|may|exactly)\b)"
                          rf"[^,?]{{3,100}}),\s*(?={_WH}\b)", re.I)


def _core(question: str) -> str:
    """The question without a clause that sets the scene before its wh-word."""
    m = _LEAD_CLAUSE.match(question)
    return question[m.end():] if m else question


def split_parts(question: str) -> tuple[str, ...]:
    """The sub-questions of a two-part question ("When and where did X…" -> "When did X…",
    "Where did X…"; "Who chairs X, and what is she paid?" -> both clauses); () for one question.
    A clause that sets the scene goes with each part ("In 2022, where… and who…")."""
    lead = _LEAD_CLAUSE.match(question)
    if lead:
        return tuple(f"{lead.group('lead').strip()}, {p}" for p in split_parts(question[lead.end():]))
    q = question.strip()
    m = _DOUBLE_WH.match(q)
    if m:
        rest = m.group("rest").strip()
        return (f"{m.group('a')} {rest}", f"{m.group('b')} {rest}")
    pieces = [p.strip(" ,;") for p in _CLAUSE_SPLIT.split(q) if p.strip(" ,;?")]
    if len(pieces) == 2 and all(tokenize(p) for p in pieces) and len(tokenize(pieces[0])) >= 2 \
            and _WH_LEAD.match(pieces[0]):
        return tuple(p if p.endswith("?") else p + "?" for p in pieces)
    return ()


def asked(question: str, outlets: list[str] | None = None) -> Asked:
    """What ``question`` asks beyond its topic (``outlets``: the library's, to tell a cited outlet
    from any other source)."""
    quantity, unit, counted = quantity_asked(question)
    source, outlet = source_of(question, outlets or [])
    excluded: frozenset[str] = frozenset()
    excluded_name = False
    m = _EXCLUSION.search(question)
    if m:
        excluded = frozenset(tokenize(m.group("x")))
        excluded_name = bool(re.search(r"\b[A-Z][a-z]", m.group("x")))
    role, leads, qualifier, place = _role(question)
    events = events_of(question)
    place_of = event_place_of(question)
    return Asked(
        quantity=quantity, unit=unit, counted=counted, role=role, leads=leads, qualifier=qualifier, place=place,
        source=source, outlet=outlet, events=events, realis=bool(events) and realis_of(question), event_place=place_of[0],
        event_via=place_of[1],
        event_object=event_object_of(question, events),
        years=tuple(dict.fromkeys(_YEAR.findall(question))),
        months=tuple(dict.fromkeys(_MONTH_NAMES.index(m) + 1 for m in _ASKED_MONTH.findall(question))), excluded=excluded, excluded_name=excluded_name,
        across=bool(_ACROSS.search(question)), parts=split_parts(question),
        topic=(topic := topic_of(question, source if not outlet else None)),
        topic_names=topic & frozenset(t for w in _TOPIC_PLACE.findall(said_about_phrase(question))
                                      if w.lower() not in _CALENDAR for t in tokenize(w)),
        named_kind=None if role else _named_kind(question),
    )


@dataclass(frozen=True)
class Context:
    """What surrounds a window: its article's words, outlet and year, and the sentences just before it."""

    article_terms: frozenset[str]
    outlet: str
    published: str | None
    before: str = ""
    specific: frozenset[str] = frozenset()  # the question's terms that few passages of the corpus hold
    names: tuple[frozenset[str], ...] = ()  # the question's names that few passages hold, one set of stems each
    weights: Mapping[str, float] = field(default_factory=dict)  # IDF of the question's specific terms


_BROAD_ROLES = frozenset(tokenize("leader official chief executive officer delegate diplomat"))

# Kinds of things known by a proper name: "which hotels were used" is not answered by "hotel rooms
# paid for by the council".
_WHICH_NAMED = frozenset(tokenize("company companies firm firms contractor contractors manufacturer manufacturers "
                                  "maker makers supplier suppliers operator operators hotel hotels hospital hospitals "
                                  "school schools charity charities airline airlines bank banks insurer insurers "
                                  "vessel vessels ship ships tanker tankers consultancy city cities town towns "
                                  "village villages country countries capital port venue region province"))

_WHO_IS = re.compile(r"^\s*who (?:is|was|are|were)\b", re.I)

# Titles a broad role may be held under
_TITLES = frozenset(tokenize(_ROLE_WORDS.replace("|", " ") + " chancellor premier prime king queen prince general "
                                                            "admiral boss senator"))

ROLE_SPAN = 4  # words between a role and the name of who holds it


# Words for the whole that a count is of: "how many aircraft were in its fleet" is answered by "the
# airline's 14 aircraft".
_COLLECTIVE = frozenset(tokenize("fleet fleets workforce payroll roster total overall altogether"))

# A verb's particle says nothing without its verb: "laid off" is "made redundant".
_PARTICLES = frozenset("off up out down back over away".split())


def _has_count(text: str, question: str, need: Asked, ctx: Context,
               related: Callable[[str, str], bool] | None) -> bool:
    if need.unit and not unit_near(text, need.unit):
        return False
    counted = next(iter(tokenize(need.counted or "")), None)
    # What the count must be about: the question's rarer terms, or any of its terms if it has none.
    plain = _COLLECTIVE | _PARTICLES | {counted}
    about = (ctx.specific - plain) or (frozenset(analyse(question).terms) - plain)
    for sentence in window_sentences(text):
        if need.unit and not unit_near(sentence, need.unit):
            continue  # "31 repatriation flights" is no cost, though the next sentence names pounds
        found = heads(sentence, question, spans=bool(need.unit & DURATION))
        if not found:
            continue
        if related is None and need.counted is None:
            return True  # nothing to compare the count with, no corpus to weigh the question's words
        if need.counted is None:
            if not about or shares_family(about, tokenize(sentence)):
                return True  # "61 percent" for "what was the turnout in the referendum": the count's sentence is about it
            continue
        if related is None:
            return True
        # The count must be of the asked thing ("46 miners" answers "how many miners", "one-fifth
        # of Ukraine" does not answer "how many troops"; a count with no noun after it may be of
        # anything) and about what the question is about: "strikes killed 14 people" says nothing
        # of troops kept in regions, "hundreds of people gathered" nothing of people rescued.
        exact = any(head is not None and tokenize(head)[:1] == [counted] for head in found)
        if not (exact or any(head is None or related(need.counted, head) for head in found)):
            continue
        if _other_day(sentence, question) or _wider_total(sentence, about, ctx.weights):
            continue
        if (exact and not ctx.specific) or not about or shares_family(about, tokenize(sentence)):
            return True
    return False


_WEEKDAY = re.compile(r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I)


def _other_day(sentence: str, question: str) -> bool:
    """Whether a count's sentence is set on another weekday than the question's: "strikes on
    Monday killed 14" does not count the dead of "Thursday's barrage"."""
    asked = {d.lower() for d in _WEEKDAY.findall(question)}
    said = {d.lower() for d in _WEEKDAY.findall(sentence)}
    return bool(asked and said and not asked & said)


_INCLUDING = re.compile(r",?\s+including\b", re.I)


def _wider_total(sentence: str, about: frozenset[str], weights: Mapping[str, float]) -> bool:
    """Whether the count is a total over more than the question asks about: in "strikes killed 14
    people across Ukraine, including on an apartment block in Kharkiv" the asked block is only
    named after "including", once every count has been given."""
    cut = _INCLUDING.search(sentence)
    if not cut or not about or counts(sentence[cut.end():]):
        return False  # no "including", or a count of the part itself ("including two children")
    before, after = tokenize(sentence[: cut.start()]), tokenize(sentence[cut.end():])

    def weight(stems: list[str]) -> float:
        return sum(weights.get(t, 1.0) for t in about if shares_family(frozenset({t}), stems))

    return weight(after) > 0 and weight([t for t in after if t not in before]) > weight(before)


_NAME_RUN = r"(?P<n>[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*)"

_SUBJECT_POSITIONS = [
    re.compile(_NAME_RUN + r"['’]s?\s"),  # "Merz's position", "Peskov’s view"
    re.compile(r"\b(?:did|does|do|has|have|had|is|was|are|were|will|would|could|can)\s+(?:the\s+)?" + _NAME_RUN + r"\s+[a-z]"),
    re.compile(_NAME_RUN + r"\s+(?:say|says|said|told|tell|tells|claimed|claims|argued|argues|warned|warns|described|"
               r"believes|thinks|wants|wanted|proposed|proposes|responded|reacted|offered|promised|called)\b"),
    # the place an event is set in: "the collapse at Port Severin"
    re.compile(r"\b(?:in|at)\s+(?:the\s+)?" + _NAME_RUN + r"(?=\s*(?:[,.?!;]|$)|\s+(?:in|on|at|during|before|after|and|or|"
               r"with|to|from|when|last|this|that|for|of|by)\b)"),
]


def subject_names(question: str, need: Asked, outlets: list[str]) -> list[frozenset[str]]:
    """The people (or bodies) a question asks about as speakers or holders of a view, and the
    places it sets events in, as stems: "Friedrich Merz" in "What is Friedrich Merz's position on
    Crimea?" or "What did Merz say about Crimea?", "Port Severin" in "…after the collapse at Port
    Severin?"; not a place it merely mentions ("fly to Varna"), a nationality, an outlet it cites
    or a thing it excludes."""
    skip = set(need.qualifier) | set(need.excluded) | {t for o in outlets for t in tokenize(o)}
    found = []
    for pattern in _SUBJECT_POSITIONS:
        for m in pattern.finditer(question):
            words = [w for w in m.group("n").split() if not _NATIONALITY.search(w) and w.lower() not in _WH_WORDS]
            name = frozenset(t for w in words for t in tokenize(w) if t not in skip)
            if name and name not in found:
                found.append(name)
    return found


_WH_WORDS = frozenset("what which who whom whose when where why how".split())


TOPIC_SHARE = 1 / 3  # IDF-weighted share of the question's topic words a name's sentences must hold


# "Which think tank does X work for": the kind of thing asked for is what the answer names in its
# own words ("the Center for Strategic and International Studies"), and light verbs say little.
_WH_KIND = re.compile(r"^\s*(?:which|what)\s+(?P<k>(?:[a-z][\w’'-]*\s+){1,3}?)(?:does|did|do|is|was|are|were|has|have|"
                      r"had|will|would|can|could)\b", re.I)

_LIGHT_VERBS = frozenset(tokenize("work works worked do does did make makes made take takes took get gets got go goes "
                                  "went have has had give gives gave"))


def asked_kind(question: str) -> frozenset[str]:
    """The stems of the kind of thing a which/what question asks for ("which think tank" -> think, tank)."""
    m = _WH_KIND.match(_core(question))
    return frozenset(tokenize(m.group("k"))) if m else frozenset()




def _together(text: str, names: frozenset[str], ctx: Context, kind: frozenset[str] = frozenset()) -> bool:
    """Whether a name of the question stands with enough of the question's other specific words
    (weighted by rarity), in one sentence or in two next to each other (a quote, then "…," Stupak
    said): "Merz said talks could start" two sentences after "Trump said Ukraine must give up
    Crimea" says nothing of Merz on Crimea."""
    topic = {t: ctx.weights.get(t, 1.0) for t in ctx.specific - names - _VIEW_WORDS - kind - _LIGHT_VERBS}
    if not topic:
        return True
    sentences = [tokenize(s) for s in window_sentences(text)]
    named = [shares_family(names, stems) for stems in sentences]
    total = sum(topic.values()) or 1.0
    raw = window_sentences(text)
    for i in range(len(sentences)):
        if not named[i]:
            continue
        near = [t for j in sorted(set(range(max(0, i - 1), min(len(sentences), i + 2))) | quote_run(raw, i))
                for t in sentences[j]]
        if sum(w for t, w in topic.items() if shares_family(frozenset({t}), near)) >= TOPIC_SHARE * total:
            return True
    return False


def failure(need: Asked, text: str, question: str, ctx: Context,
            related: Callable[[str, str], bool] | None = None) -> str | None:
    """Why a window of evidence ``text`` does not answer what ``need`` asks, or None when it may
    (``related(a, b)``: whether two nouns name the same kind of thing)."""
    if need.quantity and not _has_count(text, question, need, ctx, related):
        return "no count of the asked thing"
    if need.outlet is not None:
        if norm_name(ctx.outlet) != norm_name(need.outlet):
            return f"not from {need.outlet}"
    elif need.source is not None:
        stems = [s for s in tokenize(need.source) if s not in NOT_SOURCES]
        if stems and not attributed(f"{ctx.before} {text}", frozenset(stems)):
            return f"{need.source} is not the source of these sentences"
        if stems and need.topic and not said_about(f"{ctx.before} {text}", frozenset(stems), need.topic, ctx.weights,
                                                   need.topic_names):
            return f"nothing {need.source} says here is about what is asked"
    if need.role and not _holder_named(text, need.role, question):
        # A broad role ("which European leader") may be held under a title the question does not
        # use ("German Chancellor Friedrich Merz"; "Switzerland's foreign minister" answers "which
        # Swiss official"); "who is X's chief executive" asks for a name, under some title.
        if (need.role not in _BROAD_ROLES or need.role in set(tokenize(text))
                or (_WHO_IS.match(_core(question)) and not _named_near(text, _TITLES, question))):
            return "no one named in the asked role"
    if need.leads and not _leader_named(text, need.leads, question):
        return f"no one named as the head of the {need.leads}…"
    if need.qualifier and not _qualified(text, need, question):
        return "not the asked one (" + ", ".join(sorted(need.qualifier)) + ")"
    if ctx.names and not need.across and not any(_together(text, name, ctx, asked_kind(question)) for name in ctx.names):
        return "who or what is asked about and what is asked are not in one sentence"
    words = set(tokenize(text))
    if need.events:
        found = [event for event in need.events if words & event]  # "block or postpone": one is enough
        if not found:
            return "the asked event is not in these sentences"
        stated = [m for event in found for m in mentions(text, event, need.realis)]
        if not stated:
            return "the asked event is only mentioned as possible, intended or denied"
        if need.event_place and not any(at_place(w, i, need.event_place, need.event_via) for w, i in stated):
            return "the asked event is not reported at the asked place"
        if need.event_object and not any(object_fits(w, i, need.event_object, related) for w, i in stated):
            return f"the asked event is not reported of a {need.event_object}"
        if need.realis and _WHO_DID.match(_core(question)) and not any(_names_someone(w, question) for w, _ in stated):
            return "no one is named where the asked event is reported"
    if need.years and not any(year in words or year in ctx.article_terms or (ctx.published or "").startswith(year)
                              for year in need.years):
        return f"nothing about {' or '.join(need.years)}"
    if need.months and not any(_MONTH_NAMES[m - 1].lower() in text.lower() or _MONTH_NAMES[m - 1][:3] + "." in text
                               or (ctx.published or "")[5:7] == f"{m:02d}" for m in need.months):
        return "nothing about " + " or ".join(_MONTH_NAMES[m - 1] for m in need.months)
    if need.excluded_name and not (set(_names(text)) - need.excluded - set(tokenize(question))):
        return "names nothing besides what the question excludes"
    if clash := _other_ordinal(question, text):
        return f"about the {clash[1]} {clash[0]}, not the {clash[2]} one"
    if _left_open(text, question):
        return LEFT_OPEN
    if need.named_kind and not _new_name(text, question):
        return f"no {need.named_kind}… named"
    return None


LEFT_OPEN = "the asked thing is given as not known yet"

# "at a location to be determined", "the venue remains uncertain", "no confirmed date", "did not
# name the company": the sentence says the asked thing is not known.
_UNDETERMINED = re.compile(
    r"\b(?:to be (?:determined|decided|confirmed|announced|named|set|agreed)|"
    r"(?:remains?|remained|is|was|are|were)\s+(?:still\s+)?(?:uncertain|unclear|unknown|undecided|unresolved)|"
    r"(?:has|have|had)\s+(?:still\s+)?(?:not\s+(?:yet\s+)?|yet\s+to\s+)(?:been\s+|be\s+)?"
    r"(?:named|decided|set|confirmed|disclosed|identified|announced|agreed|chosen|fixed)|"
    r"(?:declined|refused|would not|did not|didn't)\s+(?:to\s+)?(?:name|identify|disclose|reveal)|"
    # "declined to say who would lead the inquiry", "the records do not show which foundry"
    r"(?:declined|refused|would not|did not|didn't|do not|does not|don't|doesn't|could not|cannot)\s+(?:to\s+)?"
    r"(?:say|show|specify|state|confirm|know)\s+(?:who|which|when|where|what)\b|"
    r"no (?:confirmed|fixed|firm|agreed)\s|no (?:new )?(?:date|venue|location|place|time) (?:has|had|have) been|"
    r"undisclosed|unnamed)",
    re.I)

_DATE_KIND = frozenset(tokenize("date day time"))

OPEN_SPAN = 5  # words between the asked kind and what says it is not known ("the venue also remains uncertain")


def _open_about(sentence: str, kind: frozenset[str]) -> bool:
    """Whether the sentence says the asked kind itself is not known: "the venue remains uncertain,
    given that Putin is wanted by the International Criminal Court" leaves the venue open, not the court."""
    for m in _UNDETERMINED.finditer(sentence):
        before = re.findall(r"[\w’'-]+", sentence[: m.start()])[-OPEN_SPAN:]
        after = re.findall(r"[\w’'-]+", sentence[m.end():])[:OPEN_SPAN]
        if shares_family(kind, [t for w in before + re.findall(r"[\w’'-]+", m.group(0)) + after for t in tokenize(w)]):
            return True
    return False


def _left_open(text: str, question: str) -> bool:
    """Whether the window says the asked thing is not known yet: every sentence that names the
    asked kind ("which venue", "when": a date) says it is undetermined, and, for a "when", no
    sentence gives a date."""
    info = analyse(question)
    answer_type = info.answer_type
    dated = answer_type in ("date", "day", "when")
    which = _wh_words(question, "which")[:1]  # "which foundry cast the clamps"
    kind = asked_kind(question) or frozenset(tokenize(" ".join(which))) or (_DATE_KIND if dated else frozenset())
    if not kind:
        return False
    sentences = window_sentences(text)
    about = [s for s in sentences if shares_family(kind, tokenize(s))]
    if not about or not all(_open_about(s, kind) for s in about):
        return False
    if any(_NO_NEW.search(s) for s in about):
        return True  # "no new date has been set": the date given is the one that no longer holds
    # A date answers only if it is about what is left open: "learned by text at 3am on Tuesday" is no
    # date for "when will staff be paid their February wages" next to "no date had been given".
    asked_terms = frozenset(info.terms) - kind
    held = frozenset(t for s in about for t in tokenize(s) if t in asked_terms)
    return not (dated and any(novel_match(answer_type, s, question) and (not held or shares_family(held, tokenize(s)))
                              for s in sentences))


_NO_NEW = re.compile(r"\bno new (?:date|day|time|venue|location)\b|\bnew (?:date|day|time|venue|location) "
                     r"(?:has|have|had) (?:not|yet)\b", re.I)


_ORDINAL = re.compile(r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|final)\s+"
                      r"([a-z][\w’'-]*)(?:\s+([a-z][\w’'-]*))?", re.I)


def _ordinal_pairs(text: str) -> set[tuple[str, str]]:
    """(ordinal, stem) for the one or two words after each ordinal ("first day", "first sailing left")."""
    return {(m.group(1).lower(), stem) for m in _ORDINAL.finditer(text)
            for word in (m.group(2), m.group(3)) if word for stem in tokenize(word)}


def _other_ordinal(question: str, text: str) -> tuple[str, str, str] | None:
    """(noun, its ordinal in the text, the asked ordinal) when the sentences give the asked thing
    only with another ordinal: "by the end of the first day" does not answer "…the second day"."""
    asked_pairs = _ordinal_pairs(question)
    if not asked_pairs:
        return None
    found = _ordinal_pairs(text)
    if asked_pairs & found:
        return None
    for ordinal, noun in sorted(asked_pairs):
        others = [o for o, n in found if n == noun and o != ordinal]
        if others and (ordinal, noun) not in found:
            return noun, others[0], ordinal
    return None


def _wh_words(question: str, wh: str = "which|what") -> list[str]:
    """The words after the question's which/what, up to its auxiliary: "which hotels took in…" ->
    ["hotels", "took", "in"]; "which firm did…" -> ["firm"]."""
    m = re.match(rf"\s*(?:{wh})\s+((?:[\w’'-]+\s+){{0,3}})", _core(question), re.I)
    words = m.group(1).split() if m else []
    return list(itertools.takewhile(lambda w: w.lower() not in AUX_WORDS, words))


def _named_kind(question: str) -> str | None:
    """The kind known by a proper name that a which-question asks for ("which hotels took in…" -> "hotel")."""
    return next((t for w in _wh_words(question) for t in tokenize(w)[:1] if t in _WHICH_NAMED), None)


def _new_name(text: str, question: str) -> bool:
    """Whether the text names something the question does not (a capitalised word inside a
    sentence, not a month or a day)."""
    asked_words = set(tokenize(question))
    # a sentence may open with a name when it is a possessive or two words: "Switzerland's foreign
    # minister said…", "New Zealand said…"
    words = _name_words(text) + [m.group(1) for m in _OPENING_NAME.finditer(text)]
    return any(t not in asked_words and t not in _CALENDAR_STEMS
               for w in words if not _NATIONALITY.search(w) for t in tokenize(w))


_OPENING_NAME = re.compile(r"(?:^|[.!?]\s)\s*([A-Z][\w-]+)(?=['’]s\b|\s+[A-Z][a-z])")


_CALENDAR_STEMS = frozenset(t for w in _CALENDAR for t in tokenize(w))


_NAME_WORD = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w’'-]+")  # capitalised, not opening a sentence


def _name_words(text: str) -> list[str]:
    return _NAME_WORD.findall(text)


def _names(text: str) -> list[str]:
    return [s for w in _name_words(text) for s in tokenize(w)]
