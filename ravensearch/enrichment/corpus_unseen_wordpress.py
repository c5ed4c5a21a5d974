"""Unseen corpus: WordPress sites built with Elementor or Divi.

Every site is written out by hand: its pages, its menu, where its addresses sit and how they
are shown. WordPress links are root-relative with a trailing slash, unless the site's
builder wrote them absolute.
"""

from __future__ import annotations

from ravensearch.enrichment.corpus_unseen_layouts import site
from ravensearch.enrichment.corpus_unseen_parts import (
    Page,
    UnseenSite,
    agency_credit,
    bracket,
    business,
    cloudflare,
    css_reversed,
    entity,
    flat,
    js_assembled,
    jsonld,
    mailto,
    paragraph,
    partner,
    placeholder,
    split,
    text,
    zero_width,
)


def _home(name: str, trade: str, city: str) -> str:
    return (
        f"<h1>{city}'s Trusted {trade} Experts</h1><p>{name} has kept homes and businesses in "
        f"{city} running since 2004. Upfront pricing, licensed technicians, and a 100% "
        "satisfaction guarantee.</p><h2>Why choose us?</h2><ul><li>Same-day service</li>"
        "<li>Financing available</li><li>Family owned &amp; operated</li></ul>"
    )


def _form() -> str:
    return (
        '<div class="wpcf7" id="wpcf7-f5-p12-o1"><form action="/contact/#wpcf7-f5-p12-o1" '
        'method="post" class="wpcf7-form init"><p><label>Your name<br><input type="text" '
        'name="your-name" size="40"></label></p><p><label>Phone<br><input type="tel" '
        'name="your-phone"></label></p><p><input type="submit" value="Request Service"></p></form></div>'
    )


WP_NAV = (("/", "Home"), ("/services/", "Services"), ("/about-us/", "About Us"))


