from django.contrib import admin

from walkback.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail can be searched, never edited or deleted."""

    list_display = ("at", "actor_id", "action", "object_type", "object_id", "patient_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id",)
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
