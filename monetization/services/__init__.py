"""Every write of the sales app, one module per capability; this package re-exports their public names, so
`from monetization.services import order_fulfil` and `services.order_fulfil(...)` keep working.

| module | capability |
|---|---|
| `tiers` | licence tiers and their terms versions; the audit of a price change |
| `sample_packs` | a pack's sale details and building its zip and demo |
| `checkout` | an order from the cart, its Stripe Checkout Session, asking Stripe when the webhook is late |
| `stripe_events` | Stripe webhook events, each applied exactly once |
| `orders` | an order paid (licences, links, ledger), expired, payment failed, refunded |
| `licences` | licences issued once per paid line, revoked |
| `downloads` | download links: issue, regenerate and e-mail, count, the file each delivers |
| `paperwork` | certificates (PDF) and the e-mails an order sends; the "my downloads" sign-in link |
| `channels` | YouTube channels on a licence's Content ID allow list |
| `ledger` | storefront sales and refunds booked, revenue statements imported |
| `privacy` | a customer's name and address erased from orders and licences kept for the books |

Services are keyword-only, validate, run in a transaction and are idempotent: Stripe delivers events at
least once and tasks may run twice, so a repeated call finds its work done and changes nothing. Tests that
replace a name patch it in the module that looks it up, not here.
"""

from monetization.services.channels import channel_id_parse, channel_register, channel_remove
from monetization.services.checkout import order_checkout_start, order_create, order_sync_from_stripe
from monetization.services.downloads import (
    DownloadRefused,
    download_file,
    download_link_consume,
    download_links_issue,
    order_download_links_email,
    order_download_links_regenerate,
    order_download_links_send,
)
from monetization.services.ledger import statement_import
from monetization.services.licences import licence_issue, licence_revoke
from monetization.services.orders import (
    order_fulfil,
    order_mark_expired,
    order_mark_payment_failed,
    order_refund_record,
)
from monetization.services.paperwork import (
    download_url,
    licence_certificate_ensure,
    magic_link_request,
    magic_link_send,
    order_confirmation_resend,
    order_paperwork,
    order_refund_notice,
    verification_url,
)
from monetization.services.privacy import customer_anonymise
from monetization.services.sample_packs import sample_pack_build, sample_pack_request_build, sample_pack_save
from monetization.services.stripe_events import stripe_event_process, stripe_event_record_malformed
from monetization.services.tiers import licence_tier_save

__all__ = [
    "DownloadRefused",
    "channel_id_parse",
    "channel_register",
    "channel_remove",
    "customer_anonymise",
    "download_file",
    "download_link_consume",
    "download_links_issue",
    "download_url",
    "licence_certificate_ensure",
    "licence_issue",
    "licence_revoke",
    "licence_tier_save",
    "magic_link_request",
    "magic_link_send",
    "order_checkout_start",
    "order_confirmation_resend",
    "order_create",
    "order_download_links_email",
    "order_download_links_regenerate",
    "order_download_links_send",
    "order_fulfil",
    "order_mark_expired",
    "order_mark_payment_failed",
    "order_paperwork",
    "order_refund_notice",
    "order_refund_record",
    "order_sync_from_stripe",
    "sample_pack_build",
    "sample_pack_request_build",
    "sample_pack_save",
    "statement_import",
    "stripe_event_process",
    "stripe_event_record_malformed",
    "verification_url",
]
