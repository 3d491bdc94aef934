"""The pages. Like the API routes, each one checks its input, calls the domain functions the API
calls (the check, entity detail, alerts, judgements) and renders the answer; officers see the
supplier check only, auditors everything. Forms are plain HTML posts carrying the session's
CSRF token; every check made here is written to the audit log, as over the API.

Pages speak their reader's language (`app.i18n`: `?lang=`, cookie, Accept-Language, then
`TESTIGO_LANGUAGE`, Spanish by default). Each language has its own Jinja environment with its
catalogue installed once (`jinja2.ext.i18n`), rather than one environment whose translations
are swapped per request: requests are served concurrently, and a shared environment would
render one reader's page with another's catalogue."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment

from app import i18n, sources
from app.alerts import review as alerts
from app.checks import check_supplier
from app.deps import verify_key
from app.errors import Forbidden, NotFound, TestigoError, TooManyRequests, Unauthorised
from app.i18n import N_, REGISTRIES, SOURCES, WORDS, Language, sanction_kind
from app.schemas import MAX_NAME
from app.web import origin, sessions, timeline
from app.web.origin import origin_of
from app.web.sessions import SignedIn
from matching import entities, explain, rfc
from matching.cluster import NOT_FROM_NAME
from matching.explain import Translator
from matching.judgements import record as judge

router = APIRouter(include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

LANGUAGE_NAMES = {"es": "Español", "en": "English"}


class SignInRequired(Unauthorised):
    """No live session: the browser is sent to the sign-in page, and back here after."""

    def __init__(self, next_url: str) -> None:
        super().__init__("sign in first")
        self.next_url = next_url


def is_page(request: Request) -> bool:
    """Whether a page of this module answers the request: its errors are shown as a page."""
    return getattr(request.scope.get("endpoint"), "__module__", None) == __name__


ERROR_TITLES = {
    401: N_("Sign in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    422: N_("Cannot do that"),
    429: N_("Too many attempts"),
}
OTHER_ERROR = N_("Something went wrong")


def error_page(request: Request, exc: TestigoError) -> Response:
    """A page that cannot be shown, as an HTML page that says why (an API error is JSON):
    app/main.py sends every TestigoError a page raises here. The message is in the reader's
    language: the pages raise theirs translated; a domain error's English detail is looked up
    in the catalogue (and shown as it is when the catalogue does not hold it)."""
    if isinstance(exc, SignInRequired):
        return RedirectResponse(f"/sign-in?next={quote(exc.next_url)}", status_code=303)
    tr = _tr(request)
    found = sessions.find(request.app.state.engine, request.cookies.get(sessions.COOKIE))
    title = tr.gettext(ERROR_TITLES.get(exc.status, OTHER_ERROR))
    if isinstance(exc, TooManyRequests):
        message = _throttled(exc, tr)
    elif isinstance(exc, rfc.NotAnRfc):
        message = _sentence(exc.in_words(tr))
    else:
        message = _sentence(tr.gettext(exc.detail))
    answer = render(
        request, "error.html", code=exc.status, title=title, message=message, session=found
    )
    answer.headers.update(exc.headers or {})
    return answer


def _tr(request: Request) -> Translator:
    return i18n.translations(i18n.language(request))


def environment(lang: Language) -> Environment:
    """The pages' templates in `lang`: its catalogue installed, the code tables translated,
    and filters that write dates and amounts as its readers do."""
    tr = i18n.translations(lang)
    env = i18n.templates(TEMPLATES, lang)
    words = {k: tr.gettext(v) for k, v in WORDS.items()}
    env.globals.update(
        static=lambda name: f"/static/{name}",
        lang=lang,
        registries={k: tr.gettext(v) for k, v in REGISTRIES.items()},
        sanction_kind=lambda kind, status: sanction_kind(kind, status, tr),
        published_on=sources.published_on,
        sources={k: tr.gettext(v) for k, v in SOURCES.items()},
        words=words,
        max_name=MAX_NAME,
    )
    env.filters["day"] = lambda value, missing="?": i18n.format_day(value, lang, missing)
    env.filters["money"] = lambda value, currency=None: i18n.format_money(value, currency, lang)
    env.filters["word"] = lambda code: words.get(code, code)
    return env


_envs = {lang: environment(lang) for lang in i18n.LANGUAGES}


def render(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
    """A page in its reader's language, with the ES | EN switch back to this same page."""
    lang = i18n.language(request)
    switch = [
        {"code": other, "name": LANGUAGE_NAMES[other], "url": i18n.switch_url(request, other)}
        for other in i18n.LANGUAGES
    ]
    values = {
        "flash": None,
        "session": None,
        "page": None,
        "title": "Testigo",
        "switch": switch,
        **context,
    }
    answer = HTMLResponse(_envs[lang].get_template(name).render(**values), status_code=code)
    answer.headers["Vary"] = "Accept-Language, Cookie"  # the same address, in two languages
    i18n.remember(request, answer)
    return answer


