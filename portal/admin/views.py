"""Staff roles: the admin grants and revokes them."""

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _

from portal.admin import bp
from portal.admin.forms import ROLE_LABELS, GrantRoleForm
from portal.admin.services import end_staff_sessions, grant, list_grants, provider_roles, revoke
from portal.auth.access import role_required
from portal.htmx import render_page


@bp.route("/roles", methods=["GET", "POST"])
@role_required("admin")
def roles():
    form = GrantRoleForm()
    if form.validate_on_submit():
        if grant(form.subject.data, form.role.data, g.user):
            flash(
                _("Role %(role)s granted to %(subject)s.", role=ROLE_LABELS[form.role.data], subject=form.subject.data)
            )
        else:
            flash(
                _(
                    "%(subject)s already has the role %(role)s.",
                    role=ROLE_LABELS[form.role.data],
                    subject=form.subject.data,
                )
            )
        return redirect(url_for("admin.roles"))
    status = 400 if form.errors else 200
    return render_page(
        "views/admin/roles.html",
        status=status,
        form=form,
        grants=list_grants(),
        provider_staff=provider_roles(),
        role_labels=ROLE_LABELS,
    )


@bp.route("/roles/<int:grant_id>/revoke", methods=["POST"])
@role_required("admin")
def revoke_role(grant_id: int):
    row = revoke(grant_id, g.user)
    if row is None:
        abort(404)
    flash(_("Role %(role)s removed from %(subject)s.", role=ROLE_LABELS.get(row.role, row.role), subject=row.subject))
    return redirect(url_for("admin.roles"))


@bp.route("/staff/<int:staff_id>/end-sessions", methods=["POST"])
@role_required("admin")
def end_sessions(staff_id: int):
    staff = end_staff_sessions(staff_id, g.user)
    if staff is None:
        abort(404)
    flash(_("%(name)s is logged out everywhere.", name=staff.name))
    return redirect(url_for("admin.roles"))
