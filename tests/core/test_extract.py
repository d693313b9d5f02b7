"""Reading documents: every supported format, every encoding path, and every bad input.

Fixtures are made here: text in many encodings, HTML, PDFs written by hand (the format is
plain text plus a table of byte offsets), PDFs encrypted with pypdf, and Word files written
with python-docx.
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from app.core.extract import (
    MAX_TEXT_BYTES,
    InputError,
    check_text,
    decode_text,
    extract_text,
    html_to_text,
)


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF: one Helvetica text line per entry, one page per inner list."""
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids).encode()
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(pages))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for index, lines in enumerate(pages):
        content_id = page_ids[index] + 1
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_id
        )
        ops = [b"BT /F1 12 Tf 14 TL 72 720 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(b"(" + escaped.encode("latin-1") + b") Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def encrypt_pdf(data: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# --- plain text and encodings ---------------------------------------------------------------

SAMPLE = "Grüße aus Köln — 你好，世界！\nSecond line.\n"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
    ],
)
def test_unicode_text_with_and_without_bom(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    path = write(tmp_path, "note.txt", prefix + SAMPLE.encode(encoding))
    result = extract_text(path)
    assert result.text == SAMPLE
    assert result.kind == "text"
    assert result.notes == ()


def test_utf16_without_bom_is_recognised(tmp_path: Path) -> None:
    text = "Plain English text saved as UTF-16 by an old editor.\n" * 5
    path = write(tmp_path, "old.txt", text.encode("utf-16-le"))
    assert extract_text(path).text == text


def test_windows_1252_is_read_with_a_note(tmp_path: Path) -> None:
    path = write(tmp_path, "legacy.txt", "Café “quoted” — naïve résumé\n".encode("cp1252"))
    result = extract_text(path)
    assert result.text == "Café “quoted” — naïve résumé\n"
    assert result.encoding == "cp1252"
    assert "not UTF-8" in result.notes[0]
    assert "Windows-1252" in result.notes[0]


@pytest.mark.parametrize(
    ("text", "encoding", "label"),
    [
        (
            "这是一个用旧编码保存的中文文件。我们今天学习语言模型，大家都很高兴。",
            "gb18030",
            "GB18030",
        ),
        ("這是一個用舊編碼保存的中文檔案。我們今天學習語言模型，大家都很高興。", "big5", "Big5"),
        (
            "これは古い文字コードで保存された日本語のファイルです。今日はいい天気ですね。",
            "shift_jis",
            "Shift-JIS",
        ),
        (
            "이것은 오래된 인코딩으로 저장된 한국어 파일입니다. 오늘 날씨가 좋네요.",
            "euc-kr",
            "EUC-KR",
        ),
    ],
)
def test_legacy_east_asian_encodings(tmp_path: Path, text: str, encoding: str, label: str) -> None:
    path = write(tmp_path, "legacy.txt", (text * 3).encode(encoding))
    result = extract_text(path)
    assert result.text == text * 3
    assert result.encoding == encoding
    assert label in result.notes[0]


def test_markdown_file(tmp_path: Path) -> None:
    path = write(tmp_path, "README.md", "# Title\n\nBody text.\n")
    result = extract_text(path)
    assert (result.kind, result.text, result.source) == (
        "markdown",
        "# Title\n\nBody text.\n",
        "README.md",
    )


def test_windows_line_endings_become_newlines(tmp_path: Path) -> None:
    path = write(tmp_path, "crlf.txt", b"one\r\ntwo\r\n\r\nthree")
    assert extract_text(path).text == "one\ntwo\n\nthree"


def test_decode_refuses_nul_bytes() -> None:
    with pytest.raises(InputError, match="binary data"):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "image.txt")


# --- HTML -------------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html><head><title>Ignored title</title>
<style>body { color: red }</style>
<script>var x = "<p>not text</p>";</script></head>
<body>
<nav><a href="/">Home</a></nav>
<h1>Main &amp; only heading</h1>
<p>First   paragraph
spread over lines.</p>
<p>Second paragraph with <b>bold</b> and <a href="https://x.org">a link</a>.<br>After a break.</p>
<ul><li>Apple</li><li><p>Banana</p></li></ul>
<h2>Sub</h2>
<pre>code  keeps
   spacing</pre>
