"""Paper letters as PDF (brief.pdf): real documents, read back with pdfplumber and pypdf."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pypdf
import pypdfium2
import pytest
import segno
import segno.helpers
import zxingcpp
from fontTools.cffLib import CFFFontSet

from brief.errors import ConfigError, RecordError
from brief.pdf import (
    LetterPages,
    Window,
    address_lines,
    body_paragraphs,
    epc_payload,
    letter_data,
    postal_line,
)
from brief.project import Project
from brief.records import make_record, read_records

from conftest import run_brief

MM = 72 / 25.4  # points per millimetre

HOSTILE = [
    "#set page(width: 1cm)",
    "*vet* _schuin_",
    "$x^2$",
    "<script>alert(1)</script>",
    "back\\slash",
    "@ref ] [ #",
    '"quotes" // comment',
]


def customer(**fields: str) -> dict[str, str]:
    base = {
        "id": "K1005",
        "region": "noord",
        "name": "Pieter Ĳsselstein",
        "salutation": "heer Ĳsselstein",
        "first_name": "Pieter",
        "street": "Zusterstraat 19",
        "postcode": "4331ka",
        "city": "Middelburg",
        "email": "pieter@example.nl",
        "amount": "3.120,00",
        "due_date": "01-08-2026",
    }
    base.update(fields)
    return base


def template(demo: Path, name: str, body: str, **front: str) -> None:
    matter = "".join(f"{key}: {value}\n" for key, value in front.items())
    (demo / "templates" / f"{name}.j2").write_text(
        f"---\nsubject: {front.pop('subject', 'Uw huur')}\nchannel: letter\n{matter}---\n{body}",
        encoding="utf-8",
    )


def open_pdf(data: bytes) -> pdfplumber.PDF:
    return pdfplumber.open(io.BytesIO(data))


def text_of(data: bytes) -> list[str]:
    with open_pdf(data) as pdf:
        return [page.extract_text() for page in pdf.pages]


def box_mm(page: pdfplumber.page.Page, text: str) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) in millimetres of ``text``'s one match on ``page``."""
    found = page.search(text, regex=False)
    assert len(found) == 1, (text, found)
    hit = found[0]
    return tuple(round(hit[key] / MM, 2) for key in ("x0", "top", "x1", "bottom"))  # type: ignore[return-value]


def window_lines(page: pdfplumber.page.Page, window: Window | None = None) -> list[str]:
    """The text lying wholly inside the envelope window (spaces folded)."""
    window = window or Window()
    box = (window.left * MM, window.top * MM, window.right * MM, window.bottom * MM)
    return page.within_bbox(box).extract_text().splitlines()


RETURN = "Woningcorporatie Dijkzicht, Dijkzichtplein 1, 4381 AB Vlissingen"


def xmp(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")


def fonts(data: bytes) -> dict[str, pypdf.generic.DictionaryObject]:
    """Every font a page uses, by its base name."""
    found = {}
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            found[str(font["/BaseFont"])] = font
    return found


def glyph_of(font: pypdf.generic.DictionaryObject, char: str) -> bytes:
    """The embedded font's outline program for ``char`` (via the font's ToUnicode map);
    fails when the font has no glyph for it."""
    to_unicode = font["/ToUnicode"].get_object().get_data().decode("ascii")
    code = f"{ord(char):04X}"
    cids = re.findall(rf"<([0-9A-F]{{4}})> <{code}>", to_unicode)
    assert cids, f"no glyph for {char!r}"
    cid = int(cids[0], 16)
    assert cid != 0  # .notdef: a box
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(descriptor["/FontFile3"].get_object().get_data()), None)
    charstrings = cff[cff.fontNames[0]].CharStrings
    program = charstrings[f"cid{cid:05d}"]
    program.compile()
    notdef = charstrings[".notdef"]
    notdef.compile()
    assert program.bytecode != notdef.bytecode
    return bytes(program.bytecode)


