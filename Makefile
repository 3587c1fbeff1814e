# TechEx - technology-transfer marketplace backend.
#   make            build bin/techex
#   make run        install what is missing, start a private PostgreSQL under var/,
#                   migrate, load demo data, serve on 127.0.0.1:8080
#   make test       the whole suite against a real PostgreSQL the harness starts
#   make asan       the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      wrk against the server, pgbench as the ceiling
#   make fuzz       libFuzzer on the parsers, FUZZ_TIME seconds each (tests/fuzz/fuzz.mk)
#   make format     clang-format every C file;  make lint-spec  lint the OpenAPI spec
#   make deps       install missing Debian packages
#   make po-check   every message in the sources has its Chinese translation
#   make po-update  po/zh_CN.po gains the sources' new messages, untranslated

CC      ?= cc
PKGS    := libevent libevent_pthreads libevent_openssl libpq openssl jansson libargon2 libcurl
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT     ?= -O2 -g
ALL_CFLAGS := $(OPT) -std=c17 -D_GNU_SOURCE $(WARN) -DTECHEX_VERSION='"$(VERSION)"' \
           -Iserver $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -pthread $(CFLAGS)
# libunistring (Unicode normalization, case folding, character properties) has no
# pkg-config file on Debian 12: link it by name when pkg-config does not know it
UNISTRING := $(shell pkg-config --libs libunistring 2>/dev/null || echo -lunistring)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(UNISTRING) -pthread

SERVER_SRC := $(wildcard server/*.c)
MODULE_SRC := $(wildcard modules/*/*.c)
MIGRATIONS := $(sort $(wildcard migrations/*.sql))
PASSWORDS  := data/common-passwords.txt
UNIT_SRC   := $(wildcard tests/unit/*.c)
# the Chinese messages: compiled where the binary looks by default, share/locale
# beside bin/ (TECHEX_LOCALEDIR elsewhere)
PO         := po/zh_CN.po
MO         := share/locale/zh_CN/LC_MESSAGES/techex.mo

# BUILD selects the flavour: build/ (default) or build-asan/
BUILD ?= build
BIN   ?= bin/techex
OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(SERVER_SRC) $(MODULE_SRC)) $(BUILD)/migrations.o \
	$(BUILD)/common_passwords.o \
	$(BUILD)/demo-data.o
HDRS  := $(wildcard server/*.h modules/*/*.h)

.PHONY: all test test-cluster asan run bench format format-check lint-spec deps clean unit \
	po-check po-update

all: $(BIN) $(BUILD)/unit-tests

include tests/fuzz/fuzz.mk

$(BIN): $(OBJS) $(BUILD)/main.o | $(MO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/unit-tests: $(OBJS) $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRC)) | $(MO)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/migrations.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(BUILD)
	sh scripts/embed-migrations.sh $(MIGRATIONS) > $@

$(BUILD)/migrations.o: $(BUILD)/migrations.c server/migrate.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/common_passwords.c: $(PASSWORDS) scripts/embed-passwords.sh
	@mkdir -p $(BUILD)
	sh scripts/embed-passwords.sh $(PASSWORDS) > $@

$(BUILD)/common_passwords.o: $(BUILD)/common_passwords.c modules/accounts/password_policy.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# the demo data of `techex seed-demo`, embedded the same way
$(BUILD)/demo-data.c: data/demo.json scripts/embed-data.sh
	@mkdir -p $(BUILD)
	sh scripts/embed-data.sh seed_demo_json data/demo.json > $@

$(BUILD)/demo-data.o: $(BUILD)/demo-data.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# msgfmt --check: a translation's printf directives must be its message's
$(MO): $(PO)
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $(PO)

po-check:
	@sh scripts/po-check.sh $(PO)

po-update:
	@sh scripts/po-check.sh --update $(PO)

unit: all
	$(BUILD)/unit-tests

test:
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory all $(FUZZ_REPLAYS)
	@sh tests/run.sh

# a primary, a synchronous replica, two servers behind HAProxy; kill -9 of the primary
test-cluster:
	@sh scripts/deps.sh cluster
	@$(MAKE) --no-print-directory all
	@python3 tests/cluster/cluster.py

asan:
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory all fuzz-replay-build BUILD=build-asan BIN=bin/techex-asan \
		OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
	@TECHEX_BIN=bin/techex-asan UNIT_BIN=build-asan/unit-tests TECHEX_SANITIZED=1 sh tests/run.sh

run:
	@sh scripts/deps.sh run
	@$(MAKE) --no-print-directory all
	@sh scripts/run.sh

bench:
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory all
	@sh bench/run.sh

deps:
	@sh scripts/deps.sh all

C_FILES = main.c server/*.c server/*.h modules/*/*.c modules/*/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c

format:
	clang-format -i $(C_FILES)

format-check:
	@clang-format --dry-run --Werror $(C_FILES)

lint-spec:
	@sh scripts/deps.sh lint
	@sh scripts/lint-spec.sh

clean:
	rm -rf build build-asan build-fuzz bin share
