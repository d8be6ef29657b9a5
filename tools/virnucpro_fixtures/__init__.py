"""Test-fixture generation (tools/make_fixtures.py): a plain-Python restatement of VirNucPro's prediction path
(spec sections 1-8, one sequence at a time, as the original ran), synthetic sequences and the demo tokenizer.
"""