@pytest.fixture
def api(demo: Path) -> Project:
    return Project.discover(demo)


def letter_for(api: Project, template_name: str = "bedankt", **fields: str):
    return api.render(customer(**fields), template=template_name, date="2026-11-22", check=False)


# -- pure parts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "city", "line"),
    [
        ("4381 EK", "Vlissingen", "4381 EK  VLISSINGEN"),
        ("4381ek", "vlissingen", "4381 EK  VLISSINGEN"),
        ("4381  ek", "Oost-Souburg", "4381 EK  OOST-SOUBURG"),
        ("B-2000", "Antwerpen", "B-2000  ANTWERPEN"),  # not Dutch: as written
    ],
)
def test_postal_line_as_postnl_asks(postcode, city, line):
    assert postal_line(postcode, city) == line


def test_address_lines_and_a_missing_part():
    record = make_record(customer(), "c.csv", 3)
    assert address_lines(record) == ["Pieter Ĳsselstein", "Zusterstraat 19", "4331 KA  MIDDELBURG"]
    record = make_record(customer(street=""), "c.csv", 3)
    with pytest.raises(RecordError) as info:
        address_lines(record)
    assert str(info.value) == (
        "c.csv:3: record 'K1005': field 'street': a paper letter needs the customer's "
        "address (name, street, postcode, city)"
    )


def test_body_starts_at_the_salutation_and_keeps_lines():
    text = (
        "Dijkzicht\nDijkzichtplein 1\n\nJan\nStraat 1\n\nVlissingen, 1 mei\n\n"
        "Geachte heer Jansen,\n\nRegel een\nregel twee.\n\n\n\nMet vriendelijke groet,\n\nIneke\n"
    )
    assert body_paragraphs(text) == [
        ["Geachte heer Jansen,"],
        ["Regel een", "regel twee."],
        ["Met vriendelijke groet,"],
        ["Ineke"],
    ]
    assert body_paragraphs("Zonder aanhef.\n\nTweede alinea.\n") == [
        ["Zonder aanhef."],
        ["Tweede alinea."],
    ]
    # a "salutation" after the closing is no salutation: nothing is left out
    closing = "Het bedrag is betaald.\n\nMet vriendelijke groet,\n\nBeste wensen,\nIneke\n"
    assert body_paragraphs(closing)[0] == ["Het bedrag is betaald."]
    # a sentence before the salutation is the writer's: the whole text is the body
    notice = "LET OP: " + "deze brief gaat over uw huur en wat u nu moet doen. " * 2
    text = f"{notice}\n\nGeachte heer,\n\nBetaal.\n"
    assert body_paragraphs(text) == [[notice.rstrip()], ["Geachte heer,"], ["Betaal."]]


def test_epc_payload_exactly_and_as_segno_encodes_it():
    payload = epc_payload(
        name="Woningcorporatie Dijkzicht",
        iban="NL91ABNA0417164300",
        bic="ABNANL2A",
        amount=Decimal("3120.00"),
        text="K1005",
    )
    assert payload == (
        "BCD\n002\n1\nSCT\nABNANL2A\nWoningcorporatie Dijkzicht\nNL91ABNA0417164300\n"
        "EUR3120\n\n\nK1005"
    )
    assert (
        epc_payload(name="X", iban="NL91ABNA0417164300", amount=Decimal("456.78"), text="K1").split(
            "\n"
        )[7]
        == "EUR456.78"
    )
    made = segno.helpers.make_epc_qr(
        name="Woningcorporatie Dijkzicht",
        iban="NL91ABNA0417164300",
        bic="ABNANL2A",
        amount=Decimal("3120.00"),
        text="K1005",
        encoding=1,
    )
    same = segno.make_qr(payload.encode("utf-8"), error="m", boost_error=False)
    assert made.matrix == same.matrix


def test_window_default_lies_inside_the_envelope_windows():
    window = Window()
    assert (window.left, window.top, window.right, window.bottom) == (20, 46, 105, 68)
    assert window.lines == 5


