# anju: build, test, run, bench, fuzz.  GNU Make with pkg-config.
#
#   make            build/anju (optimised, with debug info)
#   make asan       build/asan/anju (AddressSanitizer + UBSan)
#   make test       set up, then every test on SQLite and PostgreSQL, and the browser tests
#   make run        set up, build (with the web console), create ./demo-data once, serve 127.0.0.1:8080
#   make web        the web console (web/dist), rebuilt when web/ changes; needs npm
#   make bench      benchmarks beside their targets
#   make fuzz       libFuzzer targets, briefly (FUZZ_SECONDS each)
#   make fmt        clang-format every C file

BUILD     ?= build
SAN       ?=
CC        ?= cc
PKGS      := libmicrohttpd jansson sqlite3 libpq libcrypto libsodium libarchive xlsxwriter pangocairo libqrencode libcurl
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wno-format-nonliteral -Wvla -Wpointer-arith \
             -Wno-missing-field-initializers
HARDEN    := -fstack-protector-strong -fPIE -D_FORTIFY_SOURCE=2 -fno-strict-aliasing
ifeq ($(SAN),1)
OPT       := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
SANLD     := -fsanitize=address,undefined
else
OPT       := -O2 -g
SANLD     :=
endif
CFLAGS_ALL = -std=c17 -D_GNU_SOURCE -DANJU_VERSION='"$(VERSION)"' $(WARN) $(HARDEN) $(OPT) \
             -Isrc -I$(BUILD)/gen $(PKG_CFLAGS) $(CFLAGS) -MMD -MP
LDFLAGS_ALL = -pie -Wl,-z,relro,-z,now $(SANLD) $(LDFLAGS)
LIBS_ALL   = $(PKG_LIBS) -lpthread -lm

LIB_SRC   := $(sort $(shell find src -name '*.c' ! -path 'src/cli/main.c'))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/migrations.o
MAIN_OBJ  := $(BUILD)/obj/src/cli/main.o
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SQL       := $(sort $(wildcard sql/*.sql))

.PHONY: all asan test run bench fuzz fmt setup clean unit-bins check-fmt web
.DEFAULT_GOAL := all

all: $(BUILD)/anju

asan:
	$(MAKE) BUILD=build/asan SAN=1 all unit-bins

$(BUILD)/anju: $(MAIN_OBJ) $(BUILD)/libanju.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_ALL)

$(BUILD)/libanju.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/gen/migrations.c: $(SQL) scripts/embed-sql.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-sql.sh $(SQL) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/migrations.o: $(BUILD)/gen/migrations.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

unit-bins: $(UNIT_BIN)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libanju.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests -o $@ $< $(BUILD)/libanju.a $(LDFLAGS_ALL) $(LIBS_ALL) -lcmocka

# The web console: Vite builds web/src into web/dist, which anju serve serves.
# Kept out of `all` so the C part builds without Node.js.
WEB_SRC := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.js \
           web/package.json

web: web/dist/index.html

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

web/dist/index.html: $(WEB_SRC) web/node_modules/.package-lock.json
	cd web && npm run build

setup:
	sh scripts/setup.sh

test:
	sh scripts/setup.sh
	$(MAKE) asan
	$(MAKE) all
	$(MAKE) web
	sh tests/run.sh

run:
	sh scripts/setup.sh
	$(MAKE) all web
	@[ -d demo-data ] || $(BUILD)/anju init --data ./demo-data --demo
	$(BUILD)/anju serve --data ./demo-data --listen 127.0.0.1:8080

bench:
	sh scripts/setup.sh
	$(MAKE) all $(BUILD)/bench/fill $(BUILD)/bench/ledger_fill $(BUILD)/bench/payments $(BUILD)/bench/reconcile $(BUILD)/bench/patrol
	sh bench/run.sh
	sh bench/housing.sh
	sh bench/ledger.sh
	sh bench/payments.sh
	sh bench/crosscheck.sh
	sh bench/recheck.sh
	sh bench/billing.sh
	sh bench/reconcile.sh
	sh bench/vacancy.sh
	sh bench/patrol.sh

# The benchmarks' programs (bench/fill.c, bench/ledger_fill.c, bench/payments.c), linked with
# the library.
$(BUILD)/bench/fill $(BUILD)/bench/ledger_fill $(BUILD)/bench/payments $(BUILD)/bench/reconcile $(BUILD)/bench/patrol: $(BUILD)/bench/%: bench/%.c $(BUILD)/libanju.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libanju.a $(LDFLAGS_ALL) $(LIBS_ALL)

fuzz:
	sh scripts/setup.sh
	sh fuzz/run.sh

fmt:
	find src tests fuzz bench -name '*.[ch]' | xargs clang-format -i

check-fmt:
	@find src tests fuzz bench -name '*.[ch]' | xargs clang-format --dry-run --Werror \
		&& echo "format: every C file follows .clang-format"

clean:
	rm -rf build web/dist

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
