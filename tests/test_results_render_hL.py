"""The results page (search.render) from a hand-edited or partial results file: a `|` in a label
ended its cell (the table fell apart), and a comparison naming a row the file does not hold
(one made with --only) was left off the page without a word."""
from test_results import doc_with

from tinygrad_dl.search.render import render_block, render_page


def _cells(line: str) -> list[str]:
    """A Markdown table row's cells, as GitHub reads them: split at each `|` not escaped."""
    out, cur, esc = [], "", False
    for ch in line.strip()[1:-1]:
        if ch == "|" and not esc:
            out.append(cur)
            cur = ""
        else:
            cur += ch
        esc = ch == "\\" and not esc
    return [*out, cur]


def test_a_pipe_in_a_label_stays_in_its_cell():
    doc = doc_with([0.3, 0.31], [0.29, 0.3])
    doc["settings"][0]["label"] = "A | with BN"
    doc["comparisons"][0]["question"] = "A|B?"
    page = render_page(doc)
    header = _cells(page.split("\n")[page.split("\n").index("<!-- results:begin -->") + 1])
    rows = [ln for ln in page.split("\n") if ln.startswith("| ") and "with BN" in ln]
    assert rows, page
    for ln in rows:  # the settings table, the comparisons and the commands
        assert "A \\| with BN" in ln
        cells = _cells(ln)
        assert any(c.strip().startswith("A \\| with BN") for c in cells), cells
    setting_row = next(ln for ln in rows if "test accuracy" in ln)
    assert len(_cells(setting_row)) == len(header)
    question_row = next(ln for ln in rows if "A\\|B?" in ln)
    assert len(_cells(question_row)) == 6


def test_a_comparison_whose_row_is_missing_is_named_not_dropped():
    doc = doc_with([0.3, 0.31], [0.29, 0.3])
    doc["comparisons"].append({"a": "a", "b": "gone", "question": "Does gone help?"})
    block = render_block(doc)
    assert "| A or B? |" in block  # the comparison that can be made still is
    said = [ln for ln in block.split("\n") if "Does gone help?" in ln]
    assert len(said) == 1 and "(gone)" in said[0] and "not" in said[0], block
    doc["comparisons"].pop()
    assert "Not compared" not in render_block(doc)  # nothing missing: nothing said
