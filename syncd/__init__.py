"""syncd: the marketing-to-sales lead handover, run by itself inside Salesforce."""

__version__ = "0.1.0"