# -- one letter --------------------------------------------------------------------------


def test_a_letter_read_back(api):
    letter = letter_for(api)
    data = letter.pdf()
    assert data.startswith(b"%PDF-")
    [page] = text_of(data)
    lines = page.splitlines()
    assert "Pieter Ĳsselstein" in lines
    assert "4331 KA MIDDELBURG" in lines  # extraction folds the two spaces
    assert "Datum Vlissingen, 22 november 2026" in lines
    assert "Klantnummer K1005" in lines
    assert "Betreft Uw huurachterstand is helemaal betaald" in lines
    assert "Geachte heer Ĳsselstein," in lines
    assert "Met vriendelijke groet," in lines
    assert "Pagina" not in page  # one page: no page numbers
    # the template's own head (its first lines) is not printed twice
    assert page.count("Woningcorporatie Dijkzicht, Dijkzichtplein 1") == 1
    assert page.count("Zusterstraat 19") == 1
    assert "IBAN NL91 ABNA 0417 1643 00 · BIC ABNANL2A" in lines


def test_the_address_block_lies_inside_the_window(api):
    data = letter_for(api).pdf()
    with open_pdf(data) as pdf:
        page = pdf.pages[0]
        assert (round(page.width / MM), round(page.height / MM)) == (210, 297)  # A4
        block = [
            box_mm(page, "Woningcorporatie Dijkzicht, Dijkzichtplein 1, 4381 AB Vlissingen"),
            box_mm(page, "Pieter Ĳsselstein"),
            box_mm(page, "Zusterstraat 19"),
            box_mm(page, "4331 KA MIDDELBURG"),  # search folds spaces; the chars do not:
        ]
        last = page.search("MIDDELBURG")[0]
        chars = [c["text"] for c in page.chars if abs(c["top"] - last["top"]) < 0.5]
        assert "".join(chars) == "4331 KA  MIDDELBURG"
    assert [top for _, top, _, _ in block] == sorted(top for _, top, _, _ in block)
    for left, top, right, bottom in block:
        assert left >= 20 and right <= 105
        assert top >= 46 and bottom <= 68


def test_fonts_are_embedded_and_have_every_dutch_letter(api):
    letter = letter_for(api, name="Zoë Ĳsselstein-Ĳzerman", salutation="mevrouw ĳ ö ü ï É é")
    data = letter.pdf()
    used = fonts(data)
    assert used  # some font
    for name, font in used.items():
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile3" in descriptor or "/FontFile2" in descriptor, name
        assert "LibertinusSerif" in name
    regular = next(font for name, font in used.items() if name.endswith("Regular-Identity-H"))
    for char in "ĲĳëéöüïÉ€":
        glyph_of(regular, char)
    [page] = text_of(data)
    assert "Zoë Ĳsselstein-Ĳzerman" in page.splitlines()


def test_metadata_and_pdfa(api):
    data = letter_for(api).pdf()
    reader = pypdf.PdfReader(io.BytesIO(data))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Uw huurachterstand is helemaal betaald"
    assert meta.author == "Ineke de Vries, Carina Bakker, Bianca Mulder, Linda Jansen"
    assert meta["/CreationDate"] == "D:20261122000000Z"
    packet = xmp(data)
    assert "<pdfaid:part>2</pdfaid:part>" in packet
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in packet
    assert "<xmp:CreateDate>2026-11-22T00:00:00Z</xmp:CreateDate>" in packet


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_print_literally(api, name):
    data = letter_for(api, name=name, salutation=name).pdf()
    [page] = text_of(data)
    assert name in page.splitlines()
    assert f"Geachte {name}," in page.splitlines()


