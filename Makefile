# Common tasks. `make demo` and `make test` set everything up from a bare python3.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
SAMPLE := src/lumos/samples/dark_room.jpg
DEMO_OUT := out/demo

.PHONY: help demo test lint format bench bench-speed bench-lol train report sample clean

help:
	@echo "make demo        - set up .venv and enhance the bundled dark photo"
	@echo "make test        - set up .venv with dev extras, run ruff and pytest"
	@echo "make lint        - ruff check + format check"
	@echo "make format      - ruff format + autofix"
	@echo "make bench       - rewrite docs/speed.md, docs/robustness.md, docs/benchmarks.md and its"
	@echo "                   contact sheets and plot (every method on every dataset; ../shared/data),"
	@echo "                   docs/dehaze_bench.md and docs/exposure_bench.md (over/under exposure)"
	@echo "make bench-speed - print the speed table (s/MP, peak RSS); writes nothing"
	@echo "make bench-lol   - PSNR/SSIM of the classical enhancer on LOL eval15 (needs ../shared/data)"
	@echo "make train       - train the noise reading LumosNE, LumosNet (5 members) and LumosDN from scratch"
	@echo "                   (resumable), install their weights, rewrite CARD.md + loss.png (model_card.py)"
	@echo "make report      - regenerate docs/sample_report.html for the bundled photo"
	@echo "make sample      - redraw the bundled photo src/lumos/samples/dark_room.jpg"
	@echo "make clean       - remove .venv, caches and outputs"

# The stamp files re-run pip only when pyproject.toml changes.
$(VENV)/.base.stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.dev.stamp: $(VENV)/.base.stamp
	$(PIP) install -q -e '.[dev,batch,heic,raw,server,train]'
	touch $@

demo: $(VENV)/.base.stamp
	$(VENV)/bin/lumos info $(SAMPLE)
	$(VENV)/bin/lumos enhance $(SAMPLE) -o $(DEMO_OUT) --overwrite
	@echo "result: $(DEMO_OUT)/dark_room.jpg  (input: $(SAMPLE))"

test: $(VENV)/.dev.stamp
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts
	$(PY) -m pytest -q

lint: $(VENV)/.dev.stamp
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts

format: $(VENV)/.dev.stamp
	$(VENV)/bin/ruff format src tests bench scripts
	$(VENV)/bin/ruff check --fix src tests bench scripts

# Benchmarks read ../shared/data (beside the repo) and write docs/speed.md,
# docs/robustness.md and docs/benchmarks.md (with its contact sheets and plot).
bench: $(VENV)/.bench.stamp
	$(PY) bench/speed.py | tee docs/speed.md
	$(PY) bench/speed.py --model lumosnet | tee -a docs/speed.md
	$(PY) bench/robustness.py | tee docs/robustness.md
	$(PY) bench/report.py
	$(PY) bench/do_no_harm.py --before bench/results/do_no_harm_before.json \
	  --json bench/results/do_no_harm_after.json | tee -a docs/benchmarks.md
	$(PY) bench/dehaze.py | tee docs/dehaze_bench.md
	$(PY) bench/exposure.py --sheet docs/contact_exposure_real.png | tee docs/exposure_bench.md
	$(PY) bench/exposure_matching.py | tee -a docs/exposure_bench.md

$(VENV)/.bench.stamp: $(VENV)/.base.stamp
	$(PIP) install -q -e '.[bench]'
	touch $@

bench-speed: $(VENV)/.base.stamp
	$(PY) bench/speed.py

bench-lol: $(VENV)/.base.stamp
	$(PY) bench/lol.py

# Train the networks from scratch (resumable) and install the exported ONNX weights:
# the noise reading LumosNE (about 15 min), which the analysis uses from then on;
# LumosNet's five members with seeds 0-4 (about 35 min each on a free core), averaged
# at run time; then its denoiser LumosDN (about 45 min), which learns on photos
# brightened by them, told the noise the analysis reads.
train: $(VENV)/.dev.stamp
	$(PY) -m lumos.train.ne --data ../shared/data --out runs/ne --steps 6000 --threads 1 \
	  --install
	for s in 0 1 2 3 4; do \
	  $(PY) -m lumos.train --data ../shared/data --out runs/lumosnet_s$$s --seed $$s \
	    --steps 6000 --threads 1 || exit 1; \
	  $(PY) -m lumos.train --data ../shared/data --out runs/lumosnet_off_s$$s --seed $$s \
	    --offsets --init-from runs/lumosnet_s$$s --steps 4000 --lr 5e-4 --threads 1 \
	    --install || exit 1; \
	done
	$(PY) -m lumos.train.dn --data ../shared/data --out runs/dn --steps 6000 --batch 16 \
	  --patch 128 --width 48 --threads 1
	$(PY) -m lumos.train.dn --data ../shared/data --out runs/dn_cam --init runs/dn/best.pt \
	  --steps 3000 --lr 5e-4 --batch 16 --patch 128 --width 48 --threads 2 \
	  --camera-fraction 0.8 --camera-exposed 0.5 --install
	$(PY) scripts/model_card.py

# The sample explain report in docs/ (for the bundled photo): needs only the report extra.
report: $(VENV)/.report.stamp
	$(VENV)/bin/lumos explain $(SAMPLE) -o docs/sample_report.html --overwrite

$(VENV)/.report.stamp: $(VENV)/.base.stamp
	$(PIP) install -q -e '.[report]'
	touch $@

sample: $(VENV)/.base.stamp
	$(PY) scripts/make_sample.py $(SAMPLE)

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache build dist src/*.egg-info
