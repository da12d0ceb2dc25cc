"""What a question asks beyond its topic, and whether an evidence window carries it.

Similarity finds sentences about the right topic; it cannot tell that a sentence about a summit
does not say a treaty was *ratified* there, that "in 2022" is no answer to "how many", or that a
sentence from RT is not what "according to the Kyiv Post" asks for. These checks compare what the
question asks (a count, an attributed source, an event predicate, a year, an exclusion) with what
the chosen sentences carry. They are general rules over the question's wording, never per question.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from rag.lexical import STOP_WORDS, equivalents, tokenize
from rag.extractive import novel_match
from rag.query import analyse
from rag.sentences import split_sentences

# --- counts -----------------------------------------------------------------------------------

_MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_NUMBER = re.compile(r"(?<![\w.,:])\d+(?:[.,]\d+)*(?:\s*(?:%|per ?cent|million|billion|thousand|bn|m|k)\b)?", re.I)
_NUMBER_WORDS = re.compile(
    r"\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"one[- ](?:half|third|quarter|fifth|sixth|tenth|hundred|thousand|million|billion)|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|"
    r"dozens?|hundreds|thousands|millions|billions|once|twice|thrice|half|quarter|a third|"
    r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-\w+|"
    r"(?:fir|seco|thi|four|fif|six|seven|eigh|nin|ten)(?:st|nd|rd|th)|"
    r"several|dozen)\b",
    re.I,
)
# "once again", "at once", "once the strike ended": no count of anything.
_ONCE_AFTER = re.compile(r"\s+(?:again|more|upon|the|it|they|he|she|we|you|this|that|these|those|his|her|their|"
                         r"its|our|all|every)\b", re.I)
_QUANTIFIER_BEFORE = re.compile(r"(about|some|nearly|over|almost|around|roughly|approximately|more than|fewer than|"
                                r"less than|at least|up to|only|just)\s*$", re.I)
_DATE_AROUND = re.compile(rf"^\s*(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTHS}\b", re.I)
_MONTH_BEFORE = re.compile(rf"\b{_MONTHS}\.?\s*$", re.I)
_TIME_OF_DAY = re.compile(r"^\s*[:.]\d\d\b|^\s*(?:am|pm|a\.m\.|p\.m\.)", re.I)


# "another week", "a few days", "a month": a span of time stated without a numeral
_ONE_SPAN = re.compile(r"\b(?:an?(?: few| couple of)?|another|one more)\s+(?:minute|hour|day|week|fortnight|month|year|"
                       r"decade)s?\b", re.I)


# A number right after a capitalised word (not a month, weekday, sentence opening or currency)
# names the thing ("Precinct 9", "Ward 2", "Route 9 to") unless what follows is what it counts
# ("By Tuesday 120 people", "Brent 90 dollars").
_LABEL_BEFORE = re.compile(r"(?<![.!?]\s)(?<!^)\b(?!(?:" + _MONTHS + r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b)"
                           r"(?!(?:US|USD|EUR|GBP|Rs|No)\b)[A-Z][a-z]+\s$")


def _labelled(after: str) -> bool:
    """Whether what follows a number leaves it a label: punctuation, the end, or a function word."""
    m = re.match(r"\s*([A-Za-z]+)", after)
    if not m:
        return True
    word = m.group(1)
    return word.lower() in STOP_WORDS or word[:1].isupper()


def counts(text: str, spans: bool = False) -> list[str]:
    """The counts and amounts a text states: "46", "2.4 million", "nine", "twice"; not a year
    ("in 2022"), a day of a date ("5 March", "March 5") or a clock time ("14:07")."""
    found = []
    for m in _NUMBER.finditer(text):
        token, before, after = m.group(0), text[: m.start()], text[m.end():]
        digits = re.sub(r"\D", "", token)
        if re.fullmatch(r"(1[89]|20)\d\d", token) and not _QUANTIFIER_BEFORE.search(before):
            continue  # a year
        if len(digits) <= 2 and (_DATE_AROUND.match(after) or _MONTH_BEFORE.search(before)):
            continue  # the day of a date
        if _TIME_OF_DAY.match(after):
            continue
        if _LABEL_BEFORE.search(before) and _labelled(after):
            continue  # a name's number, not a count: "Precinct 9", "Route 9", "Flight 17"
        found.append(token)
    found += [m.group(0) for m in _NUMBER_WORDS.finditer(text)
              if not (m.group(0).lower() == "once" and (_ONCE_AFTER.match(text, m.end())
                                                         or re.search(r"\bat\s+$", text[: m.start()], re.I)))]
    if spans:  # asked for a time: "another week" answers "how much longer"
        found += [m.group(0) for m in _ONE_SPAN.finditer(text)]
    return found


# Units of measure: "how many tonnes" is not answered by "30 metres".
_UNITS = [
    "tonne tonnes ton tons", "metre metres meter meters m", "kilometre kilometres kilometer kilometers km",
    "mile miles", "kilogram kilograms kg", "litre litres liter liters", "percent per cent %", "hectare hectares",
    "acre acres", "foot feet ft", "dollar dollars $", "euro euros €", "pound pounds £", "crown crowns",
    "hour hours", "minute minutes", "day days", "week weeks", "month months", "year years", "season seasons",
]
_UNIT_OF: dict[str, frozenset[str]] = {}
for _group in _UNITS:
    _forms = frozenset(_group.split())
    for _w in _forms:
        _UNIT_OF[_w] = _forms
_MONEY = frozenset("$ € £ ¥ dollar dollars euro euros pound pounds crown crowns rouble roubles ruble rubles hryvnia "
                   "hryvnias yuan yen franc francs krona kronor kroner rupee rupees usd eur gbp florin florins lira "
                   "zloty zlotys forint forints lei leu dinar dinars peso pesos rand shekel shekels won koruna baht "
                   "shilling shillings mark marks guilder guilders real reais lev kuna".split())
_MONEY_NOUNS = frozenset("cost costs budget price salary fee value sum pay wage wages".split())
_MONEY_VERBS = frozenset("cost costs pay paid pays spend spent spends earn earned earns charge charged charges owe owed "
                         "owes fined raise raised raises borrow borrowed lend lent invest invested donate donated "
                         "compensate compensated".split())
# Verb forms that end a counted phrase ("how many people sought care", "how many residents live…")
_VERB_FORMS = frozenset("""sought took went fled left came got made said told saw gave held kept lost met paid ran sent
    spent stood won wrote brought bought built caught chose drove fell felt fought found grew heard hid hit hurt knew
    led lay meant put quit read rode rose sat shot shut slept spoke stole struck swam taught thought threw understood
    woke wore became began broke live lives work works remain remains stay stays die dies need needs want wants get
    gets go goes come comes take takes attend attends use uses own owns seek seeks lose loses face faces""".split())
_AUXILIARIES = frozenset("was were is are be been being has have had did do does".split())
_AUX_WORDS = _AUXILIARIES | frozenset("will would could can should might may".split())  # with the modal verbs
_CHANGE_VERBS = frozenset("raise raised raises rise rose risen rises increase increased increases fall fell fallen falls drop dropped drops "
                          "grow grew grown grows cut cuts climb climbed decline declined go went up down".split())
# "how large was the Ukrainian delegation" -> "delegation": the noun before the first verb or preposition
_SUBJECT = re.compile(r"^\s*(?:a\s+)?(?:(?:is|was|are|were|has been|had been)\s+)?(?:the\s+)?(?:[\w’'-]+\s+){0,3}?"
                      r"([a-z][\w-]+)(?=\s+(?:at|in|of|on|for|that|which|who|when|before|after|during|to|by|has|have|"
                      r"had|is|was|were|are|be|been)\b|\s*[?,]|$)")
_DURATION = frozenset("hour hours minute minutes day days week weeks month months year years since decade decades "
                      "season seasons".split())
_LENGTH = frozenset("metre metres meter meters m kilometre kilometres kilometer kilometers km mile miles foot feet ft".split())

_QUANTITY_NOUNS = (r"turnout|toll|size|cost|costs|budget|price|amount|total|number|count|population|percentage|"
                   r"proportion|share|rate|figure|output|capacity|attendance|salary|fee|value|sum|tally|death toll|"
                   r"casualties|depth|length|distance|height|weight|duration|age")
_COUNTED_PHRASE = re.compile(r"(?:[\w’'-]+\s+){0,3}?[\w’'-]+(?=\s+(?:were|was|are|is|did|do|does|have|has|had|will|would|"
                             r"could|in|on|at|of|for|to|from|by|with|during|after|before|since|that|who|which)\b|\s*[?,]|$)")
_HOW_QUANTITY = re.compile(r"\bhow (many|much|long|far|deep|high|tall|large|big|wide|heavy|old|often)\b(?:\s+(?:a\s+)?(\w+))?",
                           re.I)
_WHAT_QUANTITY = re.compile(rf"\b(?:what|which)(?:\s+(?:is|was|are|were|has been|had been))?\s+(?:the\s+)?"
                            rf"(?:[\w’'.]+\s+){{0,6}}?({_QUANTITY_NOUNS})\b(?!\s+(?:to|of (?:the )?(?:talks|meeting)))", re.I)


# --- attribution --------------------------------------------------------------------------------

# "the Institute for the Study of War": "of the", "for the" go on with the name
_NAME = r"(?:(?i:the)\s+)?(?P<x>[A-Z][\w’'.&-]*(?:\s+(?:(?:of|for)\s+(?:the\s+)?|and\s+)?[A-Z][\w’'.&-]*)*)"
_ATTRIBUTION = [  # lead words in any case; the source itself capitalised
    re.compile(rf"\b(?i:according to) {_NAME}"),
    re.compile(rf"\b(?i:(?:as\s+)?reported by) {_NAME}"),
    re.compile(rf"\b(?i:did|does|do|has|have|had)\s+{_NAME}\s+(?:(?:himself|herself|itself|themselves)\s+)?"
               rf"(?i:report|say|write|claim|state|publish|announce|tell|describe|quote|warn|complain|admit|deny|"
               rf"promise|criticise|criticize|explain)\b"),
    re.compile(rf"\b(?i:told|tell|tells)\s+{_NAME}"),
    re.compile(rf"\b(?i:in|by)\s+{_NAME}['’]s?\s+(?i:report|article|story|coverage|reporting|piece|account)\b"),
    # a body named in lower case: "what did the examinations board say about…"
    # …or a role held at a named body: "what did the chief constable of Harrowdale Police say"
    re.compile(r"\b(?i:did|does|has|have|had)\s+the\s+(?P<x>(?:[a-z][\w’'-]+\s+){0,2}[a-z][\w’'-]+"
               r"(?:\s+(?:of|at|for)\s+(?:the\s+)?[A-Z][\w’'.&-]*(?:\s+[A-Z][\w’'.&-]*)*)?)\s+"
               r"(?:report|say|write|claim|state|publish|announce|tell|describe)\b"),
    # "what was the environment minister's reaction", "Brannock's response": words are asked of a speaker (a
    # position or a view may be told by others, so those stay with the name-and-topic check)
    re.compile(r"\b(?i:what|how)\s+(?i:was|were|is|are|has been)\s+(?:(?i:the)\s+)?"
               r"(?P<x>[A-Z][\w’'.&-]*(?:\s+[A-Z][\w’'.&-]*)*|(?:[a-z][\w-]+\s+){0,2}[a-z][\w-]+)['’]s?\s+"
               r"(?i:reactions?|responses?|comments?|explanation|answer|message|statement)\b"),
]
# "When Celia Voss appeared on Radio Calder, what did she say…": the pronoun stands for the person
# the question named first (a capitalised name of two words or more, followed by what they did).
_PRONOUN_SOURCE = re.compile(r"\b(?i:did|does|has|have|had)\s+(?:he|she)\s+(?:(?:himself|herself)\s+)?"
                             r"(?i:report|say|write|claim|state|announce|tell|describe)\b")
_PERSON_RUN = re.compile(r"(?<!^)\b(?P<x>[A-Z][\w’'.-]+(?:\s+[A-Z][\w’'.-]+)+)(?=\s+[a-z]|['’]s?\b)")
# Words that attribute what a sentence says to a source: the source must stand with one of them.
_SPEECH = frozenset(tokenize("said says say told tells tell according announced announces announcement stated states "
                             "statement reported reports report claimed claims added noted wrote writes warned warns "
                             "argued argues insisted insists confirmed confirms denied denies quoted quoting cited citing "
                             "estimated estimates estimate described describes called calls explained explains "
                             "acknowledged admitted urged promised pledged predicted published spokesman spokeswoman "
                             "spokesperson interview letter"))
# Words asking for someone's view, which the answer words its own way ("how soon did Merz think…")
_VIEW_WORDS = frozenset(tokenize("think thinks thought believe believes expect expects view views position stance opinion "
                                 "soon say says tell feel feels see sees"))
# Words that frame a question about the coverage rather than say what it is about.
FRAME_WORDS = frozenset(tokenize("across all coverage articles article reports report reported reporting outlets outlet "
                                 "sources source different various figures figure given mention mentioned according "
                                 "between within among against toward towards"))
# Words of a source phrase that name no one ("the articles", "the report").
_NOT_SOURCES = frozenset(tokenize("articles article coverage reports report reporting story stories"))


# --- event predicates ----------------------------------------------------------------------------

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
_WH_LEAD = re.compile(r"^(?:(?:in|on|at|near|by|from|to|for|with|of|during|since|after|before)\s+(?=wh))?"
                      r"(?:who|whom|which|what|when|where|why|how|did|was|were|has|have|is|are)\b", re.I)


# --- exclusions, across the articles, two parts ------------------------------------------------

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
    named_kind: str | None = None  # "which hotels…", "which company…": the answer must name one
    across: bool = False
    parts: tuple[str, ...] = field(default=())  # sub-questions of a two-part question


def _quantity(question: str) -> tuple[bool, frozenset[str], str | None]:
    m = _HOW_QUANTITY.search(question)
    if m:
        how, noun = m.group(1).lower(), (m.group(2) or "").lower()
        if noun == "longer" and how == "much":
            return True, _DURATION, None  # "how much longer should the warning stay"
        if noun in _AUX_WORDS or noun in ("more", "further", "less", "fewer", "higher", "lower"):
            noun = ""  # "how much did turnout rise": nothing named right after "how much"
        elif noun == "of":  # "how much of the chemical escaped" measures the chemical
            of = re.match(r"\s*of\s+(?:the\s+|a\s+|an\s+|its\s+|their\s+)?(\w+)", question[m.start(2):])
            noun = of.group(1).lower() if of else ""
        phrase = _COUNTED_PHRASE.match(question[m.start(2):]) if noun and m.group(2).lower() != "of" else None
        words = phrase.group(0).lower().split() if phrase else [noun]
        # "how many union members voted to…", "how many people sought care": the phrase ends before its verb
        words = next((words[:k] for k, w in enumerate(words[1:], 1) if w.endswith("ed") or w in _VERB_FORMS), words)
        after = set(re.findall(r"[a-z]+", question[m.end():].lower()))
        money = bool(set(words) & (_MONEY_NOUNS | {"money", "funding", "funds", "compensation", "damages"}))
        if money or (how == "much" and after & _MONEY_VERBS):
            # an amount of money, whatever its words ("how much strike pay", "how much will it cost");
            # a change in one may be a share ("how much did pay rise": "by 4.5 per cent")
            return True, _MONEY | (_UNIT_OF["percent"] if after & _CHANGE_VERBS else frozenset()), None
        # the head of the counted phrase: "how many Westmark crew members were…" counts members
        noun = words[-1] if how in ("many", "much") else noun
        counted = noun if how in ("many", "much") and noun and noun not in _UNIT_OF else None
        if how in ("large", "big") and counted is None:
            subject = _SUBJECT.search(question[m.end():])
            counted = subject.group(1) if subject else None
        if how == "long":
            if (m.group(2) or "").lower() in ("was", "is", "are", "were"):
                # "how long was the train" may ask its length ("87 cars long") as much as a time
                return True, _DURATION | _LENGTH | {"long"}, None
            return True, _UNIT_OF.get(noun, _DURATION), None
        if how in ("far", "deep", "high", "tall", "wide"):
            return True, _LENGTH, None
        return True, _UNIT_OF.get(noun, frozenset()), counted
    m = _WHAT_QUANTITY.search(question)
    if m:
        money = _MONEY_NOUNS & set(re.findall(r"[a-z]+", question[m.start():].lower())[:8])
        if money:
            return True, _MONEY, None
        noun = m.group(1).lower()
        of = re.match(r"\s+(?:number\s+)?of\s+(?:the\s+)?(\w+)", question[m.end():]) if noun in ("number", "count", "total") else None
        return True, _DIMENSION.get(noun, frozenset()), of.group(1) if of else None
    return False, frozenset(), None


# "What was the annual output" asks an amount in some measure ("1.2 million tonnes"), not a head count.
_MEASURES = frozenset(w for group in _UNITS[:11] for w in group.split()) | frozenset(
    "barrels barrel megawatts megawatt mw gigawatts gw kilowatts kw units vehicles cars litres gallons".split())
_DIMENSION = {"output": _MEASURES, "capacity": _MEASURES, "weight": _MEASURES, "depth": _LENGTH, "length": _LENGTH,
              "distance": _LENGTH, "height": _LENGTH, "duration": _DURATION, "age": frozenset({"year", "years", "old"})}


_ROLE_WORDS = ("minister|ambassador|negotiator|spokesman|spokeswoman|spokesperson|envoy|chair|chairman|chairwoman|head|"
               "leader|director|chief|commander|official|adviser|advisor|secretary|president|governor|mayor|judge|"
               "prosecutor|inspector|manager|executive|ceo|officer|delegate|diplomat")
_ROLE = re.compile(
    r"\b(?:(?i:what|which) (?:is|was|are|were) the (?:(?i:first|last|full|family|sur) ?)?names? of (?:the |a |an )?|"
    r"(?i:who) (?:is|was|are|were) the |(?i:name) the |"
    rf"(?i:which) )(?:[\w’'-]+ ){{0,3}}?(?P<role>{_ROLE_WORDS})s?\b")
_LEADS = re.compile(r"\b(?i:who) (?:(?:will|would|is to|is set to|is going to) (?:head|lead|chair|run) |"
                    r"(?:is|are|was|were) (?:heading|leading|chairing|running) |"
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


_LEAD_WORDS = frozenset(tokenize("head headed heads lead led leads leader chair chaired chairs chief ran runs "
                                 "commander commanded"))


def _named_near(text: str, anchors: frozenset[str], question: str) -> bool:
    """Whether a capitalised name the question does not contain stands within ``ROLE_SPAN`` words
    of a word whose stem is in ``anchors``, in the same sentence; a nationality ("Ukrainian
    delegation"), a month or the first word of a sentence is no name."""
    asked_words = set(tokenize(question))
    for sentence in _sentences(text):
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
_NATIONALITY = re.compile(r"(?:ian|ean|ese|ish)$|^(?:Swiss|French|Dutch|Czech|Greek|Thai|Welsh|Scots?)$")
# Words that may stand before a name without being part of it ("Ukrainian Foreign Minister …").
_QUALIFIER_LIKE = re.compile(f"{_NATIONALITY.pattern}|^(?:Foreign|Prime|Deputy|Defence|Defense|Interior|Finance)$")


def _leader_named(text: str, body: str, question: str) -> bool:
    """Whether the text names who heads ``body``: the body is there, and a name stands next to a
    word of leading ("Vladimir Medinsky, who led the delegation", "delegation head Rustem Umerov")."""
    for sentence in _sentences(text):
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


@functools.lru_cache(maxsize=4096)
def _sentences(text: str) -> tuple[str, ...]:
    """The sentences of a window ("U.S. President Donald Trump…" stays one); several checks split
    the same window, so the split is cached."""
    # Windows join sentences with spaces: a list item after a full stop ("… a day. - Hollin High
    # School's…") starts a sentence of its own.
    return tuple(piece for part in _ITEM_START.split(text) for a, b in split_sentences(part, 0, len(part))
                 for piece in [part[a:b]])


_ITEM_START = re.compile(r"(?<=[.!?”\"’:])\s+(?=[-•*–]\s)")


def _qualified(text: str, need: Asked, question: str) -> bool:
    """Whether one sentence holds the question's qualifier ("Ukrainian", in any form of it) with
    what is qualified: the role ("foreign minister") or, for a place, a name besides the qualifier."""
    asked_words = set(tokenize(question))
    for sentence in _sentences(text):
        stems = tokenize(sentence)
        if not all(any(_same_place(q, t) for t in stems) for q in need.qualifier):
            continue
        if need.place:
            others = [t for t in _names(" " + sentence) if t not in asked_words
                      and not any(_same_place(q, t) for q in need.qualifier)]
            if others:
                return True
        elif (need.role or need.leads) in stems:
            return True
    # A broad role ("which European leader") may be held under another title ("German Chancellor
    # Friedrich Merz"): only a sentence that uses the role word must carry its qualifier.
    return need.role in _BROAD_ROLES and any(need.role not in tokenize(s) for s in _sentences(text))


def _same_place(qualifier: str, stem: str) -> bool:
    """ "ukrainian" and "ukrain", "swiss" and "switzerland", "hungarian" and "hungari"."""
    return stem in equivalents(qualifier) or (len(qualifier) >= 5 and stem[:5] == qualifier[:5])


def _norm(name: str) -> str:
    return re.sub(r"^the\s+", "", name.strip(), flags=re.I).lower()


def _source(question: str, outlets: list[str]) -> tuple[str | None, str | None]:
    pronoun = _PRONOUN_SOURCE.search(question)
    person = _PERSON_RUN.search(question[: pronoun.start()]) if pronoun else None
    if person:
        return person.group("x"), None
    for pattern in _ATTRIBUTION:
        m = pattern.search(question)
        if not m:
            continue
        name = m.group("x").strip(" .")
        for outlet in outlets:
            if _norm(outlet) and (_norm(name) == _norm(outlet) or _norm(name).startswith(_norm(outlet) + " ")):
                return outlet, outlet
        return name, None
    return None, None


_ADVERBS = frozenset("last first ever already just never still also again recently finally eventually".split())


def _events(question: str) -> tuple[frozenset[str], ...]:
    """The events a question asks about, from verb forms only ("who was arrested", "which treaty
    did they sign"): "the two dead miners" names people, it asks for no death."""
    found: list[frozenset[str]] = []
    words = re.findall(r"[A-Za-z]+", _NOT_PREDICATE.sub(" ", question))
    for i, word in enumerate(words):
        event = _EVENT_OF.get(word) if word.islower() else None
        if event is None or event in found:
            continue
        # (an adverb right before makes it the verb of the question: "when were the seals last replaced")
        if (word.endswith("ed") and i > 0 and words[i - 1].islower() and words[i - 1] not in STOP_WORDS
                and words[i - 1] not in _ADVERBS and not words[i - 1].endswith("ly")
                and not set(w.lower() for w in words[max(0, i - 4) : i]) & _AUXILIARIES
                and set(w.lower() for w in words[:i]) & _AUX_WORDS):
            continue  # "the review of crew fatigue agreed as part of…" describes the review, asks nothing of it
        if i > 0 and words[i - 1].lower() == "to":
            continue  # "the people who registered to attend": the question itself does not say they did
        if i > 0 and words[i - 1].lower() in ("what", "which"):
            continue  # "what vote does Putin say…" asks which one, not whether it was held
        if word in _RECEIPT:
            event = event | _received(words[i + 1 : i + 4])
        found.append(event)
    for m in _OUTCOME.finditer(question):
        event = _NOUN_EVENT[m.group("ev").lower()]
        if event not in found:
            found.append(event)
    return tuple(found)


_RECEIPT = frozenset("receive received receives".split())
_NOMINAL = re.compile(r"(?:ment|ation|ition|ion|ance|ence)$")


def _received(after: list[str]) -> frozenset[str]:
    """What a receiving is of says the event as well: "received hospital treatment" is "treated in
    hospital", "received compensation" is "compensated"."""
    run = list(itertools.takewhile(lambda w: w.islower() and w not in STOP_WORDS, after))
    if not run:
        return frozenset()
    stem = next(iter(tokenize(run[-1])), "")
    return frozenset(t for t in (stem, _NOMINAL.sub("", stem)) if len(t) >= 4)


def _realis(question: str) -> bool:
    """Whether the question takes its events as having happened: not "would Switzerland arrest
    him", "is a summit possible", "did they sign" (a yes/no question presupposes nothing)."""
    return not _MODAL_QUESTION.search(question[:1].lower() + question[1:])


def mentions(text: str, event: frozenset[str], realis: bool) -> list[tuple[list[str], int]]:
    """Where the text states the event: (the words of its sentence, the event word's index). With
    ``realis``, only where it is reported as having happened, not just after a word of possibility,
    intent or denial ("would be arrested", "ready to meet", "did not sign")."""
    found = []
    for sentence in _sentences(text):
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


def _event_place(question: str) -> tuple[frozenset[str], frozenset[str]]:
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


def _at_place(words: list[str], i: int, place: frozenset[str], via: frozenset[str] = frozenset()) -> bool:
    """Whether the event word at ``i`` is tied to the place: "talks in Istanbul", "the Istanbul
    talks"; not "talks between Moscow and Kyiv" nor "signed a decree … talks in Istanbul". With
    ``via`` (the question's words between the event and the place), the place may follow those
    words: "attend this week's peace talks between Moscow and Kiev in Istanbul"."""
    def is_place(word: str) -> bool:
        return any(_same_place(p, t) for p in place for t in tokenize(word))

    starts = [i] + [j for j in range(i + 1, min(len(words), i + 1 + PLACE_SPAN)) if set(tokenize(words[j])) & via]
    for start in starts:
        after = words[start + 1 : start + 1 + PLACE_SPAN]
        if any(is_place(w) and k > 0 and after[k - 1].lower() in ("in", "at") for k, w in enumerate(after)):
            return True
    return any(is_place(w) for w in words[max(0, i - 2) : i])


def _event_object(question: str, events: tuple[frozenset[str], ...]) -> str | None:
    """The kind of thing an asked event acted on: "which treaty did they sign" -> "treaty"."""
    m = _EVENT_OBJECT.search(question) if events else None
    if m is None or next(iter(tokenize(m.group("n"))), "") in _NAME_KINDS | {""}:
        return None
    return m.group("n")


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


def _object_fits(words: list[str], i: int, noun: str, related: Callable[[str, str], bool] | None) -> bool:
    """Whether the words after an event word name the asked kind of object ("signed a decree" is
    not "which treaty did they sign"); the kind named anywhere in the sentence also fits."""
    if set(tokenize(noun)) & set(tokenize(" ".join(words))):
        return True
    following = [w for w in words[i + 1 : i + 5] if w.lower() not in STOP_WORDS][:2]
    return any(related(noun, w) if related else tokenize(w) == tokenize(noun) for w in following)


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


_SAID_ABOUT = re.compile(r"\b(?:say|says|said|tell|tells|told|write|wrote|claim|claimed|state|stated|think|thinks|"
                         r"report|reported|announce|announced|complain|complained|"
                         r"argue|argued|warn|warned|comment|commented|remark|remarked|add|added|explain|explained)\s+"
                         r"(?:[\w’'-]+\s+){0,3}?(?:about|regarding|concerning)\s+(?P<t>[^?]+)", re.I)


def _topic(question: str, source: str | None) -> frozenset[str]:
    """What a named source is asked to have said something about: "what did Vik say about the
    loading ramp" -> {load, ramp}; nothing without a source or an "about"."""
    m = _SAID_ABOUT.search(question) if source else None
    if m is None:
        return frozenset()
    return frozenset(tokenize(m.group("t"))) - set(tokenize(source or "")) - FRAME_WORDS


def asked(question: str, outlets: list[str] | None = None) -> Asked:
    """What ``question`` asks beyond its topic (``outlets``: the library's, to tell a cited outlet
    from any other source)."""
    quantity, unit, counted = _quantity(question)
    source, outlet = _source(question, outlets or [])
    excluded: frozenset[str] = frozenset()
    excluded_name = False
    m = _EXCLUSION.search(question)
    if m:
        excluded = frozenset(tokenize(m.group("x")))
        excluded_name = bool(re.search(r"\b[A-Z][a-z]", m.group("x")))
    role, leads, qualifier, place = _role(question)
    events = _events(question)
    place_of = _event_place(question)
    return Asked(
        quantity=quantity, unit=unit, counted=counted, role=role, leads=leads, qualifier=qualifier, place=place,
        source=source, outlet=outlet, events=events, realis=bool(events) and _realis(question), event_place=place_of[0],
        event_via=place_of[1],
        event_object=_event_object(question, events),
        years=tuple(dict.fromkeys(_YEAR.findall(question))),
        months=tuple(dict.fromkeys(_MONTH_NAMES.index(m) + 1 for m in _ASKED_MONTH.findall(question))), excluded=excluded, excluded_name=excluded_name,
        across=bool(_ACROSS.search(question)), parts=split_parts(question),
        topic=_topic(question, source if not outlet else None),
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
_ADVERBIAL = frozenset("once twice thrice".split())
_HEAD_SKIP = frozenset("of the a an more than about some nearly over almost around roughly at least up to only just and "
                       "per cent percent million billion thousand hundred new other".split())


_LABEL = re.compile(r"(?:^|[-•*–]\s|\n)\s*(?P<l>[A-Za-z][\w’'-]*(?:\s+[A-Za-z][\w’'-]*){0,4}):\s*(?:about |roughly |around |nearly |more than |at least )?$")
_SHARE = re.compile(r"%|\bper ?cent\b|^\s*(?:%|per ?cent\b|percentage points?\b)", re.I)


def _plural(word: str) -> bool:
    return word.islower() and len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))


