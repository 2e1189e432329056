from django.conf import settings


def label(request):
    return {"label_name": settings.LABEL_NAME, "site_url": settings.SITE_URL}
