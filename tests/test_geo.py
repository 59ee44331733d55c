"""Nearest district office: every office is its own district; points outside Seoul have none."""

from hypothesis import given
from hypothesis import strategies as st

from dasan.demo.data import DISTRICT_OFFICES
from dasan.orgs.geo import km_between, nearest_district


def test_each_office_is_in_its_own_district_and_far_points_in_none():
    for code, (lat, lon) in DISTRICT_OFFICES.items():
        assert nearest_district(lat, lon, DISTRICT_OFFICES) == code
    assert nearest_district(40.7641, -73.9648, DISTRICT_OFFICES) is None  # Manhattan
    assert nearest_district(35.1796, 129.0756, DISTRICT_OFFICES) is None  # Busan
    assert 320 < km_between((37.5665, 126.9780), (35.1796, 129.0756)) < 330  # Seoul–Busan


@given(st.floats(37.43, 37.70), st.floats(126.80, 127.18))
def test_the_nearest_office_is_no_farther_than_any_other(lat, lon):
    got = nearest_district(lat, lon, DISTRICT_OFFICES, max_km=1e9)
    assert all(km_between((lat, lon), DISTRICT_OFFICES[got]) <= km_between((lat, lon), o) + 1e-9
               for o in DISTRICT_OFFICES.values())
