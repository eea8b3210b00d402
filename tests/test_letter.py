"""The annual review letter notebook, executed by papermill, checked against the statistics."""

from __future__ import annotations

import hashlib
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

from lgsco_report import formatting, register, wording
from lgsco_report.errors import LetterInputError
from lgsco_report.letter import DOCUMENT_MIMETYPE, prepare_letter
from lgsco_report.sample import ensure_sample_data
from lgsco_report.yearparams import load_year_parameters
from lgsco_report.formatting import per_100k_text, percent, percent_of

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "annual_review_letter.ipynb"
YEAR = 2020
GENERATED_AT = "2020-07-01T09:00:00+00:00"


@pytest.fixture(scope="module")
def sample_data() -> Path:
    return ensure_sample_data()


def _first(frame, description):
    assert not frame.empty, f"the sample data has no council with {description}"
    return frame.iloc[0]["authority_code"]


def edge_case_councils(statistics) -> dict[str, str]:
    """Councils chosen from the data for each edge case the letter must word well."""
    year = statistics.councils[statistics.councils["year"] == YEAR]
    chosen = {
        "no cases at all": _first(
            year[(year.received_total == 0) & (year.decisions_total == 0) & (year.compliance_outcomes == 0)], "no cases"
        ),
        "investigations, none upheld": _first(year[(year.detailed_investigations > 1) & (year.upheld == 0)], "none upheld"),
        "all upheld": _first(year[(year.detailed_investigations > 1) & (year.upheld == year.detailed_investigations)], "all upheld"),
        "non-compliance": _first(year[year.not_complied > 0], "non-compliance"),
    }
    for authority_type in sorted(year.authority_type.unique()):
        chosen[authority_type] = _first(year[(year.authority_type == authority_type) & (year.upheld > 2)], authority_type)
    names_2019 = set(register.councils_for_year(YEAR - 1)["authority_code"])
    names_2021 = set(register.councils_for_year(YEAR + 1)["authority_code"])
    chosen["abolished in 2020"] = _first(year[~year.authority_code.isin(names_2021)], "abolished in 2020")
    chosen["created in 2020"] = _first(year[~year.authority_code.isin(names_2019)], "created in 2020")
    return chosen


def _execute(council: str, out: Path, cwd: Path, **parameters) -> nbformat.NotebookNode:
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), parameters={"council": council, "year": YEAR, **parameters},
        cwd=str(cwd), kernel_name="python3", progress_bar=False,
    )
    return nbformat.read(out, as_version=4)


def letter_html(nb) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text/html" in output.get("data", {}):
                parts.append(output["data"]["text/html"])
    return "\n".join(parts)


def visible_text(markup: str) -> str:
    text = re.sub(r"<[^>]+>", " ", markup)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def table_rows(markup: str) -> dict[str, str]:
    rows = re.findall(r'<th scope="row">(.*?)</th><td class="num">(.*?)</td>', markup)
    return {html.unescape(label): html.unescape(value) for label, value in rows}


