"""Resident forms under attack or misuse: form tokens issued by the server and bound to one
session, an expired page that keeps what was typed, pages that are never stored, invisible
text, and HTML a validator accepts."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.auth.actor import SYSTEM
from portal.consultations.models import Opinion
from portal.documents.uploads import PDF, display_name, safe_filename
from portal.extensions import db
from portal.interaction import info_requests
from portal.interaction.models import InfoRequest, Message
from portal.orgs import directory, profile
from portal.text import FORMAT_CHARS, clean_text

from . import test_consultations, test_interaction
from .actors import staff
from .conftest import ROOT
from .test_consultations import form_fields, new_consultation, opinion_data
from .test_interaction import count, csrf_token, message_data, request_data

clock = test_consultations.clock  # fixtures
post_form = test_interaction.post_form

EXPIRED = "页面已过期，请再次提交"
HIDDEN = re.compile(r'<input[^>]*name="(csrf_token|form_token|rendered)"[^>]*value="([^"]*)"')
FORMS = {  # url: (its data, the model it stores, tracking numbers, a typed value shown again)
    "/messages/new": (message_data, Message, r"LY-\d{4}-\d{6}", 'value="小区门口占道经营"'),
    "/requests/new": (request_data, InfoRequest, r"YSQ-\d{4}-\d{6}", 'value="李四"'),
}


def stored(app, model) -> int:
    """Rows of ``model``, counted in an app context of their own: each test client must
    have its own (Flask-WTF keeps the CSRF token in ``g``)."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def hidden(html: str) -> dict[str, str]:
    """The hidden token fields of the form in ``html``."""
    return dict(HIDDEN.findall(html))


def receipt(html: str, pattern: str) -> tuple[str, str]:
    """The tracking number and query code a confirmation page shows."""
    number = re.search(pattern, html).group(0)
    code = re.search(r"<dt>查询码</dt><dd><strong>([^<]+)</strong>", html).group(1)
    return number, code


# -- form tokens: issued and signed by the server, bound to one session -----------------


@pytest.mark.parametrize("url", sorted(FORMS))
def test_a_form_token_from_another_session_never_returns_that_receipt(app, url):
    data, model, pattern, typed = FORMS[url]
    first, second = app.test_client(), app.test_client()
    fields = csrf_token(first, url)
    number, code = receipt(
        first.post(url, data={**fields, **data()}).get_data(as_text=True), pattern
    )
    theirs = csrf_token(second, url)
    replay = second.post(url, data={**theirs, **data(), "form_token": fields["form_token"]})
    html = replay.get_data(as_text=True)
    assert replay.status_code == 400
    assert number not in html and code not in html
    assert EXPIRED in html and typed in html  # what was typed is kept
    fresh = hidden(html)
    assert fresh["form_token"] not in {fields["form_token"], theirs["form_token"]}
    assert stored(app, model) == 1
    # The fresh form goes through, as a submission of its own.
    again = second.post(url, data={**fresh, **data()})
    assert again.status_code == 200
    assert receipt(again.get_data(as_text=True), pattern)[0] != number
    assert stored(app, model) == 2


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "chosen-by-the-client",
        "x" * 64,
        "y" * 5000,
        secrets.token_urlsafe(24),  # what the server once handed out unsigned
    ],
)
def test_a_forged_form_token_is_refused(client, ctx, forged):
    fields = csrf_token(client, "/messages/new")
    response = client.post("/messages/new", data={**fields, **message_data(), "form_token": forged})
    assert response.status_code == 400
    assert EXPIRED in response.get_data(as_text=True)
    assert count(Message) == 0


def test_a_token_signed_for_this_session_but_tampered_with_is_refused(client, ctx):
    fields = csrf_token(client, "/messages/new")
    token = fields["form_token"]
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    response = client.post(
        "/messages/new", data={**fields, **message_data(), "form_token": tampered}
    )
    assert response.status_code == 400 and count(Message) == 0


