"""The pages. Like the API routes, each one checks its input, calls the domain functions the API
calls (the check, entity detail, alerts, judgements) and renders the answer; officers see the
supplier check only, auditors everything. Forms are plain HTML posts carrying the session's
CSRF token; every check made here is written to the audit log, as over the API."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app import sources
from app.alerts import review as alerts
from app.checks import check_supplier
from app.deps import verify_key
from app.errors import Forbidden, NotFound, TestigoError, TooManyRequests, Unauthorised
from app.schemas import MAX_NAME
from app.web import origin, sessions, timeline
from app.web.origin import origin_of
from app.web.sessions import Session
from matching import entities, explain, rfc
from matching.judgements import record as judge

router = APIRouter(include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

REGISTRIES = {
    "sfp": "SFP sanctioned suppliers",
    "sat-69b": "SAT Article 69-B list",
    "pdn-s3": "PDN System 3",
}
KINDS = {
    "debarment": "debarment (inhabilitación)",
    "fine": "fine (multa)",
    "efos_definitivo": "shell-invoice firm, definitive (Definitivo)",
    "efos_presunto": "presumed shell-invoice firm (Presunto)",
    "efos_desvirtuado": "cleared of the presumption (Desvirtuado)",
    "efos_sentencia_favorable": "court ruling in its favour (Sentencia favorable)",
    "other": "other sanction",
}


def sanction_kind(kind: str, status: str | None) -> str:
    """A sanction's kind in words, with the registry's own status word once: the 69-B kinds
    already name their status ("definitive (Definitivo)"), so it is not repeated after them."""
    label = KINDS.get(kind, kind)
    if status and f"({status})".casefold() not in label.casefold():
        label = f"{label} ({status})"
    return label


SOURCES = {
    "ocds": "OCDS contracts",
    "sfp": "SFP sanctioned suppliers",
    "sat-69b": "SAT 69-B list",
    "pdn-s3": "PDN System 3",
    "cdmx-sefin": "Mexico City supplier register",
}
VERDICTS = {
    "barred": {
        "badge": "BARRED",
        "headline": "Do not award: this supplier is barred from public contracts on {on}.",
        "advice": "A debarment in force on that day covers the firm this supplier resolves to. "
        "The sanction, its authority and why Testigo thinks it is this firm are below.",
    },
    "warning": {
        "badge": "WARNING",
        "headline": "Check before awarding.",
        "advice": "The firm is on the SAT 69-B list of shell-invoice firms, was debarred until "
        "recently, or was fined. That does not bar an award by itself: read the facts below.",
    },
    "review": {
        "badge": "NEEDS REVIEW",
        "headline": "A sanctioned firm may be this supplier.",
        "advice": "Testigo is not sure the supplier is that firm. Compare the records below, or "
        "ask an auditor, before awarding.",
    },
    "clear": {
        "badge": "CLEAR",
        "headline": "No sanction found for this supplier on {on}.",
        "advice": "No debarment, 69-B listing or fine of a firm matching this supplier is in "
        "the data Testigo holds (as of its last update).",
    },
}


class SignInRequired(Unauthorised):
    """No live session: the browser is sent to the sign-in page, and back here after."""

    def __init__(self, next_url: str) -> None:
        super().__init__("sign in first")
        self.next_url = next_url


def is_page(request: Request) -> bool:
    """Whether a page of this module answers the request: its errors are shown as a page."""
    return getattr(request.scope.get("endpoint"), "__module__", None) == __name__


def error_page(request: Request, exc: TestigoError) -> Response:
    """A page that cannot be shown, as an HTML page that says why (an API error is JSON):
    app/main.py sends every TestigoError a page raises here."""
    if isinstance(exc, SignInRequired):
        return RedirectResponse(f"/sign-in?next={quote(exc.next_url)}", status_code=303)
    found = sessions.find(request.app.state.engine, request.cookies.get(sessions.COOKIE))
    titles = {
        401: "Sign in",
        403: "Not allowed",
        404: "Not found",
        422: "Cannot do that",
        429: "Too many attempts",
    }
    title = titles.get(exc.status, "Something went wrong")
    message = _sentence(exc.detail)
    answer = render("error.html", code=exc.status, title=title, message=message, session=found)
    answer.headers.update(exc.headers or {})
    return answer


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals.update(
    static=lambda name: f"/static/{name}",
    registries=REGISTRIES,
    kinds=KINDS,
    sanction_kind=sanction_kind,
    published_on=sources.published_on,
    sources=SOURCES,
    max_name=MAX_NAME,
)


def render(name: str, code: int = 200, **context: Any) -> HTMLResponse:
    values = {"flash": None, "session": None, "page": None, "title": "Testigo", **context}
    return HTMLResponse(_env.get_template(name).render(**values), status_code=code)


async def current_session(request: Request) -> Session:
    found = sessions.find(request.app.state.engine, request.cookies.get(sessions.COOKIE))
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return found


SessionDep = Annotated[Session, Depends(current_session)]


async def session_or_key(
    request: Request, api_key: Annotated[str | None, Query(max_length=200)] = None
) -> Session:
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
            raise Unauthorised("That API key is unknown or revoked: sign in with a valid one.")
        return Session(caller, csrf="", keyed=True)
    return await current_session(request)


ViewerDep = Annotated[Session, Depends(session_or_key)]


def _need(session: Session, action: str) -> None:
    if not session.caller.may(action):
        raise Forbidden(
            f"This page is for auditors; the {session.caller.role} role may not see it."
        )


def _csrf(session: Session, sent: str | None) -> None:
    if not session.csrf_ok(sent):
        raise Forbidden("This form has expired: go back, reload the page and send it again.")


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never send a signed-in browser elsewhere.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/check"


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/check", status_code=303)


@router.get("/sign-in")
async def sign_in_page(next: str = "/check") -> HTMLResponse:
    return render("sign_in.html", title="Sign in", next=_safe_next(next), error=None)


@router.post("/sign-in")
async def sign_in(
    request: Request,
    key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/check",
) -> Response:
    own = {origin_of(str(request.base_url)), origin_of(request.app.state.settings.public_url)}
    elsewhere = origin.foreign(request.headers, own)
    if elsewhere is not None:
        return render(
            "sign_in.html",
            code=403,
            title="Sign in",
            next="/check",
            error=f"This sign-in was sent from another site ({elsewhere}) and was refused. "
            "Open Testigo's own sign-in page and sign in there.",
        )
    engine = request.app.state.engine
    try:
        caller = verify_key(request, key.strip()) if key.strip() else None
    except TooManyRequests as exc:
        refused = render(
            "sign_in.html",
            code=exc.status,
            title="Sign in",
            next=_safe_next(next),
            error=_sentence(exc.detail),
        )
        refused.headers.update(exc.headers or {})
        return refused
    if caller is None:
        return render(
            "sign_in.html",
            code=401,
            title="Sign in",
            next=_safe_next(next),
            error="That key is unknown or revoked. Check it, or ask an administrator for one.",
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
    _csrf(session, csrf)
    sessions.close(request.app.state.engine, request.cookies.get(sessions.COOKIE))
    answer = RedirectResponse("/sign-in", status_code=303)
    answer.delete_cookie(sessions.COOKIE, path="/")
    return answer


@router.get("/check")
async def check_page(request: Request, session: SessionDep, q: str = "", on: str = "") -> Response:
    # Cut to the API's limit before anything reads it: the check, the page and the audit log
    # see the same query a key holder could send to /v1/check.
    q = q[:MAX_NAME]
    context: dict[str, Any] = {
        "title": "Check a supplier",
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
        return render("check.html", **context)
    try:
        day = date.fromisoformat(on) if on.strip() else date.today()
    except ValueError:
        context["error"] = f"The award date must look like 2026-11-24, not {on!r}."
        return render("check.html", code=422, **context)
    index = request.app.state.index.index
    if index is None:
        context["error"] = f"Testigo is not ready to check yet: {request.app.state.index.problem}."
        return render("check.html", code=503, **context)
    # One word shaped like an RFC is checked as an RFC, even a broken one, so that it is
    # refused (or found one typo away) rather than looked up as a name.
    is_rfc = rfc.meant_as_rfc(q)
    try:
        result = check_supplier(
            index,
            request.app.state.engine,
            request.app.state.settings,
            name=None if is_rfc else q.strip(),
            rfc=q.strip() if is_rfc else None,
            on=day,
            caller=session.caller,
            log=request.app.state.audit,
        )
    except rfc.NotAnRfc as exc:  # said on the form, beside the query to correct
        context["error"] = _sentence(exc.detail)
        return render("check.html", code=422, **context)
    words = {k: v.format(on=day.isoformat()) for k, v in VERDICTS[result["verdict"]].items()}
    firms = []
    for match in result["matches"]:
        names = [r["name"] for r in match["records"] if r["name"]]
        firms.append(
            {
                "match": match,
                "name": max(names, key=names.count) if names else None,
                "certainty": explain.certainty(match["probability"]),
                "reasons": explain.reasons(match["evidence"]),
                "sanctions": [
                    s for s in result["sanctions"] if s["entity_id"] == match["entity_id"]
                ],
            }
        )
    context.update(result=result, words=words, firms=firms, as_of=result["data_as_of"])
    return render("check.html", **context)


def _sentence(text: str) -> str:
    end = "" if text.endswith((".", "!", "?")) else "."
    return f"{text[:1].upper()}{text[1:]}{end}"


@router.get("/firms")
async def firms_page(request: Request, session: SessionDep, q: str = "") -> HTMLResponse:
    _need(session, "entities")
    found = (
        entities.search(request.app.state.engine, q[:200], page=1, per_page=50)
        if q.strip()
        else None
    )
    return render("firms.html", title="Firms", page="firms", session=session, q=q, found=found)


@router.get("/firms/{entity_id}")
async def firm_page(request: Request, session: ViewerDep, entity_id: str) -> HTMLResponse:
    _need(session, "entities")
    firm = entities.detail(request.app.state.engine, entity_id[:64])
    if firm is None:
        raise NotFound(f"There is no firm {entity_id!r}: search for it on the Firms page.")
    drawn = timeline.build(firm["awards"], firm["sanctions"], today=date.today())
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
            "certainty": explain.certainty(link["probability"]),
            "reasons": explain.reasons(link["evidence"]),
        }
        for link in firm["links"]
    ]
    answer = render(
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
    _need(session, "alerts")
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
        a["certainty"] = explain.certainty(a["probability"]) if a["probability"] else ""
        a["reasons"] = explain.reasons(a["evidence"] or [])
    flash = {"confirm": "Alert confirmed.", "dismiss": "Alert dismissed."}.get(done)
    return render(
        "alerts.html",
        title="Alerts",
        page="alerts",
        session=session,
        alerts=listed,
        status=status,
        severity=severity,
        buyer=buyer,
        flash=flash,
    )


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
    _need(session, "alerts")
    _csrf(session, csrf)
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
    _need(session, "review")
    page = max(1, min(page, 100_000))
    queue = entities.review_queue(request.app.state.engine, page=page, per_page=20)
    for item in queue["items"]:
        item["certainty"] = explain.certainty(item["probability"])
        item["reasons"] = explain.reasons(item["evidence"])
        item["held_apart"] = _held_apart(item["reason"])
    flash = {"same": "Recorded: the same firm.", "different": "Recorded: different firms."}
    return render(
        "review.html",
        title="Review queue",
        page="review",
        session=session,
        queue=queue,
        flash=flash.get(done),
    )


def _held_apart(reason: str | None) -> str | None:
    """Why a pair was refused, in words. The RFCs in "different RFCs: X vs Y" are those of the
    firms the two records are already in, which need not be either record's own RFC."""
    prefix = "different RFCs: "
    if reason and reason.startswith(prefix):
        return f"the firms these records were in carry different RFCs ({reason[len(prefix) :]})"
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
    _need(session, "judge")
    _csrf(session, csrf)
    judge(
        request.app.state.engine,
        decision,
        record_a,
        record_b,
        author=session.caller.name,
        note=note.strip() or None,
    )
    return RedirectResponse(f"/review?page={max(page, 1)}&done={quote(decision)}", status_code=303)
