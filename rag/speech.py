"""Who said what in one article: rule-based speech attribution, offline, linear in the text.

Finds direct quotes ("...," X said) and reported speech (X said that ...), names the speaker (a
person by the full name the article introduces, or an organisation) and the role the article
gives that speaker. Precision comes first: a statement whose speaker cannot be told with
confidence is left out rather than guessed, and a pronoun is never returned as a speaker.

How it works, per document:
1. quotes are found per paragraph and masked, so no rule ever reads words inside a quote;
2. a registration pass builds the entity table: full names with the roles stated for them
   ("Kremlin spokesman Dmitry Peskov", "Ivan Stupak, an adviser to ...,") and surname -> name;
3. a pass in text order finds speech frames (a speech verb with its subject, or a connector that
   carries the subject over: ", saying", ", but added"), cuts the reported clause or takes the
   adjacent quote, and resolves pronouns and descriptions ("the Russian leader") against the
   people mentioned so far;
4. a quote with no frame is attributed only when it continues a claim of the previous sentence.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

from rag.sentences import paragraphs
from rag.types import Document, Sentence

ClaimKind = Literal["direct", "reported"]


@dataclass(frozen=True)
class SpeechClaim:
    """One attributed statement: ``doc.text[start:end] == text``, inside its sentence span."""

    speaker: str  # full name as the article introduces it, or an organisation ("the Kremlin")
    role: str | None  # the role the article states for the speaker anywhere, as written
    kind: ClaimKind  # "direct": words in quotation marks; "reported": a clause ("said that ...")
    start: int  # the quoted words (without the marks) or the reported clause
    end: int
    text: str
    sentence_start: int  # the sentences holding the claim and its attribution
    sentence_end: int
    speaker_start: int | None  # the name, pronoun or description in the text; None: carried over
    speaker_end: int | None
    outlet_voice: bool = False  # always False here: the outlet's own voice is ``outlet_voice(doc)``
    verb: str = ""  # the speech verb as written ("said", "denied", "according to"): "denied" inverts


# --- word lists: general English news vocabulary, nothing per article -----------------------------

_SPEECH_LEMMAS = (
    "say said says|tell told tells|add added adds|state stated|claim claimed claims|"
    "insist insisted insists|warn warned warns|note noted notes|stress stressed stresses|"
    "argue argued argues|announce announced announces|urge urged urges|assert asserted asserts|"
    "accuse accused accuses|deny denied denies|suggest suggested suggests|explain explained explains|"
    "emphasise emphasised emphasises|emphasize emphasized emphasizes|declare declared declares|"
    "confirm confirmed confirms|reveal revealed reveals|reply replied|highlight highlighted highlights|"
    "admit admitted admits|acknowledge acknowledged acknowledges|maintain maintained maintains|"
    "indicate indicated indicates|recall recalled recalls|write wrote writes|reiterate reiterated reiterates|"
    "tweet tweeted tweets"
)
_FINITE = {form for group in _SPEECH_LEMMAS.split("|") for form in group.split()[1:]}
# Verbs that take a clause without "that" ("said Russia was ready"); the others need "that".
_ZERO_THAT = {
    "said", "says", "told", "tells", "added", "adds", "claimed", "claims", "insisted", "insists", "warned",
    "warns", "stated", "argued", "argues", "asserted", "asserts", "stressed", "stresses", "declared",
    "declares", "denied", "denies", "indicated", "indicates", "maintained", "maintains", "explained",
    "explains", "emphasised", "emphasized", "emphasises", "emphasizes", "suggested", "suggests",
    "acknowledged", "admitted", "saying", "adding", "claiming", "insisting", "warning", "stating",
    "arguing", "asserting", "stressing", "declaring", "denying", "explaining", "emphasising",
    "emphasizing", "suggesting", "maintaining", "acknowledging", "admitting",
}
_PARTICIPLES = {
    "saying", "adding", "insisting", "claiming", "stressing", "warning", "noting", "arguing", "explaining",
    "declaring", "stating", "asserting", "reminding", "suggesting", "emphasising", "emphasizing",
    "maintaining", "acknowledging", "admitting", "denying", "telling", "recalling",
}
# Verbs that introduce a quote after a colon but carry no claim of their own ("Putin spoke on X:").
_INTRO_ONLY = {"spoke", "speaks", "commented", "remarked", "continued"}
_ALL_VERBS = _FINITE | _PARTICIPLES | _INTRO_ONLY
_TOLD = {"told", "tells", "telling"}

_ROLE_NOUNS = {
    "president", "minister", "spokesman", "spokeswoman", "spokesperson", "chancellor", "leader", "aide",
    "adviser", "advisor", "chief", "head", "secretary", "ambassador", "envoy", "official", "director",
    "commander", "premier", "governor", "mayor", "senator", "congressman", "congresswoman", "lawmaker",
    "chairman", "chairwoman", "chair", "fellow", "analyst", "expert", "dictator", "king", "queen",
    "prince", "princess", "pope", "ceo", "deputy", "representative", "negotiator", "diplomat", "officer",
    "mp", "correspondent", "editor", "professor", "researcher", "economist", "journalist", "founder",
    "commissioner", "politician", "strategist", "lawyer", "prosecutor", "judge", "attorney", "general",
    "colonel", "lieutenant", "captain", "admiral", "marshal", "emir", "sultan", "monarch", "speaker",
    "counterpart", "vice-president", "patriarch", "ombudsman", "ombudswoman", "teacher", "doctor", "nurse",
    "soldier", "student", "farmer", "engineer", "scientist", "historian", "activist", "volunteer", "resident",
    "priest", "manager", "owner", "author", "commentator", "blogger", "observer", "scholar", "lecturer",
    "banker", "pilot", "veteran", "survivor",
}
# Nouns that show a person but are not a role worth reporting ("Ukrainian counterpart X").
_EVIDENCE_ONLY = {"counterpart"}
_ROLE_MODIFIERS = {
    "former", "deputy", "senior", "top", "chief", "foreign", "prime", "defence", "defense", "presidential",
    "acting", "vice", "interior", "finance", "press", "state", "special", "military", "security",
    "national", "assistant", "economy", "justice", "health", "energy", "first", "executive", "lead",
    "opposition", "current", "outgoing", "incoming", "kremlin", "ukrainian", "russian",
}
_ORG_NOUNS = {
    "ministry", "office", "council", "committee", "court", "forum", "institute", "center", "centre",
    "house", "times", "post", "news", "agency", "service", "party", "parliament", "assembly", "bank",
    "fund", "union", "organization", "organisation", "army", "forces", "force", "guard", "department",
    "commission", "group", "university", "federation", "kremlin", "pentagon", "government",
    "administration", "embassy", "navy", "police", "cabinet", "senate", "congress", "duma", "rada",
    "company", "corporation", "foundation", "association", "alliance", "bureau", "authority",
    "authorities", "board", "secretariat", "command", "staff", "mission", "delegation", "directorate",
    "network", "press", "media", "region", "republic", "kingdom", "states", "nations",
}
_TOP_ROLES = {"president", "premier", "chancellor", "leader", "dictator", "king", "queen", "monarch",
              "emir", "sultan", "chief", "head"}
_GENERIC_HEADS = {"leader", "chief", "head"}
_MALE = {"spokesman", "chairman", "congressman", "king", "prince", "ombudsman", "mr", "mr."}
_FEMALE = {"spokeswoman", "chairwoman", "congresswoman", "queen", "princess", "ombudswoman",
           "mrs", "mrs.", "ms", "ms.", "miss"}
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
]
# Capitalised words that start sentences or clauses but never name anyone.
_STOP = set(_DAYS) | set(_MONTHS[:12]) | {
    "The", "A", "An", "This", "That", "These", "Those", "It", "He", "She", "They", "We", "I", "You", "His",
    "Her", "Its", "Their", "Our", "My", "But", "And", "Or", "So", "If", "In", "On", "At", "As", "After",
    "Before", "During", "Despite", "Although", "Though", "However", "Meanwhile", "Speaking", "According",
    "Earlier", "Later", "Last", "Next", "Separately", "Still", "Yet", "Now", "Then", "Today", "Yesterday",
    "Tomorrow", "Also", "While", "When", "Whether", "Why", "What", "Who", "Whom", "Which", "How", "There",
    "Here", "Both", "All", "Some", "Many", "Most", "No", "Not", "Only", "Even", "Just", "For", "From", "To",
    "With", "By", "Of", "Under", "Over", "Since", "Until", "Unlike", "Like", "Amid", "Against", "Following",
    "Asked", "Without", "Instead", "Additionally", "Moreover", "Furthermore", "Overall", "Indeed", "Perhaps",
    "Reports", "Officials", "Analysts", "Critics", "Experts", "Sources", "Mr", "Mrs", "Ms", "Dr", "Mr.", "Mrs.",
    "Ms.", "Dr.", "Dear", "Please", "Thank", "Photo", "Related", "Read", "See", "Watch", "Listen",
}
_INTRO_STARTS = {
    "In", "On", "At", "After", "Before", "During", "Despite", "Speaking", "Asked", "When", "While", "Meanwhile",
    "However", "Following", "Earlier", "Later", "Separately", "Last", "This", "Since", "Although", "Though",
    "Because", "As", "Amid", "Under", "Over", "From", "With", "Without", "Unlike", "Like", "But", "And", "Yet",
}
# Lower-case words inside names: "Ursula von der Leyen", "Bashar al Assad".
_PARTICLES = {"de", "von", "van", "der", "den", "da", "di", "du", "dos", "das", "bin", "ibn", "al", "el", "la", "le"}

# --- patterns, compiled once ----------------------------------------------------------------------

def _trie(words: set[str] | list[str]) -> str:
    """A regex alternation of ``words`` as a prefix tree: the engine tries one branch per letter."""
    tree: dict = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return f"(?:{build(tree)})"


_Q_CHARS = re.compile("[\u201c\u201d\"\u2018\u2019]")
# A capitalised word: "Putin", "U.S.", "U.S.-based", "Mr.", "O’Brien". Every branch starts with the
# capital, which lets the regex engine skip ahead to the next capital letter.
_CAP_REST = r"(?:(?:\.[A-Z])+\.(?:-[A-Za-z]+)?|(?<=M)(?:rs?|s)\.|(?<=D)r\.|[\w-]*(?:[’'][A-Za-z]{2,}[\w-]*)*)"
_CAP = rf"[A-ZÀ-ÖØ-Þ]{_CAP_REST}"
_CAP_START = rf"[A-ZÀ-ÖØ-Þ](?<![\w’'.\-].){_CAP_REST}"  # one that starts a word
_POSS = rf"(?:{_CAP})[’']s\b"
_LC = _trie(_ROLE_NOUNS | _ROLE_MODIFIERS | _ORG_NOUNS)
_TOK = rf"(?:(?:{_CAP})(?:[’']s\b)?|(?:{_LC})\b|of\b|for\b|the\b|and\b|{_trie(_PARTICLES)}\b)"
_PHRASE = rf"{_TOK}(?:[ \t]*\n?[ \t]*{_TOK}){{0,11}}"
_PRON = r"\b(?:[Hh]e|[Ss]he|[Ii]t|[Tt]hey|I|[Ww]e)"
_TIMEW = "|".join(_DAYS + _MONTHS + ["week", "month", "year", "weekend", "morning", "evening", "night"])
_ADV = (rf"(?:also|later|again|once|then|still|further|only|not|never|has|have|had|did|does|do|will|would|"
        rf"was|were|is|are|been|be|being|on|in|last|this|earlier|today|yesterday|[a-z]+ly|{_TIMEW}|\d{{1,4}})")
_APPOS = r"(?:\s*,\s*[^,;:\x00]{1,160}?\s*,|\s+[–—]\s+[^–—\x00]{1,200}?\s+[–—])"
_WTOKEN = re.compile(r"[\w’'.\-]+|\x00+|[^\w\s]")
_TOK_FULL = re.compile(_TOK)
_ADV_FULL = re.compile(_ADV)
_NOT_OWN = {"not", "never", "was", "were", "is", "are", "been", "be", "being"}
_CONNECTORS = {"and", "of", "for", "the"} | _PARTICLES
_PRONOUN_FORMS = {"he", "she", "it", "they", "He", "She", "It", "They", "I", "we", "We"}
_CONNECTOR = re.compile(rf"(?:,|\band|\bbut|\bby|\bwhile|\bbefore|\bafter)(?:\s+{_ADV}){{0,3}}\s+$")
_VERB = re.compile(r"(?<![\w\-’'])" + _trie(_ALL_VERBS) + r"(?![\w\-’'])")
_ACCORDING = re.compile(r"(?<![\w-])[Aa]ccording\s+to\s+")
# A lookahead for a letter first: the engine then skips spaces and punctuation quickly.
_PHRASE_RE = re.compile(rf"(?=[A-Za-zÀ-ÖØ-Þ])(?<![\w’'.\-])(?:{_PHRASE})")
_PRON_RE = re.compile(rf"(?<![\w’'.\-]){_PRON}(?![\w’'])")
_RIGHT_PHRASE = re.compile(
    rf"\s+(?:(?P<pron>{_PRON})|(?P<ph>{_PHRASE}))(?:,\s+(?:the\s+|a\s+|an\s+)?(?P<role>[^,;:.\x00]{{2,120}}))?"
)
_NW = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+(?:[A-Z][a-zß-öø-ÿ]+)?(?:-[A-ZÀ-Þ]?[a-zß-öø-ÿ]+)*(?:[’'][A-Z][a-z]+)?"
_NAME = rf"{_NW}(?:\s+(?:{_trie(_PARTICLES)}\s+){{0,2}}{_NW}){{0,2}}"
_ROLE_NAME = re.compile(
    rf"(?=[Tt])(?<![^\s,\x01])[Tt]he\s+(?P<role>[^,;:\x00\x01]{{2,110}}?),\s+(?P<name>{_NAME})"
    r"(?=\s*(?:[,.;:!?\x01]|$))"
)
_NAME_APPOS = re.compile(
    rf"(?=[A-ZÀ-ÖØ-Þ])(?<![\w’'.\-])(?P<name>{_NAME}),\s+(?P<role>(?:the|a|an)\s+[^,;:\x00\x01]{{2,120}}?"
    rf"|{_POSS}\s+[^,;:\x00\x01]{{2,120}}?)(?=\s*(?:[,;:]|\.?\s*(?:\x01|$)))"
)
_INV_ROLE_NAME = re.compile(
    rf"\s+(?:the\s+)?(?P<role>[a-z][^,;:\x00]{{1,110}}?),\s+(?P<name>{_NAME})(?=\s*(?:[,.;!?]|$))"
)
_ARTICLE = re.compile(r"^(?:the|a|an|The|A|An)\s+")
_TOKEN = re.compile(rf"{_POSS}|{_CAP}|[a-z][a-z\-]*")
_TIME = re.compile(rf"(?:\s+(?:(?:on|last|this|earlier|late|early|in)\s+)?(?:{_TIMEW})\b(?:\s+\d{{1,2}})?|\s+only\b)*")
_OBJECT = re.compile(
    rf"\s+(?:him|her|them|us|me|reporters|journalists|lawmakers|parliament|the\s+press|the\s+media|"
    rf"(?:{_CAP})(?:\s+(?:{_CAP})){{0,3}})\b"
)
_PREP = r"(?:in|on|at|during|after|before|via|through|from|to|with|last|this|earlier|late|early|only|also|again)"
_THAT = re.compile(rf"\s+(?:{_PREP}\b[^,.;:!?\x00\"“”]{{0,80}}?\s)?(?:only\s+)?that\s+")
_TO_QUOTE = re.compile(rf"(?:\s+{_PREP}\b[^,.;:!?\x00]{{0,80}}?\s*[,:]|\s*[,:]?)\s*(?=\x00)")
# A clause without "that" starts with any word but a preposition, adverb or conjunction.
_CLAUSE_START = re.compile(
    r"\s+(?!(?:[Ii]n|[Oo]n|[Aa]t|[Dd]uring|[Aa]fter|[Bb]efore|[Ff]or|[Ff]rom|[Tt]o|[Ww]ith|[Bb]y|[Aa]s|[Ii]f|"
    r"[Ww]hen|[Ww]hile|[Ss]ince|about|of|through|via|over|under|without|within|into|upon|amid|against|"
    r"later|earlier|again|also|then|yesterday|today|afterwards|already|only|just|too|once|twice|and|but|or|"
    r"so|not|nothing|goodbye|hello|sorry|thanks|yes|no|[a-z]+ly|[a-z]+ing)\b)(?=[\w’'])"
)
_CUT = re.compile(
    r"\s+[–—]\s|\s+--\s|;|,\s+(?=(?:but|while|whereas|shortly|just|as|since|because|although|though|despite|"
    r"after|before|when|according|unlike|with|which)\b|[a-z]+ing\b)|\s+and\s+(?=[a-z]+ing\b)"
)
_TRAIL_CONTINUES = re.compile(r"\s*,\s+(?!(?:as|according)\b|[a-z]+ing\b)\S")
_VERBISH = re.compile(
    rf"(?:{_APPOS})?(?:\s+{_ADV}){{0,4}}\s+(?:has|have|had|is|was|were|will|would|could|should|can|may|"
    r"might|must|does|did|do|made|met|took|gave|went|came|sent|held|spoke|wrote|told|said|left|led|saw|"
    r"thought|knew|won|lost|ran|put|set|got|kept|brought|sought|fought|began|became|paid|[a-z]+ed|"
    r"[a-z]+[a-rt-z]s|" + _trie(_ALL_VERBS) + r")\b"
)
_LOCATIVE = re.compile(rf"\b(?:in|at|from|into|near|across|throughout|inside|outside|around|towards?|via)\s+({_CAP})")
# "Kyiv’s foreign minister", "Russia’s government": the owner is a polity, not a person.
_POLITY = re.compile(rf"({_CAP_START})[’']s\s+(?:[a-z]+\s+)?{_trie(_ORG_NOUNS | {'minister', 'president', 'ambassador'})}\b")
_CAPWORD = re.compile(_CAP_START)
_HEADLINE = re.compile(rf"^\s*(?P<name>{_NAME})\s*:\s+(?=\S)")

_ABBREV = re.compile(r"(?:[A-Z]\.){2,}.*|[A-Z]{2,}")
_WORD = re.compile(r"[^\W_]+")
_ENDS_COMMA = re.compile(r",\s*$")
_TO_COMMA = re.compile(r"[^,]*,\s*")
_FIRST_WORD = re.compile(r"\s*([\w’']+)")
_PUNCT_ONLY = re.compile(r"[\s.,!?]*")
_TAIL = re.compile(r"[^,;:\x00.]{0,200}")

MAX_LEFT = 260  # characters read left of a verb for its subject: bounds the work per verb
LOOKBACK_SENTENCES = 6  # pronouns and descriptions refer back at most this far
MIN_CLAUSE_WORDS = 3
MAX_MENTIONS = 200  # mentions looked back at: bounds the work per pronoun or description


# --- internal records -----------------------------------------------------------------------------


@dataclass(eq=False)  # compared by identity: one record per person
class _Person:
    name: str
    roles: list[str] = field(default_factory=list)
    gender: str | None = None


@dataclass(frozen=True)
class _Quote:
    open: int  # the opening mark
    inner_start: int
    inner_end: int
    end: int  # after the closing mark (paragraph end when the quote runs on)


@dataclass(frozen=True)
class _Phrase:
    """A speaker phrase as written: kind decides how it is resolved."""

    kind: str  # person | single | pronoun | desc | posdesc | org | orgdesc
    start: int
    end: int
    name: str = ""  # person/single: the name; org: the organisation; desc: the head noun
    role: str | None = None
    mods: tuple[str, ...] = ()  # desc: the words before the head noun ("russian" in "the Russian leader")
    gender: str | None = None
    evidence: bool = False  # a role word stands before the name: it names a person


@dataclass(frozen=True)
class _Mention:
    pos: int
    key: str
    kind: str  # person | org
    subject: bool
    sent: int
    main: bool = False  # the subject of the sentence's main clause, not of a "whether ..." inside it
    joint: bool = False  # one of several subjects ("Berg and Brandt said"): nobody's statement alone


@dataclass
class _Frame:
    verb: str
    verb_start: int
    verb_end: int
    bound: int  # where the frame starts: the subject or the connector; clauses before it end here
    phrase: _Phrase | None  # None: the subject is carried over (", saying", ", but added")
    quote: _Quote | None = None
    clause: tuple[int, int] | None = None
    whole_sentence: bool = False


@dataclass(frozen=True)
class _Found:
    """A claim before its speaker's role is looked up (roles may be stated later in the text)."""

    speaker: tuple[str, str]  # (name, person|org)
    kind: ClaimKind
    start: int
    end: int
    first: int  # sentence indexes the claim spans
    last: int
    speaker_span: tuple[int, int] | None
    verb: str


