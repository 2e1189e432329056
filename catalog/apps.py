from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        from lofi_site.pagecache import connect_invalidation

        # Every catalogue record can show on a public page: any write makes the cached pages stale.
        connect_invalidation(self.get_models())
