"""Templates: naming, variant selection, front matter, sandbox and errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from brief.errors import RecordError, TemplateError
from brief.project import Project
from brief.records import Record
from brief.render import Templates, render_letter, split_front_matter

TODAY = dt.date(2026, 11, 22)


def make_templates(folder: Path, files: dict[str, str]) -> Templates:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return Templates(folder)


def record(**fields: object) -> Record:
    base = {"id": "K1", "region": "noord", "name": "Jan de Vries"}
    return Record(path="c.csv", line=2, fields={**base, **fields})


def test_names_and_variants(project: Path) -> None:
    templates = Templates(project / "templates")
    assert templates.names() == ["aanmaning", "herinnering"]
    assert templates.variants("herinnering") == ["herinnering", "herinnering.b1", "herinnering.en"]


def test_select_prefers_variant_then_language_then_plain_name(project: Path) -> None:
    proj = Project.discover(project)
    noord, zuid = proj.profiles["noord"], proj.profiles["zuid"]
    assert proj.templates.select("herinnering", noord).path.name == "herinnering.j2"
    assert proj.templates.select("herinnering", zuid).path.name == "herinnering.b1.j2"
    english = noord.for_language("en")
    assert proj.templates.select("herinnering", english).path.name == "herinnering.en.j2"
    # zuid has a b1 variant for herinnering but not for aanmaning: the plain name serves
    assert proj.templates.select("aanmaning", zuid).path.name == "aanmaning.j2"


def test_select_refuses_a_template_in_the_wrong_language(project: Path) -> None:
    proj = Project.discover(project)
    english = proj.profiles["noord"].for_language("en")
    with pytest.raises(TemplateError) as info:
        proj.templates.select("aanmaning", english)
    assert str(info.value) == (
        "template 'aanmaning' has no 'en' version (add templates/aanmaning.en.j2)"
    )


def test_front_matter_keeps_body_line_numbers() -> None:
    front, body = split_front_matter("---\nsubject: Hoi\n---\nRegel 4\n")
    assert front == "subject: Hoi\n"
    assert body.splitlines()[3] == "Regel 4"


def test_front_matter_is_parsed(tmp_path: Path) -> None:
    templates = make_templates(
        tmp_path,
        {
            "a.j2": "---\nsubject: Over {{ customer.id }}\nchannel: email\ndescription: Test\n---\nHoi\n"
        },
    )
    spec = templates.load("a")
    assert (spec.channel, spec.language, spec.description) == ("email", "nl", "Test")
    assert spec.html is None


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "---\ntopic: x\n---\n",
            "front matter: unknown key 'topic' (known: channel, description, language, payment_qr, subject)",
        ),
        ("---\nchannel: fax\n---\n", "front matter 'channel': 'fax' is not letter or email"),
        ("---\n- a list\n---\n", "front matter must be a mapping"),
        ("---\nlanguage: NL\n---\n", "front matter 'language': 'NL' is not one of nl, en"),
        (
            "Hoi {{ customer.name\n",
            "template syntax error: unexpected end of template, expected 'end of print statement'.",
        ),
    ],
)
def test_bad_templates_name_the_file(tmp_path: Path, source: str, message: str) -> None:
    templates = make_templates(tmp_path, {"a.j2": source})
    with pytest.raises(TemplateError) as info:
        templates.load("a")
    assert info.value.message == message
    assert info.value.path == str(tmp_path / "a.j2")


def test_template_saved_with_a_bom_keeps_its_front_matter(tmp_path: Path) -> None:
    (tmp_path / "a.j2").write_bytes(
        "\ufeff---\nsubject: Hoi\nchannel: email\n---\nTekst\n".encode()
    )
    spec = Templates(tmp_path).load("a")
    assert spec.channel == "email"
    assert spec.body.render() == "\n\n\n\nTekst\n"


def test_syntax_error_line_counts_the_front_matter(tmp_path: Path) -> None:
    templates = make_templates(tmp_path, {"a.j2": "---\nsubject: x\n---\nHoi\n{% if %}\n"})
    with pytest.raises(TemplateError) as info:
        templates.load("a")
    assert info.value.line == 5


def test_missing_field_is_an_error_never_empty_text(project: Path) -> None:
    proj = Project.discover(project)
    spec = proj.templates.load("herinnering")
    with pytest.raises(RecordError) as info:
        render_letter(record(), spec, proj.profiles["noord"], proj.roster, today=TODAY)
    assert str(info.value) == (
        "c.csv:2: record 'K1': cannot render templates/herinnering.j2:8: "
        "the record has no field 'amount'"
    )


def render_source(project: Path, source: str, **fields: object) -> str:
    """The text of a letter from a one-off template ``source`` for the record ``fields``."""
    (project / "templates" / "t.j2").write_text(source, "utf-8")
    proj = Project.discover(project)
    spec = proj.templates.load("t")
    return render_letter(
        record(**fields), spec, proj.profiles["noord"], proj.roster, today=TODAY
    ).text


@pytest.mark.parametrize(
    ("source", "unsafe"),
    [
        ("{{ customer.update({'name': 'x'}) }}\n", "unsafe"),
        ("{{ signer.__class__ }}\n", "__class__"),
    ],
    ids=["cannot mutate data", "no private attributes"],
)
def test_the_sandbox_refuses(project: Path, source: str, unsafe: str) -> None:
    with pytest.raises(RecordError) as info:
        render_source(project, source)
    assert unsafe in info.value.message


def test_a_field_named_like_a_dict_method_is_the_field(project: Path) -> None:
    source = "{{ customer.items }} {{ customer.get('missing', 'default') }}\n"
    assert render_source(project, source, items="3 boeken") == "3 boeken default\n"