def _check_letter(nb, figures, sample_data: Path) -> None:
    markup = letter_html(nb)
    text = visible_text(markup)
    name = figures["authority_name"]
    assert register.name_in_text(name) in text
    assert "Annual Review letter 2020" in text
    assert "1 April 2019 to 31 March 2020" in text
    assert "SAMPLE DATA - not real Ombudsman figures" in text
    metadata = [o["data"][DOCUMENT_MIMETYPE] for c in nb.cells for o in c.get("outputs", []) if DOCUMENT_MIMETYPE in o.get("data", {})]
    assert metadata and metadata[0]["council"] == name and metadata[0]["is_sample"] is True
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    # File hashes and the generation time are not in the running text (they go to the document metadata).
    for path in sorted(sample_data.glob("*.csv")):
        assert hashlib.sha256(path.read_bytes()).hexdigest() not in text
    assert GENERATED_AT not in text

    if not (int(figures["received_total"]) or int(figures["decisions_total"]) or int(figures["compliance_outcomes"])):
        assert "no statistics to report" in text
        assert "<table" not in markup and "<img" not in markup and "lgsco-annex" not in markup
        return
    assert markup.index('class="lgsco-signature"') < markup.index('<section class="lgsco-annex"')
    assert markup.count('class="lgsco-provenance"') == 1 and "Made with lgsco-report" in text

    investigations, upheld = int(figures["detailed_investigations"]), int(figures["upheld"])
    if investigations == 0:
        assert "no uphold rate" in text
    else:
        assert percent_of(upheld, investigations) in text
    if investigations > 1 and 0 < upheld < investigations:
        assert f"{wording.some_of(upheld, investigations, 'detailed investigation')}" in text
    if 0 < investigations < 10:
        assert f"rests on only {wording.count_phrase(investigations, 'detailed investigation')}" in text
    for column in ("type_avg_upheld_rate", "type_avg_compliance_rate", "type_avg_satisfactory_remedy_rate"):
        assert f"similar authorities ({figures['authority_type']}s) was {percent(figures[column])}" in text.replace("Boroughs", "Borough" + "s")
    outcomes = int(figures["compliance_outcomes"])
    if outcomes == 0:
        assert "no compliance rate" in text
    else:
        complied = int(figures["complied"]) + int(figures["complied_late"])
        assert percent_of(complied, outcomes) in text
        if 0 < complied < outcomes:
            assert f"in {wording.count_phrase(int(figures['not_complied']), 'case', numerals=True)} it did not comply" in text
    if not load_year_parameters(int(figures["year"])).carries.per_100k:  # 2019-20's letters had no such figure
        assert "100,000" not in text
    elif figures["population"] != figures["population"]:  # NaN: no population
        assert "holds no population" in text
    elif upheld:
        assert f"{per_100k_text(figures['upheld_per_100k'])} upheld" in text
    else:
        assert "per 100,000 residents is nil" in text

    rows = table_rows(markup)
    if int(figures["received_total"]):
        assert rows["Total"] == f"{int(figures['received_total']):,}"
        assert rows["Housing"] == str(int(figures["received_housing"]))
    if int(figures["decisions_total"]):
        assert rows["Upheld"] == str(upheld)
        assert rows["Not upheld"] == str(int(figures["not_upheld"]))
        assert rows["Referred back for local resolution"] == str(int(figures["referred_back"]))
        assert rows["Total decisions"] == f"{int(figures['decisions_total']):,}"

    alts = re.findall(r'<img [^>]*alt="([^"]*)"', markup)
    assert all(alts)
    has_key_rate = any(not formatting.is_missing(figures[c]) for c in ("upheld_rate", "compliance_rate", "satisfactory_remedy_rate"))
    assert (len(alts) >= 1 and alts[0].startswith("Bar chart")) == has_key_rate
    if investigations:
        expected_uphold = percent(figures["upheld_rate"])
        assert f"uphold rate {expected_uphold}" in alts[0] and html.escape(register.name_in_text(name)) in alts[0]


def test_edge_cases_are_all_present(statistics):
    chosen = edge_case_councils(statistics)
    assert len(set(chosen.values())) >= 8


CASES = ["no cases at all", "investigations, none upheld", "all upheld", "non-compliance",
         "County Council", "District Council", "Metropolitan Borough", "Unitary Council", "London Borough",
         "abolished in 2020", "created in 2020"]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_letter_notebook_for_edge_case(case, statistics, executed_letter, sample_data):
    code = edge_case_councils(statistics)[case]
    figures = statistics.council(code, YEAR)
    nb = nbformat.read(executed_letter(code, YEAR, generated_at=GENERATED_AT), as_version=4)
    _check_letter(nb, figures, sample_data)


@pytest.mark.slow
def test_notebook_runs_top_to_bottom_with_its_defaults_from_another_directory(tmp_path, statistics, sample_data):
    # What an analyst gets from Run All in JupyterLab: no parameters injected.
    papermill.execute_notebook(str(NOTEBOOK), str(tmp_path / "out.ipynb"), cwd=str(tmp_path),
                               kernel_name="python3", progress_bar=False)
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert "Cannock Chase District Council" in visible_text(letter_html(nb))


@pytest.mark.slow
def test_year_as_span_and_council_by_short_name(tmp_path, stats_file):
    papermill.execute_notebook(
        str(NOTEBOOK), str(tmp_path / "out.ipynb"), cwd=str(tmp_path), kernel_name="python3", progress_bar=False,
        parameters={"council": "westminster", "year": "2019-20", "stats_file": str(stats_file)},
    )
    text = visible_text(letter_html(nbformat.read(tmp_path / "out.ipynb", as_version=4)))
    assert "City of Westminster" in text and "Annual Review letter 2020" in text