def heads(text: str, question: str, spans: bool = False) -> list[str | None]:
    """For each count the text states that the question does not, the word it counts ("46 miners"
    -> "miners", "one-fifth of Ukraine" -> "Ukraine"), or None when no noun follows it."""
    asked_words = set(re.findall(r"[\w.,%]+", question.lower()))
    out: list[str | None] = []
    for token in counts(text, spans):
        if token.lower() in asked_words:
            continue  # the question's own number is no answer
        at = text.find(token)
        after = text[at + len(token):at + len(token) + 60] if at >= 0 else ""
        if _SHARE.search(token) or _SHARE.match(after):
            out.append("percent")  # "4.5 per cent" is a share, not a head count of members
            continue
        if at > 0 and text[at - 1] in "$€£¥":
            out.append(text[at - 1])
            continue
        label = _LABEL.search(text[:at]) if at > 0 else None
        if label:  # "- Elective surgeries postponed: 214": the label names what is counted
            out += [w for w in re.findall(r"[A-Za-z][\w’'-]*", label.group("l"))
                    if w.lower() not in STOP_WORDS and not w.endswith("ed")]
            if re.match(r"\s*[,;.)]|\s*$", after):
                continue  # "214, covering operations booked…" counts what the label names
        following = re.findall(r"[A-Za-z][\w’'-]*", after)
        at_head = next((i for i, w in enumerate(following[:4]) if w.lower() not in _HEAD_SKIP), None)
        head = following[at_head] if at_head is not None else None
        if head is not None and (head.lower() in STOP_WORDS or token.lower() in _ADVERBIAL):
            head = None  # "once, as part of…", "46 were…": nothing named after the count
        out.append(head)
        if head is not None and head.lower() not in _MEASURES and at_head is not None:
            # "3,000 dead fish", "1,200 Velmont residents": the noun may come after a modifier
            clause = re.split(r"[,.;:!?()]", after, maxsplit=1)[0]
            rest = re.findall(r"[A-Za-z][\w’'-]*", clause)[at_head + 1 : at_head + 3]
            nouns = list(itertools.takewhile(lambda w: w.lower() not in STOP_WORDS and not w.endswith("ed"), rest))
            if nouns and _plural(nouns[0]) and not _plural(head):
                out.pop()  # "14 fire engines", "two Brannock employees": a singular modifier counts nothing
            out += nouns
        if head is not None and head.lower() in _MEASURES and following[at_head + 1 : at_head + 2] == ["of"]:
            # "2,400 tonnes of bottle glass" measures glass: the last noun before the phrase ends
            after = itertools.dropwhile(lambda w: w.lower() in STOP_WORDS, following[at_head + 2 : at_head + 6])
            phrase = list(itertools.takewhile(lambda w: w.lower() not in STOP_WORDS and not w.endswith("ed"), after))[:3]
            if phrase:
                out.append(phrase[-1])
    return out


