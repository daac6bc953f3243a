"""Company names from what people wrote (followup.domain.company_names)."""

from __future__ import annotations

import pytest

from followup.domain.company_names import (
    company_from_display_name, company_from_signature, company_name, person_from_display_name, signature_block,
)


@pytest.mark.parametrize(("display", "address", "company"), [
    ("Fiona MacLeod | Ember Bakery", "fiona@emberbakery.co.uk", "Ember Bakery"),
    ("Fiona MacLeod - Ember Bakery", "fiona@gmail.com", "Ember Bakery"),
    ("Fiona MacLeod (Ember Bakery)", "fiona@emberbakery.co.uk", "Ember Bakery"),
    ("Quokka Coffee", "hello@quokkacoffee.com", "Quokka Coffee"),
    ("Fiona MacLeod", "fiona@emberbakery.co.uk", ""),
    ("MacLeod, Fiona", "fiona@emberbakery.co.uk", ""),  # "Last, First" is one person
    ("Sales, Acme Corp", "sales@acmecorp.com", "Acme Corp"),
    ("Dana (via LinkedIn)", "dana@gmail.com", ""),
])
def test_the_display_name_names_the_company(display, address, company):
    assert company_from_display_name(display, address) == company


def test_the_person_is_named_without_the_company():
    assert person_from_display_name("Fiona MacLeod | Ember Bakery") == "Fiona MacLeod"
    assert person_from_display_name("Fiona MacLeod (Ember Bakery)") == "Fiona MacLeod"
    assert person_from_display_name("Fiona MacLeod") == "Fiona MacLeod"


def test_the_signature_line_that_spells_the_domain_is_the_company():
    block = signature_block("Thanks, that works.\nFiona",
                            "Fiona MacLeod\nHead baker\nEmber Bakery · 12 Harbour St, Oban\nwww.emberbakery.co.uk")
    assert company_from_signature(block, "fiona@emberbakery.co.uk") == "Ember Bakery"
    # A street or a job title never is: only what matches the domain is taken.
    assert company_from_signature("Fiona\nHead baker\n12 Harbour St", "fiona@emberbakery.co.uk") == ""


def test_best_source_first_and_the_domain_last():
    address = "fiona@emberbakery.co.uk"
    assert company_name(address, organization="Ember Bakery Ltd", display_name="Fiona | Other") == "Ember Bakery Ltd"
    assert company_name(address, display_name="Fiona MacLeod | Ember Bakery") == "Ember Bakery"
    assert company_name(address, signature_text="Fiona\nEmber Bakery") == "Ember Bakery"
    assert company_name(address) == "Emberbakery"  # nothing else said: the domain


@pytest.mark.parametrize("address", ["dana@gmail.com", "bo@yahoo.fr", "kim@outlook.com", "li@icloud.com"])
def test_no_one_works_at_a_free_mail_provider(address):
    assert company_name(address, display_name="Dana Smith") == ""
    assert company_name(address, organization="Dana's Flowers") == "Dana's Flowers"
