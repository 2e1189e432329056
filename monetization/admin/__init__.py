"""Cockpit screens for sales, one module per capability; importing the package registers them all. Finance sees
everything here; Editors only licence tiers and sample packs; VAs nothing (their group holds no permission of this
app).

- `shop`: what the storefront sells (licence tiers and their terms, sample packs)
- `orders`: orders, licences, download links, channel registrations and Stripe's webhook events
- `ledger`: the revenue ledger and distributor statement imports
- `common`: the read-only inline the others share
"""

from monetization.admin import ledger, orders, shop  # noqa: F401 (registers)
