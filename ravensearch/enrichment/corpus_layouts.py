"""Page skeletons of the hard corpus, written the way site builders write them.

Each layout wraps a page's main content in the markup its builder produces (WordPress
themes, Wix's nested divs, Squarespace blocks, GoDaddy `data-ux` sections, Bootstrap
navbars, hand-made table layouts), with the noise each one carries: retina image names,
monitoring keys, package URLs with versions, and a web agency's credit.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Link = tuple[str, str]  # (href, text)


@dataclass(frozen=True)
class Frame:
    """What every page of one site shares."""

    name: str
    nav: Sequence[Link]
    footer: str  # business line: address, phone, maybe the email
    credit: str  # the web agency's credit line (HTML)
    head: str = ""  # extra <head> content (JSON-LD …)


def _links(nav: Sequence[Link], item: str = "<li>{}</li>") -> str:
    return "".join(item.format(f'<a href="{href}">{html.escape(text)}</a>') for href, text in nav)


def wordpress(frame: Frame, title: str, main: str) -> str:
    name = html.escape(frame.name)
    return (
        f'<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8"><title>{title} – {name}'
        f"</title>{frame.head}"
        '<link rel="stylesheet" href="/wp-content/themes/astra/style.min.css?ver=4.1.5">'
        '<script src="https://cdn.jsdelivr.net/npm/swiper@11.0.5/swiper-bundle.min.js"></script>'
        '</head><body class="page-template-default"><div id="page" class="site">'
        '<header class="site-header"><div class="site-branding">'
        '<img src="/wp-content/uploads/2023/04/logo@2x.png" class="custom-logo" '
        f'srcset="/wp-content/uploads/2023/04/logo@2x.png 2x" alt="{name}"></div>'
        f'<nav class="main-navigation"><ul id="menu-primary" class="menu">{_links(frame.nav)}</ul>'
        f'</nav></header><div id="content" class="site-content"><article class="entry-content">'
        f'{main}</article></div><footer class="site-footer"><div class="widget">{frame.footer}'
        f'</div><div class="site-info">{frame.credit}</div></footer></div></body></html>'
    )


def wix(frame: Frame, title: str, main: str) -> str:
    name = html.escape(frame.name)
    nav = _links(frame.nav, '<li class="wixui-dropdown-menu__item"><p>{}</p></li>')
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | {name}'
        f"</title>{frame.head}<script>window.Sentry&&Sentry.init({{dsn:'https://"
        "3f1c2b9a8d7e4f6a5b4c3d2e1f0a9b8c@sentry-next.wixpress.com/12'});</script></head>"
        '<body><div id="SITE_CONTAINER"><div id="masterPage"><header id="SITE_HEADER">'
        f'<div data-testid="image"><img src="https://static.wixstatic.com/media/a1b2c3_logo@2x.png"'
        f' alt="logo@2x.png"></div><nav aria-label="Site"><ul>{nav}</ul></nav></header>'
        f'<main id="PAGES_CONTAINER"><section><div data-testid="richTextElement">{main}</div>'
        f'</section></main><footer id="SITE_FOOTER"><div data-testid="richTextElement">'
        f"{frame.footer}</div><div>{frame.credit}</div></footer></div></div></body></html>"
    )


def squarespace(frame: Frame, title: str, main: str) -> str:
    name = html.escape(frame.name)
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title} — {name}</title>'
        f'{frame.head}<link rel="stylesheet" href="https://static1.squarespace.com/static/'
        'versioned-site-css/5f1a/site.css"></head><body id="collection-5f1a">'
        '<header class="Header"><a class="Header-branding" href="/"><img '
        f'src="https://images.squarespace-cdn.com/content/v1/logo@3x.png" alt="{name}"></a>'
        f'<nav class="Header-nav">{_links(frame.nav, "<div class=Header-nav-item>{}</div>")}</nav>'
        '</header><main class="Main"><div class="sqs-layout"><div class="sqs-block html-block">'
        f'<div class="sqs-block-content">{main}</div></div></div></main>'
        f'<footer class="Footer"><div class="sqs-block">{frame.footer}</div>'
        f"<div>{frame.credit}</div></footer></body></html>"
    )


def godaddy(frame: Frame, title: str, main: str) -> str:
    name = html.escape(frame.name)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} - {name}</title>'
        f'{frame.head}<script src="https://img1.wsimg.com/tcc/tcc_l.combined.1.0.6.min.js">'
        '</script></head><body><div id="layout"><div data-ux="Header"><div data-ux="Block">'
        f'<img data-ux="ImageLogo" src="//img1.wsimg.com/isteam/ip/logo@2x.png" alt="{name}">'
        f'<nav data-ux="Nav">{_links(frame.nav, "<span data-ux=NavLink>{}</span>")}</nav></div>'
        f'</div><div data-ux="Page"><div data-ux="Content"><div data-ux="Text">{main}</div>'
        f'</div></div><div data-ux="Footer"><p data-ux="FooterText">{frame.footer}</p>'
        f'<p data-ux="FooterDetails">{frame.credit}</p></div></div></body></html>'
    )


def bootstrap(frame: Frame, title: str, main: str) -> str:
    name = html.escape(frame.name)
    nav = _links(frame.nav, '<li class="nav-item">{}</li>').replace("<a ", '<a class="nav-link" ')
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{name} · {title}'
        f'</title>{frame.head}<link href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/css/'
        'bootstrap.min.css" rel="stylesheet"></head><body><nav class="navbar navbar-expand-lg">'
        f'<div class="container"><a class="navbar-brand" href="/"><img src="/img/brand@2x.png" '
        f'alt="{name}"></a><ul class="navbar-nav">{nav}</ul></div></nav>'
        f'<div class="container py-5"><div class="row"><div class="col-lg-8">{main}</div></div>'
        f'</div><footer class="bg-dark text-light py-4"><div class="container"><div class="row">'
        f'<div class="col-md-6">{frame.footer}</div><div class="col-md-6 text-end">{frame.credit}'
        '</div></div></div></footer><script src="/js/jquery@3.6.0.min.js"></script>'
        "</body></html>"
    )


def table(frame: Frame, title: str, main: str) -> str:
    name = html.escape(frame.name)
    nav = " | ".join(
        f'<a href="{href}"><font size="2">{text}</font></a>' for href, text in frame.nav
    )
    return (
        f"<HTML><HEAD><TITLE>{name} - {title}</TITLE>{frame.head}</HEAD>"
        '<BODY BGCOLOR="#FFFFFF"><TABLE WIDTH="760" BORDER="0" CELLPADDING="4"><TR>'
        f'<TD COLSPAN="2"><IMG SRC="images/banner@2x.gif" ALT="{name}"></TD></TR>'
        f'<TR><TD COLSPAN="2" BGCOLOR="#003366">{nav}</TD></TR><TR><TD WIDTH="160" VALIGN="top">'
        f'<font face="Arial" size="2">{frame.footer}</font></TD><TD VALIGN="top">'
        f'<font face="Arial">{main}</font></TD></TR><TR><TD COLSPAN="2" ALIGN="center">'
        f'<font size="1">{frame.credit}</font></TD></TR></TABLE></BODY></HTML>'
    )


LAYOUTS: dict[str, Callable[[Frame, str, str], str]] = {
    "wordpress": wordpress,
    "wix": wix,
    "squarespace": squarespace,
    "godaddy": godaddy,
    "bootstrap": bootstrap,
    "table": table,
}