def _has_count(text: str, question: str, need: Asked, ctx: Context,
               related: Callable[[str, str], bool] | None) -> bool:
    if need.unit and not _unit_near(text, need.unit):
        return False
    counted = next(iter(tokenize(need.counted or "")), None)
    # What the count must be about: the question's rarer terms, or any of its terms if it has none.
    about = (ctx.specific - {counted}) or (frozenset(analyse(question).terms) - {counted})
    for sentence in _sentences(text):
        found = heads(sentence, question, spans=bool(need.unit & _DURATION))
        if not found:
            continue
        if related is None and need.counted is None:
            return True  # nothing to compare the count with, no corpus to weigh the question's words
        if need.counted is None:
            if not about or _shares(about, tokenize(sentence)):
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
        if (exact and not ctx.specific) or not about or _shares(about, tokenize(sentence)):
            return True
    return False


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
    sentences = [tokenize(s) for s in _sentences(text)]
    named = [_shares(names, stems) for stems in sentences]
    total = sum(topic.values()) or 1.0
    raw = _sentences(text)
    for i in range(len(sentences)):
        if not named[i]:
            continue
        near = [t for j in sorted(set(range(max(0, i - 1), min(len(sentences), i + 2))) | _quote_run(raw, i))
                for t in sentences[j]]
        if sum(w for t, w in topic.items() if _shares(frozenset({t}), near)) >= TOPIC_SHARE * total:
            return True
    return False


