"""pipeline.readers: .docx, .pdf, .jsonl and .csv.

Every fixture is generated here; tests that read ../shared are marked `shared` and skip without it.
"""

import csv
import io
import json
from pathlib import Path

from readers_support import (
    DOC,
    DOC_PARAGRAPHS,
    TRADITIONAL,
    failures_of,
    only_units,
    read_units,
    texts,
)

from pipeline.readers import (
    Paragraph,
    read_corpus,
    read_inputs,
    split_paragraphs,
)

# --------------------------------------------------------------------------- .docx


def test_docx_paragraphs_headings_and_tables_in_document_order(tmp_path: Path) -> None:
    import docx
    from docx.oxml import OxmlElement

    document = docx.Document()
    document.add_heading("年度工作要点", level=1)
    document.add_paragraph("一、总体要求")
    document.add_paragraph("坚持稳中求进工作总基调，统筹发展和安全。")
    table = document.add_table(rows=3, cols=3)
    cells = [("项目", "目标", "单位"), ("外贸进出口", "增长5%", "商务局"), ("友好城市", "新增3个", "外办")]
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(0, 1).merge(table.cell(0, 2))  # a merged header cell is read once
    table.cell(2, 2).add_table(rows=1, cols=2).rows[0].cells[1].text = "嵌套表格"  # nested: read inline
    control = OxmlElement("w:sdt")  # a content control (cover pages, forms): its paragraphs count too
    control_content = OxmlElement("w:sdtContent")
    control.append(control_content)
    document.element.body.insert(len(document.element.body) - 1, control)
    control_content.append(document.add_paragraph("控件中的段落。")._p)
    document.add_paragraph("二、重点任务")
    document.add_paragraph("扩大高水平对外开放，")
    document.add_paragraph("稳步推进制度型开放。")  # a paragraph broken by a converter: repaired as text
    path = tmp_path / "plan.docx"
    document.save(path)

    units = only_units(read_units(path))
    assert texts(units) == [
        "年度工作要点",
        "一、总体要求",
        "坚持稳中求进工作总基调，统筹发展和安全。",
        "项目 | 目标单位",  # the merged cell once; its two paragraphs joined
        "外贸进出口 | 增长5% | 商务局",
        "友好城市 | 新增3个 | 外办 | 嵌套表格",
        "控件中的段落。",
        "二、重点任务",
        "扩大高水平对外开放，稳步推进制度型开放。",
    ]
    assert [u.id for u in units][:2] == ["plan#000", "plan#001"]


# --------------------------------------------------------------------------- .pdf


def _latin_pdf(path: Path, paragraphs: list[str], header: str = "Annual Policy Review") -> None:
    from fpdf import FPDF

    class Report(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=9)
            self.cell(0, 8, header, align="C")
            self.ln(12)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=9)
            self.cell(0, 8, f"- {self.page_no()} -", align="C")

    pdf = Report()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for para in paragraphs:
        pdf.multi_cell(0, 6, para)
        pdf.ln(3)
    pdf.output(str(path))


LATIN = [
    "1. Opening up",
    "The municipal government widened market access for foreign investors, simplified customs clearance for "
    "exporters, and opened three new international freight routes, so that trade with partner cities grew by "
    "about five percent over the year despite weaker demand in several markets",
    "Sister-city agreements were signed with four cities, bringing cultural, educational and technical "
    "exchanges to a new level and giving local firms more partners abroad.",
    "2. Governance",
]


def _latin_report(sections: int) -> list[str]:
    """Distinct paragraphs (a report does not repeat its lines at every page edge)."""
    out = []
    for n in range(1, sections + 1):
        out += [
            f"{n}. Work in district {n}",
            f"District {n} widened market access for foreign investors, simplified customs clearance for "
            f"{n * 3} exporters, and opened {n + 2} new freight routes, so that trade with partner cities grew "
            f"by about {n % 7 + 2} percent over the year despite weaker demand in several markets",
            f"In district {n}, sister-city agreements were signed with {n + 1} cities, bringing cultural, "
            f"educational and technical exchanges to a new level and giving {n * 10} local firms partners abroad.",
        ]
    return out


def test_pdf_latin_text_layer_rejoined_without_running_header_and_page_numbers(tmp_path: Path) -> None:
    paragraphs = _latin_report(12)  # several pages; paragraphs cross page breaks
    path = tmp_path / "review.pdf"
    _latin_pdf(path, paragraphs)
    units = only_units(read_units(path))
    assert texts(units) == paragraphs
    assert all(u.meta["lang"] == "en" for u in units)


