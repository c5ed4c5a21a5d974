"""Unseen corpus: one-page sites, plain HTML sites with the menu in the footer, `www.` links."""

from __future__ import annotations

from ravensearch.enrichment.corpus_unseen_layouts import site
from ravensearch.enrichment.corpus_unseen_parts import (
    Page,
    UnseenSite,
    agency_text,
    asset,
    attribute,
    bracket,
    business,
    cloudflare,
    flat,
    js_assembled,
    jsonld,
    mailto,
    meta,
    microdata,
    paragraph,
    partner,
    placeholder,
    split,
    text,
    zero_width,
)


def _onepage() -> list[UnseenSite]:
    nav = (("#services", "Services"), ("#about", "About"), ("#contact", "Contact"))
    return [
        site(
            "Corpus Christi Mobile AC",
            "ccmobileac.com",
            "onepage",
            "Corpus Christi",
            "(361) 555-0120",
            {
                "/": Page(
                    "Home",
                    flat(
                        '<section id="services"><h2>Services</h2><p>Mobile AC repair.</p></section>',
                        '<section id="contact"><h2>Contact</h2>',
                        paragraph(
                            "Email ",
                            mailto("ccmobileac@gmail.com", "Send us an email", subject="AC repair"),
                        ),
                        "</section>",
                    ),
                )
            },
            nav=nav,
        ),
        site(
            "Rockport Marine Electric",
            "rockportmarineelectric.com",
            "onepage",
            "Rockport",
            "(361) 555-0139",
            {
                "/": Page(
                    "Home",
                    flat(
                        '<section id="about"><p>Boat and dock electrical.</p></section>',
                        '<section id="contact">',
                        paragraph(
                            attribute("captain@rockportmarineelectric.com", "aria-label"),
                            " (361) 555-0139",
                        ),
                        "</section>",
                    ),
                )
            },
            nav=nav,
        ),
        site(
            "Victoria Plumbing & Gas",
            "victoriaplumbinggas.com",
            "onepage",
            "Victoria",
            "(361) 555-0158",
            {
                "/": Page(
                    "Home",
                    flat(
                        jsonld(
                            "info@victoriaplumbinggas.com",
                            business(
                                "Victoria Plumbing & Gas",
                                "Plumber",
                                "victoriaplumbinggas.com",
                                "(361) 555-0158",
                                "Victoria",
                            ),
                        ),
                        '<section id="contact"><p>Gas line repair and installation.</p></section>',
                    ),
                )
            },
            nav=nav,
        ),
        site(
            "Laredo Cool Air",
            "laredocoolair.com",
            "onepage",
            "Laredo",
            "(956) 555-0112",
            {
                "/": Page(
                    "Home",
                    flat(
                        '<section id="contact"><h2>Contáctenos</h2>',
                        paragraph("Correo: ", zero_width("ventas@laredocoolair.com", "\ufeff")),
                        "</section>",
                    ),
                )
            },
            nav=nav,
        ),
        site(
            "McAllen Solar Screens",
            "mcallensolarscreens.com",
            "onepage",
            "McAllen",
            "(956) 555-0136",
            {
                "/": Page(
                    "Home",
                    (
                        '<section id="contact"><h2>Get a free estimate</h2><p>Call (956) 555-0136.</p>',
                        js_assembled("sales@mcallensolarscreens.com"),
                        "</section>",
                    ),
                )
            },
            nav=nav,
        ),
        site(
            "Brownsville Garage Door",
            "brownsvillegaragedoor.com",
            "onepage",
            "Brownsville",
            "(956) 555-0104",
            {
                "/": Page(
                    "Home",
                    flat(
                        '<section id="contact">',
                        paragraph(cloudflare("info@brownsvillegaragedoor.com", 0x7A)),
                        paragraph(cloudflare("rene@brownsvillegaragedoor.com", 0x13, in_href=True)),
                        "</section>",
                    ),
                )
            },
            nav=nav,
        ),
    ]


