"""Paging and sorting arguments of the list screens, in every spelling Flask-AppBuilder honours
(it finds `psize_`, `page_` and `_oc_` anywhere in an argument's name): the page size never
passes LIST_MAX_PAGE_SIZE, a page that is not a number falls back to the first, and a sort
column the list does not offer is dropped — never a 500, never every row of an office."""
import pytest

from tests.conftest import StaffClient, make_app


@pytest.fixture
def small_pages_client(database_url, tmp_path, world):
    """Customer service on an instance whose lists serve at most two rows a page."""
    return StaffClient(make_app(database_url, tmp_path, LIST_MAX_PAGE_SIZE=2).test_client(), "cs")


def follow(client, url, hops=3):
    response = client.get(url)
    while response.status_code == 302 and hops:
        response, hops = client.get(response.headers["Location"]), hops - 1
    return response


@pytest.mark.parametrize("name", ["psize_ComplaintView", "xpsize_ComplaintView", "a_psize_ComplaintView",
                                  "__psize_ComplaintView", "_flt_psize_ComplaintView"])
def test_every_page_size_spelling_fab_reads_is_capped(small_pages_client, new_case, name):
    cases = [new_case() for _ in range(3)]
    response = follow(small_pages_client, f"/complaints/list/?{name}=100000000")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert sum(c.case_number in page for c in cases) == 2


@pytest.mark.parametrize("query", ["page_ComplaintView=-1", "page_ComplaintView=abc", "xpage_ComplaintView=abc",
                                   "page_=abc", "psize_=abc", "page_ComplaintView=99999999999999999999",
                                   "psize_ComplaintView=-5", "xpsize_ComplaintView=%EF%BC%95",
                                   "_oc_page_ComplaintView=case_number"])
def test_a_page_or_page_size_that_is_negative_huge_or_not_a_number_falls_back(cs_client, new_case, query):
    new_case()
    response = cs_client.get(f"/complaints/list/?{query}")
    assert response.status_code == 302
    assert follow(cs_client, response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("query", ["_oc_ComplaintView=nope&_od_ComplaintView=asc",
                                   "_oc_ComplaintView=complainant.phone&_od_ComplaintView=desc",
                                   "_oc_ComplaintView=__class__&_od_ComplaintView=asc",
                                   "x_oc_MyQueueView=status.x&_od_MyQueueView=asc"])
def test_a_sort_column_the_list_does_not_offer_is_dropped(cs_client, new_case, query):
    case = new_case()
    path = "/queue/list/" if "MyQueueView" in query else "/complaints/list/"
    response = cs_client.get(f"{path}?{query}")
    assert response.status_code == 302 and "_oc_" not in response.headers["Location"]
    assert case.case_number in follow(cs_client, response.headers["Location"]).get_data(as_text=True)


def test_a_sort_on_a_related_list_is_checked_against_that_list(admin_client, world):
    role = world.users["cs"].roles[0]
    response = admin_client.get(f"/roles/show/{role.id}?_oc_OfficeUserModelView=nope&_od_OfficeUserModelView=asc")
    assert response.status_code == 302
    assert follow(admin_client, response.headers["Location"]).status_code == 200


def test_offered_sorts_and_unknown_directions_are_served_as_they_are(cs_client, new_case):
    first, second = new_case(description="甲"), new_case(description="乙")
    response = cs_client.get("/complaints/list/?_oc_ComplaintView=case_number&_od_ComplaintView=desc")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.index(second.case_number) < page.index(first.case_number)
    assert cs_client.get("/complaints/list/?_od_ComplaintView=sideways").status_code == 200
