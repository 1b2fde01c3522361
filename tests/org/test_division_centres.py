"""Where a division is: the shipped centres (WGS-84) and the fall-backs for divisions without one."""

from liuke.interactions.services import distance_metres
from liuke.org.address import division_centre
from liuke.org.divisions import read_division_rows


def _km(a, b) -> float:
    return distance_metres(*a, *b) / 1000


def test_a_county_centre_is_its_seat_in_wgs84_not_in_the_sources_gcj02():
    # AMap gives 东城区's seat as 39.928341 N, 116.416490 E in GCJ-02, which is 39.92694 N, 116.41025 E in WGS-84
    # (what phones report): about 560 m apart, half the distance at which a check-in counts as far.
    dongcheng = division_centre("110101")
    assert _km(dongcheng, (39.92694, 116.41025)) < 0.01
    assert _km(dongcheng, (39.928341, 116.416490)) > 0.5
    assert _km(division_centre("110105"), dongcheng) < 10  # 朝阳区 is next door


def test_every_current_division_has_a_centre_inside_its_province():
    rows = [r for r in read_division_rows() if r["status"] == "active"]
    for row in rows:
        centre = division_centre(row["code"])
        assert centre is not None, row
        province = division_centre(row["code"][:2] + "0000")
        # 呼伦贝尔 and 阿里 lie over 1,100 km from their capitals; nothing lies 2,000 km away.
        assert _km(centre, province) < 2000, row


def test_a_division_without_a_centre_takes_its_parents_and_an_abolished_one_its_successors():
    assert division_centre("429000") == division_centre("420000")  # 省直辖县级行政区划 → 湖北省
    assert division_centre("110100") == division_centre("110000")  # 市辖区 → 北京市
    assert division_centre("440309") == division_centre("440300")  # 龙华区 (no own centre) → 深圳市
    assert division_centre("110103") == division_centre("110101")  # 崇文区 (abolished) → 东城区
    assert division_centre("999999") is None
    assert division_centre("") is None