def _plain() -> list[UnseenSite]:
    nav = (("/", "Home"), ("/about/", "About"), ("/contact/", "Contact"))
    return [
        site(
            "Nacogdoches Heating & Cooling",
            "nacheatcool.com",
            "plain",
            "Nacogdoches",
            "(936) 555-0147",
            {
                "/": Page("Home", ("<h1>Heating &amp; Cooling</h1><p>Since 1994.</p>",)),
                "/about/": Page("About", ("<p>Owner Tim Hale.</p>",)),
                "/contact/": Page(
                    "Contact", paragraph("Email us at ", text("service@nacheatcool.com"), ".")
                ),
            },
            nav=nav,
            footer=paragraph(text("nacheatcool@yahoo.com")),
        ),
        site(
            "Lufkin Electric Works",
            "lufkinelectric.com",
            "plain",
            "Lufkin",
            "(936) 555-0189",
            {
                "/": Page("Home", ("<h1>Lufkin Electric Works</h1>",)),
                "/about/": Page("About", ("<p>TECL 18811.</p>",)),
                "/contact/": Page(
                    "Contact",
                    flat(
                        paragraph(microdata("office@lufkinelectric.com", as_meta=True), "Call us."),
                        '<div itemscope itemtype="https://schema.org/Electrician">',
                        paragraph(microdata("jobs@lufkinelectric.com")),
                        "</div>",
                    ),
                ),
            },
            nav=nav,
            head=(meta("owner@lufkinelectric.com", "reply-to"),),
        ),
        site(
            "Huntsville Septic & Plumbing",
            "huntsvilleseptic.com",
            "plain",
            "Huntsville",
            "(936) 555-0115",
            {
                "/": Page("Home", ("<h1>Septic and plumbing</h1>",)),
                "/about/": Page("About", ("<p>Since 2002.</p>",)),
                "/contact/": Page(
                    "Contact",
                    paragraph("Write to ", bracket("office@huntsvilleseptic.com", "[at]", ".")),
                ),
                "/jobs/": Page(
                    "Jobs",
                    paragraph("Hiring CDL drivers. Apply: ", text("hiring@huntsvilleseptic.com")),
                ),
            },
            nav=(*nav, ("/jobs/", "Jobs")),
        ),
        site(
            "Bryan Roofing Co",
            "bryanroofing.com",
            "plain",
            "Bryan",
            "(979) 555-0197",
            {
                "/": Page("Home", ("<h1>Bryan Roofing</h1>",)),
                "/about/": Page("About", ("<p>Aggie owned.</p>",)),
                "/contact/": Page(
                    "Contact",
                    flat(
                        paragraph("Email: ", split("roofs@bryanroofing.com", 3)),
                        "<h3>Partners</h3>",
                        partner("Brazos Valley Gutters", "info@bvgutters.com", "Gutters:"),
                    ),
                ),
            },
            nav=nav,
        ),
        site(
            "College Station Handyman",
            "cshandyman.com",
            "plain",
            "College Station",
            "(979) 555-0126",
            {
                "/": Page("Home", ("<h1>No job too small</h1>",)),
                "/about/": Page("About", ("<p>Insured.</p>",)),
                "/contact/": Page("Contact", paragraph("Email ", split("cshandyman@gmail.com", 4))),
            },
            nav=nav,
        ),
        site(
            "Temple Service Area Electric",
            "templeelectricpros.com",
            "plain",
            "Temple",
            "(254) 555-0133",
            {
                "/": Page("Home", ("<h1>Electricians</h1>",)),
                "/about/": Page("About", ("<p>Licensed.</p>",)),
                "/contact/": Page("Contact", ("<p>Use our form.</p>",)),
                "/service-area/": Page(
                    "Service Area",
                    ("<p>Temple, Belton, Killeen, Salado.</p>",),
                    links=(("/service-area/belton/", "Belton"),),
                ),
                "/service-area/belton/": Page(
                    "Belton",
                    paragraph("Belton office: ", mailto("belton@templeelectricpros.com")),
                ),
            },
            nav=(*nav, ("/service-area/", "Service Area")),
        ),
        site(
            "Georgetown Drywall & Paint",
            "georgetowndrywall.com",
            "plain",
            "Georgetown",
            "(512) 555-0153",
            {
                "/": Page("Home", ("<h1>Drywall repair and painting</h1>",)),
                "/about/": Page("About", ("<p>15 years.</p>",)),
                "/contact/": Page(
                    "Contact", ("<p>Call for an estimate.</p>", placeholder("email@yourdomain.com"))
                ),
            },
            nav=nav,
            footer=(
                asset('<img src="/img/badge@3x.png" alt="BBB A+">', "badge@3x.png"),
                asset(
                    '<script src="https://cdn.jsdelivr.net/npm/swiper@11.0.5/swiper-bundle.min.js"></script>',
                    "swiper@11.0.5",
                ),
            ),
        ),
    ]


def onepage_sites() -> list[UnseenSite]:
    return [*_onepage(), *_plain(), *_www()]


def _www() -> list[UnseenSite]:
    """Sites whose links all point at the `www.` host."""
    nav = (("/", "Home"), ("/about-us/", "About Us"), ("/contact-us/", "Contact Us"))
    return [
        site(
            "Bastrop Plumbing & Water Heaters",
            "bastropplumbing.com",
            "plain",
            "Bastrop",
            "(512) 555-0198",
            {
                "/": Page("Home", ("<h1>Water heater experts</h1>",)),
                "/about-us/": Page("About Us", ("<p>Owner Carla Reyes, RMP.</p>",)),
                "/contact-us/": Page(
                    "Contact Us",
                    paragraph("Email Carla: ", mailto("carla.bastropplumbing@gmail.com")),
                ),
                "/partners/": Page(
                    "Partners",
                    flat(
                        partner(
                            "Lost Pines Electric",
                            "service@lostpineselectric.com",
                            "Electrical work:",
                        ),
                        partner(
                            "Colorado River Septic", "office@coloradoriverseptic.com", "Septic:"
                        ),
                    ),
                ),
            },
            nav=(*nav, ("/partners/", "Partners")),
            footer=agency_text("Lost Pines Web Studio", "studio@lostpinesweb.com"),
            links="www",
        ),
        site(
            "Elgin Heating & Air",
            "elginheatingair.com",
            "plain",
            "Elgin",
            "(512) 555-0106",
            {
                "/": Page("Home", ("<h1>Heating and air in Elgin</h1>",)),
                "/about-us/": Page("About Us", ("<p>Since 1997.</p>",)),
                "/contact-us/": Page(
                    "Contact Us",
                    paragraph(
                        "Email ",
                        mailto(
                            "Service@ElginHeatingAir.com",
                            "Service@ElginHeatingAir.com",
                            scheme="MailTo",
                        ),
                    ),
                ),
            },
            nav=nav,
            links="www",
        ),
    ]
