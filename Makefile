# The two commands of the README: `make site` and `make test`.
# Both create the virtualenv on first use (never the system Python) from pinned versions.
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
# Every region with params (each publishes its own reports/_site/<region>/); `make site REGIONS=id` builds one.
REGIONS ?= $(patsubst params/regions/%/region.yaml,%,$(wildcard params/regions/*/region.yaml))

.PHONY: site test env clean-store i18n

site: $(STAMP)
	@test -n "$(REGIONS)" || { echo "no region under params/regions/ (see README: Adding a region)"; exit 2; }
	set -e; for region in $(REGIONS); do $(VENV)/bin/tflib build --region $$region; done

test: $(STAMP) node_modules/.package-lock.json
	$(VENV)/bin/pytest -q -n 2 --dist loadgroup

# axe-core for the accessibility tests, at the version package-lock.json pins (where npm is installed).
node_modules/.package-lock.json: package-lock.json
	if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund; else echo "npm not found: the accessibility tests will say so"; fi

env: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c constraints.txt -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

clean-store:
	rm -rf data/store data/archive data/quarantine data/feedback data/pending

# Refresh the message template and merge new messages into every catalog (then translate them).
i18n: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k t -k gettext -k N_ -k tn:1,2 --no-location --sort-output -o tflib/locale/tflib.pot .
	for lang in $$(ls tflib/locale | grep -v '\.pot$$'); do \
		$(VENV)/bin/pybabel update -w 100 --no-fuzzy-matching --ignore-obsolete -i tflib/locale/tflib.pot -d tflib/locale -D tflib -l $$lang; done
