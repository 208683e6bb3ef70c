"""A Salesforce-compatible HTTPS server: the org for the demo, the tests and the benchmarks."""
