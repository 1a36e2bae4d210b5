"""The browser fixtures themselves: a CSP violation, a script error, a missing resource and a request
to another host are caught, so a test whose page has one fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.helpers import require

pytestmark = pytest.mark.browser


def test_an_inline_script_is_refused_and_noticed(page, console):
    page.goto("/sign-in")
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.ran = true';
        document.body.appendChild(s);
    }""")
    page.wait_for_timeout(100)
    assert page.evaluate("() => window.ran") is None  # the page's CSP refused it
    assert any("Executing inline script violates" in p for p in console.problems), console.problems
    console.problems.clear()


def test_an_inline_style_is_refused_and_noticed(page, console):
    page.goto("/sign-in")
    page.evaluate("""() => {
        const s = document.createElement('style');
        s.textContent = 'body { color: red }';
        document.head.appendChild(s);
    }""")
    page.wait_for_timeout(100)
    assert any("Applying inline style violates" in p for p in console.problems), console.problems
    console.problems.clear()


def test_a_script_error_and_a_missing_resource_are_noticed(page, console):
    page.goto("/sign-in")
    page.evaluate("""() => {
        setTimeout(() => { throw new Error('broken on purpose'); }, 0);
        const img = document.createElement('img');
        img.src = '/static/no-such-image.png';
        img.alt = '';
        document.body.appendChild(img);
    }""")
    for _ in range(100):  # both arrive within moments; wait for them rather than a fixed time
        seen = "\n".join(console.problems)
        if "broken on purpose" in seen and "no-such-image.png answered 404" in seen:
            break
        page.wait_for_timeout(50)
    assert "broken on purpose" in seen and "no-such-image.png answered 404" in seen, seen
    console.problems.clear()


def test_no_other_host_is_reached(page, console):
    page.goto("/sign-in")
    page.evaluate("""() => {
        const img = document.createElement('img');
        img.src = 'http://example.com/pixel.png';
        img.alt = '';
        document.body.appendChild(img);
    }""")
    page.wait_for_timeout(300)
    seen = "\n".join(console.problems)
    assert "request to another host" in seen, seen
    console.problems.clear()


def test_an_allowed_problem_passes(page, console):
    console.allow(r"Executing inline script violates the following Content Security Policy")
    page.goto("/sign-in")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(100)
    assert not console.problems


def test_a_missing_browser_fails_in_ci_and_skips_elsewhere(monkeypatch, tmp_path):
    missing = tmp_path / "chromium"
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run: Chromium is not installed"):
        require(missing, "Chromium")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"setup\.sh dev"):
        require(missing, "Chromium")
    require(Path(__file__), "this file")  # present: nothing happens
