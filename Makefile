# bisheng — one non-recursive GNU Makefile.
#   make demo     install missing packages, build, render the sample into out/
#   make check    install missing packages, build, run every test
# Variables: CC (gcc|clang), SANITIZE=1, BUILD=dir, PREFIX, DESTDIR, CFLAGS (added after ours).

VERSION := $(shell sed -n 's/^\#define BS_VERSION_STRING "\(.*\)"/\1/p' include/bisheng/version.h)
PREFIX ?= /usr/local
CC ?= cc
SHARED ?= ../shared
CORPUS ?= $(SHARED)/corpus

# Debian packages the project needs: libraries, fonts, tools used by tests and the demo.
# One a line, sorted, so that additions merge cleanly.
DEBS := \
        build-essential \
        chromium \
        clang \
        epubcheck \
        fonts-hanazono \
        fonts-noto-cjk \
        fonts-noto-color-emoji \
        fonts-noto-core \
        hyphen-de \
        hyphen-en-us \
        hyphen-fr \
        libcairo2-dev \
        libcmark-gfm-dev \
        libcmark-gfm-extensions-dev \
        libcmocka-dev \
        libdeflate-dev \
        libfontconfig-dev \
        libfreetype-dev \
        libharfbuzz-dev \
        libhyphen-dev \
        libicu-dev \
        libpango1.0-dev \
        libssl-dev \
        libxml2-dev \
        libxml2-utils \
        libxxhash-dev \
        libyaml-dev \
        libzip-dev \
        mupdf-tools \
        nodejs \
        pkg-config \
        poppler-utils \
        python3 \
        qpdf \
        unzip \
        zip \
        zlib1g-dev
PKGS := \
        cairo \
        fontconfig \
        freetype2 \
        harfbuzz \
        harfbuzz-subset \
        icu-i18n \
        icu-uc \
        libcmark-gfm \
        libdeflate \
        pango \
        pangocairo \
        pangofc \
        libxml-2.0 \
        libxxhash \
        libzip \
        yaml-0.1 \
        zlib
# The unit tests (cmocka) also read EPUBs back with libzip, one of PKGS.
TEST_PKGS := cmocka

ifeq ($(SANITIZE),1)
VARIANT := sanitize
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
VARIANT := $(notdir $(CC))
SANFLAGS :=
endif
SANFLAGS += $(SANFLAGS_EXTRA)
BUILD ?= build/$(VARIANT)

WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wno-unused-parameter
override CFLAGS := -std=c11 -O2 -g $(WARN) -D_GNU_SOURCE -fvisibility=hidden -fPIC -Iinclude \
        $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(SANFLAGS) -MMD -MP $(CFLAGS)
# libhyphen has no pkg-config file
LDLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcmark-gfm-extensions -lhyphen -lm -lpthread
override LDFLAGS := $(SANFLAGS) $(LDFLAGS)

