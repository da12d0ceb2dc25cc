"""Event predicates: the events a question asks about ("who was arrested", "which treaty did they
sign"), and where a text reports them as having happened, at the asked place, of the asked object."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from rag.counting import AUX_WORDS, AUXILIARIES
from rag.lexical import STOP_WORDS, same_place, tokenize
from rag.sentences import window_sentences

# A question that asks whether something was *ratified*, who was *arrested* or *resigned*, is not
# answered by a sentence about the same topic that does not say so. Each group: one event and the
# words articles use for it.
_EVENTS = [  # (the verb forms a question asks with, the words a sentence may report the event with)
    ("arrest arrested arrests detained", "arrest arrested arrests detain detained detention custody"),
    ("resign resigned resigns quit quits", "resign resigned resigns resignation quit quits stepped"),
    ("ratify ratified ratifies", "ratify ratified ratifies ratification"),
    ("sign signed signs", "sign signed signs signing signature initialed initialled"),
    ("veto vetoed vetoes", "veto vetoed vetoes"),
    ("vote voted", "vote voted votes voting ballot referendum"),
    ("approve approved approves endorsed", "approve approved approves approval endorse endorsed"),
    ("convict convicted", "convict convicted conviction guilty"),
    ("sentenced", "sentence sentenced"),
    ("charged indicted prosecuted", "charge charged charges indict indicted indictment prosecuted"),
    ("fired sack sacked dismiss dismissed oust ousted", "fire fired sack sacked dismiss dismissed oust ousted"),
    ("appoint appointed", "appoint appointed appointment"),
    ("elect elected", "elect elected election"),
    ("impose imposed sanctioned", "impose imposed sanction sanctions sanctioned"),
    ("banned", "ban banned bans banning"),
    ("cancel cancelled canceled", "cancel cancelled canceled cancels"),
    ("postpone postponed", "postpone postponed delay delayed"),
    ("conclude concluded", "conclude concluded conclusion conclusions"),
    ("sue sued", "sue sued lawsuit"),
    ("kill killed die died", "kill killed die died dead death deaths fatal killing"),
    ("injure injured wound wounded", "injure injured injuries wound wounded hurt"),
    ("evacuate evacuated", "evacuate evacuated evacuation evacuees"),
    ("invade invaded", "invade invaded invasion"),
    ("meet met", "meet met meeting meetings summit talks negotiations"),
    ("agree agreed", "agree agreed agreement accord deal consented"),
    ("reject rejected refused", "reject rejected rejection refuse refused dismiss dismissed ruled"),
    ("arrive arrived", "arrive arrived arrival arriving landed"),
    ("attend attended", "attend attended attending attendance presence present attendees"),
    ("visit visited", "visit visited visiting visits trip"),
    ("deliver delivered", "deliver delivered delivery deliveries delivering"),
    ("receive received", "receive received receiving receipt awarded granted paid given"),
    ("launch launched", "launch launched launching launches"),
    ("release released freed", "release released releasing freed freeing"),
    ("rescue rescued", "rescue rescued rescuing rescuers saved"),
    ("charter chartered", "charter chartered chartering"),
    ("destroy destroyed", "destroy destroyed destruction destroying"),
    ("withdraw withdrew withdrawn", "withdraw withdrew withdrawn withdrawal pulled"),
    ("deploy deployed", "deploy deployed deployment deploying"),
    ("win won", "win won wins winning winner victory"),
    ("test tested", "test tested tests testing"),
    ("find", "found find finds findings showed shows revealed detected"),  # "what did the lab find"
    ("resume resumed restart restarted reopen reopened", "resume resumed resumption restart restarted reopen reopened "
                                                         "reopening"),
    ("manufacture manufactured supplied installed", "manufacture manufactured manufacturer maker made built supplied "
                                                   "supplier installed installer"),
    ("replace replaced", "replace replaced replacement replacing"),
    ("suspend suspended", "suspend suspended suspension"),
]

# "the result of the referendum" presupposes a referendum was held: the noun is the event.
_EVENT_NOUNS = {
    "referendum": "voted", "vote": "voted", "election": "elect", "poll": "voted", "ballot": "voted",
    "talks": "met", "meeting": "met", "summit": "met", "negotiations": "met",
    "trial": "convicted", "inquiry": "inquiry", "investigation": "investigation", "probe": "probe",
    "mediation": "met",
}

# The outcome of an inquiry is what it found, not that it was ordered.
_OWN_EVENTS = {name: "found findings concluded conclusion conclusions report reported ruled blamed"
               for name in ("inquiry", "investigation", "probe")}

_OUTCOME = re.compile(r"\b(?:results?|outcomes?|verdict|findings|conclusions?|winners?) of (?:the |a |an |this |that )?"
                      r"(?:[\w’'-]+ ){0,3}?(?P<ev>" + "|".join(_EVENT_NOUNS) + r")\b", re.I)

# Words that, just before an event word, say it did not (yet) happen: "would be arrested", "ready
# to meet", "immunity from arrest", "should hold a referendum", "did not sign".
_IRREALIS = frozenset("""would could should might may can cannot must will shall if whether unless ready willing
    prepared plan plans planned planning propose proposed proposes proposal possible possibility possibly potential
    offer offered offers offering immunity requirement require requires required demand demanded demands call calls
    urge urged want wants wanted hope hoped hopes expect expected intend intends intended aim aims seek seeks sought
    try tries tried attempt threaten threatened threatens threat risk risks face faces not no never without deny
    denied denies refuse refused refuses avoid avoided next future prospect prospects consider considering
    considered idea warrant suggest suggested suggests invite invited invites invitation delay delaying delayed
    block blocking blocked stall stalled postpone postponed due n't delays""".split())