QUOTE_RUN = 4  # sentences a quotation may run on before or after the sentence that names its speaker


def _quote_run(sentences: tuple[str, ...], i: int) -> set[int]:
    """The sentences of a quotation that goes on from the one named in sentence ``i``: '"This was one
    of the most dangerous incidents," said Idowu. "Ammonia can kill. The speed of the evacuation saved
    lives."' gives Idowu the last sentence too; likewise a quotation that opened sentences before."""
    run: set[int] = set()
    if i + 1 < len(sentences) and re.match(r"\s*[“\"]", sentences[i + 1]):
        for j in range(i + 1, min(len(sentences), i + 1 + QUOTE_RUN)):
            run.add(j)
            if re.search(r"[”\"]\s*$|[”]", sentences[j][1:]):
                break
    if _closes_quote(sentences[i]):
        for j in range(i - 1, max(-1, i - 1 - QUOTE_RUN), -1):
            run.add(j)
            if re.match(r"\s*[“\"]", sentences[j]):
                break
    return run


def _closes_quote(sentence: str) -> bool:
    """Whether the sentence opens inside a quotation: its first quotation mark closes one
    ('C is everywhere,” said Bob.'), not 'Bob called the plan “bad”.'."""
    curly = re.search(r"[“”]", sentence)
    if curly:
        return curly.group(0) == "”"
    at = sentence.find('"')
    return sentence.count('"') % 2 == 1 and at > 0 and sentence[at - 1] in ",.!?;:—–-"


