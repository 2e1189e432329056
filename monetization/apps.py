from django.apps import AppConfig

from lofi_site.standing_data import standing_data


class MonetizationConfig(AppConfig):
    name = "monetization"
    verbose_name = "Sales"

    def ready(self) -> None:
        # After every migrate and flush: the standard licence tiers, in a shop without any.
        standing_data(
            "monetization.default_tiers.default_tiers_ensure", order=30, requires=("monetization.LicenceTerms",)
        )
        from lofi_site.pagecache import connect_invalidation
        from monetization import checks  # noqa: F401 - registers the system checks

        # Tiers, their terms and packs show on the storefront's public pages.
        connect_invalidation(
            self.get_model(name) for name in ("LicenceTier", "LicenceTerms", "SamplePack", "SamplePackItem")
        )
