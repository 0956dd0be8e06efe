# One-command set-up, demo and tests. Everything goes into .venv/ at the repo root.
#   make install   create .venv, install torch (CPU wheel), build mmcv 2.1.0 with ops, install mmseg_avs
#   make demo      install, then the main job (synthetic data -> train -> evaluate -> pictures)
#   make test      install, then the test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
TORCH_SPEC ?= torch==2.13.0
PYTEST_ARGS ?=

.PHONY: install demo test

install:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c "import torch" 2>/dev/null || $(PIP) install $(TORCH_SPEC)
	@# mmcv 2.1.0 has no wheel for recent torch: build it with ops, once (pip caches the wheel).
	@# Its setup.py needs pkg_resources (setuptools < 81) and must see the installed torch.
	@$(PY) -c "import mmcv.ops" 2>/dev/null || ( \
	  $(PIP) install "setuptools==80.9.0" wheel ninja && \
	  MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=2 $(PIP) install --no-build-isolation mmcv==2.1.0 )
	@$(MAKE) --no-print-directory $(VENV)/.mmseg_avs-installed

# Re-install the package (editable) only when its requirements change.
$(VENV)/.mmseg_avs-installed: setup.py requirements/runtime.txt requirements/tests.txt
	$(PIP) install --no-build-isolation -e ".[tests]"
	@touch $@

demo: install
	$(PY) tools/synthetic_demo.py

test: install
	$(PY) -m pytest $(PYTEST_ARGS)
