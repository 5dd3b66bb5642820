"""Reach, influence and urgency: the stated formulas, their inputs and reasons."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from social_listen.core import Author, ConfigError, Intent, Mention, Metrics, Score, Sentiment
from social_listen.monitor import InfluenceModel, ReachModel, UrgencyModel, UrgencyWeights, seen_fraction

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def mention(**kw: object) -> Mention:
    fields: dict[str, object] = {"source": "t", "native_id": "1", "text": "x", "created_at": T0}
    fields.update(kw)
    return Mention(**fields)  # type: ignore[arg-type]


def test_seen_fraction_curve_matches_its_documented_points() -> None:
    assert seen_fraction(0) == pytest.approx(0.3)
    assert seen_fraction(1000) == pytest.approx(0.3 * 2**-0.25)
    assert seen_fraction(100_000) == pytest.approx(0.0946, abs=1e-4)
    assert seen_fraction(10_000_000) == pytest.approx(0.030, abs=1e-4)


def test_reach_prefers_views_then_followers_then_site() -> None:
    model = ReachModel(site_audience={"news.example": 500_000})
    viewed = model.score(mention(metrics=Metrics(views=1234, likes=5)))
    assert (viewed.value, viewed.method) == (1234.0, "reach-v1:views")
    followed = model.score(
        mention(author=Author(handle="a", followers=100_000), metrics=Metrics(likes=10, shares=2, replies=3))
    )
    expected = 100_000 * seen_fraction(100_000) + 13 + 2 * 40
    assert followed.value == pytest.approx(expected, abs=0.1)
    assert followed.inputs["followers"] == 100_000
    site = model.score(mention(url="https://www.news.example/a/1"))
    assert (site.value, site.method, site.inputs["site"]) == (1000.0, "reach-v1:site", "news.example")
    unknown = model.score(mention(metrics=Metrics(likes=3)))
    assert (unknown.value, unknown.method) == (3.0, "reach-v1:engagement")


def test_equal_inputs_share_one_score_and_different_ones_do_not() -> None:
    reach, influence = ReachModel(), InfluenceModel()
    a = mention(author=Author(handle="a", followers=300), metrics=Metrics(likes=2, shares=1))
    b = mention(
        author=Author(handle="b", followers=300),
        metrics=Metrics(likes=2, shares=1),
        url="https://x.example/1",
    )
    c = mention(author=Author(handle="a", followers=300, verified=True), metrics=Metrics(likes=2, shares=1))
    # Equal inputs: one shared (frozen) Score, equal to a freshly computed one.
    assert reach.score(a) is reach.score(b)
    assert reach.score(a) == ReachModel().score(b)
    assert influence.score(a) is influence.score(b)
    # Anything that changes the result gives another Score.
    assert influence.score(c) is not influence.score(a)
    assert influence.score(c).value > influence.score(a).value
    d = mention(author=Author(handle="a", followers=300), metrics=Metrics(likes=2, shares=2))
    assert reach.score(d).value == reach.score(a).value + 40
    # A model with other settings keeps its own Scores.
    assert ReachModel(share_audience=10.0).score(a).value == reach.score(a).value - 30


def test_shared_scores_are_bounded_per_model() -> None:
    from social_listen.monitor._influence import _MAX_SHARED_SCORES

    model = InfluenceModel()
    for followers in range(_MAX_SHARED_SCORES + 10):
        assert (
            model.score(mention(author=Author(handle="a", followers=followers))).inputs["followers"]
            == followers
        )
    assert len(model._scores) <= _MAX_SHARED_SCORES


def test_unshared_inputs_are_recorded_as_given() -> None:
    # A mention built without validation may carry a bool where an int belongs: it is scored
    # as given, never answered with the Score of an equal int.
    model = InfluenceModel()
    plain = model.score(mention(author=Author(handle="a", followers=1)))
    odd = model.score(mention(author=Author.model_construct(handle="a", followers=True)))
    assert odd.inputs["followers"] is True
    assert plain.inputs["followers"] == 1
    assert type(plain.inputs["followers"]) is int


def test_influence_formula_and_bounds() -> None:
    model = InfluenceModel()
    nobody = model.score(mention())
    assert nobody.value == 0.0
    assert nobody.inputs == {"followers": None, "engagement": 0, "verified": False}
    engaged = mention(metrics=Metrics(likes=3, shares=None, replies=7, quotes=1, views=100))
    assert InfluenceModel().score(engaged).inputs["engagement"] == engaged.metrics.engagement == 11
    star = model.score(
        mention(author=Author(handle="s", followers=10_000_000, verified=True), metrics=Metrics(likes=10_000))
    )
    assert star.value == 100.0
    mid = model.score(mention(author=Author(handle="m", followers=10_000), metrics=Metrics(likes=99)))
    f = math.log10(10_001) / math.log10(10_000_001)
    e = math.log10(100) / math.log10(10_001)
    assert mid.value == pytest.approx(100 * (0.6 * f + 0.3 * e), abs=0.01)
    with pytest.raises(ConfigError):
        InfluenceModel(w_followers=-1)


def scored(**kw: object) -> Mention:
    return mention(
        sentiment=Sentiment(score=-0.8, label="negative", method="m", targeted_score=-0.6),
        intent=Intent(labels=("complaint", "question"), method="m"),
        influence=Score(value=50.0, method="m"),
        collected_at=T0 + timedelta(hours=2),
        **kw,
    )


def test_urgency_lists_every_reason_with_its_points() -> None:
    urgency = UrgencyModel().score(scored())
    # 20*0.8 + 10*0.6 + 20*0.5 + 15 + 10 (unanswered) + 0 velocity + 10*exp(-2/24)
    expected = 16 + 6 + 10 + 15 + 10 + 10 * math.exp(-2 / 24)
    assert urgency.value == pytest.approx(expected, abs=0.01)
    assert urgency.method == "urgency-v1"
    text = " | ".join(urgency.reasons)
    for reason in (
        "negative sentiment",
        "negative about the brand",
        "influential",
        "complaint",
        "unanswered",
    ):
        assert reason in text
    assert urgency.inputs["age_hours"] == 2.0


def test_urgency_weights_are_configurable_and_capped() -> None:
    heavy = UrgencyModel(weights=UrgencyWeights(complaint=90, negative=90))
    assert heavy.score(scored()).value == 100.0
    quiet = UrgencyModel(weights=UrgencyWeights(*(0.0,) * 8))
    assert quiet.score(scored()).value == 0.0
    assert quiet.score(scored()).reasons == ()
    with pytest.raises(ConfigError):
        UrgencyModel(weights=UrgencyWeights(crisis=-1))


def test_replies_answer_the_question_and_add_velocity() -> None:
    answered = UrgencyModel().score(scored(metrics=Metrics(replies=40)))
    assert not any("unanswered" in r for r in answered.reasons)
    assert any(r.startswith("replies 20.0/h") for r in answered.reasons)


def test_urgency_uses_the_injected_clock() -> None:
    m = scored()
    assert UrgencyModel().score(m, now=T0 + timedelta(days=10)).value < UrgencyModel().score(m).value


def test_urgency_from_parts_equals_urgency_of_the_mention() -> None:
    model = UrgencyModel()
    for m in (scored(), scored(metrics=Metrics(replies=7)), mention()):
        direct = model.score_signals(
            sentiment=m.sentiment.score if m.sentiment else 0.0,
            targeted=m.sentiment.targeted_score if m.sentiment else None,
            labels=m.intent.labels if m.intent else (),
            influence=m.influence.value if m.influence else 0.0,
            replies=m.metrics.replies or 0,
            created_at=m.created_at,
            now=m.collected_at,
        )
        assert direct == model.score(m)


def _state(model: object) -> tuple[object, ...]:
    state = model.__getstate__()  # type: ignore[attr-defined]
    return (
        list(state["__dict__"].items()),
        # A fields-set compares by its names (shared ones are a read-only set subclass).
        *sorted(
            (k, repr(sorted(v) if isinstance(v, set) else v)) for k, v in state.items() if k != "__dict__"
        ),
    )


def test_scores_are_the_models_model_construct_would_build() -> None:
    """The scores skip pydantic's per-call work; the instances are the same in every respect."""
    m = mention(
        author=Author(handle="a", followers=5000, verified=True),
        metrics=Metrics(likes=3, shares=1, replies=2),
        sentiment=Sentiment(score=-0.7, label="negative", method="m", targeted_score=-0.9),
        intent=Intent(labels=("complaint", "question"), method="m"),
        collected_at=T0 + timedelta(hours=2),
    )
    for score in (
        ReachModel().score(m),
        ReachModel().score(mention(metrics=Metrics(views=10))),
        InfluenceModel().score(m),
        UrgencyModel().score(m),
    ):
        reference = Score.model_construct(**score.__dict__)
        assert _state(score) == _state(reference)
        assert score == reference
        assert Score.model_validate(score.model_dump()) == score
        with pytest.raises(ValidationError, match="frozen"):
            score.value = 1.0  # type: ignore[misc]