# ... or just after it: "a meeting … remains possible", "talks are planned"
_IRREALIS_AFTER = frozenset("possible impossible unlikely likely planned proposed expected envisaged remains remain "
                            "could would might should will".split())

_IRREALIS_CLOSE = frozenset("to for".split())  # only right before the event: "to meet", "for a referendum"

IRREALIS_SPAN = 4  # words before an event word searched for the words above

IRREALIS_CLOSE_SPAN = 3  # "to hold a referendum", "for such a vote"

# A question that itself asks about a possibility presupposes nothing happened.
_MODAL_QUESTION = re.compile(r"\b(would|could|should|might|may|can|will|whether|if|plan\w*|propos\w*|possib\w*|"
                             r"offer\w*|ready|willing|expect\w*|intend\w*|hope\w*|want\w*|threat\w*)\b|"
                             r"^\s*(?:did|does|do|is|are|was|were|has|have|had)\b")

_EVENT_OF: dict[str, frozenset[str]] = {}

for _asks, _reports in _EVENTS:
    _stems = frozenset(tokenize(_reports))
    for _w in _asks.split():
        _EVENT_OF[_w] = _stems

_NOUN_EVENT = {noun: _EVENT_OF.get(verb) or frozenset(tokenize(_OWN_EVENTS[verb])) for noun, verb in _EVENT_NOUNS.items()}

# Nouns that share a stem with an event verb but ask for no event ("the death toll" asks a count).
_NOT_PREDICATE = re.compile(r"\b(death toll|found(?:ed|er|ing)?|ban\w* on|dead(?:line|lock)|step(?:s)? (?:to|toward))\b",
                            re.I)


_STEP_DOWN = re.compile(r"\bst(?:ep|eps|epped|epping) down\b")  # "has stepped down" asks whether they resigned

_ADVERBS = frozenset("last first ever already just never still also again recently finally eventually".split())


def events_of(question: str) -> tuple[frozenset[str], ...]:
    """The events a question asks about, from verb forms only ("who was arrested", "which treaty
    did they sign"): "the two dead miners" names people, it asks for no death."""
    found: list[frozenset[str]] = []
    words = re.findall(r"[A-Za-z]+", _STEP_DOWN.sub("resigned", _NOT_PREDICATE.sub(" ", question)))
    for i, word in enumerate(words):
        event = _EVENT_OF.get(word) if word.islower() else None
        if event is None or event in found:
            continue
        # (an adverb right before makes it the verb of the question: "when were the seals last replaced")
        if (word.endswith("ed") and i > 0 and words[i - 1].islower() and words[i - 1] not in STOP_WORDS
                and words[i - 1] not in _ADVERBS and not words[i - 1].endswith("ly")
                and not set(w.lower() for w in words[max(0, i - 4) : i]) & AUXILIARIES
                and set(w.lower() for w in words[:i]) & AUX_WORDS):
            continue  # "the review of crew fatigue agreed as part of…" describes the review, asks nothing of it
        if i > 0 and words[i - 1].lower() == "to":
            continue  # "the people who registered to attend": the question itself does not say they did
        if i > 0 and words[i - 1].lower() in ("what", "which"):
            continue  # "what vote does Putin say…" asks which one, not whether it was held
        if {w.lower() for w in words[max(0, i - 2) : i]} & _NEGATION:
            continue  # "the papers don't agree on how many…": no event the answer must report
        if word in _DELIVER and {w.lower() for w in words[i + 1 : i + 4]} & _SPOKEN:
            continue  # "deliver its findings" is to report them, not a delivery of goods
        if word in _RECEIPT:
            event = event | _received(words[i + 1 : i + 4])
        found.append(event)
    for m in _OUTCOME.finditer(question):
        event = _NOUN_EVENT[m.group("ev").lower()]
        if event not in found:
            found.append(event)
    return tuple(found)


_RECEIPT = frozenset("receive received receives".split())

_NEGATION = frozenset("not t never".split())  # "t" of "don't", "didn't" once split into words

_DELIVER = frozenset("deliver delivered".split())

_SPOKEN = frozenset("findings finding report verdict ruling judgment judgement results speech message news statement "
                    "address warning conclusions decision".split())

_NOMINAL = re.compile(r"(?:ment|ation|ition|ion|ance|ence)$")


def _received(after: list[str]) -> frozenset[str]:
    """What a receiving is of says the event as well: "received hospital treatment" is "treated in
    hospital", "received compensation" is "compensated"."""
    run = list(itertools.takewhile(lambda w: w.islower() and w not in STOP_WORDS, after))
    if not run:
        return frozenset()
    stem = next(iter(tokenize(run[-1])), "")
    return frozenset(t for t in (stem, _NOMINAL.sub("", stem)) if len(t) >= 4)


def realis_of(question: str) -> bool:
    """Whether the question takes its events as having happened: not "would Switzerland arrest
    him", "is a summit possible", "did they sign" (a yes/no question presupposes nothing)."""
    return not _MODAL_QUESTION.search(question[:1].lower() + question[1:])


def mentions(text: str, event: frozenset[str], realis: bool) -> list[tuple[list[str], int]]:
    """Where the text states the event: (the words of its sentence, the event word's index). With
    ``realis``, only where it is reported as having happened, not just after a word of possibility,
    intent or denial ("would be arrested", "ready to meet", "did not sign")."""
    found = []
    for sentence in window_sentences(text):
        words = re.findall(r"[\w’']+", sentence)
        lower = [w.lower().replace("’", "'") for w in words]
        for i, word in enumerate(words):
            if not set(tokenize(word)) & event:
                continue
            if realis and (any(w in _IRREALIS or w.endswith("n't") for w in lower[max(0, i - IRREALIS_SPAN) : i])
                           or any(w in _IRREALIS_CLOSE for w in lower[max(0, i - IRREALIS_CLOSE_SPAN) : i])
                           or any(w in _IRREALIS_AFTER for w in _next_words(lower, i))):
                continue
            found.append((words, i))
    return found


def _next_words(lower: list[str], i: int) -> list[str]:
    """The few words after position ``i`` that carry meaning ("a meeting of the two leaders
    remains possible" -> "two", "leaders", "remains"), modal verbs included."""
    return [w for w in lower[i + 1 : i + 9] if w not in STOP_WORDS or w in _IRREALIS_AFTER][:IRREALIS_CLOSE_SPAN]


