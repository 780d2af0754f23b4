#!/usr/bin/env python3
"""Describes an XLSX export as JSON, for tests that check it without reading Excel's XML.

    python3 tests/e2e/xlsx_check.py FILE.xlsx

prints one JSON object on stdout:

    {"sheets": [{"name": "Thông tin chung", "freeze": "A2", "header": ["Mục", ...],
                 "rows": 17, "number_formats": ["#,##0", "General", "dd/mm/yyyy"]}, ...]}

- sheets in workbook order;
- freeze: the top-left cell of the scrolling pane ("A2": the header row is frozen), or null;
- header: the values of row 1 as text ("" for an empty cell);
- rows: how many rows below the header hold at least one value (a sheet with a second table,
  like Cấp phó's violations under its summary, counts that table's header row too);
- number_formats: the distinct number formats of the cells below the header that hold a value,
  sorted.

Exit status: 0 with the JSON; 1 when the file cannot be opened as a workbook; 2 on bad usage;
3 when openpyxl is missing. Needs openpyxl (Debian: python3-openpyxl). When the python3 first on
PATH lacks it (a pyenv shim, say), the script runs itself again with /usr/bin/python3.
"""
import json
import os
import sys

SYSTEM_PYTHON = "/usr/bin/python3"

try:
    import openpyxl
except ImportError:
    if (os.path.exists(SYSTEM_PYTHON)
            and os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON)
            and not os.environ.get("XLSX_CHECK_REEXEC")):
        os.environ["XLSX_CHECK_REEXEC"] = "1"
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)
    print("xlsx_check: openpyxl is not installed (apt-get install python3-openpyxl)",
          file=sys.stderr)
    sys.exit(3)


def text(value):
    return "" if value is None else str(value)


def describe(ws):
    header = []
    rows = 0
    formats = set()
    for r, row in enumerate(ws.iter_rows(), start=1):
        if r == 1:
            header = [text(c.value) for c in row]
            continue
        filled = [c for c in row if c.value is not None]
        if filled:
            rows += 1
        for c in filled:
            formats.add(c.number_format)
    # Trailing empty header cells come from wider rows below; they are not header columns.
    while header and header[-1] == "":
        header.pop()
    return {
        "name": ws.title,
        "freeze": ws.freeze_panes,
        "header": header,
        "rows": rows,
        "number_formats": sorted(formats),
    }


def main(argv):
    if len(argv) != 2:
        print("usage: xlsx_check.py FILE.xlsx", file=sys.stderr)
        return 2
    try:
        # A file object: openpyxl would refuse a path without an .xlsx extension.
        with open(argv[1], "rb") as f:
            wb = openpyxl.load_workbook(f)
    except Exception as e:  # any failure to open is the same answer: not a workbook
        print("xlsx_check: cannot open %s: %s" % (argv[1], e), file=sys.stderr)
        return 1
    out = {"sheets": [describe(ws) for ws in wb.worksheets]}
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
