"""Data quality: the suites (expectations/suites/*.yaml, one per table), their validation with
Great Expectations without keeping values, and the Data Docs built from the results."""
