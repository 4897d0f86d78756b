"""Placement uses the newest stored parameter version, re-read only when it changes."""
from dedup.domain.fellegi_sunter import params_with
from dedup.model_store import NewestParams


class VersionsInMemory:
    """The two reads NewestParams makes of model_store.ModelStore."""

    def __init__(self):
        self.docs = {}
        self.loads = 0

    def newest_version(self):
        return max(self.docs, default=0)

    def get(self, version):
        self.loads += 1
        return self.docs.get(version)


BASE = {"prior": -5.0, "weights": {}, "match_probability": 0.99}


def test_hand_set_until_a_version_exists_then_the_newest_loaded_once():
    store, newest = VersionsInMemory(), NewestParams()
    assert newest.current(store, BASE, params_with) == {**BASE, "params_version": 0}
    store.docs[1] = {"lambda": 0.01, "comparisons": {}, "tf": {}, "training": {"x": 1}}
    first = newest.current(store, BASE, params_with)
    again = newest.current(store, BASE, params_with)
    assert first["params_version"] == again["params_version"] == 1
    assert first["model"] == {"lambda": 0.01, "comparisons": {}, "tf": {}}
    assert store.loads == 1
    store.docs[2] = {"lambda": 0.02, "comparisons": {}, "tf": {}}
    assert newest.current(store, BASE, params_with)["model"]["lambda"] == 0.02
    assert store.loads == 2


def test_versions_removed_fall_back_to_the_hand_set_parameters():
    store, newest = VersionsInMemory(), NewestParams()
    store.docs[1] = {"lambda": 0.01, "comparisons": {}, "tf": {}}
    assert newest.current(store, BASE, params_with)["params_version"] == 1
    store.docs.clear()
    params = newest.current(store, BASE, params_with)
    assert params["params_version"] == 0 and "model" not in params
