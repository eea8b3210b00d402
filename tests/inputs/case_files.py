"""Small case tables written by hand, shared by the tests of the inputs package.

Council codes used here are checked against the carried register:
E07000192 Cannock Chase District Council, E07000103 Watford Borough Council,
E07000004 Aylesbury Vale District Council (abolished 31 March 2020),
E06000060 Buckinghamshire Council (created 1 April 2020).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lgsco_report.errors import CaseDataError
from lgsco_report.inputs import Problem, load as load_cases


RECEIVED = (
    "case_ref,authority,received_date,category\n"
    "19 000 001,E07000192,2019-05-01,Housing\n"
    "19 000 002,Watford Borough Council,02/06/2019,Planning and Development\n"
)


DECIDED = (
    "case_ref,authority,decision_date,category,outcome,remedy_by_authority\n"
    "19 000 001,E07000192,2019-09-01,Housing,Upheld,no\n"
    "19 000 002,E07000103,2020-04-10,Planning and Development,Not upheld,\n"
)


COMPLIANCE = "case_ref,authority,compliance_date,outcome\n19 000 001,E07000192,2019-11-01,Complied\n"


TABLES = {"received": RECEIVED, "decided": DECIDED, "compliance": COMPLIANCE}


def make_dir(folder: Path, **texts: str) -> Path:
    """Write the three tables as CSV, replacing any given by keyword (None = leave it out)."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, default in TABLES.items():
        text = texts.get(table, default)
        if text is not None:
            (folder / f"{table}.csv").write_text(text, encoding="utf-8")
    return folder


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(CaseDataError) as caught:
        load_cases(folder)
    return caught.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def write_workbook(path: Path, sheets: list[tuple[str, list[list[object]], str]]) -> None:
    """An .xlsx holding one worksheet per (title, rows, state: visible | hidden | veryHidden)."""
    from hostile_files import workbook_bytes

    path.write_bytes(workbook_bytes(sheets))


def received_rows(text: str = RECEIVED) -> list[list[str]]:
    return [line.split(",") for line in text.strip().splitlines()]


STALE = [received_rows()[0], ["18 000 001", "E07000192", "2018-05-01", "Housing"]]


def excel_like_workbook(path: Path, date1904: bool) -> None:
    """A workbook as Excel writes it: shared strings (one in rich-text runs, one with a phonetic guide),
    a number stored as a number, date cells under a custom and a built-in date format, prefixed
    namespaces and no dimension; written by hand so every part is what Excel would save."""
    import zipfile

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    strings = ["case_ref", "authority", "received_date", "category", "19 000 001", "E07000192", "Watford Borough Council"]
    shared = "".join(f"<x:si><x:t>{text}</x:t></x:si>" for text in strings)
    shared += "<x:si><x:r><x:t>Hou</x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t>sing</x:t></x:r></x:si>"  # 7
    shared += "<x:si><x:t>Planning and Development</x:t><x:rPh sb='0' eb='1'><x:t>ignored</x:t></x:rPh></x:si>"  # 8
    offset = 1462 if date1904 else 0
    may, june = 43586 - offset, 43618 - offset  # 2019-05-01 and 2019-06-02
    cells = (
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
        '<x:c r="C1" t="s"><x:v>2</x:v></x:c><x:c r="D1" t="s"><x:v>3</x:v></x:c></x:row>'
        f'<x:row r="2"><x:c r="A2" t="s"><x:v>4</x:v></x:c><x:c r="B2" t="s"><x:v>5</x:v></x:c>'
        f'<x:c r="C2" s="1"><x:v>{may}</x:v></x:c><x:c r="D2" t="s"><x:v>7</x:v></x:c></x:row>'
        f'<x:row r="3"><x:c r="A3"><x:v>19000002</x:v></x:c><x:c r="B3" t="s"><x:v>6</x:v></x:c>'
        f'<x:c r="C3" s="2"><x:v>{june}.0</x:v></x:c><x:c r="D3" t="s"><x:v>8</x:v></x:c><x:c r="E3" s="1"/></x:row>'
    )
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": f'<x:workbook xmlns:x="{main}" xmlns:r="{rel}"><x:workbookPr date1904="{int(date1904)}"/>'
        '<x:sheets><x:sheet name="Cases" sheetId="1" r:id="rId7"/></x:sheets></x:workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId7" Type="{rel}/worksheet" Target="worksheets/data.xml"/>'
        f'<Relationship Id="rId8" Type="{rel}/sharedStrings" Target="/xl/strings.xml"/>'
        f'<Relationship Id="rId9" Type="{rel}/styles" Target="styles.xml"/></Relationships>',
        "xl/strings.xml": f'<x:sst xmlns:x="{main}">{shared}</x:sst>',
        "xl/styles.xml": f'<x:styleSheet xmlns:x="{main}"><x:numFmts><x:numFmt numFmtId="164" formatCode="dd/mm/yyyy;@"/></x:numFmts>'
        '<x:cellStyleXfs><x:xf numFmtId="0"/></x:cellStyleXfs>'
        '<x:cellXfs><x:xf numFmtId="0"/><x:xf numFmtId="164"/><x:xf numFmtId="14"/></x:cellXfs></x:styleSheet>',
        "xl/worksheets/data.xml": f'<x:worksheet xmlns:x="{main}"><x:sheetData>{cells}</x:sheetData></x:worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)


# DECIDED: 19 000 001 Cannock Chase (E07000192) decided 2019-09-01, row 2; 19 000 002 Watford (E07000103) 2020-04-10, row 3.

REPORTS = "case_ref,authority,report_date,kind\n19 000 001,E07000192,2019-09-01,public interest report\n"


REMEDIES = (
    "case_ref,authority,remedy_type,agreed_date,due_date,completed_date\n"
    "19 000 001,Cannock Chase District Council,Apology,2019-09-05,2019-10-05,2019-10-01\n"
    "19 000 001,E07000192,staff training,2019-09-05,2019-12-05,\n"
)


def with_optional(folder: Path, reports: str | None = REPORTS, remedies: str | None = REMEDIES) -> Path:
    make_dir(folder)
    for name, text in (("reports", reports), ("remedies", remedies)):
        if text is not None:
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder
