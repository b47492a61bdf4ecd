"""No tables: the site's own permissions (Django keeps permissions on a model)."""

from __future__ import annotations

from django.db import models


class Operations(models.Model):
    """Holds the operators' permissions; its table is never created."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = (("view_metrics", "Can read the operators' metrics (/metrics)"),)