@dataclass
class _State:
    """Everything known about one document while it is read."""

    doc: Document
    masked: str
    quotes: list[_Quote]
    sent_starts: list[int]
    people: dict[str, _Person] = field(default_factory=dict)
    surnames: dict[str, list[str]] = field(default_factory=dict)
    places: set[str] = field(default_factory=set)
    mid_caps: set[str] = field(default_factory=set)
    all_caps: set[str] = field(default_factory=set)
    timeline: list[_Mention] = field(default_factory=list)
    found: list[_Found] = field(default_factory=list)
    attributed: set[int] = field(default_factory=set)  # sentence indexes with any attribution
    used_quotes: set[int] = field(default_factory=set)  # opening offsets of quotes already claimed
    last_claim: dict[int, _Found] = field(default_factory=dict)  # sentence index -> claim ending there
    intros: dict[int, tuple[tuple[str, str], str]] = field(default_factory=dict)  # "X spoke on Y:"
    phrases: dict[tuple[int, int], list[_Phrase]] = field(default_factory=dict)
    runs: list[tuple[int, int]] = field(default_factory=list)  # capitalised/role word runs, in order


# --- quotes ---------------------------------------------------------------------------------------


def _find_quotes(text: str, paras: list[tuple[int, int]]) -> list[_Quote]:
    """Quoted stretches per paragraph; apostrophes (Zelensky’s, leaders’) are not quotes."""
    quotes: list[_Quote] = []
    for n, (ps, pe) in enumerate(paras):
        dbl: tuple[int, str] | None = None
        sgl: int | None = None
        for m in _Q_CHARS.finditer(text, ps, pe):
            c, i = m.group(), m.start()
            if c == "\u201c":
                dbl, sgl = (i, "c"), None  # a second opener restarts: the first was malformed
            elif c == "\u201d":
                if dbl and dbl[1] == "c":
                    quotes.append(_Quote(dbl[0], dbl[0] + 1, i, i + 1))
                    dbl = None
            elif c == '"':
                if dbl is None:
                    dbl, sgl = (i, "s"), None
                elif dbl[1] == "s":
                    quotes.append(_Quote(dbl[0], dbl[0] + 1, i, i + 1))
                    dbl = None
            elif c == "\u2018":
                if dbl is None and (i == ps or not text[i - 1].isalnum()) and i + 1 < pe and not text[i + 1].isspace():
                    sgl = i
            elif sgl is not None and dbl is None and not text[i - 1].isspace() and (
                i + 1 >= pe or not text[i + 1].isalnum()
            ):
                if i - sgl <= 300:
                    quotes.append(_Quote(sgl, sgl + 1, i, i + 1))
                sgl = None
        # News style: a quote that runs on into the next paragraph is closed only there.
        if dbl is not None and n + 1 < len(paras) and text[paras[n + 1][0]] in "\u201c\"":
            quotes.append(_Quote(dbl[0], dbl[0] + 1, pe, pe))
    quotes.sort(key=lambda q: q.open)
    return quotes