@pytest.mark.slow
@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"council": "Canock Chase"}, "Did you mean: Cannock Chase District Council"),
        ({"council": "Adur", "params_file": str(ROOT / "parameters" / "1990.yaml")}, "no parameters file"),
        ({"council": "Adur", "year": 2021, "params_file": str(ROOT / "parameters" / "2020.yaml")}, "letters are for 2021"),
        ({"council": "Aylesbury Vale", "year": 2022}, "until 31 March 2020"),
    ],
)
def test_bad_parameters_stop_in_the_first_cells_with_one_message(parameters, message, tmp_path, stats_file):
    out = tmp_path / "out.ipynb"
    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(str(NOTEBOOK), str(out), parameters={"year": YEAR, "stats_file": str(stats_file), **parameters},
                                   cwd=str(tmp_path), kernel_name="python3", progress_bar=False)
    assert info.value.ename == "LetterInputError"
    assert message in info.value.evalue
    nb = nbformat.read(out, as_version=4)
    failed = [c for c in nb.cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert len(failed) == 1 and "prepare" in failed[0]["id"]
    assert all(c.get("execution_count") is None for c in nb.cells if c["id"] in ("heading", "notes"))


def test_year_outside_the_data_is_refused(statistics, stats_file, tmp_path):
    params = tmp_path / "2025.yaml"
    params.write_text((ROOT / "parameters" / "2024.yaml").read_text().replace("2024", "2025"))
    with pytest.raises(LetterInputError, match="years in the data: 2018-19, 2019-20"):
        prepare_letter("Adur", 2025, stats_file=stats_file, params_file=params)


@pytest.mark.slow
def test_help_notebook_lists_parameters_with_help():
    out = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook", str(NOTEBOOK)],
                         capture_output=True, text=True, check=True).stdout
    for name in ("council", "year", "data_dir", "params_file", "stats_file", "generated_at"):
        assert f"{name}:" in out
    assert "GSS code" in out


def test_same_inputs_same_letter(stats_file):
    first = prepare_letter("E07000223", YEAR, stats_file=stats_file, generated_at=GENERATED_AT).to_html()
    second = prepare_letter("E07000223", YEAR, stats_file=stats_file, generated_at=GENERATED_AT).to_html()
    assert first == second


def test_hostile_text_in_parameters_is_escaped(tmp_path, stats_file):
    params = (ROOT / "parameters" / "2020.yaml").read_text()
    params = params.replace("name: Michael King", 'name: "<script>alert(1)</script> {{ 7*7 }}"')
    path = tmp_path / "2020.yaml"
    path.write_text(params)
    markup = prepare_letter("Adur", YEAR, stats_file=stats_file, params_file=path).to_html()
    assert "<script>" not in markup and "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in markup


def test_office_can_replace_the_template(tmp_path, stats_file):
    template = tmp_path / "office.html.j2"
    template.write_text((ROOT / "lgsco_report" / "templates" / "letter" / "letter.html.j2").read_text()
                        .replace("Complaint statistics</h2>", "Our figures for you</h2>"))
    params = (ROOT / "parameters" / "2020.yaml").read_text() + "\nletter_template: office.html.j2\n"
    (tmp_path / "2020.yaml").write_text(params)
    markup = prepare_letter("Adur", YEAR, stats_file=stats_file, params_file=tmp_path / "2020.yaml").to_html()
    assert "Our figures for you" in markup and "Complaint statistics</h2>" not in markup



