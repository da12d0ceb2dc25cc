"""Counts and amounts: which numbers a text states, what each counts, and what quantity a question
asks for ("how many miners", "what was the turnout", "how much longer")."""

from __future__ import annotations

import itertools
import re

from rag.lexical import STOP_WORDS

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

_MONEY_VERBS = frozenset("cost costs costing pay paid pays paying spend spent spends spending earn earned earns charge "
                         "charged charges charging owe owed "
                         "owes fined raise raised raises borrow borrowed lend lent invest invested donate donated "
                         "compensate compensated".split())

# Verb forms that end a counted phrase ("how many people sought care", "how many residents live…")
_VERB_FORMS = frozenset("""sought took went fled left came got made said told saw gave held kept lost met paid ran sent
    spent stood won wrote brought bought built caught chose drove fell felt fought found grew heard hid hit hurt knew
    led lay meant put quit read rode rose sat shot shut slept spoke stole struck swam taught thought threw understood
    woke wore became began broke live lives work works remain remains stay stays die dies need needs want wants get
    gets go goes come comes take takes attend attends use uses own owns seek seeks lose loses face faces""".split())

AUXILIARIES = frozenset("was were is are be been being has have had did do does".split())

AUX_WORDS = AUXILIARIES | frozenset("will would could can should might may".split())  # with the modal verbs

_CHANGE_VERBS = frozenset("raise raised raises rise rose risen rises increase increased increases fall fell fallen falls drop dropped drops "
                          "grow grew grown grows cut cuts climb climbed decline declined go went up down".split())

# "how large was the Ukrainian delegation" -> "delegation": the noun before the first verb or preposition
_SUBJECT = re.compile(r"^\s*(?:a\s+)?(?:(?:is|was|are|were|has been|had been)\s+)?(?:the\s+)?(?:[\w’'-]+\s+){0,3}?"
                      r"([a-z][\w-]+)(?=\s+(?:at|in|of|on|for|that|which|who|when|before|after|during|to|by|has|have|"
                      r"had|is|was|were|are|be|been)\b|\s*[?,]|$)")

DURATION = frozenset("hour hours minute minutes day days week weeks month months year years since decade decades "
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


def quantity_asked(question: str) -> tuple[bool, frozenset[str], str | None]:
    m = _HOW_QUANTITY.search(question)
    if m:
        how, noun = m.group(1).lower(), (m.group(2) or "").lower()
        if noun == "longer" and how == "much":
            return True, DURATION, None  # "how much longer should the warning stay"
        if noun in AUX_WORDS or noun in ("more", "further", "less", "fewer", "higher", "lower"):
            noun = ""  # "how much did turnout rise": nothing named right after "how much"
        elif noun == "of":  # "how much of the chemical escaped" measures the chemical
            # "how many of Skerrin Air's planes" counts the planes, not the owner
            of = re.match(r"\s*of\s+(?:the\s+|a\s+|an\s+|its\s+|their\s+)?(?:(?:[\w-]+\s+){0,2}[\w-]+['’]s\s+)?(\w+)",
                          question[m.start(2):])
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
                return True, DURATION | _LENGTH | {"long"}, None
            return True, _UNIT_OF.get(noun, DURATION), None
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
              "distance": _LENGTH, "height": _LENGTH, "duration": DURATION, "age": frozenset({"year", "years", "old"})}


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


def unit_near(text: str, unit: frozenset[str]) -> bool:
    words = set(re.findall(r"[\w%$€£]+", text.lower())) | set(re.findall(r"[%$€£]", text))
    return bool(words & unit) or bool(unit & DURATION and re.search(r"\bsince\b|-(?:day|week|month|year)\b", text, re.I))