@pytest.mark.parametrize("url", sorted(FORMS))
def test_the_same_form_sent_twice_in_one_session_shows_the_same_receipt(client, ctx, url):
    data, model, pattern, _ = FORMS[url]
    fields = csrf_token(client, url)
    first = client.post(url, data={**fields, **data()}).get_data(as_text=True)
    second = client.post(url, data={**fields, **data()}).get_data(as_text=True)
    assert receipt(first, pattern) == receipt(second, pattern)
    assert count(model) == 1


def test_a_form_shown_again_after_an_error_keeps_its_token(client, ctx):
    fields = csrf_token(client, "/messages/new")
    bad = client.post("/messages/new", data={**fields, **message_data(subject="")})
    assert bad.status_code == 400 and EXPIRED not in bad.get_data(as_text=True)
    assert hidden(bad.get_data(as_text=True))["form_token"] == fields["form_token"]


def test_an_opinion_form_token_from_another_session_is_refused(app, clock):
    new_consultation(app)
    first, second = app.test_client(), app.test_client()
    page = "/consultation/pufa"
    mine = form_fields(first, page)
    assert first.post(f"{page}/opinions", data={**mine, **opinion_data()}).status_code == 200
    theirs = form_fields(second, page)
    for token in (mine["form_token"], "made-up"):
        replay = second.post(
            f"{page}/opinions", data={**theirs, **opinion_data(), "form_token": token}
        )
        html = replay.get_data(as_text=True)
        assert replay.status_code == 400 and EXPIRED in html and "民法典讲座" in html
        assert hidden(html)["form_token"] not in {token, theirs["form_token"]}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Opinion.id))) == 1


# -- pages holding a resident's data are never stored ---------------------------------


