"""Adapter to the Salesforce org: auth, SOQL, pull, writeback, describe, retries, API budget."""