def _shares(terms: frozenset[str], stems: list[str]) -> bool:
    """Whether the stems hold one of the terms, or a word of the same family ("rescuers" for "rescued")."""
    return any(t in stems or (len(t) >= 4 and any(len(s) >= 4 and (s.startswith(t) or t.startswith(s)) for s in stems))
               for t in terms)


def _unit_near(text: str, unit: frozenset[str]) -> bool:
    words = set(re.findall(r"[\w%$€£]+", text.lower())) | set(re.findall(r"[%$€£]", text))
    return bool(words & unit) or bool(unit & _DURATION and re.search(r"\bsince\b|-(?:day|week|month|year)\b", text, re.I))


def failure(need: Asked, text: str, question: str, ctx: Context,
            related: Callable[[str, str], bool] | None = None) -> str | None:
    """Why a window of evidence ``text`` does not answer what ``need`` asks, or None when it may
    (``related(a, b)``: whether two nouns name the same kind of thing)."""
    if need.quantity and not _has_count(text, question, need, ctx, related):
        return "no count of the asked thing"
    if need.outlet is not None:
        if _norm(ctx.outlet) != _norm(need.outlet):
            return f"not from {need.outlet}"
    elif need.source is not None:
        stems = [s for s in tokenize(need.source) if s not in _NOT_SOURCES]
        if stems and not _attributed(f"{ctx.before} {text}", frozenset(stems)):
            return f"{need.source} is not the source of these sentences"
        if stems and need.topic and not _said_about(f"{ctx.before} {text}", frozenset(stems), need.topic, ctx.weights):
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
        if need.event_place and not any(_at_place(w, i, need.event_place, need.event_via) for w, i in stated):
            return "the asked event is not reported at the asked place"
        if need.event_object and not any(_object_fits(w, i, need.event_object, related) for w, i in stated):
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
        if _shares(kind, [t for w in before + re.findall(r"[\w’'-]+", m.group(0)) + after for t in tokenize(w)]):
            return True
    return False


