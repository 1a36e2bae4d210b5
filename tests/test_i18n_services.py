"""Messages of the services, the API's shared helpers, the start-up check and the commands: each a
translatable message with its template and named values, shown in the reader's language."""

from __future__ import annotations

import pytest
from flask_babel import refresh

from evaluator.accounts.service import check_region, user_errors
from evaluator.applications.intake import check_self_assessment, figures_errors
from evaluator.config import InsecureSettingError, check_secret_key, in_language
from evaluator.criteria import build_criteria
from evaluator.messages import Message, msg


def test_a_missing_row_is_named_in_the_readers_language(client, make_user):
    _, headers = make_user("admin")
    zh = client.get("/api/v1/rounds/999999", headers={**headers, "Accept-Language": "zh"})
    assert zh.status_code == 404 and zh.json["message"] == "不存在编号为 999999 的评审批次。"
    en = client.get("/api/v1/rounds/999999", headers={**headers, "Accept-Language": "en"})
    assert en.json["message"] == "No round 999999."


def test_region_problems_keep_their_template_and_values():
    errors = check_region({"city_code": "510100", "county_code": "510704"})
    problem = errors["county_code"][0]
    assert isinstance(problem, Message)
    assert problem.template == "The county code %(county)s is not inside the city %(city)s."
    assert problem.params == {"county": "510704", "city": "510100"}
    assert problem == "The county code 510704 is not inside the city 510100."


def test_account_problems_are_whole_sentences_with_named_values():
    errors = user_errors({"username": "x", "password": "short", "display_name": "名", "role": "boss"})
    assert errors["password"][0].template == "A password has %(min)s to %(max)s characters."
    assert errors["password"][0].params == {"min": 10, "max": 200}
    role = errors["role"][0]
    assert role.template == "The role is one of: %(roles)s." and isinstance(role.params["roles"], list)
    assert isinstance(errors["username"][0], Message)


def test_a_figure_out_of_bounds_keeps_its_message(mini_raw):
    cs = build_criteria(mini_raw, "test")
    _, errors = figures_errors(cs, {"online_rate": 101.0}, partial=True)
    problem = errors["online_rate"][0]
    assert isinstance(problem, Message) and problem.template == "Must be between %(min)s and %(max)s."
    _, errors = figures_errors(cs, {"platform": "yes"}, partial=True)
    assert errors["platform"][0].template == "Not a valid boolean: use true or false."


def test_self_assessment_problems_name_the_indicator(mini_raw):
    from evaluator.errors import ServiceError

    cs = build_criteria(mini_raw, "test")
    with pytest.raises(ServiceError) as refused:
        check_self_assessment(cs, {"nope": 1})
    assert refused.value.message.template == "The self-assessment has problems: %(indicators)s."
    assert refused.value.errors["self_assessment"]["nope"][0].params == {"id": "nope"}
    with pytest.raises(ServiceError) as refused:
        check_self_assessment(cs, {"size": 99, "basics": 1})  # above its points; a section
    named = refused.value.message.params["indicators"]
    assert [(n.zh, n.en) for n in named] == [("规模", "Size"), ("基础", "Basics")]
    problem = refused.value.errors["self_assessment"]["size"][0]
    assert (problem.params["name"].zh, problem.params["name"].en) == ("规模", "Size")
    assert refused.value.message == "The self-assessment has problems: Size, Basics."


def test_the_secret_key_refusal_speaks_the_configured_language():
    with pytest.raises(InsecureSettingError) as refused:
        check_secret_key({"SECRET_KEY": "short", "LANGUAGE": "en"})
    assert str(refused.value) == refused.value.message
    assert refused.value.message.params["min"] == 32
    with pytest.raises(InsecureSettingError) as refused:
        check_secret_key({"SECRET_KEY": "short", "LANGUAGE": "zh"})
    assert str(refused.value) == in_language(refused.value.message, "zh")
    assert "EVALUATOR_SECRET_KEY" in str(refused.value)


def test_in_language_translates_before_the_app_exists():
    assert in_language(msg("No round %(id)s.", id=3), "zh") == "不存在编号为 3 的评审批次。"
    assert in_language(msg("No round %(id)s.", id=3), "en") == "No round 3."
    assert in_language(msg("x%(a)sy", a=""), "zh") == "xy"  # an empty value is no catalog lookup


def test_commands_print_in_the_configured_language(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "LANGUAGE", "en")
    assert "Audit chain intact: 0 events." in runner.invoke(args=["audit-verify"]).output
    monkeypatch.setitem(app.config, "LANGUAGE", "zh")
    refresh()  # the language is chosen once per application context; this test shares one
    output = runner.invoke(args=["audit-verify"]).output
    assert output.strip() == in_language(msg("Audit chain intact: %(count)s events.", count=0), "zh")
