"""Operations: logging, run records, status page, metrics, reports."""
