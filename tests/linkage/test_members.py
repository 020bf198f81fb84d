from __future__ import annotations

import numpy as np
import pytest

from linkage.members import Members


def make() -> Members:
    person = np.array([0, 1, 0, 2, 1], dtype=np.int32)
    alive = np.array([True, True, True, True, False])
    return Members(person, alive)


def test_rows_per_person_from_arrays() -> None:
    members = make()
    assert set(members.get(0)) == {0, 2}
    assert set(members.get(1)) == {1}  # row 4 is dead
    assert 2 in members
    assert 3 not in members
    assert list(members.get(7)) == []


def test_changes_are_kept_beside_the_base() -> None:
    members = make()
    members[0].discard(0)
    assert set(members.get(0)) == {2}
    members.setdefault(5, set()).add(9)
    assert set(members.get(5)) == {9}
    assert members.pop(1, set()) == {1}
    assert 1 not in members
    del members[2]
    with pytest.raises(KeyError):
        members[2]
    members[2] = {3}
    assert set(members.get(2)) == {3}