def _elementor() -> list[UnseenSite]:
    return [
        site(
            "Lone Star Comfort Air",
            "lonestarcomfortair.com",
            "elementor",
            "Round Rock",
            "(512) 555-0131",
            {
                "/": Page("Home", (_home("Lone Star Comfort Air", "HVAC", "Round Rock"),)),
                "/services/": Page("Services", ("<h2>AC Repair</h2><p>All makes and models.</p>",)),
                "/about-us/": Page("About Us", ("<p>Founded by Ray Ortiz in 2004.</p>",)),
                "/contact-us/": Page(
                    "Contact Us",
                    flat(
                        "<h2>Contact Us</h2>",
                        paragraph("Email: ", mailto("service@lonestarcomfortair.com")),
                        _form(),
                    ),
                ),
            },
            nav=(*WP_NAV, ("/contact-us/", "Contact Us")),
            footer=flat(
                paragraph("Lone Star Comfort Air &middot; TACLA12345C"),
                agency_credit(
                    "Hill Country Web Design",
                    "hello@hillcountrywebdesign.com",
                    "https://hillcountrywebdesign.com",
                ),
            ),
        ),
        site(
            "Pecan Valley Plumbing",
            "pecanvalleyplumbing.com",
            "elementor",
            "Georgetown",
            "(512) 555-0177",
            {
                "/": Page("Home", (_home("Pecan Valley Plumbing", "Plumbing", "Georgetown"),)),
                "/services/": Page("Services", ("<p>Water heaters, slab leaks, repipes.</p>",)),
                "/about-us/": Page("About Us", ("<p>Master plumber M-40123.</p>",)),
                "/get-a-quote": Page(
                    "Get a Quote",
                    flat(
                        "<h2>Request a free estimate</h2>",
                        paragraph(
                            "Prefer email? Write to ",
                            split("estimates@pecanvalleyplumbing.com", 0),
                            " and include photos.",
                        ),
                        placeholder("you@example.com"),
                    ),
                ),
            },
            nav=(*WP_NAV, ("/get-a-quote", "Get a Quote")),
            footer=paragraph("&copy; 2024 Pecan Valley Plumbing LLC. All rights reserved."),
        ),
        site(
            "Brazos Electric Co",
            "brazoselectricco.com",
            "elementor",
            "Waco",
            "(254) 555-0102",
            {
                "/": Page("Home", (_home("Brazos Electric Co", "Electrical", "Waco"),)),
                "/services/": Page(
                    "Services", ("<p>Panel upgrades, generators, EV chargers.</p>",)
                ),
                "/about-us/": Page(
                    "About Us",
                    ("<p>Meet the crew that keeps Waco powered.</p>",),
                    links=(("/about-us/our-team/", "Meet our team"),),
                ),
                "/about-us/our-team/": Page(
                    "Our Team",
                    flat(
                        "<h3>Dale Brooks, Master Electrician</h3>",
                        paragraph("Reach Dale directly: ", mailto("dale@brazoselectricco.com")),
                    ),
                ),
                "/contact/": Page(
                    "Contact",
                    paragraph(
                        "Office: ",
                        text("office@brazoselectricco.com"),
                        " &middot; Mon&ndash;Fri 8&ndash;5",
                    ),
                ),
            },
            nav=(*WP_NAV, ("/contact/", "Contact")),
        ),
        site(
            "Cedar Park Roofing & Gutters",
            "cedarparkroofing.net",
            "elementor",
            "Cedar Park",
            "(512) 555-0199",
            {
                "/": Page("Home", (_home("Cedar Park Roofing", "Roofing", "Cedar Park"),)),
                "/services/": Page("Services", ("<p>Hail damage, insurance claims, gutters.</p>",)),
                "/about-us/": Page("About Us", ("<p>GAF certified.</p>",)),
                "/careers/": Page(
                    "Careers",
                    flat(
                        "<h2>Now hiring roofers and sales reps</h2>",
                        paragraph("Send your resume to ", text("jobs@cedarparkroofing.net"), "."),
                    ),
                ),
                "/contact/": Page(
                    "Contact", paragraph("Call ", "(512) 555-0199", " or use the form.", _form())
                ),
            },
            nav=(*WP_NAV, ("/careers/", "Careers"), ("/contact/", "Contact")),
            footer=paragraph(
                "Cedar Park Roofing &amp; Gutters &middot; ",
                zero_width("info@cedarparkroofing.net", "\u200b"),
            ),
        ),
        site(
            "Hays County Septic & Drain",
            "hayscountyseptic.com",
            "elementor",
            "San Marcos",
            "(512) 555-0145",
            {
                "/": Page(
                    "Home",
                    flat(
                        _home("Hays County Septic &amp; Drain", "Septic", "San Marcos"),
                        jsonld(
                            "office@hayscountyseptic.com",
                            business(
                                "Hays County Septic & Drain",
                                "Plumber",
                                "hayscountyseptic.com",
                                "(512) 555-0145",
                                "San Marcos",
                            ),
                        ),
                    ),
                ),
                "/services/": Page("Services", ("<p>Pumping, aerobic systems, inspections.</p>",)),
                "/about-us/": Page("About Us", ("<p>Licensed OSSF installer.</p>",)),
            },
            nav=WP_NAV,
        ),
        site(
            "Bluebonnet Heating & Air",
            "bluebonnetheatingair.com",
            "elementor",
            "Temple",
            "(254) 555-0188",
            {
                "/": Page("Home", (_home("Bluebonnet Heating &amp; Air", "HVAC", "Temple"),)),
                "/services/": Page(
                    "Services", ("<p>Heat pumps, ductless, maintenance plans.</p>",)
                ),
                "/about-us/": Page("About Us", ("<p>NATE certified technicians.</p>",)),
                "/contact-us/": Page(
                    "Contact Us",
                    flat(
                        paragraph(
                            "Email us: ", entity("contact@bluebonnetheatingair.com", "&commat;")
                        ),
                        paragraph(
                            "Billing questions: ",
                            mailto("billing@bluebonnetheatingair.com", "Billing department"),
                        ),
                    ),
                ),
            },
            nav=(*WP_NAV, ("/contact-us/", "Contact Us")),
            footer=agency_credit(
                "Rank Local Pros", "support@ranklocalpros.com", "https://ranklocalpros.com"
            ),
        ),
        site(
            "Guadalupe Garage Doors",
            "guadalupegaragedoors.com",
            "elementor",
            "New Braunfels",
            "(830) 555-0110",
            {
                "/": Page(
                    "Home", (_home("Guadalupe Garage Doors", "Garage Door", "New Braunfels"),)
                ),
                "/services/": Page("Services", ("<p>Springs, openers, new doors.</p>",)),
                "/about-us/": Page("About Us", ("<p>Veteran owned.</p>",)),
                "/contact-us/": Page(
                    "Contact Us",
                    ("<h2>Call or text us 24/7</h2>", _form(), placeholder("name@domain.com")),
                ),
            },
            nav=(*WP_NAV, ("/contact-us/", "Contact Us")),
            footer=paragraph("&copy; 2024 Guadalupe Garage Doors"),
        ),
        site(
            "Kyle Plumbing Co",
            "kyleplumbingco.com",
            "elementor",
            "Kyle",
            "(512) 555-0129",
            {
                "/": Page(
                    "Home",
                    flat(
                        _home("Kyle Plumbing Co", "Plumbing", "Kyle"),
                        jsonld(
                            "service@kyleplumbingco.com",
                            business(
                                "Kyle Plumbing Co",
                                "Plumber",
                                "kyleplumbingco.com",
                                "(512) 555-0129",
                                "Kyle",
                            ),
                            nested=True,
                            graph=True,
                        ),
                    ),
                ),
                "/services/": Page("Services", ("<p>Gas leaks, sewer camera.</p>",)),
                "/about-us/": Page("About Us", ("<p>RMP 40991.</p>",)),
                "/join-our-team/": Page(
                    "Join Our Team",
                    paragraph(
                        "Apprentices welcome. Email ", entity("hr@kyleplumbingco.com", "&#64;")
                    ),
                ),
                "/contact-us/": Page(
                    "Contact Us",
                    paragraph(
                        mailto("office@kyleplumbingco.com", "Email the office", encoded=True)
                    ),
                ),
            },
            nav=(*WP_NAV, ("/join-our-team/", "Join Our Team"), ("/contact-us/", "Contact Us")),
            links="absolute",
        ),
    ]