async def current_session(request: Request) -> SignedIn:
    found = sessions.find(request.app.state.engine, request.cookies.get(sessions.COOKIE))
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return found


SessionDep = Annotated[SignedIn, Depends(current_session)]


async def session_or_key(
    request: Request, api_key: Annotated[str | None, Query(max_length=200)] = None
) -> SignedIn:
    """The signed-in session; else, for a link carrying `api_key` (the view URL of a firm that
    OpenRefine opens from a reconciled cell), the key's holder for this one page.

    No session is opened from the URL's key: the page is read-only, so nothing is gained by
    one, and a cookie set from a link could sign a browser in as whoever made the link. The key
    is the one OpenRefine already holds in its preview and suggest URLs; the answer is kept
    out of caches and its links send no Referer."""
    found = sessions.find(request.app.state.engine, request.cookies.get(sessions.COOKIE))
    if found is not None:
        return found
    if api_key:
        caller = verify_key(request, api_key)
        if caller is None:
            raise Unauthorised(
                _tr(request).gettext(
                    "That API key is unknown or revoked: sign in with a valid one."
                )
            )
        return SignedIn(caller, csrf="", keyed=True)
    return await current_session(request)


ViewerDep = Annotated[SignedIn, Depends(session_or_key)]


def _need(request: Request, session: SignedIn, action: str) -> None:
    if not session.caller.may(action):
        message = (
            _tr(request)
            .gettext("This page is for auditors; the {role} role may not see it.")
            .format(role=session.caller.role)
        )
        raise Forbidden(message)


def _csrf(request: Request, session: SignedIn, sent: str | None) -> None:
    if not session.csrf_ok(sent):
        raise Forbidden(
            _tr(request).gettext(
                "This form has expired: go back, reload the page and send it again."
            )
        )


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never send a signed-in browser elsewhere.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/check"


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/check", status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str = "/check") -> HTMLResponse:
    title = _tr(request).gettext("Sign in")
    return render(request, "sign_in.html", title=title, next=_safe_next(next), error=None)