def _visible(text: str, sentences: list[Sentence]) -> str:
    """The text with everything outside sentences (boilerplate, breaks) as \\x01, offsets unchanged.

    No pattern can then match across two sentences, so each can run once over the whole text.
    """
    pieces, prev = [], 0
    for sent in sentences:
        pieces.append("\x01" * (sent.start - prev))
        pieces.append(text[sent.start:sent.end])
        prev = sent.end
    pieces.append("\x01" * (len(text) - prev))
    return "".join(pieces)


def _mask(visible: str, quotes: list[_Quote]) -> str:
    """The visible text with every quote (marks and words) blanked out as \\x00, offsets unchanged."""
    pieces, prev = [], 0
    for q in quotes:
        if q.open < prev:
            continue
        pieces.append(visible[prev:q.open])
        pieces.append("\x00" * (q.end - q.open))
        prev = q.end
    pieces.append(visible[prev:])
    return "".join(pieces)


# --- phrases ---------------------------------------------------------------------------------------


def _norm(s: str) -> str:
    return " ".join(s.split())


def _is_cap(tok: str) -> bool:
    return tok[:1].isupper() or tok.startswith(("al-", "el-"))


@lru_cache(maxsize=1 << 16)  # the same few thousand words, asked again and again
def _is_name_word(tok: str) -> bool:
    low = tok.lower()
    return (
        _is_cap(tok)
        and tok not in _STOP
        and not tok.endswith(("’s", "'s"))
        and low not in _ROLE_NOUNS
        and low not in _ORG_NOUNS
        and low not in _ROLE_MODIFIERS
        and not _ABBREV.fullmatch(tok)
        and all(part[:1].isupper() for part in tok.split("-")[1:] if part not in {"al", "el"})
    )