def _left_open(text: str, question: str) -> bool:
    """Whether the window says the asked thing is not known yet: every sentence that names the
    asked kind ("which venue", "when": a date) says it is undetermined, and, for a "when", no
    sentence gives a date."""
    answer_type = analyse(question).answer_type
    dated = answer_type in ("date", "day", "when")
    which = _WHICH_NOUN.match(_core(question))  # "which foundry cast the clamps"
    kind = asked_kind(question) or (frozenset(tokenize(which.group("k"))) if which else frozenset()) or (
        _DATE_KIND if dated else frozenset())
    if not kind:
        return False
    sentences = _sentences(text)
    about = [s for s in sentences if _shares(kind, tokenize(s))]
    if not about or not all(_open_about(s, kind) for s in about):
        return False
    if any(_NO_NEW.search(s) for s in about):
        return True  # "no new date has been set": the date given is the one that no longer holds
    return not (dated and any(novel_match(answer_type, s, question) for s in sentences))


_WHICH_NOUN = re.compile(r"^\s*which\s+(?P<k>[a-z][\w’'-]*)\b", re.I)
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


def _attributed(text: str, source: frozenset[str]) -> bool:
    """Whether the text gives the source as saying something: named in a sentence that, or whose
    next sentence ("Varn Lines, the operator, … . The company said…"), holds a word of speech or a
    quotation. "An arrangement with the examinations board" is not the board saying anything."""
    return bool(_speaking(_sentences(text), source))


