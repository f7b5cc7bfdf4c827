"""The curation assistant: a draft curated file from a new article, for a person to review.

:func:`draft` reads an article (header + body, :mod:`cdkg.loaders.text`) and the entities the other
curated sources declare, and proposes, offline and deterministically, by plain rules:

- the body's sentences as candidate excerpts (each an exact substring of the normalised body,
  so it verifies at build);
- mentions of known entities, by label and alternative label, accent- and case-insensitively
  (a one-word label must match with its accents, or in text written without any);
- new people after a post title ("Thứ trưởng Ngoại giao Hà Kim Ngọc"), with the post as a
  dated position; new organisations ("Bộ …", "Sở Ngoại vụ tỉnh …", "UBND tỉnh …");
  documents by their number ("số 173/KH-UBND", "175/2024/QH15") with issuer and date where
  the sentence gives them; the article's event;
- facts with their sentence: dates at the source's precision, chair, speaker, attendee,
  heldAt, eli:passed_by, implements — each with a confidence, written as a YAML comment
  ``# review 0.6: why`` after the fact, so the draft is valid as it stands;
- a review report (markdown): matched, new, unsure, left out.

No model, no network: the same article and sources give the same draft, byte for byte.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cdkg.loaders.dates import DateFormatError, format_date, parse_date
from cdkg.loaders.reading import UnsafeFile, read_regular
from cdkg.loaders.text import Article, normalise, read_article
from cdkg.loaders.yamlfile import YamlProblem, load_yaml_text

# --- folding -----------------------------------------------------------------------------------


def _fold_char(c: str) -> str:
    if c in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", c)[0].lower()
    return base[0] if base else c


def fold(text: str) -> str:
    """Lower case without diacritics, one character per character (offsets are kept):
    ``fold("Hà Kim Ngọc") == "ha kim ngoc"``."""
    return "".join(_fold_char(c) for c in text)


def slug(text: str) -> str:
    """An id from a label: ``slug("Sở Ngoại vụ") == "so_ngoai_vu"``."""
    return re.sub(r"[^a-z0-9]+", "_", fold(text)).strip("_")[:70] or "x"


_WORD = re.compile(r"\w+")


def _words(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


def _key(text: str) -> str:
    return " ".join(_WORD.findall(fold(text)))


def _marks(text: str) -> list[tuple[str, ...]]:
    """Per word, its diacritics in any order (so "hoá" and "hóa" agree, "diễn" and "Điện" do not)."""
    return [tuple(sorted(c for c in unicodedata.normalize("NFD", w.lower().replace("đ", "d\u0111"))
                         if unicodedata.combining(c) or c == "\u0111")) for w in _WORD.findall(text)]


def _punct(text: str) -> str:
    """The punctuation of a label, but brackets (a match ends at a word, before its ")")."""
    return "".join(c for c in text if not (c.isalnum() or c.isspace() or c in "()[]"))


# --- known entities ----------------------------------------------------------------------------


@dataclass
class Known:
    """An entity another curated source declares."""

    id: str
    kind: str
    vi: str
    en: str
    alt: list[str]
    file: str


def known_entities(sources: Path, exclude: tuple[str, ...] = ()) -> dict[str, Known]:
    """Entities declared in ``sources/curated/*.yaml`` (first declaration wins; unreadable files are
    skipped: ``cdkg validate`` reports them).  Of the files named in ``exclude`` only the entities
    that another file's facts use are kept: an entity that only an excluded file introduces is
    unknown (the leave-one-out bench drafts an article as if it were new)."""
    from cdkg.loaders.curated import MAX_FILE_BYTES

    found: dict[str, Known] = {}
    folder = Path(sources) / "curated"
    files: list[tuple[str, dict]] = []
    used: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        try:  # the loader's reader: no link out of the folder, FIFO or device (which would hang)
            data, _ = load_yaml_text(read_regular(path, folder, MAX_FILE_BYTES).decode("utf-8"))
        except (OSError, UnsafeFile, UnicodeDecodeError, YamlProblem):
            continue
        if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
            continue
        excluded = path.name in exclude or path.stem in exclude
        files.append((path.name if not excluded else "\0" + path.name, data))
        if not excluded:
            for ev in data.get("evidence") or []:
                for fact in (ev.get("facts") or []) if isinstance(ev, dict) else []:
                    if isinstance(fact, list):
                        used.update(x for x in fact if isinstance(x, str))
    for name, data in sorted(files, key=lambda nd: nd[0].startswith("\0")):
        for ent in data["entities"]:
            if not isinstance(ent, dict) or not isinstance(ent.get("id"), str) or ent["id"] in found:
                continue
            if name.startswith("\0") and ent["id"] not in used:
                continue
            alt = [a for a in ent.get("alt") or [] if isinstance(a, str)]
            found[ent["id"]] = Known(ent["id"], str(ent.get("kind", "")), str(ent.get("vi", "")),
                                     str(ent.get("en", "")), alt, name.lstrip("\0"))
    return found


# --- patterns ----------------------------------------------------------------------------------

#: Post titles before a name, longest first; the role id proposed when no known role has the label.
TITLES = {
    "Phó Thủ tướng": ("role_deputy_prime_minister", "Deputy Prime Minister"),
    "Thủ tướng": ("role_prime_minister", "Prime Minister"),
    "Tổng Bí thư": ("role_general_secretary", "General Secretary"),
    "Phó Chủ tịch": ("role_vice_chair", "Vice Chair"),
    "Chủ tịch": ("role_chair", "Chair"),
    "Thứ trưởng Thường trực": ("role_permanent_deputy_minister", "Permanent Deputy Minister"),
    "Thứ trưởng": ("role_deputy_minister", "Deputy Minister"),
    "Bộ trưởng": ("role_minister", "Minister"),
    "Trợ lý Bộ trưởng": ("role_assistant_minister", "Assistant Minister"),
    "Đại sứ": ("role_ambassador", "Ambassador"),
    "Tổng Lãnh sự": ("role_consul_general", "Consul General"),
    "Phó Bí thư": ("role_deputy_party_secretary", "Deputy Party Secretary"),
    "Bí thư": ("role_party_secretary", "Party Secretary"),
    "Giám đốc": ("role_director", "Director"),
    "Phó Giám đốc": ("role_deputy_director", "Deputy Director"),
    "Cục trưởng": ("role_director_general", "Director General"),
    "Phó Cục trưởng": ("role_deputy_director", "Deputy Director"),
    "Vụ trưởng": ("role_director_general", "Director General"),
    "Tổng giám đốc": ("role_director_general", "Director General"),
    "Trưởng ban": ("role_head", "Head"),
    "Trưởng đại diện": ("role_head_of_delegation", "Head of Delegation"),
    "Người phát ngôn": ("role_spokesperson", "Spokesperson"),
    "Ủy viên Bộ Chính trị": ("role_politburo_member", "Member of the Politburo"),
    "Ủy viên Trung ương Đảng": ("role_central_committee_member", "Member of the Party Central Committee"),
    "Ủy viên BCH Trung ương Đảng": ("role_central_committee_member", "Member of the Party Central Committee"),
    "Ủy viên Ban Chấp hành Trung ương Đảng": ("role_central_committee_member",
                                              "Member of the Party Central Committee"),
    "Ủy viên": ("role_member", "Member"),
}
#: Posts that exist in one organisation only: the organisation a title names without saying it.
IMPLIED_ORG = {"Tổng Bí thư": "Đảng Cộng sản Việt Nam", "Thủ tướng": "Chính phủ", "Phó Thủ tướng": "Chính phủ"}
_TITLE_KEYS = sorted(((_key(t), t) for t in TITLES), key=lambda kt: -len(kt[0]))

SURNAMES = frozenset(s.lower() for s in (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Hà Đào Đoàn Vương Trịnh "
    "Trương Lâm Phùng Mai Tô Cao Lưu Đinh Tạ Châu Lương Kiều Quách Thân Tôn Chu Triệu Nghiêm Giang Lại "
    "Hứa Lục Thái Nông Mạc Quan Khúc Ông Lò Y").split())

#: Names a pattern cannot find ("Bộ Chính trị" is no ministry), and international organisations and partner
#: countries: label, alternatives, id, class, English.  Proposed as new entities where no source knows them.
NATIONAL_BODIES = (
    ("Bộ Chính trị", (), "politburo", "PartyBody", "Politburo of the Communist Party of Vietnam"),
    ("Ban Bí thư", (), "party_secretariat", "PartyBody", "Secretariat of the Party Central Committee"),
    ("Ban Chấp hành Trung ương Đảng", ("BCH Trung ương Đảng", "Trung ương Đảng", "Ban Chấp hành Trung ương"),
     "cpv_central_committee", "PartyBody", "Central Committee of the Communist Party of Vietnam"),
    ("Ban Đối ngoại Trung ương", (), "central_commission_external_relations", "PartyBody",
     "Central Commission for External Relations"),
    ("Ban Tuyên giáo Trung ương", (), "central_propaganda_commission", "PartyBody",
     "Central Propaganda and Education Commission"),
    ("Quốc hội", (), "national_assembly", "NationalAssemblyBody", "National Assembly of Viet Nam"),
    ("Chính phủ", (), "government", "GovernmentAgency", "Government of Viet Nam"),
    # international organisations
    ("Liên hợp quốc", ("Liên Hợp Quốc", "LHQ"), "united_nations", "InternationalOrganization", "United Nations"),
    ("UNESCO", (), "unesco", "InternationalOrganization", "UNESCO"),
    ("ASEAN", ("Hiệp hội các quốc gia Đông Nam Á",), "asean", "InternationalOrganization", "ASEAN"),
    ("APEC", (), "apec", "InternationalOrganization", "Asia-Pacific Economic Cooperation (APEC)"),
    ("Liên minh châu Âu", ("EU",), "european_union", "InternationalOrganization", "European Union"),
    ("Tổ chức Quốc tế Pháp ngữ", ("OIF",), "oif", "InternationalOrganization", "Organisation internationale de la "
     "Francophonie"),
    # partner countries (one-word names only where no Vietnamese given name or word is spelt the same)
    ("Trung Quốc", (), "china", "Country", "China"), ("Hoa Kỳ", ("Mỹ",), "united_states", "Country", "United States"),
    ("Liên bang Nga", ("nước Nga",), "russia", "Country", "Russia"),
    ("Nhật Bản", (), "japan", "Country", "Japan"), ("Hàn Quốc", (), "south_korea", "Country", "Republic of Korea"),
    ("Pháp", (), "france", "Country", "France"), ("Cộng hòa Liên bang Đức", ("nước Đức",), "germany", "Country",
                                                  "Germany"),
    ("Vương quốc Anh", ("nước Anh",), "united_kingdom", "Country", "United Kingdom"),
    ("Lào", (), "laos", "Country", "Laos"), ("Campuchia", (), "cambodia", "Country", "Cambodia"),
    ("Thái Lan", (), "thailand", "Country", "Thailand"), ("Singapore", (), "singapore", "Country", "Singapore"),
    ("Indonesia", (), "indonesia", "Country", "Indonesia"), ("Malaysia", (), "malaysia", "Country", "Malaysia"),
    ("Philippines", (), "philippines", "Country", "Philippines"), ("Myanmar", (), "myanmar", "Country", "Myanmar"),
    ("Ấn Độ", (), "india", "Country", "India"), ("Australia", ("Úc",), "australia", "Country", "Australia"),
    ("Canada", (), "canada", "Country", "Canada"), ("Cuba", (), "cuba", "Country", "Cuba"),
    ("Italy", ("Italia",), "italy", "Country", "Italy"), ("Hà Lan", (), "netherlands", "Country", "Netherlands"),
)

#: Organisation heads and the class proposed for a new one.
ORG_HEADS = {
    "Bộ": "Ministry", "Sở": "AgencyUnit", "Ủy ban nhân dân": "PeoplesCommittee",
    "Uỷ ban nhân dân": "PeoplesCommittee", "UBND": "PeoplesCommittee", "Cục": "AgencyUnit",
    "Vụ": "AgencyUnit", "Tổng cục": "GovernmentAgency", "Học viện": "GovernmentAgency",
    "Đại sứ quán": "RepresentativeMission", "Tổng Lãnh sự quán": "RepresentativeMission",
    "Ban Chỉ đạo": "SteeringCommittee", "Ban": "GovernmentAgency", "Liên hiệp": "FriendshipOrganization", "Hội": "FriendshipOrganization",
    "Truyền hình": "MediaOrganization", "Đài": "MediaOrganization", "Thông tấn xã": "MediaOrganization",
    "Tỉnh ủy": "PartyBody", "Tỉnh uỷ": "PartyBody", "Thành ủy": "PartyBody", "Thành uỷ": "PartyBody",
}
_ORG_HEAD_KEYS = sorted(((_key(h), h) for h in ORG_HEADS), key=lambda kh: -len(kh[0]))
_LOCALITY_WORDS = ("tinh", "thanh pho")
#: Words that end an organisation's name ("Bộ Ngoại giao tại …"), folded.
_FUNCTION_WORDS = ("tai", "o", "cua", "voi", "cho", "ve", "trong", "da", "la", "duoc", "co", "se", "de", "do", "tu",
                   "theo", "nham", "cung", "dang", "deu", "chu", "tri", "to", "chuc")
ORG_KINDS = frozenset(("Ministry", "GovernmentAgency", "PeoplesCommittee", "AgencyUnit", "RepresentativeMission",
                       "FriendshipOrganization", "SteeringCommittee", "PartyBody", "NationalAssemblyBody",
                       "InternationalOrganization", "OrganisationGroup", "MediaOrganization", "Government"))
PLACE_KINDS = frozenset(("Province", "CentrallyRunCity", "Venue", "WorldHeritageProperty", "Country", "HeritageItem",
                         "VietnameseLocality", "ForeignLocality"))

DOC_NUMBER = re.compile(r"(?<![\w/])(\d{1,5}(?:/\d{4})?/[A-ZĐ][A-Za-zĐđ0-9]*(?: ?-[A-Za-zĐđ0-9]+)*"
                        r"|\d{1,4}-[A-ZĐ]{1,5}/[A-ZĐ]{1,5})(?![\w/])")
DOC_TYPES = {"Quyết định": "Decision", "Kế hoạch": "Plan", "Nghị quyết": "Resolution", "Chỉ thị": "Directive",
             "Công văn": "Document", "Văn bản": "Document", "Thông báo": "Document", "Nghị định": "Decree",
             "Chương trình": "ActionProgramme", "Đề án": "Scheme", "Luật": "Law"}
_CODE_TYPES = (("QĐ", "Decision"), ("KH", "Plan"), ("NQ", "Resolution"), ("QH", "Resolution"),
               ("CT", "Directive"), ("NĐ", "Decree"))
_ISSUER_CODES = (("TTg", ("Thủ tướng Chính phủ",)), ("BNG", ("Bộ Ngoại giao",)), ("QH", ("Quốc hội",)),
                 ("CP", ("Chính phủ",)))

# Dates: "28/4/2022", "26/5", "tháng 11/2021", "năm 2010" (the last only after "năm").
DATE = re.compile(r"(?<![\d/])(?:(?P<dmy>\d{1,2}/\d{1,2}/\d{4})|(?P<dm>\d{1,2}/\d{1,2})(?![\d/])"
                  r"|(?:tháng\s+)(?P<my>\d{1,2}/\d{4})|(?:năm\s+)(?P<y>(?:19|20)\d{2}))(?![\d/])")

_GROUP_NOUN = r"(?:bộ|bô|ban|ngành|sở|cơ quan|đơn vị|lực lượng|địa phương)"
#: A group of organisations: "một số bộ, ban, ngành", "các cơ quan chuyên môn", "từng ngành, từng địa phương".
GROUP = re.compile(r"(?<!\w)(?:[Mm]ột số|[Cc]ác|[Nn]hững|[Tt]ừng|\d+)\s+(?:bộ|bô|ban|ngành|sở|cơ quan|đơn vị|lực lượng)"
                   r"(?:,?\s+(?:từng\s+)?" + _GROUP_NOUN + r"(?!\w))*"
                   r"(?:\s+(?!(?:cùng|hỗ|tham|là|đến|từ|với|để|nhằm|đã|sẽ|có|và|cũng|trong|của|thuộc|tại|ở|"
                   r"về|đều|được|phối|triển|thực|nêu|chia|trên|cho|theo|nói)(?!\w))\w+){0,3}(?!\w)")

#: An intangible heritage element by its genre: "nghệ thuật Xòe Thái", "lễ hội Gióng", "hát Xoan".
ELEMENT = re.compile(r"(?<!\w)(?:[Nn]ghệ thuật|[Ll]ễ hội|[Nn]ghi lễ|[Tt]ín ngưỡng|[Hh]át|[Dd]ân ca|[Đđ]ờn ca|[Nn]ghề)"
                     r"(?P<name>(?:\s+[A-ZĐÀ-Ỹ]\w*)+)")
#: The UNESCO lists, as an article names them, and their individuals in the ontology.
HERITAGE_LISTS = ((re.compile(r"(?i)di sản văn hó?a phi vật thể đại diện của nhân loại|di sản văn hoá phi vật thể "
                              r"đại diện của nhân loại"), "cd:RepresentativeListICH"),
                  (re.compile(r"(?i)di sản (?:văn hó?a |văn hoá )?thế giới"), "cd:WorldHeritageList"))
#: An action programme named by what it implements: "kế hoạch hành động của Bộ Ngoại giao triển khai Chiến lược …".
ACTION = re.compile(r"(?i)(?<!\w)(?:các\s+)?(?:kế hoạch|chương trình) hành động của\s+")
#: A document named by its title in quotation marks: "Đề án “Nâng cao hiệu quả …”".
TITLED = re.compile(r"(?<!\w)(Đề án|Chương trình|Kế hoạch|Dự án)\s+“([^”]{5,200})”")

HERITAGE = re.compile(r"(?<!\w)(?:[Kk]hu di tích|[Qq]uần thể di tích|[Dd]i tích|[Dd]i sản(?: văn hóa| văn hoá)?"
                      r"(?: phi vật thể| vật thể| thế giới)?)\s+((?:[A-ZĐ]\w*)(?:\s+(?:[A-ZĐ]\w*|thành|nhà|cổ))*"
                      r"(?:\s+[A-ZĐ]\w*)*)")
DOC_KINDS = frozenset(("Strategy", "Plan", "Decision", "Resolution", "Directive", "Document", "ActionProgramme",
                       "Decree", "Scheme", "Law"))
EVENT_HEADS = ("Hội nghị", "Hội thảo", "Cuộc họp", "Diễn đàn", "Tọa đàm", "Toạ đàm", "Lễ", "Phiên")
EVENT_KINDS = {"hoi nghi": "Conference", "hoi thao": "Conference", "cuoc hop": "Meeting", "dien dan": "Conference",
               "toa dam": "Meeting", "le": "Ceremony", "phien": "Meeting"}

SPEECH = re.compile(r"\b(nhấn mạnh|cho rằng|khẳng định|chia sẻ|trình bày|cho biết|đề nghị|phân tích|"
                    r"đánh giá cao)\b")

#: Cue words → the event property a person or organisation of the sentence fills.
CUES = (("chu tri", "chair", 0.7), ("phat bieu", "speaker", 0.6), ("tham du", "attendee", 0.6),
        ("su tham gia", "attendee", 0.5), ("du hoi nghi", "attendee", 0.5))


# --- the draft ---------------------------------------------------------------------------------


@dataclass
class Mention:
    start: int
    end: int
    text: str
    id: str
    kind: str
    how: str  # "label" | "alt" | "title+name" | "pattern" | "number"
    new: bool = False


@dataclass
class Fact:
    s: str
    p: str
    o: str | int
    confidence: float
    why: str


@dataclass
class Sentence:
    text: str
    start: int
    mentions: list[Mention] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    dates: list[tuple[str, str]] = field(default_factory=list)  # (as written, value)
    event: str | None = None


@dataclass
class NewEntity:
    id: str
    kind: str
    vi: str
    en: str
    alt: list[str]
    why: str
    confidence: float


@dataclass
class Draft:
    """What :func:`draft` proposes: the YAML text, the review report, and their parts."""

    source: str
    article: str
    sentences: list[Sentence]
    new: dict[str, NewEntity]
    matched: dict[str, tuple[Known, str]]  # id → (entity, first matched text)
    left_out: list[str]
    yaml: str = ""
    published: str | None = None  # the header's date, as the draft read it (for attestedOn)
    report: str = ""

    @property
    def excerpts(self) -> list[str]:
        return [s.text for s in self.sentences]

    def entity_ids(self) -> set[str]:
        return set(self.matched) | set(self.new)

    def facts(self) -> list[tuple[str, str, str | int]]:
        return [(f.s, f.p, f.o) for s in self.sentences for f in s.facts]


def split_sentences(article: Article, raw_body: str) -> list[tuple[str, int]]:
    """The body's sentences (one paragraph line may hold several) with their offsets in the
    normalised body; a sentence that is not found verbatim is dropped."""
    out: list[tuple[str, int]] = []
    pos = 0
    for line in raw_body.splitlines():
        line = normalise(line)
        if not line:
            continue
        pieces: list[str] = []
        for piece in re.split(r"(?<=[.!?…])\s+", line):
            if pieces and not piece.lstrip("“\"(-–• ")[:1].isupper() and not piece[:1].isdigit():
                pieces[-1] += " " + piece
            else:
                pieces.append(piece)
        for piece in pieces:
            piece = piece.strip()
            if len(piece) < 2:
                continue
            i = article.text.find(piece, pos)
            if i < 0:
                i = article.text.find(piece)
            if i < 0:
                continue
            out.append((piece, i))
            pos = i + len(piece)
    return out


class _Index:
    """Folded labels of the known entities → (id, label, how); the longest match wins."""

    def __init__(self, known: dict[str, Known]):
        self.known = known
        self.labels: dict[str, list[tuple[str, str, str]]] = {}
        self.numbers: dict[str, str] = {}
        for ent in known.values():
            for label, how in [(ent.vi, "label"), (ent.en, "label"), *((a, "alt") for a in ent.alt)]:
                k = _key(label)
                if k:
                    self.labels.setdefault(k, []).append((ent.id, label, how))
                first = DOC_NUMBER.search(label)  # the document's own number (a label may cite others after it)
                if first and ent.kind in DOC_KINDS:
                    self.numbers.setdefault(first.group(1).replace(" ", "").lower(), ent.id)
        self.longest = max((k.count(" ") + 1 for k in self.labels), default=1)

    def find(self, text: str) -> list[Mention]:
        folded = fold(text)
        words = _words(folded)
        out: list[Mention] = []
        i = 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                a, b = words[i][0], words[i + n - 1][1]
                k = " ".join(folded[s:e] for s, e in words[i:i + n])
                hits = self.labels.get(k)
                if not hits:
                    continue
                span = text[a:b]
                ent_id, label, how = hits[0]
                if text[b:b + 5] == " quán":
                    continue  # "Đại sứ quán" (an embassy) is not "Đại sứ" (an ambassador)
                if self.known[hits[0][0]].kind == "Role" and k.rsplit(" ", 1)[-1] in ("ban", "bo", "so", "cuc", "vu") \
                        and text[a:b].split()[-1][:1].isupper():
                    continue  # "Trưởng Ban Đối ngoại …": the title is "Trưởng", the organisation "Ban Đối ngoại …"
                if _punct(span) != _punct(label) and n > 1:
                    continue
                if not (span.isascii() and (n > 1 or len(span) >= 3)) and _marks(span) != _marks(label):
                    continue  # accents differ: "diễn biến" is not "Điện Biên"
                if n == 1 and span.islower() and not label.islower():
                    continue  # "đảng" (a party) is not "Đảng" (the Party)
                out.append(Mention(a, b, span, ent_id, self.known[ent_id].kind, how))
                i += n - 1
                break
            i += 1
        return out

    def by_label(self, *labels: str) -> str | None:
        for label in labels:
            hits = self.labels.get(_key(label))
            if hits:
                return hits[0][0]
        return None


_ASCII_SURNAMES = frozenset(fold(x) for x in SURNAMES)


def _surname(word: str) -> bool:
    """A Vietnamese family name, with its accents ("Trương", not "Trưởng"), or written without any."""
    return word.lower() in SURNAMES or (word.isascii() and word.lower() in _ASCII_SURNAMES)


def _free(mentions: list[Mention], a: int, b: int) -> bool:
    return all(b <= m.start or a >= m.end for m in mentions)


def _date_value(written: str) -> str | None:
    try:
        return format_date(*parse_date(written))
    except DateFormatError:
        return None


class _Drafter:
    def __init__(self, article: Article, source: str, known: dict[str, Known]):
        self.article = article
        self.source = source
        self.index = _Index(known)
        self.known = known
        self.new: dict[str, NewEntity] = {}
        self.matched: dict[str, tuple[Known, str]] = {}
        self.event: str | None = None
        self.positions: set[str] = set()
        self.left_out: list[str] = []
        self.event_date: str | None = None
        self.home: str | None = None  # the province the article names most (for "UBND tỉnh" alone)
        self.speaker: str | None = None  # the last person who spoke (for "…, Trưởng ban nhấn mạnh")
        self.goals_of: str | None = None  # the plan whose goals the sentences go on listing
        self.plan: str | None = None  # the plan the article reports (new: no source knows it)
        self.bodies = _Index({b[2]: Known(b[2], b[3], b[0], b[4], list(b[1]), "(register)") for b in NATIONAL_BODIES})
        published = article.header.get("published", "")
        day = re.search(r"\d{1,2}/\d{1,2}/\d{4}", published)  # "14/12/2021 13:16": the day
        self.published = _date_value(day.group(0)) if day else None

    def add_new(self, ent: NewEntity) -> str:
        ent.id = ent.id[:80].rstrip("_")  # the schema's longest id
        if ent.id in self.known:
            return ent.id
        self.new.setdefault(ent.id, ent)
        return ent.id

    def body(self, label: str) -> str | None:
        """The id of a national body (:data:`NATIONAL_BODIES`) named ``label``, declared new if no
        source knows it."""
        hits = self.bodies.labels.get(_key(label))
        if not hits:
            return None
        ent = self.bodies.known[hits[0][0]]
        return self.index.by_label(ent.vi) or self.add_new(
            NewEntity(ent.id, ent.kind, ent.vi, ent.en, [], "a name of the register in cdkg draft (national "
                      "bodies, international organisations, countries)", 0.8))

    def _bodies(self, s: Sentence) -> None:
        for m in self.bodies.find(s.text):
            if " " not in m.text and m.start > 0 and (  # "Pháp" alone, not a syllable of a name
                    re.search(r"[A-ZĐÀ-Ỹ]\w*\s$", s.text[:m.start]) or re.match(r"\s[A-ZĐ]", s.text[m.end:m.end + 2])):
                continue
            within = [x for x in s.mentions if m.start <= x.start and x.end <= m.end and x.end - x.start < len(m.text)]
            if _free([x for x in s.mentions if x not in within], m.start, m.end):
                for x in within:  # "Trung ương Đảng" is the Central Committee, not "Đảng" alone
                    s.mentions.remove(x)
                bid = self.body(m.text)
                if bid:
                    s.mentions.append(Mention(m.start, m.end, m.text, bid, m.kind, "register", new=bid in self.new))

    def short_form(self, span: str, mentions: list[Mention]) -> str | None:
        """The one entity already matched in the article whose label begins with ``span``
        ("Ban Chỉ đạo" after "Ban Chỉ đạo công tác Ngoại giao văn hoá")."""
        k = _key(span) + " "
        seen = set(self.matched) | {m.id for m in mentions if m.id in self.known}
        hits = {eid for eid in seen
                if any(_key(label).startswith(k) for label in (self.known[eid].vi, *self.known[eid].alt))}
        hits |= {e.id for e in self.new.values() if e.kind in ORG_KINDS and _key(e.vi).startswith(k)}
        return hits.pop() if len(hits) == 1 else None

    def role(self, title: str) -> str:
        known = self.index.by_label(title)
        if known:
            return known
        rid, en = TITLES[title]
        return self.add_new(NewEntity(rid, "Role", title, en, [], f"post title '{title}'", 0.8))

    # one sentence
    def sentence(self, text: str, start: int) -> Sentence:
        s = Sentence(text, start)
        numbers = [(m.start(), m.end()) for m in DOC_NUMBER.finditer(text)]
        s.mentions = [m for m in self.index.find(text) if all(_free([m], a, b) for a, b in numbers)]
        for m in [m for m in s.mentions if m.kind in ORG_KINDS]:
            parent = re.search(r", (Bộ [^,]+(?:, [^,]+)*)$", m.text)  # "Cục Hợp tác Quốc tế, Bộ Văn hóa, …"
            if parent:
                p_label = parent.group(1)
                pid = self.index.by_label(p_label) or self.add_new(
                    NewEntity(slug(p_label), "Ministry", p_label, p_label, [], "organisation pattern 'Bộ …'", 0.5))
                at = m.start + parent.start(1)
                s.mentions.append(Mention(at, m.end, p_label, pid, "Ministry", "pattern", new=pid in self.new))
        self._documents(s)
        self._bodies(s)
        self._organisations(s)
        self._groups(s)
        self._dates(s)
        self._heritage(s)
        self._titled(s)
        self._people(s)
        self._event(s)
        s.mentions.sort(key=lambda m: m.start)
        self._periods(s)
        for m in s.mentions:
            if not m.new and m.id in self.known:
                self.matched.setdefault(m.id, (self.known[m.id], m.text))
        self._facts(s)
        self._statements(s)
        unique: dict[tuple[str, str, str | int], Fact] = {}
        for f in s.facts:
            unique.setdefault((f.s, f.p, f.o), f)
        s.facts = list(unique.values())
        return s

    def _documents(self, s: Sentence) -> None:
        for m in DOC_NUMBER.finditer(s.text):
            number = m.group(1).replace(" ", "")  # "208/QĐ -TTg" as printed: the number is 208/QĐ-TTg
            if not _free(s.mentions, m.start(), m.end()):
                continue
            before = s.text[max(0, m.start() - 40):m.start()]
            known = self.index.numbers.get(number.lower())
            if known:
                s.mentions.append(Mention(m.start(), m.end(), number, known, self.known[known].kind, "number"))
                continue
            kind, type_word = "Document", ""
            for word, k in DOC_TYPES.items():
                if re.search(re.escape(word) + r"(\s+số)?\s*$", before, re.IGNORECASE):
                    kind, type_word = k, word
            if kind == "Document":
                code = number.split("/", 1)[1] if "/" in number else number
                for c, k in _CODE_TYPES:
                    if code.upper().startswith(c.upper()) or f"/{c}" in number:
                        kind = k
                        break
            vi_type = type_word or {"Decision": "Quyết định", "Plan": "Kế hoạch", "Resolution": "Nghị quyết",
                                    "Directive": "Chỉ thị", "Decree": "Nghị định"}.get(kind, "Văn bản")
            en_type = {"Document": "Document", "ActionProgramme": "Programme"}.get(kind, kind)
            did = self.add_new(NewEntity(f"{kind.lower()}_{slug(number)}", kind, f"{vi_type} số {number}",
                                         f"{en_type} No. {number}", [], f"document number '{number}'", 0.9))
            s.mentions.append(Mention(m.start(), m.end(), number, did, kind, "number", new=True))

    def _organisations(self, s: Sentence) -> None:
        text, folded = s.text, fold(s.text)
        words = _words(text)
        for i, (a, _b) in enumerate(words):
            head = next(((k, h) for k, h in _ORG_HEAD_KEYS
                         if " ".join(folded[x:y] for x, y in words[i:i + k.count(" ") + 1]) == k
                         and text[a].isupper()), None)
            if head is None:
                continue
            k, h = head
            j = i + k.count(" ") + 1
            name_end, locality = None, None
            # the name: Capitalised words, each with at most one lowercase word after it, or "và"
            # ("Ban Chỉ đạo công tác Ngoại giao văn hoá": every word up to punctuation or a function word)
            if ORG_HEADS[h] == "SteeringCommittee" and j < len(words) and (
                    text[words[j][0]].isupper() or folded[words[j][0]:words[j][1]] == "cong"):
                while j < len(words) and j - i < 12 and not re.search(r"[^\s]", text[words[j - 1][1]:words[j][0]]) \
                        and folded[words[j][0]:words[j][1]] not in ("va", *_FUNCTION_WORDS, "nham", "voi"):
                    name_end = words[j][1]
                    j += 1
            if ORG_HEADS[h] == "SteeringCommittee":
                name_end = name_end or words[j - 1][1]  # "Ban Chỉ đạo" alone: the one the article named
            while ORG_HEADS[h] != "SteeringCommittee" and j < len(words):
                w = text[words[j][0]:words[j][1]]
                fw = folded[words[j][0]:words[j][1]]
                two = " ".join(folded[x:y] for x, y in words[j:j + 2])
                rest = folded[words[j][0]:words[j][0] + 40]
                if "," in text[words[j - 1][1]:words[j][0]] and any(
                        rest.startswith(k + " ") for k, _t in [*_TITLE_KEYS, *_ORG_HEAD_KEYS]):
                    break  # "Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh": a second post, not the name going on
                if fw in _LOCALITY_WORDS or two in _LOCALITY_WORDS:
                    n = 2 if two in _LOCALITY_WORDS else 1
                    q = j + n
                    while q < len(words) and text[words[q][0]].isupper() and q - j - n < 4 \
                            and not (q - j - n >= 2 and _surname(text[words[q][0]:words[q][1]])):
                        q += 1
                    place = next((m for m in s.mentions if m.kind in PLACE_KINDS and
                                  m.start in (words[j][0], words[min(j + n, len(words) - 1)][0])), None)
                    if place is not None:
                        locality = (words[j][0], words[j + n][0], place.end)
                        name_end = place.end
                    elif q > j + n:
                        locality = (words[j][0], words[j + n][0], words[q - 1][1])
                        name_end = words[q - 1][1]
                    break
                if w[0].isupper() and not (name_end and _surname(w)):
                    name_end = words[j][1]
                    j += 1
                    if j < len(words) and text[words[j][0]].islower() and fold(text[words[j][0]:words[j][1]]) \
                            not in ("va", *_LOCALITY_WORDS, *_FUNCTION_WORDS) and "," not in text[name_end:words[j][0]]:
                        name_end = words[j][1]
                        j += 1
                    continue
                if (fw == "va" or (fw == "tai" and ORG_HEADS[h] == "RepresentativeMission")) and name_end \
                        and j + 1 < len(words) and text[words[j + 1][0]].isupper():
                    j += 1
                    continue
                break
            home_based = False
            if self.home and ORG_HEADS[h] in ("PeoplesCommittee", "PartyBody") and locality is None and (
                    name_end is None and (ORG_HEADS[h] == "PartyBody" or (j < len(words) and folded[
                        words[j][0]:words[j][1]] in ("tinh", "thanh")))):
                # "Chủ tịch UBND tỉnh", "Phó Bí thư Tỉnh ủy": the article's own province, by its mentions
                name_end = words[j][1] if ORG_HEADS[h] == "PeoplesCommittee" else words[j - 1][1]
                if ORG_HEADS[h] == "PeoplesCommittee" and folded[words[j][0]:words[j][1]] == "thanh" \
                        and j + 1 < len(words):
                    name_end = words[j + 1][1]
                home_based = True
            inside = [m for m in s.mentions if m.kind in PLACE_KINDS and name_end and
                      m.start >= (locality[0] if locality else a) and m.end <= name_end]
            if name_end is None or not _free([m for m in s.mentions if m not in inside], a, name_end):
                continue
            span = text[a:name_end]
            kind = ORG_HEADS[h]
            if home_based:
                home = self.known[self.home]
                prefix = "ubnd" if kind == "PeoplesCommittee" else slug(h)
                where = (text[words[j][0]:name_end] + " " if kind == "PeoplesCommittee" else "") + home.vi
                vi = f"Ủy ban nhân dân {where}" if kind == "PeoplesCommittee" else f"{h} {home.vi}"
                ent = NewEntity(f"{prefix}_{self.home}", kind, vi, vi, [],
                                f"'{text[a:name_end]}' with no name: the province the article names most, "
                                f"{home.vi}", 0.4)
            elif kind == "PeoplesCommittee":
                if locality is None:
                    continue
                place, where = text[locality[1]:locality[2]], text[locality[0]:locality[2]]
                oid = "ubnd_" + slug(place)
                vi = f"Ủy ban nhân dân {where}"
                ent = NewEntity(oid, kind, vi, f"People's Committee of {place}", [f"UBND {where}"],
                                f"'{h} {where}' (a locality's People's Committee)", 0.8)
            else:
                oid = slug(span)
                ent = NewEntity(oid, kind, span, span, [], f"organisation pattern '{h} …'", 0.5)
            parent = re.search(r", (Bộ [^,]+(?:, [^,]+)*)$", span)
            if parent and kind != "Ministry":  # "Cục Hợp tác Quốc tế, Bộ Văn hóa, Thể thao và Du lịch"
                p_at = a + parent.start(1)
                p_label = parent.group(1)
                pid = self.index.by_label(p_label) or self.add_new(
                    NewEntity(slug(p_label), "Ministry", p_label, p_label, [], "organisation pattern 'Bộ …'", 0.5))
                s.mentions.append(Mention(p_at, name_end, p_label, pid, "Ministry", "pattern", new=pid in self.new))
            known = self.index.by_label(span, ent.vi) or (None if home_based else self.short_form(span, s.mentions))
            if home_based and ent.id in self.known:
                known = ent.id
            if known in self.new:  # the short form of an organisation this draft proposes
                s.mentions.append(Mention(a, name_end, span, known, self.new[known].kind, "pattern", new=True))
                continue
            if known:
                s.mentions.append(Mention(a, name_end, span, known, self.known[known].kind, "label"))
                continue
            oid = self.add_new(ent)
            s.mentions.append(Mention(a, name_end, span, oid, kind, "pattern", new=True))
            for m in inside:  # the province stays a mention of its own (for the review), but not the org's
                s.mentions.remove(m)
                s.mentions.append(Mention(m.start, m.end, m.text, m.id, "Locality", m.how))

    def _groups(self, s: Sentence) -> None:
        """"một số bộ, ban, ngành", "các đơn vị trong Bộ Ngoại giao", "từng ngành, từng địa phương":
        a group of organisations the article names without naming its members."""
        for m in GROUP.finditer(s.text):
            a = m.start()
            words = m.group(0).split()
            cut = next((i for i, w in enumerate(words) if i and w[0].isupper()), len(words))
            end = a + len(" ".join(words[:cut]))  # a capitalised word is a name, not the group's
            tail = re.match(r"\s+trong công tác(?:\s+[a-zđơưôâêăóòọõỏốồộỗổớờợỡởíìịĩỉúùụũủứừựữửéèẹẽẻếềệễểáàạãảấầậẫẩắằặẵẳ]+)"
                            r"{1,2}(?=[\s,.;]|$)", s.text[end:])
            end += tail.end() if tail else 0
            inner = []
            while True:  # "các đơn vị trong Bộ Ngoại giao": a known organisation after "trong/của"
                nxt = next((x for x in s.mentions if x.kind in ORG_KINDS and re.fullmatch(
                    r"\s+(?:trong|của|thuộc)\s+", s.text[end:x.start])), None)
                if nxt is None:
                    break
                end = nxt.end
                inner.append(nxt)
            span = s.text[a:end].rstrip(" ,")
            if len(span.split()) < 3 or not _free([x for x in s.mentions if x not in inner], a, a + len(span)):
                continue
            gid = self.index.by_label(span) or self.add_new(NewEntity(
                "group_" + slug(span)[:60].rstrip("_"), "OrganisationGroup", span[0].upper() + span[1:],
                span[0].upper() + span[1:], [], "a group of organisations ('các/một số …')", 0.5))
            kind = self.known[gid].kind if gid in self.known else self.new[gid].kind
            s.mentions.append(Mention(a, a + len(span), span, gid, kind, "pattern", new=gid in self.new))

    def _titled(self, s: Sentence) -> None:
        """Documents named by their title ("Đề án “…”") or by what they implement ("kế hoạch hành động
        của Bộ Ngoại giao triển khai Chiến lược …"), and UNESCO inscriptions."""
        kinds = {"Đề án": "Scheme", "Chương trình": "ActionProgramme", "Kế hoạch": "Plan", "Dự án": "Document"}
        for m in TITLED.finditer(s.text):
            inner = [x for x in s.mentions if m.start(2) <= x.start and x.end <= m.end(2)]  # names in the title
            if not _free([x for x in s.mentions if x not in inner], m.start(), m.end()):
                continue
            label = m.group(0)
            did = self.index.by_label(label) or self.add_new(NewEntity(
                f"{slug(kinds[m.group(1)])}_{slug(m.group(2))[:50].rstrip('_')}", kinds[m.group(1)], label, label, [],
                f"a document named by its title in quotation marks ('{m.group(1)} “…”')", 0.6))
            s.mentions.append(Mention(m.start(), m.end(), label, did, kinds[m.group(1)], "pattern", new=did in self.new))
        for m in ACTION.finditer(s.text):
            org = next((x for x in s.mentions if x.start == m.end() and x.kind in ORG_KINDS), None)
            if org is None:
                continue
            how = re.match(r"\s+(?:nhằm\s+)?(?:triển khai|thực hiện)\s+", s.text[org.end:])
            doc = next((x for x in s.mentions if how and x.start == org.end + how.end() and x.kind in DOC_KINDS), None)
            if doc is None or not _free([x for x in s.mentions if x not in (org, doc)], m.start(), doc.end):
                continue
            label = s.text[m.start():doc.end]
            label = label[0].upper() + label[1:]
            aid = self.index.by_label(label) or self.add_new(NewEntity(
                f"action_{slug(org.text)[:20].rstrip('_')}_{slug(doc.text)[:40].rstrip('_')}", "ActionProgramme",
                label, label, [], "an action programme named by its organisation and what it implements", 0.6))
            s.mentions.append(Mention(m.start(), doc.end, label, aid, "ActionProgramme", "pattern", new=aid in self.new))
            s.facts += [Fact(aid, "eli:passed_by", org.id, 0.6, "'… hành động của' + the organisation"),
                        Fact(aid, "implements", doc.id, 0.6, "'triển khai/thực hiện' + the document")]
        self._inscriptions(s)

    def _inscriptions(self, s: Sentence) -> None:
        """"… được UNESCO ghi danh/vinh danh là Di sản …": an inscription of the heritage the sentence
        names on the list it names, with the year or the expected day where given."""
        text = s.text
        verb = re.search(r"(?:ghi danh|vinh danh|công nhận)", text)
        unesco = next((m for m in s.mentions if m.id == "unesco" or m.text.upper() == "UNESCO"), None)
        if verb is None or unesco is None:
            return
        lst = next(((m, iri) for rx, iri in HERITAGE_LISTS for m in [rx.search(text)] if m), None)
        if lst is None:
            return
        for m in ELEMENT.finditer(text):
            if _free(s.mentions, m.start(), m.end()):
                name = m.group(0)[0].upper() + m.group(0)[1:]
                eid = self.index.by_label(name) or self.add_new(NewEntity(
                    slug(m.group("name")),
                    "IntangibleHeritageElement", name, name, [fold(name).title()] if not name.isascii() else [],
                    "a heritage element by its genre ('nghệ thuật …', 'lễ hội …')", 0.5))
                s.mentions.append(Mention(m.start(), m.end(), m.group(0), eid, "IntangibleHeritageElement", "pattern",
                                          new=eid in self.new))
        heritage = [m for m in s.mentions if m.kind in ("IntangibleHeritageElement", "HeritageItem",
                                                        "WorldHeritageProperty") and m.start < lst[0].start()]
        if not heritage and lst[1] == "cd:WorldHeritageList":
            heritage = [m for m in s.mentions if m.kind == "Venue" and m.start < lst[0].start()]
        if not heritage:
            return
        item = heritage[-1]
        label = f"Ghi danh {item.text[0].upper() + item.text[1:]} là {lst[0].group(0)}"
        iid = self.index.by_label(label) or self.add_new(NewEntity(
            f"inscription_{item.id}"[:80], "Inscription", label, label, [],
            f"'{verb.group(0)}' with UNESCO and a heritage list", 0.6))
        s.facts += [Fact(iid, "inscribedItem", item.id, 0.6, "the heritage named before the list"),
                    Fact(iid, "inscribingBody", unesco.id, 0.6, "UNESCO in the sentence"),
                    Fact(iid, "onList", lst[1], 0.6, f"'{lst[0].group(0)}'")]
        year = re.search(r"(?:ghi danh|vinh danh|công nhận)\s+(?:vào\s+)?năm\s+((?:19|20)\d{2})", text)
        expected = re.search(r"(?i)dự kiến[^.;]{0,30}?(\d{1,2}/\d{1,2}(?:/\d{4})?)", text)
        if year:
            s.facts.append(Fact(iid, "date", year.group(1), 0.6, f"'{year.group(0)}'"))
        elif expected and (v := _date_value(expected.group(1))):
            s.facts.append(Fact(iid, "expectedDate", v, 0.5, f"'{expected.group(0)}'"))

    def _heritage(self, s: Sentence) -> None:
        """"di tích Hoàng thành Thăng Long", "Di sản văn hóa phi vật thể Hát Xoan": a heritage candidate."""
        for m in HERITAGE.finditer(s.text):
            name = m.group(1)
            cut = [x.start for x in s.mentions if m.start(1) < x.start < m.end(1)]
            name = s.text[m.start(1):min(cut)].strip() if cut else name
            if len([w for w in name.split() if w[:1].isupper()]) < 2 or not _free(s.mentions, m.start(1),
                                                                                   m.start(1) + len(name)):
                continue
            hid = self.index.by_label(name) or self.add_new(
                NewEntity(slug(name), "HeritageItem", name, name, [], f"a name after '{m.group(0).split()[0]} …'", 0.4))
            kind = self.known[hid].kind if hid in self.known else self.new[hid].kind
            s.mentions.append(Mention(m.start(1), m.start(1) + len(name), name, hid, kind, "pattern",
                                      new=hid in self.new))

    def _people(self, s: Sentence) -> None:
        text = s.text
        for m in [m for m in s.mentions if m.kind == "Person"]:
            title, title_at = self._title_before(text, m.start, s.mentions)
            if title:
                s.mentions.append(Mention(title_at, title_at + len(title), title, self.role(title), "Role", "title"))
                self._position(s, m.id, m.text, title, title_at, m.start)
            self._titles_after(s, m)
        words = _words(text)
        i = 0
        while i < len(words):
            a, b = words[i]
            w = text[a:b]
            if not (w[0].isupper() and _surname(w) and _free(s.mentions, a, b)) or (
                    w in ("Ông", "Bà") and i + 1 < len(words) and _surname(text[words[i + 1][0]:words[i + 1][1]])):
                i += 1  # "Ông Đinh Quốc Hưng": Mr Đinh Quốc Hưng (Ông is a family name too, but not here)
                continue
            j = i + 1
            while j < len(words) and j - i < 4 and text[words[j][0]].isupper() \
                    and text[words[j - 1][1]:words[j][0]] == " " and _free(s.mentions, *words[j]):
                j += 1
            if j - i < 2:
                i += 1
                continue
            end = words[j - 1][1]
            name = text[a:end]
            title, title_at = self._title_before(text, a, s.mentions)
            weak = re.search(r"(?:đồng chí|ông|bà)\s*$", text[:a], re.IGNORECASE)
            if title is None and j - i < 3 and not weak:
                i = j
                continue  # two capitalised words without a title: too unsure (a place, a name?)
            pid = slug(name)
            known = self.index.by_label(name)
            if known:
                s.mentions.append(Mention(a, end, name, known, self.known[known].kind, "label"))
            else:
                alt = [fold(name).title()] if not name.isascii() else []
                self.add_new(NewEntity(pid, "Person", name, name, alt,
                                       f"name after the title '{title}'" if title else "a Vietnamese name (no title)",
                                       0.8 if title else 0.4))
                s.mentions.append(Mention(a, end, name, pid, "Person", "title+name", new=True))
            if title:
                s.mentions.append(Mention(title_at, title_at + len(title), title, self.role(title), "Role", "title"))
                self._position(s, known or pid, name, title, title_at, a)
            self._titles_after(s, next(x for x in s.mentions if x.start == a and x.kind == "Person"))
            i = j

    def _titles_after(self, s: Sentence, m: Mention) -> None:
        """"Bùi Thanh Sơn, Ủy viên …, Bộ trưởng Bộ Ngoại giao": posts after the name, each with the
        organisation named in its own comma-separated segment."""
        i, rest = 0, s.text[m.end:]
        while seg := re.match(r",\s*([^,;.]+)", rest[i:]):
            a, end = m.end + i + seg.start(1), m.end + i + seg.end()
            segment = fold(seg.group(1))
            title = next((t for k, t in _TITLE_KEYS if segment.startswith(k + " ") or segment == k), None)
            if title is None:
                break
            i += seg.end()
            # the organisation after the title, or inside it ("Ủy viên Trung ương Đảng", "Trưởng Ban Đối ngoại …")
            orgs = [x for x in s.mentions if a <= x.start < end and x.end > a + len(title) - 4 and x.kind in ORG_KINDS]
            s.mentions.append(Mention(a, a + len(title), title, self.role(title), "Role", "title"))
            if orgs:
                self._position(s, m.id, m.text, title, a, max(orgs[0].end, a + len(title)), org=orgs[0].id)
            elif title in IMPLIED_ORG:
                self._position(s, m.id, m.text, title, a, a + len(title))

    def _title_before(self, text: str, at: int, mentions: list[Mention]) -> tuple[str | None, int]:
        window = text[max(0, at - 60):at]
        fw = fold(window)
        best: tuple[str | None, int] = (None, -1)
        for k, t in _TITLE_KEYS:
            for m in re.finditer(r"(?<!\w)" + re.escape(k) + r"(?!\w)", fw):
                pos = at - len(window) + m.start()
                between = text[pos + len(t):at]
                # only an organisation (or nothing) between the title and the name
                rest = between
                for men in mentions:
                    if men.start >= pos + len(t) and men.end <= at:
                        rest = rest.replace(men.text, "")
                if not re.fullmatch(r"[\s,]*(?:[A-ZĐ]\w*(?:\s+[a-zđ]\w*)?\s*)?", rest):
                    continue
                cur = (pos + len(t), len(t))
                old = (best[1] + len(best[0] or ""), len(best[0] or "")) if best[0] else (-1, -1)
                if cur > old:
                    best = (text[pos:pos + len(t)], pos)
        if best[0] is not None:
            key = _key(best[0])
            title = next(t for k, t in _TITLE_KEYS if k == key)
            return title, best[1]
        return best

    def _position(self, s: Sentence, pid: str, name: str, title: str, title_at: int, name_at: int,
                  org: str | None = None) -> None:
        for m in s.mentions:
            if org is None and title_at <= m.start and m.end <= name_at and m.kind in ORG_KINDS:
                org = m.id
        between = s.text[title_at + len(title):name_at].strip()
        if org is None and between:
            org = self.index.by_label("Bộ " + between, between)
        if org is None and title in IMPLIED_ORG:  # "Tổng Bí thư" is the Party's: no other organisation has one
            org = self.index.by_label(IMPLIED_ORG[title]) or self.body(IMPLIED_ORG[title])
        if org is None and " " in title:  # "Ủy viên Trung ương Đảng": the organisation is in the title
            rest = title.split(" ", 2)[-1] if title.startswith(("Ủy viên", "Uỷ viên")) else ""
            org = (self.index.by_label(rest) or self.body(rest)) if rest else None
        if org is None:  # a position is in exactly one organisation: none named, none proposed
            self.left_out.append(f"the post '{title}' of {name}: no organisation named with it, so no "
                                 f"position is proposed (in “{s.text[:70]}…”)")
            return
        rid = self.role(title)
        pos = f"pos_{pid}_{rid.removeprefix('role_')}"
        label = f"{name}, {s.text[title_at:name_at].strip().rstrip(',')}"
        if pos in self.positions:
            return
        self.positions.add(pos)
        self.add_new(NewEntity(pos, "Position", label, f"{name}, {TITLES[title][1]}", [],
                               f"post title before the name '{name}'", 0.7))
        when = next((v for _w, v in s.dates if "/" in v), None) or self.event_date or self.published
        s.facts += [Fact(pos, "org:member", pid, 0.8, "the name after the title"),
                    Fact(pos, "org:role", rid, 0.8, f"the title '{title}'")]
        s.facts.append(Fact(pos, "org:organization", org, 0.6, "the organisation named with the title"))
        if when:
            s.facts.append(Fact(pos, "attestedOn", when, 0.5 if when == self.published else 0.6,
                                "the sentence's date" if when in [v for _w, v in s.dates] else
                                "the event's date" if when == self.event_date else "the article's date"))

    def _dates(self, s: Sentence) -> None:
        for m in DATE.finditer(s.text):
            written = m.group(m.lastgroup or "dmy")
            value = _date_value(written)
            if m.lastgroup == "y" and re.search(r"(đến|tới|trước|giai đoạn|-)\s*$", s.text[:m.start()]):
                continue  # "đến năm 2030": a horizon, not a date (see _periods)
            if value:
                s.dates.append((m.group(0), value))

    def _periods(self, s: Sentence) -> None:
        """"… đến năm 2030" → periodEnd, "giai đoạn 2011-2020" → periodStart and periodEnd, of the
        plan, strategy or document named just before."""
        docs = [m for m in s.mentions if m.kind in DOC_KINDS]
        for m in re.finditer(r"(?:đến|tới) năm ((?:19|20)\d{2})|giai đoạn ((?:19|20)\d{2}) ?[-–] ?((?:19|20)\d{2})",
                             s.text):
            s.dates += [(m.group(0), y) for y in m.groups() if y]
            before = [d for d in docs if d.start < m.start()] or [d for d in docs if d.start <= m.end()]
            if not before:
                continue
            subject = before[-1].id
            if m.group(1):
                s.facts.append(Fact(subject, "periodEnd", m.group(1), 0.5, f"'{m.group(0)}' after the document"))
            else:
                s.facts.append(Fact(subject, "periodStart", m.group(2), 0.5, f"'{m.group(0)}' after the document"))
                s.facts.append(Fact(subject, "periodEnd", m.group(3), 0.5, f"'{m.group(0)}' after the document"))

    def _event(self, s: Sentence) -> None:
        """The event a sentence is about: a known event named in it, a named event ("Hội nghị văn
        hóa toàn quốc …": a new one), or the article's main event ("cuộc họp", "hội nghị")."""
        known = [m for m in s.mentions if m.kind in EVENT_KINDS.values() or m.kind in ("Event", "CulturalEvent")]
        if known:
            s.event = known[0].id
            self.event = self.event or s.event
            return
        cue = re.search(r"(?<!\w)(?:chu tri|to chuc|dien ra|khai mac|tham du|du|phat bieu)(?!\w)", fold(s.text))
        heads = "|".join(re.escape(_key(h)) for h in EVENT_HEADS)
        chosen: str | None = None  # the first event of the sentence is the one it is about
        for m in re.finditer(r"(?<!\w)(?:" + heads + r")(?!\w)", fold(s.text)):
            head = s.text[m.start():m.end()]
            if not _free(s.mentions, m.start(), m.end()) or re.search(
                    r"(Nghị quyết|Kế hoạch|Chương trình|Quyết định)\s*$", s.text[:m.start()]):
                continue
            rest = re.split(r"[,.;:()“”\"]|\s(?:với|tại|do|nhằm|đã|và|của|đến|cho|vào|là|sẽ|được|đều)\s",
                            s.text[m.start():])[0]
            words = rest.split()[:10]
            label = " ".join(words)
            kind = EVENT_KINDS.get(_key(head), "Event")
            after = words[len(head.split()):]
            named = any(w[:1].isupper() or w[:1].isdigit() for w in after)  # "Hội nghị Ngoại giao lần thứ 32"
            main = self.new.get(self.event) if self.event else None
            # "hội nghị", "Phiên họp khẳng định", "Hội nghị toàn quốc đầu tiên": the article's event again
            generic = len(after) <= 1 or (not named and main is not None and main.kind == kind)
            if self.event is None and cue and (head[0].isupper() or re.search(
                    r"(?:chủ trì|tổ chức|dự|tham dự|khai mạc)\s+$", s.text[:m.start()])):
                label = label[0].upper() + label[1:]
                self.event = self.add_new(NewEntity(f"ev_{slug(self.source)}", kind, label, label, [],
                                                    f"the article's event ('{head} …')", 0.5))
                chosen = chosen or self.event
                continue
            if self.event is not None and generic:
                chosen = chosen or self.event
                continue
            if main is not None and (_key(label).startswith(_key(main.vi)) or _key(main.vi).startswith(_key(label))):
                chosen = chosen or self.event  # the main event, named again
                continue
            if head[0].isupper() and not generic and m.start() > 0:
                eid = self.add_new(NewEntity(f"ev_{slug(label)[:50].rstrip('_')}", kind, label, label, [],
                                             f"a named event ('{head} …')", 0.5))
                s.mentions.append(Mention(m.start(), m.start() + len(label), label, eid, kind, "pattern", new=True))
                chosen = chosen or eid
                continue
            if self.event is not None:
                chosen = chosen or self.event
        s.event = chosen

    def _speakers(self, s: Sentence) -> None:
        """A person who "nhấn mạnh", "cho rằng", "trình bày" … in a sentence about an event (or in an
        article about one) spoke at it: weak evidence, low confidence."""
        ev = s.event or self.event
        if ev is None:
            return
        people = sorted((m for m in s.mentions if m.kind == "Person"), key=lambda m: m.start)
        for i, m in enumerate(people):
            stop = people[i + 1].start if i + 1 < len(people) else len(s.text)
            verb = SPEECH.search(s.text, m.end, min(stop, m.end + 90))
            if verb and "." not in s.text[m.end:verb.start()]:
                conf = 0.5 if s.event else 0.4
                s.facts.append(Fact(ev, "speaker", m.id, conf, f"'{verb.group(0)}' after the name, in "
                                    + ("a sentence about the event" if s.event else "an article about the event")))

    def _statement(self, s: Sentence, kind: str, prefix: str, clause: str, at: int, why: str,
                   confidence: float) -> str | None:
        """A new statement (goal, measure, recommendation…) whose label is ``clause`` (found at ``at``)."""
        clause = clause.split("”", 1)[0]  # "“… gìn giữ các giá trị”, bà X khẳng định": the words quoted
        label = clause.strip(" ,;:.…“”\"-–").strip()
        label = re.sub(r"^(?:đồng thời|bên cạnh đó|theo đó|trong đó|từ đó|và|việc|là|góp phần)\s*,?\s+", "",
                       label, flags=re.IGNORECASE)
        words = label.split()
        if len(words) < 3:
            return None
        label = " ".join(words[:25]) + (" …" if len(words) > 25 else "")
        label = label[0].upper() + label[1:]
        sid = base = f"{prefix}_{slug(self.source)[:4].rstrip('_')}_{slug(' '.join(words[:6]))}"
        n = 1
        while sid in self.new and self.new[sid].vi != label:  # two items that begin alike: two statements
            n += 1
            sid = f"{base}_{n}"
        sid = self.add_new(NewEntity(sid, kind, label, label, [], why, confidence))
        lead = len(clause) - len(clause.lstrip())
        s.mentions.append(Mention(at + lead, at + len(clause.rstrip()), clause.strip(), sid, kind, "statement",
                                  new=True))
        return sid

    def _statements(self, s: Sentence) -> None:
        """A plan's goals, breakthrough solutions and measures (list items after "mục tiêu",
        "giải pháp đột phá", "biện pháp"), and the recommendations and limitations a speaker
        raises at the article's event — each a new statement for the curator to name."""
        text, folded = s.text, fold(s.text)
        plans = [m.id for m in s.mentions if m.kind == "Plan" and m.how == "number"]
        plan = plans[0] if plans else None
        if plan and self.plan is None and self.known.get(plan) is None:
            self.goals_of = self.plan = plan  # the article's own (new) plan, by its number: its goals follow
        plan = plan or self.plan
        if self.goals_of and not plans and not (";" in text or text.startswith(("-", "–", "•")) or "mục tiêu" in text):
            self.goals_of = None  # the goals are a list: a sentence that is no item ends it
        for cue, kind, prop, prefix in (("giai phap dot pha", "BreakthroughSolution", "hasBreakthroughSolution", "bs"),
                                        ("bien phap", "Measure", "hasMeasure", "measure")):
            at = folded.find(cue)
            if plan is None or at < 0:
                continue
            m = re.search(r":|tập trung vào(?: việc)?", text[at:])
            if not m:
                continue
            start = at + m.end()
            for item in re.finditer(r"[^;]+", text[start:]):
                sid = self._statement(s, kind, prefix, item.group(0), start + item.start(),
                                      f"an item of the list after '{text[at:at + len(cue)]}'", 0.5)
                if sid:
                    s.facts.append(Fact(plan, prop, sid, 0.5, f"a list item after '{text[at:at + len(cue)]}'"))
            self.goals_of = None  # the goals end where the solutions and measures begin
            return
        if plan and (self.goals_of == plan) and not re.search(r"mục tiêu trên|những mục tiêu", text):
            # "Kế hoạch … nhằm A", "Đặt mục tiêu …, B", and the items that follow: goals
            m = re.search(r"\bnhằm\s+|[Đđ]ặt mục tiêu\s*(?:đến năm \d{4}\s*,?\s*)?|mục tiêu\s*:", text)
            start = m.end() if m else (0 if not plans else -1)
            if start >= 0:
                for item in re.finditer(r"[^;]+", text[start:]):
                    sid = self._statement(s, "PlanGoal", "goal", item.group(0), start + item.start(),
                                          "a goal of the plan ('nhằm', 'mục tiêu' or an item after them)", 0.4)
                    if sid:
                        s.facts.append(Fact(plan, "hasGoal", sid, 0.4, "a goal clause of the plan's paragraph"))
                return
        ev = s.event or self.event
        people = [m for m in s.mentions if m.kind == "Person"]
        spoke = SPEECH.search(text) or re.search(r"\b(nêu rõ|chỉ đạo|tin tưởng)\b", text)
        if people and spoke:
            self.speaker = min(people, key=lambda m: abs(m.start - spoke.start())).id
        who = self.speaker
        by = (0.5, "the speaker of the sentence") if spoke or "”" in text else (0.3, "the last person who spoke")
        if ev is None or who is None:
            return  # a statement is raised by someone (the shapes): none known, none proposed
        cues = r"\b(cần|phải|đề nghị|kiến nghị|đề xuất|gợi mở|sáng kiến|sớm|chú ý|đòi hỏi|nhấn mạnh việc)\b"
        limit = re.search(r"(?<!vượt qua )(?:hạn chế|khó khăn|thách thức|bất cập|dư địa|tồn tại)", text)
        cue = re.compile(cues).search(text, limit.end() if limit else 0)
        if limit:  # the limitation: the sentence up to a recommendation that follows it ("…hạn chế, cần …")
            clause = text[:cue.start()] if cue else text
            sid = self._statement(s, "Limitation", "lim", clause, 0, f"'{limit.group(0)}' in a speaker's words", 0.4)
            if sid:
                s.facts += [Fact(sid, "raisedBy", who, *by), Fact(sid, "raisedAt", ev, 0.5, "the article's event")]
        if not cue:
            return
        start = cue.end() if cue.group(0) == "nhấn mạnh việc" else cue.start()
        for item in re.finditer(r"(?:[^;]|;(?=\S))+?(?=;\s|\scũng như\s|$)", text[start:]):
            if len(item.group(0).split()) < 4:
                continue  # "… hạn chế và cần khắc phục": part of the limitation, not a recommendation
            sid = self._statement(s, "Recommendation", "rec", item.group(0), start + item.start(),
                                  f"'{cue.group(0)}' in a speaker's words", 0.4)
            if sid:
                s.facts += [Fact(sid, "raisedBy", who, *by), Fact(sid, "raisedAt", ev, 0.5, "the article's event")]

    def _facts(self, s: Sentence) -> None:
        folded = fold(s.text)
        docs = [m for m in s.mentions if m.how == "number"]
        for d in docs:
            number_fact = (d.id, "eli:id_local", d.text.replace(" ", ""))
            s.facts.append(Fact(*number_fact, 0.9, "the document's number as written"))
            after = s.text[d.end:d.end + 30]
            dm = re.match(r"\s*(?:ngày\s+)(\d{1,2}/\d{1,2}/\d{4})", after)
            full = [v for w, v in s.dates if v.count("/") == 2]
            if dm:
                s.facts.append(Fact(d.id, "eli:date_document", _date_value(dm.group(1)) or dm.group(1), 0.9,
                                    "'ngày …' right after the number"))
            elif re.search(r"ban hành|ký", folded.replace("ky", "ký")) or "ban hanh" in folded:
                if len(full) == 1:
                    s.facts.append(Fact(d.id, "eli:date_document", full[0], 0.7, "the sentence's one full date, "
                                        "with 'ban hành'"))
            issuer = None
            if "ban hanh" in folded:
                orgs = [m for m in s.mentions if m.kind in ORG_KINDS and m.start < d.start]
                issuer = orgs[-1].id if orgs else None
            if issuer is None:
                code = d.text.split("/", 1)[-1]
                for c, labels in _ISSUER_CODES:
                    if c in code.split("-") or re.search(rf"(?:^|[-/]){c}\d*$", code):
                        issuer = self.index.by_label(*labels)
                        break
                if issuer is None and code.endswith("UBND"):
                    ubnd = [m for m in s.mentions if m.kind == "PeoplesCommittee"]
                    issuer = ubnd[0].id if ubnd else None
            if issuer:
                s.facts.append(Fact(d.id, "eli:passed_by", issuer, 0.7, "issuer named with 'ban hành' or by the "
                                    "number's code"))
            imp = re.search(r"(thực hiện|triển khai)", s.text[d.end:])
            if imp:
                cut = d.end + imp.end()
                targets = [m for m in s.mentions if m.start >= cut and m.id != d.id and m.kind in
                           ("Strategy", "Resolution", "Decision", "Plan", "Directive", "ActionProgramme")]
                if targets:
                    s.facts.append(Fact(d.id, "implements", targets[0].id, 0.6, "'thực hiện/triển khai' + document"))
        for d in [m for m in s.mentions if m.kind in DOC_KINDS]:
            # "Nghị quyết … của Quốc hội", "Quyết định số … của Thủ tướng Chính phủ": the issuer
            of = next((m for m in s.mentions if m.kind in ORG_KINDS and d.end <= m.start and
                       re.fullmatch(r"\s*(?:\(\w+\)\s*)?của\s+", s.text[d.end:m.start])), None)
            if of and not any(f.s == d.id and f.p == "eli:passed_by" for f in s.facts):
                s.facts.append(Fact(d.id, "eli:passed_by", of.id, 0.6, "'… của' + the organisation"))
        self._speakers(s)
        ev = s.event
        if ev is None:
            return
        for d in [m for m in s.mentions if m.kind in DOC_KINDS]:
            # "Hội nghị … triển khai thực hiện Nghị quyết …": the event implements the document
            before = s.text[max(0, d.start - 90):d.start]
            if re.search(r"(triển khai|thực hiện)\s*$", before) and re.search(
                    r"(?i)(hội nghị|hội thảo|cuộc họp|phiên họp|diễn đàn)[^,.;]*(triển khai|thực hiện)\s*$", before):
                s.facts.append(Fact(ev, "implements", d.id, 0.5, "the event's name: '… triển khai/thực hiện' + "
                                    "the document"))
        dated = [(w, v) for w, v in s.dates if "/" in v]  # a bare year ("năm 2030") is rarely the event's
        if dated and not docs:
            written, value = dated[0]
            if not any(f.p == "date" and f.s == ev for f in s.facts):
                s.facts.append(Fact(ev, "date", value, 0.6, f"'{written}' in a sentence about the event"))
                if ev == self.event and self.event_date is None:
                    self.event_date = value
        people = [m for m in s.mentions if m.kind == "Person"]
        orgs = [m for m in s.mentions if m.kind in ORG_KINDS]
        for cue, prop, conf in CUES:
            at = folded.find(cue)
            if at < 0:
                continue
            if prop == "attendee":
                after = [m for m in [*people, *orgs] if m.start > at]
                for m in after:
                    s.facts.append(Fact(ev, prop, m.id, conf, f"'{s.text[at:at + len(cue)]}' before the name"))
                if not after:
                    for m in [m for m in [*people, *orgs] if m.end <= at][:1]:
                        s.facts.append(Fact(ev, prop, m.id, conf - 0.1, f"the sentence's subject, then "
                                            f"'{s.text[at:at + len(cue)]}'"))
            else:
                before = [m for m in people if m.start < at]
                if not re.search(r"(hoi nghi|cuoc hop|hoi thao|dien dan|toa dam|phien|le\b)", folded[at:at + 60]) \
                        and not (prop == "speaker" and at < 5):
                    continue
                if before:
                    why = f"the person before '{s.text[at:at + len(cue)]}'"
                    chosen = [before[-1]]
                    for prev in reversed(before[:-1]):  # "A và B chủ trì": both
                        if re.search(r"\svà\s", s.text[prev.end:chosen[-1].start]):
                            chosen.append(prev)
                        else:
                            break
                    for person in reversed(chosen):
                        s.facts.append(Fact(ev, prop, person.id, conf, why))
                elif at < 5 and (after := [m for m in people if m.start > at]):
                    why = f"the first person after '{s.text[at:at + len(cue)]}' opening the sentence"
                    s.facts.append(Fact(ev, prop, after[0].id, conf - 0.1, why))
        for m in re.finditer(r"(?<!\w)tai(?!\w)", folded):
            place = next((x for x in s.mentions if x.start >= m.end() and x.start <= m.end() + 2
                          and x.kind in PLACE_KINDS), None)
            run = re.match(r"\s+([A-ZĐ]\w*(?:\s+\w+){1,7}?)(?=\s*[,.;(]|\s+(?:với|và|do|nhằm|vào|ngày)\s|$)",
                           s.text[m.end():])
            name = run.group(1) if run else ""
            if run:
                cut = [x.start - m.end() - run.start(1) for x in s.mentions
                       if m.end() + run.start(1) <= x.start < m.end() + run.end(1)]
                name = name[:min(cut)].strip() if cut else name
            if re.search(r"(?i)\bcủa\b|^(Đại hội|Hội nghị|Nghị quyết|Phiên|Kế hoạch|Chiến lược)", name):
                name = ""
            if place is None and len([w for w in name.split() if w[0].isupper()]) >= 2 \
                    and _free(s.mentions, m.end() + run.start(1), m.end() + run.start(1) + len(name)):
                vid = self.add_new(NewEntity(slug(name), "Venue", name, name, [], "a capitalised name after 'tại'",
                                             0.4))
                a = m.end() + run.start(1)
                place = Mention(a, a + len(name), name, vid, "Venue", "pattern", new=True)
                s.mentions.append(place)
            if place:
                s.facts.append(Fact(ev, "heldAt", place.id, 0.6, "'tại' + a place"))


def draft(article_path: Path | str, sources: Path | str | None = None, source_id: str | None = None,
          exclude: tuple[str, ...] = ()) -> Draft:
    """Draft a curated file for the article at ``article_path``, matching mentions against the
    entities of ``sources`` (default: the bundled sources) but for the curated files in
    ``exclude`` and the article's own curated file.  Raises :class:`cdkg.errors.SourceError` when
    the article cannot be read."""
    from cdkg.errors import Problem, SourceError
    from cdkg.loaders.curated import default_sources

    path = Path(article_path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError([Problem(str(path), None, "", f"cannot read the article ({exc.strerror})",
                                   "give the path of an article text file (header, '---', body)")]) from None
    article = read_article(path, raw)
    if article.problems:
        raise SourceError([Problem(str(path), line, fld, msg, hint) for line, fld, msg, hint in article.problems])
    source = source_id or (re.sub(r"[^a-z0-9]+", "-", fold(path.stem)).strip("-")[:80] or "source")
    root = Path(sources) if sources is not None else default_sources()
    known = known_entities(root, (*exclude, f"{source}.yaml"))
    lines = raw.decode("utf-8").splitlines()
    body = "\n".join(lines[next(i for i, ln in enumerate(lines) if ln.strip() == "---") + 1:])
    d = _Drafter(article, source, known)
    provinces = Counter(m.id for m in d.index.find(article.text) if m.kind in ("Province", "CentrallyRunCity"))
    d.home = provinces.most_common(1)[0][0] if provinces else None
    sentences = [d.sentence(t, i) for t, i in split_sentences(article, body)]
    # facts that name the event found later (e.g. a date before the event is named) are not redone
    result = Draft(source, path.name, sentences, d.new, d.matched, d.left_out, published=d.published)
    header_only = [k for k in ("title",) if article.header.get(k)]
    if header_only:
        result.left_out.append("the header (title, publisher, URL…): it is the source's record, not evidence")
    result.yaml = render_yaml(result, article)
    result.report = render_report(result)
    return result


# --- output ------------------------------------------------------------------------------------


_NOT_YAML = re.compile("[\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def _q(value: str | int) -> str:
    """A YAML double-quoted scalar (JSON's escapes, and \\u escapes for what YAML may not hold raw)."""
    if isinstance(value, int):
        return str(value)
    return _NOT_YAML.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(value, ensure_ascii=False))


_NOT_IN_COMMENT = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def _c(text: str) -> str:
    """Text for a YAML comment: one line, nothing YAML refuses (shown as \\uXXXX)."""
    return _NOT_IN_COMMENT.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def render_yaml(d: Draft, article: Article) -> str:
    """The draft as a curated YAML file; review markers are comments, so it validates as is."""
    lines = [f"# DRAFT by `cdkg draft` from articles/{_c(d.article)}: every line is a proposal to review.",
             "# '# review C: why' after a fact gives the rule's confidence C (0-1) and the reason;",
             "# commented-out excerpts are sentences with no proposed fact. Delete this header when reviewed.",
             f"source: {d.source}", f"article: {_q(d.article)}", "", "entities:"]
    if not d.new:
        lines[-1] = "entities: []"
    for e in sorted(d.new.values(), key=lambda e: (e.kind, e.id)):
        alt = f", alt: [{', '.join(_q(a) for a in e.alt)}]" if e.alt else ""
        lines.append(f"  - {{id: {e.id}, kind: {e.kind}, vi: {_q(e.vi)}, en: {_q(e.en)}{alt}}}"
                     f"  # review {e.confidence:.1f}: new — {_c(e.why)}")
    if d.matched:
        lines.append("# Known entities this article mentions (declared in other sources; used by id):")
        for eid, (k, text) in sorted(d.matched.items()):
            lines.append(f"#   {eid} ({_c(k.kind)}, {_c(k.file)}) ← {_c(repr(text))}")
    lines += ["", "evidence:"]
    any_item = False
    for s in d.sentences:
        if s.facts:
            any_item = True
            lines.append(f"  - quote: {_q(s.text)}")
            lines.append("    facts:")
            for f in s.facts:
                lines.append(f"      - [{f.s}, {f.p}, {_q(f.o)}]  # review {f.confidence:.1f}: {_c(f.why)}")
        else:
            names = ", ".join(dict.fromkeys(m.id for m in s.mentions))
            lines.append(f"  # - quote: {_q(s.text)}")
            lines.append(f"  #   (mentions: {names})" if names else "  #   (no mention found)")
    if not any_item:
        lines[lines.index("evidence:")] = "evidence: []"
    return "\n".join(lines) + "\n"


def render_report(d: Draft) -> str:
    """The review report (markdown): matched, new, unsure, left out."""
    facts = [(s, f) for s in d.sentences for f in s.facts]
    out = [f"# Review of the draft for {d.source}", "",
           f"{len(d.sentences)} sentences, {len(d.matched)} known entities matched, {len(d.new)} new entity "
           f"candidates, {len(facts)} candidate facts.", "", "## Matched (known entities)", ""]
    out += [f"- `{eid}` ({k.kind}, declared in {k.file}) — matched {text!r}"
            for eid, (k, text) in sorted(d.matched.items())] or ["- none"]
    out += ["", "## New (to check: kind, id, labels; the English label is a copy to translate)", ""]
    out += [f"- `{e.id}` ({e.kind}) {e.vi!r} — {e.why} (confidence {e.confidence:.1f})"
            for e in sorted(d.new.values(), key=lambda e: (e.kind, e.id))] or ["- none"]
    out += ["", "## Unsure (confidence below 0.7)", ""]
    unsure = [f"- [{f.s}, {f.p}, {f.o}] ({f.confidence:.1f}: {f.why}) in “{s.text[:90]}…”"
              for s, f in facts if f.confidence < 0.7]
    unsure += [f"- new `{e.id}` ({e.kind}, {e.confidence:.1f}: {e.why})" for e in d.new.values() if e.confidence < 0.7]
    out += unsure or ["- none"]
    out += ["", "## Left out", ""]
    undated = [(s, w) for s in d.sentences for w, v in s.dates if not any(str(f.o) == v for f in s.facts)]
    out += [f"- date {w!r}: no subject found in “{s.text[:80]}…”" for s, w in undated]
    out += [f"- {x}" for x in d.left_out]
    out += ["- sentences without a proposed fact are in the draft as commented-out excerpts",
            "- statements (recommendations, limitations), themes and counts are not drafted: add them by hand"]
    return "\n".join(out) + "\n"


# --- review markers ------------------------------------------------------------------------------

#: A draft's review marker: a YAML comment ``# review 0.6: why`` (after a fact or an entity).
_MARKER = re.compile(r"(?:^|\s)#\s*review\s+(\d(?:\.\d+)?)\s*:\s?(.*)$")


def _outside_quotes(prefix: str) -> bool:
    """Whether the end of ``prefix`` is outside YAML quotes (so a ``#`` there starts a comment)."""
    single = double = False
    i = 0
    while i < len(prefix):
        c = prefix[i]
        if double and c == "\\":
            i += 2
            continue
        if c == '"' and not single:
            double = not double
        elif c == "'" and not double:
            single = not single
        i += 1
    return not (single or double)


def review_markers(text: str) -> list[tuple[int, float, str]]:
    """The unreviewed proposals of a draft curated file: (1-based line, confidence, reason) of
    each ``# review C: why`` comment, the marker :func:`render_yaml` writes after a proposed
    fact or entity.  A ``#`` inside a quoted string is no comment, so a quote holding the words
    is not a marker:

    >>> review_markers('- [a, chair, b]  # review 0.7: why\\n- quote: "# review 0.5: x"\\n')
    [(1, 0.7, 'why')]
    """
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if "review" not in line:
            continue
        m = _MARKER.search(line)
        if m and _outside_quotes(line[:m.start()]):
            out.append((n, float(m.group(1)), m.group(2).strip()))
    return out


# --- a new source ------------------------------------------------------------------------------


def new_source(source_id: str, url: str | None = None, retrieved: str | None = None) -> tuple[str, str]:
    """The text of a new article file (its header filled as far as given: URL, Retrieved) and of
    its empty curated file, for ``cdkg new-source``.  Raises :class:`cdkg.errors.UsageError` for an
    id that is not a slug or a URL that is not http(s)."""
    import datetime as dt

    from cdkg.errors import UsageError
    from cdkg.loaders.schema import SLUG_PATTERN, URL_PATTERN

    if not re.match(SLUG_PATTERN, source_id) or len(source_id) > 80:
        raise UsageError(f"source id {source_id!r} is not a slug: lower-case ASCII letters, digits and '-', "
                         "e.g. 005-quang-tri-plan-173")
    if url is not None and not re.match(URL_PATTERN, url):
        raise UsageError(f"--url {url!r} is not a full http(s) address")
    retrieved = retrieved or dt.date.today().isoformat()
    article = "\n".join([
        "Title: (the article's title, as written)",
        "Publisher: unknown",
        "Author: unknown",
        f"URL: {url or 'https://(the page address)'}",
        "Published: unknown",
        "Language: vi",
        "Kind: NewsReport",
        f"Retrieved: {retrieved}",
        "Note: (what was copied and what was dropped: only the article body is evidence)",
        "---",
        "",
    ])
    curated = "\n".join([
        f"# {source_id}: paste the article body under '---' in articles/{source_id}.txt and fill its header",
        "# (Title, Publisher, Author, Published as the page shows them, or unknown), then run",
        f"#   cdkg draft articles/{source_id}.txt --output curated/{source_id}.yaml --force",
        "# and review the draft (see `cdkg vocab` for the classes and properties you may use).",
        f"source: {source_id}",
        f"article: {source_id}.txt",
        "entities: []",
        "evidence: []",
        "",
    ])
    return article, curated