def test_large_print(api, demo):
    normal = letter_for(api)
    large = letter_for(api, large_print="ja")
    sizes: list[set[float]] = []
    for letter in (normal, large):
        with open_pdf(letter.pdf()) as pdf:
            top = pdf.pages[0].search("Geachte")[0]["top"]
            bottom = pdf.pages[0].search("Met vriendelijke groet")[0]["bottom"]
            chars = [c for c in pdf.chars if top <= c["top"] and c["bottom"] <= bottom]
            sizes.append({round(c["size"], 1) for c in chars})
    assert sizes == [{11.0}, {14.0}]
    assert letter_data(large)["leading"] > letter_data(normal)["leading"]


def test_multi_page_letter_numbers_its_pages(api, demo):
    paragraph = "Dit is een lange alinea over uw huur. " * 30
    template(
        demo, "lang", "Geachte heer,\n\n" + f"{paragraph}\n\n" * 5 + "Groet,\n\nIneke de Vries\n"
    )
    data = letter_for(api, "lang").pdf()
    pages = text_of(data)
    assert len(pages) == 2
    assert pages[0].splitlines()[-1] == "Pagina 1 van 2"
    assert pages[1].splitlines()[-1] == "Pagina 2 van 2"
    assert "Woningcorporatie Dijkzicht" in pages[0]
    assert "Woningcorporatie" not in pages[1]  # no letterhead, window or footer
    assert "Klantnummer" not in pages[1]


def test_payment_qr_payload(api, demo):
    template(
        demo, "qr", "Geachte heer,\n\nBetaal.\n\nGroet,\n\nIneke de Vries\n", payment_qr="true"
    )
    letter = letter_for(api, "qr")
    qr = letter_data(letter)["qr"]
    assert qr["payload"] == (
        "BCD\n002\n1\nSCT\nABNANL2A\nWoningcorporatie Dijkzicht\nNL91ABNA0417164300\n"
        "EUR3120\n\n\nK1005"
    )
    with open_pdf(letter.pdf()) as pdf:
        beside = pdf.pages[0].within_bbox((110 * MM, 40 * MM, 200 * MM, 80 * MM))
        assert beside.extract_text().splitlines() == [
            "Scan en betaal met uw bank-app",
            "€ 3.120,00 aan",
            "Woningcorporatie Dijkzicht",
            "IBAN NL91 ABNA 0417 1643 00",
            "Omschrijving: K1005",
        ]
    # nothing to pay: no code
    assert letter_data(letter_for(api, "qr", amount="0"))["qr"] is None


def test_payment_qr_needs_its_field(api, demo):
    template(demo, "qr", "Geachte heer,\n\nBetaal.\n", payment_qr="openstaand")
    letter = letter_for(api, "qr")
    with pytest.raises(RecordError) as info:
        letter.pdf()
    assert str(info.value) == (
        "record 'K1005': field 'openstaand': the payment QR code needs the amount due in "
        "field 'openstaand'"
    )


def test_print_run_starts_every_letter_on_an_odd_page(api, demo):
    paragraph = "Dit is een lange alinea over uw huur. " * 30
    template(
        demo, "lang", "Geachte heer,\n\n" + f"{paragraph}\n\n" * 5 + "Groet,\n\nIneke de Vries\n"
    )
    letters = [
        letter_for(api, "bedankt", id="K1"),
        letter_for(api, "lang", id="K2"),
        letter_for(api, "bedankt", id="K3"),
    ]
    run = api.print_run(letters)
    assert run.letters == (LetterPages(1, 1), LetterPages(3, 2), LetterPages(5, 1))
    pages = text_of(run.pdf)
    assert len(pages) == run.pages == 5
    assert pages[1] == ""  # the back of K1's page
    assert "Klantnummer K2" in pages[2]
    assert pages[3].splitlines()[-1] == "Pagina 2 van 2"
    assert "Klantnummer K3" in pages[4]