<table><tr><th>Name</th><th>Age</th></tr><tr><td>Ann</td><td>31</td></tr></table>
<noscript>Enable JS</noscript>
</body></html>"""


def test_html_becomes_readable_text() -> None:
    text = html_to_text(PAGE)
    assert text == (
        "Home\n\n"
        "# Main & only heading\n\n"
        "First paragraph spread over lines.\n\n"
        "Second paragraph with bold and a link.\nAfter a break.\n\n"
        "- Apple\n\n"
        "- Banana\n\n"
        "## Sub\n\n"
        "code  keeps\n   spacing\n\n"
        "Name | Age\n\n"
        "Ann | 31"
    )
    assert "color" not in text and "not text" not in text and "Ignored" not in text


def test_html_file_with_declared_charset(tmp_path: Path) -> None:
    page = '<html><head><meta charset="windows-1252"></head><body><p>Café</p></body></html>'
    path = write(tmp_path, "page.htm", page.encode("cp1252"))
    result = extract_text(path)
    assert (result.kind, result.text, result.encoding) == ("html", "Café", "windows-1252")


def test_html_with_only_scripts_has_no_text(tmp_path: Path) -> None:
    path = write(tmp_path, "app.html", "<html><script>alert(1)</script></html>")
    with pytest.raises(InputError, match=r"app\.html has no text in it"):
        extract_text(path)


# --- PDF --------------------------------------------------------------------------------------


def test_pdf_pages_are_read_in_order(tmp_path: Path) -> None:
    data = make_pdf([["Hello from page one.", "Second line (with parens)."], ["Page two text."]])
    result = extract_text(write(tmp_path, "report.pdf", data))
    assert result.kind == "pdf"
    assert result.pages == 2
    assert result.text == "Hello from page one.\nSecond line (with parens).\n\nPage two text."


def test_pdf_with_some_empty_pages_says_so(tmp_path: Path) -> None:
    data = make_pdf([["Only this page has text."], []])
    result = extract_text(write(tmp_path, "scan.pdf", data))
    assert result.text == "Only this page has text."
    assert result.notes == ("1 of 2 pages had no text (scanned images?).",)


def test_pdf_without_any_text_layer(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="has no text layer"):
        extract_text(write(tmp_path, "scan.pdf", make_pdf([[], []])))


def test_password_protected_pdf(tmp_path: Path) -> None:
    data = encrypt_pdf(make_pdf([["Secret text."]]), user_password="secret")
    with pytest.raises(InputError, match=r"locked\.pdf is password-protected"):
        extract_text(write(tmp_path, "locked.pdf", data))


def test_pdf_encrypted_only_against_editing_opens(tmp_path: Path) -> None:
    data = encrypt_pdf(make_pdf([["Readable text."]]), user_password="")
    assert extract_text(write(tmp_path, "owner.pdf", data)).text == "Readable text."


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\nthis is not really a pdf at all",
        b"PK\x03\x04 a zip file renamed to pdf",
        make_pdf([["Cut short."]])[:200],
    ],
    ids=["garbage", "zip", "truncated"],
)
def test_corrupt_pdf(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(InputError, match=r"broken\.pdf could not be read as a PDF"):
        extract_text(write(tmp_path, "broken.pdf", data))


# --- Word -------------------------------------------------------------------------------------


def test_docx_headings_lists_and_tables(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Annual report", level=0)
    document.add_heading("Summary", level=1)
    document.add_paragraph("Sales grew by 12 percent.")
    document.add_paragraph("")
    document.add_paragraph("First point", style="List Bullet")
    document.add_paragraph("Second point", style="List Number")
    document.add_heading("Details", level=2)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Region"
    table.cell(0, 1).text = "Growth"
    table.cell(1, 0).text = "North"
    table.cell(1, 1).text = "15%"
    document.add_paragraph("Closing words.")
    path = tmp_path / "report.docx"
    document.save(str(path))

    result = extract_text(path)
    assert result.kind == "docx"
    assert result.text == (
        "# Annual report\n\n"
        "# Summary\n\n"
        "Sales grew by 12 percent.\n\n"
        "- First point\n\n"
        "1. Second point\n\n"
        "## Details\n\n"
        "| Region | Growth |\n| North | 15% |\n\n"
        "Closing words."
    )


def test_corrupt_docx(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"letter\.docx could not be read as a Word document"):
        extract_text(write(tmp_path, "letter.docx", b"PK\x03\x04 not really a zip"))


def test_docx_that_is_really_a_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "letter.docx", make_pdf([["A PDF in disguise."]]))
    with pytest.raises(InputError, match=r"not really a \.docx file"):
        extract_text(path)


def test_empty_docx(tmp_path: Path) -> None:
    path = tmp_path / "blank.docx"
    docx.Document().save(str(path))
    with pytest.raises(InputError, match=r"blank\.docx has no text in it"):
        extract_text(path)


# --- bad input --------------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"empty\.txt is empty"):
        extract_text(write(tmp_path, "empty.txt", b""))


def test_whitespace_only_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"blank\.md has no text in it"):
        extract_text(write(tmp_path, "blank.md", "  \n\n\t \n"))


def test_binary_file_with_a_text_extension(tmp_path: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4
    with pytest.raises(InputError, match=r"photo\.txt looks like binary data"):
        extract_text(write(tmp_path, "photo.txt", data))


def test_control_characters_without_nul_are_binary(tmp_path: Path) -> None:
    data = bytes(range(1, 32)) * 50 + b"some text"
    with pytest.raises(InputError, match="binary data"):
        extract_text(write(tmp_path, "dump.txt", data))


def test_file_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"word " * (MAX_TEXT_BYTES // 5 + 1000))
    with pytest.raises(InputError) as caught:
        extract_text(path)
    assert caught.value.message == (
        "huge.txt is too large: 10,490,760 bytes, and Parley works on at most 10,485,760 bytes "
        "at a time. Split the document and work on it in parts."
    )


def test_file_well_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    path.write_bytes(b"word " * (3 * MAX_TEXT_BYTES // 5))
    with pytest.raises(InputError, match=r"huge\.md is too large: 30\.0 MB.*at most 10\.0 MB"):
        extract_text(path)


def test_text_over_the_limit() -> None:
    with pytest.raises(InputError, match=r"The text is too large: 12\.0 MB.*at most 10\.0 MB"):
        check_text("x" * (12 * 1024 * 1024))


def test_text_at_the_limit_is_accepted() -> None:
    check_text("x" * MAX_TEXT_BYTES)


@pytest.mark.parametrize("name", ["setup.exe", "sheet.xlsx", "photo.png", "Makefile"])
def test_unsupported_file_types(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, b"content")
    with pytest.raises(InputError, match="Parley cannot read") as caught:
        extract_text(path)
    assert "Open a text (.txt, .md), HTML, PDF or Word (.docx) document" in caught.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"gone\.txt does not exist"):
        extract_text(tmp_path / "gone.txt")


def test_folder_named_like_a_document(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").mkdir()
    with pytest.raises(InputError, match=r"notes\.txt is a folder"):
        extract_text(tmp_path / "notes.txt")


@pytest.mark.parametrize("text", ["", "   \n\t"])
def test_check_text_refuses_empty(text: str) -> None:
    with pytest.raises(InputError, match="the input is empty"):
        check_text(text)


def test_check_text_refuses_nul() -> None:
    with pytest.raises(InputError, match="NUL characters"):
        check_text("text\x00more")


def test_check_text_accepts_ordinary_text() -> None:
    check_text("Ordinary text\twith tabs\nand lines, 中文 and émojis 🎉.")


def test_input_error_is_a_value_error_with_a_message() -> None:
    error = InputError("Something is wrong.")
    assert isinstance(error, ValueError)
    assert error.message == str(error) == "Something is wrong."
