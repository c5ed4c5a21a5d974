"""Unseen corpus: hand-written Bootstrap sites and 2000s table layouts.

Hand-written sites link every way there is: relative `contact.html`, `../`, upper-case
`Contact.htm`, query strings, absolute links.
"""

from __future__ import annotations

from ravensearch.enrichment.corpus_unseen_layouts import site
from ravensearch.enrichment.corpus_unseen_parts import (
    Page,
    Shown,
    UnseenSite,
    agency_text,
    bracket,
    business,
    cloudflare,
    decoy,
    entity,
    flat,
    form_action,
    hidden_input,
    jsonld,
    mailto,
    paragraph,
    placeholder,
    split,
    text,
    words,
    zero_width,
)

_SENTRY = (
    '<script src="https://browser.sentry-cdn.com/7.99.0/bundle.min.js" crossorigin="anonymous">'
    '</script><script>Sentry.init({dsn:"https://{key}@o450123.ingest.sentry.io/5512345"});</script>'
)


def _hero(text_: str) -> str:
    return (
        f'<div class="p-5 mb-4 bg-light rounded-3"><h1 class="display-5 fw-bold">{text_}</h1>'
        '<p class="col-md-8 fs-4">Licensed, insured and on time. Call now for a free quote.</p></div>'
    )


