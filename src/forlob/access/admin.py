"""Deliberately empty: the audit log and emergency grants are not in Django's admin.

Django's admin reads rows without writing an audit entry, and both models name citizens; every
look at them must be audited (Sundhedsloven). Administrators use the audit pages instead
(/audit/: search and export, emergency-access review, the citizen's report), which are audited and
read-only. tests/test_urls.py checks that the admin registers no citizen data.
"""