def _interpret(text: str, start: int, end: int) -> list[_Phrase]:
    """What a run of capitalised and role words names: segments split at "and", in order."""
    word = text[start:end]
    if " " not in word and "\n" not in word:
        # Most runs are one word ("Putin", "The", "Russia’s"): skip the general parse.
        if word in _STOP or word in _CONNECTORS:
            return []
        if _is_name_word(word):
            return [_Phrase("single", start, end, name=word)]
    toks = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]
    out: list[_Phrase] = []
    seg: list[tuple[str, int, int]] = []
    for tok in [*toks, ("and", end, end)]:
        if tok[0] == "and":
            phrase = _segment(text, seg)
            if phrase:
                out.append(phrase)
            seg = []
        else:
            seg.append(tok)
    return out


def _interpret_cached(st: _State, start: int, end: int) -> list[_Phrase]:
    """``_interpret`` once per run: the registration pass and the mention pass read the same runs."""
    key = (start, end)
    found = st.phrases.get(key)
    if found is None:
        found = st.phrases[key] = _interpret(st.doc.text, start, end)
    return found


def _segment(text: str, toks: list[tuple[str, int, int]]) -> _Phrase | None:
    """Classify one segment: a description, an organisation, or a name with the role before it."""
    # Sentence openers ("Meanwhile", "But") are not part of a name.
    while toks and (toks[0][0] in _STOP - {"The", "Mr.", "Mrs.", "Ms.", "Dr.", "Mr", "Mrs", "Ms", "Dr"}
                    or toks[0][0] in {"of", "for", "and"}):
        toks = toks[1:]
    has_the = bool(toks) and toks[0][0] in {"the", "The"}
    body = toks[1:] if has_the else toks
    if not body:
        return None
    words = [t[0] for t in body]
    low = [w.lower() for w in words]
    s, e = toks[0][1], body[-1][2]
    last = words[-1]
    if low[-1] in _ROLE_NOUNS and not last.endswith(("’s", "'s")):
        mods = tuple(w.rstrip(".").replace(".", "") for w in low[:-1] if w not in {"of", "for", "the"})
        gender = "m" if low[-1] in _MALE else "f" if low[-1] in _FEMALE else None
        if has_the:
            return _Phrase("desc", s, e, name=low[-1], mods=mods, gender=gender)
        if words[0].endswith(("’s", "'s")) and len(words) >= 2:
            return _Phrase("posdesc", s, e, name=_norm(text[s:e]), mods=mods, gender=gender)
        return None
    if low[-1] in _ORG_NOUNS and not _is_cap(last):
        if has_the:
            return _Phrase("orgdesc", s, e, name=low[-1])
        if words[0].endswith(("’s", "'s")):
            return _Phrase("org", s, e, name=_norm(text[s:e]))
        return None
    if not _is_cap(last) or last.endswith(("’s", "'s")):
        return None
    # The name: the longest run of name words at the end (at most three, particles aside).
    k, count = len(body), 0
    while k > 0 and count < 3:
        if _is_name_word(body[k - 1][0]):
            k, count = k - 1, count + 1
            continue
        j = k - 1
        while j >= 0 and body[j][0] in _PARTICLES:
            j -= 1
        if count == 0 or j < 0 or j == k - 1 or not _is_name_word(body[j][0]):
            break
        k = j + 1  # "von der" inside "Ursula von der Leyen"
    if count == 3 and k > 0 and body[k - 1][0] in {"of", "for"}:
        k += 1  # "Minister of Ukraine Ihor Klymenko": the place belongs to the role
    name_toks, role_toks = body[k:], body[:k]
    has_org = any(w.lower() in _ORG_NOUNS for w in words)
    if has_the and not any(w in _ROLE_NOUNS for w in low):
        return _Phrase("org", s, e, name="the " + _norm(text[body[0][1]:e]))
    if not name_toks or (has_org and not any(w in _ROLE_NOUNS for w in low)):
        if has_org and (has_the or words[0].endswith(("’s", "'s"))):
            return _Phrase("org", s, e, name=_norm(text[s:e]))
        return None
    if any(t[0] in {"of", "for", "the", "and"} for t in name_toks):
        return None
    role, gender = None, None
    role_low = [t[0].lower() for t in role_toks]
    for w in role_low:
        gender = gender or ("m" if w in _MALE else "f" if w in _FEMALE else None)
    # The role: the words before the name when they end in a role noun ("Kremlin spokesman").
    while role_toks and role_toks[0][0].lower() in {"mr", "mrs", "ms", "dr", "mr.", "mrs.", "ms.", "dr."}:
        role_toks = role_toks[1:]
    role_low = [t[0].lower() for t in role_toks]
    evidence = any(w in _ROLE_NOUNS for w in role_low)
    # "Kremlin spokesman X", "Secretary of State X": a role noun, and the part ends in a title word.
    if evidence and (role_low[-1] in _ROLE_NOUNS or _is_cap(role_toks[-1][0])) and not (
        set(role_low) & _ROLE_NOUNS <= _EVIDENCE_ONLY
    ):
        role = _norm(text[role_toks[0][1]:role_toks[-1][2]])
    ns, ne = name_toks[0][1], name_toks[-1][2]
    name = _norm(text[ns:ne])
    kind = "person" if len(name_toks) > 1 else "single"
    return _Phrase(kind, ns, ne, name=name, role=role, gender=gender, evidence=evidence)


def _clean_role(role: str) -> str | None:
    role = _norm(_ARTICLE.sub("", role.strip()))
    words = {w.lower().strip(".,") for w in role.replace("’s", " ").replace("'s", " ").split()}
    if not words & _ROLE_NOUNS or words <= _EVIDENCE_ONLY | _ROLE_MODIFIERS:
        return None
    if role.split()[0].lower() in {"who", "which", "whose", "that", "where", "when"} or len(role) > 120:
        return None
    return role