def _bootstrap() -> list[UnseenSite]:
    nav = (("/", "Home"), ("/services.html", "Services"), ("/about.html", "About"))
    return [
        site(
            "Katy Air Conditioning & Heating",
            "katyac.com",
            "bootstrap",
            "Katy",
            "(281) 555-0132",
            {
                "/": Page("Home", (_hero("Katy's AC repair team"),)),
                "/services.html": Page("Services", ("<p>Repair, install, maintenance.</p>",)),
                "/about.html": Page("About", ("<p>Serving Fort Bend County.</p>",)),
                "/contact.html": Page(
                    "Contact",
                    flat(
                        paragraph(
                            "Email: ",
                            mailto("service@katyac.com", subject="Quote request", scheme="mailto"),
                        ),
                        paragraph(entity("katyac.office@gmail.com", "&#64;")),
                    ),
                ),
            },
            nav=(*nav, ("/contact.html", "Contact")),
            links="relative",
        ),
        site(
            "Sugar Land Plumbing Pros",
            "sugarlandplumbingpros.com",
            "bootstrap",
            "Sugar Land",
            "(281) 555-0154",
            {
                "/": Page("Home", (_hero("Plumbing repairs in Sugar Land"),)),
                "/services.html": Page("Services", ("<p>Leak detection.</p>",)),
                "/about.html": Page("About", ("<p>RMP 41234.</p>",)),
                "/reach-us.html": Page(
                    "Reach Us",
                    paragraph("Send us a note: ", split("team@sugarlandplumbingpros.com", 1)),
                ),
            },
            nav=(*nav, ("/reach-us.html", "Reach Us")),
            footer=agency_text("Bayou City Web", "hi@bayoucityweb.com"),
        ),
        site(
            "Pearland Electric Service",
            "pearlandelectric.net",
            "bootstrap",
            "Pearland",
            "(281) 555-0176",
            {
                "/": Page("Home", (_hero("Residential electricians"),)),
                "/services.html": Page(
                    "Services",
                    ("<p>See each service:</p>",),
                    links=(("/services/generators.html", "Standby generators"),),
                ),
                "/services/generators.html": Page(
                    "Generators",
                    paragraph(
                        "Generator maintenance plans: ", mailto("generators@pearlandelectric.net")
                    ),
                ),
                "/about.html": Page("About", ("<p>Since 2010.</p>",)),
            },
            nav=nav,
            footer=paragraph(
                mailto("INFO@PearlandElectric.net", "Info@PearlandElectric.net", scheme="MAILTO")
            ),
            links="relative",
        ),
        site(
            "Baytown Roofing & Siding",
            "baytownroofing.com",
            "bootstrap",
            "Baytown",
            "(281) 555-0193",
            {
                "/": Page("Home", (_hero("Roofs that survive the Gulf"),)),
                "/services.html": Page("Services", ("<p>Hurricane straps.</p>",)),
                "/about.html": Page("About", ("<p>Windstorm certified.</p>",)),
                "/Contact-Us.html": Page(
                    "Contact Us",
                    flat(
                        paragraph("Email: ", zero_width("estimates@baytownroofing.com", "\u200c")),
                        '<script src="https://unpkg.com/lottie-web@5.12.2/build/player/lottie.min.js"></script>',
                    ),
                ),
            },
            nav=(*nav, ("/Contact-Us.html", "Contact Us")),
        ),
        site(
            "Conroe Pool Builders",
            "conroepools.com",
            "bootstrap",
            "Conroe",
            "(936) 555-0114",
            {
                "/": Page(
                    "Home",
                    flat(
                        _hero("Custom pools on Lake Conroe"),
                        jsonld(
                            "sales@conroepools.com",
                            business(
                                "Conroe Pool Builders",
                                "HomeAndConstructionBusiness",
                                "conroepools.com",
                                "(936) 555-0114",
                                "Conroe",
                            ),
                            nested=True,
                        ),
                    ),
                ),
                "/services.html": Page("Services", ("<p>Gunite pools.</p>",)),
                "/about.html": Page("About", ("<p>300+ pools built.</p>",)),
            },
            nav=nav,
            links="www",
        ),
        site(
            "Spring Branch Appliance Repair",
            "springbranchappliance.com",
            "bootstrap",
            "Houston",
            "(713) 555-0150",
            {
                "/": Page("Home", (_hero("Same-day appliance repair"),)),
                "/services.html": Page("Services", ("<p>All brands.</p>",)),
                "/about.html": Page("About", ("<p>Factory trained.</p>",)),
                "/contact.html": Page(
                    "Contact",
                    flat(
                        '<div class="card"><div class="card-body">',
                        form_action("repairs@springbranchappliance.com"),
                        "</div></div>",
                        _sentry_part("8f14e45fceea167a5a36dedd4bea2543"),
                    ),
                ),
            },
            nav=(*nav, ("/contact.html?ref=nav", "Contact")),
        ),
        site(
            "Humble HVAC Service",
            "humblehvac.com",
            "bootstrap",
            "Humble",
            "(281) 555-0128",
            {
                "/": Page("Home", (_hero("AC down? We're up."),)),
                "/services.html": Page("Services", ("<p>Heat pumps.</p>",)),
                "/about.html": Page("About", ("<p>Owner-operated.</p>",)),
                "/schedule.html": Page(
                    "Schedule Service",
                    paragraph(
                        "To reschedule an appointment email ",
                        cloudflare("scheduling@humblehvac.com", 0x21, in_href=True),
                    ),
                ),
            },
            nav=(*nav, ("/schedule.html", "Schedule")),
        ),
        site(
            "Tomball Tree & Stump",
            "tomballtree.com",
            "bootstrap",
            "Tomball",
            "(281) 555-0163",
            {
                "/": Page("Home", (_hero("Tree trimming and removal"),)),
                "/services.html": Page("Services", ("<p>Stump grinding.</p>",)),
                "/about.html": Page("About", ("<p>ISA certified arborist.</p>",)),
                "/contact.html": Page(
                    "Contact", ("<p>Call or text for a quote.</p>", placeholder("name@domain.com"))
                ),
            },
            nav=(*nav, ("/contact.html", "Contact")),
        ),
        site(
            "Seguin Air Conditioning",
            "seguinac.com",
            "bootstrap",
            "Seguin",
            "(830) 555-0171",
            {
                "/": Page(
                    "Home",
                    flat(
                        _hero("Seguin's AC and heating company"),
                        jsonld(
                            "office@seguinac.com",
                            business(
                                "Seguin Air Conditioning",
                                "HVACBusiness",
                                "seguinac.com",
                                "(830) 555-0171",
                                "Seguin",
                            ),
                            nested=True,
                        ),
                    ),
                ),
                "/services.html": Page(
                    "Services",
                    ("<p>Pick a service:</p>",),
                    links=(("/services/duct-cleaning.html", "Duct cleaning"),),
                ),
                "/services/duct-cleaning.html": Page(
                    "Duct Cleaning",
                    paragraph("Book a duct cleaning: ", text("ducts@seguinac.com")),
                ),
                "/about.html": Page("About", ("<p>TACLA 88120.</p>",)),
                "/contact.html": Page("Contact", paragraph("Email: ", words("seguinac@gmail.com"))),
            },
            nav=(*nav, ("/contact.html", "Contact")),
        ),
    ]


def _sentry_part(key: str) -> Shown:
    return decoy(_SENTRY.replace("{key}", key), f"{key}@o450123.ingest.sentry.io")


