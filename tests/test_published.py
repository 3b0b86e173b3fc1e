"""The published-cost files: the committed data loads, and bad input names file, line and class."""
import csv
import shutil

import pytest

from uintrlab import published
from uintrlab.published import PublishedError


@pytest.fixture
def pubdir(tmp_path):
    d = tmp_path / "published"
    shutil.copytree(published.DEFAULT_DIR, d, ignore=shutil.ignore_patterns("*.md"))
    return d


def edit(path, row_index, **changes):
    """Change columns of data row ``row_index`` (0 = first row after the header)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
        fields = list(rows[0].keys())
    rows[row_index].update(changes)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return rows[row_index]


def test_committed_data_loads_and_is_consistent():
    d = published.load()
    assert set(d.costs["source_id"]) <= set(d.sources.index)
    assert set(d.anchors["source_id"]) <= set(d.sources.index)
    assert set(d.costs["class"]) <= set(d.classes.index)
    # every defined class has at least one published number
    assert set(d.classes.index) == set(d.costs["class"])
    assert (d.costs["low_ns"] <= d.costs["high_ns"]).all()
    # the anchors named in the issue are there, with their values
    a = d.anchors.set_index("anchor_id")["value"]
    assert a["rfc-uintr-running"] == 1.0
    assert a["rfc-uintr-blocked"] == 8.9
    assert a["rfc-eventfd"] == 9.7
    assert a["rfc-signal"] == 14.8
    assert a["rfc-pipe"] == 16.3
    assert a["rfc-unix"] == 17.3
    assert a["osf4-hw-eventfd-bi-mean"] == 37.25
    assert a["osf4-hw-uintrfd-bi-mean"] == 4.366
    assert a["osf4-report-qemu-osf4-uintr-thread-1B"] == 28935
    assert a["osf4-report-qemu-osf4-eventfd-1B"] == 6649


def test_units_convert_to_ns(pubdir):
    path = pubdir / "uintr-costs.csv"
    edit(path, 0, value_low="1000", value_high="3000", unit="cycles", freq_ghz="2.5")
    edit(path, 1, value_low="1.5", value_high="2", unit="us", freq_ghz="")
    edit(path, 2, value_low="7", value_high="7", unit="ns", freq_ghz="")
    costs = published.load(pubdir).costs
    assert list(costs.loc[0, ["low_ns", "high_ns"]]) == [400.0, 1200.0]
    assert list(costs.loc[1, ["low_ns", "high_ns"]]) == [1500.0, 2000.0]
    assert list(costs.loc[2, ["low_ns", "high_ns"]]) == [7.0, 7.0]


def test_class_range_covers_every_source_and_filters_evidence(pubdir):
    path = pubdir / "uintr-costs.csv"
    cls = edit(path, 0, value_low="100", value_high="100", unit="ns", freq_ghz="",
               evidence="direct")["class"]
    edit(path, 1, **{"class": cls, "value_low": "300", "value_high": "500", "unit": "ns",
                     "freq_ghz": "", "evidence": "quoted"})
    edit(path, 2, **{"class": cls, "value_low": "9000", "value_high": "9000", "unit": "ns",
                     "freq_ghz": "", "evidence": "reported"})
    costs = published.load(pubdir).costs
    assert published.class_range(costs, cls) == (100.0, 500.0)
    assert published.class_range(costs, cls, evidence=published.EVIDENCE) == (100.0, 9000.0)
    assert published.class_range(costs, cls, evidence=("direct",)) == (100.0, 100.0)
    with pytest.raises(PublishedError, match="no published cost"):
        published.class_range(costs, "no_such_class")
    with pytest.raises(PublishedError, match="evidence"):
        published.class_range(costs, cls, evidence=("hearsay",))


@pytest.mark.parametrize("changes,message", [
    (dict(source_id=""), "source_id is missing"),
    (dict(source_id="nobody-2099"), "'nobody-2099' is not in sources.csv"),
    (dict(value_low="-5"), "value_low '-5' is negative"),
    (dict(value_high="-1", value_low="-2"), "negative"),
    (dict(value_low="500", value_high="400"), "value_low 500 > value_high 400"),
    (dict(value_low="fast"), "value_low 'fast' is not a number"),
    (dict(value_high="nan"), "not finite"),
    (dict(unit="furlongs"), "unit 'furlongs' is not one of"),
    (dict(unit="cycles", freq_ghz=""), "freq_ghz is missing"),
    (dict(unit="cycles", freq_ghz="0"), "freq_ghz is zero"),
    (dict(unit="cycles", freq_ghz="-2"), "freq_ghz '-2' is negative"),
    (dict(evidence="rumour"), "evidence 'rumour' is not one of"),
    (dict(locator=""), "locator is missing"),
    (dict(cpu=""), "cpu is missing"),
])
def test_bad_cost_row_names_file_line_and_class(pubdir, changes, message):
    path = pubdir / "uintr-costs.csv"
    row = edit(path, 3, **changes)
    with pytest.raises(PublishedError) as e:
        published.load(pubdir)
    text = str(e.value)
    assert str(path) in text
    assert "line 5" in text          # data row 3 is line 5 (header = line 1)
    assert f"class {row['class']}" in text
    assert message in text


def test_cost_class_must_be_defined(pubdir):
    path = pubdir / "uintr-costs.csv"
    edit(path, 0, **{"class": "warp_drive"})
    with pytest.raises(PublishedError, match=r"uintr-costs\.csv: line 2 \(class warp_drive\): "
                                             r"class is not defined in classes\.csv"):
        published.load(pubdir)


def test_missing_class_names_the_line(pubdir):
    path = pubdir / "uintr-costs.csv"
    edit(path, 1, **{"class": ""})
    with pytest.raises(PublishedError, match=r"uintr-costs\.csv: line 3: class is missing"):
        published.load(pubdir)


def test_wrong_columns_name_the_file(pubdir):
    path = pubdir / "uintr-costs.csv"
    text = path.read_text().replace("value_low", "value_min", 1)
    path.write_text(text)
    with pytest.raises(PublishedError, match=r"uintr-costs\.csv: columns .*value_min"):
        published.load(pubdir)


def test_missing_file_is_named(pubdir):
    (pubdir / "sources.csv").unlink()
    with pytest.raises(PublishedError, match=r"sources\.csv: unreadable"):
        published.load(pubdir)


def test_ragged_csv_is_named(pubdir):
    path = pubdir / "hardware-anchors.csv"
    with open(path, "a") as f:
        f.write("x,hardware,uintr,p,pingpong,mean,1,us,1,,cpu,one,too,many,fields,here\n")
    with pytest.raises(PublishedError, match=r"hardware-anchors\.csv: unreadable"):
        published.load(pubdir)


@pytest.mark.parametrize("changes,message", [
    (dict(citation=""), "citation is missing"),
    (dict(url="lore.kernel.org/x"), "is not a URL"),
    (dict(year="21"), "year '21' is not a year"),
])
def test_bad_source_row(pubdir, changes, message):
    path = pubdir / "sources.csv"
    row = edit(path, 0, **changes)
    with pytest.raises(PublishedError) as e:
        published.load(pubdir)
    assert f"{path}: line 2 ({row['source_id']})" in str(e.value)
    assert message in str(e.value)


def test_duplicate_source_id(pubdir):
    path = pubdir / "sources.csv"
    first = edit(path, 0)["source_id"]
    edit(path, 1, source_id=first)
    with pytest.raises(PublishedError, match=rf"sources\.csv: line 3: source_id '{first}' appears twice"):
        published.load(pubdir)


@pytest.mark.parametrize("changes,message", [
    (dict(source_id=""), "source_id is missing"),
    (dict(source_id="nobody-2099"), "is not in sources.csv"),
    (dict(value="-9.7"), "value '-9.7' is negative"),
    (dict(unit="parsecs"), "unit 'parsecs' is not one of"),
    (dict(statistic="vibe"), "statistic 'vibe' is not one of"),
    (dict(platform="kvm"), "platform 'kvm' is not one of"),
    (dict(count="-1"), "count '-1' is negative"),
    (dict(mode=""), "mode is missing"),
])
def test_bad_anchor_row_names_file_line_and_anchor(pubdir, changes, message):
    path = pubdir / "hardware-anchors.csv"
    row = edit(path, 2, **changes)
    with pytest.raises(PublishedError) as e:
        published.load(pubdir)
    assert f"{path}: line 4 (anchor {row['anchor_id']})" in str(e.value)
    assert message in str(e.value)


def test_duplicate_anchor_id(pubdir):
    path = pubdir / "hardware-anchors.csv"
    first = edit(path, 0)["anchor_id"]
    edit(path, 4, anchor_id=first)
    with pytest.raises(PublishedError, match=rf"line 6: anchor_id '{first}' appears twice"):
        published.load(pubdir)


def test_readme_range_table_matches_the_data():
    """The README's table of ranges is written from class_range; it must not drift."""
    import re
    d = published.load()
    text = (published.DEFAULT_DIR / "README.md").read_text()
    table = {m.group(1): m.group(2) for m in
             re.finditer(r"^\| `(\w+)`(?: \(prior\))? \|[^|]*\| ([0-9.–]+)", text, re.M)}
    assert set(table) == set(d.classes.index)
    for cls, cell in table.items():
        lo, _, hi = cell.partition("–")
        assert published.class_range(d.costs, cls) == (float(lo), float(hi or lo)), cls
