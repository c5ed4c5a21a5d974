"""Unseen corpus: sites made with Wix, Squarespace and GoDaddy's website builder.

Builders write links their own way (Wix: absolute; Squarespace and GoDaddy: root-relative,
no trailing slash), and that is kept.
"""

from __future__ import annotations

from ravensearch.enrichment.corpus_unseen_layouts import site
from ravensearch.enrichment.corpus_unseen_parts import (
    Page,
    UnseenSite,
    attribute,
    bracket,
    cloudflare,
    decoy,
    entity,
    flat,
    mailto,
    meta,
    microdata,
    paragraph,
    placeholder,
    split,
    text,
    words,
    zero_width,
)


def _wix() -> list[UnseenSite]:
    absolute = (("/", "Home"), ("/services", "Services"), ("/about", "About"))
    p8 = '<p class="font_8 wixui-rich-text__text" style="font-size:17px;"><span class="wixui-rich-text__text">'
    end = "</span></p>"
    return [
        site(
            "Hill Country Handyman",
            "hillcountryhandyman.com",
            "wix",
            "Kerrville",
            "(830) 555-0187",
            {
                "/": Page("Home", (f"{p8}Small jobs done right in Kerrville.{end}",)),
                "/services": Page("Services", (f"{p8}Drywall, doors, fences.{end}",)),
                "/about": Page("About", (f"{p8}I'm Mike, a retired firefighter.{end}",)),
                "/contact": Page(
                    "Contact",
                    flat(
                        p8,
                        "Email: ",
                        mailto(
                            "hillcountryhandyman@gmail.com",
                            attrs=' data-auto-recognition="true" data-type="mail"',
                        ),
                        end,
                    ),
                ),
            },
            nav=(*absolute, ("/contact", "Contact")),
            links="absolute",
        ),
        site(
            "Llano Well & Pump",
            "llanowellpump.com",
            "wix",
            "Llano",
            "(325) 555-0134",
            {
                "/": Page("Home", (f"{p8}Well drilling and pump repair.{end}",)),
                "/services": Page("Services", (f"{p8}Pressure tanks.{end}",)),
                "/about": Page("About", (f"{p8}Since 1978.{end}",)),
                "/contact-us": Page(
                    "Contact Us",
                    flat(p8, "Email ", split("llanowellpump@yahoo.com", 2), end),
                ),
            },
            nav=(*absolute, ("/contact-us", "Contact Us")),
            links="absolute",
        ),
        site(
            "Fredericksburg Electric",
            "fbgelectric.com",
            "wix",
            "Fredericksburg",
            "(830) 555-0165",
            {
                "/": Page("Home", (f"{p8}Residential and winery electrical.{end}",)),
                "/services": Page("Services", (f"{p8}Service upgrades.{end}",)),
                "/about": Page("About", (f"{p8}Licensed TECL 22011.{end}",)),
            },
            nav=absolute,
            footer=flat(p8, zero_width("office@fbgelectric.com", "\u200d"), end),
            links="absolute",
        ),
        site(
            "Boerne Pool & Spa Service",
            "boernepoolspa.com",
            "wix",
            "Boerne",
            "(830) 555-0149",
            {
                "/": Page("Home", (f"{p8}Weekly pool service.{end}",)),
                "/services": Page("Services", (f"{p8}Green-to-clean.{end}",)),
                "/about": Page("About", (f"{p8}Locally owned.{end}",)),
                "/book-online": Page(
                    "Book Online",
                    flat(
                        p8,
                        "Questions about scheduling? ",
                        mailto("schedule@boernepoolspa.com", "schedule@BoernePoolSpa.com"),
                        end,
                    ),
                ),
            },
            nav=(*absolute, ("/book-online", "Book Online")),
            links="absolute",
        ),
        site(
            "Marble Falls Plumbing",
            "marblefallsplumbing.com",
            "wix",
            "Marble Falls",
            "(830) 555-0111",
            {
                "/": Page("Home", (f"{p8}24/7 emergency plumbing.{end}",)),
                "/services": Page("Services", (f"{p8}Water softeners.{end}",)),
                "/about": Page("About", (f"{p8}M-38812.{end}",)),
                "/contact": Page(
                    "Contact", (f"{p8}Fill out the form and we'll call you back.{end}",)
                ),
            },
            nav=(*absolute, ("/contact", "Contact")),
            links="absolute",
        ),
        site(
            "Burnet Roofing Co",
            "burnetroofing.com",
            "wix",
            "Burnet",
            "(512) 555-0156",
            {
                "/": Page("Home", (f"{p8}Storm damage specialists.{end}",)),
                "/services": Page("Services", (f"{p8}Free inspections.{end}",)),
                "/about": Page("About", (f"{p8}Family run.{end}",)),
                "/contact": Page(
                    "Contact",
                    flat(p8, "Email: ", words("burnetroofing@outlook.com"), end),
                ),
            },
            nav=(*absolute, ("/contact", "Contact")),
            links="absolute",
        ),
        site(
            "Dripping Springs HVAC",
            "drippingspringshvac.com",
            "wix",
            "Dripping Springs",
            "(512) 555-0123",
            {
                "/": Page("Home", (f"{p8}Keeping the Hill Country cool.{end}",)),
                "/services": Page("Services", (f"{p8}Mini-splits.{end}",)),
                "/about": Page(
                    "About",
                    (f"{p8}Meet our techs.{end}",),
                    links=(("/careers", "Join our team"),),
                ),
                "/careers": Page(
                    "Careers",
                    flat(p8, "Apply: ", mailto("careers@drippingspringshvac.com"), end),
                ),
            },
            nav=absolute,
            footer=flat(p8, mailto("service@drippingspringshvac.com"), end),
            links="absolute",
        ),
    ]


