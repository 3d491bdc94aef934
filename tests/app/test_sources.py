"""A sanctions file's own date, read from its name or the server's Last-Modified."""

from __future__ import annotations

from datetime import date

from app.sources import published_on


def test_the_date_in_a_file_name_is_its_publication_date() -> None:
    assert published_on("/data/sat_69b_listado_completo_2021-05-18.csv") == date(2021, 5, 18)
    assert published_on("sfp_directorio_sancionados_2026-06-11.json") == date(2026, 6, 11)


def test_without_one_the_servers_last_modified_else_nothing() -> None:
    last_modified = "Tue, 17 Mar 2026 08:00:00 GMT"
    assert published_on("Listado_Completo_69-B.csv", last_modified) == date(2026, 3, 17)
    assert published_on("Listado_Completo_69-B.csv") is None
    assert published_on("listado_2026-13-45.csv", "not a date") is None
