# docs/conf.py and the extensions in docs/_ext are Sphinx's configuration and
# plug-ins (they need Sphinx), not modules with doctests.
collect_ignore = ["conf.py", "_ext"]