def _speaking(sentences: tuple[str, ...], source: frozenset[str]) -> list[int]:
    """The sentences that give the source as speaking: named (not inside someone's quoted words:
    "…if Zelensky is ready, let him come,” Putin said is Putin speaking), with a word of speech or
    a quotation in it or in the next sentence."""
    said = [bool(set(tokenize(s)) & _SPEECH) or bool(re.search(r"[“”\"]", s)) for s in sentences]
    return [i for i, s in enumerate(sentences)
            if source <= set(tokenize(_unquoted(s))) and any(said[i : i + 2]) and _speaks(s, source)]


_GOES_ON = re.compile(r"\s*(?:He|She|They|His|Her|Their)\b")  # "He praised the fishermen…" after "Holm said…"
SAID_SHARE = 0.5  # share of the asked topic's weight the source's own words must hold
QUOTE_REACH = 2  # sentences before a speaker's sentence that may be their quotation going on


def _said_about(text: str, source: frozenset[str], topic: frozenset[str], weights: Mapping[str, float]) -> bool:
    """Whether the source's own words in the text are about the topic (most of its weight, rare
    words weighing most). Their own words: the sentence that gives them as speaking, the quoted
    sentences next to it, and the next one when it goes on about them as "he" or "she". "What did
    Vik say about the loading ramp" is not answered by Vik on the town next to a sentence on the ramp."""
    sentences = _sentences(text)
    own: set[str] = set()
    for i in _speaking(sentences, source):
        for j in range(max(0, i - QUOTE_REACH), min(len(sentences), i + 2)):
            if j == i or re.search(r"[“”\"]", sentences[j]) or (j == i + 1 and _GOES_ON.match(sentences[j])):
                own |= set(tokenize(sentences[j]))
    weight = {t: weights.get(t, 1.0) for t in topic}
    held = sum(w for t, w in weight.items() if _shares(frozenset({t}), list(own)))
    return held >= SAID_SHARE * (sum(weight.values()) or 1.0)


