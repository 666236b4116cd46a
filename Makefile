PY := .venv/bin/python

.PHONY: run test setup migrate demo messages deploy-check

run:
	@scripts/setup.sh run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@scripts/serve.sh

test:
	@scripts/setup.sh test
	@scripts/test.sh $(PYTEST_ARGS)

messages:
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages -l en --ignore=.venv

deploy-check:
	@scripts/setup.sh run
	@scripts/deploy-check.sh

# The benchmark (bench/README.md); not part of `make test`. QUICK=1 runs 10,000 cases,
# CASES=N any number; SCALEOUT=1 adds the one-versus-two workers run; PEER=0 skips django-helpdesk.
.PHONY: bench
bench:
	@QUICK="$(QUICK)" CASES="$(CASES)" SCALEOUT="$(SCALEOUT)" REUSE="$(REUSE)" PEER="$(PEER)" BENCH_SECONDS="$(BENCH_SECONDS)" scripts/bench.sh