def _table() -> list[UnseenSite]:
    nav = (("/", "Home"), ("/services.htm", "Services"), ("/about.htm", "About Us"))
    return [
        site(
            "Abilene Air & Heat",
            "abileneairheat.com",
            "table",
            "Abilene",
            "(325) 555-0146",
            {
                "/": Page("Home", ("<p>Serving the Big Country since 1979.</p>",)),
                "/services.htm": Page("Services", ("<p>Carrier dealer.</p>",)),
                "/about.htm": Page("About Us", ("<p>Three generations.</p>",)),
                "/contact.htm": Page(
                    "Contact",
                    flat(
                        "<p>Fill in the form below and press Submit.</p>",
                        hidden_input("abileneair@swbell.net"),
                    ),
                ),
            },
            nav=(*nav, ("/contact.htm", "Contact")),
            links="relative",
        ),
        site(
            "San Angelo Plumbing Co",
            "sanangeloplumbing.com",
            "table",
            "San Angelo",
            "(325) 555-0117",
            {
                "/": Page("Home", ("<p>Plumbing since 1962.</p>",)),
                "/services.htm": Page("Services", ("<p>Repairs.</p>",)),
                "/about.htm": Page("About Us", ("<p>Family business.</p>",)),
                "/Contact.htm": Page(
                    "Contact",
                    paragraph("E-mail: ", mailto("sapc@wcc.net")),
                ),
            },
            nav=(*nav, ("/Contact.htm", "Contact")),
            links="relative",
        ),
        site(
            "Midland Oilfield Electric",
            "midlandoilfieldelectric.com",
            "table",
            "Midland",
            "(432) 555-0125",
            {
                "/": Page("Home", ("<p>Industrial and residential electric.</p>",)),
                "/services.htm": Page("Services", ("<p>Pump jacks.</p>",)),
                "/about.htm": Page("About Us", ("<p>TECL 10021.</p>",)),
            },
            nav=nav,
            footer=flat("<br>", words("office@midlandoilfieldelectric.com", "AT", "DOT")),
            links="relative",
        ),
        site(
            "Lubbock Roofing & Sheet Metal",
            "lubbockroofing.com",
            "table",
            "Lubbock",
            "(806) 555-0180",
            {
                "/": Page("Home", ("<p>Hail roofs, commercial sheet metal.</p>",)),
                "/services.htm": Page("Services", ("<p>TPO, metal.</p>",)),
                "/about.htm": Page("About Us", ("<p>Since 1970.</p>",)),
                "/contact.htm": Page(
                    "Contact",
                    flat(
                        "<p>Email us at:<br>",
                        bracket("lubbockroofing@suddenlink.net", "{at}", "{dot}"),
                        "</p>",
                    ),
                ),
            },
            nav=(*nav, ("/contact.htm", "Contact")),
        ),
        site(
            "Odessa Well Service",
            "odessawellservice.com",
            "table",
            "Odessa",
            "(432) 555-0142",
            {
                "/": Page("Home", ("<p>Water wells drilled and serviced.</p>",)),
                "/services.htm": Page("Services", ("<p>Submersible pumps.</p>",)),
                "/about.htm": Page("About Us", ("<p>Licensed driller.</p>",)),
            },
            nav=nav,
            footer=flat("<br>Phone (432) 555-0142"),
            links="relative",
        ),
        site(
            "Amarillo Heating Co",
            "amarilloheating.com",
            "table",
            "Amarillo",
            "(806) 555-0161",
            {
                "/": Page("Home", ("<p>Furnaces and boilers.</p>",)),
                "/services.htm": Page("Services", ("<p>Boiler repair.</p>",)),
                "/about.htm": Page(
                    "About Us",
                    ("<p>Our staff:</p>",),
                    links=(("/staff/billing.htm", "Billing office"),),
                ),
                "/staff/billing.htm": Page(
                    "Billing",
                    paragraph("Billing office: ", entity("billing@amarilloheating.com", "&#46;")),
                ),
            },
            nav=nav,
            footer=flat(
                "<br>",
                mailto(
                    "amarilloheating@amaonline.com",
                    "amarilloheating@amaonline.com",
                    scheme="Mailto",
                ),
            ),
            links="relative",
        ),
        site(
            "Wichita Falls Pest Control",
            "wfpestcontrol.com",
            "table",
            "Wichita Falls",
            "(940) 555-0107",
            {
                "/": Page("Home", ("<p>Termites, roaches, rodents.</p>",)),
                "/services.htm": Page("Services", ("<p>Termite treatment.</p>",)),
                "/about.htm": Page("About Us", ("<p>TPCL 0123.</p>",)),
                "/contact.htm": Page(
                    "Contact",
                    flat("<p>Email:</p>", form_action("wfpest@gmail.com")),
                ),
            },
            nav=(*nav, ("/contact.htm", "Contact")),
        ),
        site(
            "Tyler Electric & Lighting",
            "tylerelectric.net",
            "table",
            "Tyler",
            "(903) 555-0184",
            {
                "/": Page("Home", ("<p>East Texas electricians.</p>",)),
                "/services.htm": Page("Services", ("<p>Landscape lighting.</p>",)),
                "/about.htm": Page("About Us", ("<p>Since 1988.</p>",)),
                "/contact.htm": Page(
                    "Contact",
                    flat(
                        "<p>",
                        hidden_input("tylerelectric@suddenlink.net"),
                        "</p>",
                        "<p>Or e-mail ",
                        mailto("jim@tylerelectric.net"),
                        "</p>",
                    ),
                ),
            },
            nav=(*nav, ("/contact.htm", "Contact")),
            links="relative",
        ),
    ]


def handmade_sites() -> list[UnseenSite]:
    return [*_bootstrap(), *_table()]
