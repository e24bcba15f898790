"""The bench's results file: phases run apart merge, and ratios need both of their sides."""

import json
from pathlib import Path

import pytest

from tests.bench import results
from tests.bench.__main__ import chosen
from tools.devstack.store import server_argv

SETTINGS = {"scale": 0.1, "latency_rate": 20.0, "large_store": 20000.0}


def test_a_phase_run_alone_keeps_the_other_phases_figures(tmp_path: Path) -> None:
    path = tmp_path / "latest.json"
    results.save(results.merge({}, "raw", {"raw_kafka_produce_per_s": 1000.0}, SETTINGS), path)
    results.save(
        results.merge(results.load(path), "pipeline", {"portal_accepts_per_s": 50.0}, SETTINGS),
        path,
    )
    saved = json.loads(path.read_text())
    assert saved["raw_kafka_produce_per_s"] == 1000.0
    assert saved["portal_accepts_per_s"] == 50.0
    assert saved["ratio_portal_to_raw_produce"] == pytest.approx(0.05)
    assert set(saved["phases"]) == {"raw", "pipeline"}
    assert saved["phases"]["pipeline"]["figures"] == ["portal_accepts_per_s"]
    assert saved["phases"]["pipeline"]["scale"] == 0.1


def test_running_a_phase_again_drops_its_former_figures() -> None:
    first = results.merge(
        {}, "store", {"store_update_ms_at_1k": 2.0, "store_update_ms_at_20k": 3.0}, SETTINGS
    )
    again = results.merge(
        first, "store", {"store_update_ms_at_1k": 2.0, "store_update_ms_at_100k": 2.5}, SETTINGS
    )
    assert "store_update_ms_at_20k" not in again
    assert results.ratios(again) == {"ratio_store_update_100k_to_1k": 1.25}


def test_a_ratio_with_one_side_missing_is_left_out() -> None:
    figures = {"e2e_requests_per_s": 10.0, "raw_store_insert_one_per_s": 100.0}
    assert results.ratios(figures) == {"ratio_e2e_to_raw_insert_one": pytest.approx(0.1)}


def test_stale_ratios_are_recomputed_on_save(tmp_path: Path) -> None:
    path = tmp_path / "latest.json"
    results.save({"ratio_portal_to_raw_produce": 9.0, "portal_accepts_per_s": 1.0}, path)
    assert "ratio_portal_to_raw_produce" not in json.loads(path.read_text())


def test_bench_only_selects_phases_in_run_order() -> None:
    assert chosen("pipeline, store") == ["store", "pipeline"]
    assert chosen(None)[0] == "routing"
    assert chosen("")[-1] == "notifications"
    with pytest.raises(SystemExit, match="unknown phase"):
        chosen("store,pipelines")


def test_the_store_runs_without_fsync_only_when_asked() -> None:
    binary, storage = Path("/bin/secantusd-py"), Path("/tmp/data")
    assert "--sync-on-commit" in server_argv(binary, port=27999, storage=storage)
    bulk_load = server_argv(binary, port=27999, storage=storage, durable=False)
    assert "--sync-on-commit" not in bulk_load
    assert str(storage) in bulk_load
