"""Page shells of the unseen corpus, one per site builder, with the markup each really emits.

Each shell wraps a page's main content, menu and footer the way its builder does: Elementor's
nested sections and widgets, Divi's `et_pb_` modules, Wix's deep `comp-` divs with `data-`
attributes and absolute links, Squarespace blocks, GoDaddy's `data-ux` elements, a hand-written
Bootstrap page with a hamburger menu, a 2004 table layout and a one-page landing site. The
builders' own asset names and telemetry (`logo@2x.png`, `bootstrap@5.3.2`, a Wix Sentry DSN)
are listed in `decoys`: they must never come back as addresses.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ravensearch.enrichment.corpus_unseen_parts import (
    Draft,
    Frame,
    Page,
    Part,
    UnseenSite,
    build,
    flat,
)


@dataclass(frozen=True)
class Layout:
    shell: Callable[[Frame], str]
    decoys: tuple[str, ...] = ()


def _id(frame: Frame, salt: str = "") -> str:
    return hashlib.sha1(f"{frame.domain}{salt}".encode()).hexdigest()[:6]


def _head(frame: Frame, extra: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(frame.title)} - {html.escape(frame.name)}</title>{extra}{frame.head}"
        "</head>"
    )


def _links(frame: Frame, li: str = "<li{cls}>", a: str = "") -> str:
    out = []
    for index, (href, label) in enumerate(frame.nav):
        cls = f' class="menu-item menu-item-{100 + index}"'
        out.append(f'{li.format(cls=cls)}<a href="{html.escape(href)}"{a}>{label}</a></li>')
    return "".join(out)


def elementor(frame: Frame) -> str:
    eid = _id(frame)
    widget = (
        '<div class="elementor-element elementor-element-{i} elementor-widget '
        'elementor-widget-text-editor" data-id="{i}" data-element_type="widget" '
        'data-widget_type="text-editor.default"><div class="elementor-widget-container">'
    )
    section = (
        '<section class="elementor-section elementor-top-section elementor-element '
        f'elementor-element-{eid} elementor-section-boxed" data-id="{eid}" '
        'data-element_type="section"><div class="elementor-container elementor-column-gap-default">'
        '<div class="elementor-column elementor-col-100 elementor-top-column" '
        'data-element_type="column"><div class="elementor-widget-wrap elementor-element-populated">'
    )
    return (
        _head(
            frame,
            "<link rel='stylesheet' id='elementor-frontend-css' href='/wp-content/plugins/"
            "elementor/assets/css/frontend.min.css?ver=3.18.3' media='all' />",
        )
        + '<body class="page-template-default page elementor-default elementor-kit-6">'
        + '<div data-elementor-type="header" class="elementor elementor-location-header">'
        + section
        + widget.format(i=_id(frame, "logo"))
        + '<img width="300" height="90" src="/wp-content/uploads/2023/04/logo.png" '
        + 'srcset="/wp-content/uploads/2023/04/logo.png 1x, /wp-content/uploads/2023/04/logo@2x.png 2x" '
        + f'alt="{html.escape(frame.name)}"></div></div>'
        + '<nav class="elementor-nav-menu--main elementor-nav-menu__container" aria-label="Menu">'
        + f'<ul id="menu-1-{eid}" class="elementor-nav-menu">{_links(frame, a=" class=elementor-item")}</ul>'
        + "</nav></div></div></div></section></div>"
        + f'<div data-elementor-type="wp-page" data-elementor-id="{eid}" class="elementor">'
        + section
        + widget.format(i=_id(frame, "main"))
        + frame.main
        + "</div></div></div></div></div></section></div>"
        + '<div data-elementor-type="footer" class="elementor elementor-location-footer">'
        + section
        + widget.format(i=_id(frame, "foot"))
        + frame.footer
        + "</div></div></div></div></div></section></div>"
        + "<script src='/wp-includes/js/jquery/jquery.min.js?ver=3.7.1' id='jquery-core-js'></script>"
        + "<script src='/wp-content/plugins/elementor/assets/js/frontend.min.js?ver=3.18.3'></script>"
        + "</body></html>"
    )


def divi(frame: Frame) -> str:
    module = (
        '<div class="et_pb_section et_pb_section_{n} et_section_regular"><div class="et_pb_row '
        'et_pb_row_{n}"><div class="et_pb_column et_pb_column_4_4 et_pb_column_{n}"><div '
        'class="et_pb_module et_pb_text et_pb_text_{n} et_pb_text_align_left"><div '
        'class="et_pb_text_inner">'
    )
    return (
        _head(frame, "<link rel='stylesheet' href='/wp-content/themes/Divi/style.css?ver=4.23.1'>")
        + '<body class="home page et_pb_button_helper_class et_fullwidth_nav et_divi_theme">'
        + '<div id="page-container"><header id="main-header" data-height-onload="66">'
        + '<div class="container clearfix et_menu_container"><div class="logo_container">'
        + f'<a href="{frame.home_href}"><img src="/wp-content/uploads/2022/11/icon@3x.webp" '
        + f'alt="{html.escape(frame.name)}" id="logo" data-height-percentage="54"></a></div>'
        + '<div id="et-top-navigation"><nav id="top-menu-nav">'
        + f'<ul id="top-menu" class="nav">{_links(frame)}</ul></nav>'
        + '<div id="et_mobile_nav_menu"><div class="mobile_nav closed">'
        + '<span class="mobile_menu_bar mobile_menu_bar_toggle"></span></div></div></div>'
        + '</div></header><div id="et-main-area"><div id="main-content"><article class="page">'
        + '<div class="entry-content"><div class="et-l et-l--post"><div class="et_builder_inner_content">'
        + module.format(n=0)
        + frame.main
        + "</div></div></div></div></div></div></div></article></div>"
        + '<footer id="main-footer"><div class="container"><div id="footer-widgets" class="clearfix">'
        + f'<div class="footer-widget"><div class="et_pb_widget widget_text">{frame.footer}</div></div>'
        + '</div></div><div id="footer-bottom"><div class="container clearfix">'
        + '<div id="footer-info">Designed by <a href="https://www.elegantthemes.com">Elegant '
        + 'Themes</a> | Powered by <a href="https://www.wordpress.org">WordPress</a></div></div>'
        + "</div></footer></div></div>"
        + "<script src='/wp-content/themes/Divi/js/scripts.min.js?ver=4.23.1'></script></body></html>"
    )


def wix(frame: Frame) -> str:
    key = hashlib.md5(frame.domain.encode(), usedforsecurity=False).hexdigest()
    comp = _id(frame, "comp")
    nav = "".join(
        f'<li class="wixui-dropdown-menu__item" data-testid="dropdown-menu-item-{i}">'
        f'<a data-testid="linkElement" href="{html.escape(href)}" class="StylableButton2545352419'
        f'__root"><div class="StylableButton2545352419__container"><span class="'
        f'StylableButton2545352419__label wixui-button__label">{label}</span></div></a></li>'
        for i, (href, label) in enumerate(frame.nav)
    )
    rich = (
        '<div id="comp-{c}" class="HcOXKn c9GqVL QxJLC3 wixui-rich-text" '
        'data-testid="richTextElement">'
    )
    return (
        _head(
            frame,
            '<meta name="generator" content="Wix.com Website Builder">'
            '<script type="application/json" id="wix-warmup-data">{"sentry":{"dsn":'
            f'"https://{key}@sentry-next.wixpress.com/68"}},"siteRevision":112}}</script>',
        )
        + '<body><div id="SITE_CONTAINER"><div id="main_MF" class="main_MF"><div id="SCROLL_TO_TOP">'
        + '</div><div id="site-root" class="site-root"><div id="masterPage" class="mesh-layout '
        + 'masterPage css-editing-scope"><header id="SITE_HEADER" class="xU8fqS SITE_HEADER '
        + 'wixui-header" tabindex="-1"><div class="_C0cVf"><div class="_4XcTfy" data-testid="screenWidthContainerBgCenter">'
        + f'<div data-mesh-id="SITE_HEADERinlineContent" data-testid="inline-content"><div id="comp-{comp}h">'
        + '<wix-image id="img_comp-logo" class="HlRz5e BI8PVQ" data-image-info=\'{"imageData":'
        + '{"uri":"a3c153_logo~mv2.png"}}\'><img src="https://static.wixstatic.com/media/'
        + f'a3c153_logo~mv2.png/v1/fill/w_180,h_60/logo.png" alt="{html.escape(frame.name)}">'
        + "</wix-image></div>"
        + f'<nav aria-label="Site" class="wixui-dropdown-menu"><ul>{nav}</ul></nav></div></div></div>'
        + '</header><main id="PAGES_CONTAINER" tabindex="-1" data-main-content="true">'
        + '<div id="SITE_PAGES" class="JsJXaX SITE_PAGES"><div class="JsJXaX"><div id="c1dmp">'
        + '<div class="dBAkHi" data-mesh-id="c1dmpinlineContent" data-testid="inline-content">'
        + '<div data-mesh-id="c1dmpinlineContent-gridContainer" data-testid="mesh-container-content">'
        + rich.format(c=comp)
        + frame.main
        + "</div></div></div></div></div></div></main>"
        + '<footer id="SITE_FOOTER" class="xU8fqS SITE_FOOTER wixui-footer" tabindex="-1">'
        + '<div class="_C0cVf"><div data-mesh-id="SITE_FOOTERinlineContent" data-testid="inline-content">'
        + rich.format(c=f"{comp}f")
        + frame.footer
        + "</div></div></div></footer></div></div></div></div>"
        + '<script src="https://static.parastorage.com/services/wix-thunderbolt/dist/main.3b1d0e05.bundle.min.js"></script>'
        + "</body></html>"
    )


WIX_SENTRY_HOST = "sentry-next.wixpress.com"


def squarespace(frame: Frame) -> str:
    block = _id(frame, "block")
    links = "".join(
        f'<div class="header-nav-item header-nav-item--collection"><a href="{html.escape(h)}" '
        f'data-animation-role="header-element">{label}</a></div>'
        for h, label in frame.nav
    )
    return (
        _head(
            frame,
            '<link rel="stylesheet" href="https://static1.squarespace.com/static/versioned-site-css/'
            '6012a3f4e1b1d3/32/5c5a519771c10ba3470d8101/site.css">',
        )
        + '<body id="collection-6012a3f4" class="tweak-global-animations-enabled header-overlay-alignment-center">'
        + '<div class="header-announcement-bar-wrapper"><header data-test="header" id="header" class="header theme-col--primary">'
        + f'<div class="header-title-logo"><a href="{frame.home_href}" data-animation-role="header-element">'
        + f'<img elementtiming="nbf-header-logo-desktop" src="//images.squarespace-cdn.com/content/v1/6012a3f4/logo.png?format=1500w" alt="{html.escape(frame.name)}"></a></div>'
        + f'<div class="header-nav"><div class="header-nav-wrapper"><nav class="header-nav-list">{links}</nav></div></div>'
        + '<div class="header-burger menu-overlay-has-visible-non-navigation-items"><button class="header-burger-btn burger" data-test="header-burger">'
        + '<span hidden class="js-header-burger-open-title visually-hidden">Open Menu</span></button></div>'
        + '</header></div><main id="page" class="container" role="main"><article class="sections" id="sections">'
        + '<section class="page-section layout-engine-section"><div class="content-wrapper"><div class="content">'
        + f'<div class="sqs-layout sqs-grid-12 columns-12" data-type="page" id="page-section-{block}">'
        + '<div class="row sqs-row"><div class="col sqs-col-12 span-12">'
        + f'<div class="sqs-block html-block sqs-block-html" data-block-type="2" id="block-yui_3_17_2_1_{block}">'
        + f'<div class="sqs-block-content"><div class="sqs-html-content">{frame.main}</div></div></div>'
        + "</div></div></div></div></div></section></article></main>"
        + '<footer class="sections" id="footer-sections" data-footer-sections><section class="page-section">'
        + f'<div class="content-wrapper"><div class="sqs-html-content">{frame.footer}</div></div></section></footer>'
        + '<script defer src="https://static1.squarespace.com/static/vta/5c5a519771c10ba3470d8101/scripts/site-bundle.8d6c1e5b.js"></script>'
        + "</body></html>"
    )


def godaddy(frame: Frame) -> str:
    nav = "".join(
        f'<a rel="" role="link" aria-haspopup="menu" data-ux="NavLink" target="" '
        f'data-page="{_id(frame, h)}" data-aid="NAV_LINK_{i}" data-tccl="ux2.HEADER.header9.Nav.'
        f'Default.Link.Default.{i}.click,click" href="{html.escape(h)}" data-typography="NavAlpha" '
        f'class="x-el x-el-a c1-1g c1-1h c1-1i">{label}</a>'
        for i, (h, label) in enumerate(frame.nav)
    )
    return (
        _head(
            frame,
            '<meta name="generator" content="Starfield Technologies; Go Daddy Website Builder 8.0.0000">',
        )
        + f'<body class="x x-fonts-montserrat"><div id="layout-{_id(frame)}" class="layout layout-layout '
        + 'layout-layout-layout-13 locale-en-US lang-en"><div data-ux="Page" id="page-1" class="x-el x-el-div '
        + 'x-el c1-1 c1-2 c1-3"><div data-ux="Block" class="x-el x-el-div c1-1 c1-2"><div id="header"><div '
        + 'data-ux="Header" role="main" data-aid="HEADER_WIDGET" class="x-el x-el-div x-el x-el c1-1">'
        + '<img src="//img1.wsimg.com/isteam/ip/5c2a8d1e/logo@2x.png/:/rs=h:120" data-ux="ImageLogo" '
        + f'data-aid="HEADER_LOGO_IMAGE_RENDERED" alt="{html.escape(frame.name)}" class="x-el x-el-img">'
        + f'<nav data-ux="Nav" data-aid="HEADER_NAV_RENDERED" role="navigation" class="x-el x-el-nav">{nav}</nav>'
        + '</div></div></div><div data-ux="Block" class="x-el x-el-div c1-1 c1-2"><div id="content">'
        + '<section data-ux="Section" data-aid="CONTENT_SECTION" class="x-el x-el-section c1-2f">'
        + '<div data-ux="Container" class="x-el x-el-div c1-1 c1-2 c1-3c"><div data-ux="ContentText" '
        + f'class="x-el x-el-p c1-1 c1-2 x-rt">{frame.main}</div></div></section></div></div>'
        + '<div data-ux="Block" class="x-el x-el-div c1-1"><div id="footer"><div data-ux="Footer" '
        + f'role="contentinfo" data-aid="FOOTER_SECTION_RENDERED" class="x-el x-el-div">{frame.footer}'
        + '<p data-ux="FooterDetails" data-aid="FOOTER_POWERED_BY_AIRO_RENDERED" class="x-el x-el-p">'
        + 'Powered by <a href="https://www.godaddy.com/websites/website-builder" rel="nofollow">GoDaddy</a></p>'
        + "</div></div></div></div></div>"
        + '<script src="//img1.wsimg.com/blobby/go/5c2a8d1e/gpub/c0a1f7f2/script.js"></script></body></html>'
    )


def bootstrap(frame: Frame) -> str:
    links = "".join(
        f'<li class="nav-item"><a class="nav-link" href="{html.escape(h)}">{label}</a></li>'
        for h, label in frame.nav
    )
    return (
        _head(
            frame,
            '<link href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/css/bootstrap.min.css" rel="stylesheet">',
        )
        + '<body><nav class="navbar navbar-expand-lg navbar-dark bg-dark fixed-top"><div class="container">'
        + f'<a class="navbar-brand" href="{frame.home_href}">{html.escape(frame.name)}</a>'
        + '<button class="navbar-toggler" type="button" data-bs-toggle="collapse" data-bs-target="#mainNav" '
        + 'aria-controls="mainNav" aria-expanded="false" aria-label="Toggle navigation">'
        + '<span class="navbar-toggler-icon"></span></button>'
        + f'<div class="collapse navbar-collapse" id="mainNav"><ul class="navbar-nav ms-auto">{links}</ul></div>'
        + '</div></nav><div class="container py-5"><div class="row"><div class="col-lg-8">'
        + frame.main
        + '</div></div></div><footer class="bg-dark text-white-50 py-4"><div class="container">'
        + frame.footer
        + "</div></footer>"
        + '<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/js/bootstrap.bundle.min.js"></script>'
        + '<script src="https://unpkg.com/aos@2.3.4/dist/aos.js"></script></body></html>'
    )


def table(frame: Frame) -> str:
    links = " | ".join(
        f'<a href="{html.escape(h)}"><font color="#FFFFFF">{label.upper()}</font></a>'
        for h, label in frame.nav
    )
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"><HTML><HEAD>'
        f"<TITLE>{html.escape(frame.name)} - {html.escape(frame.title)}</TITLE>"
        '<META http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        f"{frame.head}</HEAD>"
        '<BODY bgcolor="#FFFFFF" leftmargin="0" topmargin="0" marginwidth="0" marginheight="0">'
        '<TABLE width="780" border="0" cellpadding="0" cellspacing="0" align="center">'
        '<TR><TD colspan="2"><IMG src="images/header.jpg" width="780" height="120" alt=""></TD></TR>'
        f'<TR><TD colspan="2" bgcolor="#003366" height="24" align="center"><font face="Arial" size="2">{links}</font></TD></TR>'
        '<TR><TD width="160" valign="top" bgcolor="#E8E8E8"><IMG src="images/spacer.gif" width="160" height="1">'
        '<font face="Arial" size="2"><b>Licensed &amp; Insured</b></font></TD>'
        f'<TD width="620" valign="top"><font face="Verdana, Arial" size="2">{frame.main}</font></TD></TR>'
        f'<TR><TD colspan="2" align="center"><font face="Arial" size="1">{frame.footer}</font></TD></TR>'
        "</TABLE></BODY></HTML>"
    )


def onepage(frame: Frame) -> str:
    links = "".join(f'<a href="{html.escape(h)}">{label}</a>' for h, label in frame.nav)
    return (
        _head(frame, '<link rel="stylesheet" href="/css/landing.css">')
        + '<body><header class="topbar"><div class="brand">'
        + '<img src="/img/logo.svg" alt=""><span>'
        + html.escape(frame.name)
        + '</span></div><input type="checkbox" id="menu-toggle" hidden>'
        + '<label for="menu-toggle" class="hamburger" aria-label="Menu">&#9776;</label>'
        + f'<nav class="menu">{links}</nav></header>'
        + '<section id="hero" style="background-image:url(/img/hero@2x.jpg)"><h1>'
        + html.escape(frame.name)
        + f"</h1><p>Serving {html.escape(frame.city)} and surrounding areas</p></section>"
        + frame.main
        + f'<footer id="footer">{frame.footer}</footer>'
        + '<script src="/js/main.js?v=1.4"></script></body></html>'
    )


def plain(frame: Frame) -> str:
    """A hand-written HTML5 site; its menu lives in the footer only."""
    links = "".join(f'<li><a href="{html.escape(h)}">{label}</a></li>' for h, label in frame.nav)
    return (
        _head(frame, '<link rel="stylesheet" href="style.css">')
        + f'<body><div class="wrap"><h2 class="logo">{html.escape(frame.name)}</h2>'
        + f"<main>{frame.main}</main>"
        + f'<footer><div class="cols"><ul class="footer-menu">{links}</ul>'
        + f'<div class="footer-contact">{frame.footer}</div></div></footer></div></body></html>'
    )


LAYOUTS: dict[str, Layout] = {
    "elementor": Layout(elementor, ("logo@2x.png",)),
    "divi": Layout(divi, ("icon@3x.webp",)),
    "wix": Layout(wix, ()),  # its Sentry DSN's key differs per site: see `sentry_decoy`
    "squarespace": Layout(squarespace),
    "godaddy": Layout(godaddy, ("logo@2x.png",)),
    "bootstrap": Layout(bootstrap, ("bootstrap@5.3.2", "aos@2.3.4")),
    "table": Layout(table),
    "onepage": Layout(onepage, ("hero@2x.jpg",)),
    "plain": Layout(plain),
}


def sentry_decoy(domain: str) -> str:
    """The address-shaped Sentry DSN a Wix page carries."""
    key = hashlib.md5(domain.encode(), usedforsecurity=False).hexdigest()
    return f"{key}@{WIX_SENTRY_HOST}"


def site(
    name: str,
    domain: str,
    layout: str,
    city: str,
    phone: str,
    pages: dict[str, Page],
    *,
    nav: tuple[tuple[str, str], ...],
    footer: Part | Sequence[Part] = (),
    head: Part | Sequence[Part] = (),
    links: Literal["root", "absolute", "www", "relative"] = "root",
    state: str = "TX",
) -> UnseenSite:
    """One site of the corpus, rendered with its builder's shell."""
    draft = Draft(
        name, domain, layout, city, state, phone, pages, nav, flat(footer), flat(head), links
    )
    built = build(draft, LAYOUTS)
    if layout == "wix":
        return replace(built, decoys=built.decoys | {sentry_decoy(domain)})
    return built
