"""The wallet: a person's service vouchers and personal budgets, their transactions, forecast and refusal.

Whose wallet a page shows is decided by `subject_for("balances")` alone: the person's own, or, for a relative acting
under a mandate that covers balances, the represented person's (and then the look is in the access log).
"""

from __future__ import annotations

import csv
import io
import re

from flask import Response, abort, g, redirect, request, url_for
from flask_babel import gettext as _

from portal.auth.access import login_required
from portal.compare.units import today_in_helsinki
from portal.htmx import render_page
from portal.i18n import current_language, keeps_query
from portal.inputs import parse_int
from portal.mandates.acting import ScopeRefused, subject_for
from portal.models import Budget, Voucher
from portal.wallet import bp
from portal.wallet.refusal import REFUSABLE, refuse
from portal.wallet.services import (
    TransactionFilter,
    budget_view,
    budgets,
    find_budget,
    find_voucher,
    home_municipality,
    latest_transactions,
    service_name,
    transactions,
    voucher_view,
    vouchers,
)

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@bp.route("/")
@login_required("resident")
def overview():
    person_id = subject_for("balances", "wallet_viewed", page="overview")
    today, language = today_in_helsinki(), current_language()
    return render_page(
        "views/wallet/overview.html",
        vouchers=[voucher_view(v, today, language) for v in vouchers(person_id)],
        budgets=[budget_view(b, today, language) for b in budgets(person_id)],
        today=today,
        language=language,
    )


@bp.route("/vouchers/<public_id>")
@login_required("resident")
def voucher(public_id: str):
    person_id = subject_for("balances", "wallet_viewed", page="voucher")
    found = find_voucher(person_id, public_id)
    if found is None:
        abort(404)
    language = current_language()
    view = voucher_view(found, today_in_helsinki(), language, home_municipality(person_id), offers=True)
    return render_page("views/wallet/voucher.html", view=view, service=service_name(found, language))


@bp.route("/budgets/<public_id>")
@login_required("resident")
def budget(public_id: str):
    found = _budget_or_404(public_id, "budget")
    today = today_in_helsinki()
    view = budget_view(found, today, current_language(), with_chart=True)
    return render_page("views/wallet/budget.html", view=view, latest=latest_transactions(found, 10), today=today)


def _budget_or_404(public_id: str, page: str) -> Budget:
    """The budget of the person whose wallet this is (the look logged when it is someone else's), or 404."""
    found = find_budget(subject_for("balances", "wallet_viewed", page=page), public_id)
    if found is None:
        abort(404)
    return found


def _filter() -> TransactionFilter:
    month = request.args.get("month") or None
    if month is not None and not MONTH.match(month):
        month = None
    return TransactionFilter(
        month=month,
        provider=(request.args.get("provider") or None),
        service=(request.args.get("service") or None),
    )


@bp.route("/budgets/<public_id>/transactions")
@login_required("resident")
@keeps_query("month", "provider", "service", "page", "print")
def budget_transactions(public_id: str):
    found = _budget_or_404(public_id, "transactions")
    printing = request.args.get("print") == "1"
    chosen = _filter()
    page = transactions(found, chosen, None if printing else (parse_int(request.args.get("page")) or 1))
    language = current_language()
    names = {a.service_code: service_name(a, language) for a in found.allocations}
    return render_page(
        "views/wallet/transactions.html",
        block="results",
        budget=found,
        page=page,
        chosen=chosen,
        printing=printing,
        service_names=names,
    )


@bp.route("/budgets/<public_id>/transactions.csv")
@login_required("resident")
def budget_transactions_csv(public_id: str):
    found = _budget_or_404(public_id, "transactions_csv")
    page = transactions(found, _filter(), None)
    language = current_language()
    names = {a.service_code: service_name(a, language) for a in found.allocations}
    header = [_("Date"), _("Provider"), _("Service"), _("Amount (euros)"), _("Status")]
    statuses = _status_labels()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in page.rows:
        writer.writerow(
            [
                row.day.isoformat(),
                _cell(row.provider_name or row.provider_id),
                _cell(names.get(row.service_code, row.service_code)),
                f"{row.amount_cents / 100:.2f}",
                statuses.get(row.status, row.status),
            ]
        )
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="budget-{found.period_start.isoformat()}.csv"'
    return response


def _cell(text: str) -> str:
    """A spreadsheet must never read a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _status_labels() -> dict[str, str]:
    return {"paid": _("Paid"), "reserved": _("Reserved"), "cancelled": _("Cancelled")}


@bp.route("/<kind>/<public_id>/refuse", methods=["GET", "POST"])
@login_required("resident")
def refuse_item(kind: str, public_id: str):
    if kind not in REFUSABLE:
        abort(404)
    if g.get("acting") is not None:
        raise ScopeRefused("own")  # refusing a voucher or a budget is the person's own decision
    person_id = int(g.user.id)
    item = find_voucher(person_id, public_id) if kind == "vouchers" else find_budget(person_id, public_id)
    if item is None:
        abort(404)
    if request.method == "POST":
        refuse(item, actor=g.user)
        return redirect(url_for(f"wallet.{kind[:-1]}", public_id=public_id))
    name = service_name(item, current_language()) if isinstance(item, Voucher) else None
    return render_page("views/wallet/refuse.html", kind=kind, item=item, name=name)


@bp.route("/rights")
def rights():
    return render_page("views/wallet/rights.html")