def _squarespace() -> list[UnseenSite]:
    nav = (("/", "Home"), ("/services", "Services"), ("/about", "About"))
    return [
        site(
            "Eastside Electric ATX",
            "eastsideelectricatx.com",
            "squarespace",
            "Austin",
            "(512) 555-0183",
            {
                "/": Page(
                    "Home",
                    (
                        "<h1>Electricians for old Austin houses</h1><p>Knob-and-tube replacement.</p>",
                    ),
                ),
                "/services": Page("Services", ("<p>Panel swaps.</p>",)),
                "/about": Page("About", ("<p>We love bungalows.</p>",)),
                "/contact": Page(
                    "Contact",
                    flat(
                        paragraph("Say hi: ", mailto("hello@eastsideelectricatx.com")),
                        paragraph(
                            "Invoices and payments: ",
                            mailto("ap@eastsideelectricatx.com", scheme="MAILTO"),
                        ),
                    ),
                ),
            },
            nav=(*nav, ("/contact", "Contact")),
        ),
        site(
            "Zilker Plumbing Collective",
            "zilkerplumbing.co",
            "squarespace",
            "Austin",
            "(512) 555-0172",
            {
                "/": Page("Home", ("<h1>Plumbing, done kindly.</h1>",)),
                "/services": Page("Services", ("<p>Tankless water heaters.</p>",)),
                "/about": Page("About", ("<p>A worker-owned plumbing co-op.</p>",)),
                "/contact-us": Page(
                    "Contact Us",
                    paragraph("Email ", entity("crew@zilkerplumbing.co", "&#x40;")),
                ),
            },
            nav=(*nav, ("/contact-us", "Contact Us")),
            footer=paragraph(
                "Website by ", '<a href="https://www.squarespace.com">Squarespace</a>'
            ),
        ),
        site(
            "Barton Creek Landscape & Irrigation",
            "bartoncreeklandscape.com",
            "squarespace",
            "Austin",
            "(512) 555-0116",
            {
                "/": Page("Home", ("<h1>Irrigation repair and design</h1>",)),
                "/services": Page("Services", ("<p>Drip systems.</p>",)),
                "/about": Page("About", ("<p>Licensed irrigator LI0012345.</p>",)),
                "/contact": Page(
                    "Contact",
                    flat(
                        paragraph("Email ", cloudflare("info@bartoncreeklandscape.com", 0x4F)),
                        "<p>Or call.</p>",
                    ),
                ),
            },
            nav=(*nav, ("/contact", "Contact")),
        ),
        site(
            "South Congress Locksmith",
            "socolocksmith.com",
            "squarespace",
            "Austin",
            "(512) 555-0138",
            {
                "/": Page("Home", ("<h1>Locked out? 20 minutes or less.</h1>",)),
                "/services": Page("Services", ("<p>Rekeys, safes, car keys.</p>",)),
                "/about": Page("About", ("<p>Bonded and insured.</p>",)),
            },
            nav=nav,
            footer=flat(
                paragraph(mailto("dispatch@socolocksmith.com", "Email dispatch", encoded=True)),
                paragraph(
                    decoy(
                        '<span class="note">Newsletter: enter email@yourdomain.com below</span>',
                        "email@yourdomain.com",
                    )
                ),
            ),
        ),
        site(
            "Pflugerville Pest & Termite",
            "pflugervillepest.com",
            "squarespace",
            "Pflugerville",
            "(512) 555-0159",
            {
                "/": Page("Home", ("<h1>Pest control that lasts</h1>",)),
                "/services": Page("Services", ("<p>Termite bonds.</p>",)),
                "/about": Page(
                    "About",
                    ("<p>Owned by the Nguyen family.</p>",),
                    links=(("/about/our-people", "Our people"),),
                ),
                "/about/our-people": Page(
                    "Our People",
                    flat(
                        "<h3>Linh Nguyen, Office Manager</h3>",
                        paragraph(text("linh@pflugervillepest.com")),
                    ),
                ),
            },
            nav=nav,
        ),
        site(
            "Leander Solar & Electric",
            "leandersolar.com",
            "squarespace",
            "Leander",
            "(512) 555-0168",
            {
                "/": Page(
                    "Home",
                    (
                        "<h1>Solar installs, done once, done right</h1>",
                        attribute("info@leandersolar.com", "alt"),
                    ),
                ),
                "/services": Page("Services", ("<p>Battery backup.</p>",)),
                "/about": Page("About", ("<p>NABCEP certified.</p>",)),
            },
            nav=nav,
        ),
    ]


