from __future__ import annotations

import doctest
import json
import random
from datetime import UTC, datetime, timedelta

import pytest

import social_listen.listener._escape as escape_module
import social_listen.listener._results as results_module
import social_listen.listener._spikes as spikes_module
from social_listen.core import ConfigError
from social_listen.listener import SpikeDetector, detect_spikes


@pytest.mark.parametrize("module", [spikes_module, escape_module, results_module])
def test_doctests_pass(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0


def _noisy(n: int, *, seed: int = 1, level: float = 40.0) -> list[float]:
    rng = random.Random(seed)
    return [max(0.0, rng.gauss(level, level**0.5)) for _ in range(n)]


def test_a_planted_burst_is_flagged_and_quiet_noise_is_not() -> None:
    values = _noisy(600)
    values[400] = values[401] = 400.0
    result = detect_spikes(values, window=300, cooldown=50)
    assert [p.index for p in result.spikes] == [400] or [p.index for p in result.spikes] == [401]
    assert all(0.0 <= s <= 1.0 for s in result.scores)
    assert max(result.scores[:400]) < 0.5


def test_scores_are_online_a_point_never_depends_on_later_points() -> None:
    values = _noisy(400, seed=3)
    values[300] = 500.0
    full = detect_spikes(values, window=200).scores
    prefix = detect_spikes(values[:301], window=200).scores
    assert full[:301] == prefix
    changed = values[:301] + [10_000.0] * 99
    assert detect_spikes(changed, window=200).scores[:301] == prefix


def test_incremental_object_matches_the_batch_function_and_echoes_times() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    values = _noisy(200, seed=5)
    values[150] = 300.0
    batch = detect_spikes([(start + timedelta(hours=i), v) for i, v in enumerate(values)], window=100)
    detector = SpikeDetector(window=100)
    live = [detector.update(v, start + timedelta(hours=i)) for i, v in enumerate(values)]
    assert tuple(live) == batch.points
    assert batch.points[150].at == start + timedelta(hours=150)
    assert batch.points[150].flagged


def test_warm_up_points_score_zero() -> None:
    result = detect_spikes([1.0] * 10 + [1000.0], min_history=20, window=40)
    assert set(result.scores) == {0.0}
    assert result.points[0].expected is None


def test_cooldown_suppresses_repeated_flags_but_keeps_scores() -> None:
    values = _noisy(300, seed=7)
    for i in (200, 210, 290):
        values[i] = 600.0
    short = detect_spikes(values, window=150, cooldown=5)
    long = detect_spikes(values, window=150, cooldown=80)
    assert [p.index for p in short.spikes] == [200, 210, 290]
    assert [p.index for p in long.spikes] == [200, 290]
    assert long.points[210].score > 0.9  # scored, just not flagged


def test_sensitivity_and_threshold_move_the_flag_point() -> None:
    values = _noisy(300, seed=11)
    values[250] = 75.0  # a modest bump over ~40
    z = detect_spikes(values, window=200).points[250].zscore
    assert 1.5 < z < 4.0, z
    assert not detect_spikes(values, window=200).points[250].flagged
    assert detect_spikes(values, window=200, sensitivity=3.0, cooldown=0).points[250].flagged
    assert detect_spikes(values, window=200, threshold=0.1, cooldown=0).points[250].flagged
    low = detect_spikes(values, window=200, sensitivity=0.5).points[250].score
    assert low < detect_spikes(values, window=200).points[250].score


def test_drops_are_not_spikes() -> None:
    values = _noisy(200, seed=2)
    values[150] = 0.0
    assert detect_spikes(values, window=100).points[150].score == 0.0


def test_snapshot_resumes_exactly_and_is_json() -> None:
    values = _noisy(300, seed=9)
    values[260] = 500.0
    one = SpikeDetector(window=120)
    first = [one.update(v) for v in values[:200]]
    state = json.loads(json.dumps(one.snapshot()))
    resumed = SpikeDetector.from_snapshot(state)
    rest = [resumed.update(v) for v in values[200:]]
    assert tuple(first + rest) == detect_spikes(values, window=120).points


@pytest.mark.parametrize(
    "options",
    [
        {"window": 2},
        {"threshold": 0.0},
        {"threshold": 1.5},
        {"sensitivity": 0.0},
        {"cooldown": -1},
        {"min_history": 2000},
    ],
)
def test_invalid_settings_raise_config_error(options: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        SpikeDetector(**options)  # type: ignore[arg-type]


def test_non_finite_values_raise() -> None:
    with pytest.raises(ConfigError):
        SpikeDetector().update(float("nan"))


def test_result_exports_records_and_html() -> None:
    result = detect_spikes([1.0, 2.0, 3.0, 4.0, 5.0], min_history=4, window=4)
    records = result.to_records()
    assert records[4]["index"] == 4
    assert set(records[0]) == {"index", "at", "value", "score", "flagged", "expected", "zscore"}
    assert "<table>" in result._repr_html_()
    pandas = pytest.importorskip("pandas")
    frame = result.to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame["index"]) == [0, 1, 2, 3, 4]
