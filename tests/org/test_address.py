"""Resolving free-text addresses to GB/T 2260 divisions (`liuke.org.address`); no database needed."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liuke.org.address import AddressMatch, DivisionIndex, normalise_address
from liuke.org.divisions import read_division_rows

INDEX = DivisionIndex.default()
ROWS = read_division_rows()
BY_CODE = {row["code"]: row for row in ROWS}
PSEUDO = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
COUNTIES = sorted(row["code"] for row in ROWS if row["status"] == "active" and row["level"] == "county")
SUFFIXES = ("新区", "地区", "省", "市", "区", "县", "旗", "盟")


def chain(code: str) -> list[dict[str, str]]:
    """The real (non-grouping) divisions from the province down to ``code``."""
    nodes = []
    node: dict[str, str] | None = BY_CODE[code]
    while node is not None:
        if node["name"] not in PSEUDO:
            nodes.append(node)
        node = BY_CODE.get(node["parent_code"])
    return nodes[::-1]


def ancestors(code: str) -> set[str]:
    out = set()
    parent = BY_CODE[code]["parent_code"]
    while parent:
        out.add(parent)
        parent = BY_CODE[parent]["parent_code"]
    return out


def stem(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


STEM_COUNTS = Counter(stem(row["name"]) for row in ROWS)


def strip_suffix(name: str) -> str:
    """``name`` without its 市/区/县... suffix where that short form is unambiguous: no other division, current or
    abolished, has it (河北区 → 河北 would name the province)."""
    short = stem(name)
    return short if STEM_COUNTS[short] == 1 else name


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ("\u3000" if ch == " " else ch) for ch in text)


# -- a table of real addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "code", "method"),
    [
        ("北京市朝阳区建国路88号", "110105", "exact"),
        ("上海市浦东新区张江路", "310115", "exact"),
        ("江苏省南京市鼓楼区中山路321号", "320106", "exact"),
        ("福建省福州市鼓楼区", "350102", "exact"),
        ("南京市鼓楼区", "320106", "inferred"),
        ("南京鼓楼", "320106", "inferred"),
        ("广州市越秀区北京路", "440104", "inferred"),
        ("湖北省仙桃市", "429004", "exact"),
        ("仙桃市", "429004", "inferred"),
        ("新疆乌鲁木齐市天山区", "650102", "exact"),
        ("新疆维吾尔自治区乌鲁木齐市天山区", "650102", "exact"),
        ("内蒙古呼和浩特市新城区", "150102", "exact"),
        ("广西南宁市青秀区", "450103", "exact"),
        ("浙江杭州西湖区", "330106", "exact"),
        ("浙江省杭州市西湖区文三路", "330106", "exact"),
        ("＂北京市　朝阳区＂", "110105", "exact"),
        ("北京市 朝阳区 建国路８８号", "110105", "exact"),
        ("深圳南山", "440305", "inferred"),
        ("广东省深圳市南山区科技园", "440305", "exact"),
        ("湖北恩施州利川市", "422802", "exact"),
        ("湖北省恩施土家族苗族自治州恩施市", "422801", "exact"),
        ("济南市中区", "370103", "inferred"),
        ("山东省济南市市中区", "370103", "exact"),
        ("朝阳区(北京)", "110105", "exact"),
        ("吉林省长春市朝阳区", "220104", "exact"),
        ("中国北京市海淀区中关村大街1号", "110108", "exact"),
        ("广东省东莞市", "441900", "partial"),
        ("广州市", "440100", "partial"),
        ("广州市北京路", "440100", "partial"),
        ("广东省", "440000", "partial"),
        ("广东", "440000", "partial"),
        ("海南", "460000", "partial"),
    ],
)
def test_resolve_table(address: str, code: str, method: str) -> None:
    match = INDEX.resolve(address)
    assert (match.code, match.method) == (code, method)
    assert match.level == BY_CODE[code]["level"]
    assert match.candidates == ()
    assert match.successor_of is None


def test_confidence_follows_what_was_named() -> None:
    assert INDEX.resolve("北京市朝阳区").confidence == 0.98
    assert INDEX.resolve("江苏省南京市鼓楼区").confidence == 0.98
    assert INDEX.resolve("深圳市南山区").confidence == 0.95
    assert INDEX.resolve("广东南山区").confidence == 0.9  # the province, not the city
    assert INDEX.resolve("仙桃市").confidence == 0.85
    assert INDEX.resolve("深圳市").confidence == 0.7
    assert INDEX.resolve("广东省").confidence == 0.5


@pytest.mark.parametrize(
    ("address", "code", "abolished", "method", "confidence"),
    [
        ("崇文区", "110101", "110103", "inferred", 0.8),
        ("北京市崇文区", "110101", "110103", "exact", 0.93),
        ("北京市宣武区", "110102", "110104", "exact", 0.93),
        ("上海市卢湾区", "310101", "310103", "exact", 0.93),
        ("上海市闸北区共和新路", "310106", "310108", "exact", 0.93),
        ("安徽省巢湖市庐江县", "340124", "341421", "exact", 0.93),
    ],
)
def test_abolished_resolve_to_successor(
    address: str, code: str, abolished: str, method: str, confidence: float
) -> None:
    match = INDEX.resolve(address)
    assert match == AddressMatch(
        code=code, level="county", method=method, confidence=confidence, successor_of=abolished
    )


def test_current_name_beats_abolished_one() -> None:
    # 安徽省黄山市 was once a county-level city (340901); today it is the prefecture 341000.
    match = INDEX.resolve("安徽省黄山市")
    assert (match.code, match.successor_of) == ("341000", None)


@pytest.mark.parametrize(
    ("address", "candidates", "code"),
    [
        ("鼓楼区中山路", {"320106", "320302", "350102", "410204"}, None),
        ("鼓楼区", {"320106", "320302", "350102", "410204"}, None),
        ("朝阳区", {"110105", "220104"}, None),
        ("朝阳", {"110105", "211300", "211321", "220104"}, None),
        ("江苏鼓楼区", {"320106", "320302"}, "320000"),  # 南京 and 徐州 both have one
        ("市中区", None, None),
        ("新华区", None, None),
        ("和平区", None, None),
    ],
)
def test_ambiguous_districts_are_never_guessed(address: str, candidates: set[str] | None, code: str | None) -> None:
    match = INDEX.resolve(address)
    assert match.method == "ambiguous"
    assert match.confidence == 0.0
    assert match.code == code
    assert len(match.candidates) >= 2
    if candidates is not None:
        assert set(match.candidates) == candidates
    assert match.successor_of is None


def test_ambiguous_gulou_has_four_candidates() -> None:
    match = INDEX.resolve("鼓楼区中山路")
    assert match.code is None
    assert len(match.candidates) >= 4


@pytest.mark.parametrize(
    ("address", "within", "code"),
    [
        ("鼓楼区", "320100", "320106"),
        ("鼓楼区中山路", "350000", "350102"),
        ("江苏省南京市鼓楼区", "320100", "320106"),
        ("朝阳区", "110000", "110105"),
        ("朝阳区", "220100", "220104"),
        ("鼓楼区", "110000", None),  # nothing called 鼓楼区 in Beijing
    ],
)
def test_within_narrows_the_search(address: str, within: str, code: str | None) -> None:
    assert INDEX.resolve(address, within=within).code == code


def test_within_counts_as_named() -> None:
    assert INDEX.resolve("鼓楼区", within="320100").method == "exact"  # 南京 implies 江苏
    assert INDEX.resolve("朝阳区", within="110000").method == "exact"
    assert INDEX.resolve("鼓楼区", within="320000").confidence == 0.0  # 南京 or 徐州: still ambiguous
    assert INDEX.resolve("南京鼓楼区", within="320000").method == "exact"


def test_within_must_be_a_known_code() -> None:
    with pytest.raises(ValueError, match="unknown division code"):
        INDEX.resolve("鼓楼区", within="999999")


@pytest.mark.parametrize(
    "address", ["", "   ", "无地址", "——", "中山大学附属第一医院", "新华书店", "市中心医院", "N/A"]
)
def test_nothing_named(address: str) -> None:
    assert INDEX.resolve(address) == AddressMatch(code=None, level=None, method="none", confidence=0.0)


def test_street_names_are_not_divisions() -> None:
    assert INDEX.resolve("广州市北京路").code == "440100"
    assert INDEX.resolve("上海市浦东大道").code == "310000"  # 浦东大道 is a street, not 浦东新区
    assert INDEX.resolve("北京市门头沟区").code == "110109"  # 门 starts a division name here


def test_normalise_address() -> None:
    assert normalise_address("＂北京市　朝阳区＂ １２号") == "北京市朝阳区12号"


def test_from_rows_small_table() -> None:
    rows = [
        {"code": "110000", "name": "北京市", "level": "province", "parent_code": "", "status": "active"},
        {"code": "110100", "name": "市辖区", "level": "city", "parent_code": "110000", "status": "active"},
        {"code": "110101", "name": "东城区", "level": "county", "parent_code": "110100", "status": "active"},
        {
            "code": "110103",
            "name": "崇文区",
            "level": "county",
            "parent_code": "110100",
            "status": "abolished",
            "successor_code": "110101",
        },
    ]
    index = DivisionIndex.from_rows(rows)
    assert index.resolve("北京东城").code == "110101"
    assert index.resolve("崇文").successor_of == "110103"
    assert index.resolve("市辖区").method == "none"  # grouping rows are never matched


def test_default_is_cached() -> None:
    assert DivisionIndex.default() is DivisionIndex.default()


# -- properties ------------------------------------------------------------------------------------------------


def check_county(address: str, code: str, *, allow_ancestor: bool = False) -> None:
    match = INDEX.resolve(address)
    if match.method == "ambiguous":
        assert code in match.candidates, (address, match)
        assert match.code is None or match.code in ancestors(code), (address, match)
    elif allow_ancestor and match.code != code:
        assert match.code in ancestors(code), (address, match)
    else:
        assert match.code == code, (address, match)
        assert match.level == "county"
        assert match.method in {"exact", "inferred"}
        assert match.successor_of is None


county_codes = st.sampled_from(COUNTIES)


@given(code=county_codes, street=st.sampled_from(["", "人民路12号", "中山路1号", "建设大街8号院", "和平街道"]))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_full_name_resolves_to_the_county(code: str, street: str) -> None:
    names = [node["name"] for node in chain(code)]
    check_county("".join(names) + street, code)
    check_county(full_width(" ".join(names) + " " + street), code)
    check_county("".join(names[1:]) + street, code)  # without the province


@given(code=county_codes, with_province=st.booleans(), street=st.sampled_from(["", "人民路12号"]))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_short_forms_resolve_to_the_county_or_an_ancestor(code: str, with_province: bool, street: str) -> None:
    names = [strip_suffix(node["name"]) for node in chain(code)]
    if not with_province:
        names = names[1:]
    # A stripped name may be read as the division above it (恩施 → 恩施州 for 恩施市), never as another place.
    check_county("".join(names) + street, code, allow_ancestor=True)


def test_every_current_division_resolves_from_its_full_name() -> None:
    for row in ROWS:
        if row["status"] == "active" and row["name"] not in PSEUDO:
            match = INDEX.resolve("".join(node["name"] for node in chain(row["code"])))
            assert match.code == row["code"], (row, match)


@given(st.text())
@settings(max_examples=500)
def test_resolve_never_raises(text: str) -> None:
    match = INDEX.resolve(text)
    assert isinstance(match, AddressMatch)
    assert 0.0 <= match.confidence <= 1.0
    assert match.method in {"exact", "inferred", "partial", "ambiguous", "none"}


@given(st.text(alphabet=st.sampled_from("北京上海市朝阳鼓楼区县省南路中山人民江苏广州1号 　,（）"), max_size=30))
@settings(max_examples=500)
def test_resolve_never_raises_on_place_like_text(text: str) -> None:
    match = INDEX.resolve(text)
    if match.code is not None:
        assert match.code in BY_CODE
        assert BY_CODE[match.code]["status"] == "active"