@router.post("/sign-in")
async def sign_in(
    request: Request,
    key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/check",
) -> Response:
    tr = _tr(request)
    own = {origin_of(str(request.base_url)), origin_of(request.app.state.settings.public_url)}
    elsewhere = origin.foreign(request.headers, own)
    if elsewhere is not None:
        return render(
            request,
            "sign_in.html",
            code=403,
            title=tr.gettext("Sign in"),
            next="/check",
            error=tr.gettext(
                "This sign-in was sent from another site ({site}) and was refused. "
                "Open Testigo's own sign-in page and sign in there."
            ).format(site=elsewhere),
        )
    engine = request.app.state.engine
    try:
        caller = verify_key(request, key.strip()) if key.strip() else None
    except TooManyRequests as exc:
        refused = render(
            request,
            "sign_in.html",
            code=exc.status,
            title=tr.gettext("Sign in"),
            next=_safe_next(next),
            error=_throttled(exc, tr),
        )
        refused.headers.update(exc.headers or {})
        return refused
    if caller is None:
        return render(
            request,
            "sign_in.html",
            code=401,
            title=tr.gettext("Sign in"),
            next=_safe_next(next),
            error=tr.gettext(
                "That key is unknown or revoked. Check it, or ask an administrator for one."
            ),
        )
    token = sessions.open_session(engine, caller)
    answer = RedirectResponse(_safe_next(next), status_code=303)
    answer.set_cookie(
        sessions.COOKIE,
        token,
        max_age=int(sessions.LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return answer


@router.post("/sign-out")
async def sign_out(
    request: Request, session: SessionDep, csrf: Annotated[str | None, Form()] = None
) -> RedirectResponse:
    _csrf(request, session, csrf)
    sessions.close(request.app.state.engine, request.cookies.get(sessions.COOKIE))
    answer = RedirectResponse("/sign-in", status_code=303)
    answer.delete_cookie(sessions.COOKIE, path="/")
    return answer


@router.get("/check")
async def check_page(request: Request, session: SessionDep, q: str = "", on: str = "") -> Response:
    # Cut to the API's limit before anything reads it: the check, the page and the audit log
    # see the same query a key holder could send to /v1/check.
    q = q[:MAX_NAME]
    lang = i18n.language(request)
    tr = i18n.translations(lang)
    context: dict[str, Any] = {
        "title": tr.gettext("Check a supplier"),
        "page": "check",
        "session": session,
        "q": q,
        "on": on,
        "result": None,
        "error": None,
        "firms": [],
        "can_see_firms": session.caller.may("entities"),
    }
    if not q.strip():
        return render(request, "check.html", **context)
    try:
        day = date.fromisoformat(on) if on.strip() else date.today()
    except ValueError:
        context["error"] = tr.gettext(
            "The award date must look like 2026-11-24, not {value}."
        ).format(value=repr(on))
        return render(request, "check.html", code=422, **context)
    index = request.app.state.index.index
    if index is None:
        context["error"] = tr.gettext("Testigo is not ready to check yet: {problem}.").format(
            problem=request.app.state.index.problem
        )
        return render(request, "check.html", code=503, **context)
    # One word shaped like an RFC is checked as an RFC, even a broken one, so that it is
    # refused (or found one typo away) rather than looked up as a name.
    is_rfc = rfc.meant_as_rfc(q)
    try:
        result = check_supplier(
            index,
            request.app.state.engine,
            name=None if is_rfc else q.strip(),
            rfc=q.strip() if is_rfc else None,
            on=day,
            caller=session.caller,
            log=request.app.state.audit,
            tr=tr,
        ).model_dump()
    except rfc.NotAnRfc as exc:  # said on the form, beside the query to correct
        context["error"] = _sentence(exc.in_words(tr))
        return render(request, "check.html", code=422, **context)
    words = explain.verdict_words(result["verdict"], i18n.format_day(day, lang), tr)
    firms = []
    for match in result["matches"]:
        names = [r["name"] for r in match["records"] if r["name"]]
        firms.append(
            {
                "match": match,
                "name": max(names, key=names.count) if names else None,
                "certainty": explain.certainty(match["probability"], tr),
                "reasons": explain.reasons(match["evidence"], tr),
                "sanctions": [
                    s for s in result["sanctions"] if s["entity_id"] == match["entity_id"]
                ],
            }
        )
    context.update(result=result, words=words, firms=firms, as_of=result["data_as_of"])
    return render(request, "check.html", **context)


def _throttled(exc: TooManyRequests, tr: Translator) -> str:
    return tr.gettext(
        "Too many failed API key attempts from this address: try again in {seconds} s."
    ).format(seconds=exc.retry_after)


def _sentence(text: str) -> str:
    end = "" if text.endswith((".", "!", "?")) else "."
    return f"{text[:1].upper()}{text[1:]}{end}"


@router.get("/firms")
async def firms_page(request: Request, session: SessionDep, q: str = "") -> HTMLResponse:
    _need(request, session, "entities")
    found = (
        entities.search(request.app.state.engine, q[:200], page=1, per_page=50)
        if q.strip()
        else None
    )
    title = _tr(request).gettext("Firms")
    return render(
        request, "firms.html", title=title, page="firms", session=session, q=q, found=found
    )


@router.get("/firms/{entity_id}")
async def firm_page(request: Request, session: ViewerDep, entity_id: str) -> HTMLResponse:
    _need(request, session, "entities")
    lang = i18n.language(request)
    tr = i18n.translations(lang)
    found = entities.detail(request.app.state.engine, entity_id[:64])
    if found is None:
        raise NotFound(
            tr.gettext("There is no firm {id}: search for it on the Firms page.").format(
                id=repr(entity_id)
            )
        )
    firm = found.model_dump()  # the page adds its own keys to the awards
    drawn = timeline.build(
        firm["awards"],
        firm["sanctions"],
        today=date.today(),
        tr=tr,
        show_day=lambda day: i18n.format_day(day, lang),
    )
    debarments = [
        (date.fromisoformat(s["start"]), date.fromisoformat(s["end"]) if s["end"] else None)
        for s in firm["sanctions"]
        if s["kind"] == "debarment" and s["start"]
    ]
    for award in firm["awards"]:
        day = timeline.award_day(award)
        award["day"] = day.isoformat() if day else None
        award["inside"] = day is not None and any(
            start <= day and (end is None or day <= end) for start, end in debarments
        )
    names = {r["record_key"]: r["name"] or r["record_key"] for r in firm["records"]}
    links = [
        {
            **link,
            "a_name": names.get(link["record_a"], link["record_a"]),
            "b_name": names.get(link["record_b"], link["record_b"]),
            "certainty": explain.certainty(link["probability"], tr),
            "reasons": explain.reasons(link["evidence"], tr),
        }
        for link in firm["links"]
    ]
    answer = render(
        request,
        "firm.html",
        title=firm["display_name"] or entity_id,
        page="firms",
        session=session,
        firm=firm,
        timeline=drawn,
        links=links,
    )
    if session.keyed:  # the address holds a key: not to be cached, nor sent on as a Referer
        answer.headers["Cache-Control"] = "no-store"
        answer.headers["Referrer-Policy"] = "no-referrer"
    return answer


@router.get("/alerts")
async def alerts_page(
    request: Request,
    session: SessionDep,
    status: str = "",
    severity: str = "",
    buyer: str = "",
    done: str = "",
) -> HTMLResponse:
    _need(request, session, "alerts")
    tr = _tr(request)
    listed = list(
        alerts.listing(
            request.app.state.engine,
            status=status if status in ("new", "confirmed", "dismissed") else None,
            severity=severity if severity in alerts.SEVERITY_RANK else None,
            buyer=buyer[:200] or None,
            limit=200,
            newest_first=True,
        )
    )
    for a in listed:
        a["certainty"] = explain.certainty(a["probability"], tr) if a["probability"] else ""
        a["reasons"] = explain.reasons(a["evidence"] or [], tr)
    done_words = {"confirm": N_("Alert confirmed."), "dismiss": N_("Alert dismissed.")}
    shown = {"alerts": listed, "status": status, "severity": severity, "buyer": buyer}
    return _auditors_page(request, session, "alerts", N_("Alerts"), done_words.get(done), **shown)


@router.post("/alerts/{alert_id}/review")
async def review_alert(
    request: Request,
    session: SessionDep,
    alert_id: int,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    not_same_firm: Annotated[str | None, Form()] = None,
    csrf: Annotated[str | None, Form()] = None,
) -> RedirectResponse:
    _need(request, session, "alerts")
    _csrf(request, session, csrf)
    alerts.review(
        request.app.state.engine,
        alert_id,
        decision=decision,
        reviewer=session.caller.name,
        note=note.strip() or None,
        not_same_firm=bool(not_same_firm),
    )
    return RedirectResponse(f"/alerts?done={quote(decision)}#a{alert_id}", status_code=303)


@router.get("/review")
async def review_page(
    request: Request, session: SessionDep, page: int = 1, done: str = ""
) -> HTMLResponse:
    _need(request, session, "review")
    tr = _tr(request)
    page = max(1, min(page, 100_000))
    queue = entities.review_queue(request.app.state.engine, page=page, per_page=20).model_dump()
    for item in queue["items"]:
        item["certainty"] = explain.certainty(item["probability"], tr)
        item["reasons"] = explain.reasons(item["evidence"], tr)
        item["held_apart"] = _held_apart(item["reason"], tr)
    done_words = {
        "same": N_("Recorded: the same firm."),
        "different": N_("Recorded: different firms."),
    }
    return _auditors_page(
        request, session, "review", N_("Review queue"), done_words.get(done), queue=queue
    )


def _auditors_page(
    request: Request, session: SignedIn, page: str, title: str, done: str | None, **context: Any
) -> HTMLResponse:
    """The alerts or the review queue (`page`: its template and menu entry), with `done` (what
    the form just posted did) as the flash; `title` and `done` untranslated."""
    tr = _tr(request)
    flash = tr.gettext(done) if done else None
    return render(
        request,
        f"{page}.html",
        title=tr.gettext(title),
        page=page,
        session=session,
        flash=flash,
        **context,
    )


def _held_apart(reason: str | None, tr: Translator = i18n.ENGLISH) -> str | None:
    """Why a pair was refused, in words. The RFCs in "different RFCs: X vs Y" are those of the
    firms the two records are already in, which need not be either record's own RFC."""
    prefix = "different RFCs: "
    if reason and reason.startswith(prefix):
        # A record held by an RFC its name cannot have (TESTIGO_LINK_ONE_COMPANY_RFC) is marked
        # so in the reason, in English: said in the reader's language here.
        rfcs = reason[len(prefix) :].replace(
            NOT_FROM_NAME, " (" + tr.gettext("not from its name") + ")"
        )
        return tr.gettext("the firms these records were in carry different RFCs ({rfcs})").format(
            rfcs=rfcs
        )
    return reason


@router.post("/review")
async def judge_pair(
    request: Request,
    session: SessionDep,
    decision: Annotated[str, Form()] = "",
    record_a: Annotated[str, Form(max_length=600)] = "",
    record_b: Annotated[str, Form(max_length=600)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    page: Annotated[int, Form()] = 1,
    csrf: Annotated[str | None, Form()] = None,
) -> RedirectResponse:
    _need(request, session, "judge")
    _csrf(request, session, csrf)
    judge(
        request.app.state.engine,
        decision,
        record_a,
        record_b,
        author=session.caller.name,
        note=note.strip() or None,
    )
    return RedirectResponse(f"/review?page={max(page, 1)}&done={quote(decision)}", status_code=303)