def _divi() -> list[UnseenSite]:
    return [
        site(
            "Mesquite Mechanical",
            "mesquitemechanical.com",
            "divi",
            "Mesquite",
            "(972) 555-0121",
            {
                "/": Page("Home", (_home("Mesquite Mechanical", "HVAC", "Mesquite"),)),
                "/services/": Page("Services", ("<p>Commercial rooftop units.</p>",)),
                "/about-us/": Page("About Us", ("<p>Since 1991.</p>",)),
                "/contact/": Page(
                    "Contact",
                    paragraph(
                        "Service requests: ",
                        mailto(
                            "dispatch@mesquitemechanical.com",
                            "Email dispatch",
                            subject="Service Request",
                        ),
                    ),
                ),
            },
            nav=(*WP_NAV, ("/contact/", "Contact")),
            footer=flat(
                paragraph("Mesquite Mechanical, TACLA00123E"),
                paragraph(css_reversed("owner@mesquitemechanical.com")),
            ),
        ),
        site(
            "Trinity River Plumbing",
            "trinityriverplumbing.com",
            "divi",
            "Fort Worth",
            "(817) 555-0166",
            {
                "/": Page("Home", (_home("Trinity River Plumbing", "Plumbing", "Fort Worth"),)),
                "/services/": Page("Services", ("<p>Drain cleaning and hydro jetting.</p>",)),
                "/about-us/": Page("About Us", ("<p>Three generations of plumbers.</p>",)),
                "/contact-us/": Page(
                    "Contact Us",
                    paragraph("Email: ", bracket("info@trinityriverplumbing.com")),
                ),
                "/partners/": Page(
                    "Partners",
                    flat(
                        "<h2>Our trusted partners</h2>",
                        partner(
                            "Cowtown Supply House",
                            "orders@cowtownsupply.com",
                            "Fixtures and parts:",
                        ),
                        partner(
                            "North Texas Water Heater Rebates",
                            "rebates@ntxwaterheater.org",
                            "Rebate questions:",
                        ),
                    ),
                ),
            },
            nav=(*WP_NAV, ("/partners/", "Partners"), ("/contact-us/", "Contact Us")),
        ),
        site(
            "Arlington Spark Electric",
            "arlingtonspark.com",
            "divi",
            "Arlington",
            "(817) 555-0145",
            {
                "/": Page("Home", (_home("Arlington Spark Electric", "Electrical", "Arlington"),)),
                "/services/": Page("Services", ("<p>Lighting and rewiring.</p>",)),
                "/about-us/": Page("About Us", ("<p>TECL 31234.</p>",)),
                "/permits/": Page(
                    "Permits",
                    paragraph(
                        "We pull every city permit. Permit copies: ",
                        text("permits@arlingtonspark.com"),
                    ),
                ),
            },
            nav=(*WP_NAV, ("/permits/", "Permits")),
            footer=paragraph(mailto("hello@arlingtonspark.com", attrs=' class="footer-mail"')),
        ),
        site(
            "Denton Roof Pros",
            "dentonroofpros.com",
            "divi",
            "Denton",
            "(940) 555-0190",
            {
                "/": Page("Home", (_home("Denton Roof Pros", "Roofing", "Denton"),)),
                "/services/": Page("Services", ("<p>Metal roofs and shingles.</p>",)),
                "/about-us/": Page("About Us", ("<p>Insured for $2M.</p>",)),
                "/warranty/": Page(
                    "Warranty",
                    paragraph(
                        "File a warranty claim at ",
                        zero_width("warranty@dentonroofpros.com", "&shy;"),
                        " with your invoice number.",
                    ),
                ),
                "/contact/": Page(
                    "Contact", paragraph("Email ", mailto("office@dentonroofpros.com"))
                ),
            },
            nav=(*WP_NAV, ("/warranty/", "Warranty"), ("/contact/", "Contact")),
            footer=agency_credit(
                "Roofer Marketing Co", "team@roofermarketing.co", "https://roofermarketing.co"
            ),
        ),
        site(
            "McKinney Appliance & AC",
            "mckinneyapplianceac.com",
            "divi",
            "McKinney",
            "(469) 555-0101",
            {
                "/": Page("Home", (_home("McKinney Appliance &amp; AC", "Appliance", "McKinney"),)),
                "/services/": Page("Services", ("<p>Refrigerators, washers, AC.</p>",)),
                "/about-us/": Page("About Us", ("<p>Owner: Phil.</p>",)),
                "/contact/": Page(
                    "Contact", (js_assembled("phil@mckinneyapplianceac.com"), "<p>Or call us.</p>")
                ),
            },
            nav=(*WP_NAV, ("/contact/", "Contact")),
        ),
        site(
            "Lockhart Electric & Generator",
            "lockhartelectric.com",
            "divi",
            "Lockhart",
            "(512) 555-0140",
            {
                "/": Page("Home", (_home("Lockhart Electric", "Electrical", "Lockhart"),)),
                "/services/": Page("Services", ("<p>Generac dealer.</p>",)),
                "/about-us/": Page(
                    "About Us",
                    ("<p>Every install is covered.</p>",),
                    links=(("/about-us/warranty/", "Our warranty"),),
                ),
                "/about-us/warranty/": Page(
                    "Warranty",
                    paragraph("Warranty service: ", text("warranty@lockhartelectric.com")),
                ),
                "/contact-us/": Page(
                    "Contact Us",
                    paragraph("Email ", cloudflare("sparky@lockhartelectric.com", 0x5C)),
                ),
            },
            nav=(*WP_NAV, ("/contact-us/?utm_source=menu", "Contact Us")),
            footer=paragraph(mailto("lockhartelectric@gmail.com", "Email us", encoded=True)),
        ),
    ]


def wordpress_sites() -> list[UnseenSite]:
    return [*_elementor(), *_divi()]
