# Conveniences over tasks.py, which needs nothing but Python.
.PHONY: run test

run:
	python3 tasks.py run

test:
	python3 tasks.py test