# --- the entity table -----------------------------------------------------------------------------


def _register(st: _State, name: str, role: str | None = None, gender: str | None = None) -> _Person:
    key = _norm(name)
    person = st.people.get(key)
    if person is None:
        # A surname first seen alone ("President Putin") joins the full name when one exists.
        if " " not in key and key in st.surnames:
            person = st.people[st.surnames[key][-1]]
        else:
            person = st.people[key] = _Person(key)
            if " " in key:
                last = key.split()[-1]
                st.surnames.setdefault(last, []).append(key)
                single = st.people.get(last)
                if single is not None and single is not person:
                    # The surname was registered alone earlier: fold its roles into the full name.
                    person.roles.extend(r for r in single.roles if r not in person.roles)
                    person.gender = person.gender or single.gender
                    st.people[last] = person
    if role and role not in person.roles:
        person.roles.append(role)
    if gender and not person.gender:
        person.gender = gender
    return person


def _registration(st: _State, visible: str) -> None:
    """First pass: people with their roles, places, and which capitalised words occur mid-sentence."""
    masked = st.masked
    starts = set(st.sent_starts)
    for m in _CAPWORD.finditer(visible):
        st.all_caps.add(m.group())
        if m.start() not in starts:
            st.mid_caps.add(m.group())
    st.places.update(_LOCATIVE.findall(masked))
    st.places.update(_POLITY.findall(masked))
    found: list[tuple[int, str, str | None, str | None]] = []  # registered in text order: first role first
    for m in _PHRASE_RE.finditer(masked):
        st.runs.append((m.start(), m.end()))
        for ph in _interpret_cached(st, m.start(), m.end()):
            if ph.kind in {"person", "single"} and (ph.role or ph.gender or (ph.kind == "person" and ph.evidence)):
                found.append((ph.start, ph.name, ph.role, ph.gender))
    for pattern in (_NAME_APPOS, _ROLE_NAME):
        for m in pattern.finditer(masked):
            role = _clean_role(m.group("role"))
            if role and _names_person(m.group("name")):
                found.append((m.start("name"), m.group("name"), role, None))
    found.sort(key=lambda x: x[0])
    for _, name, role, gender in found:
        _register(st, name, role, gender)


def _names_person(name: str) -> bool:
    words = name.split()
    named = [w for w in words if w not in _PARTICLES]
    return 1 <= len(named) <= 3 and all(_is_name_word(w) for w in named) and words[0] not in _PARTICLES


def _country_like(st: _State, word: str) -> bool:
    """A place or polity: seen after "in"/"from", owning a ministry, or with a demonym (Russia/Russian)."""
    if word in st.places:
        return True
    if len(word) >= 4:
        stem = word[:-1]
        for suffix in ("n", "an", "ian", "ese", "ish", "i"):
            if stem + suffix in st.all_caps and stem + suffix != word:
                return True
    return False


# --- resolution ----------------------------------------------------------------------------------


def _recent(st: _State, pos: int, sent: int) -> list[_Mention]:
    """Mentions before ``pos``, newest first, within the lookback window."""
    out = []
    for m in st.timeline[-MAX_MENTIONS:][::-1]:
        if m.sent < sent - LOOKBACK_SENTENCES or len(out) >= 60:
            break
        if m.pos < pos:
            out.append(m)
    return out


def _nationality(word: str) -> bool:
    return word.endswith(("ian", "an", "ese", "ish")) or word in {"us", "uk", "eu", "un"}


def _fits(mod: str, word: str) -> bool:
    if mod == word:
        return True
    shorter = min(len(mod), len(word))
    if shorter < 4:
        return False
    common = 0
    for a, b in zip(mod, word, strict=False):
        if a != b:
            break
        common += 1
    return common >= min(5, shorter)


def _role_words(role: str) -> list[str]:
    return [w.strip(".,").replace(".", "").replace("’s", "").replace("'s", "") for w in role.lower().split()]


def _desc_match(person: _Person, head: str, mods: tuple[str, ...]) -> str:
    """'match', 'ok' (nothing contradicts) or 'conflict' for a description against a person's roles."""
    if not person.roles:
        return "ok"
    verdict = "conflict"
    for role in person.roles:
        words = _role_words(role)
        head_ok = head in words or (head in _GENERIC_HEADS and (set(words) & _TOP_ROLES or "prime" in words))
        if not head_ok:
            continue
        if all(any(_fits(m, w) for w in words) for m in mods):
            return "match"
        nat_role = [w for w in words if _nationality(w)]
        if any(_nationality(m) and nat_role and not any(_fits(m, w) for w in nat_role) for m in mods):
            continue
        verdict = "ok"
    return verdict


def _resolve(st: _State, ph: _Phrase, sent: int) -> tuple[str, str] | None:
    """(speaker, kind person|org) for a phrase, or None when it cannot be told."""
    if ph.kind == "person":
        known = st.people.get(ph.name)
        if known is None:
            known = _register(st, ph.name, ph.role, ph.gender)
        return known.name, "person"
    if ph.kind == "single":
        if ph.name in st.people:
            return st.people[ph.name].name, "person"
        if ph.name in st.surnames:
            names = st.surnames[ph.name]
            if len(names) > 1:  # two people share the surname: the one named most recently
                for m in st.timeline[-MAX_MENTIONS:][::-1]:
                    if m.key in names:
                        return m.key, "person"
            return names[0], "person"
        if ph.name in _STOP or ph.name not in st.mid_caps:
            return None
        if _country_like(st, ph.name):
            return ph.name, "org"
        return _register(st, ph.name, ph.role, ph.gender).name, "person"
    if ph.kind == "org":
        return ph.name, "org"
    recent = _recent(st, ph.start, sent)
    if ph.kind == "orgdesc":
        for m in recent:
            if m.kind == "org" and ph.name in m.key.lower():
                return m.key, "org"
        return None
    if ph.kind == "pronoun":
        word = st.doc.text[ph.start:ph.end].lower()
        if word == "it":
            for m in recent:
                if m.kind == "org" and m.sent >= sent - 2:
                    return m.key, "org"
            return None
        if word not in {"he", "she"}:
            return None
        want = "m" if word == "he" else "f"
        for tier in (True, False):  # subjects first: "he" follows the last one who did something
            for m in recent:
                if m.kind != "person" or m.joint or (tier and not m.subject):
                    continue
                person = st.people.get(m.key)
                if person is None or (person.gender and person.gender != want):
                    continue
                if person.gender is None:
                    person.gender = want
                return person.name, "person"
        return None
    if ph.kind in {"desc", "posdesc"}:
        mods = tuple(m.replace("’s", "").replace("'s", "") for m in ph.mods
                     if m not in {"former", "current", "then", "top", "new"})
        seen: dict[int, _Person] = {}  # people named before, newest first
        for m in st.timeline[-MAX_MENTIONS:][::-1]:
            person = st.people.get(m.key) if m.kind == "person" and m.pos < ph.start else None
            if person is not None:
                seen.setdefault(id(person), person)
        for person in seen.values():
            if _desc_match(person, ph.name, mods) == "match" and (not ph.gender or person.gender in (None, ph.gender)):
                return person.name, "person"
        if ph.kind == "posdesc":  # "Switzerland’s foreign minister": unnamed, but specific enough
            return ph.name, "org"
        near = {m.key for m in recent if m.kind == "person"}
        fits = [p for p in seen.values() if p.name in near and (not ph.gender or p.gender in (None, ph.gender))]
        # No role matches: the latest one whose stated role fits the head noun ("the Kremlin leader"
        # for a "Russian dictator"), else the one person nearby with no role stated at all.
        for person in fits:
            if person.roles and _desc_match(person, ph.name, mods) == "ok":
                return person.name, "person"
        roleless = [p for p in fits if not p.roles]
        latest = next((m.key for m in recent if m.kind == "person" and m.subject), None)
        if len(roleless) == 1 and roleless[0].name == latest:
            person = roleless[0]
            person.roles.append(_norm(_ARTICLE.sub("", st.doc.text[ph.start:ph.end])))  # stated here
            return person.name, "person"
    return None