def _godaddy() -> list[UnseenSite]:
    nav = (("/", "Home"), ("/our-services", "Our Services"), ("/about-us", "About Us"))
    return [
        site(
            "Killeen Heat & Air",
            "killeenheatandair.com",
            "godaddy",
            "Killeen",
            "(254) 555-0194",
            {
                "/": Page("Home", ("<p>Fort Cavazos area's AC specialists.</p>",)),
                "/our-services": Page("Our Services", ("<p>Repairs and installs.</p>",)),
                "/about-us": Page("About Us", ("<p>Veteran owned.</p>",)),
                "/contact-us": Page(
                    "Contact Us",
                    (
                        '<p data-ux="ContentText" data-aid="CONTACT_INFO_EMAIL_REND">',
                        mailto(
                            "killeenheatandair@gmail.com",
                            attrs=' data-ux="ContentLink" data-aid="CONTACT_EMAIL"',
                        ),
                        "</p>",
                    ),
                ),
            },
            nav=(*nav, ("/contact-us", "Contact Us")),
        ),
        site(
            "Belton Drain & Sewer",
            "beltondrain.com",
            "godaddy",
            "Belton",
            "(254) 555-0127",
            {
                "/": Page("Home", ("<p>Camera inspections and jetting.</p>",)),
                "/our-services": Page("Our Services", ("<p>Sewer line replacement.</p>",)),
                "/about-us": Page("About Us", ("<p>Est. 1999.</p>",)),
                "/contact-us": Page(
                    "Contact Us",
                    (
                        '<div data-ux="ContactInfo"><p data-ux="ContentText">Belton Drain</p>',
                        '<p data-ux="ContentText" data-aid="CONTACT_INFO_EMAIL_REND">',
                        bracket("beltondrain@att.net", "(at)", "(dot)", spaced=False),
                        "</p></div>",
                    ),
                ),
            },
            nav=(*nav, ("/contact-us", "Contact Us")),
        ),
        site(
            "Harker Heights Electric",
            "harkerheightselectric.com",
            "godaddy",
            "Harker Heights",
            "(254) 555-0141",
            {
                "/": Page("Home", ("<p>Licensed electricians.</p>",)),
                "/our-services": Page("Our Services", ("<p>Ceiling fans, outlets.</p>",)),
                "/about-us": Page("About Us", ("<p>Over 40 years combined.</p>",)),
                "/billing": Page(
                    "Billing",
                    paragraph(
                        "Pay invoices online or email ",
                        mailto("billing@harkerheightselectric.com"),
                        " with questions.",
                    ),
                ),
            },
            nav=(*nav, ("/billing", "Billing")),
            footer=paragraph(text("contact@harkerheightselectric.com")),
        ),
        site(
            "Copperas Cove Roofing",
            "copperascoveroofing.com",
            "godaddy",
            "Copperas Cove",
            "(254) 555-0109",
            {
                "/": Page("Home", ("<p>Free roof inspections.</p>",)),
                "/our-services": Page("Our Services", ("<p>Re-roofs.</p>",)),
                "/about-us": Page("About Us", ("<p>Locally owned.</p>",)),
                "/contact-us": Page(
                    "Contact Us",
                    (
                        '<p data-ux="ContentText">Call for a free estimate.</p>',
                        placeholder("you@example.com"),
                    ),
                ),
            },
            nav=(*nav, ("/contact-us", "Contact Us")),
        ),
        site(
            "Lampasas Septic Service",
            "lampasasseptic.com",
            "godaddy",
            "Lampasas",
            "(512) 555-0119",
            {
                "/": Page(
                    "Home",
                    (
                        "<p>Septic pumping. Email: </p>",
                        attribute("lampasasseptic@gmail.com", "title"),
                    ),
                ),
                "/our-services": Page("Our Services", ("<p>Aerobic maintenance.</p>",)),
                "/about-us": Page("About Us", ("<p>Since 1985.</p>",)),
            },
            nav=nav,
        ),
        site(
            "Salado Custom Cabinets & Remodeling",
            "saladoremodeling.com",
            "godaddy",
            "Salado",
            "(254) 555-0178",
            {
                "/": Page("Home", ("<p>Kitchen and bath remodels.</p>",)),
                "/our-services": Page("Our Services", ("<p>Custom cabinets.</p>",)),
                "/about-us": Page("About Us", ("<p>Craftsmen since 2001.</p>",)),
                "/contact-us": Page(
                    "Contact Us",
                    paragraph(microdata("info@saladoremodeling.com")),
                ),
            },
            nav=(*nav, ("/contact-us", "Contact Us")),
            head=(meta("estimates@saladoremodeling.com"),),
        ),
    ]


def builder_sites() -> list[UnseenSite]:
    return [*_wix(), *_squarespace(), *_godaddy()]
