"""`deploytool deb`: a built release and one role's systemd units as a reproducible, lintian-clean .deb."""