# --- frames --------------------------------------------------------------------------------------


def _left_phrase(st: _State, s: int, v: int) -> tuple[_Phrase | None, str, int] | None:
    """The subject ending right before the verb at ``v``: (phrase, skipped words, start), or None.

    Read right to left over a few tokens (a regex anchored at the verb would retry every start).
    """
    masked = st.masked
    toks = [(m.group(), m.start(), m.end()) for m in _WTOKEN.finditer(masked, max(s, v - MAX_LEFT), v)]
    i = len(toks)
    advs: list[str] = []
    while i > 0 and len(advs) < 6 and _ADV_FULL.fullmatch(toks[i - 1][0]):
        i -= 1
        advs.append(toks[i][0])
    app = None
    if i > 1 and toks[i - 1][0] in {",", "–", "—"}:
        # An appositive between the subject and the verb: "Stupak, a former ... officer, told".
        marks = {","} if toks[i - 1][0] == "," else {"–", "—"}
        j = i - 2
        while j >= 0 and i - j <= 40 and toks[j][0] not in marks and toks[j][0] not in {";", ":", "\x00"}:
            j -= 1
        if j < 1 or toks[j][0] not in marks or j == i - 2:
            return None
        app = masked[toks[j][2]:toks[i - 1][1]]
        i = j
    if i == 0:
        return None
    if toks[i - 1][0] in _PRONOUN_FORMS:
        tok = toks[i - 1]
        return _Phrase("pronoun", tok[1], tok[2]), " ".join(advs), tok[1]
    k = i
    while k > 0 and i - k < 12 and _TOK_FULL.fullmatch(toks[k - 1][0]):
        k -= 1
    if k == i or toks[i - 1][0] in _CONNECTORS:
        return None
    found = _interpret_cached(st, toks[k][1], toks[i - 1][2])
    if len(found) != 1:  # "Zelensky and Putin said": a joint statement is nobody's alone
        return None
    phrase = found[0]
    if app and phrase.kind in {"person", "single"}:
        role = _clean_role(app.strip(" ,–—\n"))
        if role:
            phrase = replace(phrase, role=role)
            if phrase.kind == "person":
                _register(st, phrase.name, role)
    return phrase, " ".join(advs), toks[k][1]


def _after_verb(st: _State, s: int, e: int, verb: str, v_end: int) -> tuple[str, int]:
    """What follows a verb: ('quote', pos), ('clause', start), ('colon', 0) or ('tail', 0)."""
    masked = st.masked
    i = v_end
    if verb in _TOLD:
        m = _OBJECT.match(masked, i, e)
        if m:
            i = m.end()
    i = _TIME.match(masked, i, e).end()
    m = _TO_QUOTE.match(masked, i, e)
    if m and m.end() < len(masked) and _quote_at(st, m.end()):
        return "quote", m.end()
    m = _THAT.match(masked, i, e)
    if m:
        return "clause", m.end()
    if verb in _ZERO_THAT and (verb not in _TOLD or i > v_end):
        m = _CLAUSE_START.match(masked, i, e)
        if m:
            return "clause", m.end()
    if _ends_with_colon(masked, e) and masked.find(":", i, e) == _last_char(masked, e):
        return "colon", 0
    return "tail", 0


def _last_char(masked: str, e: int) -> int:
    """Offset of the last character before ``e`` that is not a space."""
    j = e - 1
    while j > 0 and masked[j].isspace():
        j -= 1
    return j


def _ends_with_colon(masked: str, e: int) -> bool:
    return masked[_last_char(masked, e)] == ":"


def _quote_at(st: _State, pos: int) -> _Quote | None:
    i = bisect.bisect_left(st.quotes, pos, key=lambda q: q.open)
    return st.quotes[i] if i < len(st.quotes) and st.quotes[i].open == pos else None


def _quote_before(st: _State, pos: int, s: int) -> _Quote | None:
    """The quote that closes right before ``pos`` (only spaces, a comma or a dash between)."""
    # The quote may close in the previous sentence: “... planned,”\nStupak, ..., told ...
    j = pos
    while j > 0 and pos - j < 8 and st.masked[j - 1] in " \t\n,–—\x01":
        j -= 1
    i = bisect.bisect_right(st.quotes, j, key=lambda q: q.end) - 1
    if i >= 0 and st.quotes[i].end == j and j >= s - 8:
        return st.quotes[i]
    return None


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _trim(text: str, start: int, end: int, strip: str = ",;:.") -> tuple[int, int]:
    """``start, end`` without surrounding spaces and trailing ``strip`` punctuation."""
    while end > start and (text[end - 1].isspace() or text[end - 1] in strip):
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def _clause_end(st: _State, start: int, limit: int) -> int:
    """Where a reported clause stops: a cut (", saying", " – but") that leaves enough words, or ``limit``."""
    for m in _CUT.finditer(st.masked, start, limit):
        if _words(st.masked[start:m.start()].replace("\x00", " a ")) >= MIN_CLAUSE_WORDS:
            return m.start()
    return limit


def _sentence_frames(st: _State, idx: int) -> list[_Frame]:
    """The speech frames of one sentence, in order, each with the quote or clause it attributes.

    Frames with an empty verb attribute nothing but stop the clause before them: a negated or
    passive verb ("has not confirmed"), or a speaker we cannot name ("..., officials said").
    """
    sent = st.doc.sentences[idx]
    s, e, masked = sent.start, sent.end, st.masked
    frames: list[_Frame] = []
    for vm in _VERB.finditer(masked, s, e):
        verb, v = vm.group(), vm.start()
        st.attributed.add(idx)
        conn = _CONNECTOR.search(masked, max(s, v - 40), v)
        left = None if verb in _PARTICIPLES else _left_phrase(st, s, v)
        frame: _Frame | None = None
        if left is not None:
            phrase, adv, bound = left
            if _NOT_OWN.intersection(adv.split()):
                # "has not confirmed", "was told": not this subject's statement, but it ends the one before.
                frames.append(_Frame("", v, vm.end(), bound, None))
                continue
            frame = _Frame(verb, v, vm.end(), bound, phrase)
        elif conn is not None and (verb in _PARTICIPLES or conn.group().split(None, 1)[0] in {"and", "but"}):
            frame = _Frame(verb, v, vm.end(), conn.start(), None)
        elif verb not in _PARTICIPLES and (q := _quote_before(st, v, s)) is not None:
            # Inverted: “...,” said Putin / emphasized the head of ..., Andriy Yermak.
            frame = _inverted(st, verb, v, vm.end(), e, q)
        if frame is None:
            # Someone we cannot name speaks here ("..., officials said"): the clause before stops at the comma.
            comma = masked.rfind(",", max(s, v - 60), v)
            if comma >= 0:
                frames.append(_Frame("", v, vm.end(), comma, None))
            continue
        frames.append(frame)
    for am in _ACCORDING.finditer(masked, s, e):
        st.attributed.add(idx)
        frame = _according(st, am, s, e)
        if frame:
            frames.append(frame)
    frames.sort(key=lambda f: f.verb_start)
    _complements(st, frames, s, e)
    return frames