def event_place_of(question: str) -> tuple[frozenset[str], frozenset[str]]:
    """The place an asked event is tied to, and the words the question puts between them: "met in
    Moscow" -> ({moscow}, {}), "attend the peace talks in Istanbul" -> ({istanbul}, {peac, talk})."""
    for m in re.finditer(r"\b[a-z]+\b", question):
        if m.group(0) in _EVENT_OF:
            place = _PLACE_AFTER.match(question[m.end():])
            if place:
                between = question[m.end():m.end() + place.start("p")]
                via = frozenset(tokenize(between)) - frozenset(tokenize("in at"))
                return frozenset(tokenize(place.group("p"))), via
    return frozenset(), frozenset()


# "met in Moscow in May" ties the meeting to Moscow; "killed in the Drumlow collapse" names the
# event, not where it happened (the name is followed by a noun).
_PLACE_AFTER = re.compile(r"(?:\s+[\w’'-]+){0,3}?\s+(?:in|at)\s+(?:the\s+)?(?P<p>[A-Z][\w’'-]+)"
                          r"(?=\s*(?:[,.?!;]|$)|\s+(?:in|on|at|during|before|after|and|or|with|to|from|when|last|this|"
                          r"that|for|of|by)\b)")

_EVENT_OBJECT = re.compile(r"\b(?i:which|what)\s+(?:[\w’'-]+\s+){0,2}?(?P<n>[a-z][\w-]+)\s+"
                           r"(?:did|does|do|was|were|has|have|had|is|are|will)\b")

# Kinds a name answers ("which country did…"): no word of the kind need stand in the evidence.
_NAME_KINDS = frozenset(tokenize("country countries city cities town capital nation state region place venue location "
                                 "person people official officials leader leaders politician outlet newspaper media "
                                 "organisation organization company firm group party agency court team month day year "
                                 "date time week side"))


PLACE_SPAN = 6  # words after an event word where "in <place>" may stand


def at_place(words: list[str], i: int, place: frozenset[str], via: frozenset[str] = frozenset()) -> bool:
    """Whether the event word at ``i`` is tied to the place: "talks in Istanbul", "the Istanbul
    talks"; not "talks between Moscow and Kyiv" nor "signed a decree … talks in Istanbul". With
    ``via`` (the question's words between the event and the place), the place may follow those
    words: "attend this week's peace talks between Moscow and Kiev in Istanbul"."""
    def is_place(word: str) -> bool:
        return any(same_place(p, t) for p in place for t in tokenize(word))

    starts = [i] + [j for j in range(i + 1, min(len(words), i + 1 + PLACE_SPAN)) if set(tokenize(words[j])) & via]
    for start in starts:
        after = words[start + 1 : start + 1 + PLACE_SPAN]
        if any(is_place(w) and k > 0 and after[k - 1].lower() in ("in", "at") for k, w in enumerate(after)):
            return True
    return any(is_place(w) for w in words[max(0, i - 2) : i])


def event_object_of(question: str, events: tuple[frozenset[str], ...]) -> str | None:
    """The kind of thing an asked event acted on: "which treaty did they sign" -> "treaty"."""
    m = _EVENT_OBJECT.search(question) if events else None
    if m is None or next(iter(tokenize(m.group("n"))), "") in _NAME_KINDS | {""}:
        return None
    return m.group("n")


def object_fits(words: list[str], i: int, noun: str, related: Callable[[str, str], bool] | None) -> bool:
    """Whether the words after an event word name the asked kind of object ("signed a decree" is
    not "which treaty did they sign"); the kind named anywhere in the sentence also fits."""
    if set(tokenize(noun)) & set(tokenize(" ".join(words))):
        return True
    following = [w for w in words[i + 1 : i + 5] if w.lower() not in STOP_WORDS][:2]
    return any(related(noun, w) if related else tokenize(w) == tokenize(noun) for w in following)
