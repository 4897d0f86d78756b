"""Built-in dedup plugins, registered under the ``crm.matchers`` entry-point group."""