def _inverted(st: _State, verb: str, v: int, v_end: int, e: int, q: _Quote) -> _Frame | None:
    """The speaker after the verb of “...,” said X: "X", "X, ROLE" or "the ROLE, X"."""
    text, masked = st.doc.text, st.masked
    m = _INV_ROLE_NAME.match(masked, v_end, e)
    if m and _clean_role(m.group("role")) and _names_person(m.group("name")):
        role = _clean_role(m.group("role"))
        _register(st, m.group("name"), role)
        ph = _interpret(text, m.start("name"), m.end("name"))
        if len(ph) == 1:
            return _Frame(verb, v, v_end, v, ph[0], quote=q)
    m = _RIGHT_PHRASE.match(masked, v_end, e)
    if not m:
        return None
    if m.group("pron"):
        ph = [_Phrase("pronoun", m.start("pron"), m.end("pron"))]
    else:
        ph = _interpret(text, m.start("ph"), m.end("ph"))
    if len(ph) != 1:
        return None
    phrase = ph[0]
    if m.group("role") and phrase.kind == "person":
        role = _clean_role(m.group("role"))
        if role:
            _register(st, phrase.name, role)
    return _Frame(verb, v, v_end, v, phrase, quote=q)


def _according(st: _State, am: re.Match[str], s: int, e: int) -> _Frame | None:
    """Frames of the form "CLAUSE, according to X." and "According to X, CLAUSE"."""
    m = _RIGHT_PHRASE.match(st.masked, am.end() - 1, e)
    if not m or not m.group("ph"):
        return None
    ph = _interpret(st.doc.text, m.start("ph"), m.end("ph"))
    if len(ph) != 1 or ph[0].kind == "pronoun":
        return None
    before = st.masked[s:am.start()]
    frame = _Frame("according to", am.start(), am.end(), am.start(), ph[0])
    if _ENDS_COMMA.search(before) and _words(before) >= MIN_CLAUSE_WORDS:
        frame.clause = _trim(st.doc.text, s, am.start())
    elif am.start() - s <= 1:
        # "According to X, CLAUSE" / "According to X, a senior analyst, CLAUSE"
        role = m.group("role") and _clean_role(m.group("role"))
        if role and ph[0].kind == "person":
            _register(st, ph[0].name, role)
        head = m.end() if role else m.end("ph")
        after = _TO_COMMA.match(st.masked[head:e])
        if after:
            cs = head + after.end()
            frame.clause = _trim(st.doc.text, cs, _clause_end(st, cs, e))
    return frame if frame.clause else None


def _complements(st: _State, frames: list[_Frame], s: int, e: int) -> None:
    """The quote or clause each frame attributes, in order, each clause ending before the next frame."""
    text, masked = st.doc.text, st.masked
    last_clause: tuple[int, int] | None = None  # clauses are disjoint and in order: only the last can hold
    for n, f in enumerate(frames):
        if n and frames[n - 1].clause:
            last_clause = frames[n - 1].clause
        if not f.verb or f.verb == "according to" or f.quote is not None:
            continue
        nxt = frames[n + 1].bound if n + 1 < len(frames) else e
        nxt = max(nxt, f.verb_end)
        what, pos = _after_verb(st, s, e, f.verb, f.verb_end)
        if f.verb in _INTRO_ONLY and what not in {"quote", "colon"}:
            f.verb = ""
            continue
        # After a closing quote, words after the verb without "that" are where or to whom it was
        # said ("…,” X told reporters outside the gates"), not what was said.
        tail_only = what == "clause" and not re.search(r"\bthat\b", masked[f.verb_end:pos + 5])
        if f.phrase is not None and (what != "clause" or tail_only):
            # “...,” X said (in an interview for “60 Minutes”): the quote before the subject wins,
            # unless it belongs to the clause of an earlier frame ("A said B was “absurd,” C added").
            q = _quote_before(st, f.bound, s)
            taken = q is not None and last_clause is not None and last_clause[0] <= q.open < last_clause[1]
            if tail_only and q is not None and q.open < s:
                q = None  # a quote of the sentence before does not outweigh this verb's own clause
            if q is not None and not taken and not (what == "quote" and ":" in masked[f.verb_end:pos]):
                f.quote = q
                continue
        if what == "quote":
            f.quote = _quote_at(st, pos)
        elif what == "clause":
            end = _clause_end(st, pos, nxt)
            f.clause = _trim(text, pos, end)
        elif what == "colon":
            continue  # "X said:" with the quote in the next paragraph: _continuation takes it
        elif f.phrase is not None and n == 0 and f.bound > s:
            # Trailing or parenthetical attribution: "CLAUSE, X said." / "A, X said, B."
            before = masked[s:f.bound]
            if not _ENDS_COMMA.search(before) or "\x00" in before:
                continue
            first = _FIRST_WORD.match(masked, s, e)
            if first is None or first.group(1) in _INTRO_STARTS or _words(before) < MIN_CLAUSE_WORDS + 1:
                continue
            if _TRAIL_CONTINUES.match(masked, _after_tail(masked, f.verb_end, e), e):
                f.clause, f.whole_sentence = _trim(text, s, e), True
            else:
                f.clause = _trim(text, s, s + len(before.rstrip().rstrip(",")))
        if f.clause and _words(text[f.clause[0]:f.clause[1]]) < MIN_CLAUSE_WORDS:
            f.clause = None


def _after_tail(masked: str, i: int, e: int) -> int:
    """Skip the words after an attribution verb up to the next comma ("told reporters in China")."""
    m = _TAIL.match(masked, i, e)
    return m.end() if m else i


# --- the document pass ---------------------------------------------------------------------------


def _analyse(doc: Document) -> _State:
    """Read the document once: quotes, the entity table, then frames and mentions in text order."""
    paras = paragraphs(doc.text, doc.excluded)
    quotes = _find_quotes(doc.text, paras)
    visible = _visible(doc.text, doc.sentences)
    st = _State(doc, _mask(visible, quotes), quotes, [s.start for s in doc.sentences])
    _registration(st, visible)
    sents = doc.sentences
    for idx, sent in enumerate(sents):
        frames = _sentence_frames(st, idx)
        prose = sent.kind == "body"
        clauses = sorted(f.clause for f in frames if f.clause and not f.whole_sentence)
        events = _mentions(st, idx, clauses) if prose else []
        spoken = {f.phrase.start for f in frames if f.phrase is not None and f.verb}
        events = [ev for ev in events if ev[0] not in spoken]  # the frame adds its speaker itself
        for f in frames:
            # Mentions up to this frame's subject enter the timeline first.
            while events and events[0][0] < f.bound:
                _add_mention(st, idx, *events.pop(0)[1:])
            _claim_from_frame(st, idx, f, prose)
        for ev in events:
            _add_mention(st, idx, *ev[1:])
        if sent.kind in {"title", "heading"}:
            _headline(st, idx)
        if _quotes_in(st, sent.start, sent.end):
            st.attributed.add(idx)
    # Continued quotes last: a quote may be claimed by a frame in a later sentence ("“...” / X said.").
    for idx in range(1, len(sents)):
        _continuation(st, idx)
    st.found.sort(key=lambda c: (c.start, c.end))
    return st


def _add_found(st: _State, found: _Found) -> None:
    st.found.append(found)
    st.last_claim[found.last] = found


def _quotes_in(st: _State, s: int, e: int) -> list[_Quote]:
    i = max(bisect.bisect_right(st.quotes, s, key=lambda q: q.open) - 1, 0)
    out = []
    while i < len(st.quotes) and st.quotes[i].open < e:
        if st.quotes[i].end > s:
            out.append(st.quotes[i])
        i += 1
    return out


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    """Whether ``pos`` falls in one of the sorted, disjoint ``spans``."""
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


_MAIN = re.compile(r"(?:^|[,;:]\s*|\b(?:[Bb]ut|[Aa]nd|[Yy]et|[Ss]o)\s+)$")


