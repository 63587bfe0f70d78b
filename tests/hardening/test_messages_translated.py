"""What the hardening answers (400 and 413 bodies, validation messages, settings refused) speaks the reader's
language: the messages go through gettext and have Czech and Slovak translations."""

from tests.factories import csrf_token

CS = {"Accept-Language": "cs"}
SK = {"Accept-Language": "sk"}


def test_a_bad_filter_is_explained_in_czech_and_slovak(client, db, tenant):
    czech = client.get("/orders?status=abc", headers=CS)
    assert czech.status_code == 400 and "očekáváno celé číslo, zadáno" in czech.get_data(as_text=True)
    slovak = client.get("/orders?created_from=9999-12-31", headers=SK)
    assert slovak.status_code == 400 and "očakáva sa dátum od 1900-01-01" in slovak.get_data(as_text=True)


def test_a_nul_byte_and_a_large_body_are_refused_in_czech(client, db, tenant):
    nul = client.get("/orders?q=a%00b", headers=CS)
    assert nul.status_code == 400 and "q: adresa obsahuje znak NUL" in nul.get_data(as_text=True)
    token = csrf_token(client, "/orders")
    large = client.post("/views/orders", data={"name": "big", "query": "q=" + "x" * 100_000, "csrf_token": token},
                        headers=CS)
    assert large.status_code == 413 and "Tělo požadavku je větší než 64 KB" in large.get_data(as_text=True)


def test_a_refused_setting_is_explained_in_slovak(client, db, tenant):
    token = csrf_token(client, "/settings")
    client.post("/settings", data={"display_timezone": "Not/AZone", "csrf_token": token}, headers=SK)
    page = client.get("/settings", headers=SK).get_data(as_text=True)
    assert "nie je časové pásmo z databázy pásiem" in page