def test_forms_receipts_and_tracking_are_never_stored(client, ctx):
    for url in ("/messages/new", "/requests/new", "/track"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    fields = csrf_token(client, "/messages/new")
    done = client.post("/messages/new", data={**fields, **message_data()})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    number, code = receipt(done.get_data(as_text=True), r"LY-\d{4}-\d{6}")
    tracked = client.post(
        "/track", data={**csrf_token(client, "/track"), "tracking_no": number, "code": code}
    )
    assert tracked.status_code == 200 and number in tracked.get_data(as_text=True)
    assert tracked.headers["Cache-Control"] == "no-store"
    bad = client.post("/requests/new", data={**csrf_token(client, "/requests/new")})
    assert bad.status_code == 400 and bad.headers["Cache-Control"] == "no-store"


def test_an_open_consultation_page_with_its_form_is_never_stored(app, client, clock):
    new_consultation(app)
    assert client.get("/consultation/pufa").headers["Cache-Control"] == "no-store"


# -- an expired page (CSRF failure) keeps what was typed --------------------------------


def test_an_expired_message_form_keeps_what_was_typed_and_stores_nothing(client, ctx):
    fields = csrf_token(client, "/messages/new")
    response = client.post(
        "/messages/new", data={**fields, **message_data(), "csrf_token": "expired"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert EXPIRED in html and "CSRF" not in html
    assert 'value="小区门口占道经营"' in html and "每天傍晚小区门口有流动摊贩占道经营" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert count(Message) == 0
    fresh = hidden(html)
    assert fresh["csrf_token"] != "expired"
    assert fresh["form_token"] == fields["form_token"]  # still this session's: kept
    again = client.post("/messages/new", data={**fresh, **message_data()})
    assert again.status_code == 200 and count(Message) == 1


def test_a_form_sent_after_the_session_ended_comes_back_with_fresh_tokens(app, client):
    fields = csrf_token(client, "/requests/new")
    client.delete_cookie("session")  # the browser was closed, or the cookie expired
    response = client.post("/requests/new", data={**fields, **request_data()})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and EXPIRED in html
    assert 'value="李四"' in html and "2024年东晓街道违法建筑治理工作方案全文" in html
    fresh = hidden(html)
    assert fresh["csrf_token"] != fields["csrf_token"]
    assert fresh["form_token"] != fields["form_token"]
    assert stored(app, InfoRequest) == 0
    assert client.post("/requests/new", data={**fresh, **request_data()}).status_code == 200
    assert stored(app, InfoRequest) == 1


def test_an_expired_tracking_form_keeps_the_number(client, ctx):
    response = client.post(
        "/track", data={"csrf_token": "old", "tracking_no": "LY-2026-000001", "code": "ABCD2345"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and EXPIRED in html
    assert 'value="LY-2026-000001"' in html and hidden(html)["csrf_token"] != "old"


def test_an_expired_opinion_form_keeps_what_was_typed(app, client, clock):
    new_consultation(app)
    page = "/consultation/pufa"
    fields = {**form_fields(client, page), "csrf_token": "expired"}
    response = client.post(f"{page}/opinions", data={**fields, **opinion_data()})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and EXPIRED in html
    assert "建议在社区开展民法典讲座" in html
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Opinion.id))) == 0


def test_an_expired_sign_in_form_keeps_the_name_not_the_password(client, make_user):
    make_user()
    response = client.post(
        "/admin/login",
        data={"csrf_token": "old", "username": "editor1", "password": "东晓街道-长久的口令-2026"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and EXPIRED in html
    assert 'value="editor1"' in html and "长久的口令" not in html
    assert hidden(html)["csrf_token"] != "old"


def test_other_expired_pages_say_so_in_chinese(app, make_user):
    from tests.staff import login_as

    editor = login_as(app, make_user())
    response = editor.post("/admin/logout", data={"csrf_token": "old"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<h1>页面已过期</h1>" in html and "刷新后再次提交" in html and "CSRF" not in html
    assert editor.get("/admin/").status_code == 200  # still signed in


# -- invisible and direction-changing characters ---------------------------------------

INVISIBLE_ONLY = "\u200b\u200b\u200b\u200b\u2060\ufeff\u00ad\u3164\u3000"


@pytest.mark.parametrize(("field", "label"), [("subject", "留言标题"), ("content", "留言内容")])
def test_a_field_of_only_invisible_characters_is_empty(post_form, ctx, field, label):
    response = post_form("/messages/new", message_data(**{field: INVISIBLE_ONLY}))
    assert response.status_code == 400
    assert f"{label}：必填" in response.get_data(as_text=True)
    assert count(Message) == 0


@pytest.mark.parametrize(
    ("field", "label"), [("name", "姓名或名称"), ("description", "所需信息的描述")]
)
def test_invisible_only_request_fields_are_empty(post_form, ctx, field, label):
    response = post_form("/requests/new", request_data(**{field: "\u200b\u200c\u200d\u2063"}))
    assert response.status_code == 400
    assert f"{label}：必填" in response.get_data(as_text=True)
    assert count(InfoRequest) == 0


def test_invisible_only_tracking_number_is_empty(post_form, ctx):
    response = post_form("/track", {"tracking_no": "\u200b\u202e", "code": "ABCD2345"})
    assert response.status_code == 400 and "查询编号：必填" in response.get_data(as_text=True)


def test_direction_and_zero_width_characters_are_stripped_from_resident_text(post_form, ctx):
    subject = "\u202e小区\u2066门口\u2069占道\u200f经营\u061c\u200e"
    content = "每天傍晚\u202a小区门口\u202c有流动摊贩占道经营，\u200b电话138\u20601234\u00ad5678。"
    assert (
        post_form("/messages/new", message_data(subject=subject, content=content)).status_code
        == 200
    )
    stored = db.session.scalars(sa.select(Message)).one()
    assert stored.subject == "小区门口占道经营"
    assert stored.content == "每天傍晚小区门口有流动摊贩占道经营，电话13812345678。"


def test_the_format_character_list_matches_the_unicode_tables():
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cf":
            assert FORMAT_CHARS.fullmatch(char), hex(code)
        elif FORMAT_CHARS.fullmatch(char):
            assert category == "Cn", hex(code)  # assigned in a later Unicode version


def test_clean_text():
    assert clean_text("  东晓\u200b街道\x00 ") == "东晓街道"
    assert clean_text("\u3164\u2800 \u200b") == ""
    assert clean_text("a\u200db") == "ab"


def test_upload_names_lose_every_invisible_character():
    name = "通\u2060知\u061c公\u00ad告\u202e\u200b\u180e\n.pdf"
    assert safe_filename(name, PDF) == "通知公告.pdf"
    assert display_name(name) == "通知公告.pdf"
    assert display_name("\u2060\u00ad") == "（无名称）"


# -- valid HTML on the public pages -----------------------------------------------------

# Autofill field names and the controls they may be used on (HTML Living Standard,
# "Autofilling form controls: the autocomplete attribute"): input types per group; every
# group also allows <textarea> and <select>, except that "multiline" allows no <input>
# but type=hidden.
AUTOFILL_GROUPS = {
    "text": {"hidden", "text", "search"},
    "multiline": {"hidden"},
    "username": {"hidden", "text", "search", "email"},
    "password": {"hidden", "text", "search", "password"},
    "tel": {"hidden", "text", "search", "tel"},
    "email": {"hidden", "text", "search", "email"},
}
TEXT_AUTOFILL = (
    "name honorific-prefix given-name additional-name family-name honorific-suffix nickname "
    "organization-title organization address-line1 address-line2 address-line3 address-level4 "
    "address-level3 address-level2 address-level1 country country-name postal-code"
)
AUTOFILL_NAMES = {
    **dict.fromkeys(TEXT_AUTOFILL.split(), "text"),
    "street-address": "multiline",
    "username": "username",
    "new-password": "password",
    "current-password": "password",
    "one-time-code": "password",
    "tel": "tel",
    "email": "email",
}


class PageChecker(HTMLParser):
    """Collects what the strict check needs: ids, label targets, ARIA references and the
    ``autocomplete`` attribute of each form control."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.label_for: list[str] = []
        self.references: list[tuple[str, str]] = []
        self.autocomplete: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.append(values["id"])
        if tag == "label" and "for" in values:
            self.label_for.append(values["for"])
        for name in ("aria-describedby", "aria-labelledby", "aria-controls"):
            for ref in values.get(name, "").split():
                self.references.append((name, ref))
        if "autocomplete" in values:
            kind = values.get("type", "text").lower() if tag == "input" else ""
            self.autocomplete.append((tag, kind, values["autocomplete"]))

    def problems(self) -> list[str]:
        found = []
        seen: set[str] = set()
        for ident in self.ids:
            if ident in seen:
                found.append(f"duplicate id {ident!r}")
            seen.add(ident)
        found += [
            f"<label for={ref!r}> names no element" for ref in self.label_for if ref not in seen
        ]
        found += [
            f"{attr}={ref!r} names no element" for attr, ref in self.references if ref not in seen
        ]
        for tag, kind, value in self.autocomplete:
            token = value.split()[-1] if value.split() else ""
            if token in {"on", "off"} and len(value.split()) == 1:
                continue
            group = AUTOFILL_NAMES.get(token)
            if group is None:
                found.append(f"<{tag}> autocomplete={value!r}: unknown autofill name")
            elif tag == "input" and kind not in AUTOFILL_GROUPS[group]:
                found.append(f'<input type="{kind}"> may not have autocomplete={value!r}')
            elif tag not in {"input", "textarea", "select"}:
                found.append(f"<{tag}> may not have autocomplete")
        return found


def test_the_page_checker_finds_what_it_looks_for():
    checker = PageChecker()
    checker.feed(
        '<p id="a"></p><p id="a"></p><label for="b">x</label><span aria-describedby="c"></span>'
        '<input autocomplete="street-address"><input type="email" autocomplete="tel">'
        '<textarea autocomplete="street-address"></textarea><input autocomplete="off">'
    )
    assert checker.problems() == [
        "duplicate id 'a'",
        "<label for='b'> names no element",
        "aria-describedby='c' names no element",
        "<input type=\"text\"> may not have autocomplete='street-address'",
        "<input type=\"email\"> may not have autocomplete='tel'",
    ]


@pytest.fixture
def public_pages(client, make_doc, post_form):
    """The rendered public pages, including forms shown again with every error."""
    make_doc(slug="news-valid", title="东晓街道开展消防安全检查")
    make_doc("consultation", slug="consult-valid", opens_on="2020-01-01", closes_on="2099-12-31")
    make_doc("service", slug="service-valid", online_url="https://www.gdzwfw.gov.cn/")
    profile.load_example(ROOT / "content" / "about.yaml")
    profile.save(
        SYSTEM,
        directory.home().code,
        functions="负责辖区公共服务。",
        directions="地铁站 A 出口步行 5 分钟。",
        contacts={"phone": "0755-12345678", "email": "dx@example.gov.cn", "postcode": "518000"},
        units=[{"name": "党政综合办公室", "duties": "日常运转", "phone": "0755-22223333"}],
        leaders=[{"name": "张三", "post": "主任", "duties": "主持全面工作"}],
    )
    pages = {
        url: client.get(url).get_data(as_text=True)
        for url in (
            "/",
            "/news/",
            "/news/news-valid",
            "/consultation/consult-valid",
            "/service/",
            "/service/service-valid",
            "/about/",
            "/disclosure/",
            "/disclosure/guide",
            "/disclosure/catalog/",
            "/disclosure/catalog/gzdt/",
            "/disclosure/annual/",
            "/messages/new",
            "/requests/new",
            "/feedback/new?page=/news/news-valid",
            "/track",
        )
    }
    pages["/messages/new (errors)"] = post_form("/messages/new", {}).get_data(as_text=True)
    pages["/requests/new (errors)"] = post_form(
        "/requests/new", {"applicant_type": "person", "delivery": "邮寄"}
    ).get_data(as_text=True)
    pages["/track (errors)"] = post_form("/track", {}).get_data(as_text=True)
    pages["/feedback/new (errors)"] = post_form(
        "/feedback/new", {"page": "https://evil.example/", "contact": "x"}
    ).get_data(as_text=True)
    reported = post_form(
        "/feedback/new",
        {"page": "/news/news-valid", "kind": "typo", "description": "标题有错别字，请更正。"},
    ).get_data(as_text=True)
    pages["/feedback/new (submitted)"] = reported
    number, code = receipt(reported, r"JC-\d{4}-\d{6}")
    pages["/track (feedback)"] = post_form(
        "/track", {"tracking_no": number, "code": code}
    ).get_data(as_text=True)
    done = post_form("/messages/new", message_data()).get_data(as_text=True)
    pages["/messages/new (submitted)"] = done
    number, code = receipt(done, r"LY-\d{4}-\d{6}")
    pages["/track (result)"] = post_form("/track", {"tracking_no": number, "code": code}).get_data(
        as_text=True
    )
    # An information request: the receipt, the 补正 form, the receipt page from /track.
    applied = post_form("/requests/new", request_data()).get_data(as_text=True)
    pages["/requests/new (submitted, receipt)"] = applied
    number, code = receipt(applied, r"YSQ-\d{4}-\d{6}")
    item = db.session.scalar(sa.select(InfoRequest).where(InfoRequest.tracking_no == number))
    info_requests.request_supplement(item, note="请写明文号。", actor=staff("handler"))
    tracked = post_form("/track", {"tracking_no": number, "code": code}).get_data(as_text=True)
    pages["/track (request waiting for a supplement)"] = tracked
    tokens = {
        name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', tracked).group(1)
        for name in ("csrf_token", "access")
    }
    pages["/track/receipt"] = client.post("/track/receipt", data=tokens).get_data(as_text=True)
    pages["/track/supplement (errors)"] = client.post(
        "/track/supplement", data={**tokens, "text": ""}
    ).get_data(as_text=True)
    pages["/track/supplement (code again)"] = client.post(
        "/track/supplement", data={**tokens, "access": "x", "text": "补正"}
    ).get_data(as_text=True)
    expired = {**message_data(), "csrf_token": "old"}
    pages["/messages/new (expired)"] = client.post("/messages/new", data=expired).get_data(
        as_text=True
    )
    pages["/feedback/new (expired)"] = client.post(
        "/feedback/new", data={"description": "标题有错别字。", "csrf_token": "old"}
    ).get_data(as_text=True)
    pages["/consultation/consult-valid (expired)"] = client.post(
        "/consultation/consult-valid/opinions", data={**opinion_data(), "csrf_token": "old"}
    ).get_data(as_text=True)
    for url in ("/messages/", "/no-such-page", "/admin/login"):
        pages[url] = client.get(url).get_data(as_text=True)
    pages["/admin/login (expired)"] = client.post(
        "/admin/login", data={"csrf_token": "old", "username": "editor1"}
    ).get_data(as_text=True)
    return pages


def test_public_pages_pass_the_strict_html_check(public_pages):
    problems = {}
    for url, html in public_pages.items():
        checker = PageChecker()
        checker.feed(html)
        if checker.problems():
            problems[url] = checker.problems()
    assert problems == {}


def _vnu_classpath(folder: Path) -> str | None:
    """The Nu Html Checker (vnu) from the local Maven repository, without the network:
    ``mvn dependency:get -Dartifact=nu.validator:validator:26.5.2`` fetches it once."""
    if not (shutil.which("java") and shutil.which("mvn")):
        return None
    pom = folder / "pom.xml"
    pom.write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>portal.check</groupId><artifactId>vnu</artifactId><version>1</version>"
        "<dependencies><dependency><groupId>nu.validator</groupId>"
        "<artifactId>validator</artifactId><version>26.5.2</version></dependency>"
        "</dependencies></project>",
        encoding="utf-8",
    )
    out = folder / "classpath.txt"
    command = ["mvn", "-o", "-q", "-f", str(pom), "dependency:build-classpath"]
    done = subprocess.run(
        [*command, f"-Dmdep.outputFile={out}"], capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0 or not out.exists():
        return None
    return out.read_text(encoding="utf-8").strip()


def test_public_pages_pass_the_nu_html_checker(public_pages, tmp_path):
    classpath = _vnu_classpath(tmp_path)
    if classpath is None:
        pytest.skip("java, mvn or nu.validator:validator in the local Maven repository missing")
    pages = {
        **public_pages,
        # A control: proves the checker ran and reported on these very files.
        "(control)": '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<title>x</title></head><body><input autocomplete="street-address"></body></html>',
    }
    names = {}
    for n, (url, html) in enumerate(pages.items()):
        path = tmp_path / f"page-{n}.html"
        path.write_text(html, encoding="utf-8")
        names[str(path)] = url
    command = ["java", "-cp", classpath, "nu.validator.client.SimpleCommandLineValidator"]
    done = subprocess.run(
        [*command, "--format", "json", *names], capture_output=True, text=True, timeout=300
    )
    messages = json.loads(done.stderr or done.stdout)["messages"]
    errors = [
        f"{names.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: {m['message']}"
        for m in messages
        if m.get("type") == "error"
    ]
    assert len(errors) == 1 and errors[0].startswith("(control): Bad value “street-address”")