def _hand_made_cjk_pdf(pages: list[list[tuple[int, int, str]]]) -> bytes:
    """A text-layer PDF with Chinese text and no embedded font (Adobe-GB1, UniGB-UCS2-H).

    Viewers substitute a Song font; text extraction needs only the CMap, so no CJK font file is
    needed to build or to read it.  pages: [(x, y, text), …] per page.
    """
    objects = [
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>",
        b"",  # 2: pages, filled in below
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] /ItalicAngle 0 "
        b"/Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    kids = []
    for lines in pages:
        content = b"\n".join(
            b"BT /F1 12 Tf %d %d Td <%s> Tj ET" % (x, y, text.encode("utf-16-be").hex().encode())
            for x, y, text in lines
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 1 0 R >> >> "
            b"/Contents %d 0 R >>" % (len(objects))
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 3 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


CJK_PARAGRAPHS = [
    "一、总体要求",
    "坚持以人民为中心的发展思想，统筹发展和安全，推动城市治理体系和治理能力现代化，不断提升国际交往中心功能，"
    "服务国家总体外交大局，努力建设人民满意的现代化国际化城市。",
    "（一）扩大对外开放",
    "稳步扩大规则、规制、管理、标准等制度型开放，优化外商投资服务，推动跨境贸易便利化，"
    "支持企业开拓多元市场。繼續深化與友好城市的務實合作。",
]


def _cjk_layout(paragraphs: list[str], per_line: int = 20, lines_per_page: int = 5) -> list[list[tuple[int, int, str]]]:
    """Typeset paragraphs into fixed-width lines and pages, with a running header and page numbers."""
    lines = [para[i : i + per_line] for para in paragraphs for i in range(0, len(para), per_line)]
    pages = []
    for number, start in enumerate(range(0, len(lines), lines_per_page), 1):
        body = lines[start : start + lines_per_page]
        page = [(72, 800, "某市人民政府文件")]
        page += [(72, 760 - 20 * i, line) for i, line in enumerate(body)]
        page.append((280, 40, f"第{number}页"))
        pages.append(page)
    return pages


def test_pdf_chinese_text_layer_rejoined_across_lines_and_pages(tmp_path: Path) -> None:
    path = tmp_path / "notice.pdf"
    path.write_bytes(_hand_made_cjk_pdf(_cjk_layout(CJK_PARAGRAPHS * 3)))
    units = only_units(read_units(path))
    assert texts(units) == CJK_PARAGRAPHS * 3  # no header, no page numbers, nothing split at a page break
    assert units[0].id == "notice#000" and units[-1].id == f"notice#{len(units) - 1:03d}"


def test_pdf_chinese_with_fpdf2_and_a_cjk_font(tmp_path: Path, cjk_font: Path) -> None:
    from fpdf import FPDF

    class Notice(FPDF):
        def header(self) -> None:
            self.set_font("cjk", size=9)
            self.cell(0, 8, "某市人民政府办公厅文件", align="C")
            self.ln(12)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("cjk", size=9)
            self.cell(0, 8, f"第{self.page_no()}页", align="C")

    pdf = Notice()
    pdf.add_font("cjk", fname=str(cjk_font))
    pdf.add_page()
    pdf.set_font("cjk", size=12)
    paragraphs = [f"{para[:-1]}（第{n}条）。" if len(para) > 20 else para for n, para in enumerate(CJK_PARAGRAPHS * 8)]
    for para in paragraphs:
        pdf.multi_cell(0, 8, para, wrapmode="CHAR", new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "fpdf-cjk.pdf"
    pdf.output(str(path))
    assert texts(only_units(read_units(path))) == paragraphs


def test_pdf_without_text_layer_is_reported(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 170, 250, style="F")  # a "scanned" page: pixels only, no text
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    [failure] = read_units(path)
    assert failure.kind == "no-text-layer" and "scan.pdf" in failure.message and "OCR" in failure.message


def test_encrypted_pdf(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = tmp_path / "plain.pdf"
    _latin_pdf(plain, _latin_report(6))
    for name, user_password in [("locked.pdf", "secret"), ("owner-only.pdf", "")]:
        writer = PdfWriter(clone_from=PdfReader(plain))
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
        writer.write(tmp_path / name)
    [failure] = read_units(tmp_path / "locked.pdf")
    assert failure.kind == "encrypted" and "locked.pdf" in failure.message
    assert texts(only_units(read_units(tmp_path / "owner-only.pdf"))) == _latin_report(6)  # no password needed


# --------------------------------------------------------------------------- .jsonl and .csv


def test_jsonl_records_are_units_with_passthrough_meta(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps(
            {"id": "a1", "text": "城市治理。\n第二行不拆分。", "region": "东城", "year": 2024}, ensure_ascii=False
        ),
        "",
        json.dumps({"text": "没有编号的记录"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "a3", "body": "字段名不对"}, ensure_ascii=False),
        json.dumps({"id": "a4", "text": None}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": 7, "text": "An English record."}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = read_units(path)
    assert [(type(i).__name__, getattr(i, "id", None)) for i in items] == [
        ("Paragraph", "a1"),
        ("Paragraph", "batch#3"),
        ("InputFailure", None),
        ("InputFailure", None),
        ("InputFailure", None),
        ("InputFailure", None),
        ("Paragraph", "7"),
    ]
    first = items[0]
    assert first.text == "城市治理。\n第二行不拆分。" and first.doc == "batch"
    assert first.meta == {"region": "东城", "year": 2024, "source": str(path), "lang": "zh"}
    assert items[-1].meta["lang"] == "en"
    messages = [f.message for f in failures_of(items)]
    assert messages[0].startswith(f"{path}:4: malformed JSON")
    assert messages[1] == f"{path}:5: no 'text' field"
    assert messages[2] == f"{path}:6: 'text' is not a string"
    assert messages[3] == f"{path}:7: expected a JSON object"
    custom = read_units(path, text_field="body", id_field="id")
    assert [u.id for u in custom if isinstance(u, Paragraph)] == ["a3"]


def test_csv_rows_are_units(tmp_path: Path) -> None:
    rows = [["id", "text", "region"], ["r1", "推进城市更新。", "西城"], ["", "没有编号", "朝阳"], ["r3", "第三行", ""]]
    path = tmp_path / "rows.csv"
    with path.open("w", encoding="gbk", newline="") as handle:  # Excel in Chinese locales writes GBK
        csv.writer(handle).writerows(rows)
    units = only_units(read_units(path))
    assert [(u.id, u.text) for u in units] == [("r1", "推进城市更新。"), ("rows#2", "没有编号"), ("r3", "第三行")]
    assert units[0].meta == {"region": "西城", "source": str(path), "lang": "zh"}

    no_ids = tmp_path / "noid.csv"
    no_ids.write_text("content;note\n第一条;a\n第二条;b\n", encoding="utf-8")
    units = only_units(read_units(no_ids, text_column="content"))
    assert [(u.id, u.text, u.meta["note"]) for u in units] == [("noid#1", "第一条", "a"), ("noid#2", "第二条", "b")]
    [failure] = read_units(no_ids)
    assert failure.kind == "malformed" and "no 'text' column" in failure.message and "noid.csv" in failure.message


def test_stdin_is_one_plain_text_document() -> None:
    items = list(read_inputs(["-"], stdin=io.StringIO(DOC)))
    assert texts(items) == DOC_PARAGRAPHS
    assert items[0].id == "stdin#000" and items[0].doc == "stdin" and items[0].meta["source"] == "-"
    raw = io.TextIOWrapper(io.BytesIO(TRADITIONAL.encode("big5")), encoding="utf-8")  # bytes are decoded by us
    assert texts(list(read_inputs(["-"], stdin=raw))) == split_paragraphs(TRADITIONAL)


def test_non_chinese_paragraphs_get_their_language(tmp_path: Path) -> None:
    units = only_units(list(read_inputs(["-"], stdin=io.StringIO(DOC))))
    assert [u.meta["lang"] for u in units].count("en") == 1
    (tmp_path / "doc.txt").write_text(DOC, encoding="utf-8")
    paragraphs = list(read_corpus(tmp_path))
    assert [p.meta["lang"] for p in paragraphs].count("en") == 1
    assert all(isinstance(p, Paragraph) for p in paragraphs)


def test_corrupt_pdf(tmp_path: Path) -> None:
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf at all\n")
    _latin_pdf(tmp_path / "whole.pdf", _latin_report(3))
    whole = (tmp_path / "whole.pdf").read_bytes()
    (tmp_path / "half.pdf").write_bytes(whole[: len(whole) // 2])  # a download cut short
    for name in ("bad.pdf", "half.pdf"):
        [failure] = read_units(tmp_path / name)
        assert failure.kind == "corrupt" and name in failure.message