def _mentions(
    st: _State, idx: int, clauses: list[tuple[int, int]]
) -> list[tuple[int, _Phrase, bool, bool, bool]]:
    """Who a body sentence names (outside quotes): (pos, phrase, subject, main, joint)."""
    sent = st.doc.sentences[idx]
    masked = st.masked
    out: list[tuple[int, _Phrase, bool, bool, bool]] = []
    i = bisect.bisect_left(st.runs, (sent.start, -1))
    while i < len(st.runs) and st.runs[i][0] < sent.end:
        rs, re_ = st.runs[i]
        i += 1
        subject = bool(_VERBISH.match(masked, re_, sent.end))
        subject = subject and not _inside(clauses, rs)
        main = subject and bool(_MAIN.search(masked[max(sent.start, rs - 6):rs]))
        phrases = _interpret_cached(st, rs, re_)
        for ph in phrases:
            if masked[ph.end:ph.end + 2] in {"’s", "'s"} and ph.kind in {"desc", "orgdesc"}:
                continue
            out.append((ph.start, ph, subject, main, len(phrases) > 1))
    for m in _PRON_RE.finditer(masked, sent.start, sent.end):
        # "He made the remarks ...": the person keeps being the one talked about.
        if (m.group().lower() in {"he", "she"} and _VERBISH.match(masked, m.end(), sent.end)
                and not _inside(clauses, m.start())):
            main = bool(_MAIN.search(masked[max(sent.start, m.start() - 6):m.start()]))
            out.append((m.start(), _Phrase("pronoun", m.start(), m.end()), True, main, False))
    out.sort(key=lambda x: x[0])
    return out


def _add_mention(st: _State, idx: int, ph: _Phrase, subject: bool, main: bool, joint: bool) -> None:
    """Put a resolved mention on the timeline that pronouns and descriptions look back along."""
    if ph.kind in {"person", "single"} and ph.name not in st.people and ph.name not in st.surnames:
        # An unknown name counts only as the main subject of its sentence ("Ukraine’s Vladimir
        # Zelensky responded"); a lone word also must not be a place or a country.
        if ph.kind == "single" and _country_like(st, ph.name):
            st.timeline.append(_Mention(ph.start, ph.name, "org", subject, idx, main, joint))
            return
        if not main or (ph.kind == "single" and ph.name not in st.mid_caps):
            return
    got = _resolve(st, ph, idx)
    if got:
        st.timeline.append(_Mention(ph.start, got[0], got[1], subject, idx, main, joint))


def _claim_from_frame(st: _State, idx: int, f: _Frame, prose: bool) -> bool:
    """Resolve the frame's speaker and record its claim; False when there is none to record."""
    sents, text = st.doc.sentences, st.doc.text
    if not f.verb:
        return False
    if f.phrase is None:
        # Carried subject: the last subject of this sentence that is not inside a reported clause.
        speaker = None
        for m in st.timeline[-MAX_MENTIONS:][::-1]:
            if m.sent != idx:
                break
            if m.pos < f.bound and m.main:
                speaker = None if m.joint else (m.key, m.kind)
                break
        sp_span = None
    else:
        if not prose and f.phrase.kind not in {"person", "single", "org"}:
            return False  # headlines: only a speaker named in them
        speaker = _resolve(st, f.phrase, idx)
        sp_span = (f.phrase.start, f.phrase.end)
        if speaker:
            st.timeline.append(_Mention(f.phrase.start, speaker[0], speaker[1], True, idx, True))
    if speaker is None:
        return False
    if f.clause is None and f.quote is None:
        if f.verb in _INTRO_ONLY or _ends_with_colon(st.masked, sents[idx].end):
            st.intros[idx] = (speaker, f.verb)
        return False
    if f.quote is not None:
        q = f.quote
        start, end = _trim(text, q.inner_start, q.inner_end, ",")
        kind: ClaimKind = "direct"
        first, last = min(q.open, f.verb_start), max(q.end - 1, f.verb_end - 1)
        st.used_quotes.add(q.open)
    else:
        start, end = f.clause  # type: ignore[misc]
        # A clause that ends inside a quote takes the whole quote.
        for q in _quotes_in(st, end - 1, end):
            if q.open < end <= q.inner_end:
                end = q.end
        kind = "reported"
        if text[start] in "“\"" and (qq := _quote_at(st, start)) and qq.end >= end:
            start, end, kind = *_trim(text, qq.inner_start, qq.inner_end, ","), "direct"
            st.used_quotes.add(qq.open)
        first, last = min(start, f.verb_start), max(end - 1, f.verb_end - 1)
    if end <= start:
        return False
    _add_found(st, _Found(speaker, kind, start, end, _sentence_index(st, first), _sentence_index(st, last),
                          sp_span, f.verb))
    return True


def _name_of(st: _State, speaker: tuple[str, str]) -> str:
    """The full name, also when the article gave it only after this claim ("Zakharova" -> "Maria ...")."""
    person = st.people.get(speaker[0]) if speaker[1] == "person" else None
    return person.name if person else speaker[0]


def _role_of(st: _State, speaker: tuple[str, str]) -> str | None:
    person = st.people.get(speaker[0]) if speaker[1] == "person" else None
    return person.roles[0] if person and person.roles else None


def _sentence_index(st: _State, pos: int) -> int:
    return max(bisect.bisect_right(st.sent_starts, pos) - 1, 0)


def _continuation(st: _State, idx: int) -> None:
    """A quote standing alone continues the previous sentence's speaker, if that sentence was theirs."""
    sents, masked = st.doc.sentences, st.masked
    sent = sents[idx]
    if sent.kind != "body" or sents[idx - 1].kind != "body" or masked[sent.start:sent.start + 1] != "\x00":
        return
    q = _quote_at(st, sent.start)
    if q is None or q.open in st.used_quotes:
        return
    b = _sentence_index(st, max(q.end - 1, q.open))
    if q.end < sents[b].end and not _PUNCT_ONLY.fullmatch(masked, q.end, sents[b].end):
        return  # the sentence goes on after the quote: not a bare continuation
    prev = st.last_claim.get(idx - 1)
    speaker, verb = (prev.speaker, prev.verb) if prev else st.intros.get(idx - 1, (None, ""))
    if speaker is None:
        return
    start, end = _trim(st.doc.text, q.inner_start, q.inner_end, ",")
    if end > start:
        st.used_quotes.add(q.open)
        _add_found(st, _Found(speaker, "direct", start, end, idx, b, None, verb))


def _headline(st: _State, idx: int) -> None:
    """Headline form "Name: what they said", only for a person the article names in full."""
    sent = st.doc.sentences[idx]
    m = _HEADLINE.match(st.masked, sent.start, sent.end)
    if not m:
        return
    name = _norm(m.group("name"))
    person = st.people.get(name) or (st.people[st.surnames[name][-1]] if name in st.surnames else None)
    if person is None or " " not in person.name:
        return
    start, end = _trim(st.doc.text, m.end(), sent.end)
    kind: ClaimKind = "reported"
    q = _quote_at(st, start)
    if q is not None and q.end >= end:
        start, end, kind = *_trim(st.doc.text, q.inner_start, q.inner_end, ","), "direct"
    if _words(st.doc.text[start:end]) < MIN_CLAUSE_WORDS:
        return
    span = (m.start("name"), m.end("name"))
    _add_found(st, _Found((person.name, "person"), kind, start, end, idx, idx, span, ":"))


# --- public API -----------------------------------------------------------------------------------


def extract_claims(doc: Document) -> list[SpeechClaim]:
    """Attributed statements in a document, in text order."""
    st = _analyse(doc)
    sents, text = doc.sentences, doc.text
    return [
        SpeechClaim(
            _name_of(st, f.speaker), _role_of(st, f.speaker), f.kind, f.start, f.end, text[f.start:f.end],
            sents[f.first].start, max(sents[f.last].end, f.end),
            f.speaker_span[0] if f.speaker_span else None, f.speaker_span[1] if f.speaker_span else None,
            False, f.verb,
        )
        for f in st.found
    ]


def outlet_voice(doc: Document) -> list[tuple[int, int]]:
    """Body sentences with no speech attribution at all: the outlet's own assertions."""
    st = _analyse(doc)
    covered = {i for c in st.found for i in range(c.first, c.last + 1)}
    return [(s.start, s.end) for i, s in enumerate(doc.sentences)
            if s.kind == "body" and i not in covered and i not in st.attributed]