LIB_SRC := $(sort $(wildcard src/util/*.c src/doc/*.c src/read/*.c src/epub/*.c src/typeset/*.c src/build/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libbisheng.a
# The shared library: soname libbisheng.so.$(SOVERSION) (raised when the ABI breaks), its
# exports exactly tests/abi/exported.txt, each under the version node BISHENG_$(SOVERSION).
SOVERSION := 0
SONAME := libbisheng.so.$(SOVERSION)
SOLIB := $(BUILD)/libbisheng.so.$(VERSION)
SOMAP := $(BUILD)/libbisheng.map
BIN := $(BUILD)/bisheng
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)
KEEP_EPUB := $(BUILD)/shim/keep-epub.so
FUZZ_SECONDS ?= 60

.PHONY: all deps ace demo check test install uninstall bench bench-peers fuzz golden-update generate format clean
all: $(BIN) $(SOLIB)

deps:
	@missing=""; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) >/dev/null || exit 1; \
	  else \
	    echo "bisheng needs these Debian packages; run:"; \
	    echo "  sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi
	@$(MAKE) --no-print-directory ace

# DAISY Ace, the EPUB accessibility checker make check runs (tests/ace-check.js), from npm at
# the versions tests/ace/package-lock.json pins, into build/ace (shared by the build variants).
# Puppeteer drives Debian's chromium (DEBS) instead of downloading a browser; no install
# scripts run. Debian's nodejs has no npm of its own: it is installed when missing.
ACE_DIR := build/ace
ACE_STAMP := $(ACE_DIR)/node_modules/.bin/ace-cli
ace: $(ACE_STAMP)
$(ACE_STAMP): tests/ace/package.json tests/ace/package-lock.json
	@command -v npm > /dev/null || { [ "$$(id -u)" = 0 ] && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm > /dev/null; } || \
	  { echo "DAISY Ace needs npm; run: sudo apt-get install npm"; exit 1; }
	@mkdir -p $(ACE_DIR)
	cp tests/ace/package.json tests/ace/package-lock.json $(ACE_DIR)/
	cd $(ACE_DIR) && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# The packages that compile bisheng (templates/Dockerfile's build stage): the toolchain and the
# -dev packages of DEBS.
.PHONY: print-build-debs
print-build-debs:
	@echo $(filter build-essential pkg-config %-dev,$(DEBS))

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# Objects are rebuilt when the flags change (-fPIC for the shared library, a new -D), not only
# when their sources do: a build folder made by an older Makefile cannot link stale objects.
$(BUILD)/.cflags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(CC) $(CFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS)' > $@
.PHONY: FORCE
$(LIB_OBJ) $(CLI_OBJ): $(BUILD)/.cflags

# `bisheng init` carries templates/book.yaml in the binary (.incbin: not seen by -MMD)
$(BUILD)/src/cli/build.o: templates/book.yaml templates/ci/github.yml templates/ci/gitlab.yml
$(BUILD)/src/typeset/font.o: fonts/fonts.conf

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SOMAP): tests/abi/exported.txt
	@mkdir -p $(dir $@)
	@{ echo 'BISHENG_$(SOVERSION) {'; echo '  global:'; sed 's/.*/    &;/' $<; \
	   echo '  local: *;'; echo '};'; } > $@

$(SOLIB): $(LIB_OBJ) $(SOMAP)
	$(CC) -shared $(LDFLAGS) -Wl,-soname,$(SONAME) -Wl,--version-script,$(SOMAP) \
	  $(if $(filter 1,$(SANITIZE)),,-Wl,-z,defs) -o $@ $(LIB_OBJ) $(LDLIBS)
	ln -sf $(notdir $@) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libbisheng.so

# The loader binds each symbol by searching the libraries in DT_NEEDED order (breadth first):
# of the ~10,700 bindings at start-up, 8,000 go to libcrypto (libzip's: most of them its own
# symbols), libstdc++ (ICU's), libc and GLib, which came 30th to 50th of the 55 libraries.
# Named first, they are found at once: callgrind, `bisheng --version` 23.3 -> 13.7 M
# instructions, the same saved in every run. Not under the sanitizers (their runtime must
# come first).
LOAD_FIRST := $(if $(filter 1,$(SANITIZE)),,-Wl,--push-state,--no-as-needed \
        $(shell pkg-config --libs libcrypto 2>/dev/null) -lstdc++ -lc \
        $(shell pkg-config --libs glib-2.0 2>/dev/null) -Wl,--pop-state)

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LOAD_FIRST) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null) -Isrc $< -o $@ $(LDFLAGS) $(LIB) $(LDLIBS) $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

demo: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p out
	$(BIN) dump $(CORPUS)/seed-article.txt > out/sample-tree.json
	$(BIN) $(CORPUS)/seed-article.txt --direction horizontal -o out/sample-horizontal.epub
	$(BIN) $(CORPUS)/seed-article.txt --direction vertical -o out/sample-vertical.epub
	$(BIN) $(CORPUS)/seed-article.txt --direction vertical -o out/sample-vertical.pdf
	$(BIN) $(CORPUS)/seed-article.txt --direction horizontal -o out/sample-horizontal.pdf
	@echo "out/:"; ls -l out

check: deps
	@$(MAKE) --no-print-directory all tests-build
	@BUILD=$(BUILD) BIN=$(BIN) CORPUS=$(CORPUS) SANITIZE=$(SANITIZE) VALGRIND=$(VALGRIND) \
	  ACE_DIR=$(ACE_DIR) sh tests/run-tests.sh

.PHONY: tests-build
tests-build: $(UNIT_BIN) $(REPLAY_BIN) $(KEEP_EPUB)

# Preloaded into every test by tests/run-tests.sh: keeps a copy of each EPUB a test builds for
# the last test, t-epub-ace (DAISY Ace and epubcheck on all of them). Built without the
# sanitizers: it runs in every process of a test (sh, python, java), not only in bisheng.
$(KEEP_EPUB): tests/shim/keep-epub.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC $< -o $@ -ldl

$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz-common.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< tests/fuzz/replay.c -o $@ $(LDFLAGS) $(LIB) $(LDLIBS)