def test_an_office_template_without_a_section_is_refused_naming_file_and_sections(tmp_path, stats_file):
    """An office's template that lacks a section the notebook shows: the error names the file, what it
    has and what a letter needs, so the office can fix its template (it used to list nothing)."""
    template = tmp_path / "office.html.j2"
    template.write_text("{% block heading %}<p>Dear {{ salutation_name }}</p>{% endblock %}\n"
                        "{% block closing %}<p>Yours</p>{% endblock %}\n")
    (tmp_path / "2020.yaml").write_text((ROOT / "parameters" / "2020.yaml").read_text() + "\nletter_template: office.html.j2\n")
    letter = prepare_letter("Adur", YEAR, stats_file=stats_file, params_file=tmp_path / "2020.yaml")
    assert str(letter.section("heading")).startswith("<p>Dear ")  # the sections it has still render
    with pytest.raises(LetterInputError) as refused:
        letter.section("banner")
    message = str(refused.value)
    assert f"the letter template {template.resolve()} has no section 'banner'; it has 'heading', 'closing'." in message
    assert "A letter needs the sections 'banner', 'heading', 'key_statistics', 'closing', 'annex'" in message
    assert "{% block banner %}" in message and '{% extends "letter.html.j2" %}' in message


def test_a_template_with_no_sections_says_so(tmp_path, stats_file):
    template = tmp_path / "empty.html.j2"
    template.write_text("<p>nothing here</p>\n")
    (tmp_path / "2020.yaml").write_text((ROOT / "parameters" / "2020.yaml").read_text() + "\nletter_template: empty.html.j2\n")
    letter = prepare_letter("Adur", YEAR, stats_file=stats_file, params_file=tmp_path / "2020.yaml")
    with pytest.raises(LetterInputError, match=r"has no section 'banner'; it has no \{% block %\} at all\. A letter needs"):
        letter.to_html()

def test_committed_notebooks_have_no_outputs():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


@pytest.mark.slow
def test_exported_pdfs_short_letter_and_abolished_council(tmp_path, stats_file):
    """Real notebooks, real PDFs: the Isles of Scilly's short letter has no table or chart but the year's
    seminars and training, as every letter does, in two pages at most; Aylesbury Vale's letter goes to
    Buckinghamshire Council and its annex follows the signature."""
    import pypdf

    from lgsco_report.exporters import export_letter
    from pdf_render import page_count, render_page

    texts = {}
    for council in ("Isles of Scilly", "Aylesbury Vale"):
        nb = _execute(council, tmp_path / f"{council}.ipynb", tmp_path, stats_file=str(stats_file), generated_at=GENERATED_AT)
        _, pdf = export_letter(nb, None, tmp_path / f"{council}.pdf")
        texts[council] = " ".join((page.extract_text() or "") for page in pypdf.PdfReader(pdf).pages)
        texts[council] = re.sub(r"\s+", " ", texts[council])
        if council == "Isles of Scilly":
            # The closing section goes over whole with the signature (letter.css), so it may start page 2.
            assert page_count(pdf) <= 2
            pixels = render_page(pdf, 0, 40)
            assert (pixels < 0.9).any()  # not blank
    scilly = texts["Isles of Scilly"]
    assert "about the Council of the Isles of Scilly" in scilly and "no statistics to report" in scilly
    assert "Annex" not in scilly and "Received" not in scilly and "Figure" not in scilly
    assert "we ran seminars for link officers in London, Bristol, Leeds and Birmingham" in scilly
    assert "delivered 118 courses during the year to more than 1,400 people" in scilly
    aylesbury = texts["Aylesbury Vale"]
    assert "Buckinghamshire Council" in aylesbury.split("Dear")[0]
    assert "ceased to exist on 31 March 2020" in aylesbury
    assert aylesbury.index("Yours sincerely") < aylesbury.index("Annex: the figures for Aylesbury Vale District Council")


def test_every_council_has_a_population_and_an_unknown_one_leaves_the_sentence_out(statistics, stats_file):
    """Every council of every sample year has a population (the carried ONS estimates); were one unknown, the
    letter would leave its per-100,000 sentence out rather than explain the project's register."""
    councils = statistics.councils
    live = councils[~councils["former"].astype(bool)] if "former" in councils else councils
    live = live[live["year"] >= 2020]  # the letter years; 2018-19 is only a trend year of the sample
    assert live["population"].notna().all(), list(live.loc[live["population"].isna(), "authority_name"])
    made = prepare_letter("Kent", 2024, stats_file=stats_file)
    assert "for every 100,000 residents" in str(made.section("key_statistics"))
    made.context.update(upheld_per_100k=None, type_avg_upheld_per_100k=None, population=None, population_mid_year=None)
    text = str(made.section("key_statistics"))
    assert "100,000" not in text and "register" not in text and "population" not in text