def test_signature_only_for_a_roster_person_with_one(api, demo, tmp_path):
    png = tmp_path / "ineke.png"
    segno.make("Ineke").save(png, kind="png")
    staff = demo / "examples" / "staff.yaml"
    staff.write_text(
        staff.read_text("utf-8").replace(
            "    signs: true\n", f"    signs: true\n    signature: {png}\n", 1
        ),
        encoding="utf-8",
    )
    api = Project.discover(demo)
    template(
        demo,
        "getekend",
        "Geachte heer,\n\nBetaal.\n\nMet vriendelijke groet,\n\n{{ signer.name }}\n",
    )
    template(demo, "team", "Geachte heer,\n\nBetaal.\n\nMet vriendelijke groet,\n\nTeam Incasso\n")
    signed = api.pdf(letter_for(api, "getekend"))
    anonymous = api.pdf(letter_for(api, "team"))
    other = api.pdf(letter_for(api, "getekend", region="oost"))  # Carina signs: no scan
    with open_pdf(signed) as pdf:
        [image] = pdf.pages[0].images
        closing = pdf.pages[0].search("Met vriendelijke groet,")[0]
        name = pdf.pages[0].search("Ineke de Vries")[-1]
        assert closing["bottom"] <= image["top"] and image["bottom"] <= name["top"]
    for data in (anonymous, other):
        with open_pdf(data) as pdf:
            assert pdf.pages[0].images == []