# libFuzzer with clang: the library is built with fuzzer instrumentation into build/fuzz, and
# each tests/fuzz/fuzz_*.c target runs FUZZ_SECONDS seconds in turn (FUZZ_TARGETS="md pdf" picks
# some), seeded from the shared corpus (tests/fuzz/seed.py) with its dictionary if it has one.
# The corpus folder build/fuzz/corpus/TARGET grows from run to run. A crash stops the loop; its
# input goes to tests/fuzz/crashers/TARGET/ so t-fuzz-replay.sh replays it in every make check.
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
fuzz: deps
	@$(MAKE) --no-print-directory CC=clang BUILD=build/fuzz \
	  SANFLAGS_EXTRA="-fsanitize=fuzzer-no-link,address,undefined" build/fuzz/libbisheng.a
	@for t in $(FUZZ_TARGETS); do \
	  clang $(CFLAGS) -fsanitize=fuzzer,address,undefined tests/fuzz/fuzz_$$t.c \
	    -o build/fuzz/fuzz_$$t build/fuzz/libbisheng.a $(LDLIBS) || exit 1; \
	done
	@for t in $(FUZZ_TARGETS); do \
	  python3 tests/fuzz/seed.py $$t build/fuzz/corpus/$$t $(CORPUS) || exit 1; \
	  dict=; case $$t in md|text|epub|pdf) dict=-dict=tests/fuzz/md.dict ;; \
	    html) dict=-dict=tests/fuzz/html.dict ;; manifest) dict=-dict=tests/fuzz/manifest.dict ;; esac; \
	  echo "fuzzing $$t for $(FUZZ_SECONDS)s (log: build/fuzz/fuzz_$$t.log)"; \
	  ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$$PWD/tests/lsan.supp \
	  build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=20 \
	    -rss_limit_mb=2560 -print_final_stats=1 $$dict -artifact_prefix=build/fuzz/$$t- \
	    build/fuzz/corpus/$$t > build/fuzz/fuzz_$$t.log 2>&1; rc=$$?; \
	  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|Done)' build/fuzz/fuzz_$$t.log; \
	  if [ $$rc != 0 ]; then tail -n 40 build/fuzz/fuzz_$$t.log; \
	    mkdir -p tests/fuzz/crashers/$$t; \
	    for a in build/fuzz/$$t-*; do [ -f "$$a" ] && mv "$$a" tests/fuzz/crashers/$$t/; done; \
	    echo "fuzz_$$t failed: its input is in tests/fuzz/crashers/$$t/"; exit 1; fi; \
	done

# make bench: time bisheng against the HarfBuzz/zlib floor and the peers (tests/bench/).
# BENCH_ARGS passes options to tests/bench/bench.py (e.g. BENCH_ARGS=--quick).
PEER_DEBS := pandoc texlive-xetex texlive-lang-chinese texlive-luatex texlive-lang-japanese \
             texlive-fonts-recommended weasyprint
FLOOR := $(BUILD)/bench/bench-floor

$(FLOOR): tests/bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@ $(LDFLAGS) $(LDLIBS)

bench: all $(FLOOR)
	python3 tests/bench/bench.py --bin $(BIN) --floor $(FLOOR) --corpus $(CORPUS) \
	  --work $(BUILD)/bench --results tests/bench/RESULTS.md $(BENCH_ARGS)

bench-peers:
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $(PEER_DEBS); \
	else \
	  echo "the peers are Debian packages; run:"; \
	  echo "  sudo apt-get install --no-install-recommends $(PEER_DEBS)"; \
	fi

test: check

# Generated tables, committed beside their scripts (needs Debian's unicode-data for Unihan).
generate:
	python3 src/read/gen-hanvariants.py > src/read/hanvariants.c
	sh src/epub/gen-css.sh > src/epub/css-data.c

golden-update: all
	@BIN=$(BIN) CORPUS=$(CORPUS) sh tests/golden/update.sh

# A program links with plain `pkg-config --cflags --libs bisheng` (the shared library carries
# its dependencies); `--static` adds Requires.private and Libs.private for libbisheng.a.
DOCDIR := $(PREFIX)/share/doc/bisheng
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/bisheng \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(DOCDIR)/examples
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/bisheng
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libbisheng.a
	install -m 755 $(SOLIB) $(DESTDIR)$(PREFIX)/lib/libbisheng.so.$(VERSION)
	ln -sf libbisheng.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libbisheng.so
	install -m 644 include/bisheng/*.h $(DESTDIR)$(PREFIX)/include/bisheng/
	install -m 644 src/cli/bisheng.1 $(DESTDIR)$(PREFIX)/share/man/man1/bisheng.1
	install -m 644 src/examples/*.c $(DESTDIR)$(DOCDIR)/examples/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' -e 's|@REQUIRES@|$(PKGS)|g' \
	  src/bisheng.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/bisheng.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/bisheng $(DESTDIR)$(PREFIX)/lib/libbisheng.a \
	  $(DESTDIR)$(PREFIX)/lib/libbisheng.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME) \
	  $(DESTDIR)$(PREFIX)/lib/libbisheng.so $(DESTDIR)$(PREFIX)/lib/pkgconfig/bisheng.pc \
	  $(DESTDIR)$(PREFIX)/share/man/man1/bisheng.1
	rm -rf $(DESTDIR)$(PREFIX)/include/bisheng $(DESTDIR)$(DOCDIR)

format:
	clang-format -i --style=file include/bisheng/*.h src/*/*.[ch] tests/unit/*.c

clean:
	rm -rf build out

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
