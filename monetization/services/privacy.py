"""A customer's personal data erased on request, while their orders and licences stay for the books.

Orders, lines, licences and ledger entries are accounting records the label must keep; what identifies the
person (their e-mail address and the licensee name) is replaced, and certificate PDFs that print the name are
deleted (a new one would print the replacement). The licence itself stays valid and verifiable by its code.
"""

from __future__ import annotations

from django.core.files.storage import storages
from django.db import transaction

from monetization.audit_verbs import SalesVerb
from monetization.models import Licence, Order
from operations.services import audit_log

ERASED_NAME = "(erased at the customer's request)"


def _erased_email(order: Order) -> str:
    return f"erased-{order.uuid.hex[:12]}@erased.invalid"  # .invalid never resolves (RFC 2606)


@transaction.atomic
def customer_anonymise(*, email: str) -> int:
    """Replace `email` and the licensee names on every order and licence of that address; returns how many
    orders were changed. Idempotent: a second call finds nothing under the address."""
    email = email.strip()
    if not email:
        return 0
    orders = list(Order.objects.select_for_update().filter(email__iexact=email))
    for order in orders:
        replacement = _erased_email(order)
        order.email, order.licensee_name = replacement, ERASED_NAME
        order.save(update_fields=["email", "licensee_name", "updated_at"])
        licences = Licence.objects.select_for_update().filter(order_line__order=order)
        for licence in licences:
            if licence.certificate_path:
                storages["private"].delete(licence.certificate_path)
            licence.licensee_email, licence.licensee_name, licence.certificate_path = replacement, ERASED_NAME, ""
            licence.save(update_fields=["licensee_email", "licensee_name", "certificate_path", "updated_at"])
        audit_log(actor=None, verb=SalesVerb.ORDER_ANONYMISED, obj=order, summary="Customer data erased on request")
    # Licences whose holder address differs from the order's (none today) are covered too.
    Licence.objects.filter(licensee_email__iexact=email).update(
        licensee_email="erased@erased.invalid", licensee_name=ERASED_NAME
    )
    return len(orders)
