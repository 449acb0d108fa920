# Trợ lý Báo cáo — the README's commands.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.installed-llm
# llama.cpp's native build uses AMX instructions these VMs lack; build for AVX2.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

.PHONY: install run test test-unit fit eval bench lint format clean browser ocr llm model ingest-samples

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# the CPU build of torch first, so sentence-transformers does not pull a CUDA build
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

llm: $(LLM_STAMP)

$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q -e '.[llm]'
	touch $(LLM_STAMP)

# Debian's Chromium for the real-browser UI test (no browser download at test time).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "chromium missing: install it (apt-get install chromium) for the browser test"; fi; \
	fi

# Debian's Tesseract with its Vietnamese model, for scanned PDFs (OCR); like Chromium above.
ocr:
	@if ! command -v tesseract >/dev/null || ! tesseract --list-langs 2>/dev/null | grep -qx vie; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-vie >/dev/null; \
	  else echo "tesseract missing: install tesseract-ocr and tesseract-ocr-vie for scanned PDFs"; fi; \
	fi

model: $(STAMP)
	$(BIN)/python -m vectorstore.e5_convert --ensure

ingest-samples: model
	$(BIN)/python -m ingest add --if-empty data/reports

run: ocr ingest-samples
	@echo "Trợ lý Báo cáo: http://$(HOST):$(PORT)"
	$(BIN)/streamlit run ui/app.py --server.address $(HOST) --server.port $(PORT) \
	  --server.headless true --browser.gatherUsageStats false

test: $(STAMP) $(LLM_STAMP) browser ocr
	$(BIN)/python -m pytest

test-unit: $(STAMP)
	$(BIN)/python -m pytest -m "unit"

fit: model
	$(BIN)/python -m eval fit-embedding
	$(BIN)/python -m eval fit

eval: model
	$(BIN)/python -m eval compare --questions eval/data/train.jsonl
	$(BIN)/python -m eval heldout

bench: model
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy baocao ingest vectorstore assistant eval ui bench

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf .data .pytest_cache .mypy_cache .ruff_cache tests/artifacts
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