_CURLY_QUOTE = re.compile(r"“[^”]*”")
_STRAIGHT_QUOTE = re.compile(r'"[^"]*"')


def _unquoted(sentence: str) -> str:
    """The sentence without the words inside quotation marks, also a quotation that began in the
    sentence before (text up to a closing mark) or goes on in the next (text after an opening one)."""
    text = _CURLY_QUOTE.sub(" ", sentence)
    if "”" in text:
        text = text[text.rindex("”") + 1 :]
    if "“" in text:
        text = text[: text.index("“")]
    text = _STRAIGHT_QUOTE.sub(" ", text) if text.count('"') % 2 == 0 else text
    if text.count('"') == 1:
        at = text.index('"')
        closing = at > 0 and text[at - 1] in ",.!?;:—–-"
        text = text[at + 1 :] if closing else text[:at]
    return text


def _speaks(sentence: str, source: frozenset[str]) -> bool:
    """Whether the source may be who speaks in a sentence: not when it is first named after a word
    of speech that someone named before it speaks ("Putin said Zelensky should go" is not
    Zelensky speaking; "…, said Zelensky." and "Zelensky, in Kyiv, said" are)."""
    words = re.findall(r"[\w’'-]+|[^\w\s]", sentence)
    stems = [set(tokenize(w)) for w in words]
    first = next((i for i, st in enumerate(stems) if st & source), None)
    speech = next((i for i, st in enumerate(stems) if st & _SPEECH), None)
    if first is None or speech is None or speech > first:
        return True
    j = first + 1
    while j < len(words) and stems[j] & source:
        j += 1
    if j >= len(words) or not words[j][:1].islower():
        return True  # "…," said Zelensky.
    return not any(w[:1].isupper() and w.lower() not in STOP_WORDS for w in words[1:speech])


def _named_kind(question: str) -> str | None:
    """The kind known by a proper name that a which-question asks for ("which hotels took in…" -> "hotel")."""
    m = re.match(r"\s*(?:which|what)\s+((?:[\w’'-]+\s+){0,3})", _core(question), re.I)
    if not m:
        return None
    for word in m.group(1).split():
        if word.lower() in _AUX_WORDS:
            break
        stem = next(iter(tokenize(word)), "")
        if stem in _WHICH_NAMED:
            return stem
    return None


def _new_name(text: str, question: str) -> bool:
    """Whether the text names something the question does not (a capitalised word inside a
    sentence, not a month or a day)."""
    asked_words = set(tokenize(question))
    # a sentence may open with a name when it is a possessive or two words: "Switzerland's foreign
    # minister said…", "New Zealand said…"
    words = [m.group(0) for m in re.finditer(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w’'-]+", text)]
    words += [m.group(1) for m in _OPENING_NAME.finditer(text)]
    return any(t not in asked_words and t not in _CALENDAR_STEMS
               for w in words if not _NATIONALITY.search(w) for t in tokenize(w))


_OPENING_NAME = re.compile(r"(?:^|[.!?]\s)\s*([A-Z][\w-]+)(?=['’]s\b|\s+[A-Z][a-z])")


_CALENDAR_STEMS = frozenset(t for w in _CALENDAR for t in tokenize(w))


def _names(text: str) -> list[str]:
    return [s for m in re.finditer(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w’'-]+", text) for s in tokenize(m.group(0))]
