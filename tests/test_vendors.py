import io

import pytest

from capture.vendors import Vendor, VendorList, normalize_name

CSV = """\ufeffname,tax_id,city
北京华信科技有限公司,91110105MA01ABCD1X,北京
上海鼎泰商贸有限公司,91310115MA1H7KXX4P,上海
深圳博远电子有限公司（南山分公司）,,深圳
"""


@pytest.fixture
def vendors() -> VendorList:
    return VendorList.from_csv(io.StringIO(CSV))


def test_from_csv_reads_rows_and_ignores_other_columns(vendors):
    assert len(vendors) == 3
    assert vendors.vendors[0] == Vendor("北京华信科技有限公司", "91110105MA01ABCD1X")
    assert vendors.vendors[2].tax_id is None


def test_from_csv_path(tmp_path):
    path = tmp_path / "vendors.csv"
    path.write_text(CSV, encoding="utf-8")
    assert len(VendorList.from_csv(path)) == 3
    assert len(VendorList.from_csv(str(path))) == 3


def test_from_csv_needs_a_name_column():
    with pytest.raises(ValueError):
        VendorList.from_csv(io.StringIO("company,tax_id\nx,y\n"))


def test_exact_tax_id_wins_over_a_different_name(vendors):
    m = vendors.match("完全不同的名字有限公司", "91310115ma1h7kxx4p")
    assert m is not None
    assert (m.name, m.by, m.score) == ("上海鼎泰商贸有限公司", "tax_id", 100.0)
    assert "91310115MA1H7KXX4P" in m.reason


def test_one_misread_character_matches_by_name(vendors):
    m = vendors.match("北京华信科枝有限公司", None)  # 技 -> 枝
    assert m is not None
    assert m.name == "北京华信科技有限公司" and m.by == "name"
    assert m.score == pytest.approx(90.0)
    assert "90.0" in m.reason and "cutoff 90" in m.reason


def test_two_misread_characters_fall_below_the_default_cutoff(vendors):
    assert vendors.match("北京华倍科枝有限公司", None) is None


def test_cutoff_is_configurable():
    lenient = VendorList.from_csv(io.StringIO(CSV), score_cutoff=75)
    m = lenient.match("北京华倍科枝有限公司", None)
    assert m is not None and m.name == "北京华信科技有限公司" and 75 <= m.score < 90


def test_full_width_brackets_and_spaces_do_not_matter(vendors):
    m = vendors.match("深圳博远电子有限公司 (南山分公司)", None)
    assert m is not None and m.score == 100.0


def test_different_company_sharing_the_suffix_does_not_match(vendors):
    assert vendors.match("杭州星河网络科技有限公司", None) is None


def test_name_match_with_conflicting_tax_id_is_flagged(vendors):
    m = vendors.match("北京华信科技有限公司", "91110108MA00000000")
    assert m is not None and m.tax_id_conflict
    assert "differs" in m.reason


def test_nothing_to_match(vendors):
    assert vendors.match(None, None) is None
    assert vendors.match("", "") is None
    assert VendorList([]).match("北京华信科技有限公司", None) is None


def test_invalid_cutoff_refused():
    with pytest.raises(ValueError):
        VendorList([], score_cutoff=101)


def test_normalize_name():
    a, b = "深圳博远电子有限公司（南山分公司）", "深圳博远电子有限公司 (南山分公司)"
    assert normalize_name(a) == normalize_name(b)
    assert normalize_name("ab c") == "ABC"
