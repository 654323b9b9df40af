"""Service vouchers and personal budgets: the resident's wallet, and the importer from the voucher system."""

from flask import Blueprint

bp = Blueprint("wallet", __name__, url_prefix="/wallet")

from portal.wallet import views  # noqa: E402,F401