def test_trusted_builder_falls_back_when_the_fields_are_not_all_given() -> None:
    from social_listen.monitor._trusted import trusted_builder

    assert trusted_builder(Score, value=1.0, method="m") == Score.model_construct
    assert trusted_builder(Score, method="m", value=1.0, inputs={}, reasons=()) == Score.model_construct
    build = trusted_builder(Score, value=1.0, method="m", inputs={}, reasons=())
    assert build != Score.model_construct
    assert build(value=2.0, method="x", inputs={"a": 1}, reasons=("r",)) == Score(
        value=2.0, method="x", inputs={"a": 1}, reasons=("r",)
    )


def test_trusted_builder_refuses_a_missing_or_unknown_field_and_keeps_field_order() -> None:
    from social_listen.monitor._trusted import trusted_builder

    build = trusted_builder(Score, value=1.0, method="m", inputs={}, reasons=())
    with pytest.raises(TypeError, match="exactly the fields"):
        build(value=1.0, method="m", inputs={})
    with pytest.raises(TypeError, match="exactly the fields"):
        build(value=1.0, method="m", inputs={}, reasons=(), reason=())
    shuffled = build(reasons=(), inputs={}, method="m", value=1.0)
    assert list(shuffled.__dict__) == list(Score.model_fields)
    assert repr(shuffled) == repr(Score(value=1.0, method="m", inputs={}, reasons=()))
