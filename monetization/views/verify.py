"""Licence verification: anyone can check a licence code."""

from __future__ import annotations

import re

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from monetization import selectors
from monetization.forms import VerifyForm
from monetization.models import LICENCE_CODE_ALPHABET, LICENCE_CODE_RE


def normalise_code(text: str) -> str:
    """ "lofi 7kq2 m9xd", "LOFI7KQ2M9XD" -> "LOFI-7KQ2-M9XD"; lookalikes (O, I, L) read as 0, 1 are left as
    typed so the unknown-code page can explain them."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if compact.startswith("LOFI"):
        compact = compact[4:]
    if len(compact) != 8:
        return text.strip().upper()
    return f"LOFI-{compact[:4]}-{compact[4:]}"


@require_GET
def licence_verify_form(request):
    form = VerifyForm(request.GET or None)
    if request.GET and form.is_valid():
        code = normalise_code(form.cleaned_data["code"])
        if "/" not in code:
            return redirect("monetization:licence_verify", code=code)
        form.add_error("code", "A licence code has letters, digits and dashes only, like LOFI-7KQ2-M9XD.")
    return render(request, "monetization/licence_verify_form.html", {"form": form})


@require_GET
def licence_verify(request, code):
    canonical = normalise_code(code)
    if canonical != code and LICENCE_CODE_RE.match(canonical):
        return redirect("monetization:licence_verify", code=canonical)
    licence = selectors.licence_for_verification(canonical) if LICENCE_CODE_RE.match(canonical) else None
    if licence is None:
        body = canonical.replace("LOFI-", "", 1)
        # Shaped like a code (two groups of four letters or digits) but unknown, or not a code at all.
        code_shaped = bool(re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", body))
        confusable = sorted({ch for ch in body if ch.isalnum() and ch not in LICENCE_CODE_ALPHABET})
        return render(
            request,
            "monetization/licence_verify_unknown.html",
            {
                "code": code[:40],
                "code_shaped": code_shaped,
                "form": VerifyForm(initial={"code": code[:40]}),
                "confusable": confusable,
                "alphabet": LICENCE_CODE_ALPHABET,
            },
            status=404,
        )
    channel = request.GET.get("channel", "").strip()
    channel_covered = None
    if channel:
        channel_covered = licence.is_valid and licence.channels.filter(channel_id=channel[:24]).exists()
    return render(
        request,
        "monetization/licence_verify.html",
        {"licence": licence, "channel": channel[:24], "channel_covered": channel_covered},
    )