def test_signature_file_is_checked(demo):
    staff = demo / "examples" / "staff.yaml"
    original = staff.read_text("utf-8")
    staff.write_text(
        original.replace("    signs: true\n", "    signs: true\n    signature: nope.png\n", 1),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        Project.discover(demo).roster  # noqa: B018
    assert str(info.value) == (
        "examples/staff.yaml:11: field 'signature': cannot read image 'nope.png': "
        "No such file or directory"
    )
    (demo / "examples" / "nope.png").write_text("not a picture")
    with pytest.raises(ConfigError) as info:
        Project.discover(demo).roster  # noqa: B018
    assert str(info.value) == (
        "examples/staff.yaml:11: field 'signature': 'nope.png' is not a PNG or JPEG image"
    )
    staff.write_text(
        original.replace("    signs: false\n", "    signs: false\n    signature: nope.png\n", 1),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        Project.discover(demo).roster  # noqa: B018
    assert str(info.value).endswith(
        "field 'signature': Sanne Willems may not sign letters (signs: false)"
    )


# -- brief render --out: the demo's 14-dagenbrief as the print room gets it -----------------


def decoded_qr(path: Path) -> list[str]:
    """The QR codes printed on the first page, decoded from a 200 dpi picture of it."""
    page = pypdfium2.PdfDocument(path)[0]
    return [found.text for found in zxingcpp.read_barcodes(page.render(scale=200 / 72).to_pil())]


def test_demo_14_dagenbrief_is_20_print_ready_pdfs(reminded: Path) -> None:
    result = run_brief(
        "render", "-r", "examples/customers.csv", "-t", "14-dagenbrief", "--out", "out",
        "--date", "2026-11-22", cwd=reminded,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stderr.endswith(
        "20 letters written to out, 0 rejected; manifest: out/manifest.jsonl\n"
    )
    out = reminded / "out"
    entries = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert [e["path"] for e in entries] == [f"K{1001 + i}-14-dagenbrief.pdf" for i in range(20)]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [e["path"] for e in entries] + ["manifest.jsonl"]
    )
    records = {r.id: r for r in read_records(reminded / "examples" / "customers.csv")}
    for entry in entries:
        path = out / entry["path"]
        record = records[entry["record"]]
        data = path.read_bytes()
        with open_pdf(data) as pdf:
            page = pdf.pages[0]
            lines = page.extract_text().splitlines()
            assert len(pdf.pages) == 1, entry  # the demo letter fits on one page
            assert window_lines(page) == [
                RETURN,
                *(" ".join(line.split()) for line in address_lines(record)),
            ]
        assert f"Klantnummer {record.id}" in lines or f"Customer number {record.id}" in lines
        assert entry["signer"] in lines  # the closing names the real signer
        assert pypdf.PdfReader(path).metadata.author == entry["signer"]
        assert "<pdfaid:part>2</pdfaid:part>" in xmp(data)
        amount = record.get("amount")
        assert decoded_qr(path) == [
            epc_payload(
                name="Woningcorporatie Dijkzicht",
                iban="NL91ABNA0417164300",
                bic="ABNANL2A",
                amount=amount,
                text=record.id,
            )
        ]
    with open_pdf((out / "K1005-14-dagenbrief.pdf").read_bytes()) as pdf:
        assert window_lines(pdf.pages[0])[1] == "Pieter Ĳsselstein"
        assert "Geachte heer Ĳsselstein," in pdf.pages[0].extract_text().splitlines()
    b1 = text_of((out / "K1011-14-dagenbrief.pdf").read_bytes())[0]  # zuid says je
    assert "Scan en betaal met je bank-app" in b1 and "Beste Maria," in b1
    english = text_of((out / "K1003-14-dagenbrief.pdf").read_bytes())[0]
    assert "Scan to pay with your banking app" in english
    assert "Customer number K1003" in english and "Date Vlissingen, 22 November 2026" in english


def test_text_keeps_the_plain_text_letter(reminded: Path) -> None:
    result = run_brief(
        "render", "-r", "examples/customers.csv", "-t", "14-dagenbrief", "--out", "out",
        "--text", "--date", "2026-11-22", cwd=reminded,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    text = (reminded / "out" / "K1001-14-dagenbrief.txt").read_text("utf-8")
    assert text.startswith("Woningcorporatie Dijkzicht\nDijkzichtplein 1\n")
    assert "\nVlissingen, 22 november 2026\n" in text  # the place from the profile
    assert not list((reminded / "out").glob("*.pdf"))


def test_hostile_names_from_a_records_file(demo: Path) -> None:
    with (demo / "hostile.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            ["id", "region", "name", "salutation", "street", "postcode", "city", "amount"]
        )
        for i, name in enumerate(HOSTILE):
            writer.writerow(
                [f"H{i}", "noord", name, name, f"Straat {name}", "4331 KA", "Midd", "10"]
            )
    result = run_brief(
        "render", "-r", "hostile.csv", "-t", "bedankt", "--out", "out", "--no-journal",
        cwd=demo,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    for i, name in enumerate(HOSTILE):
        with open_pdf((demo / "out" / f"H{i}-bedankt.pdf").read_bytes()) as pdf:
            page = pdf.pages[0]
            assert window_lines(page) == [RETURN, name, f"Straat {name}", "4331 KA MIDD"]
            assert f"Geachte {name}," in page.extract_text().splitlines()


def test_a_letter_without_an_address_is_rejected(demo: Path) -> None:
    template(demo, "kort", "Geachte {{ customer.salutation }},\n\nBetaal.\n")
    (demo / "c.csv").write_text(
        "id;region;name;salutation;street;postcode;city;amount\n"
        "K1;noord;Jan;heer Jan;Straat 1;4331 KA;Middelburg;10\n"
        "K2;noord;Piet;heer Piet;;4331 KA;Middelburg;10\n",
        encoding="utf-8",
    )
    refused = run_brief(
        "render", "-r", "c.csv", "-t", "kort", "--out", "out", "--no-check", cwd=demo
    )
    assert refused.returncode == 2
    assert refused.stderr == (
        "Error: c.csv:3: record 'K2': field 'street': a paper letter needs the customer's "
        "address (name, street, postcode, city)\n"
        "1 invalid record; nothing was written (use --skip-invalid to render the valid ones)\n"
    )
    assert not (demo / "out").exists()
    # the plain-text letter has no envelope window: it is written
    text = run_brief(
        "render", "-r", "c.csv", "-t", "kort", "--out", "out", "--text", "--no-check", cwd=demo
    )
    assert text.returncode == 0, text.stderr


def test_jobs_write_the_same_pdfs(demo: Path) -> None:
    from brief.batch import POOL_AFTER

    count = POOL_AFTER + 40
    rows = ["id;region;name;first_name;salutation;street;postcode;city;amount"]
    rows += [
        f"K{i:04d};{'noord' if i % 2 else 'zuid'};Klant {i};K;klant;Weg {i};4331 KA;Vlissingen;{i},5"
        for i in range(count)
    ]
    (demo / "many.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    for jobs in ("1", "2"):
        result = run_brief(
            "render", "-r", "many.csv", "-t", "bedankt", "--out", f"out{jobs}", "-j", jobs,
            "--no-journal", "--no-check", cwd=demo,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (demo / "out1").glob("*.pdf"))
    assert len(names) == count
    assert names == sorted(p.name for p in (demo / "out2").glob("*.pdf"))
    for name in names:
        assert (demo / "out1" / name).read_bytes() == (demo / "out2" / name).read_bytes()


def test_logo_in_the_letterhead(demo: Path) -> None:
    segno.make("Dijkzicht", micro=False).save(demo / "regions" / "logo.png", kind="png", scale=4)
    base = demo / "regions" / "_base.yaml"
    base.write_text(
        base.read_text("utf-8").replace(
            "  place: Vlissingen\n", "  place: Vlissingen\n  logo: logo.png\n"
        ),
        encoding="utf-8",
    )
    api = Project.discover(demo)
    with open_pdf(api.pdf(letter_for(api))) as pdf:
        [logo] = pdf.pages[0].images
        name = pdf.pages[0].search("Woningcorporatie Dijkzicht")[0]
        assert logo["bottom"] <= name["top"] and logo["top"] / MM < 20  # above the name, at the top
        assert round((logo["bottom"] - logo["top"]) / MM) == 14


def test_a_process_that_compiled_a_pdf_renders_a_pdf_batch_without_forking(demo: Path) -> None:
    """Typst runs threads once it has compiled; a worker forked after that would hang."""
    rows = ["id;region;name;salutation;street;postcode;city;amount"]
    rows += [f"K{i:04d};noord;Klant {i};klant;Weg {i};4331 KA;Middelburg;5" for i in range(300)]
    (demo / "many.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    script = (
        "import brief, datetime as dt, os\nfrom pathlib import Path\n"
        "from brief.batch import BatchOptions\n"
        "project = brief.Project.open('.')\n"
        "letter = project.render({'id': 'K1', 'region': 'noord', 'name': 'A B', 'salutation': 'x',"
        " 'street': 'Weg 1', 'postcode': '4331 KA', 'city': 'M', 'amount': '5'},"
        " template='bedankt', check=False)\n"
        "project.pdf(letter)\n"
        "result = project.render_batch(BatchOptions(records=Path('many.csv'), out=Path('out'), jobs=2,"
        " template='bedankt', check=False, today=dt.date(2026, 11, 22)))\n"
        "print(result.rendered, len(os.listdir('out')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=demo, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "300 301\n"


def test_the_profile_asks_for_qr_and_large_print_and_the_template_can_refuse(demo: Path) -> None:
    noord = demo / "regions" / "noord.yaml"
    noord.write_text(
        noord.read_text("utf-8") + "letter:\n  payment_qr: true\n  large_print: true\n",
        encoding="utf-8",
    )
    template(demo, "zonder", "Geachte heer,\n\nBedankt.\n", payment_qr="false")
    template(demo, "kaal", "Geachte heer,\n\nBedankt.\n")
    api = Project.discover(demo)
    asked = letter_data(letter_for(api, "bedankt"))
    assert asked["qr"]["payload"].endswith("\nEUR3120\n\n\nK1005")
    assert (asked["size"], asked["leading"]) == (14.0, 0.9)
    assert letter_data(letter_for(api, "zonder"))["qr"] is None  # the template says no
    assert letter_data(letter_for(api, "bedankt", region="oost"))["qr"] is None  # not asked
    # the profile's code is for letters with an amount: one without has none
    no_amount = {k: v for k, v in customer().items() if k != "amount"}
    letter = api.render(no_amount, template="kaal", date="2026-11-22", check=False)
    assert letter_data(letter)["qr"] is None


def test_a_character_no_font_has_rejects_the_record_not_the_batch(demo: Path) -> None:
    (demo / "c.csv").write_text(
        "id;region;name;salutation;street;postcode;city;amount\n"
        "K1;noord;Jan Jansen;heer Jansen;Straat 1;4331 KA;Middelburg;10\n"
        "K2;noord;Wang 王;heer Wang;Straat 2;4331 KA;Middelburg;10\n",
        encoding="utf-8",
    )
    refused = run_brief("render", "-r", "c.csv", "-t", "bedankt", "--out", "out", cwd=demo)
    assert refused.returncode == 2
    assert refused.stderr == (
        "Error: c.csv:3: record 'K2': field 'name': '王' cannot be printed on paper: the "
        "letter's font (Libertinus Serif) has no such character\n"
        "1 invalid record; nothing was written (use --skip-invalid to render the valid ones)\n"
    )
    assert not (demo / "out").exists()
    skipped = run_brief(
        "render", "-r", "c.csv", "-t", "bedankt", "--out", "out", "--skip-invalid", cwd=demo
    )
    assert skipped.returncode == 1
    entries = [json.loads(line) for line in (demo / "out" / "manifest.jsonl").open()]
    assert [(e["record"], e["status"]) for e in entries] == [("K1", "rendered"), ("K2", "rejected")]
    assert sorted(p.name for p in (demo / "out").iterdir()) == ["K1-bedankt.pdf", "manifest.jsonl"]


def test_the_closing_and_the_name_stay_on_one_page(demo: Path) -> None:
    split = 0
    for count in range(16, 24):  # the closing reaches the foot of page 1 somewhere here
        body = "".join(f"Regel {i} van de brief.\n\n" for i in range(count))
        template(
            demo,
            f"regels{count}",
            f"Geachte heer,\n\n{body}Met vriendelijke groet,\n\nIneke de Vries\nMedewerker incasso\n",
        )
        api = Project.discover(demo)
        pages = text_of(api.pdf(letter_for(api, f"regels{count}")))
        [page] = [p for p in pages if "Met vriendelijke groet," in p]
        assert "Ineke de Vries\nMedewerker incasso" in page, count
        split += len(pages) == 2 and f"Regel {count - 1} van de brief." in pages[0]
    assert split  # some letter had its last body line on page 1 and its closing on page 2


def test_an_english_letter_has_english_labels(api) -> None:
    data = letter_data(letter_for(api, "bedankt", language="en", salutation="Mr Ĳsselstein"))
    assert [label for label, _ in data["reference"]] == ["Date", "Customer number", "Subject"]
    assert data["reference"][0][1] == "Vlissingen, 22 November 2026"
    assert data["labels"] == {"page": "Page {n} of {m}"}
    assert data["lang"] == "en"


def test_an_address_line_wider_than_the_window_rejects_the_record(api) -> None:
    long_name = "Maximiliaan Alexander Wilhelmus van Oldenbarnevelt-Rietveld"
    with pytest.raises(RecordError) as info:
        letter_for(api, name=long_name).pdf()
    assert re.fullmatch(
        rf"record 'K1005': field 'name': '{long_name}' is [0-9.]+ mm wide, the envelope "
        r"window has room for 83 mm",
        str(info.value),
    )
    with pytest.raises(RecordError) as info:
        letter_for(api, city="Westkapelle-Zoutelande-Domburg-Oostkapelle-Vrouwenpolder").pdf()
    assert str(info.value).startswith(
        "record 'K1005': field 'city': '4331 KA  WESTKAPELLE-ZOUTELANDE-DOMBURG-"
    )
    run = api.print_run([letter_for(api, id="K1"), letter_for(api, id="K2", name=long_name)])
    [unfit] = run.unfit
    assert (unfit.letter, unfit.line) == (1, 0) and unfit.width > 83
